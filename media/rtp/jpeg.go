package rtp

import (
	"fmt"
	"time"

	"github.com/cluecam/cluecam/media/codec"
)

// RFC 2435 header sizes.
const (
	jpegMainHdr    = 8 // §3.1
	jpegRestartHdr = 4 // §3.1.7
	jpegQTHdr      = 4 // §3.1.8, before the table data
	// jpegQ is the Q value we send: 255, tables in-band in every frame,
	// receivers must not cache them (§3.1.8).
	jpegQ = 255
	// maxJPEGHeaders is the most header bytes a packet carries: main,
	// restart, quantisation table header and two 16-bit tables.
	maxJPEGHeaders = jpegMainHdr + jpegRestartHdr + jpegQTHdr + 2*128
)

// JPEGOptions configure a JPEGPacketizer. The zero value is the default.
type JPEGOptions struct {
	// MaxPayload is the largest RTP payload in bytes (default
	// DefaultMaxPayload); it must hold the headers of the first packet
	// (up to 272 bytes) and some scan data.
	MaxPayload int
}

// JPEGPacketizer packetizes baseline JPEG frames (Motion-JPEG) following
// RFC 2435: every packet starts with the main JPEG header (§3.1: type,
// Q = 255, width and height in 8-pixel units, and the fragment offset of
// its data within the entropy-coded scan), then for types 64..127 the
// restart marker header (§3.1.7), then in the first packet of a frame the
// quantisation table header with both tables (§3.1.8), then scan data.
// The marker bit is set on the last packet of the frame; all packets of a
// frame carry its capture time on the 90 kHz clock. The tables and the
// scan data are referenced in the frame, not copied. Use it as
// H264Packetizer. It is not safe for concurrent use.
type JPEGPacketizer struct {
	s   *Stream
	max int

	frame  []byte
	h      codec.JPEGHeader
	ts     uint32
	off    int // scan bytes already sent
	active bool
}

// NewJPEGPacketizer returns a packetizer writing through s (a 90 kHz
// stream, payload type 26 unless negotiated otherwise); nil opts means
// the defaults.
func NewJPEGPacketizer(s *Stream, opts *JPEGOptions) (*JPEGPacketizer, error) {
	var o JPEGOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxPayload == 0 {
		o.MaxPayload = DefaultMaxPayload
	}
	if o.MaxPayload < maxJPEGHeaders+1 {
		return nil, fmt.Errorf("%w: MaxPayload %d (at least %d for RTP/JPEG)", ErrOptions, o.MaxPayload, maxJPEGHeaders+1)
	}
	if s.ClockRate() != 90000 {
		return nil, fmt.Errorf("%w: JPEG needs a 90000 Hz stream, not %d", ErrOptions, s.ClockRate())
	}
	return &JPEGPacketizer{s: s, max: o.MaxPayload}, nil
}

// Stream returns the packetizer's stream.
func (j *JPEGPacketizer) Stream() *Stream { return j.s }

// SetFrame starts a new frame: one JPEG image captured at capture
// (CLOCK_MONOTONIC). It returns the codec.ParseJPEG error (a
// *codec.JPEGError, ErrJPEGUnsupported when RFC 2435 cannot carry the
// image) and then produces no packets. jpeg is borrowed until its last
// packet has been sealed.
func (j *JPEGPacketizer) SetFrame(jpeg []byte, capture time.Duration) error {
	j.active = false
	h, err := codec.ParseJPEG(jpeg)
	if err != nil {
		return err
	}
	if h.ScanLen() >= 1<<24 {
		return fmt.Errorf("rtp: jpeg scan of %d bytes exceeds the 24-bit fragment offset: %w", h.ScanLen(), codec.ErrJPEGUnsupported)
	}
	j.frame, j.h, j.off, j.active = jpeg, h, 0, true
	j.ts = j.s.videoTimestamp(capture)
	return nil
}

// Header returns the parsed header of the current frame.
func (j *JPEGPacketizer) Header() codec.JPEGHeader { return j.h }

// More reports whether the frame has packets left.
func (j *JPEGPacketizer) More() bool { return j.active }

// Next fills p with the next packet of the frame.
func (j *JPEGPacketizer) Next(p *Packet) error {
	if !j.active {
		return ErrNoPacket
	}
	if len(p.buf) < Headroom+MaxHeaderLen+j.max+Trailer {
		return ErrBufferTooSmall
	}
	h := &j.h
	j.s.begin(p, j.ts)
	first := j.off == 0
	hdrLen := jpegMainHdr
	if h.RestartInterval > 0 {
		hdrLen += jpegRestartHdr
	}
	if first {
		hdrLen += jpegQTHdr
	}
	b := p.gen(hdrLen)
	// §3.1: type-specific 0, fragment offset (24 bits), type, Q, width,
	// height.
	b[0], b[1], b[2], b[3] = 0, byte(j.off>>16), byte(j.off>>8), byte(j.off)
	b[4], b[5], b[6], b[7] = h.Type, jpegQ, h.Width8(), h.Height8()
	b = b[jpegMainHdr:]
	if h.RestartInterval > 0 {
		// §3.1.7: the restart interval, then F = L = 1 and count 0x3FFF:
		// packets are not aligned to restart intervals, so the receiver
		// must treat the frame's data as one piece.
		b[0], b[1], b[2], b[3] = byte(h.RestartInterval>>8), byte(h.RestartInterval), 0xff, 0xff
		b = b[jpegRestartHdr:]
	}
	if first {
		// §3.1.8: MBZ, precision bits, length, then the tables (luma
		// first), straight from the frame's DQT.
		n := h.QTableLen()
		b[0], b[1], b[2], b[3] = 0, h.Precision(), byte(n>>8), byte(n)
		p.ref(h.Luma.Bytes(j.frame))
		p.ref(h.Chroma.Bytes(j.frame))
	}
	n := min(j.max-p.plen, h.ScanLen()-j.off)
	p.ref(j.frame[h.ScanStart+j.off : h.ScanStart+j.off+n])
	j.off += n
	last := j.off == h.ScanLen()
	if last {
		j.active = false
	}
	j.s.end(p, last)
	return nil
}
