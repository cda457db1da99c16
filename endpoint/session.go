package endpoint

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cluecam/cluecam/clue/channel"
	"github.com/cluecam/cluecam/clue/protocol"
	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/clue/sdp"
	"github.com/cluecam/cluecam/clue/sip"
	"github.com/cluecam/cluecam/media/transport"
)

// session is one call's media side. SDP work happens on the SIP call's
// loop (offer, answer, accept); everything after the call is established
// (connectivity, DTLS, the CLUE channel and protocol, media) happens on
// the session's own goroutine, run, which also executes what the other
// goroutines post to it. Negotiation state is shared under mu.
type session struct {
	e      *Endpoint
	call   *sip.Call
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelCauseFunc

	mu      sync.Mutex
	local   *sdp.Local
	neg     *sdp.Negotiation // the latest completed exchange
	offered *sdp.Session     // our offer awaiting its answer
	paths   []*path          // the first is the session's default socket
	iceLite bool
	adv     *provider.Advertisement // provider: what the SDP encodings and CLUE advertise

	estab     chan struct{}
	estabOnce sync.Once
	events    chan func()
	done      chan struct{}
	closeOnce sync.Once
	failOnce  sync.Once

	rtcp atomic.Pointer[[]rtcpHandler] // snapshot for the receive goroutines
	// captIDExt and midExt are the negotiated CaptId and MID extension
	// IDs of received media.
	captIDExt, midExt atomic.Uint32

	// Owned by run.
	ch     *channel.Channel
	part   *protocol.Participant
	timers map[protocol.TimerID]*time.Timer
	orders []provider.Order
	subs   map[string]*Subscription // by encoding ID ("fallback TYPE" for ordinary lines)
	mccs   map[string]*mccStream    // switched MCCs, by encoding ID
}

// rtcpHandler takes the peer's opened RTCP: a pipeline subscription or an
// MCC stream.
type rtcpHandler interface{ HandleRTCP([]byte) }

func newSession(e *Endpoint, c *sip.Call) (*session, error) {
	ctx, cancel := context.WithCancelCause(context.Background())
	s := &session{
		e: e, call: c, log: e.log.With("call", c.ID()), ctx: ctx, cancel: cancel,
		estab: make(chan struct{}), events: make(chan func(), 64), done: make(chan struct{}),
		timers: map[protocol.TimerID]*time.Timer{}, subs: map[string]*Subscription{}, mccs: map[string]*mccStream{},
	}
	first, err := s.newPath()
	if err != nil {
		cancel(err)
		return nil, errorf(c, "%w", err)
	}
	if e.o.Provider != nil {
		actx, acancel := context.WithTimeout(ctx, 10*time.Second)
		s.adv, err = e.o.Provider.Advertisement(actx)
		acancel()
		if err != nil {
			first.conn.Close()
			cancel(err)
			return nil, errorf(c, "advertisement: %w", err)
		}
	}
	s.local = s.buildLocal()
	go s.run()
	return s, nil
}

// buildLocal describes the box's side of the call (RFC 8848 §4): the CLUE
// data channel, one sendonly-once-configured line per encoding of the
// advertisement, recvonly lines for a consumer, and ordinary lines for a
// peer without CLUE.
func (s *session) buildLocal() *sdp.Local {
	o := &s.e.o
	addr := o.MediaAddr.String()
	addrType := "IP4"
	if o.MediaAddr.Is6() {
		addrType = "IP6"
	}
	l := &sdp.Local{
		Origin: sdp.Origin{Username: "cluecam", SessionID: randomUint63(), Version: 1, AddrType: addrType, Address: addr},
		Addr:   addr,
		Port:   s.paths[0].port,
		DTLS: sdp.LocalDTLS{Fingerprints: []sdp.Fingerprint{sdpFingerprint(o.Certificate.Fingerprint)},
			TLSID: token(18)},
		Bundle:      true,
		BundleOnly:  true,
		DataChannel: &sdp.DataChannel{},
	}
	if o.Provider != nil {
		// RFC 8848 §4.5.1: ordinary lines give a peer without CLUE one
		// camera and one microphone.
		if src, ok := s.fallbackSource(sdp.Video); ok {
			l.Fallback = append(l.Fallback, sdp.Fallback{Type: sdp.Video, Direction: sdp.SendOnly,
				Codecs: codecsFor(src.Video.Format, src.Video.Width, src.Video.Height, src.Video.FrameRate.Float64())})
		}
		if _, ok := s.fallbackSource(sdp.Audio); ok {
			l.Fallback = append(l.Fallback, sdp.Fallback{Type: sdp.Audio, Direction: sdp.SendOnly, Codecs: sdp.DefaultAudioCodecs()})
		}
		for _, enc := range s.adv.Encodings {
			codecs := sdp.DefaultAudioCodecs()
			if enc.Media == sdp.Video {
				codecs = s.videoCodecs(enc)
			}
			if len(codecs) == 0 {
				continue
			}
			l.Encodings = append(l.Encodings, sdp.Encoding{ID: enc.ID, Type: enc.Media, Codecs: codecs,
				Inactive: true, CaptId: true, MaxBitrate: enc.MaxBitrate})
		}
	}
	if c := o.Consumer; c != nil {
		for range c.Video {
			l.Receive = append(l.Receive, sdp.Receive{Type: sdp.Video, Codecs: sdp.DefaultVideoCodecs(), CaptId: true})
		}
		for range c.Audio {
			l.Receive = append(l.Receive, sdp.Receive{Type: sdp.Audio, Codecs: sdp.DefaultAudioCodecs(), CaptId: true})
		}
		if o.Provider == nil {
			l.Fallback = append(l.Fallback, sdp.Fallback{Type: sdp.Video, Codecs: sdp.DefaultVideoCodecs(), Direction: sdp.RecvOnly})
		}
	}
	return l
}

