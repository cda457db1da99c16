package rtp

import (
	"bytes"
	"fmt"
	"time"

	"github.com/cluecam/cluecam/media/codec"
)

// H264Options configure an H264Packetizer. The zero value is the default.
type H264Options struct {
	// MaxPayload is the largest RTP payload in bytes (default
	// DefaultMaxPayload). FU-A fragments and STAP-As are cut to fit.
	MaxPayload int
	// RepeatParameterSets sends the most recent SPS and PPS ahead of an IDR
	// access unit that carries none, for encoders that send them only at
	// the start of the stream, so that every IDR is a valid entry point
	// (RFC 6184 §8.4 leaves out-of-band sprop-parameter-sets as the only
	// other way). The parameter sets are copied into the packetizer once
	// when they change; parameter sets larger than 256 bytes are not
	// repeated.
	RepeatParameterSets bool
}

// maxPS bounds a remembered parameter set.
const maxPS = 256

// maxAggregate bounds the NAL units of one STAP-A: each takes two payload
// segments (its size field and its bytes).
const maxAggregate = MaxSegments / 2

// H264Packetizer packetizes H.264 access units in Annex-B form for RTP
// following RFC 6184 packetization-mode 1 (non-interleaved, §6.3): NAL
// units that fit go out as single NAL unit packets (§5.6) or, several
// consecutive ones together, as STAP-A (§5.7.1), which is how SPS and PPS
// travel ahead of an IDR; larger units are cut into FU-A fragments
// (§5.8). The marker bit is set on the last packet of the access unit
// (§5.1), and all packets of it carry the timestamp of its capture time on
// the 90 kHz clock. The access unit is scanned once, a few units ahead of
// the packet being built, and a long unit only about two packets ahead, so
// the bytes a packet carries are still in cache when it is sealed.
//
// NAL unit types 0 and 24..31 are not H.264 data (they are unspecified in
// H.264 and mean aggregation and fragmentation packets to an RFC 6184
// receiver) and are dropped. Use:
//
//	h.SetFrame(frame.Data, frame.Timestamp)
//	for h.More() {
//		p := pool.Get()
//		h.Next(p)
//		... seal p, send, p.Release() ...
//	}
//	frame.Release()
//
// It is not safe for concurrent use.
type H264Packetizer struct {
	s        *Stream
	max      int
	repeatPS bool

	au       []byte
	ts       uint32
	scan     codec.AnnexBScanner
	scanDone bool
	// q holds the next units to send, q[qh] first: scanned ahead just far
	// enough to decide aggregation.
	q     [unitQueue]h264Unit
	qh    int
	qn    int
	fuOff int // bytes of the first unit's payload (after its header byte) already sent in FU-As

	// Parameter set repetition (RepeatParameterSets).
	hasSPS, hasPPS bool // seen in this access unit
	sps, pps       [maxPS]byte
	spsLen, ppsLen int
}

// unitQueue is the capacity of the lookahead queue: a STAP-A's worth of
// units plus two repeated parameter sets.
const unitQueue = 16

// h264Unit is a NAL unit to send: a slice of the frame, or of the
// packetizer's remembered parameter sets (copied into the packet then).
// An open unit is longer than b, which is as far as it has been scanned;
// it is the last one queued.
type h264Unit struct {
	b      []byte
	copied bool
	open   bool
}

// NewH264Packetizer returns a packetizer writing through s (a 90 kHz
// stream); nil opts means the defaults.
func NewH264Packetizer(s *Stream, opts *H264Options) (*H264Packetizer, error) {
	var o H264Options
	if opts != nil {
		o = *opts
	}
	if o.MaxPayload == 0 {
		o.MaxPayload = DefaultMaxPayload
	}
	if o.MaxPayload < 16 {
		return nil, fmt.Errorf("%w: MaxPayload %d (at least 16 for H.264)", ErrOptions, o.MaxPayload)
	}
	if s.ClockRate() != 90000 {
		return nil, fmt.Errorf("%w: H.264 needs a 90000 Hz stream, not %d", ErrOptions, s.ClockRate())
	}
	return &H264Packetizer{s: s, max: o.MaxPayload, repeatPS: o.RepeatParameterSets}, nil
}

