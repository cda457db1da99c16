package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// SessionHandler is what the media and CLUE layers (package endpoint) plug
// into a call. Every method is called from the call's own event loop, one
// at a time, never concurrently for one call.
type SessionHandler interface {
	// Offer returns our SDP offer: for an outgoing INVITE, a re-INVITE we
	// send (including session-timer refreshes), or in the 2xx to an
	// offerless INVITE.
	Offer(ctx context.Context, c *Call) ([]byte, error)
	// Answer returns our answer to the peer's offer. An error refuses the
	// offer: its status comes from a *StatusError, then Opts.ErrorStatus
	// (clue/sdp.Status gives 400 or 488), else 488. On an initial INVITE a
	// refusal ends the call; on a re-INVITE or UPDATE the previous session
	// stays (RFC 3261 §14.2). ctx is cancelled if the INVITE is CANCELled.
	Answer(ctx context.Context, c *Call, offer []byte) ([]byte, error)
	// Accept applies the peer's answer to our last Offer. An error ends
	// the call (ACK, then BYE: RFC 3261 §13.2.2.4).
	Accept(ctx context.Context, c *Call, answer []byte) error
	// Established: the initial offer/answer is complete and the dialog is
	// confirmed (we got the ACK, or we sent it). Media may flow.
	Established(c *Call)
	// Updated: a later offer/answer exchange completed; remote is the
	// peer's SDP of that exchange.
	Updated(c *Call, remote []byte)
	// Ended is called exactly once per call the handler was shown, as soon
	// as the call ends for any reason; media must stop now.
	Ended(c *Call, reason EndReason)
}

// EndReason says why a call ended.
type EndReason string

const (
	ReasonLocalBye       EndReason = "local hangup"
	ReasonRemoteBye      EndReason = "remote hangup"
	ReasonCanceled       EndReason = "canceled"
	ReasonRejected       EndReason = "rejected"
	ReasonSessionExpired EndReason = "session timer expired"
	ReasonNoAck          EndReason = "no ACK"
	ReasonTransport      EndReason = "transport failure"
	ReasonFailed         EndReason = "negotiation failed"
	ReasonClosed         EndReason = "user agent closed"
)

// State of a call.
type State int

const (
	StateCalling   State = iota // outgoing INVITE sent
	StateIncoming               // incoming INVITE being answered
	StateAnswered               // 2xx sent, waiting for the ACK
	StateConfirmed              // dialog confirmed
	StateEnded
)

func (s State) String() string {
	return [...]string{"calling", "incoming", "answered", "confirmed", "ended"}[s]
}

// RFC 3261 timers.
const (
	t1 = 500 * time.Millisecond
	t2 = 4 * time.Second
)

// Call is one SIP dialog (a call). All of its SIP processing runs on one
// goroutine (its event loop): requests arriving on sipgo's goroutines are
// queued there, so the order of processing per dialog is well defined.
type Call struct {
	ua       *UA
	log      *slog.Logger
	outgoing bool

	// dialog state: owned by the loop (or the Dial goroutine before it)
	callID      string
	transport   string
	secure      bool // RFC 3261 §12.1: sips: Request-URI over TLS
	localTag    string
	remoteTag   string
	localURI    sip.Uri
	remoteURI   sip.Uri
	localSeq    uint32
	remoteSeq   uint32
	remoteSet   bool
	target      sip.Uri
	route       []sip.Uri
	inv         *serverInvite
	deferred    []chan error
	out         *clientInvite
	glare       *time.Timer
	lastAck     *sip.Request
	se          time.Duration
	weRefresh   bool
	seTimer     *time.Timer
	invCtx      context.Context
	invCancel   context.CancelFunc
	hangingUp   atomic.Bool
	ended       bool
	counted     bool // guarded by ua.mu
	inviteLaddr sip.Addr

	events chan func()
	exited chan struct{}

	mu        sync.Mutex
	state     State
	peer      *Caller
	peerCLUE  bool
	localSDP  []byte
	remoteSDP []byte
	reason    EndReason
}

