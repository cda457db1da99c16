package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"

	"github.com/cluecam/cluecam/board/appliance"
	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/clue/sdp"
	"github.com/cluecam/cluecam/clue/sip"
	"github.com/cluecam/cluecam/endpoint"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/media/transport"
)

// defaultStateDir keeps the box's DTLS certificate across boots (the
// Buildroot image mounts a writable partition there).
const defaultStateDir = "/var/lib/cluecam"

// callService answers CLUE calls for `cluecam run`: the SIP user agent
// (digest, allow-list, limits) in front of the CLUE endpoint, whose
// captures come from the appliance.
type callService struct {
	log *slog.Logger
	ua  *sip.UA
	ep  *endpoint.Endpoint
	hub *endpoint.Hub
	reg *sip.Registration
	app *appliance.Appliance
	key callSettings

	mu   sync.Mutex
	last *provider.Advertisement // the latest advertisement sent
}

// advertisement is what the box offers now.
func (s *callService) advertisement(ctx context.Context) (*provider.Advertisement, error) {
	room, err := s.app.Room(ctx)
	if err != nil {
		return nil, err
	}
	adv, err := provider.Build(&room)
	if err == nil {
		s.mu.Lock()
		s.last = adv
		s.mu.Unlock()
	}
	return adv, err
}

// callSettings are the parts of the configuration the service is built
// from; a reload that changes them restarts the service.
type callSettings struct {
	Identity config.Identity
	SIP      config.SIP
	Security config.Security
}

func settingsOf(cfg *config.Config) callSettings {
	return callSettings{Identity: cfg.Identity, SIP: cfg.SIP, Security: cfg.Security}
}

// startCallService starts answering calls per cfg.
func startCallService(ctx context.Context, log *slog.Logger, cfg *config.Config, app *appliance.Appliance, stateDir string) (*callService, error) {
	cert, err := loadCertificate(stateDir)
	if err != nil {
		return nil, err
	}
	media, err := mediaAddr(cfg.SIP.Listen, cfg.SIP.Registrar)
	if err != nil {
		return nil, err
	}
	key := settingsOf(cfg)
	open := endpoint.Opener{
		Video: func(ctx context.Context, o provider.Order) (hw.VideoSource, error) { return app.OpenVideo(ctx, o.Name) },
		Audio: func(ctx context.Context, o provider.Order) (hw.AudioSource, error) { return app.OpenAudio(ctx, o.Name) },
	}
	s := &callService{log: log, key: key, hub: endpoint.NewHub(open, log), app: app}
	sec := cfg.Security
	s.ep, err = endpoint.New(endpoint.Options{
		Log: log, Certificate: cert, MediaAddr: media,
		Provider: &endpoint.ProviderOpts{
			Advertisement: s.advertisement,
			Hub:           s.hub,
		},
		Pins:                  func(c *sip.Call) []transport.Fingerprint { return pinsFor(sec, c) },
		ClueMessagesPerSecond: float64(sec.CLUEMessagesPerSecond),
	})
	if err != nil {
		s.hub.Close()
		return nil, err
	}
	sip.SetLibraryLogger(log)
	s.ua, err = sip.New(s.ep, sipOpts(log, cfg, cert))
	if err != nil {
		s.hub.Close()
		return nil, err
	}
	if err := s.listen(cfg.SIP); err != nil {
		s.Close()
		return nil, err
	}
	if cfg.SIP.Registrar != "" {
		if s.reg, err = s.ua.Register(); err != nil {
			s.Close()
			return nil, fmt.Errorf("sip: register with %s: %w", cfg.SIP.Registrar, err)
		}
	}
	log.Info("answering calls", "uri", cfg.Identity.SIPURI, "sip", cfg.SIP.Transport+" "+cfg.SIP.Listen,
		"media", media.String(), "dtls", cert.SDPFingerprint(), "auth", sec.RequireAuth, "callers", len(sec.Callers))
	return s, nil
}

// listen opens the configured transport; with UDP also TCP on the same
// port (RFC 3261 §18: both are mandatory, and §18.1.1 sends requests over
// 1300 bytes, such as CLUE offers, over TCP).
func (s *callService) listen(c config.SIP) error {
	addr := c.Listen
	if addr == "" {
		addr = ":5060"
		if c.Transport == config.TransportTLS {
			addr = ":5061"
		}
	}
	bound, err := s.ua.Listen(c.Transport, addr)
	if err != nil {
		return err
	}
	if c.Transport == config.TransportUDP {
		host, _, _ := net.SplitHostPort(addr)
		_, port, _ := net.SplitHostPort(bound.String())
		if _, err := s.ua.Listen("tcp", net.JoinHostPort(host, port)); err != nil {
			return err
		}
	}
	return nil
}

