package transport

import (
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// dtlsConn is the net.PacketConn that Handshake runs over: it reads the
// DTLS datagrams the endpoint accepted for it and writes them back towards
// the peer. Every datagram it returns claims to come from raddr, the peer's
// identity for pion/dtls, even if the path moves.
//
// With ICE or a fixed RemoteAddr there is one such conn at a time, fed from
// the endpoint's queue (in is e.dtlsIn) and writing to the selected path.
// With a RemoteHint each candidate source gets its own conn (session true):
// its own queue, writes to its own source, so a stranger's datagrams never
// reach another source's handshake.
type dtlsConn struct {
	e     *Endpoint
	raddr *net.UDPAddr
	in    chan []byte

	// RemoteHint sessions only.
	session bool
	mu      sync.Mutex
	src     netip.AddrPort // the source it reads from; for a client session, the hint until bound
	bound   bool           // src is where the peer's datagrams come from
	dst     netip.AddrPort // where its handshake flights go: the source, or the hint for the client
	won     atomic.Bool    // it verified the peer: it now writes to the latched path
	started bool           // a handshake runs on it (server sessions; under e.hint.mu)

	closeOnce sync.Once
	closed    chan struct{}

	rd readDeadline
}

var _ net.PacketConn = (*dtlsConn)(nil)

func newDTLSConn(e *Endpoint, raddr *net.UDPAddr) *dtlsConn {
	return &dtlsConn{e: e, raddr: raddr, in: e.dtlsIn, closed: make(chan struct{}), rd: newReadDeadline()}
}

// newSession is a RemoteHint candidate: a server session for a source that
// sent a ClientHello (bound), or the client session aimed at the hint.
func newSession(e *Endpoint, src netip.AddrPort, bound bool) *dtlsConn {
	return &dtlsConn{
		e: e, raddr: net.UDPAddrFromAddrPort(src), in: make(chan []byte, e.opts.DTLSQueue),
		session: true, src: src, bound: bound, dst: src,
		closed: make(chan struct{}), rd: newReadDeadline(),
	}
}

// deliver queues a copy of pkt for the handshake, or drops and counts it.
func (c *dtlsConn) deliver(pkt []byte) verdict {
	select {
	case c.in <- append([]byte(nil), pkt...):
		return vDTLS
	default:
		c.e.stats.droppedQueueFull.Add(1)
		return vDropped
	}
}

func (c *dtlsConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		dl, wake := c.rd.snapshot()
		if !dl.IsZero() && !time.Now().Before(dl) {
			return 0, nil, os.ErrDeadlineExceeded
		}
		select {
		case p := <-c.in:
			return copy(b, p), c.raddr, nil
		case <-c.closed:
			return 0, nil, net.ErrClosed
		case <-c.e.closed:
			return 0, nil, net.ErrClosed
		case <-wake:
		}
	}
}

// WriteTo sends to the selected path (once latched: symmetric, RFC 4961)
// or, during a RemoteHint handshake, to the session's destination, whatever
// addr says: the endpoint decides where the peer is.
func (c *dtlsConn) WriteTo(b []byte, _ net.Addr) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	case <-c.e.closed:
		return 0, net.ErrClosed
	default:
	}
	var to netip.AddrPort
	if c.session && !c.won.Load() {
		to = c.dst
	} else {
		p := c.e.selected.Load()
		if p == nil {
			return 0, ErrNotAuthorized
		}
		to = p.ap
	}
	if err := c.e.writeTo(b, to); err != nil {
		return 0, err
	}
	return len(b), nil
}

// source is where a session's peer is, and whether it is known yet.
func (c *dtlsConn) source() (netip.AddrPort, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.src, c.bound
}

// Close ends this view; the endpoint may then run a new handshake. Media
// authorisation ends with the association that ran over it.
func (c *dtlsConn) Close() error {
	c.closeOnce.Do(func() {
		close(c.closed)
		if c.session {
			c.e.dropSession(c)
			return
		}
		c.e.verified.Store(false)
		// Drain what is queued for this association.
		for {
			select {
			case <-c.in:
				continue
			default:
			}
			break
		}
		c.e.dtlsBusy.Store(false)
	})
	return nil
}

func (c *dtlsConn) LocalAddr() net.Addr {
	if c.e.conn != nil {
		return c.e.conn.LocalAddr()
	}
	return &net.UDPAddr{}
}

func (c *dtlsConn) SetDeadline(t time.Time) error { return c.SetReadDeadline(t) }

func (c *dtlsConn) SetWriteDeadline(time.Time) error { return nil }

func (c *dtlsConn) SetReadDeadline(t time.Time) error {
	c.rd.set(t)
	return nil
}
