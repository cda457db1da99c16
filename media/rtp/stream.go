package rtp

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/cluecam/cluecam/media/rtp/rtcp"
)

// CaptIDURI is the header extension URI to put in a=extmap for the CaptId
// extension. RFC 8849 §8 registers "urn:ietf:params:rtp-hdrext:sdes:CaptId"
// with IANA, while its §5.2 prose says "...:sdes:CaptureID"; we send the
// registered name and receivers should accept both (specs/DIGEST.md §9,
// item 3).
const CaptIDURI = "urn:ietf:params:rtp-hdrext:sdes:CaptId"

// CaptIDURIAlt is the spelling of RFC 8849 §5.2, to accept on input.
const CaptIDURIAlt = "urn:ietf:params:rtp-hdrext:sdes:CaptureID"

// StreamOptions configure a Stream.
type StreamOptions struct {
	// PayloadType is the RTP payload type (0..127).
	PayloadType uint8
	// ClockRate is the RTP timestamp rate in Hz: 90000 for video, 8000
	// for PCMU, PCMA and G.722 (RFC 3551 §4.5.2), the sampling rate for
	// L16.
	ClockRate int
	// SSRC of the stream; 0 picks a random one.
	SSRC uint32
	// CaptID is the capture ID to send in the CaptId header extension
	// (RFC 8849 §5.2, carried as RFC 7941 defines) and the CaptId SDES
	// item; "" sends neither. SetCaptID changes it later.
	CaptID string
	// CaptIDExtID is the local ID negotiated for CaptIDURI (a=extmap).
	// 1..14 selects the one-byte form of RFC 8285 §4.2 ("BEDE"), which
	// carries up to 16 bytes; 15..255 the two-byte form of §4.3. 0 sends
	// no extension.
	CaptIDExtID uint8
	// CaptIDRepeat is 0 to send the extension on every packet, or n to
	// send it on the first n packets after the start and after every
	// change of the capture ID, as RFC 8849 §5.2 and RFC 7941 §4.2.3
	// allow.
	CaptIDRepeat int
	// Rand supplies the random SSRC and initial sequence number and
	// timestamp (RFC 3550 §5.1); nil means crypto/rand. Tests pass a
	// fixed source.
	Rand io.Reader
}

// Stream is one RTP stream (one SSRC) as sent: it numbers packets, stamps
// them on the media clock and writes their headers, and it keeps what RTCP
// sender reports need. Packetizers drive it from one goroutine;
// SetCaptID, SenderInfo and AppendReport may be called from others.
type Stream struct {
	pt     uint8
	rate   int64
	ssrc   uint32
	extID  uint8
	repeat int32

	seq     uint16 // next sequence number; packetizer goroutine only
	ext     atomic.Pointer[captExt]
	extLeft atomic.Int32 // packets left to carry the extension (repeat > 0)
	packets atomic.Uint32
	octets  atomic.Uint32

	mu      sync.Mutex // guards the timing below
	started bool
	tsBase  uint32
	capBase time.Duration
	lastTS  uint32
	lastCap time.Duration
	nextTS  uint32 // audio: timestamp of the next sample
}

// captExt is an immutable, pre-encoded header extension and SDES value.
type captExt struct {
	id  string
	hdr []byte // the whole header extension, padded to 32 bits
}

// NewStream returns a stream with random SSRC (unless given), sequence
// number and timestamp origins.
func NewStream(o StreamOptions) (*Stream, error) {
	if o.PayloadType > 127 {
		return nil, fmt.Errorf("%w: payload type %d", ErrOptions, o.PayloadType)
	}
	if o.ClockRate <= 0 {
		return nil, fmt.Errorf("%w: clock rate %d", ErrOptions, o.ClockRate)
	}
	r := o.Rand
	if r == nil {
		r = rand.Reader
	}
	var rnd [10]byte
	if _, err := io.ReadFull(r, rnd[:]); err != nil {
		return nil, fmt.Errorf("rtp: random stream origins: %w", err)
	}
	s := &Stream{
		pt:     o.PayloadType,
		rate:   int64(o.ClockRate),
		ssrc:   o.SSRC,
		extID:  o.CaptIDExtID,
		repeat: int32(o.CaptIDRepeat),
		seq:    binary.BigEndian.Uint16(rnd[0:]),
		tsBase: binary.BigEndian.Uint32(rnd[2:]),
	}
	if s.ssrc == 0 {
		s.ssrc = binary.BigEndian.Uint32(rnd[6:])
		if s.ssrc == 0 {
			s.ssrc = 1
		}
	}
	if err := s.SetCaptID(o.CaptID); err != nil {
		return nil, err
	}
	return s, nil
}