// Stream returns the packetizer's stream.
func (h *H264Packetizer) Stream() *Stream { return h.s }

// SetFrame starts a new access unit: au is one access unit in Annex-B form
// (start codes included), as a hw.Frame carries it, captured at capture
// (CLOCK_MONOTONIC). Packets of a previous access unit not yet taken are
// dropped. au is borrowed until its last packet has been sealed. An access
// unit without NAL units produces no packets and takes no timestamp.
func (h *H264Packetizer) SetFrame(au []byte, capture time.Duration) {
	for h.qn > 0 {
		h.pop()
	}
	h.au, h.fuOff, h.qh = au, 0, 0
	h.scan.Reset(au)
	h.scanDone = false
	h.hasSPS, h.hasPPS = false, false
	h.fill()
	if h.qn > 0 {
		h.ts = h.s.videoTimestamp(capture)
	}
}

// fill scans ahead until a STAP-A's worth of units is queued or the access
// unit ends. With RepeatParameterSets it remembers SPS and PPS as they go
// by, and queues the remembered ones in front of an IDR slice that no SPS
// or PPS of its access unit preceded.
func (h *H264Packetizer) fill() {
	for h.qn < maxAggregate && !h.scanDone {
		if h.qn > 0 && h.unit(h.qn-1).open {
			return // units after an open one are scanned once it is closed
		}
		n, whole, ok := h.scan.NextPart(2 * h.max)
		if !ok {
			h.scanDone = true
			return
		}
		t := n.Type()
		if !whole && (t == 0 || t >= 24 || t == codec.NALSPS || t == codec.NALPPS) {
			// A unit to drop is skipped whole; a parameter set is
			// remembered whole.
			n, _ = h.scan.Next()
			whole = true
		}
		if t == 0 || t >= 24 {
			continue
		}
		b := n.Bytes(h.au)
		if h.repeatPS {
			switch t {
			case codec.NALSPS:
				h.hasSPS = true
				h.spsLen = remember(h.sps[:], h.spsLen, b)
			case codec.NALPPS:
				h.hasPPS = true
				h.ppsLen = remember(h.pps[:], h.ppsLen, b)
			case codec.NALIDR:
				if !h.hasSPS && h.spsLen > 0 {
					h.push(h264Unit{b: h.sps[:h.spsLen], copied: true})
				}
				if !h.hasPPS && h.ppsLen > 0 {
					h.push(h264Unit{b: h.pps[:h.ppsLen], copied: true})
				}
				h.hasSPS, h.hasPPS = true, true // once per access unit
			}
		}
		h.push(h264Unit{b: b, open: !whole})
	}
}

// extend scans the open unit at the head of the queue until it is known to
// hold at least need bytes after its header byte, or ends.
func (h *H264Packetizer) extend(need int) {
	u := &h.q[h.qh]
	// Zero bytes at the edge of what is scanned may be the start of the
	// next start code, so a part can fall short of the limit: look further
	// each round.
	for limit := 1 + need + 1; u.open && len(u.b)-1 < need; limit += h.max {
		n, whole, _ := h.scan.NextPart(limit)
		u.b, u.open = n.Bytes(h.au), !whole
	}
}

func (h *H264Packetizer) push(u h264Unit) {
	h.q[(h.qh+h.qn)%unitQueue] = u
	h.qn++
}

func (h *H264Packetizer) unit(i int) h264Unit { return h.q[(h.qh+i)%unitQueue] }

func (h *H264Packetizer) pop() {
	h.q[h.qh] = h264Unit{} // drop the reference to the frame
	h.qh = (h.qh + 1) % unitQueue
	h.qn--
}

