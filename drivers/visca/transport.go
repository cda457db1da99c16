package visca

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Transport carries VISCA messages. WriteMessage sends one message
// (terminator included); ReadMessage returns the next reply message into
// buf. The driver serialises calls.
type Transport interface {
	WriteMessage(msg []byte) error
	ReadMessage(buf []byte) (int, error)
	Close() error
}

// Serial is VISCA on a byte stream (RS-232/RS-422 at 9600 8N1): messages
// are delimited by 0xFF.
type Serial struct {
	w io.Writer
	r *bufio.Reader
	c io.Closer
}

// NewSerial returns a transport on rw, which the caller opened (OpenSerial
// on Linux). Close closes rw when it is an io.Closer.
func NewSerial(rw io.ReadWriter) *Serial {
	s := &Serial{w: rw, r: bufio.NewReaderSize(rw, 64)}
	s.c, _ = rw.(io.Closer)
	return s
}

// WriteMessage writes msg.
func (s *Serial) WriteMessage(msg []byte) error {
	_, err := s.w.Write(msg)
	return err
}

// ReadMessage reads up to and including the next 0xFF. A message longer
// than MaxMessage or than buf is skipped up to its terminator and reported
// as ErrBadReply, so the stream resynchronises.
func (s *Serial) ReadMessage(buf []byte) (int, error) {
	n, over := 0, false
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, err
		}
		if n < len(buf) && n < MaxMessage {
			buf[n] = c
			n++
		} else {
			over = true
		}
		if c == terminator {
			if over {
				return 0, badReply("message longer than %d bytes", min(len(buf), MaxMessage))
			}
			return n, nil
		}
	}
}

// Close closes the underlying stream if it can be closed.
func (s *Serial) Close() error {
	if s.c != nil {
		return s.c.Close()
	}
	return nil
}

// VISCA over IP (Sony "VISCA over IP" command list): UDP port 52381, every
// datagram is an 8-byte header — payload type (2 bytes), payload length (2),
// sequence number (4), big-endian — followed by the payload.
const (
	IPPort = 52381

	TypeCommand      = 0x0100 // VISCA command
	TypeInquiry      = 0x0110 // VISCA inquiry
	TypeReply        = 0x0111 // VISCA reply (ACK, completion, error, inquiry reply)
	TypeControl      = 0x0200 // control command (0x01 = reset sequence number)
	TypeControlReply = 0x0201 // control reply

	ipHeaderLen = 8
)

// AppendIPHeader appends the VISCA-over-IP header for a payload.
func AppendIPHeader(dst []byte, typ uint16, length int, seq uint32) []byte {
	dst = binary.BigEndian.AppendUint16(dst, typ)
	dst = binary.BigEndian.AppendUint16(dst, uint16(length))
	return binary.BigEndian.AppendUint32(dst, seq)
}

// ParseIPHeader splits a VISCA-over-IP datagram.
func ParseIPHeader(b []byte) (typ uint16, seq uint32, payload []byte, err error) {
	if len(b) < ipHeaderLen {
		return 0, 0, nil, badReply("datagram of %d bytes", len(b))
	}
	typ = binary.BigEndian.Uint16(b)
	n := int(binary.BigEndian.Uint16(b[2:]))
	seq = binary.BigEndian.Uint32(b[4:])
	if n != len(b)-ipHeaderLen {
		return 0, 0, nil, badReply("payload length %d in a %d-byte datagram", n, len(b))
	}
	return typ, seq, b[ipHeaderLen:], nil
}

// IP is VISCA over IP on a connected UDP socket.
type IP struct {
	conn    net.Conn
	timeout time.Duration
	mu      sync.Mutex
	seq     uint32
	out     []byte
	in      []byte
}

// DialIP connects to a camera ("192.0.2.10" or "192.0.2.10:52381") and
// resets its sequence number. Reads time out after timeout (0: 1 s).
func DialIP(addr string, timeout time.Duration) (*IP, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, fmt.Sprint(IPPort))
	}
	c, err := net.Dial("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("visca: %w", err)
	}
	t := NewIP(c, timeout)
	if err := t.Reset(); err != nil {
		c.Close()
		return nil, err
	}
	return t, nil
}

// NewIP returns a transport on a connected datagram conn.
func NewIP(c net.Conn, timeout time.Duration) *IP {
	if timeout <= 0 {
		timeout = time.Second
	}
	return &IP{conn: c, timeout: timeout, out: make([]byte, 0, ipHeaderLen+MaxMessage), in: make([]byte, 1500)}
}

// Reset sends RESET (control 0x01) and waits for its reply; the sequence
// number starts again at 0.
func (t *IP) Reset() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.sendLocked(TypeControl, []byte{0x01}); err != nil {
		return err
	}
	for {
		typ, _, _, err := t.recvLocked()
		if err != nil {
			return err
		}
		if typ == TypeControlReply {
			t.seq = 0 // the camera expects 0 next
			return nil
		}
	}
}

func (t *IP) sendLocked(typ uint16, payload []byte) error {
	t.out = AppendIPHeader(t.out[:0], typ, len(payload), t.seq)
	t.out = append(t.out, payload...)
	t.seq++
	if _, err := t.conn.Write(t.out); err != nil {
		return fmt.Errorf("visca: %w", err)
	}
	return nil
}

func (t *IP) recvLocked() (uint16, uint32, []byte, error) {
	if err := t.conn.SetReadDeadline(time.Now().Add(t.timeout)); err != nil {
		return 0, 0, nil, fmt.Errorf("visca: %w", err)
	}
	n, err := t.conn.Read(t.in)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("visca: %w", err)
	}
	return ParseIPHeader(t.in[:n])
}

// WriteMessage sends msg as a command or, for inquiries, an inquiry.
func (t *IP) WriteMessage(msg []byte) error {
	typ := uint16(TypeCommand)
	if IsInquiry(msg) {
		typ = TypeInquiry
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sendLocked(typ, msg)
}

// ReadMessage returns the next VISCA reply's payload, skipping control
// replies.
func (t *IP) ReadMessage(buf []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for {
		typ, _, p, err := t.recvLocked()
		if err != nil {
			return 0, err
		}
		if typ != TypeReply {
			continue
		}
		if len(p) > len(buf) {
			return 0, badReply("reply of %d bytes", len(p))
		}
		return copy(buf, p), nil
	}
}

// Close closes the socket.
func (t *IP) Close() error {
	err := t.conn.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
