package srtp

import (
	"sync"
	"sync/atomic"
)

// Sender holds the session keys of the local (sending) direction of one
// DTLS-SRTP association and the per-SSRC streams sealed with them.
type Sender struct {
	profile Profile

	mu      sync.Mutex
	closed  bool
	keys    sessionKeys
	streams map[uint32]*SendStream
}

// NewSender derives the session keys of (masterKey, masterSalt) for profile p
// (RFC 3711 §4.3, key derivation rate 0). The caller may zero its copy of the
// master key afterwards: the Sender keeps only session keys.
func NewSender(p Profile, masterKey, masterSalt []byte) (*Sender, error) {
	keys, err := deriveSessionKeys(p, masterKey, masterSalt)
	if err != nil {
		return nil, err
	}
	return newSender(p, keys), nil
}

// newSender takes ownership of already derived session keys.
func newSender(p Profile, keys sessionKeys) *Sender {
	return &Sender{profile: p, keys: keys, streams: make(map[uint32]*SendStream)}
}

// Profile returns the protection profile.
func (s *Sender) Profile() Profile { return s.profile }

// Stream returns the stream that seals packets of ssrc, creating it on first
// use. There is exactly one stream per SSRC, so two writers can never reuse
// a keystream by holding separate packet counters.
func (s *Sender) Stream(ssrc uint32) (*SendStream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if st, ok := s.streams[ssrc]; ok {
		return st, nil
	}
	st := &SendStream{ssrc: ssrc, profile: s.profile}
	k := &s.keys
	if err := st.rtp.init(s.profile, false, k.rtpKey, k.rtpSalt, k.rtpAuth); err != nil {
		return nil, err
	}
	if err := st.rtcp.init(s.profile, true, k.rtcpKey, k.rtcpSalt, k.rtcpAuth); err != nil {
		st.rtp.wipe()
		return nil, err
	}
	s.streams[ssrc] = st
	return st, nil
}

// Stats returns the counters of all streams added up.
func (s *Sender) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out Stats
	for _, st := range s.streams {
		out.add(st.snapshot())
	}
	return out
}

// Close destroys the key material of the Sender and of every stream: later
// seals fail with ErrClosed. It waits for seals in progress to finish.
func (s *Sender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.keys.wipe()
	for _, st := range s.streams {
		st.close()
	}
	return nil
}

// SendStream seals the RTP and RTCP packets of one SSRC. Its methods may be
// called from several goroutines; each call holds the stream's lock while it
// seals, so the packet index and the cipher state stay consistent.
type SendStream struct {
	ssrc    uint32
	profile Profile
	failed  atomic.Uint64 // seal calls that returned an error

	mu      sync.Mutex
	sealed  [2]uint64 // RTP, RTCP packets sealed; under mu, off the atomic path
	closed  bool
	started bool
	top     uint64 // highest RTP packet index sealed (or the initial ROC·2^16)
	rtcpIdx uint32 // SRTCP index of the next RTCP packet
	rtp     transform
	rtcp    transform
}

// SSRC returns the stream's SSRC.
func (st *SendStream) SSRC() uint32 { return st.ssrc }

// SealRTP appends the SRTP packet header ‖ E(payload) ‖ tag to dst and
// returns the extended slice. hdr is the complete RTP header, extensions
// included, and its SSRC must be the stream's; payload is the plaintext,
// typically a slice of the capture frame. This write is the only copy of the
// payload: hdr may already sit at dst[len(dst):] (then it is not copied), and
// payload may sit exactly after it (sealing in place); otherwise neither may
// overlap the output. dst needs capacity for len(hdr)+len(payload)+
// Profile.RTPOverhead() more bytes: SealRTP never allocates and returns
// ErrShortBuffer instead.
//
// The packet index is 2^16·ROC + SEQ, the ROC counting wraps of the sequence
// numbers this stream sealed (RFC 3711 §3.3.1).
func (st *SendStream) SealRTP(dst, hdr, payload []byte) ([]byte, error) {
	one := [1][]byte{payload}
	out, err := st.sealRTP(dst, hdr, one[:])
	if err != nil {
		st.failed.Add(1)
	}
	return out, err
}

// SealRTPSegments is SealRTP for a payload held in pieces: the payload is the
// concatenation of segs, e.g. an FU-A header in the packet pool and the NAL
// fragment it carries, borrowed from the capture frame. Each piece is
// encrypted straight into its place in dst, so fragmented packets need no
// gathering copy first. No segment may overlap the output, except one that
// already lies exactly at its place in it.
func (st *SendStream) SealRTPSegments(dst, hdr []byte, segs [][]byte) ([]byte, error) {
	out, err := st.sealRTP(dst, hdr, segs)
	if err != nil {
		st.failed.Add(1)
	}
	return out, err
}

