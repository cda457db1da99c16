package endpoint

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/clue/sdp"
	"github.com/cluecam/cluecam/media/pipeline"
	"github.com/cluecam/cluecam/media/rtp/rtcp"
)

// mccStream sends a switched Multiple Content Capture (RFC 8845 §7.2.1:
// MaxCaptures 1, one constituent at a time) on one line of a call. It is
// its own RTP stream — own SSRC, sequence numbers and timestamps — fed by
// the pipeline of the constituent shown now, whose packets keep their
// CaptId: the receiver learns which capture it sees (RFC 8849 §4).
//
// Which constituent: as the MCC's policy says (RFC 8846 §7.2.1.1).
// RoundRobin:N shows each in turn for the configured interval, starting N
// ahead; SoundLevel:N listens to each constituent's microphone and shows
// the one that speaks now (N = 0) or spoke N speakers ago (speakers).
// Without a policy it shows the first constituent that works. Whatever
// the policy, a constituent whose device goes away or fails is left for
// the next.
type mccStream struct {
	s    *session
	o    provider.Order
	st   sdp.Stream
	p    *path
	ssrc uint32

	// io serialises the use of sink: during a switch the old and the new
	// constituent's pipelines (two goroutines each) feed the same stream.
	io   sync.Mutex
	sink *callSink // the call's SRTP stream for ssrc, and its send path

	mu     sync.Mutex // the fields below
	active int        // index in o.Sources
	sub    *Subscription
	seq    uint16
	tsOff  uint32
	lastTS uint32
	fresh  bool // next packet is the first from a newly shown constituent
	sent   bool
	pkts   uint32
	octets uint32
	hdr    []byte // scratch: the rewritten RTP header
	report []byte // scratch: the rewritten RTCP
	closed bool
	stop   chan struct{} // closed by close: ends the policy's goroutine
}

func newMCCStream(s *session, o provider.Order, st sdp.Stream, p *path) (*mccStream, error) {
	if len(o.Sources) == 0 {
		return nil, fmt.Errorf("MCC %q: no constituent to show", o.CaptureID)
	}
	var b [6]byte
	rand.Read(b[:])
	m := &mccStream{s: s, o: o, st: st, p: p, ssrc: binary.BigEndian.Uint32(b[:]),
		seq: binary.BigEndian.Uint16(b[4:]), hdr: make([]byte, 0, 128), active: -1}
	sink, err := newCallSink(p.ep, p.assoc.Load(), m.ssrc, &m.st)
	if err != nil {
		return nil, err
	}
	m.sink = sink
	m.stop = make(chan struct{})
	tok, idx := parsePolicy(o.Policy)
	first := 0
	if tok != "" {
		first = idx % len(o.Sources)
	}
	if err := m.show(first); err != nil {
		return nil, err
	}
	switch {
	case tok == policyRoundRobin && o.SwitchInterval > 0:
		go m.roundRobin(o.SwitchInterval)
	case tok == policySoundLevel:
		go m.followSpeakers(idx)
	}
	return m, nil
}

