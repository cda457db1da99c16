package sip

import (
	"context"
	"errors"
	"testing"
	"time"
)

func callerOpts(t testing.TB) *Opts {
	return &Opts{Logger: testLogger(t), Account: Account{URI: "sip:alice@127.0.0.1", Password: testPass}, AllowUnauthenticated: true}
}

// TestUAToUA: our UAC calls our UAS (digest challenge answered), both
// re-INVITE, then BYE; over UDP and TCP.
func TestUAToUA(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			hb, ha := newRec(), newRec()
			callee := startUA(t, hb, authOpts(t), network)
			caller := startUA(t, ha, callerOpts(t), network)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := caller.Dial(ctx, uaURI(callee, network))
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			waitCh(t, ha.estCh, "caller established")
			cb := waitCh(t, hb.estCh, "callee established")
			if !cb.PeerCLUE() || cb.Peer() == nil || cb.Peer().Username != testUser {
				t.Errorf("callee: PeerCLUE=%v Peer=%+v", cb.PeerCLUE(), cb.Peer())
			}
			if string(c.RemoteSDP()) != testSDP {
				t.Errorf("caller got SDP %q", c.RemoteSDP())
			}
			reinviteBothAndHangUp(t, ctx, c, cb, ha, hb)
			if r := waitCh(t, ha.endCh, "caller ended"); r != ReasonLocalBye {
				t.Errorf("caller reason %q", r)
			}
			ha.checkEndedOnce(t)
			hb.checkEndedOnce(t)
		})
	}
}

// TestGlare: both sides re-INVITE at once; 491 on at least one side and
// both exchanges complete after the RFC 3261 §14.1 back-off.
func TestGlare(t *testing.T) {
	hb, ha := newRec(), newRec()
	callee := startUA(t, hb, authOpts(t), "udp")
	caller := startUA(t, ha, callerOpts(t), "udp")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := caller.Dial(ctx, uaURI(callee, "udp"))
	if err != nil {
		t.Fatal(err)
	}
	cb := waitCh(t, hb.estCh, "callee established")
	errs := make(chan error, 2)
	for i := 0; i < 3; i++ {
		go func() { errs <- c.Reinvite(ctx) }()
		go func() { errs <- cb.Reinvite(ctx) }()
		for j := 0; j < 2; j++ {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: re-INVITE: %v", i, err)
			}
		}
	}
	if c.State() != StateConfirmed || cb.State() != StateConfirmed {
		t.Fatalf("states %v %v", c.State(), cb.State())
	}
	_ = c.Hangup(ctx)
	waitCh(t, hb.endCh, "callee ended")
}

// TestUACRejected: a UAC without credentials gets an error, Ended once,
// and the callee's handler never sees the call.
func TestUACRejected(t *testing.T) {
	hb, ha := newRec(), newRec()
	callee := startUA(t, hb, authOpts(t), "udp")
	o := callerOpts(t)
	o.Account.Password = ""
	caller := startUA(t, ha, o, "udp")
	_, err := caller.Dial(context.Background(), uaURI(callee, "udp"))
	var rj *RejectedError
	if !errors.As(err, &rj) || rj.Code != 401 {
		t.Fatalf("err = %v, want 401", err)
	}
	if r := waitCh(t, ha.endCh, "ended"); r != ReasonRejected {
		t.Errorf("reason %v", r)
	}
	if est, _, ended := hb.counts(); est != 0 || ended != 0 {
		t.Errorf("callee saw est=%d ended=%d", est, ended)
	}
}

// TestCancel: an INVITE cancelled while the session layer is answering
// ends with Canceled and is never established.
func TestCancel(t *testing.T) {
	hb, ha := newRec(), newRec()
	hb.block = true
	callee := startUA(t, hb, authOpts(t), "udp")
	caller := startUA(t, ha, callerOpts(t), "udp")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(700 * time.Millisecond) // after the 100 Trying
		cancel()
	}()
	_, err := caller.Dial(ctx, uaURI(callee, "udp"))
	if err == nil {
		t.Fatal("dial succeeded")
	}
	if r := waitCh(t, hb.endCh, "callee ended"); r != ReasonCanceled {
		t.Errorf("callee reason %v", r)
	}
	if est, _, _ := hb.counts(); est != 0 {
		t.Error("cancelled call established")
	}
}

// TestMaxCalls: beyond MaxCalls an INVITE gets 486.
func TestMaxCalls(t *testing.T) {
	hb, ha := newRec(), newRec()
	o := authOpts(t)
	o.MaxCalls = 1
	callee := startUA(t, hb, o, "udp")
	caller := startUA(t, ha, callerOpts(t), "udp")
	ctx := context.Background()
	if _, err := caller.Dial(ctx, uaURI(callee, "udp")); err != nil {
		t.Fatal(err)
	}
	_, err := caller.Dial(ctx, uaURI(callee, "udp"))
	var rj *RejectedError
	if !errors.As(err, &rj) || rj.Code != 486 {
		t.Fatalf("second call: %v, want 486", err)
	}
}

// TestSessionRefresh: with a 2 s session interval the refresher re-INVITEs
// every second and the call outlives several intervals.
func TestSessionRefresh(t *testing.T) {
	short := SessionTimerOpts{Expires: 2 * time.Second, MinSE: time.Second, AllowShort: true}
	hb, ha := newRec(), newRec()
	ob := authOpts(t)
	ob.SessionTimer = short
	oa := callerOpts(t)
	oa.SessionTimer = short
	callee := startUA(t, hb, ob, "udp")
	caller := startUA(t, ha, oa, "udp")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := caller.Dial(ctx, uaURI(callee, "udp"))
	if err != nil {
		t.Fatal(err)
	}
	cb := waitCh(t, hb.estCh, "established")
	if se, we := c.SessionExpires(); se != 2*time.Second || !we {
		t.Fatalf("caller: interval %v refresher=%v", se, we)
	}
	time.Sleep(5 * time.Second)
	if cb.State() != StateConfirmed || c.State() != StateConfirmed {
		t.Fatalf("states %v/%v (%v %v)", c.State(), cb.State(), c.Reason(), cb.Reason())
	}
	if _, upd, _ := hb.counts(); upd < 2 {
		t.Errorf("only %d refreshes", upd)
	}
	_ = c.Hangup(ctx)
	waitCh(t, hb.endCh, "ended")
}

func TestShortTimerNeedsTestOption(t *testing.T) {
	if _, err := New(newRec(), &Opts{SessionTimer: SessionTimerOpts{Expires: 10 * time.Second}}); err == nil {
		t.Fatal("10 s session interval accepted without AllowShort")
	}
}
