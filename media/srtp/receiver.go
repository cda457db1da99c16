package srtp

import (
	"sync"
)

// ReceiverOpts tunes a Receiver. The zero value (or nil) accepts only SSRCs
// added with AddSSRC.
type ReceiverOpts struct {
	// SSRCs are bound from the start, as if passed to AddSSRC.
	SSRCs []uint32
	// LearnRTP and LearnRTCP are how many SSRCs that were never announced
	// the Receiver adopts, each after its first packet authenticates. RTCP
	// typically needs a few: a peer that only receives reports with an SSRC
	// its SDP may not list. State is allocated only after authentication,
	// and never for more SSRCs than these bounds.
	LearnRTP, LearnRTCP int
}

// Receiver opens the SRTP and SRTCP packets of the remote direction of one
// DTLS-SRTP association. Its methods may be called from several goroutines;
// they serialise on one lock (one reader per socket is the expected use).
type Receiver struct {
	profile Profile
	stats   counters

	mu        sync.Mutex
	closed    bool
	rtp, rtcp transform
	rtpSSRC   map[uint32]*replayWindow // top also carries the ROC
	rtcpSSRC  map[uint32]*replayWindow
	learnRTP  int
	learnRTCP int
}

// NewReceiver derives the session keys of (masterKey, masterSalt) for
// profile p. The master key is not kept.
func NewReceiver(p Profile, masterKey, masterSalt []byte, opts *ReceiverOpts) (*Receiver, error) {
	keys, err := deriveSessionKeys(p, masterKey, masterSalt)
	if err != nil {
		return nil, err
	}
	defer keys.wipe()
	return newReceiver(p, &keys, opts)
}

// newReceiver builds a Receiver from derived session keys, which it copies.
func newReceiver(p Profile, keys *sessionKeys, opts *ReceiverOpts) (*Receiver, error) {
	r := &Receiver{
		profile:  p,
		rtpSSRC:  make(map[uint32]*replayWindow),
		rtcpSSRC: make(map[uint32]*replayWindow),
	}
	if err := r.rtp.init(p, false, keys.rtpKey, keys.rtpSalt, keys.rtpAuth); err != nil {
		return nil, err
	}
	if err := r.rtcp.init(p, true, keys.rtcpKey, keys.rtcpSalt, keys.rtcpAuth); err != nil {
		r.rtp.wipe()
		return nil, err
	}
	if opts != nil {
		r.learnRTP = max(opts.LearnRTP, 0)
		r.learnRTCP = max(opts.LearnRTCP, 0)
		for _, ssrc := range opts.SSRCs {
			r.rtpSSRC[ssrc] = new(replayWindow)
			r.rtcpSSRC[ssrc] = new(replayWindow)
		}
	}
	return r, nil
}

// Profile returns the protection profile.
func (r *Receiver) Profile() Profile { return r.profile }

// AddSSRC binds ssrc: its RTP and RTCP packets are opened from now on. Adding
// a bound SSRC again keeps its state.
func (r *Receiver) AddSSRC(ssrc uint32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.rtpSSRC[ssrc] == nil {
		r.rtpSSRC[ssrc] = new(replayWindow)
	}
	if r.rtcpSSRC[ssrc] == nil {
		r.rtcpSSRC[ssrc] = new(replayWindow)
	}
}

// RemoveSSRC unbinds ssrc: its packets are rejected with ErrUnknownSSRC.
func (r *Receiver) RemoveSSRC(ssrc uint32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.rtpSSRC, ssrc)
	delete(r.rtcpSSRC, ssrc)
}

// Stats returns a snapshot of the counters.
func (r *Receiver) Stats() Stats { return r.stats.snapshot() }

// Close destroys the key material; later calls fail with ErrClosed.
func (r *Receiver) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	r.rtp.wipe()
	r.rtcp.wipe()
	clear(r.rtpSSRC)
	clear(r.rtcpSSRC)
	return nil
}