// videoCodecs are the payload formats an encoding's device produces
// without re-encoding: the format of a capture on that device; for an
// MCC's encoding, the formats of all its constituents (a switch may
// change the payload type on the line).
func (s *session) videoCodecs(enc provider.Encoding) []sdp.Codec {
	var out []sdp.Codec
	add := func(src provider.Source) {
		for _, c := range codecsFor(src.Video.Format, min(src.Video.Width, enc.MaxWidth), min(src.Video.Height, enc.MaxHeight),
			src.Video.FrameRate.Float64()) {
			if !slices.ContainsFunc(out, func(o sdp.Codec) bool { return strings.EqualFold(o.Name, c.Name) }) {
				out = append(out, c)
			}
		}
	}
	for _, mc := range s.adv.Body.MediaCaptures {
		src, ok := s.adv.Source(mc.CaptureID)
		if !ok || src.Media != sdp.Video {
			continue
		}
		switch {
		case enc.Device != "" && !src.MCC && src.Device == enc.Device:
			add(src)
			return out
		case enc.Device == "" && src.MCC && mc.EncGroupIDREF == enc.Group:
			for _, id := range src.Content {
				if c, ok := s.adv.Source(id); ok && !c.MCC {
					add(c)
				}
			}
			return out
		}
	}
	return out
}

// fallbackSource is the first individual capture of a media type in the
// advertisement: what a peer without CLUE gets.
func (s *session) fallbackSource(media string) (provider.Source, bool) {
	for _, mc := range s.adv.Body.MediaCaptures {
		if src, ok := s.adv.Source(mc.CaptureID); ok && !src.MCC && src.Media == media && src.Device != "" {
			return src, true
		}
	}
	return provider.Source{}, false
}

// post runs f on the session goroutine; dropped once the session ended.
func (s *session) post(f func()) {
	select {
	case s.events <- f:
	case <-s.ctx.Done():
	}
}

func (s *session) established() { s.estabOnce.Do(func() { close(s.estab) }) }

func (s *session) negotiation() *sdp.Negotiation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.neg
}

// useICE decides, before our first SDP, whether the call does ICE: always
// when we offer (we are then the full agent if we are the consumer), when
// the offer does when we answer. mu is held.
func (s *session) useICE(lite bool) {
	if s.neg == nil && s.local.ICE == nil {
		s.local.ICE = &sdp.LocalICE{Ufrag: token(6), Pwd: token(18), Lite: lite, HostAddrs: []string{s.local.Addr}}
		s.iceLite = lite
	}
}

// offer builds our offer (initial, re-INVITE or session refresh).
func (s *session) offer(context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.e.o.NoICE {
		s.useICE(s.e.o.Provider != nil)
	}
	if s.neg == nil && s.e.o.NoBundle && s.local.Bundle {
		s.local.Bundle, s.local.BundleOnly = false, false
		if err := s.splitPorts(); err != nil {
			return nil, err
		}
	}
	off, err := sdp.Offer(s.local, s.neg)
	if err != nil {
		return nil, err
	}
	s.offered = off
	return off.Marshal()
}

// answer answers the peer's offer (RFC 3264 §6); errors become 400/488.
func (s *session) answer(_ context.Context, body []byte) ([]byte, error) {
	b, err := s.answerSDP(body)
	if err != nil {
		return nil, refusal(err)
	}
	return b, nil
}