type serverInvite struct {
	req        *sip.Request
	tx         sip.ServerTransaction
	res        *sip.Response
	cseq       uint32
	offerInRes bool
	initial    bool
	retrans    *time.Timer
	giveUp     *time.Timer
}

type clientInvite struct {
	result  chan error
	refresh bool
	req     *sip.Request
}

func newCall(u *UA, outgoing bool) *Call {
	c := &Call{ua: u, outgoing: outgoing, events: make(chan func(), 32), exited: make(chan struct{})}
	c.invCtx, c.invCancel = context.WithCancel(u.ctx)
	c.localTag = sip.GenerateTagN(16)
	return c
}

func newIncomingCall(u *UA, req *sip.Request, caller *Caller) *Call {
	c := newCall(u, false)
	c.callID = req.CallID().Value()
	c.transport = req.Transport()
	// RFC 3261 §12.1.1: the dialog is secure when the INVITE came over TLS
	// to a sips: Request-URI.
	c.secure = strings.EqualFold(c.transport, "TLS") && isSIPS(req.Recipient.Scheme)
	c.remoteTag, _ = req.From().Params.Get("tag")
	c.remoteURI = req.From().Address
	c.localURI = req.To().Address
	c.state = StateIncoming
	c.peer = caller
	c.peerCLUE = hasCLUETag(req.Contact())
	c.log = u.log.With("call", c.callID)
	return c
}

func (c *Call) key() string { return dialogKey(c.callID, c.localTag, c.remoteTag) }

// ID returns the Call-ID.
func (c *Call) ID() string { return c.callID }

// Outgoing reports whether we placed the call.
func (c *Call) Outgoing() bool { return c.outgoing }

// Peer returns the allow-listed caller that authenticated, or nil (an
// outgoing call, or authentication off with an empty allow-list).
func (c *Call) Peer() *Caller { c.mu.Lock(); defer c.mu.Unlock(); return c.peer }

// RemoteURI is the peer's From (incoming) or To (outgoing) URI.
func (c *Call) RemoteURI() string { return c.remoteURI.String() }

// PeerCLUE reports whether the peer's Contact carried sip.clue (RFC 8848 §3).
func (c *Call) PeerCLUE() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.peerCLUE }

// State returns the call's state.
func (c *Call) State() State { c.mu.Lock(); defer c.mu.Unlock(); return c.state }

// LocalSDP and RemoteSDP are the bodies of the last completed exchange.
func (c *Call) LocalSDP() []byte { c.mu.Lock(); defer c.mu.Unlock(); return c.localSDP }

// RemoteSDP: see LocalSDP.
func (c *Call) RemoteSDP() []byte { c.mu.Lock(); defer c.mu.Unlock(); return c.remoteSDP }

// Reason is why the call ended ("" while it runs).
func (c *Call) Reason() EndReason { c.mu.Lock(); defer c.mu.Unlock(); return c.reason }

// Done is closed when the call has ended and its loop has stopped.
func (c *Call) Done() <-chan struct{} { return c.exited }

// SessionExpires returns the negotiated RFC 4028 interval (0: none) and
// whether we are the refresher.
func (c *Call) SessionExpires() (time.Duration, bool) {
	d := make(chan struct{})
	var se time.Duration
	var we bool
	if !c.postWait(func() { se, we = c.se, c.weRefresh; close(d) }) {
		return 0, false
	}
	select {
	case <-d:
	case <-c.exited:
	}
	return se, we
}

func (c *Call) setState(s State) { c.mu.Lock(); c.state = s; c.mu.Unlock() }

func (c *Call) setSDP(local, remote []byte) {
	c.mu.Lock()
	if local != nil {
		c.localSDP = local
	}
	if remote != nil {
		c.remoteSDP = remote
	}
	c.mu.Unlock()
}

// loop is the call's event loop. It stops once the call has ended.
func (c *Call) loop() {
	defer c.ua.wg.Done()
	defer close(c.exited)
	for f := range c.events {
		f()
		if c.ended {
			return
		}
	}
}

// post queues f without blocking; false if the queue is full or the call
// has ended.
func (c *Call) post(f func()) bool {
	select {
	case <-c.exited:
		return false
	default:
	}
	select {
	case c.events <- f:
		return true
	case <-c.exited:
		return false
	default:
		return false
	}
}