// every runs f every d until the stream closes or the call ends.
func (m *mccStream) every(d time.Duration, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-m.s.ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// roundRobin moves to the next constituent every interval.
func (m *mccStream) roundRobin(interval time.Duration) {
	m.every(interval, func() {
		m.mu.Lock()
		next := m.active + 1
		m.mu.Unlock()
		m.post(next)
	})
}

// followSpeakers listens to the constituents' microphones and shows the
// one SoundLevel:index names whenever the speaker changes. A microphone
// that goes away hears nothing (so another speaker can take over) and is
// listened to again every relisten, in case it comes back.
func (m *mccStream) followSpeakers(index int) {
	mics := make([]*Subscription, len(m.o.Sources))
	defer func() {
		for _, sub := range mics {
			if sub != nil {
				sub.Close()
			}
		}
	}()
	listen := func(warn bool) {
		for i, v := range m.o.Voices {
			if i >= len(mics) || v.Device == "" || mics[i] != nil {
				continue
			}
			sub, err := m.s.e.o.Provider.Hub.Listen(provider.Order{CaptureID: v.CaptureID, Name: v.Name, Media: v.Media, Device: v.Device, Audio: v.Audio})
			if err != nil {
				if warn {
					m.s.log.Warn("MCC cannot hear a constituent's microphone", "mcc", m.o.CaptureID, "capture", m.o.Sources[i].CaptureID, "microphone", v.CaptureID, "err", err)
				}
				continue
			}
			mics[i] = sub
		}
	}
	listen(true)
	who := newSpeakers(len(mics))
	levels := make([]uint8, len(mics))
	start := time.Now()
	polls := 0
	m.every(levelPoll, func() {
		for i, sub := range mics {
			levels[i] = pipeline.SilentLevel
			if sub != nil && sub.Gone() {
				sub.Close()
				mics[i], sub = nil, nil
			}
			if sub != nil {
				levels[i] = sub.AudioLevel()
			}
		}
		if polls++; polls%int(relisten/levelPoll) == 0 {
			listen(false)
		}
		if who.update(time.Since(start), levels) {
			m.post(who.shown(index))
		}
	})
}

// relisten: how often a SoundLevel MCC tries again to hear a microphone
// that could not be opened or went away.
const relisten = 2 * time.Second

// post shows constituent i (or the next that works) from the session's
// goroutine, unless it is shown already or the stream has closed.
func (m *mccStream) post(i int) {
	m.s.post(func() {
		m.mu.Lock()
		skip := m.closed || m.active == i%len(m.o.Sources)
		m.mu.Unlock()
		if skip {
			return
		}
		if err := m.show(i); err != nil {
			m.s.log.Warn("MCC stopped", "err", err)
		}
	})
}

// show subscribes to the first constituent from index i on (wrapping)
// that starts, and leaves the previous one.
func (m *mccStream) show(i int) error {
	var errs []error
	for k := range m.o.Sources {
		idx := (i + k) % len(m.o.Sources)
		src := m.o.Sources[idx]
		co := provider.Order{CaptureEncodingID: m.o.CaptureEncodingID, CaptureID: src.CaptureID,
			EncodingID: m.o.EncodingID, Name: src.Name, Media: src.Media, Device: src.Device,
			Video: src.Video, Audio: src.Audio, MaxBitrate: m.o.MaxBitrate}
		sub, err := m.s.e.o.Provider.Hub.Subscribe(co, &m.st, func(uint32) (pipeline.Sink, error) { return mccTap{m}, nil })
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m.mu.Lock()
		if m.closed { // closed while it started: the session ended it
			m.mu.Unlock()
			sub.Close()
			return nil
		}
		old := m.sub
		m.sub, m.active, m.fresh = sub, idx, true
		m.mu.Unlock()
		if old != nil {
			old.Close()
		}
		// A feed other calls already watch is mid-GOP: ask for an entry point.
		sub.HandleRTCP(rtcp.AppendPLI(nil, m.ssrc, sub.SSRC()))
		m.s.log.Info("MCC shows", "mcc", m.o.CaptureID, "capture", src.CaptureID, "ssrc", fmt.Sprintf("%08x", m.ssrc))
		go m.watch(sub)
		return nil
	}
	return fmt.Errorf("MCC %q: no constituent starts: %w", m.o.CaptureID, errors.Join(errs...))
}

// watch moves to the next constituent when the shown one's device goes
// away (its feed ends without anyone stopping it).
func (m *mccStream) watch(sub *Subscription) {
	select {
	case <-sub.Done():
	case <-m.s.ctx.Done():
		return
	}
	m.mu.Lock()
	current, next := m.sub == sub && !m.closed, m.active+1
	m.mu.Unlock()
	if !current || !sub.Gone() {
		return
	}
	m.s.post(func() {
		if err := m.show(next); err != nil {
			m.s.log.Warn("MCC stopped", "err", err)
		}
	})
}

// close stops the stream (the session's goroutine).
func (m *mccStream) close() {
	m.mu.Lock()
	if !m.closed {
		close(m.stop)
	}
	m.closed = true
	sub := m.sub
	m.mu.Unlock()
	if sub != nil {
		sub.Close()
	}
}

// HandleRTCP passes the peer's keyframe requests for the MCC stream on to
// the constituent shown now (RFC 4585 §6.3.1, RFC 5104 §4.3.1).
func (m *mccStream) HandleRTCP(pkt []byte) {
	m.mu.Lock()
	sub := m.sub
	m.mu.Unlock()
	if sub == nil {
		return
	}
	r := rtcp.NewReader(pkt)
	for q, ok := r.Next(); ok; q, ok = r.Next() {
		key := false
		switch {
		case q.Type == rtcp.TypePSFB && q.Count == rtcp.FmtPLI:
			_, media, err := q.PLI()
			key = err == nil && media == m.ssrc
		case q.Type == rtcp.TypePSFB && q.Count == rtcp.FmtFIR:
			if _, ents, err := q.FIR(); err == nil {
				for i := 0; i < ents.Len(); i++ {
					key = key || ents.At(i).SSRC == m.ssrc
				}
			}
		}
		if key {
			sub.HandleRTCP(rtcp.AppendPLI(nil, m.ssrc, sub.SSRC()))
			return
		}
	}
}

// mccTap is the MCC's sink on the shown constituent's pipeline: it makes
// the constituent's packets and reports the MCC stream's.
type mccTap struct{ m *mccStream }

// SealRTP rewrites the header to the MCC stream (SSRC, next sequence
// number, timestamp continuing across switches: RFC 3550 §5.1) and seals
// it with the call's keys.
func (t mccTap) SealRTP(dst, hdr []byte, segs [][]byte) ([]byte, error) {
	m := t.m
	m.io.Lock()
	defer m.io.Unlock()
	m.mu.Lock()
	if len(hdr) < 12 {
		m.mu.Unlock()
		return dst, errors.New("mcc: short RTP header")
	}
	h := append(m.hdr[:0], hdr...)
	ts := binary.BigEndian.Uint32(h[4:])
	if m.fresh {
		// The new constituent's clock starts where the last one's left
		// off, one 30 fps frame later (90 kHz) or 20 ms of audio.
		step := uint32(3000)
		if m.o.Media == sdp.Audio {
			step = 160
		}
		if m.sent {
			m.tsOff = m.lastTS + step - ts
		} else {
			m.tsOff = 0
		}
		m.fresh = false
	}
	ts += m.tsOff
	m.lastTS, m.sent = ts, true
	binary.BigEndian.PutUint16(h[2:], m.seq)
	binary.BigEndian.PutUint32(h[4:], ts)
	binary.BigEndian.PutUint32(h[8:], m.ssrc)
	m.seq++
	m.pkts++
	for _, s := range segs {
		m.octets += uint32(len(s))
	}
	m.mu.Unlock()
	return m.sink.SealRTP(dst, h, segs)
}

// SealRTCP turns the constituent's sender report into the MCC stream's:
// its SSRC, the timestamp in the MCC's timeline and its own counts (RFC
// 3550 §6.4.1), and the SDES chunk renamed (§6.5).
func (t mccTap) SealRTCP(dst, pkt []byte) ([]byte, error) {
	m := t.m
	m.io.Lock()
	defer m.io.Unlock()
	m.mu.Lock()
	out := append(m.report[:0], pkt...)
	m.report = out
	for off := 0; off+8 <= len(out); {
		l := 4 * (int(binary.BigEndian.Uint16(out[off+2:])) + 1)
		if off+l > len(out) {
			break
		}
		switch rtcp.PacketType(out[off+1]) {
		case rtcp.TypeSR:
			if l >= 28 {
				binary.BigEndian.PutUint32(out[off+4:], m.ssrc)
				ts := binary.BigEndian.Uint32(out[off+16:])
				binary.BigEndian.PutUint32(out[off+16:], ts+m.tsOff)
				binary.BigEndian.PutUint32(out[off+20:], m.pkts)
				binary.BigEndian.PutUint32(out[off+24:], m.octets)
			}
		case rtcp.TypeSDES:
			if l >= 8 {
				binary.BigEndian.PutUint32(out[off+4:], m.ssrc) // the first chunk
			}
		}
		off += l
	}
	m.mu.Unlock()
	return m.sink.SealRTCP(dst, out)
}

// Overhead implements pipeline.Sealer.
func (t mccTap) Overhead() int { return t.m.sink.Overhead() }

// WriteBatch implements pipeline.Sink.
func (t mccTap) WriteBatch(pkts [][]byte) (int, error) {
	t.m.io.Lock()
	defer t.m.io.Unlock()
	return t.m.sink.WriteBatch(pkts)
}

// WriteRTCP implements pipeline.Sink.
func (t mccTap) WriteRTCP(pkt []byte) error {
	t.m.io.Lock()
	defer t.m.io.Unlock()
	return t.m.sink.WriteRTCP(pkt)
}