// refusal turns an SDP error into the SIP status that refuses the offer
// (400 malformed, 488 unacceptable: RFC 3261 §21.4.1, §21.4.26), with
// the first problem, located, as the reason phrase.
func refusal(err error) error {
	var se *sip.StatusError
	if errors.As(err, &se) {
		return err
	}
	code := sdp.Status(err)
	if code == 500 {
		return &sip.StatusError{Code: 500, Err: err}
	}
	msg := strings.TrimPrefix(err.Error(), "sdp: ")
	if i := strings.IndexAny(msg, "\r\n"); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > 160 {
		msg = msg[:160]
	}
	phrase := "Not Acceptable Here: "
	if code == 400 {
		phrase = "Bad SDP: "
	}
	return &sip.StatusError{Code: code, Reason: phrase + msg, Err: err}
}

func (s *session) answerSDP(body []byte) ([]byte, error) {
	offer, err := sdp.Parse(body, &sdp.ParseOpts{As: sdp.AsOffer})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.neg != nil && s.neg.NewAssociation(offer) && s.secured() {
		// RFC 8842 §5.3 would need a second DTLS association on the same
		// socket; refuse the re-offer and keep the session (RFC 3261 §14.2).
		return nil, &sip.StatusError{Code: 488, Reason: "New DTLS association not supported mid-call"}
	}
	if s.neg == nil {
		if offerDoesICE(offer) {
			s.useICE(true)
		}
		if offer.Group(sdp.SemBundle) == nil {
			// Without BUNDLE every line is its own transport (RFC 9143
			// §1): one socket, checks and DTLS association each.
			if err := s.splitPorts(); err != nil {
				return nil, err
			}
		}
	}
	ans, neg, err := sdp.Answer(s.local, offer, s.neg)
	if err != nil {
		return nil, err
	}
	if _, ok := remoteTransport(neg); !ok {
		// RFC 3264 §5 allows an offer without media; a camera box has
		// nothing to do in such a session.
		return nil, &sip.StatusError{Code: 488, Reason: "Not Acceptable Here: no media line or data channel to accept"}
	}
	if err := s.ensurePaths(neg); err != nil {
		return nil, err
	}
	b, err := ans.Marshal()
	if err != nil {
		return nil, err
	}
	s.setNegotiation(neg)
	return b, nil
}

// accept applies the answer to our offer.
func (s *session) accept(body []byte) error {
	ans, err := sdp.Parse(body, &sdp.ParseOpts{As: sdp.AsAnswer})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.offered == nil {
		return errors.New("answer without an offer")
	}
	neg, err := sdp.ApplyAnswer(s.local, s.offered, ans)
	if err != nil {
		return err
	}
	if err := s.ensurePaths(neg); err != nil {
		return err
	}
	s.offered = nil
	s.setNegotiation(neg)
	go s.post(s.sdpChanged)
	return nil
}

// setNegotiation records an exchange and hands the peer's ICE credentials
// to the transport; mu is held.
func (s *session) setNegotiation(neg *sdp.Negotiation) {
	s.neg = neg
	for _, st := range neg.Streams {
		if st.Active && st.CaptIdExt != 0 && st.Direction.Receives() {
			s.captIDExt.Store(uint32(st.CaptIdExt))
		}
		if st.Active && st.MIDExt != 0 && st.Direction.Receives() {
			s.midExt.Store(uint32(st.MIDExt))
		}
	}
}

// secured reports whether a DTLS association is up on any path.
func (s *session) secured() bool {
	for _, p := range s.paths {
		if p.assoc.Load() != nil {
			return true
		}
	}
	return false
}

// offerDoesICE: the offer's first usable line has ICE credentials.
func offerDoesICE(offer *sdp.Session) bool {
	for i := range offer.Media {
		if offer.Media[i].Port != 0 {
			return offer.Transport(i).ICE.Ufrag != ""
		}
	}
	return false
}

// remoteTransport is the peer's transport for the session: the data
// channel's, else the first active line's (one socket per call: BUNDLE,
// or the same address on every line).
func remoteTransport(neg *sdp.Negotiation) (sdp.Transport, bool) {
	if neg == nil {
		return sdp.Transport{}, false
	}
	if neg.Channel != nil {
		return neg.Channel.Remote, true
	}
	for _, st := range neg.Streams {
		if st.Active {
			return st.Remote, true
		}
	}
	return sdp.Transport{}, false
}

// run is the session goroutine.
func (s *session) run() {
	defer close(s.done)
	defer s.teardown()
	select {
	case <-s.estab:
	case <-s.ctx.Done():
		return
	}
	if err := s.connect(); err != nil {
		if s.ctx.Err() == nil {
			s.fail(err)
		}
		return
	}
	s.sdpChanged()
	for {
		select {
		case f := <-s.events:
			f()
		case <-s.ctx.Done():
			return
		}
	}
}

// fail ends the call because its media side cannot go on; the first
// cause wins (a lost consent also ends the association).
func (s *session) fail(err error) {
	s.failOnce.Do(func() {
		s.cancel(err)
		s.e.endCall(s.call, err)
	})
}

