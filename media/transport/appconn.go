package transport

import (
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"
)

// appQueue is how many application datagrams wait for a reader before
// newer ones are dropped. SCTP above retransmits what is lost, as it would
// on any lossy path; a reader that never comes cannot stall the association.
const appQueue = 64

// appConn is the association's application data as a net.Conn: each Read
// returns one DTLS record's data, each Write sends one.
type appConn struct {
	a       *Association
	in      chan []byte
	dropped atomic.Uint64

	rd readDeadline
}

var _ net.Conn = (*appConn)(nil)

func newAppConn(a *Association) *appConn {
	return &appConn{a: a, in: make(chan []byte, appQueue), rd: newReadDeadline()}
}

func (c *appConn) deliver(b []byte) {
	select {
	case c.in <- append([]byte(nil), b...):
	default:
		c.dropped.Add(1)
	}
}

// Read returns the next datagram; if b is too short the rest of it is lost
// and io.ErrShortBuffer returned with the part that fits.
func (c *appConn) Read(b []byte) (int, error) {
	for {
		dl, wake := c.rd.snapshot()
		if !dl.IsZero() && !time.Now().Before(dl) {
			return 0, os.ErrDeadlineExceeded
		}
		select {
		case m := <-c.in:
			n := copy(b, m)
			if n < len(m) {
				return n, io.ErrShortBuffer
			}
			return n, nil
		default:
		}
		select {
		case m := <-c.in:
			n := copy(b, m)
			if n < len(m) {
				return n, io.ErrShortBuffer
			}
			return n, nil
		case <-c.a.done:
			return 0, io.EOF
		case <-wake:
			// The deadline changed or expired; look again.
		}
	}
}

func (c *appConn) Write(b []byte) (int, error) {
	select {
	case <-c.a.done:
		return 0, net.ErrClosed
	default:
	}
	return c.a.conn.Write(b)
}

// Close ends the whole association.
func (c *appConn) Close() error { return c.a.Close() }

func (c *appConn) LocalAddr() net.Addr  { return c.a.conn.LocalAddr() }
func (c *appConn) RemoteAddr() net.Addr { return c.a.conn.RemoteAddr() }

func (c *appConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

func (c *appConn) SetWriteDeadline(t time.Time) error { return c.a.conn.SetWriteDeadline(t) }

// SetReadDeadline wakes blocked readers when the deadline passes or changes.
func (c *appConn) SetReadDeadline(t time.Time) error {
	c.rd.set(t)
	return nil
}