// readvertise sends the room as it is now (a head came to rest) to every
// CLUE session (RFC 8847 §5.3: a new advertisement replaces the old).
func (s *callService) readvertise(ctx context.Context) {
	if s == nil {
		return
	}
	room, err := s.app.Room(ctx)
	if err != nil {
		s.log.Warn("readvertise", "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next, err := provider.Readvertise(s.last, &room)
	if err != nil || next == nil {
		return // unchanged, or not advertisable (logged by the next call)
	}
	s.last = next
	s.ep.Readvertise(next)
}

// Close hangs up every call (media stops first) and unregisters.
func (s *callService) Close() {
	if s == nil {
		return
	}
	if s.reg != nil {
		s.reg.Stop()
	}
	s.ep.Close()
	if s.ua != nil {
		s.ua.Close()
	}
	s.hub.Close()
}

// sipOpts maps the configuration onto the user agent.
func sipOpts(log *slog.Logger, cfg *config.Config, cert *transport.Certificate) *sip.Opts {
	sec := cfg.Security
	o := &sip.Opts{
		Logger:               log,
		UserAgent:            "cluecam/" + version,
		AllowUnauthenticated: !sec.RequireAuth,
		MaxCalls:             sec.MaxCalls,
		RatePerSecond:        float64(sec.SIPRequestsPerSecond),
		RateBurst:            2 * sec.SIPRequestsPerSecond,
		SessionTimer:         sip.SessionTimerOpts{Expires: cfg.SIP.SessionExpires, MinSE: cfg.SIP.MinSE},
		Account: sip.Account{URI: cfg.Identity.SIPURI, Username: cfg.SIP.Username, Password: cfg.SIP.Password.Reveal(),
			Registrar: cfg.SIP.Registrar, Expires: cfg.SIP.RegisterExpires},
		ErrorStatus: sdp.Status,
		Algorithms:  sec.DigestAlgorithms,
	}
	if t := cfg.SIP.TLS; cfg.SIP.Transport == config.TransportTLS {
		o.TLS = sip.TLSOpts{CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile}
		for _, f := range t.ServerFingerprints {
			o.TLS.ServerFingerprints = append(o.TLS.ServerFingerprints, f.String())
		}
		if t.CertFile == "" {
			// The box's own identity; peers pin its fingerprint.
			o.TLS.Certificates = []tls.Certificate{cert.TLS}
		}
	}
	for _, c := range sec.Callers {
		if sec.MayCall(c.URI) {
			o.Callers = append(o.Callers, sip.Caller{URI: c.URI, Username: c.Username, Password: c.Password.Reveal()})
		}
	}
	if !sec.RequireAuth && sec.AllowedPeers.Set {
		// Without digest the allow-list is all there is: every listed URI.
		o.Callers = o.Callers[:0]
		for _, u := range sec.AllowedPeers.URIs {
			o.Callers = append(o.Callers, sip.Caller{URI: u})
		}
	}
	return o
}

// pinsFor returns the DTLS certificates configured for a call's peer.
func pinsFor(sec config.Security, c *sip.Call) []transport.Fingerprint {
	p := c.Peer()
	if p == nil {
		return nil
	}
	for _, k := range sec.Callers {
		if k.URI != p.URI {
			continue
		}
		var out []transport.Fingerprint
		for _, f := range k.DTLSFingerprints {
			if tf, err := transport.ParseFingerprint(f.String()); err == nil {
				out = append(out, tf)
			}
		}
		return out
	}
	return nil
}

// loadCertificate loads or creates the box's DTLS certificate (RFC 8842:
// one long-lived identity, its fingerprint pinnable by peers).
func loadCertificate(dir string) (*transport.Certificate, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	cert, err := transport.LoadOrCreateCertificate(dir)
	if err != nil {
		return nil, fmt.Errorf("dtls certificate in %s: %w", dir, err)
	}
	return cert, nil
}

// mediaAddr picks the address media sockets bind to and SDP announces:
// the SIP listen address when it names one, else the address the host
// would use to reach the registrar, else the first global unicast
// address, else loopback.
func mediaAddr(listen, registrar string) (netip.Addr, error) {
	if host, _, err := net.SplitHostPort(listen); err == nil && host != "" {
		a, err := netip.ParseAddr(host)
		if err != nil {
			return netip.Addr{}, fmt.Errorf("sip.listen %q: host is not an IP address", listen)
		}
		if !a.IsUnspecified() {
			return a.Unmap(), nil
		}
	}
	if registrar != "" {
		if a, ok := routeTo(registrar); ok {
			return a, nil
		}
	}
	addrs, _ := net.InterfaceAddrs()
	for _, ad := range addrs {
		if p, err := netip.ParsePrefix(ad.String()); err == nil && p.Addr().Is4() && p.Addr().IsGlobalUnicast() {
			return p.Addr(), nil
		}
	}
	return netip.MustParseAddr("127.0.0.1"), nil
}

// routeTo finds the local address towards a SIP URI's host (a UDP
// "connect" sends nothing).
func routeTo(uri string) (netip.Addr, bool) {
	host := strings.TrimPrefix(strings.TrimPrefix(uri, "sips:"), "sip:")
	if _, h, ok := strings.Cut(host, "@"); ok {
		host = h
	}
	if i := strings.IndexAny(host, ";>?"); i >= 0 {
		host = host[:i]
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, "5060")
	}
	c, err := net.Dial("udp", host)
	if err != nil {
		return netip.Addr{}, false
	}
	defer c.Close()
	ap, err := netip.ParseAddrPort(c.LocalAddr().String())
	return ap.Addr().Unmap(), err == nil
}

// reloadCalls restarts the service when the reloaded configuration changed
// its SIP, security or identity settings (calls in progress end: their
// authorisation came from the old settings).
func reloadCalls(ctx context.Context, log *slog.Logger, cur *callService, cfg *config.Config, app *appliance.Appliance, stateDir string) *callService {
	if cur != nil && reflect.DeepEqual(cur.key, settingsOf(cfg)) {
		return cur
	}
	if cur != nil {
		log.Info("SIP or security settings changed: restarting the call service")
		cur.Close()
	}
	s, err := startCallService(ctx, log, cfg, app, stateDir)
	if err != nil {
		log.Error("call service not started", "err", err)
		return nil
	}
	return s
}

// stateDirOr resolves --state-dir: the flag, else the default when
// writable, else a per-user cache directory (development machines).
func stateDirOr(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if err := os.MkdirAll(defaultStateDir, 0o700); err == nil {
		return defaultStateDir
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "cluecam")
	}
	return filepath.Join(os.TempDir(), "cluecam-state")
}
