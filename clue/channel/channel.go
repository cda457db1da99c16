package channel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/logging"
	"github.com/pion/sctp"
)

// Defaults.
const (
	// DefaultMaxMessageSize is a=max-message-size when the attribute is
	// absent (RFC 8841 §6).
	DefaultMaxMessageSize = 65536
	// SCTPPort is the only SCTP port pion/sctp uses (both ends).
	SCTPPort = 5000
	// Label and Protocol of the CLUE channel (RFC 8850 §3.3.2: send
	// "CLUE", match case-insensitively).
	Label    = "CLUE"
	Protocol = "CLUE"
	// DefaultRate and DefaultBurst bound CLUE messages per second each
	// way: a CLUE exchange is a handful of messages per (re)configuration.
	DefaultRate  = 20
	DefaultBurst = 40
	// receiveQueue is how many received messages wait for Receive before
	// the channel stops reading (and SCTP flow control pushes back).
	receiveQueue = 16
)

// Unlimited, as a max-message-size, is the SDP value 0: no limit
// (RFC 8841 §6).
const Unlimited = -1

// Opts configures Open. The zero value of each field is its default.
type Opts struct {
	// Client: this side is the DTLS client (SCTP initiator).
	Client bool
	// StreamID is the a=dcmap stream id of the CLUE channel (RFC 8864).
	StreamID uint16
	// LocalPort and RemotePort are the a=sctp-port values; 0 means 5000.
	LocalPort, RemotePort int
	// RemoteMaxMessageSize is the peer's a=max-message-size: 0 when the
	// attribute is absent (DefaultMaxMessageSize applies), Unlimited when
	// the SDP says 0. Messages larger are refused by Send.
	RemoteMaxMessageSize int
	// LocalMaxMessageSize is the a=max-message-size this box advertises:
	// larger incoming messages are dropped and counted. 0 means
	// DefaultMaxMessageSize.
	LocalMaxMessageSize int
	// SendRate/SendBurst and ReceiveRate/ReceiveBurst are token buckets
	// in messages per second; 0 means DefaultRate/DefaultBurst, a negative
	// rate means unlimited.
	SendRate, ReceiveRate   float64
	SendBurst, ReceiveBurst int
	// LoggerFactory receives pion's logs; nil discards them.
	LoggerFactory logging.LoggerFactory
	// Now is the clock for the rate limits (time.Now when nil).
	Now func() time.Time
}

// Stats counts a channel's traffic.
type Stats struct {
	MessagesSent, MessagesReceived uint64
	BytesSent, BytesReceived       uint64
	DroppedTooLarge                uint64 // incoming over our max-message-size
	DroppedRateLimited             uint64 // incoming over the receive rate
	DroppedNotString               uint64 // incoming with a PPID other than 51
	SendRefused                    uint64 // Send calls refused (size, rate)
}

// Channel is the CLUE data channel of one CLUE session.
type Channel struct {
	assoc *sctp.Association
	dc    *datachannel.DataChannel
	conn  *guardConn
	opts  Opts

	sendMax, recvMax int // 0: unlimited
	readSize         int
	sendRate         *bucket
	recvRate         *bucket

	sendMu sync.Mutex
	in     chan []byte
	// softErr carries non-fatal receive errors (dropped messages) to
	// Receive, bounded: one pending at a time.
	softErr chan error

	done     chan struct{}
	stopOnce sync.Once
	err      error

	sent, received, bytesSent, bytesReceived       atomic.Uint64
	dropTooLarge, dropRate, dropNotString, refused atomic.Uint64
}

