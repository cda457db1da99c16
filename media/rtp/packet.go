package rtp

import (
	"encoding/binary"
	"sync/atomic"
)

// Packet describes one RTP packet: its header, written into a pooled
// buffer, and its payload as an ordered list of segments that are not
// copied until the packet is sealed (or assembled). A Packet comes from
// Pool.Get, is filled by a packetizer's Next and goes back with Release.
//
// # The sealing contract
//
// This is what media/srtp and the pipeline may rely on, and what every
// packetizer in this package guarantees:
//
//  1. Header() is the complete RTP header (fixed header and header
//     extension; never CSRCs), at Buffer()[Headroom : Headroom+HeaderLen()].
//     It is plaintext; SRTP authenticates it and does not encrypt it (RFC
//     3711 §3.1). Extension() is its header-extension part, for RFC 6904
//     header extension encryption.
//  2. The payload is the concatenation of Segments(), in order,
//     PayloadLen() bytes. A segment is either
//     (a) a sub-slice of a frame the packet borrows (video payload), valid
//     until that frame is released; or
//     (b) a sub-slice of the packet's own buffer lying exactly at its final
//     place: the segment whose preceding segments total k bytes is
//     Buffer()[Headroom+HeaderLen()+k:]. These are bytes the packetizer
//     generated (FU-A and STAP-A headers, RTP/JPEG headers, encoded
//     audio).
//     So a destination range Buffer()[Headroom+HeaderLen()+k:] never
//     partially overlaps its segment: it is the same memory (b) or other
//     memory (a), the two cases crypto/cipher permits.
//  3. Sealing in place (one consumer): write the ciphertext of each segment
//     to its final place in Buffer(), then the authentication tag after the
//     payload. Buffer() always has room for it: len(Buffer()) >=
//     Headroom + Len() + Trailer. Reading a frame segment and writing its
//     ciphertext into the buffer is the one copy of the frame's bytes. An
//     AEAD that needs contiguous plaintext calls Assemble first, which
//     copies the frame segments into place, then seals in place. The sealed
//     wire packet is Buffer()[Headroom : Headroom+Len()+tag]; Headroom
//     bytes before it are free for transport framing.
//  4. Sealing into other buffers (fan-out: one packetisation, one sealing
//     per call): copy Header(), read the segments, write into the other
//     buffer. This leaves the packet unchanged, so it can be sealed again
//     for the next call; a sealer that rewrites per-call header fields
//     (SetPayloadType, SetExtensionID) does so in its copy. Only the last
//     consumer may seal in place.
//  5. A Packet and its segments are read-only for sealers except as stated
//     in 3. The frame must stay held until the last packet borrowing it
//     has been sealed or assembled for the last time; Release returns the
//     buffer, after which the Packet must not be touched.
//
// A Packet is used by one goroutine at a time.
type Packet struct {
	buf    []byte
	hlen   int // RTP header length
	plen   int // payload length
	nseg   int
	seg    [MaxSegments][]byte
	inBuf  [MaxSegments]bool // seg[i] lies in buf at its final place
	segOff [MaxSegments]int  // for in-buffer segments: offset in buf
	pool   *Pool
	out    atomic.Bool
}

// NewPacket returns a packet outside any pool, with room for maxPayload
// bytes of payload; Release on it does nothing. For tests and tools; the
// hot path uses a Pool.
func NewPacket(maxPayload int) *Packet {
	return &Packet{buf: make([]byte, Headroom+MaxHeaderLen+maxPayload+Trailer)}
}

// Release returns the packet to its pool. Releasing twice is harmless.
func (p *Packet) Release() {
	if p.pool != nil {
		p.pool.put(p)
		return
	}
	p.reset()
}

// Reset empties the packet for the packetizer's next Next while the caller
// keeps it: a loop that seals each packet before asking for the next needs
// one buffer, not a pool round trip (two atomic operations each way) per
// packet.
func (p *Packet) Reset() { p.reset() }

func (p *Packet) reset() {
	for i := 0; i < p.nseg; i++ {
		p.seg[i] = nil // drop references to frames
	}
	p.hlen, p.plen, p.nseg = 0, 0, 0
}

// Buffer returns the packet's whole buffer (len == cap): Headroom bytes,
// the header, the payload area, Trailer bytes and possibly spare room.
func (p *Packet) Buffer() []byte { return p.buf }

// HeaderLen returns the length of the RTP header.
func (p *Packet) HeaderLen() int { return p.hlen }

// Header returns the RTP header, Buffer()[Headroom:Headroom+HeaderLen()].
func (p *Packet) Header() []byte { return p.buf[Headroom : Headroom+p.hlen : Headroom+p.hlen] }

// PayloadLen returns the payload length, the total of the segments.
func (p *Packet) PayloadLen() int { return p.plen }

// Len returns the length of the plaintext RTP packet: header and payload.
func (p *Packet) Len() int { return p.hlen + p.plen }