// postWait queues f, waiting for room; false if the call has ended.
func (c *Call) postWait(f func()) bool {
	select {
	case c.events <- f:
		return true
	case <-c.exited:
		return false
	}
}

// dispatch hands an in-dialog request to the loop and waits until it has
// been answered.
func (c *Call) dispatch(req *sip.Request, tx sip.ServerTransaction) {
	done := make(chan struct{})
	if !c.post(func() { c.inDialog(req, tx); close(done) }) {
		select {
		case <-c.exited:
			c.ua.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		default:
			// Queue full: a flood on this dialog (RFC 3261 §21.5.4).
			c.ua.respond(req, tx, 503, "Service Unavailable", nil, sip.NewHeader("Retry-After", "1"))
		}
		return
	}
	select {
	case <-done:
	case <-c.exited:
		select {
		case <-done:
		default:
			c.ua.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		}
	}
}

// end finishes the call once: timers stop, the UA forgets it, Ended runs.
func (c *Call) end(reason EndReason) {
	if c.ended {
		return
	}
	c.ended = true
	c.invCancel()
	if c.seTimer != nil {
		c.seTimer.Stop()
	}
	if c.glare != nil {
		c.glare.Stop()
	}
	if c.inv != nil {
		c.stopInv()
	}
	if c.out != nil && c.out.result != nil {
		c.out.result <- ErrCallEnded
		c.out = nil
	}
	for _, r := range c.deferred {
		if r != nil {
			r <- ErrCallEnded
		}
	}
	c.deferred = nil
	c.mu.Lock()
	c.state = StateEnded
	c.reason = reason
	c.mu.Unlock()
	c.ua.unregister(c)
	c.log.Info("sip: call ended", "reason", string(reason))
	c.ua.h.Ended(c, reason)
}

func (c *Call) stopInv() {
	if c.inv.retrans != nil {
		c.inv.retrans.Stop()
	}
	if c.inv.giveUp != nil {
		c.inv.giveUp.Stop()
	}
	c.inv = nil
}

func (c *Call) client() *sipgo.Client {
	l := c.ua.listenerFor(c.transport)
	if l == nil {
		return nil
	}
	return l.client
}

// newRequest builds an in-dialog request (RFC 3261 §12.2.1.1). seq 0
// takes the next local CSeq.
func (c *Call) newRequest(m sip.RequestMethod, seq uint32) *sip.Request {
	req := sip.NewRequest(m, *c.target.Clone())
	for _, r := range c.route {
		req.AppendHeader(&sip.RouteHeader{Address: *r.Clone()})
	}
	from := &sip.FromHeader{Address: *c.localURI.Clone(), Params: sip.HeaderParams{}}
	from.Params.Add("tag", c.localTag)
	to := &sip.ToHeader{Address: *c.remoteURI.Clone(), Params: sip.HeaderParams{}}
	if c.remoteTag != "" {
		to.Params.Add("tag", c.remoteTag)
	}
	req.AppendHeader(from)
	req.AppendHeader(to)
	cid := sip.CallIDHeader(c.callID)
	req.AppendHeader(&cid)
	if seq == 0 {
		c.localSeq++
		seq = c.localSeq
	}
	req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: m})
	mf := sip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	if m == sip.INVITE || m == sip.UPDATE {
		req.AppendHeader(c.ua.contactFor(c.transport, c.secure))
		req.AppendHeader(sip.NewHeader("Allow", allowMethods))
	}
	req.AppendHeader(sip.NewHeader("User-Agent", c.ua.opts.UserAgent))
	req.SetTransport(c.transport)
	return req
}

func withSDP(req interface {
	SetBody([]byte)
	AppendHeader(sip.Header)
}, body []byte) {
	if len(body) > 0 {
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	}
	req.SetBody(body)
}

// statusOf maps a handler error to the SIP status refusing an offer.
func (u *UA) statusOf(err error) (int, string) {
	var se *StatusError
	if errors.As(err, &se) && se.Code >= 300 && se.Code < 700 {
		r := se.Reason
		if r == "" {
			r = reasonFor(se.Code)
		}
		return se.Code, r
	}
	if u.opts.ErrorStatus != nil {
		if code := u.opts.ErrorStatus(err); code >= 300 && code < 700 {
			return code, reasonFor(code)
		}
	}
	return 488, reasonFor(488)
}