// OpenRTP verifies and decrypts the SRTP packet pkt and appends the RTP
// packet (header ‖ payload) to dst. dst may be pkt[:0] to decrypt in place;
// otherwise it must not overlap pkt. A rejected packet returns one of the
// Error values (ErrTooShort, ErrMalformed, ErrUnknownSSRC, ErrReplay,
// ErrAuth), is counted, and changes no state.
func (r *Receiver) OpenRTP(dst, pkt []byte) ([]byte, error) {
	out, err := r.openRTP(dst, pkt)
	r.stats.count(false, err)
	return out, err
}

func (r *Receiver) openRTP(dst, pkt []byte) ([]byte, error) {
	hl, err := rtpHeaderLen(pkt)
	if err != nil {
		return nil, err
	}
	tagLen := r.rtp.tagLen
	if len(pkt) < hl+tagLen {
		return nil, ErrTooShort
	}
	n := len(pkt) - tagLen
	out, off, err := extend(dst, n)
	if err != nil {
		return nil, err
	}
	o := out[off:]
	if inexactOverlap(o, pkt) {
		return nil, ErrOverlap
	}
	ssrc, seq := rtpSSRC(pkt), rtpSeq(pkt)

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	w, known := r.rtpSSRC[ssrc]
	var fresh replayWindow
	if !known {
		if r.learnRTP == 0 {
			return nil, ErrUnknownSSRC
		}
		w = &fresh
	}
	// RFC 3711 §3.3 steps 2 and 3: estimate the index, then the replay
	// check, which is cheap and needs no crypto, before authentication.
	index, ok := estimateIndex(w.started, w.top, seq)
	if !ok || !w.check(index) {
		return nil, ErrReplay
	}
	if !r.rtp.openRTP(o, pkt, hl, ssrc, index) {
		return nil, ErrAuth
	}
	if &o[0] != &pkt[0] {
		copy(o[:hl], pkt[:hl])
	}
	// RFC 3711 §3.3 step 6: update ROC, s_l and the replay list only now.
	w.accept(index)
	if !known {
		r.learnRTP--
		nw := fresh
		r.rtpSSRC[ssrc] = &nw
	}
	return out, nil
}

// OpenRTCP verifies and decrypts the SRTCP packet pkt and appends the RTCP
// packet to dst, like OpenRTP. Packets with the E flag clear (authenticated
// but not encrypted, RFC 3711 §3.4) are accepted too.
func (r *Receiver) OpenRTCP(dst, pkt []byte) ([]byte, error) {
	out, err := r.openRTCP(dst, pkt)
	r.stats.count(true, err)
	return out, err
}

func (r *Receiver) openRTCP(dst, pkt []byte) ([]byte, error) {
	if err := rtcpCheck(pkt); err != nil {
		return nil, err
	}
	tagLen := r.rtcp.tagLen
	if len(pkt) < rtcpHeaderLen+srtcpIndexLen+tagLen {
		return nil, ErrTooShort
	}
	l := len(pkt) - srtcpIndexLen - tagLen
	out, off, err := extend(dst, l)
	if err != nil {
		return nil, err
	}
	o := out[off:]
	if inexactOverlap(o, pkt) {
		return nil, ErrOverlap
	}
	ssrc := rtcpSSRC(pkt)

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	w, known := r.rtcpSSRC[ssrc]
	var fresh replayWindow
	if !known {
		if r.learnRTCP == 0 {
			return nil, ErrUnknownSSRC
		}
		w = &fresh
	}
	word := r.rtcp.srtcpWord(pkt)
	index := uint64(word &^ (1 << 31))
	if !w.check(index) {
		return nil, ErrReplay
	}
	if !r.rtcp.openRTCP(o, pkt, l, ssrc, word) {
		return nil, ErrAuth
	}
	if &o[0] != &pkt[0] {
		copy(o[:rtcpHeaderLen], pkt[:rtcpHeaderLen])
	}
	w.accept(index)
	if !known {
		r.learnRTCP--
		nw := fresh
		r.rtcpSSRC[ssrc] = &nw
	}
	return out, nil
}
