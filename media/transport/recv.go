package transport

import (
	"net"
	"net/netip"
)

// batchReader reads datagrams into buffers it allocated once: read fills up
// to its batch size and says how many; packet(i) returns the i-th datagram
// (valid until the next read) and its source, ok false for a datagram that
// was truncated or has no usable source. Neither allocates.
type batchReader interface {
	read() (int, error)
	packet(i int) (pkt []byte, from netip.AddrPort, ok bool)
}

// singleReader reads one datagram per system call: the portable fallback,
// and the baseline the recvmmsg reader is benchmarked against.
type singleReader struct {
	c    *net.UDPConn
	buf  []byte
	n    int
	from netip.AddrPort
}

func newSingleReader(c *net.UDPConn) *singleReader {
	return &singleReader{c: c, buf: make([]byte, maxDatagram)}
}

func (r *singleReader) read() (int, error) {
	// ReadFromUDPAddrPort returns the source as a value: no allocation.
	n, from, err := r.c.ReadFromUDPAddrPort(r.buf)
	if err != nil {
		return 0, err
	}
	r.n, r.from = n, from
	return 1, nil
}

func (r *singleReader) packet(int) ([]byte, netip.AddrPort, bool) {
	return r.buf[:r.n], r.from, r.from.IsValid()
}
