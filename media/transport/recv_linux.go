//go:build linux

package transport

import (
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsghdr is the kernel's struct mmsghdr (recvmmsg(2)): a msghdr and the
// number of bytes received into it. Go pads it as C does: 64 bytes on 64-bit
// targets, 32 on 32-bit arm, where unix.Msghdr has 32-bit lengths.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// The layout is checked at compile time on every GOARCH: eight pointer-sized
// words (msghdr's seven and msg_len padded to the struct's alignment).
var (
	_ [unsafe.Sizeof(mmsghdr{}) - 8*unsafe.Sizeof(uintptr(0))]struct{}
	_ [8*unsafe.Sizeof(uintptr(0)) - unsafe.Sizeof(mmsghdr{})]struct{}
)

// mmsgReader reads a batch of datagrams with one recvmmsg(2) call through
// the socket's syscall.RawConn, so Go's poller still parks the goroutine
// while nothing is queued. Headers, iovecs, source addresses and buffers
// are allocated once and reused: unlike x/net's ReadBatch, which builds a
// *net.UDPAddr per datagram, a read allocates nothing.
type mmsgReader struct {
	rc    syscall.RawConn
	hs    []mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6
	bufs  [][]byte

	n     int
	errno syscall.Errno
	// recv is r.recvmmsg bound once: a method value made per call would
	// allocate.
	recv func(fd uintptr) bool

	// One IPv6 zone name, cached: link-local peers come from one
	// interface.
	zoneID   uint32
	zoneName string
}

// newBatchReader reads size datagrams per call with recvmmsg, or one at a
// time if the socket offers no raw access.
func newBatchReader(c *net.UDPConn, size int) batchReader {
	rc, err := c.SyscallConn()
	if err != nil || size <= 1 {
		return newSingleReader(c)
	}
	r := &mmsgReader{
		rc:    rc,
		hs:    make([]mmsghdr, size),
		iovs:  make([]unix.Iovec, size),
		names: make([]unix.RawSockaddrInet6, size),
		bufs:  make([][]byte, size),
	}
	for i := range r.hs {
		r.bufs[i] = make([]byte, maxDatagram)
		r.iovs[i].Base = &r.bufs[i][0]
		r.iovs[i].SetLen(maxDatagram)
		h := &r.hs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		h.Iov = &r.iovs[i]
		h.SetIovlen(1)
	}
	r.recv = r.recvmmsg
	return r
}

func (r *mmsgReader) read() (int, error) {
	r.n, r.errno = 0, 0
	if err := r.rc.Read(r.recv); err != nil {
		return 0, err
	}
	if r.errno != 0 {
		return 0, os.NewSyscallError("recvmmsg", r.errno)
	}
	return r.n, nil
}

// recvmmsg runs with the socket's descriptor; false asks the poller to wait
// until it is readable. The socket is non-blocking (Go's netpoll), so the
// kernel returns what is queued, up to the batch, without waiting for more.
func (r *mmsgReader) recvmmsg(fd uintptr) bool {
	for i := range r.hs {
		// Value-result fields: the kernel overwrites them.
		r.hs[i].hdr.Namelen = unix.SizeofSockaddrInet6
		r.hs[i].hdr.Flags = 0
		r.hs[i].len = 0
	}
	for {
		n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hs[0])), uintptr(len(r.hs)), 0, 0, 0)
		switch errno {
		case 0:
			r.n = int(n)
			return true
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		}
		r.errno = errno
		return true
	}
}

func (r *mmsgReader) packet(i int) ([]byte, netip.AddrPort, bool) {
	h := &r.hs[i]
	if h.hdr.Flags&unix.MSG_TRUNC != 0 {
		// Larger than any datagram this socket carries: not ours.
		return nil, netip.AddrPort{}, false
	}
	from, ok := r.source(&r.names[i])
	return r.bufs[i][:h.len], from, ok
}

// source decodes a sockaddr_in or sockaddr_in6 without allocating.
func (r *mmsgReader) source(sa *unix.RawSockaddrInet6) (netip.AddrPort, bool) {
	raw := (*[unix.SizeofSockaddrInet6]byte)(unsafe.Pointer(sa))
	port := uint16(raw[2])<<8 | uint16(raw[3]) // network byte order
	switch sa.Family {
	case unix.AF_INET:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(raw[4:8])), port), true
	case unix.AF_INET6:
		a := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 && !a.Is4In6() {
			if sa.Scope_id != r.zoneID || r.zoneName == "" {
				r.zoneID, r.zoneName = sa.Scope_id, strconv.FormatUint(uint64(sa.Scope_id), 10)
			}
			a = a.WithZone(r.zoneName)
		}
		return netip.AddrPortFrom(a, port), true
	}
	return netip.AddrPort{}, false
}