// SSRC returns the stream's SSRC.
func (s *Stream) SSRC() uint32 { return s.ssrc }

// PayloadType returns the payload type.
func (s *Stream) PayloadType() uint8 { return s.pt }

// ClockRate returns the RTP clock rate in Hz.
func (s *Stream) ClockRate() int { return int(s.rate) }

// CaptID returns the current capture ID ("" when none is sent).
func (s *Stream) CaptID() string {
	if e := s.ext.Load(); e != nil {
		return e.id
	}
	return ""
}

// SetCaptID changes the capture ID the stream announces, from the next
// packet on: the constituent now switched into a multiple content capture,
// or "-" when several are composed (RFC 8849 §5). "" stops sending it. The
// extension is encoded here, once; packets copy the bytes. It returns
// ErrCaptID when the ID cannot be carried: longer than 16 bytes with a
// one-byte-form ID, longer than MaxCaptIDLen, or not UTF-8.
func (s *Stream) SetCaptID(id string) error {
	if id == "" {
		s.ext.Store(&captExt{})
		return nil
	}
	if len(id) > MaxCaptIDLen || !utf8.ValidString(id) || (s.extID >= 1 && s.extID <= 14 && len(id) > 16) {
		return fmt.Errorf("%w: %q with extension ID %d", ErrCaptID, id, s.extID)
	}
	e := &captExt{id: id}
	if s.extID != 0 {
		e.hdr = AppendCaptIDExtension(nil, s.extID, id)
	}
	s.ext.Store(e)
	s.extLeft.Store(s.repeat)
	return nil
}

// AppendCaptIDExtension appends an RTP header extension block carrying one
// SDES text item as RFC 7941 §4.1 defines: with id 1..14 the one-byte form
// (RFC 8285 §4.2: 0xBEDE, length in 32-bit words, then ID<<4 | len-1 and
// the text, zero-padded to a 32-bit boundary); with id 15..255 the
// two-byte form (§4.3: 0x1000, then ID, len, text, padding). text must be
// 1..16 bytes for the one-byte form, at most 255 for the two-byte form.
func AppendCaptIDExtension(dst []byte, id uint8, text string) []byte {
	start := len(dst)
	if id >= 1 && id <= 14 {
		dst = append(dst, 0xBE, 0xDE, 0, 0, id<<4|byte(len(text)-1))
	} else {
		dst = append(dst, 0x10, 0x00, 0, 0, id, byte(len(text)))
	}
	dst = append(dst, text...)
	for (len(dst)-start)%4 != 0 {
		dst = append(dst, 0) // padding bytes are zero (RFC 8285 §4.1.2)
	}
	binary.BigEndian.PutUint16(dst[start+2:], uint16((len(dst)-start-4)/4))
	return dst
}

// Counts returns the packets and payload octets sent so far (the SR
// sender's packet and octet counts, RFC 3550 §6.4.1, modulo 2^32).
func (s *Stream) Counts() (packets, octets uint32) { return s.packets.Load(), s.octets.Load() }

// ticks converts a duration to media clock ticks, rounded to the nearest,
// without overflow.
func (s *Stream) ticks(d time.Duration) int64 {
	neg := d < 0
	if neg {
		d = -d
	}
	sec, rem := int64(d/time.Second), int64(d%time.Second)
	t := sec*s.rate + (rem*s.rate+int64(time.Second)/2)/int64(time.Second)
	if neg {
		return -t
	}
	return t
}

// videoTimestamp returns the RTP timestamp of a frame captured at capture
// (CLOCK_MONOTONIC): the random origin plus the capture time since the
// first frame on the media clock, rounded to the nearest tick. Timestamps
// only move forward: a frame stamped no later than the previous one (or
// within the same tick) gets the previous timestamp plus one tick, so
// every frame has its own timestamp.
func (s *Stream) videoTimestamp(capture time.Duration) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		s.started = true
		s.capBase = capture
		s.lastTS, s.lastCap = s.tsBase, capture
		return s.tsBase
	}
	ts := s.tsBase + uint32(s.ticks(capture-s.capBase))
	// Serial-number comparison only means something for gaps below 2^31
	// ticks (6.6 hours at 90 kHz); a stream paused longer just restarts
	// on the capture clock.
	if capture <= s.lastCap || (int32(ts-s.lastTS) <= 0 && capture-s.lastCap < time.Hour) {
		ts = s.lastTS + 1
	}
	s.lastTS, s.lastCap = ts, capture
	return ts
}

