package endpoint

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cluecam/cluecam/clue/channel"
	"github.com/cluecam/cluecam/clue/protocol"
	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/clue/sdp"
	"github.com/cluecam/cluecam/clue/sip"
	"github.com/cluecam/cluecam/media/srtp"
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
	conn   *net.UDPConn
	port   int

	mu      sync.Mutex
	local   *sdp.Local
	neg     *sdp.Negotiation // the latest completed exchange
	offered *sdp.Session     // our offer awaiting its answer
	ep      *transport.Endpoint
	iceLite bool
	adv     *provider.Advertisement // provider: what the SDP encodings and CLUE advertise

	estab     chan struct{}
	estabOnce sync.Once
	events    chan func()
	done      chan struct{}
	closeOnce sync.Once
	failOnce  sync.Once

	assoc atomic.Pointer[transport.Association]
	rtcp  atomic.Pointer[[]*Subscription] // snapshot for the receive goroutine
	// captIDExt and midExt are the negotiated CaptId and MID extension
	// IDs of received media.
	captIDExt, midExt atomic.Uint32

	// Owned by run.
	ch     *channel.Channel
	part   *protocol.Participant
	timers map[protocol.TimerID]*time.Timer
	orders []provider.Order
	subs   map[string]*Subscription // by encoding ID ("" for the fallback line)
}

