package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Dial places a call to target (a SIP URI; ";transport=tcp" selects TCP,
// a sips: URI or ";transport=tls" TLS)
// and returns when it is established (we sent the ACK and the
// SessionHandler accepted the answer) or has failed. Cancelling ctx before
// the answer sends CANCEL.
func (u *UA) Dial(ctx context.Context, target string) (*Call, error) {
	var turi sip.Uri
	if err := sip.ParseUri(target, &turi); err != nil {
		return nil, fmt.Errorf("sip: target: %w", err)
	}
	transport, err := transportOf(turi)
	if err != nil {
		return nil, err
	}
	l := u.listenerFor(transport)
	if l == nil || !strings.EqualFold(l.network, transport) {
		return nil, ErrNoTransport
	}
	if !u.reserve() {
		return nil, &RejectedError{Code: 486, Reason: "too many calls"}
	}
	c := newCall(u, true)
	c.counted = true
	c.transport = transport
	c.secure = isSIPS(turi.Scheme) // RFC 3261 §12.1.2
	c.callID = sip.GenerateTagN(24)
	c.log = u.log.With("call", c.callID)
	c.target = turi
	c.remoteURI = sip.Uri{Scheme: turi.Scheme, User: turi.User, Host: turi.Host, Port: turi.Port}
	if u.opts.Account.URI != "" {
		_ = sip.ParseUri(u.opts.Account.URI, &c.localURI)
	} else {
		c.localURI = sip.Uri{Scheme: "sip", User: "cluecam", Host: l.host, Port: l.port}
	}
	c.localSeq = 0
	c.setState(StateCalling)
	fail := func(reason EndReason, err error) (*Call, error) {
		c.end(reason)
		return nil, err
	}
	offer, err := u.h.Offer(ctx, c)
	if err != nil {
		return fail(ReasonFailed, err)
	}
	se := time.Duration(0)
	build := func() *sip.Request {
		req := c.newRequest(sip.INVITE, 0)
		u.timerUAC(req, se, false, false)
		withSDP(req, offer)
		return req
	}
	req := build()
	res, err := c.inviteTx(ctx, l, req)
	if err == nil && res.StatusCode == 422 {
		// RFC 4028 §7.2: retry with the larger Min-SE.
		if m := parseMinSE(header(res, "Min-SE")); m > 0 {
			se = max(m, u.opts.SessionTimer.Expires)
			req = build()
			res, err = c.inviteTx(ctx, l, req)
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fail(ReasonCanceled, err)
		}
		return fail(ReasonTransport, err)
	}
	if !res.IsSuccess() {
		return fail(ReasonRejected, &RejectedError{Code: res.StatusCode, Reason: res.Reason})
	}
	c.localSeq = req.CSeq().SeqNo
	c.remoteTag, _ = res.To().Params.Get("tag")
	if ct := res.Contact(); ct != nil {
		c.target = *ct.Address.Clone()
		c.peerCLUE = hasCLUETag(ct)
	}
	rr := res.GetHeaders("Record-Route")
	for i := len(rr) - 1; i >= 0; i-- { // RFC 3261 §12.1.2: reversed
		if h, ok := rr[i].(*sip.RecordRouteHeader); ok {
			c.route = append(c.route, *h.Address.Clone())
		}
	}
	c.writeAck(c.newRequest(sip.ACK, req.CSeq().SeqNo))
	answer := res.Body()
	if err := u.h.Accept(ctx, c, answer); err != nil {
		c.sendBye()
		return fail(ReasonFailed, err)
	}
	c.setSDP(offer, answer)
	c.se, c.weRefresh = u.timerFromResponse(res, 0, false)
	c.setState(StateConfirmed)
	u.register(c.key(), c)
	u.wg.Add(1)
	go c.loop()
	c.postWait(func() {
		c.armTimer()
		c.log.Info("sip: call established")
		u.h.Established(c)
	})
	return c, nil
}

// transportOf picks the transport a URI asks for: its transport parameter,
// and TLS for sips: (RFC 3261 §26.2.2: a sips: URI is reached over TLS; a
// transport that is not TLS-capable is refused rather than downgraded).
func transportOf(uri sip.Uri) (string, error) {
	transport := "UDP"
	if v, ok := uri.UriParams.Get("transport"); ok {
		switch strings.ToLower(v) {
		case "udp":
		case "tcp":
			transport = "TCP"
		case "tls":
			transport = "TLS"
		default:
			return "", fmt.Errorf("sip: %s: unsupported transport %q", uri.String(), v)
		}
	}
	if isSIPS(uri.Scheme) {
		switch transport {
		case "UDP":
			if _, ok := uri.UriParams.Get("transport"); ok {
				return "", fmt.Errorf("sip: %s: a sips: URI cannot use UDP", uri.String())
			}
			transport = "TLS"
		case "TCP":
			transport = "TLS" // RFC 3261 §26.2.2: TLS over TCP
		}
	}
	return transport, nil
}

// inviteTx runs the INVITE client transaction: one digest retry, CANCEL
// when ctx ends before a final response (RFC 3261 §9.1).
func (c *Call) inviteTx(ctx context.Context, l *listener, req *sip.Request) (*sip.Response, error) {
	u := c.ua
	txCtx, cancel := context.WithCancel(u.ctx)
	defer cancel()
	tx, err := l.client.TransactionRequest(txCtx, req)
	if err != nil {
		return nil, err
	}
	defer func() { tx.Terminate() }()
	authed, provisional, cancelled := false, false, false
	var cancelTimeout <-chan time.Time
	for {
		var ctxDone <-chan struct{}
		if !cancelled {
			ctxDone = ctx.Done()
		}
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				provisional = true
				if cancelled && res.StatusCode > 100 {
					c.sendCancel(l, req)
				}
				continue
			}
			if cancelled {
				if res.IsSuccess() {
					// The 2xx crossed our CANCEL: confirm and hang up.
					c.remoteTag, _ = res.To().Params.Get("tag")
					if ct := res.Contact(); ct != nil {
						c.target = *ct.Address.Clone()
					}
					c.writeAck(c.newRequest(sip.ACK, req.CSeq().SeqNo))
					c.sendBye()
				}
				return nil, ctx.Err()
			}
			if (res.StatusCode == 401 || res.StatusCode == 407) && !authed && u.opts.Account.Password != "" {
				authed = true
				tx.Terminate()
				acc := u.opts.Account
				tx, err = l.client.TransactionDigestAuth(txCtx, req, res, digestAuth(acc))
				if err != nil {
					return nil, err
				}
				provisional = false
				continue
			}
			return res, nil
		case <-tx.Done():
			if cancelled {
				return nil, ctx.Err()
			}
			if err := tx.Err(); err != nil {
				return nil, err
			}
			return nil, errors.New("sip: INVITE transaction ended")
		case <-ctxDone:
			cancelled = true
			cancelTimeout = time.After(64 * t1)
			// RFC 3261 §9.1: CANCEL only once a provisional arrived.
			if provisional {
				c.sendCancel(l, req)
			}
		case <-cancelTimeout:
			return nil, ctx.Err()
		}
	}
}