// audioTimestamp returns the RTP timestamp of a packet of ticks clock
// ticks whose first sample was captured at capture. Audio timestamps count
// samples (RFC 3550 §5.1: "the sampling instant ... increments by one for
// each sampling period"), so that the capture clock's jitter does not
// reach them; after a discontinuity (samples lost, PeriodDiscontinuity)
// they jump forward by the elapsed capture time instead.
func (s *Stream) audioTimestamp(capture time.Duration, ticks uint32, discontinuity bool) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.nextTS
	switch {
	case !s.started:
		s.started = true
		s.capBase = capture
		ts = s.tsBase
	case discontinuity:
		if byTime := s.lastTS + uint32(s.ticks(capture-s.lastCap)); int32(byTime-ts) > 0 {
			ts = byTime
		}
	}
	s.lastTS, s.lastCap = ts, capture
	s.nextTS = ts + ticks
	return ts
}

// begin writes the header of the next packet into p (marker clear) and
// advances the sequence number.
func (s *Stream) begin(p *Packet, ts uint32) {
	p.reset()
	h := p.buf[Headroom:]
	h[0] = 0x80 // V=2, P=0, X=0, CC=0
	h[1] = s.pt
	binary.BigEndian.PutUint16(h[2:], s.seq)
	binary.BigEndian.PutUint32(h[4:], ts)
	binary.BigEndian.PutUint32(h[8:], s.ssrc)
	s.seq++
	p.hlen = 12
	if e := s.ext.Load(); e != nil && len(e.hdr) > 0 {
		send := s.repeat == 0
		if !send && s.extLeft.Load() > 0 {
			s.extLeft.Add(-1)
			send = true
		}
		if send {
			h[0] |= 0x10 // X
			p.hlen += copy(h[12:], e.hdr)
		}
	}
}

// end completes a packet: marker bit and the sender's counts.
func (s *Stream) end(p *Packet, marker bool) {
	if marker {
		p.setMarker()
	}
	s.packets.Add(1)
	s.octets.Add(uint32(p.plen))
}

// SenderInfo returns the sender information of an RTCP sender report
// (RFC 3550 §6.4.1) made at now on the capture clock (CLOCK_MONOTONIC),
// when the wall clock reads wall: the NTP timestamp is wall, and the RTP
// timestamp is the one a sample captured at now would carry, extrapolated
// on the media clock from the last packet sent (its timestamp and capture
// time), so receivers can align this stream with others of the same CNAME
// (lip sync). ok is false until a packet was sent.
func (s *Stream) SenderInfo(now time.Duration, wall time.Time) (si rtcp.SenderInfo, ok bool) {
	s.mu.Lock()
	started, lastTS, lastCap := s.started, s.lastTS, s.lastCap
	s.mu.Unlock()
	if !started {
		return si, false
	}
	si.NTPTime = rtcp.NTPTime(wall)
	si.RTPTime = lastTS + uint32(s.ticks(now-lastCap))
	si.PacketCount, si.OctetCount = s.Counts()
	return si, true
}

// AppendReport appends the compound RTCP packet this stream sends (RFC 3550
// §6.1): a sender report, or a receiver report before the first packet,
// with the given reception report blocks; then an SDES packet with the
// CNAME and, when set, the CaptId item (RFC 8849 §5.1). now and wall are
// as for SenderInfo. dst with enough capacity is not reallocated.
func (s *Stream) AppendReport(dst []byte, now time.Duration, wall time.Time, cname string, reports []rtcp.ReceptionReport) []byte {
	if si, ok := s.SenderInfo(now, wall); ok {
		dst = rtcp.AppendSR(dst, s.ssrc, si, reports)
	} else {
		dst = rtcp.AppendRR(dst, s.ssrc, reports)
	}
	return rtcp.AppendSDES(dst, s.ssrc, cname, s.CaptID())
}
