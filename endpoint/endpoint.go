package endpoint

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/cluecam/cluecam/clue/consumer"
	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/clue/sdp"
	"github.com/cluecam/cluecam/clue/sip"
	"github.com/cluecam/cluecam/media/transport"
)

// Options configure an Endpoint.
type Options struct {
	Log *slog.Logger
	// Certificate is the box's DTLS identity (transport.LoadOrCreateCertificate).
	Certificate *transport.Certificate
	// MediaAddr is the local IP media sockets bind to and SDP announces
	// (one UDP socket per call, RFC 7983 demultiplexing).
	MediaAddr netip.Addr

	// Provider makes the endpoint a Media Provider (the box answering
	// calls); nil for a pure consumer.
	Provider *ProviderOpts
	// Consumer makes it a Media Consumer (cluecam call); nil for a box
	// without screen or speaker.
	Consumer *ConsumerOpts

	// Pins returns the DTLS certificate fingerprints configured for the
	// peer of a call ([[security.caller]] dtls_fingerprints): when not
	// empty, only those certificates are accepted, whatever the SDP says.
	Pins func(c *sip.Call) []transport.Fingerprint

	// ConsentTimeout is how long a call's media may go without the peer
	// renewing consent (RFC 7675; transport's default, 30 s, when 0).
	ConsentTimeout time.Duration
	// NoBundle makes our offers put every line on its own transport (its
	// own socket, checks and DTLS association), as a peer without BUNDLE
	// (RFC 9143) does; answers follow the offer either way.
	NoBundle bool
	// NoICE makes our offers carry no ICE attributes, as a plain SIP
	// phone's do (answers always follow the offer): DTLS then starts at
	// the SDP address and latches the source that completes it.
	NoICE bool

	// ClueMessagesPerSecond bounds the CLUE messages accepted per call
	// (security.clue_messages_per_second); 0: the channel's default.
	ClueMessagesPerSecond float64
	// SetupTimeout bounds connectivity checks, the DTLS handshake and the
	// data channel's opening after the call is established; 0: 30 s.
	SetupTimeout time.Duration
	// EndCall ends a call whose media path failed (ICE, DTLS, consent) or
	// whose CLUE session ended fatally; nil: the call's own Hangup.
	EndCall func(c *sip.Call, why error)
}

// ProviderOpts: what the box sends.
type ProviderOpts struct {
	// Advertisement returns what the box offers now (provider.Build of the
	// room); it is called for every new CLUE session.
	Advertisement func(ctx context.Context) (*provider.Advertisement, error)
	// Hub streams captures to calls.
	Hub *Hub
}

// ConsumerOpts: what the endpoint asks for when it calls.
type ConsumerOpts struct {
	// Policy chooses captures from the advertisement (nil: the default).
	Policy *consumer.Policy
	// Video and Audio are how many CLUE-controlled recvonly lines of each
	// type are offered (RFC 8848 §4.4.2).
	Video, Audio int
	// OnPacket sees every authenticated RTP packet received (opened), on
	// the receive goroutine; it must not block or keep the packet's slices.
	OnPacket func(c *sip.Call, p Packet)
	// OnEvent sees CLUE milestones of a call (advertisement received,
	// configured, …) for the command line and tests.
	OnEvent func(c *sip.Call, ev Event)
}

// Event is a milestone of a call's CLUE session.
type Event struct {
	Kind   string // "advertisement", "configured", "configure failed", "media", "ended"
	Detail string
}

// Endpoint is the media and CLUE side of a box's calls: it implements
// sip.SessionHandler, so every SIP call gets its SDP, one UDP socket with
// ICE-lite and DTLS-SRTP, the CLUE data channel and the CLUE protocol,
// and media from the Hub once the peer configured it.
type Endpoint struct {
	o   Options
	log *slog.Logger

	mu       sync.Mutex
	sessions map[*sip.Call]*session
}