func newSession(e *Endpoint, c *sip.Call) (*session, error) {
	network := "udp4"
	if e.o.MediaAddr.Is6() {
		network = "udp6"
	}
	conn, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(e.o.MediaAddr, 0)))
	if err != nil {
		return nil, errorf(c, "media socket: %w", err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	s := &session{
		e: e, call: c, log: e.log.With("call", c.ID()), ctx: ctx, cancel: cancel, conn: conn,
		port:  conn.LocalAddr().(*net.UDPAddr).Port,
		estab: make(chan struct{}), events: make(chan func(), 64), done: make(chan struct{}),
		timers: map[protocol.TimerID]*time.Timer{}, subs: map[string]*Subscription{},
	}
	if e.o.Provider != nil {
		actx, acancel := context.WithTimeout(ctx, 10*time.Second)
		s.adv, err = e.o.Provider.Advertisement(actx)
		acancel()
		if err != nil {
			conn.Close()
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
		Port:   s.port,
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
				continue // an MCC's encoding: switching is not implemented
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
// without re-encoding: the format of a capture on that device.
func (s *session) videoCodecs(enc provider.Encoding) []sdp.Codec {
	for _, mc := range s.adv.Body.MediaCaptures {
		src, ok := s.adv.Source(mc.CaptureID)
		if ok && !src.MCC && src.Device == enc.Device && src.Media == sdp.Video {
			return codecsFor(src.Video.Format, min(src.Video.Width, enc.MaxWidth), min(src.Video.Height, enc.MaxHeight),
				src.Video.FrameRate.Float64())
		}
	}
	return nil
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
	if s.ep == nil && s.local.ICE == nil {
		s.local.ICE = &sdp.LocalICE{Ufrag: token(6), Pwd: token(18), Lite: lite, HostAddrs: []string{s.local.Addr}}
		s.iceLite = lite
	}
}

// ensureTransport creates the call's endpoint after the first exchange:
// with ICE, checks authenticate the peer's address (an ICE-lite responder,
// or Connect as full agent); without, the SDP's address is where DTLS
// starts, and the address that completes a verified handshake is latched
// before any media flows. mu is held.
func (s *session) ensureTransport(neg *sdp.Negotiation) error {
	if s.ep != nil {
		return nil
	}
	opts := &transport.EndpointOpts{OnMedia: s.onMedia, ConsentTimeout: s.e.o.ConsentTimeout, OnConsentLost: func() {
		// RFC 7675 §5.1: no consent, no media; the call cannot go on.
		if s.ctx.Err() == nil {
			s.fail(transport.ErrConsentLost)
		}
	}}
	if s.local.ICE != nil {
		opts.ICE = &transport.ICECredentials{LocalUfrag: s.local.ICE.Ufrag, LocalPwd: s.local.ICE.Pwd}
	} else if rt, ok := remoteTransport(neg); ok {
		a, err := netip.ParseAddr(rt.Addr)
		if err != nil {
			return fmt.Errorf("peer media address %q: %w", rt.Addr, err)
		}
		// Only a hint: a peer behind NAT sends from another address; the
		// source whose DTLS handshake verifies the fingerprint is latched.
		opts.RemoteHint = netip.AddrPortFrom(a.Unmap(), uint16(rt.Port))
	}
	ep, err := transport.NewEndpoint(s.conn, opts)
	if err != nil {
		return err
	}
	s.ep = ep
	return nil
}

// offer builds our offer (initial, re-INVITE or session refresh).
func (s *session) offer(context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.e.o.NoICE {
		s.useICE(s.e.o.Provider != nil)
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
	if s.neg != nil && s.neg.NewAssociation(offer) && s.assoc.Load() != nil {
		// RFC 8842 §5.3 would need a second DTLS association on the same
		// socket; refuse the re-offer and keep the session (RFC 3261 §14.2).
		return nil, &sip.StatusError{Code: 488, Reason: "New DTLS association not supported mid-call"}
	}
	if s.ep == nil && offerDoesICE(offer) {
		s.useICE(true)
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
	if err := s.ensureTransport(neg); err != nil {
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
	if err := s.ensureTransport(neg); err != nil {
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
	if rt, ok := remoteTransport(neg); ok && s.ep != nil && rt.ICE.Ufrag != "" {
		s.ep.SetRemoteICE(rt.ICE.Ufrag, rt.ICE.Pwd)
	}
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
	assoc := s.assoc.Load()
	for {
		select {
		case f := <-s.events:
			f()
		case <-assoc.Done():
			s.fail(fmt.Errorf("dtls association ended: %w", assoc.Err()))
			return
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

// connect runs connectivity checks and the DTLS handshake (RFC 5763 §5:
// the a=setup roles; RFC 8122 §5: the certificate must match the SDP
// fingerprint, and a configured pin).
func (s *session) connect() error {
	neg := s.negotiation()
	rt, ok := remoteTransport(neg)
	if !ok {
		return errors.New("no active media line or data channel")
	}
	s.mu.Lock()
	ep, lite := s.ep, s.iceLite
	s.mu.Unlock()
	setup, cancel := context.WithTimeout(s.ctx, s.e.o.SetupTimeout)
	defer cancel()
	if rt.ICE.Ufrag != "" && !lite {
		raddr, err := candidateAddr(rt)
		if err != nil {
			return err
		}
		// Connect keeps checking for consent (RFC 7675) until the session
		// ends; the setup deadline applies to the first success only.
		res := make(chan error, 1)
		go func() { res <- ep.Connect(s.ctx, raddr) }()
		select {
		case err := <-res:
			if err != nil {
				return fmt.Errorf("ice: %w", err)
			}
		case <-setup.Done():
			return fmt.Errorf("ice: no answer to connectivity checks from %v", raddr)
		}
	}
	if rt.ICE.Ufrag != "" {
		if _, err := ep.WaitPeer(setup); err != nil {
			return fmt.Errorf("ice: no authenticated connectivity check from the peer: %w", err)
		}
	}
	role := transport.RoleServer
	if neg.DTLSClient {
		role = transport.RoleClient
	}
	var pins []transport.Fingerprint
	if s.e.o.Pins != nil {
		pins = s.e.o.Pins(s.call)
	}
	a, err := ep.Handshake(s.ctx, role, &transport.Config{
		Certificate: s.e.o.Certificate, RemoteFingerprints: remoteFingerprints(rt.DTLS), Pins: pins,
		HandshakeTimeout: s.e.o.SetupTimeout,
		Receiver:         &srtp.ReceiverOpts{LearnRTP: 16, LearnRTCP: 16},
	})
	if err != nil {
		return fmt.Errorf("dtls: %w", err)
	}
	s.assoc.Store(a)
	s.log.Info("media path secured", "peer", fmt.Sprint(ep.Peer()), "role", role, "profile", a.Profile())
	if !neg.CLUE {
		return nil
	}
	ch, err := channel.Open(setup, a.Conn(), channelOpts(neg, s.e.o.ClueMessagesPerSecond))
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

// onMedia opens what the authorised peer sends: SRTCP feedback goes to
// the pipelines of this call, SRTP to the consumer.
func (s *session) onMedia(pkt []byte, isRTCP bool) {
	a := s.assoc.Load()
	if a == nil {
		return
	}
	if isRTCP {
		plain, err := a.Receiver().OpenRTCP(pkt[:0], pkt)
		if err != nil {
			return // counted by the receiver
		}
		if subs := s.rtcp.Load(); subs != nil {
			for _, sub := range *subs {
				sub.HandleRTCP(plain)
			}
		}
		return
	}
	plain, err := a.Receiver().OpenRTP(pkt[:0], pkt)
	if err != nil {
		return
	}
	if c := s.e.o.Consumer; c != nil && c.OnPacket != nil {
		if p, err := ParseRTP(plain, uint8(s.captIDExt.Load())); err == nil {
			p.MID = p.Element(uint8(s.midExt.Load()))
			c.OnPacket(s.call, p)
		}
	}
}

// close ends the session: media stops before it returns.
func (s *session) close(reason string) {
	s.closeOnce.Do(func() {
		s.log.Info("call ended", "reason", reason)
		s.cancel(errors.New(reason))
		s.mu.Lock()
		ep := s.ep
		s.mu.Unlock()
		if ep != nil {
			ep.Close() // no packet leaves after this
		} else {
			s.conn.Close()
		}
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
	s.rtcp.Store(nil)
	for _, t := range s.timers {
		t.Stop()
	}
	if s.ch != nil {
		s.ch.Close()
	}
	if a := s.assoc.Load(); a != nil {
		a.Close()
	}
	s.mu.Lock()
	ep := s.ep
	s.mu.Unlock()
	if ep != nil {
		ep.Close()
	} else {
		s.conn.Close()
	}
	if c := s.e.o.Consumer; c != nil && c.OnEvent != nil {
		c.OnEvent(s.call, Event{Kind: "ended", Detail: fmt.Sprint(context.Cause(s.ctx))})
	}
}
