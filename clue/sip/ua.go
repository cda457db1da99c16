package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Methods we implement; Allow header of 405/501/OPTIONS answers.
const allowMethods = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE"

// Option tags we support (Supported header; Require checks, RFC 3261 §8.2.2.3).
var supportedTags = map[string]bool{"timer": true}

// knownMethods are recognised but not served: 405 rather than 501.
var knownMethods = map[string]bool{"REGISTER": true, "SUBSCRIBE": true, "NOTIFY": true, "REFER": true,
	"MESSAGE": true, "INFO": true, "PRACK": true, "PUBLISH": true}

// UA is a SIP user agent (UAS and UAC) for a CLUE endpoint. Requests are
// dispatched by sipgo on one goroutine each; a UA puts every request of a
// dialog through that dialog's single event loop (see [Call]).
type UA struct {
	opts Opts
	log  *slog.Logger
	h    SessionHandler
	auth *authenticator
	lim  *limiter

	ua  *sipgo.UserAgent
	srv *sipgo.Server
	// tlsServer is the Listen("tls") config; nil without a certificate.
	tlsServer *tls.Config

	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	closed  bool
	lis     map[string]*listener // "udp", "tcp", "tls"
	calls   map[string]*Call     // dialog key -> call
	ncalls  int
	regs    []*Registration
	wg      sync.WaitGroup
	closers []func() error
}

type listener struct {
	network string
	addr    net.Addr
	host    string
	port    int
	client  *sipgo.Client
}