func reasonFor(code int) string {
	switch code {
	case 400:
		return "Bad Request"
	case 488:
		return "Not Acceptable Here"
	case 500:
		return "Server Internal Error"
	case 606:
		return "Not Acceptable"
	}
	return "Rejected"
}

// respondInv sends a response to an INVITE/UPDATE with our To tag.
func (c *Call) response(req *sip.Request, code int, reason string, body []byte, hdrs ...sip.Header) *sip.Response {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	if code != 100 {
		res.To().Params.Add("tag", c.localTag)
	}
	res.AppendHeader(sip.NewHeader("Server", c.ua.opts.UserAgent))
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if code >= 200 && code < 300 && (req.Method == sip.INVITE || req.Method == sip.UPDATE) {
		res.AppendHeader(c.ua.contactFor(c.transport, c.secure))
		res.AppendHeader(sip.NewHeader("Allow", allowMethods))
		res.AppendHeader(sip.NewHeader("Supported", "timer"))
	}
	withSDP(res, body)
	return res
}

func (c *Call) send(tx sip.ServerTransaction, res *sip.Response) error {
	if err := tx.Respond(res); err != nil {
		c.log.Debug("sip: respond failed", "code", res.StatusCode, "err", err)
		return err
	}
	return nil
}

// ---- UAS: initial INVITE ----

func (c *Call) cancelInvite() { c.invCancel() }

func (c *Call) acceptInvite(req *sip.Request, tx sip.ServerTransaction) {
	c.remoteSeq, c.remoteSet = req.CSeq().SeqNo, true
	reject := func(code int, reason string, reasonEnd EndReason, hdrs ...sip.Header) {
		_ = c.send(tx, c.response(req, code, reason, nil, hdrs...))
		c.end(reasonEnd)
	}
	ct := req.Contact()
	if ct == nil {
		// RFC 3261 §8.1.1.8: an INVITE MUST carry a Contact.
		reject(400, "Missing Contact", ReasonRejected)
		return
	}
	c.target = *ct.Address.Clone()
	for _, h := range req.GetHeaders("Record-Route") {
		if rr, ok := h.(*sip.RecordRouteHeader); ok {
			c.route = append(c.route, *rr.Address.Clone())
		}
	}
	se, we, code, hdrs := c.ua.timerUAS(req)
	if code != 0 {
		reject(code, "Session Interval Too Small", ReasonRejected, hdrs...)
		return
	}
	if c.invCtx.Err() != nil {
		c.end(ReasonCanceled)
		return
	}
	offer := req.Body()
	var body []byte
	var err error
	if len(offer) > 0 {
		body, err = c.ua.h.Answer(c.invCtx, c, offer)
	} else {
		body, err = c.ua.h.Offer(c.invCtx, c)
	}
	if c.invCtx.Err() != nil {
		if c.hangingUp.Load() {
			reject(603, "Decline", ReasonLocalBye)
			return
		}
		// sipgo has answered the CANCEL (200) and the INVITE (487).
		c.end(ReasonCanceled)
		return
	}
	if err != nil {
		code, reason := c.ua.statusOf(err)
		c.log.Info("sip: offer refused", "code", code, "err", err)
		reject(code, reason, ReasonRejected)
		return
	}
	res := c.response(req, 200, "OK", body, hdrs...)
	if err := c.send(tx, res); err != nil || c.invCtx.Err() != nil {
		c.end(ReasonCanceled)
		return
	}
	if len(offer) > 0 {
		c.setSDP(body, offer)
	} else {
		c.setSDP(body, nil)
	}
	c.se, c.weRefresh = se, we
	c.setState(StateAnswered)
	c.awaitAck(req, tx, res, len(offer) == 0, true)
	c.armTimer()
}

