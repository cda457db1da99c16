package sip

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

type sipgoClient = sipgo.Client

func digestAuth(a Account) sipgo.DigestAuth {
	return sipgo.DigestAuth{Username: a.Username, Password: a.Password}
}

// Registration keeps the UA registered (RFC 3261 §10): REGISTER with
// digest, refreshed at half the granted Expires, retried with exponential
// backoff (1 s doubling to 5 min, ±20 %) after a failure.
type Registration struct {
	u      *UA
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	expires time.Duration
	err     error
	okCount int
	callID  string
}

// Status returns the last granted lifetime (0 if not registered), the last
// error and how many REGISTERs succeeded.
func (r *Registration) Status() (time.Duration, error, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.expires, r.err, r.okCount
}

// Stop ends the refresh loop and unregisters (Expires: 0), best effort.
func (r *Registration) Stop() {
	r.cancel()
	<-r.done
}

// Register starts registering Opts.Account with its Registrar over the
// transport of the registrar URI (UDP unless ;transport=tcp or tls, TLS
// for a sips: registrar). [UA.Close] unregisters.
func (u *UA) Register() (*Registration, error) {
	acc := u.opts.Account
	if acc.Registrar == "" || acc.URI == "" {
		return nil, errors.New("sip: no registrar or account URI configured")
	}
	var reg, aor sip.Uri
	if err := sip.ParseUri(acc.Registrar, &reg); err != nil {
		return nil, err
	}
	if err := sip.ParseUri(acc.URI, &aor); err != nil {
		return nil, err
	}
	transport, err := transportOf(reg)
	if err != nil {
		return nil, err
	}
	l := u.listenerFor(transport)
	if l == nil {
		return nil, ErrNoTransport
	}
	ctx, cancel := context.WithCancel(u.ctx)
	r := &Registration{u: u, cancel: cancel, done: make(chan struct{})}
	u.mu.Lock()
	u.regs = append(u.regs, r)
	u.mu.Unlock()
	// RFC 3261 §10.2.4: refreshes keep the Call-ID and raise the CSeq.
	callID := sip.GenerateTagN(24)
	fromTag := sip.GenerateTagN(16)
	r.callID = callID
	var seq uint32
	send := func(exp time.Duration) (time.Duration, error) {
		for attempt := 0; ; attempt++ {
			seq++
			req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: reg.Scheme, Host: reg.Host, Port: reg.Port, UriParams: reg.UriParams})
			from := &sip.FromHeader{Address: aor, Params: sip.HeaderParams{}}
			from.Params.Add("tag", fromTag)
			req.AppendHeader(from)
			req.AppendHeader(&sip.ToHeader{Address: aor})
			cid := sip.CallIDHeader(callID)
			req.AppendHeader(&cid)
			req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: sip.REGISTER})
			// RFC 8848 §3: sip.clue in REGISTER; sips: when the registrar is
			// (RFC 3261 §8.1.1.8, §10.2.1).
			contact := u.contactFor(transport, isSIPS(reg.Scheme))
			req.AppendHeader(contact)
			req.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(int(exp/time.Second))))
			req.AppendHeader(sip.NewHeader("User-Agent", u.opts.UserAgent))
			req.SetTransport(transport)
			within := 64*t1 + 5*time.Second
			if exp == 0 {
				// Unregistering holds up Close: bounded tighter.
				within = 5 * time.Second
			}
			res, err := u.runTxWithin(within, l.client, req, acc)
			if cs := req.CSeq(); cs != nil && cs.SeqNo > seq {
				seq = cs.SeqNo // the digest retry took a CSeq
			}
			if err != nil {
				return 0, err
			}
			if res.StatusCode == 423 && exp > 0 && attempt == 0 {
				// RFC 3261 §10.2.8: retry with the registrar's Min-Expires.
				if h := res.GetHeader("Min-Expires"); h != nil {
					if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n > 0 {
						exp = time.Duration(n) * time.Second
						continue
					}
				}
			}
			if !res.IsSuccess() {
				return 0, &RejectedError{Code: res.StatusCode, Reason: res.Reason}
			}
			return grantedExpiry(res, contact, exp), nil
		}
	}
	go func() {
		defer close(r.done)
		backoff := time.Second
		for {
			granted, err := send(acc.Expires)
			r.mu.Lock()
			r.err = err
			if err == nil {
				r.expires = granted
				r.okCount++
			} else {
				r.expires = 0
			}
			r.mu.Unlock()
			var wait time.Duration
			if err != nil {
				u.log.Warn("sip: REGISTER failed", "err", err, "retry", backoff)
				wait = time.Duration(float64(backoff) * (0.8 + 0.4*rand.Float64()))
				backoff = min(2*backoff, 5*time.Minute)
			} else {
				backoff = time.Second
				wait = max(granted/2, time.Second)
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				if r.expires > 0 {
					// RFC 3261 §10.2.2: Expires 0 removes our binding.
					_, _ = send(0)
				}
				return
			}
		}
	}()
	return r, nil
}

// grantedExpiry reads the lifetime the registrar granted our binding: the
// expires parameter of our Contact among the bindings the 200 lists (RFC
// 3261 §10.2.4), else the Expires header, else what we asked for.
func grantedExpiry(res *sip.Response, ours *sip.ContactHeader, asked time.Duration) time.Duration {
	parse := func(v string) (time.Duration, bool) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		return time.Duration(n) * time.Second, err == nil && n >= 0
	}
	for _, h := range res.GetHeaders("Contact") {
		ct, ok := h.(*sip.ContactHeader)
		if !ok {
			continue
		}
		a := ct.Address
		if !strings.EqualFold(a.Host, ours.Address.Host) || a.Port != ours.Address.Port || a.User != ours.Address.User {
			continue
		}
		if v, ok := ct.Params.Get("expires"); ok {
			if d, ok := parse(v); ok {
				return d
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if d, ok := parse(h.Value()); ok {
			return d
		}
	}
	return asked
}