// New makes a UA; it listens nowhere until [UA.Listen].
func New(h SessionHandler, opts *Opts) (*UA, error) {
	if h == nil {
		return nil, errors.New("sip: nil SessionHandler")
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	u := &UA{opts: o, log: o.Logger, h: h, lis: map[string]*listener{}, calls: map[string]*Call{}}
	u.auth = newAuthenticator(&u.opts)
	u.lim = newLimiter(o.RatePerSecond, o.RateBurst, o.MaxSources, o.Now)
	tlsClient, tlsServer, err := u.opts.TLS.configs()
	if err != nil {
		return nil, err
	}
	u.tlsServer = tlsServer
	u.ctx, u.cancel = context.WithCancel(context.Background())
	// sipgo logs every unparsable datagram at Error with its bytes: cap its
	// records at Debug so a flood cannot flood the log.
	libLog := slog.New(debugCap{o.Logger.Handler()}).With("component", "sipgo")
	parser := sip.NewParser()
	parser.MaxMessageLength = o.MaxMessageBytes
	u.ua, err = sipgo.NewUA(
		sipgo.WithUserAgent(o.UserAgent),
		sipgo.WithUserAgentParser(parser),
		sipgo.WithUserAgenTLSConfig(tlsClient),
		sipgo.WithUserAgentTransportLayerOptions(
			sip.WithTransportLayerLogger(libLog),
			sip.WithTransportLayerReadFilter(u.readFilter),
		),
		sipgo.WithUserAgentTransactionLayerOptions(
			sip.WithTransactionLayerLogger(libLog),
			sip.WithTransactionLayerUnhandledResponseHandler(u.strayResponse),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("sip: user agent: %w", err)
	}
	u.srv, err = sipgo.NewServer(u.ua, sipgo.WithServerLogger(libLog))
	if err != nil {
		return nil, fmt.Errorf("sip: server: %w", err)
	}
	for _, m := range []sip.RequestMethod{sip.INVITE, sip.ACK, sip.BYE, sip.CANCEL, sip.OPTIONS, sip.UPDATE} {
		u.srv.OnRequest(m, u.onRequest)
	}
	u.srv.OnNoRoute(u.onRequest)
	return u, nil
}

// Listen opens a socket ("udp", "tcp" or "tls") on addr (host:port; port
// 0 picks one) and serves SIP on it. It returns the bound address. "tls"
// needs a certificate in Opts.TLS; it also lets Dial and Register reach
// sips: and ;transport=tls URIs (RFC 3261 §26.2.2).
func (u *UA) Listen(network, addr string) (net.Addr, error) {
	network = strings.ToLower(network)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return nil, ErrClosed
	}
	if u.lis[network] != nil {
		return nil, fmt.Errorf("sip: already listening on %s", network)
	}
	l := &listener{network: network}
	var serve func() error
	switch network {
	case "udp":
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("sip: listen: %w", err)
		}
		l.addr = pc.LocalAddr()
		u.closers = append(u.closers, pc.Close)
		serve = func() error { return u.srv.ServeUDP(pc) }
	case "tcp":
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("sip: listen: %w", err)
		}
		l.addr = ln.Addr()
		u.closers = append(u.closers, ln.Close)
		serve = func() error { return u.srv.ServeTCP(ln) }
	case "tls":
		if u.tlsServer == nil {
			return nil, errors.New("sip: listen tls: no certificate (Opts.TLS.CertFile/KeyFile)")
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("sip: listen: %w", err)
		}
		l.addr = ln.Addr()
		u.closers = append(u.closers, ln.Close)
		tl := tlsListener{Listener: ln, conf: u.tlsServer, timeout: tlsHandshakeTimeout}
		serve = func() error { return u.srv.ServeTLS(tl) }
	default:
		return nil, fmt.Errorf("sip: unsupported network %q", network)
	}
	host, portS, _ := net.SplitHostPort(l.addr.String())
	l.port, _ = strconv.Atoi(portS)
	l.host = host
	if u.opts.Host != "" {
		l.host = u.opts.Host
	}
	copts := []sipgo.ClientOption{sipgo.WithClientHostname(l.host), sipgo.WithClientPort(l.port),
		sipgo.WithClientLogger(u.log)}
	if network == "udp" {
		// Requests leave from the listening port (sipgo notes); not on TCP,
		// where binding the listening port fails.
		copts = append(copts, sipgo.WithClientConnectionAddr(l.addr.String()))
	}
	c, err := sipgo.NewClient(u.ua, copts...)
	if err != nil {
		return nil, fmt.Errorf("sip: client: %w", err)
	}
	l.client = c
	u.lis[network] = l
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		if err := serve(); err != nil && !errors.Is(err, net.ErrClosed) {
			u.log.Debug("sip: serve ended", "network", network, "err", err)
		}
	}()
	if network == "udp" {
		// sipgo registers the listener in its pool inside ServeUDP; requests
		// sent before that would try to bind the port again.
		for i := 0; i < 500; i++ {
			if c, err := u.ua.TransportLayer().GetConnection("udp", l.addr.String()); err == nil && c != nil {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return l.addr, nil
}

// Close ends every call (BYE, best effort), unregisters, and closes the
// sockets. Ended is called for each call before Close returns.
func (u *UA) Close() error {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		return nil
	}
	u.closed = true
	calls := make([]*Call, 0, len(u.calls))
	seen := map[*Call]bool{}
	for _, c := range u.calls {
		if !seen[c] {
			seen[c] = true
			calls = append(calls, c)
		}
	}
	regs := u.regs
	u.mu.Unlock()
	for _, c := range calls {
		c.terminate(ReasonClosed)
	}
	for _, r := range regs {
		r.Stop()
	}
	u.cancel()
	u.mu.Lock()
	closers := u.closers
	u.mu.Unlock()
	for _, f := range closers {
		_ = f()
	}
	err := u.ua.Close()
	u.wg.Wait()
	return err
}

// Addr returns the address the UA listens on for network, or nil.
func (u *UA) Addr(network string) net.Addr {
	u.mu.Lock()
	defer u.mu.Unlock()
	if l := u.lis[strings.ToLower(network)]; l != nil {
		return l.addr
	}
	return nil
}

// Calls returns the calls in progress.
func (u *UA) Calls() []*Call {
	u.mu.Lock()
	defer u.mu.Unlock()
	seen := map[*Call]bool{}
	var out []*Call
	for _, c := range u.calls {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

func (u *UA) listenerFor(transport string) *listener {
	u.mu.Lock()
	defer u.mu.Unlock()
	switch strings.ToUpper(transport) {
	case "TCP":
		return u.lis["tcp"]
	case "TLS":
		return u.lis["tls"]
	default:
		return u.lis["udp"]
	}
}

// readFilter runs on raw bytes before sipgo parses them: size limit and
// per-source rate limit. On UDP an error would stop the listener, so
// dropped datagrams return nil; on TCP an error closes only the abusive
// connection.
func (u *UA) readFilter(p sip.TransportReadProps, data []byte) ([]byte, error) {
	key := ""
	if p.RemoteAddr != nil {
		key = p.Transport + " " + p.RemoteAddr.String()
	}
	udp := strings.EqualFold(p.Transport, "udp")
	if udp && len(data) > u.opts.MaxMessageBytes {
		u.log.Debug("sip: oversized datagram dropped", "from", key, "bytes", len(data))
		return nil, nil
	}
	if !u.lim.allow(key) {
		if udp {
			return nil, nil
		}
		return nil, errors.New("sip: rate limit")
	}
	return data, nil
}

// strayResponse sees responses no client transaction matched: a
// retransmitted 2xx to an INVITE whose transaction is gone gets the ACK
// again (RFC 3261 §13.2.2.4).
func (u *UA) strayResponse(res *sip.Response) {
	if !res.IsSuccess() || res.CSeq() == nil || res.CSeq().MethodName != sip.INVITE || res.CallID() == nil {
		return
	}
	ft, _ := res.From().Params.Get("tag")
	tt, _ := res.To().Params.Get("tag")
	c := u.lookup(dialogKey(res.CallID().Value(), ft, tt))
	if c != nil {
		c.post(func() { c.resendAck(res.CSeq().SeqNo) })
	}
}

func dialogKey(callID, localTag, remoteTag string) string {
	return callID + "\x00" + localTag + "\x00" + remoteTag
}

func (u *UA) lookup(key string) *Call {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.calls[key]
}

func (u *UA) register(key string, c *Call) {
	u.mu.Lock()
	u.calls[key] = c
	u.mu.Unlock()
}

func (u *UA) unregister(c *Call) {
	u.mu.Lock()
	for k, x := range u.calls {
		if x == c {
			delete(u.calls, k)
		}
	}
	if c.counted {
		c.counted = false
		u.ncalls--
	}
	u.mu.Unlock()
}

// reserve counts a new call against MaxCalls.
func (u *UA) reserve() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed || u.ncalls >= u.opts.MaxCalls {
		return false
	}
	u.ncalls++
	return true
}

func (u *UA) release() {
	u.mu.Lock()
	u.ncalls--
	u.mu.Unlock()
}

// respond answers req statelessly through tx, adding reason-less defaults.
func (u *UA) respond(req *sip.Request, tx sip.ServerTransaction, code int, reason string, body []byte, hdrs ...sip.Header) {
	if req.IsAck() {
		return
	}
	res := sip.NewResponseFromRequest(req, code, reason, body)
	res.AppendHeader(sip.NewHeader("Server", u.opts.UserAgent))
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if tx == nil {
		_ = u.srv.WriteResponse(res)
		return
	}
	if err := tx.Respond(res); err != nil {
		u.log.Debug("sip: respond failed", "code", code, "err", err)
	}
}

// validate applies the RFC 3261 §8.2 checks sipgo leaves to the UAS. It
// returns 0 or the status, reason and extra headers to answer with.
func validate(req *sip.Request) (int, string, []sip.Header) {
	switch {
	case req.CallID() == nil || req.CallID().Value() == "":
		return 400, "Missing Call-ID", nil
	case req.From() == nil:
		return 400, "Missing From", nil
	case req.To() == nil:
		return 400, "Missing To", nil
	case req.CSeq() == nil:
		return 400, "Missing CSeq", nil
	case req.Via() == nil:
		return 400, "Missing Via", nil
	}
	if req.CSeq().MethodName != req.Method {
		// RFC 3261 §8.1.1.5: the CSeq method MUST match the request's.
		return 400, "CSeq method does not match request method", nil
	}
	if !req.From().Params.Has("tag") {
		return 400, "Missing From tag", nil
	}
	if s := req.Recipient.Scheme; s != "sip" && s != "sips" {
		return 416, "Unsupported URI Scheme", nil
	}
	if !validHost(req.Recipient.Host) {
		return 400, "Bad Request-URI", nil
	}
	if req.SipVersion != "SIP/2.0" {
		return 505, "Version Not Supported", nil
	}
	if mf := req.MaxForwards(); mf != nil && mf.Val() == 0 && req.Method != sip.OPTIONS {
		return 483, "Too Many Hops", nil
	}
	if req.Method != sip.ACK && req.Method != sip.CANCEL {
		var bad []string
		for _, h := range req.GetHeaders("Require") {
			for _, t := range strings.Split(h.Value(), ",") {
				t = strings.TrimSpace(t)
				if t != "" && !supportedTags[strings.ToLower(t)] {
					bad = append(bad, t)
				}
			}
		}
		if len(bad) > 0 {
			return 420, "Bad Extension", []sip.Header{sip.NewHeader("Unsupported", strings.Join(bad, ", "))}
		}
	}
	if len(req.Body()) > 0 && (req.Method == sip.INVITE || req.Method == sip.UPDATE || req.Method == sip.ACK) {
		ct := req.ContentType()
		if ct == nil || !strings.EqualFold(strings.TrimSpace(strings.Split(ct.Value(), ";")[0]), "application/sdp") {
			return 415, "Unsupported Media Type", []sip.Header{sip.NewHeader("Accept", "application/sdp")}
		}
	}
	return 0, "", nil
}

// onRequest is sipgo's handler for every method. It returns only after
// the request has its final response (sipgo ends the server transaction
// when the handler returns).
func (u *UA) onRequest(req *sip.Request, tx sip.ServerTransaction) {
	defer func() {
		if r := recover(); r != nil {
			u.log.Error("sip: handler panic", "panic", r, "req", req.StartLine())
			u.respond(req, tx, 500, "Server Internal Error", nil)
		}
	}()
	if code, reason, hdrs := validate(req); code != 0 {
		u.log.Debug("sip: request refused", "code", code, "reason", reason, "from", req.Source())
		u.respond(req, tx, code, reason, nil, hdrs...)
		return
	}
	toTag, _ := req.To().Params.Get("tag")
	fromTag, _ := req.From().Params.Get("tag")
	if toTag != "" {
		c := u.lookup(dialogKey(req.CallID().Value(), toTag, fromTag))
		if c == nil {
			// RFC 3261 §12.2.2: no matching dialog.
			u.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
			return
		}
		c.dispatch(req, tx)
		return
	}
	switch req.Method {
	case sip.INVITE:
		u.incomingInvite(req, tx)
	case sip.ACK:
		// Out of dialog ACK (e.g. for a 2xx of a call that ended): nothing to do.
	case sip.OPTIONS:
		// RFC 3261 §11.2; RFC 8848 §3: sip.clue in the OPTIONS response.
		u.respond(req, tx, 200, "OK", nil,
			sip.NewHeader("Allow", allowMethods), sip.NewHeader("Accept", "application/sdp"),
			sip.NewHeader("Supported", "timer"), u.contactFor(req.Transport(), isSIPS(req.Recipient.Scheme)))
	case sip.BYE, sip.CANCEL, sip.UPDATE:
		u.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
	default:
		if knownMethods[string(req.Method)] {
			u.respond(req, tx, 405, "Method Not Allowed", nil, sip.NewHeader("Allow", allowMethods))
		} else {
			u.respond(req, tx, 501, "Not Implemented", nil, sip.NewHeader("Allow", allowMethods))
		}
	}
}

// contactFor builds our Contact with the sip.clue feature tag (RFC 8848
// §3, RFC 3840 §9: a non-base tag is encoded "+sip.clue"). secure: the
// request's Request-URI was sips:, so the Contact must be one too (RFC 3261
// §8.1.1.8); over TLS otherwise it is sip: with transport=tls: RFC 3261
// §26.2.2 deprecates that parameter in favour of sips:, but it is the only
// way to ask for TLS on the last hop without demanding it on every hop
// (RFC 5630 on what sips: means).
func (u *UA) contactFor(transport string, secure bool) *sip.ContactHeader {
	l := u.listenerFor(transport)
	ct := &sip.ContactHeader{Address: sip.Uri{Scheme: "sip"}}
	if l != nil {
		ct.Address.Host, ct.Address.Port = l.host, l.port
		switch {
		case l.network == "tls" && secure:
			ct.Address.Scheme = "sips"
		case l.network == "tcp" || l.network == "tls":
			ct.Address.UriParams = sip.HeaderParams{}
			ct.Address.UriParams.Add("transport", l.network)
		}
	}
	if au, err := parseURI(u.opts.Account.URI); err == nil && au.user != "" {
		ct.Address.User = au.user
	}
	ct.Params = sip.HeaderParams{}
	ct.Params.Add("+sip.clue", "")
	return ct
}

// hasCLUETag reports whether a Contact carries sip.clue.
func hasCLUETag(ct *sip.ContactHeader) bool {
	return ct != nil && (ct.Params.Has("+sip.clue") || ct.Params.Has("sip.clue"))
}

func (u *UA) incomingInvite(req *sip.Request, tx sip.ServerTransaction) {
	fromKey, err := parseURI(req.From().Address.String())
	if err != nil {
		u.respond(req, tx, 400, "Bad From URI", nil)
		return
	}
	authz := ""
	if h := req.GetHeader("Authorization"); h != nil {
		authz = h.Value()
	}
	res, caller, why := u.auth.check(string(req.Method), authz, fromKey)
	switch res {
	case authChallenge, authStale:
		u.log.Info("sip: INVITE challenged", "from", req.Source(), "why", why)
		var hdrs []sip.Header
		for _, v := range u.auth.challenges(res == authStale) {
			hdrs = append(hdrs, sip.NewHeader("WWW-Authenticate", v))
		}
		u.respond(req, tx, 401, "Unauthorized", nil, hdrs...)
		return
	case authForbidden:
		u.log.Warn("sip: INVITE forbidden", "from", req.Source(), "uri", req.From().Address.String(), "why", why)
		u.respond(req, tx, 403, "Forbidden", nil)
		return
	}
	if !u.reserve() {
		u.respond(req, tx, 486, "Busy Here", nil)
		return
	}
	c := newIncomingCall(u, req, caller)
	c.counted = true
	u.register(c.key(), c)
	u.wg.Add(1)
	go c.loop()
	if st, ok := tx.(*sip.ServerTx); ok {
		st.OnCancel(func(*sip.Request) { c.cancelInvite() })
	}
	done := make(chan struct{})
	if !c.post(func() { c.acceptInvite(req, tx); close(done) }) {
		u.respond(req, tx, 500, "Server Internal Error", nil)
		return
	}
	select {
	case <-done:
	case <-c.exited:
	}
}

// SetLibraryLogger routes sipgo's process-wide log (connection
// bookkeeping it reports at warning level on ordinary closes, such as "TCP
// ref went negative") to l, at Debug. sipgo keeps that logger in an
// unsynchronised variable, so only the first call takes effect: call it
// before the process's first UA exists.
func SetLibraryLogger(l *slog.Logger) {
	libLoggerOnce.Do(func() {
		sip.SetDefaultLogger(slog.New(debugCap{l.Handler()}).With("component", "sipgo"))
	})
}

var libLoggerOnce sync.Once

// debugCap is a slog handler that logs every record at Debug at most.
type debugCap struct{ h slog.Handler }

func (d debugCap) Enabled(ctx context.Context, _ slog.Level) bool {
	return d.h.Enabled(ctx, slog.LevelDebug)
}

func (d debugCap) Handle(ctx context.Context, r slog.Record) error {
	if r.Level > slog.LevelDebug {
		r.Level = slog.LevelDebug
	}
	return d.h.Handle(ctx, r)
}

func (d debugCap) WithAttrs(a []slog.Attr) slog.Handler { return debugCap{d.h.WithAttrs(a)} }
func (d debugCap) WithGroup(n string) slog.Handler      { return debugCap{d.h.WithGroup(n)} }

// validHost accepts a hostname, IPv4 or bracketed IPv6 reference
// (RFC 3261 §25.1 hostport, loosely).
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".-:[]_", c) >= 0) {
			return false
		}
	}
	return true
}