// awaitAck keeps the 2xx until its ACK: retransmitted on UDP (T1 doubling
// to T2, RFC 3261 §13.3.1.4), and after 64·T1 without ACK the dialog is
// ended with a BYE.
func (c *Call) awaitAck(req *sip.Request, tx sip.ServerTransaction, res *sip.Response, offerInRes, initial bool) {
	inv := &serverInvite{req: req, tx: tx, res: res, cseq: req.CSeq().SeqNo, offerInRes: offerInRes, initial: initial}
	c.inv = inv
	if !sip.IsReliable(req.Transport()) {
		var next func(d time.Duration)
		next = func(d time.Duration) {
			inv.retrans = time.AfterFunc(d, func() {
				c.post(func() {
					if c.inv != inv {
						return
					}
					_ = tx.Respond(res)
					next(min(2*d, t2))
				})
			})
		}
		next(t1)
	}
	inv.giveUp = time.AfterFunc(64*t1, func() {
		c.postWait(func() {
			if c.inv != inv {
				return
			}
			c.log.Warn("sip: no ACK for 2xx")
			c.stopInv()
			c.sendBye()
			c.end(ReasonNoAck)
		})
	})
}

// ackArrived completes the exchange of the INVITE the ACK (or a later
// request that implies it) belongs to.
func (c *Call) ackArrived(body []byte) {
	inv := c.inv
	c.stopInv()
	if inv.offerInRes {
		if len(body) == 0 {
			c.sendBye()
			c.end(ReasonFailed)
			return
		}
		if err := c.ua.h.Accept(c.ua.ctx, c, body); err != nil {
			c.log.Info("sip: answer in ACK refused", "err", err)
			c.sendBye()
			c.end(ReasonFailed)
			return
		}
		c.setSDP(nil, body)
	}
	c.setState(StateConfirmed)
	if inv.initial {
		c.log.Info("sip: call established")
		c.ua.h.Established(c)
	} else {
		c.ua.h.Updated(c, c.RemoteSDP())
	}
	c.kick()
}

// kick starts a deferred re-INVITE once no exchange is open.
func (c *Call) kick() {
	if len(c.deferred) == 0 || c.ended || c.out != nil || c.inv != nil || c.glare != nil {
		return
	}
	r := c.deferred[0]
	c.deferred = c.deferred[1:]
	c.post(func() { c.startReinvite(r, false) })
}

// ---- in-dialog requests ----