// New returns an endpoint; it does nothing until its calls arrive.
func New(o Options) (*Endpoint, error) {
	if o.Certificate == nil {
		return nil, errors.New("endpoint: no DTLS certificate")
	}
	if !o.MediaAddr.IsValid() {
		return nil, errors.New("endpoint: no media address")
	}
	if o.Provider == nil && o.Consumer == nil {
		return nil, errors.New("endpoint: neither provider nor consumer")
	}
	if o.Provider != nil && (o.Provider.Advertisement == nil || o.Provider.Hub == nil) {
		return nil, errors.New("endpoint: provider without advertisement or hub")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.SetupTimeout <= 0 {
		o.SetupTimeout = 30 * time.Second
	}
	return &Endpoint{o: o, log: o.Log, sessions: map[*sip.Call]*session{}}, nil
}

var _ sip.SessionHandler = (*Endpoint)(nil)

// sessionOf returns the call's session, creating it on first use.
func (e *Endpoint) sessionOf(c *sip.Call) (*session, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.sessions[c]; s != nil {
		return s, nil
	}
	s, err := newSession(e, c)
	if err != nil {
		return nil, err
	}
	e.sessions[c] = s
	return s, nil
}

func (e *Endpoint) existing(c *sip.Call) *session {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sessions[c]
}

// Offer implements sip.SessionHandler.
func (e *Endpoint) Offer(ctx context.Context, c *sip.Call) ([]byte, error) {
	s, err := e.sessionOf(c)
	if err != nil {
		return nil, err
	}
	return s.offer(ctx)
}

// Answer implements sip.SessionHandler.
func (e *Endpoint) Answer(ctx context.Context, c *sip.Call, offer []byte) ([]byte, error) {
	s, err := e.sessionOf(c)
	if err != nil {
		return nil, err
	}
	return s.answer(ctx, offer)
}

// Accept implements sip.SessionHandler.
func (e *Endpoint) Accept(ctx context.Context, c *sip.Call, answer []byte) error {
	s := e.existing(c)
	if s == nil {
		return errors.New("endpoint: answer without an offer")
	}
	return s.accept(answer)
}

// Established implements sip.SessionHandler.
func (e *Endpoint) Established(c *sip.Call) {
	if s := e.existing(c); s != nil {
		s.established()
	}
}

// Updated implements sip.SessionHandler.
func (e *Endpoint) Updated(c *sip.Call, _ []byte) {
	if s := e.existing(c); s != nil {
		s.post(s.sdpChanged)
	}
}

// Ended implements sip.SessionHandler: media stops before it returns, and
// the session leaves Calls only once it is torn down (captures released).
func (e *Endpoint) Ended(c *sip.Call, reason sip.EndReason) {
	e.mu.Lock()
	s := e.sessions[c]
	e.mu.Unlock()
	if s != nil {
		s.close(string(reason))
	}
	e.mu.Lock()
	delete(e.sessions, c)
	e.mu.Unlock()
}

// Calls is the number of calls with a session.
func (e *Endpoint) Calls() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.sessions)
}

// Close ends every session's media (the UA hangs the calls up).
func (e *Endpoint) Close() {
	e.mu.Lock()
	ss := make([]*session, 0, len(e.sessions))
	for _, s := range e.sessions {
		ss = append(ss, s)
	}
	clear(e.sessions)
	e.mu.Unlock()
	for _, s := range ss {
		s.close("endpoint closed")
	}
}

// endCall hangs a call up from the media side.
func (e *Endpoint) endCall(c *sip.Call, why error) {
	e.log.Warn("ending call", "call", c.ID(), "why", why)
	if e.o.EndCall != nil {
		e.o.EndCall(c, why)
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.Hangup(ctx)
	}()
}

// token returns n random bytes as base64 without padding: ICE
// ufrag/pwd (RFC 8839 §5.4: ≥ 24 and 128 bits for the password) and
// tls-id (RFC 8842 §4: ≥ 120 bits of [A-Za-z0-9+/_-]); ice-char is
// ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4).
func token(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)
}

func randomUint63() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:]) >> 1
}

// sdpFingerprint converts our certificate's fingerprint for SDP.
func sdpFingerprint(f transport.Fingerprint) sdp.Fingerprint {
	hash, value, _ := strings.Cut(f.String(), " ")
	return sdp.Fingerprint{Hash: hash, Value: value}
}

// remoteFingerprints converts the peer's a=fingerprint values; unusable
// ones are skipped (transport refuses a handshake with none left).
func remoteFingerprints(d sdp.DTLS) []transport.Fingerprint {
	var out []transport.Fingerprint
	for _, f := range d.Fingerprints {
		if tf, err := transport.ParseFingerprint(f.Hash + " " + f.Value); err == nil {
			out = append(out, tf)
		}
	}
	return out
}

// errorf wraps an error with the call it happened in.
func errorf(c *sip.Call, format string, args ...any) error {
	return fmt.Errorf("call %s: "+format, append([]any{c.ID()}, args...)...)
}
