package transport

import (
	"net"
	"os"
	"sync"
	"time"
)

// dtlsConn is the net.PacketConn that Handshake runs over: it reads the
// DTLS datagrams the endpoint accepted (from authorised addresses only) and
// writes to the endpoint's selected path. Every datagram it returns claims
// to come from raddr, the peer's identity for pion/dtls, even if ICE moves
// the path.
type dtlsConn struct {
	e     *Endpoint
	raddr *net.UDPAddr

	closeOnce sync.Once
	closed    chan struct{}

	rd readDeadline
}

var _ net.PacketConn = (*dtlsConn)(nil)

func newDTLSConn(e *Endpoint, raddr *net.UDPAddr) *dtlsConn {
	return &dtlsConn{e: e, raddr: raddr, closed: make(chan struct{}), rd: newReadDeadline()}
}

func (c *dtlsConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		dl, wake := c.rd.snapshot()
		if !dl.IsZero() && !time.Now().Before(dl) {
			return 0, nil, os.ErrDeadlineExceeded
		}
		select {
		case p := <-c.e.dtlsIn:
			return copy(b, p), c.raddr, nil
		case <-c.closed:
			return 0, nil, net.ErrClosed
		case <-c.e.closed:
			return 0, nil, net.ErrClosed
		case <-wake:
		}
	}
}

// WriteTo sends to the selected path, whatever addr says: the endpoint
// decides where the peer is.
func (c *dtlsConn) WriteTo(b []byte, _ net.Addr) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	case <-c.e.closed:
		return 0, net.ErrClosed
	default:
	}
	p := c.e.selected.Load()
	if p == nil {
		return 0, ErrNotAuthorized
	}
	if err := c.e.writeTo(b, p.ap); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Close ends this view; the endpoint may then run a new handshake. Media
// authorisation ends with it.
func (c *dtlsConn) Close() error {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.e.verified.Store(false)
		// Drain what is queued for this association.
		for {
			select {
			case <-c.e.dtlsIn:
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