// sendCancel builds the CANCEL of req (RFC 3261 §9.1: same Request-URI,
// Call-ID, From, To, CSeq number and top Via).
func (c *Call) sendCancel(l *listener, req *sip.Request) {
	cr := sip.NewRequest(sip.CANCEL, *req.Recipient.Clone())
	if v := req.Via(); v != nil {
		cr.AppendHeader(sip.HeaderClone(v))
	}
	for _, h := range req.GetHeaders("Route") {
		cr.AppendHeader(sip.HeaderClone(h))
	}
	cr.AppendHeader(sip.HeaderClone(req.From()))
	cr.AppendHeader(sip.HeaderClone(req.To()))
	cr.AppendHeader(sip.HeaderClone(req.CallID()))
	cr.AppendHeader(&sip.CSeqHeader{SeqNo: req.CSeq().SeqNo, MethodName: sip.CANCEL})
	mf := sip.MaxForwardsHeader(70)
	cr.AppendHeader(&mf)
	cr.SetBody(nil)
	cr.SetTransport(req.Transport())
	cr.Laddr = req.Laddr
	go func() {
		ctx, cancel := context.WithTimeout(c.ua.ctx, 64*t1)
		defer cancel()
		tx, err := l.client.TransactionRequest(ctx, cr, func(*sipgoClient, *sip.Request) error { return nil })
		if err != nil {
			c.log.Debug("sip: CANCEL not sent", "err", err)
			return
		}
		select {
		case <-tx.Done():
		case <-ctx.Done():
		}
		tx.Terminate()
	}()
}