// SealRTPInPlace seals the RTP packet pkt (header ‖ payload) where it lies
// and returns it extended by the tag; cap(pkt) must leave
// Profile.RTPOverhead() bytes after it.
func (st *SendStream) SealRTPInPlace(pkt []byte) ([]byte, error) {
	hl, err := rtpHeaderLen(pkt)
	if err != nil {
		st.failed.Add(1)
		return nil, err
	}
	return st.SealRTP(pkt[:0], pkt[:hl], pkt[hl:])
}

func (st *SendStream) sealRTP(dst, hdr []byte, segs [][]byte) ([]byte, error) {
	hl, err := rtpHeaderLen(hdr)
	if err != nil {
		return nil, err
	}
	if hl != len(hdr) {
		return nil, ErrMalformed
	}
	if rtpSSRC(hdr) != st.ssrc {
		return nil, ErrSSRCMismatch
	}
	n := hl
	for _, seg := range segs {
		n += len(seg)
	}
	out, off, err := extend(dst, n+st.rtp.tagLen)
	if err != nil {
		return nil, err
	}
	pkt := out[off:]
	if inexactOverlap(pkt, hdr) {
		return nil, ErrOverlap
	}
	at := hl
	for _, seg := range segs {
		// A segment may lie exactly at its place; anywhere else in the
		// output, sealing an earlier piece would overwrite it unread.
		if anyOverlap(pkt[:at], seg) || inexactOverlap(pkt[at:], seg) {
			return nil, ErrOverlap
		}
		at += len(seg)
	}
	seq := rtpSeq(hdr)

	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return nil, ErrClosed
	}
	index, ok := estimateIndex(st.started, st.top, seq)
	if !ok {
		return nil, ErrKeyExhausted
	}
	if &pkt[0] != &hdr[0] {
		copy(pkt, hdr)
	}
	st.rtp.sealRTP(pkt, hl, segs, st.ssrc, index)
	if !st.started || index > st.top {
		st.top = index
		st.started = true
	}
	st.sealed[0]++
	return out, nil
}

// SealRTCP appends the SRTCP packet for the (compound) RTCP packet pkt to dst:
// the first 8 bytes in the clear, the rest encrypted, then the E flag and
// SRTCP index and the tag (RFC 3711 §3.4; RFC 7714 §9). The SSRC in pkt's
// first header must be the stream's. dst may be pkt[:0] (in place, with
// Profile.RTCPOverhead() spare capacity) or must not overlap pkt.
//
// The SRTCP index starts at 0 and grows by one per packet (RFC 3711 §3.4).
func (st *SendStream) SealRTCP(dst, pkt []byte) ([]byte, error) {
	out, err := st.sealRTCP(dst, pkt)
	if err != nil {
		st.failed.Add(1)
	}
	return out, err
}

func (st *SendStream) sealRTCP(dst, pkt []byte) ([]byte, error) {
	if err := rtcpCheck(pkt); err != nil {
		return nil, err
	}
	if rtcpSSRC(pkt) != st.ssrc {
		return nil, ErrSSRCMismatch
	}
	out, off, err := extend(dst, len(pkt)+srtcpIndexLen+st.rtcp.tagLen)
	if err != nil {
		return nil, err
	}
	o := out[off:]
	if inexactOverlap(o, pkt) {
		return nil, ErrOverlap
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return nil, ErrClosed
	}
	if st.rtcpIdx > maxSRTCPIndex {
		return nil, ErrKeyExhausted
	}
	if &o[0] != &pkt[0] {
		copy(o[:rtcpHeaderLen], pkt[:rtcpHeaderLen])
	}
	st.rtcp.sealRTCP(o, pkt, st.ssrc, st.rtcpIdx)
	st.rtcpIdx++
	st.sealed[1]++
	return out, nil
}

// setROC makes the next packet use roc unless its sequence number says
// otherwise; for tests against vectors and other implementations.
func (st *SendStream) setROC(roc uint32) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.started = false
	st.top = uint64(roc) << 16
}

// setRTCPIndex sets the SRTCP index of the next RTCP packet; for tests.
func (st *SendStream) setRTCPIndex(i uint32) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.rtcpIdx = i
}

func (st *SendStream) snapshot() Stats {
	st.mu.Lock()
	defer st.mu.Unlock()
	return Stats{RTP: st.sealed[0], RTCP: st.sealed[1], Failed: st.failed.Load()}
}

func (st *SendStream) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.closed = true
	st.rtp.wipe()
	st.rtcp.wipe()
}