// Segments returns the payload segments in order (see the sealing
// contract). The slice aliases the packet: do not keep it past Release.
func (p *Packet) Segments() [][]byte { return p.seg[:p.nseg:p.nseg] }

// InPlace reports whether segment i already lies at its final place in
// Buffer() (generated bytes) rather than in a frame.
func (p *Packet) InPlace(i int) bool { return p.inBuf[i] }

// Assemble copies the frame segments into the buffer behind the header,
// completing the plaintext packet there, and returns it:
// Buffer()[Headroom:Headroom+Len()]. This is the plain RTP path
// (--insecure-rtp, tests) and the first step of an AEAD sealer that needs
// contiguous input. Calling it again copies nothing more.
func (p *Packet) Assemble() []byte {
	off := Headroom + p.hlen
	for i := 0; i < p.nseg; i++ {
		s := p.seg[i]
		if !p.inBuf[i] {
			copy(p.buf[off:], s)
			p.seg[i] = p.buf[off : off+len(s) : off+len(s)]
			p.inBuf[i], p.segOff[i] = true, off
		}
		off += len(s)
	}
	return p.buf[Headroom : Headroom+p.hlen+p.plen]
}

// Marker returns the M bit.
func (p *Packet) Marker() bool { return p.hlen >= 12 && p.buf[Headroom+1]&0x80 != 0 }

// PayloadType returns the PT field.
func (p *Packet) PayloadType() uint8 { return p.buf[Headroom+1] & 0x7f }

// SequenceNumber returns the sequence number.
func (p *Packet) SequenceNumber() uint16 {
	return binary.BigEndian.Uint16(p.buf[Headroom+2:])
}

// Timestamp returns the RTP timestamp.
func (p *Packet) Timestamp() uint32 { return binary.BigEndian.Uint32(p.buf[Headroom+4:]) }

// SSRC returns the SSRC.
func (p *Packet) SSRC() uint32 { return binary.BigEndian.Uint32(p.buf[Headroom+8:]) }

// Extension returns the header extension (the 4-byte "defined by profile"
// and length word, then the elements and padding), or nil without one.
func (p *Packet) Extension() []byte {
	if p.hlen <= 12 {
		return nil
	}
	return p.buf[Headroom+12 : Headroom+p.hlen : Headroom+p.hlen]
}

// SetPayloadType rewrites the payload type of an RTP header in place (a
// fan-out sealer adapting its copy to a call that negotiated another PT).
func SetPayloadType(hdr []byte, pt uint8) { hdr[1] = hdr[1]&0x80 | pt&0x7f }

// SetExtensionID rewrites the ID of every header extension element with ID
// from to ID to, in an RTP header in place (a call that negotiated another
// a=extmap ID). Both IDs must be valid for the header's form: 1..14 in the
// one-byte form, 1..255 in the two-byte form. It reports whether an element
// was changed.
func SetExtensionID(hdr []byte, from, to uint8) bool {
	if len(hdr) < 16 || hdr[0]&0x10 == 0 {
		return false
	}
	n := 4 * int(binary.BigEndian.Uint16(hdr[14:]))
	ext := hdr[16:]
	if n > len(ext) {
		return false
	}
	twoByte, ok := blockForm(binary.BigEndian.Uint16(hdr[12:]))
	if !ok || (!twoByte && (from < 1 || from > 14 || to < 1 || to > 14)) || from == 0 || to == 0 {
		return false
	}
	changed := false
	for i := 0; ; {
		e, next, ok := nextElement(twoByte, ext[:n], i)
		if !ok {
			return changed
		}
		if e.id == from {
			if twoByte {
				ext[e.at] = to
			} else {
				ext[e.at] = to<<4 | ext[e.at]&0x0f
			}
			changed = true
		}
		i = next
	}
}

// --- building (packetizers) ---

// gen reserves n bytes for generated payload at the current end of the
// payload and returns them; they join the previous segment when that one is
// generated too.
func (p *Packet) gen(n int) []byte {
	off := Headroom + p.hlen + p.plen
	b := p.buf[off : off+n : off+n]
	if k := p.nseg - 1; k >= 0 && p.inBuf[k] && p.segOff[k]+len(p.seg[k]) == off {
		s := p.segOff[k]
		p.seg[k] = p.buf[s : off+n : off+n]
	} else {
		p.seg[p.nseg] = b
		p.inBuf[p.nseg], p.segOff[p.nseg] = true, off
		p.nseg++
	}
	p.plen += n
	return b
}

// ref appends a borrowed frame slice to the payload.
func (p *Packet) ref(b []byte) {
	if len(b) == 0 {
		return
	}
	p.seg[p.nseg] = b[:len(b):len(b)]
	p.inBuf[p.nseg] = false
	p.nseg++
	p.plen += len(b)
}

func (p *Packet) setMarker() { p.buf[Headroom+1] |= 0x80 }