// connect secures every path of the call at once (checks, then DTLS),
// watches each association (one ending ends the call), and opens the CLUE
// channel on the data channel's path.
func (s *session) connect() error {
	neg := s.negotiation()
	s.mu.Lock()
	var paths []*path
	for _, p := range s.paths {
		if p.ep != nil && len(p.lines) > 0 {
			paths = append(paths, p)
		}
	}
	s.mu.Unlock()
	if len(paths) == 0 {
		return errors.New("no active media line or data channel")
	}
	setup, cancel := context.WithTimeout(s.ctx, s.e.o.SetupTimeout)
	defer cancel()
	var pins []transport.Fingerprint
	if s.e.o.Pins != nil {
		pins = s.e.o.Pins(s.call)
	}
	errs := make(chan error, len(paths))
	for _, p := range paths {
		go func() { errs <- p.connect(setup, neg, pins) }()
	}
	var first error
	for range paths {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return first
	}
	for _, p := range paths {
		a := p.assoc.Load()
		go func() {
			select {
			case <-a.Done():
				if s.ctx.Err() == nil {
					s.fail(fmt.Errorf("dtls association ended: %w", a.Err()))
				}
			case <-s.ctx.Done():
			}
		}()
	}
	if !neg.CLUE {
		return nil
	}
	s.mu.Lock()
	cp := s.pathFor(neg, neg.Channel.MLine)
	s.mu.Unlock()
	if cp == nil || cp.assoc.Load() == nil {
		return errors.New("clue channel: its m-line has no secured path")
	}
	ch, err := channel.Open(setup, cp.assoc.Load().Conn(), channelOpts(neg, s.e.o.ClueMessagesPerSecond))
	if err != nil {
		return fmt.Errorf("clue channel: %w", err)
	}
	s.ch = ch
	return s.startCLUE(neg.ChannelInitiator())
}

func channelOpts(neg *sdp.Negotiation, rate float64) *channel.Opts {
	c := neg.Channel
	o := &channel.Opts{Client: neg.DTLSClient, StreamID: c.StreamID,
		LocalPort: int(c.LocalSCTPPort), RemotePort: int(c.RemoteSCTPPort),
		LocalMaxMessageSize: int(min(c.LocalMaxMessageSize, 1<<30))}
	if rate > 0 {
		// A second's worth of burst: the initiation phase sends a few
		// messages back to back.
		o.ReceiveRate, o.ReceiveBurst = rate, max(int(rate), 4)
	}
	if c.RemoteMaxMessageSize == 0 {
		o.RemoteMaxMessageSize = channel.Unlimited // RFC 8841 §6.1: 0 is no limit
	} else {
		o.RemoteMaxMessageSize = int(min(c.RemoteMaxMessageSize, 1<<30))
	}
	return o
}

// candidateAddr is where to send checks: the first UDP host candidate, or
// the c=/m= address.
func candidateAddr(rt sdp.Transport) (netip.AddrPort, error) {
	for _, c := range rt.ICE.Candidates {
		if c.Component == 1 && (c.Transport == "UDP" || c.Transport == "udp") {
			if a, err := netip.ParseAddr(c.Address); err == nil {
				return netip.AddrPortFrom(a.Unmap(), c.Port), nil
			}
		}
	}
	a, err := netip.ParseAddr(rt.Addr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("ice: no usable candidate or address (%q)", rt.Addr)
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(rt.Port)), nil
}

// close ends the session: media stops before it returns.
func (s *session) close(reason string) {
	s.closeOnce.Do(func() {
		s.log.Info("call ended", "reason", reason)
		s.cancel(errors.New(reason))
		s.stopPaths() // no packet leaves after this
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			s.log.Error("session did not stop in time")
		}
	})
}

// teardown releases what run owned.
func (s *session) teardown() {
	for id, sub := range s.subs {
		sub.Close()
		delete(s.subs, id)
	}
	for id, m := range s.mccs {
		m.close()
		delete(s.mccs, id)
	}
	s.rtcp.Store(nil)
	for _, t := range s.timers {
		t.Stop()
	}
	if s.ch != nil {
		s.ch.Close()
	}
	s.mu.Lock()
	paths := slices.Clone(s.paths)
	s.mu.Unlock()
	for _, p := range paths {
		if a := p.assoc.Load(); a != nil {
			a.Close()
		}
	}
	s.stopPaths()
	if c := s.e.o.Consumer; c != nil && c.OnEvent != nil {
		c.OnEvent(s.call, Event{Kind: "ended", Detail: fmt.Sprint(context.Cause(s.ctx))})
	}
}

// stopPaths closes every path's endpoint or socket.
func (s *session) stopPaths() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.paths {
		p.stop()
	}
}