func (c *Call) inDialog(req *sip.Request, tx sip.ServerTransaction) {
	if req.Method == sip.ACK {
		// An ACK whose CSeq is not that of the INVITE awaiting it is a
		// late or duplicate one (reordered behind a re-INVITE): ignored.
		if c.inv != nil && req.CSeq().SeqNo == c.inv.cseq {
			c.ackArrived(req.Body())
		}
		return
	}
	if req.Method == sip.CANCEL {
		c.ua.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	seq := req.CSeq().SeqNo
	if c.remoteSet && seq <= c.remoteSeq {
		// RFC 3261 §12.2.2: lower CSeq is out of order.
		c.ua.respond(req, tx, 500, "CSeq Out of Order", nil)
		return
	}
	c.remoteSeq, c.remoteSet = seq, true
	switch req.Method {
	case sip.BYE:
		c.end(ReasonRemoteBye)
		c.ua.respond(req, tx, 200, "OK", nil)
	case sip.INVITE:
		c.onReinvite(req, tx)
	case sip.UPDATE:
		c.onUpdate(req, tx)
	case sip.OPTIONS:
		c.ua.respond(req, tx, 200, "OK", nil, sip.NewHeader("Allow", allowMethods),
			sip.NewHeader("Supported", "timer"), c.ua.contactFor(c.transport, c.secure))
	default:
		if knownMethods[string(req.Method)] {
			c.ua.respond(req, tx, 405, "Method Not Allowed", nil, sip.NewHeader("Allow", allowMethods))
		} else {
			c.ua.respond(req, tx, 501, "Not Implemented", nil, sip.NewHeader("Allow", allowMethods))
		}
	}
}

// pendingConflict answers a request that would start an offer/answer
// while one is in progress: 491 (RFC 3261 §14.2, RFC 3311 §5.2). An
// unACKed 2xx whose answer is complete counts as done (the ACK was only
// overtaken).
func (c *Call) pendingConflict(req *sip.Request, tx sip.ServerTransaction) bool {
	if c.out != nil {
		_ = c.send(tx, c.response(req, 491, "Request Pending", nil))
		return true
	}
	if c.inv != nil {
		if c.inv.offerInRes {
			_ = c.send(tx, c.response(req, 491, "Request Pending", nil))
			return true
		}
		c.ackArrived(nil)
		if c.ended {
			c.ua.respond(req, tx, 481, "Call/Transaction Does Not Exist", nil)
			return true
		}
	}
	return false
}

func (c *Call) onReinvite(req *sip.Request, tx sip.ServerTransaction) {
	if c.pendingConflict(req, tx) {
		return
	}
	se, we, code, hdrs := c.ua.timerUAS(req)
	if code != 0 {
		_ = c.send(tx, c.response(req, code, "Session Interval Too Small", nil, hdrs...))
		return
	}
	if ct := req.Contact(); ct != nil {
		c.target = *ct.Address.Clone() // target refresh, RFC 3261 §12.2.2
		c.mu.Lock()
		c.peerCLUE = hasCLUETag(ct)
		c.mu.Unlock()
	}
	offer := req.Body()
	var body []byte
	var err error
	if len(offer) > 0 {
		body, err = c.ua.h.Answer(c.ua.ctx, c, offer)
	} else {
		body, err = c.ua.h.Offer(c.ua.ctx, c)
	}
	if err != nil {
		code, reason := c.ua.statusOf(err)
		_ = c.send(tx, c.response(req, code, reason, nil))
		return
	}
	res := c.response(req, 200, "OK", body, hdrs...)
	if c.send(tx, res) != nil {
		return
	}
	if len(offer) > 0 {
		c.setSDP(body, offer)
	} else {
		c.setSDP(body, nil)
	}
	c.se, c.weRefresh = se, we
	c.awaitAck(req, tx, res, len(offer) == 0, false)
	c.armTimer()
}

func (c *Call) onUpdate(req *sip.Request, tx sip.ServerTransaction) {
	offer := req.Body()
	if len(offer) > 0 && c.pendingConflict(req, tx) {
		return
	}
	se, we, code, hdrs := c.ua.timerUAS(req)
	if code != 0 {
		_ = c.send(tx, c.response(req, code, "Session Interval Too Small", nil, hdrs...))
		return
	}
	var body []byte
	if len(offer) > 0 {
		var err error
		body, err = c.ua.h.Answer(c.ua.ctx, c, offer)
		if err != nil {
			code, reason := c.ua.statusOf(err)
			_ = c.send(tx, c.response(req, code, reason, nil))
			return
		}
	}
	if c.send(tx, c.response(req, 200, "OK", body, hdrs...)) != nil {
		return
	}
	c.se, c.weRefresh = se, we
	c.armTimer()
	if len(offer) > 0 {
		c.setSDP(body, offer)
		c.ua.h.Updated(c, offer)
	}
}

// ---- teardown ----

// sendBye sends a BYE without waiting for its answer; the returned
// channel closes when the transaction ends.
func (c *Call) sendBye() <-chan struct{} {
	done := make(chan struct{})
	cl := c.client()
	if cl == nil || c.remoteTag == "" && !c.outgoing {
		close(done)
		return done
	}
	bye := c.newRequest(sip.BYE, 0)
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), 64*t1)
		defer cancel()
		tx, err := cl.TransactionRequest(ctx, bye)
		if err != nil {
			c.log.Debug("sip: BYE not sent", "err", err)
			return
		}
		defer tx.Terminate()
		for {
			select {
			case res := <-tx.Responses():
				if !res.IsProvisional() {
					return
				}
			case <-tx.Done():
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return done
}

// Hangup ends the call: BYE when the dialog exists, a decline while an
// incoming INVITE is still being answered. Ended has run when it returns.
func (c *Call) Hangup(ctx context.Context) error {
	c.hangingUp.Store(true)
	if c.State() == StateIncoming {
		c.invCancel()
	}
	var bye <-chan struct{}
	if !c.postWait(func() { bye = c.sendBye(); c.end(ReasonLocalBye) }) {
		return ErrCallEnded
	}
	select {
	case <-c.exited:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-bye:
	case <-ctx.Done():
	}
	return nil
}

// terminate is Hangup for UA.Close: bounded waits, reason Closed.
func (c *Call) terminate(reason EndReason) {
	c.hangingUp.Store(true)
	c.invCancel()
	var bye <-chan struct{}
	if !c.postWait(func() { bye = c.sendBye(); c.end(reason) }) {
		return
	}
	<-c.exited
	select {
	case <-bye:
	case <-time.After(2 * time.Second):
	}
}

// ---- session timers (RFC 4028) ----

// armTimer schedules the refresh (we refresh: at half the interval,
// §10) or the teardown (peer refreshes: BYE at interval − min(32 s,
// interval/3), §10).
func (c *Call) armTimer() {
	if c.seTimer != nil {
		c.seTimer.Stop()
		c.seTimer = nil
	}
	if c.se <= 0 || c.ended {
		return
	}
	if c.weRefresh {
		c.seTimer = time.AfterFunc(c.se/2, func() {
			c.postWait(func() {
				if c.out != nil || c.inv != nil || c.glare != nil {
					return // an exchange in progress refreshes the session
				}
				c.log.Debug("sip: session refresh")
				c.startReinvite(nil, true)
			})
		})
		return
	}
	d := c.se - min(32*time.Second, c.se/3)
	c.seTimer = time.AfterFunc(d, func() {
		c.postWait(func() {
			c.log.Warn("sip: session expired: peer did not refresh", "interval", c.se)
			c.sendBye()
			c.end(ReasonSessionExpired)
		})
	})
}

// ---- UAC: re-INVITE ----

// Reinvite sends a re-INVITE with a new offer from the SessionHandler (for
// example after the session layer turned lines sendonly). On 491 it
// retries after the RFC 3261 §14.1 interval. A refused offer leaves the
// session as it was and returns *RejectedError.
func (c *Call) Reinvite(ctx context.Context) error {
	res := make(chan error, 1)
	if !c.postWait(func() { c.startReinvite(res, false) }) {
		return ErrCallEnded
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-c.exited:
		select {
		case err := <-res:
			return err
		default:
			return ErrCallEnded
		}
	}
}

func (c *Call) startReinvite(result chan error, refresh bool) {
	fail := func(err error) {
		if result != nil {
			result <- err
		}
	}
	if c.ended {
		fail(ErrCallEnded)
		return
	}
	if c.out != nil || c.inv != nil || c.glare != nil || c.State() != StateConfirmed {
		// Another exchange is open: wait for it (RFC 3261 §14.1 forbids a
		// second INVITE while one is in progress), bounded.
		if !refresh && len(c.deferred) < 8 {
			c.deferred = append(c.deferred, result)
			return
		}
		fail(ErrPending)
		return
	}
	cl := c.client()
	if cl == nil {
		fail(ErrNoTransport)
		return
	}
	ctx, cancel := context.WithTimeout(c.ua.ctx, 32*time.Second)
	offer, err := c.ua.h.Offer(ctx, c)
	cancel()
	if err != nil {
		fail(err)
		return
	}
	req := c.newRequest(sip.INVITE, 0)
	c.ua.timerUAC(req, c.se, c.weRefresh, true)
	withSDP(req, offer)
	out := &clientInvite{result: result, refresh: refresh, req: req}
	c.out = out
	go func() {
		res, err := c.ua.runTx(cl, req, c.ua.opts.Account)
		c.postWait(func() { c.reinviteDone(out, offer, res, err) })
	}()
}

// glareDelay is RFC 3261 §14.1: 2.1–4 s in 10 ms steps if we generated
// the Call-ID, else 0–2 s.
func (c *Call) glareDelay() time.Duration {
	if c.outgoing {
		return 2100*time.Millisecond + time.Duration(rand.IntN(191))*10*time.Millisecond
	}
	return time.Duration(rand.IntN(201)) * 10 * time.Millisecond
}

func (c *Call) reinviteDone(out *clientInvite, offer []byte, res *sip.Response, err error) {
	if c.out != out {
		return
	}
	c.out = nil
	done := func(e error) {
		if out.result != nil {
			out.result <- e
		}
		c.kick()
	}
	if c.localSeq < out.req.CSeq().SeqNo {
		c.localSeq = out.req.CSeq().SeqNo
	}
	if err != nil {
		c.log.Warn("sip: re-INVITE failed", "err", err)
		done(err)
		c.sendBye()
		c.end(ReasonTransport)
		return
	}
	switch {
	case res.IsSuccess():
		ack := c.newRequest(sip.ACK, out.req.CSeq().SeqNo)
		c.writeAck(ack)
		answer := res.Body()
		if err := c.ua.h.Accept(c.ua.ctx, c, answer); err != nil {
			done(err)
			c.sendBye()
			c.end(ReasonFailed)
			return
		}
		c.setSDP(offer, answer)
		if ct := res.Contact(); ct != nil {
			c.target = *ct.Address.Clone()
		}
		c.se, c.weRefresh = c.ua.timerFromResponse(res, c.se, c.weRefresh)
		c.armTimer()
		c.ua.h.Updated(c, answer)
		done(nil)
	case res.StatusCode == 491:
		d := c.glareDelay()
		c.log.Info("sip: glare, retrying re-INVITE", "after", d)
		c.glare = time.AfterFunc(d, func() {
			c.postWait(func() {
				c.glare = nil
				if c.inv != nil || c.out != nil {
					// The peer's exchange is still open: try again later.
					c.startGlareRetry(out)
					return
				}
				c.startReinvite(out.result, out.refresh)
			})
		})
	case res.StatusCode == 408 || res.StatusCode == 481:
		// RFC 5057 §5.1: the dialog is gone.
		done(&RejectedError{Code: res.StatusCode, Reason: res.Reason})
		if res.StatusCode == 408 {
			c.sendBye()
		}
		c.end(ReasonTransport)
	default:
		if out.refresh {
			c.armTimer() // keep trying until the peer's timer would expire
		}
		done(&RejectedError{Code: res.StatusCode, Reason: res.Reason})
	}
}

func (c *Call) startGlareRetry(out *clientInvite) {
	c.glare = time.AfterFunc(c.glareDelay(), func() {
		c.postWait(func() {
			c.glare = nil
			c.startReinvite(out.result, out.refresh)
		})
	})
}

func (c *Call) writeAck(ack *sip.Request) {
	if cl := c.client(); cl != nil {
		if err := cl.WriteRequest(ack); err != nil {
			c.log.Debug("sip: ACK not sent", "err", err)
		}
	}
	c.lastAck = ack
}

func (c *Call) resendAck(seq uint32) {
	if c.lastAck != nil && c.lastAck.CSeq().SeqNo == seq {
		if cl := c.client(); cl != nil {
			_ = cl.WriteRequest(c.lastAck)
		}
	}
}

// runTx sends a request and waits for its final response, answering one
// digest challenge with acc's credentials.
func (u *UA) runTx(cl *sipgo.Client, req *sip.Request, acc Account) (*sip.Response, error) {
	return u.runTxWithin(64*t1+5*time.Second, cl, req, acc)
}

// runTxWithin is runTx giving up after d.
func (u *UA) runTxWithin(d time.Duration, cl *sipgo.Client, req *sip.Request, acc Account) (*sip.Response, error) {
	ctx, cancel := context.WithTimeout(u.ctx, d)
	defer cancel()
	tx, err := cl.TransactionRequest(ctx, req)
	if err != nil {
		return nil, err
	}
	authed := false
	for {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			if (res.StatusCode == 401 || res.StatusCode == 407) && !authed && acc.Password != "" {
				authed = true
				tx.Terminate()
				tx, err = cl.TransactionDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: acc.Username, Password: acc.Password})
				if err != nil {
					return nil, err
				}
				continue
			}
			tx.Terminate()
			return res, nil
		case <-tx.Done():
			if err := tx.Err(); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("sip: transaction ended without a response")
		case <-ctx.Done():
			tx.Terminate()
			return nil, ctx.Err()
		}
	}
}
