package endpoint

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cluecam/cluecam/media/rtp"
)

// Packet is a received RTP packet, its fields borrowed from the datagram.
type Packet struct {
	PT     uint8
	Marker bool
	Seq    uint16
	TS     uint32
	SSRC   uint32
	// CaptID is the CaptId header extension's value (RFC 8849 §5.2),
	// nil when the packet has none.
	CaptID []byte
	// MID is the BUNDLE MID element (RFC 9143 §15.1), when the session
	// negotiated one and the packet has it.
	MID     []byte
	Payload []byte

	extProfile uint16 // RFC 8285 block: 0xBEDE or 0x100x, 0 without one
	ext        []byte
}

// Element returns the header extension element with this ID (RFC 8285),
// nil when the packet has none: e.g. the BUNDLE MID (RFC 9143 §15.1).
func (p *Packet) Element(id uint8) []byte {
	if id == 0 || p.extProfile == 0 {
		return nil
	}
	return rtp.FindElement(p.extProfile, p.ext, id)
}

var errRTP = errors.New("rtp")

// ParseRTP reads an RTP header (RFC 3550 §5.1) and, among its one- or
// two-byte header extension elements (RFC 8285 §4.2, §4.3), the one with
// ID captIDExt. It does not allocate.
func ParseRTP(b []byte, captIDExt uint8) (Packet, error) {
	var p Packet
	if len(b) < 12 {
		return p, fmt.Errorf("%w: %d bytes, header needs 12", errRTP, len(b))
	}
	if b[0]>>6 != 2 {
		return p, fmt.Errorf("%w: version %d", errRTP, b[0]>>6)
	}
	p.Marker = b[1]&0x80 != 0
	p.PT = b[1] & 0x7f
	p.Seq = binary.BigEndian.Uint16(b[2:])
	p.TS = binary.BigEndian.Uint32(b[4:])
	p.SSRC = binary.BigEndian.Uint32(b[8:])
	off := 12 + 4*int(b[0]&0x0f)
	if off > len(b) {
		return p, fmt.Errorf("%w: %d CSRCs beyond the packet", errRTP, b[0]&0x0f)
	}
	if b[0]&0x10 != 0 {
		if off+4 > len(b) {
			return p, fmt.Errorf("%w: extension header beyond the packet", errRTP)
		}
		profile := binary.BigEndian.Uint16(b[off:])
		n := 4 * int(binary.BigEndian.Uint16(b[off+2:]))
		ext := b[off+4:]
		if n > len(ext) {
			return p, fmt.Errorf("%w: extension of %d bytes beyond the packet", errRTP, n)
		}
		ext = ext[:n]
		off += 4 + n
		p.extProfile, p.ext = profile, ext
		if captIDExt != 0 {
			p.CaptID = rtp.FindElement(profile, ext, captIDExt)
		}
	}
	end := len(b)
	if b[0]&0x20 != 0 { // padding (RFC 3550 §5.1): the last octet counts it
		pad := int(b[len(b)-1])
		if pad == 0 || off+pad > len(b) {
			return p, fmt.Errorf("%w: padding %d", errRTP, pad)
		}
		end -= pad
	}
	p.Payload = b[off:end]
	return p, nil
}
