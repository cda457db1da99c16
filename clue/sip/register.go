package sip

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
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
// transport of the registrar URI (UDP unless ;transport=tcp).
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
	transport := "UDP"
	if v, ok := reg.UriParams.Get("transport"); ok && (v == "tcp" || v == "TCP") {
		transport = "TCP"
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
	callID := sip.GenerateTagN(24)
	fromTag := sip.GenerateTagN(16)
	var seq uint32
	send := func(ctx context.Context, exp time.Duration) (time.Duration, error) {
		seq++
		req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: reg.Scheme, Host: reg.Host, Port: reg.Port, UriParams: reg.UriParams})
		from := &sip.FromHeader{Address: aor, Params: sip.HeaderParams{}}
		from.Params.Add("tag", fromTag)
		req.AppendHeader(from)
		req.AppendHeader(&sip.ToHeader{Address: aor})
		cid := sip.CallIDHeader(callID)
		req.AppendHeader(&cid)
		req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: sip.REGISTER})
		req.AppendHeader(u.contactFor(transport)) // RFC 8848 §3: sip.clue in REGISTER
		req.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(int(exp/time.Second))))
		req.AppendHeader(sip.NewHeader("User-Agent", u.opts.UserAgent))
		req.SetTransport(transport)
		res, err := u.runTx(l.client, req, acc)
		if cs := req.CSeq(); cs != nil && cs.SeqNo > seq {
			seq = cs.SeqNo
		}
		if err != nil {
			return 0, err
		}
		if !res.IsSuccess() {
			return 0, &RejectedError{Code: res.StatusCode, Reason: res.Reason}
		}
		granted := exp
		if ct := res.Contact(); ct != nil {
			if v, ok := ct.Params.Get("expires"); ok {
				if n, err := strconv.Atoi(v); err == nil {
					granted = time.Duration(n) * time.Second
				}
			}
		} else if h := res.GetHeader("Expires"); h != nil {
			if n, err := strconv.Atoi(h.Value()); err == nil {
				granted = time.Duration(n) * time.Second
			}
		}
		return granted, nil
	}
	go func() {
		defer close(r.done)
		backoff := time.Second
		for {
			granted, err := send(ctx, acc.Expires)
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
					uctx, c := context.WithTimeout(context.Background(), 2*time.Second)
					_, _ = send(uctx, 0)
					c()
				}
				return
			}
		}
	}()
	return r, nil
}