// remember copies a parameter set into buf when it changed.
func remember(buf []byte, n int, ps []byte) int {
	if len(ps) > len(buf) {
		return 0 // too large to repeat: forget the old one too
	}
	if n == len(ps) && bytes.Equal(buf[:n], ps) {
		return n
	}
	return copy(buf, ps)
}

// More reports whether the access unit has packets left.
func (h *H264Packetizer) More() bool { return h.qn > 0 }

// Next fills p with the next packet of the access unit.
func (h *H264Packetizer) Next(p *Packet) error {
	if h.qn == 0 {
		return ErrNoPacket
	}
	if len(p.buf) < Headroom+MaxHeaderLen+h.max+Trailer {
		return ErrBufferTooSmall
	}
	h.s.begin(p, h.ts)
	u := h.unit(0)
	if h.fuOff > 0 || u.open || len(u.b) > h.max {
		return h.fragment(p)
	}
	// Aggregate the following units while the STAP-A fits (RFC 6184
	// §5.7.1: 1 byte STAP-A header, then a 16-bit size before each unit).
	size, k := 1+2+len(u.b), 1
	for k < h.qn && k < maxAggregate && !h.unit(k).open && size+2+len(h.unit(k).b) <= h.max {
		size += 2 + len(h.unit(k).b)
		k++
	}
	if k == 1 {
		// Single NAL unit packet (§5.6): the payload is the unit.
		addUnit(p, u.b, u.copied)
	} else {
		// STAP-A: F is the OR and NRI the maximum of the units' (§5.7.1).
		f, nri := byte(0), byte(0)
		for i := 0; i < k; i++ {
			hb := h.unit(i).b[0]
			f |= hb & 0x80
			nri = max(nri, hb&0x60)
		}
		hdr := p.gen(1)
		hdr[0] = f | nri | byte(codec.NALSTAPA)
		for i := 0; i < k; i++ {
			v := h.unit(i)
			sz := p.gen(2)
			sz[0], sz[1] = byte(len(v.b)>>8), byte(len(v.b))
			addUnit(p, v.b, v.copied)
		}
	}
	for i := 0; i < k; i++ {
		h.pop()
	}
	h.fill()
	h.s.end(p, h.qn == 0)
	return nil
}

// fragment writes the next FU-A fragment of cur (RFC 6184 §5.8): an FU
// indicator with cur's F and NRI and type 28, an FU header with the start
// and end bits and cur's type, then a piece of cur without its header
// byte. Fragments are full but the last two, which share what is left
// equally (±1 byte), so that no fragment is tiny. Deciding that needs the
// unit delimited only two fragments ahead.
func (h *H264Packetizer) fragment(p *Packet) error {
	per := h.max - 2
	h.extend(h.fuOff + 2*per + 1)
	u := h.unit(0)
	data := u.b[1:]
	start := h.fuOff == 0
	n := per
	if left := len(data) - h.fuOff; !u.open && left <= 2*per {
		n = left
		if left > per {
			n = (left + 1) / 2
		}
	}
	end := h.fuOff+n == len(data) && !u.open
	fu := p.gen(2)
	fu[0] = u.b[0]&0xe0 | byte(codec.NALFUA)
	fu[1] = u.b[0] & 0x1f
	if start {
		fu[1] |= 0x80
	}
	if end {
		fu[1] |= 0x40
	}
	addUnit(p, data[h.fuOff:h.fuOff+n], u.copied)
	h.fuOff += n
	last := false
	if end {
		h.fuOff = 0
		h.pop()
		h.fill()
		last = h.qn == 0
	}
	h.s.end(p, last)
	return nil
}

// addUnit appends unit bytes: referenced from the frame, or copied into the
// packet when they are the packetizer's own (remembered parameter sets).
func addUnit(p *Packet, b []byte, copied bool) {
	if copied {
		copy(p.gen(len(b)), b)
		return
	}
	p.ref(b)
}