// Open brings up the SCTP association over conn (the DTLS association's
// application data) as client or server, and the SDP-negotiated CLUE
// channel on StreamID. No DCEP message is exchanged (RFC 8864): both sides
// open the stream themselves. ctx bounds the setup only.
//
// The channel does not close conn: ending the DTLS association is the
// transport's business. It does stop using it when it closes.
func Open(ctx context.Context, conn net.Conn, opts *Opts) (*Channel, error) {
	var o Opts
	if opts != nil {
		o = *opts
	}
	for _, p := range []int{o.LocalPort, o.RemotePort} {
		if p != 0 && p != SCTPPort {
			return nil, fmt.Errorf("%w: a=sctp-port:%d", ErrUnsupportedPort, p)
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	logs := o.LoggerFactory
	if logs == nil {
		quiet := logging.NewDefaultLoggerFactory()
		quiet.DefaultLogLevel = logging.LogLevelDisabled
		quiet.ScopeLevels = map[string]logging.LogLevel{}
		quiet.Writer = io.Discard
		logs = quiet
	}
	c := &Channel{
		opts:    o,
		conn:    newGuardConn(conn),
		sendMax: limit(o.RemoteMaxMessageSize),
		recvMax: limit(o.LocalMaxMessageSize),
		in:      make(chan []byte, receiveQueue),
		softErr: make(chan error, 1),
		done:    make(chan struct{}),
	}
	c.sendRate = newBucket(rateOr(o.SendRate), burstOr(o.SendRate, o.SendBurst), o.Now)
	c.recvRate = newBucket(rateOr(o.ReceiveRate), burstOr(o.ReceiveRate, o.ReceiveBurst), o.Now)

	maxMsg := uint32(0)
	if c.sendMax > 0 {
		maxMsg = uint32(c.sendMax)
	}
	// The read buffer holds any message SCTP can reassemble (the receive
	// window): pion leaves a message that does not fit at the head of the
	// queue, so a shorter buffer would wedge the stream.
	c.readSize = 4 * c.recvMax
	if c.recvMax == 0 || c.readSize > 1<<20 {
		c.readSize = 1 << 20
	}
	if c.readSize < 256<<10 {
		c.readSize = 256 << 10
	}
	cfg := sctp.Config{
		NetConn:              c.conn,
		MaxReceiveBufferSize: uint32(c.readSize),
		LoggerFactory:        logs,
		Name:                 "clue",
		// pion refuses to send more than this; our own check comes first
		// with a clearer error.
		MaxMessageSize: maxMsg,
	}
	type result struct {
		a   *sctp.Association
		err error
	}
	res := make(chan result, 1)
	go func() {
		var a *sctp.Association
		var err error
		if o.Client {
			a, err = sctp.ClientContext(ctx, cfg)
		} else {
			a, err = sctp.ServerWithOptions(cfg)
		}
		res <- result{a, err}
	}()
	var r result
	select {
	case r = <-res:
	case <-ctx.Done():
		// Unblock the server handshake, which takes no context.
		c.conn.Close()
		r = <-res
		if r.err == nil {
			r.a.Close()
		}
		return nil, fmt.Errorf("channel: sctp association: %w", context.Cause(ctx))
	}
	if r.err != nil {
		c.conn.Close()
		return nil, fmt.Errorf("channel: sctp association: %w", r.err)
	}
	c.assoc = r.a

	// RFC 8864 §6.5 / RFC 8850 §3.3.2: negotiated, reliable, ordered;
	// OpenStream returns the stream if the peer's data already created it.
	dc, err := datachannel.Dial(r.a, o.StreamID, &datachannel.Config{
		ChannelType:   datachannel.ChannelTypeReliable,
		Negotiated:    true,
		Label:         Label,
		Protocol:      Protocol,
		LoggerFactory: logs,
	})
	if err != nil {
		r.a.Close()
		c.conn.Close()
		return nil, fmt.Errorf("channel: opening stream %d: %w", o.StreamID, err)
	}
	c.dc = dc
	go c.readLoop()
	go c.refuseOtherStreams()
	return c, nil
}

func limit(v int) int {
	switch {
	case v == 0:
		return DefaultMaxMessageSize
	case v < 0:
		return 0
	}
	return v
}

func rateOr(r float64) float64 {
	switch {
	case r == 0:
		return DefaultRate
	case r < 0:
		return 0
	}
	return r
}

func burstOr(r float64, b int) int {
	if r == 0 && b == 0 {
		return DefaultBurst
	}
	if b <= 0 {
		return 1
	}
	return b
}

// refuseOtherStreams resets any stream the peer opens other than the CLUE
// one: this association carries the CLUE channel only, and DCEP is not
// used (RFC 8850 §1).
func (c *Channel) refuseOtherStreams() {
	for {
		s, err := c.assoc.AcceptStream()
		if err != nil {
			return
		}
		if s.StreamIdentifier() != c.opts.StreamID {
			s.Close()
		}
	}
}

func (c *Channel) readLoop() {
	buf := make([]byte, c.readSize)
	for {
		n, isString, err := c.dc.ReadDataChannel(buf)
		switch {
		case errors.Is(err, io.ErrShortBuffer):
			// Larger than the receive window: cannot be skipped (pion
			// keeps it queued), so the channel is lost.
			c.dropTooLarge.Add(1)
			c.stop(fmt.Errorf("%w: %w: larger than the %d-byte receive buffer", ErrPeerClosed, ErrMessageTooLarge, c.readSize))
			return
		case err != nil:
			cause := fmt.Errorf("%w: %w", ErrPeerClosed, err)
			select {
			case <-c.done:
				cause = ErrClosed
			default:
			}
			c.stop(cause)
			return
		}
		if c.recvMax > 0 && n > c.recvMax {
			c.dropTooLarge.Add(1)
			c.soft(fmt.Errorf("%w: received %d bytes, limit %d", ErrMessageTooLarge, n, c.recvMax))
			continue
		}
		if !isString {
			c.dropNotString.Add(1)
			c.soft(ErrNotString)
			continue
		}
		if !c.recvRate.allow() {
			c.dropRate.Add(1)
			c.soft(ErrRateLimited)
			continue
		}
		c.received.Add(1)
		c.bytesReceived.Add(uint64(n))
		msg := append([]byte(nil), buf[:n]...)
		select {
		case c.in <- msg:
		case <-c.done:
			return
		}
	}
}

// soft records a non-fatal receive error for the next Receive, keeping
// only the first while one is pending.
func (c *Channel) soft(err error) {
	select {
	case c.softErr <- err:
	default:
	}
}

// Send sends one CLUE message as a WebRTC String (PPID 51). It refuses
// messages over the peer's max-message-size and over the send rate, and
// fails once the channel has ended.
func (c *Channel) Send(ctx context.Context, msg []byte) error {
	select {
	case <-c.done:
		return c.Err()
	default:
	}
	if len(msg) == 0 {
		return ErrEmptyMessage
	}
	if c.sendMax > 0 && len(msg) > c.sendMax {
		c.refused.Add(1)
		return fmt.Errorf("%w: %d bytes, peer accepts %d", ErrMessageTooLarge, len(msg), c.sendMax)
	}
	if !c.sendRate.allow() {
		c.refused.Add(1)
		return ErrRateLimited
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if _, err := c.dc.WriteDataChannel(msg, true); err != nil {
		select {
		case <-c.done:
			return c.Err()
		default:
		}
		return fmt.Errorf("channel: send: %w", err)
	}
	c.sent.Add(1)
	c.bytesSent.Add(uint64(len(msg)))
	return nil
}

// Receive returns the next CLUE message. A non-fatal error
// (ErrMessageTooLarge, ErrRateLimited, ErrNotString: a message was
// dropped) is returned once, between messages; after the channel ends,
// queued messages are still returned, then Err().
func (c *Channel) Receive(ctx context.Context) ([]byte, error) {
	select {
	case err := <-c.softErr:
		return nil, err
	default:
	}
	select {
	case m := <-c.in:
		return m, nil
	case err := <-c.softErr:
		return nil, err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	case <-c.done:
		select {
		case m := <-c.in:
			return m, nil
		default:
		}
		return nil, c.Err()
	}
}

// Close resets the CLUE stream (the orderly close of RFC 8850 §3.2.7),
// waits briefly for the reset to leave, and ends the SCTP association.
// The DTLS association is left to its owner. Close is idempotent.
func (c *Channel) Close() error {
	c.stop(ErrClosed)
	return nil
}

func (c *Channel) stop(cause error) {
	c.stopOnce.Do(func() {
		c.err = cause
		close(c.done)
		if !errors.Is(cause, ErrPeerClosed) {
			// Our close: reset our outgoing stream so the peer sees the
			// channel close, give the RE-CONFIG a moment to leave.
			c.dc.Close()
			c.waitResetSent(500 * time.Millisecond)
		}
		c.assoc.Abort("clue channel closed")
		c.conn.Close()
		c.assoc.Close()
	})
}

// waitResetSent waits until nothing is buffered on the stream or d passes.
func (c *Channel) waitResetSent(d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && c.dc.BufferedAmount() > 0 {
		time.Sleep(10 * time.Millisecond)
	}
	// The reset request itself is not buffered data; let the write loop
	// send it.
	time.Sleep(50 * time.Millisecond)
}

// Done is closed when the channel has ended: closed here, reset or
// aborted by the peer, or its DTLS association gone. The endpoint stops the
// call's media then.
func (c *Channel) Done() <-chan struct{} { return c.done }

// Err says why the channel ended (wrapping ErrClosed or ErrPeerClosed), or
// nil while it lives.
func (c *Channel) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// StreamID is the CLUE channel's SCTP stream id.
func (c *Channel) StreamID() uint16 { return c.opts.StreamID }

// Stats returns the counters.
func (c *Channel) Stats() Stats {
	return Stats{
		MessagesSent: c.sent.Load(), MessagesReceived: c.received.Load(),
		BytesSent: c.bytesSent.Load(), BytesReceived: c.bytesReceived.Load(),
		DroppedTooLarge: c.dropTooLarge.Load(), DroppedRateLimited: c.dropRate.Load(),
		DroppedNotString: c.dropNotString.Load(), SendRefused: c.refused.Load(),
	}
}

// guardConn is conn as SCTP sees it: closing it stops SCTP's reads (with
// a read deadline, which the DTLS conn honours) and writes without closing
// the DTLS association underneath.
type guardConn struct {
	net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

func newGuardConn(c net.Conn) *guardConn {
	c.SetReadDeadline(time.Time{})
	return &guardConn{Conn: c, closed: make(chan struct{})}
}

func (g *guardConn) Read(b []byte) (int, error) {
	for {
		select {
		case <-g.closed:
			return 0, net.ErrClosed
		default:
		}
		n, err := g.Conn.Read(b)
		if err != nil {
			select {
			case <-g.closed:
				return 0, net.ErrClosed
			default:
			}
		}
		return n, err
	}
}

func (g *guardConn) Write(b []byte) (int, error) {
	select {
	case <-g.closed:
		return 0, net.ErrClosed
	default:
	}
	return g.Conn.Write(b)
}

func (g *guardConn) Close() error {
	g.closeOnce.Do(func() {
		close(g.closed)
		g.Conn.SetReadDeadline(time.Now())
	})
	return nil
}
