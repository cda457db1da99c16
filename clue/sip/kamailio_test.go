package sip

import (
	"context"
	"crypto/x509"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cluecam/cluecam/internal/testenv"
)

// startKamailio runs testenv's Kamailio accepting testPass, granting at
// least minExpires. With ca, it also listens on TLS with a certificate ca
// signed, whose fingerprint it returns for pinning.
func startKamailio(t *testing.T, minExpires int, ca *testenv.CA) (k *testenv.Kamailio, fingerprint string) {
	t.Helper()
	o := testenv.KamailioOpts{Password: testPass, MinExpires: minExpires}
	if ca != nil {
		var leaf *x509.Certificate
		o.TLSCert, o.TLSKey, leaf = ca.Issue(t, "kamailio")
		fingerprint = CertFingerprint(leaf.Raw)
	}
	return testenv.StartKamailio(t, o), fingerprint
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timeout waiting for %s", what)
}

// callThrough: caller dials target through kamailio; the registered callee
// gets the INVITE (after challenging the caller end to end), both sides
// see kamailio's Record-Route, and the caller's BYE reaches the callee
// through it.
func callThrough(t *testing.T, caller *UA, hb *recHandler, target string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := caller.Dial(ctx, target)
	if err != nil {
		t.Fatalf("call through kamailio: %v", err)
	}
	cb := waitCh(t, hb.estCh, "callee established")
	if len(c.route) != 1 || len(cb.route) != 1 {
		t.Errorf("route sets: caller %v, callee %v", c.route, cb.route)
	}
	if cb.Peer() == nil || cb.Peer().Username != testUser {
		t.Errorf("callee's peer %+v", cb.Peer())
	}
	if err := c.Reinvite(ctx); err != nil {
		t.Fatalf("re-INVITE through kamailio: %v", err)
	}
	waitCh(t, hb.updCh, "callee updated")
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if r := waitCh(t, hb.endCh, "callee ended"); r != ReasonRemoteBye {
		t.Errorf("callee ended: %v", r)
	}
}

// TestKamailioRegister: our UA registers with Kamailio over UDP (401,
// digest with qop=auth, 200), is granted the registrar's min_expires
// instead of the 2 s it asked for, refreshes with the same Call-ID and a
// higher CSeq; a second UA calls its address of record through Kamailio
// and the call is established, re-INVITEd and hung up; closing the UA
// unregisters (Expires: 0) and the next call gets 404.
func TestKamailioRegister(t *testing.T) {
	k, _ := startKamailio(t, 3, nil)
	kp := strconv.Itoa(k.Port)
	hb := newRec()
	ob := authOpts(t)
	ob.Account = Account{URI: "sip:cam@127.0.0.1", Password: testPass, Registrar: "sip:127.0.0.1:" + kp, Expires: 2 * time.Second}
	callee := startUA(t, hb, ob, "udp")
	reg, err := callee.Register()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a refreshed registration", func() bool { _, _, n := reg.Status(); return n >= 2 })
	exp, err, _ := reg.Status()
	if err != nil || exp != 3*time.Second {
		t.Errorf("granted %v, err %v; want kamailio's min_expires 3s", exp, err)
	}
	k.CheckRefreshes(t, reg.callID)

	caller := startUA(t, newRec(), callerOpts(t), "udp")
	callThrough(t, caller, hb, "sip:cam@127.0.0.1:"+kp)

	n := len(k.Registered())
	if err := callee.Close(); err != nil {
		t.Fatal(err)
	}
	// RFC 3261 §10.2.2: Close removes the binding with Expires: 0.
	waitFor(t, "the de-REGISTER", func() bool {
		r := k.Registered()
		return len(r) > n && r[len(r)-1].Expires == "0" && r[len(r)-1].CallID == reg.callID
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = caller.Dial(ctx, "sip:cam@127.0.0.1:"+kp)
	var rej *RejectedError
	if !errors.As(err, &rej) || rej.Code != 404 {
		t.Errorf("call after de-REGISTER: %v, want 404", err)
	}
}

// TestKamailioTLS: the same over TLS with Kamailio's certificate signed by
// a test CA and pinned: REGISTER to a sips: registrar (Contact sips:), a
// TLS caller reaching the callee through Kamailio, which relays over a TLS
// connection to the callee's listener. A UA pinning another certificate
// does not register.
func TestKamailioTLS(t *testing.T) {
	ca := testenv.NewCA(t, "test CA")
	k, kamailioFP := startKamailio(t, 3, ca)
	kp := strconv.Itoa(k.TLSPort)
	hb := newRec()
	ob := authOpts(t)
	ob.TLS, _ = tlsOpts(t, ca, ca, "callee", kamailioFP)
	ob.Account = Account{URI: "sip:cam@127.0.0.1", Password: testPass, Registrar: "sips:127.0.0.1:" + kp, Expires: 2 * time.Second}
	callee := startUA(t, hb, ob, "tls")
	reg, err := callee.Register()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a refreshed registration", func() bool { _, _, n := reg.Status(); return n >= 2 })
	k.CheckRefreshes(t, reg.callID)
	if !strings.Contains(k.Log(), "contact=<sips:cam@"+callee.Addr("tls").String()+">") {
		t.Error("registered Contact is not the sips: one")
	}

	oa := callerOpts(t)
	oa.TLS, _ = tlsOpts(t, ca, ca, "caller")
	caller := startUA(t, newRec(), oa, "tls")
	callThrough(t, caller, hb, "sips:cam@127.0.0.1:"+kp)

	// A pin that does not match Kamailio's certificate: no registration.
	_, other := tlsOpts(t, ca, ca, "not kamailio")
	ow := &Opts{Logger: testLogger(t), AllowUnauthenticated: true}
	ow.TLS, _ = tlsOpts(t, ca, ca, "wrong pin", CertFingerprint(other.Raw))
	ow.Account = Account{URI: "sip:wrong@127.0.0.1", Password: testPass, Registrar: "sips:127.0.0.1:" + kp}
	wrong := startUA(t, newRec(), ow, "tls")
	wreg, err := wrong.Register()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pinned registration to fail", func() bool { _, err, _ := wreg.Status(); return err != nil })
	if _, err, n := wreg.Status(); n != 0 || !errors.Is(err, ErrServerNotPinned) {
		t.Errorf("wrong pin: %d registrations, err %v", n, err)
	}
	for _, l := range k.Registered() {
		if strings.Contains(l.AOR, "wrong") {
			t.Errorf("kamailio registered %+v", l)
		}
	}
	// Our client aborted the handshake, and Kamailio's OpenSSL says so.
	if !strings.Contains(k.Log(), "alert bad certificate") {
		t.Error("kamailio saw no bad-certificate alert")
	}
}
