package sip

import (
	"context"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/cluecam/cluecam/internal/testenv"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// tlsOpts is a UA's TLS configuration: its own certificate from ca and
// trusting trust.
func tlsOpts(t testing.TB, ca, trust *testenv.CA, name string, pins ...string) (TLSOpts, *x509.Certificate) {
	cf, kf, leaf := ca.Issue(t, name)
	return TLSOpts{CAFile: trust.File, CertFile: cf, KeyFile: kf, ServerFingerprints: pins}, leaf
}

func sipsURI(u *UA) string { return "sips:cam@" + u.Addr("tls").String() }

// TestTLSCall: a call between two UAs over TLS with certificates from a
// CA made in the test, to a sips: URI and to ;transport=tls: established,
// re-INVITEs both ways (the callee's goes over a TLS connection it dials
// to the caller's Contact, verified too), hangup.
func TestTLSCall(t *testing.T) {
	ca := testenv.NewCA(t, "test CA")
	for _, form := range []string{"sips", "transport=tls"} {
		t.Run(form, func(t *testing.T) {
			hb, ha := newRec(), newRec()
			ob := authOpts(t)
			ob.TLS, _ = tlsOpts(t, ca, ca, "callee")
			callee := startUA(t, hb, ob, "tls")
			oa := callerOpts(t)
			oa.TLS, _ = tlsOpts(t, ca, ca, "caller")
			caller := startUA(t, ha, oa, "tls")
			target := sipsURI(callee)
			if form != "sips" {
				target = "sip:cam@" + callee.Addr("tls").String() + ";transport=tls"
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := caller.Dial(ctx, target)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			waitCh(t, ha.estCh, "caller established")
			cb := waitCh(t, hb.estCh, "callee established")
			if cb.transport != "TLS" || cb.secure != (form == "sips") || c.secure != (form == "sips") {
				t.Errorf("callee transport %q secure %v, caller secure %v", cb.transport, cb.secure, c.secure)
			}
			wantScheme := "sip"
			if form == "sips" {
				wantScheme = "sips" // RFC 3261 §8.1.1.8
			}
			if c.target.Scheme != wantScheme || cb.target.Scheme != wantScheme {
				t.Errorf("Contact schemes: callee's %q, caller's %q, want %q", c.target.Scheme, cb.target.Scheme, wantScheme)
			}
			reinviteBothAndHangUp(t, ctx, c, cb, ha, hb)
		})
	}
}

// TestTLSRefused: the caller refuses a server whose certificate another CA
// signed, and a CA-signed server whose certificate is not pinned; the
// callee never sees a call. A pinned certificate (sha-256 or sha-512) is
// accepted.
func TestTLSRefused(t *testing.T) {
	ca, other := testenv.NewCA(t, "test CA"), testenv.NewCA(t, "other CA")
	calleeTLS := func(t *testing.T, signer *testenv.CA) (*UA, *recHandler, *x509.Certificate) {
		hb := newRec()
		ob := authOpts(t)
		var leaf *x509.Certificate
		ob.TLS, leaf = tlsOpts(t, signer, ca, "callee")
		return startUA(t, hb, ob, "tls"), hb, leaf
	}
	dial := func(t *testing.T, callee *UA, pins ...string) (*Call, error) {
		ha := newRec()
		oa := callerOpts(t)
		oa.TLS, _ = tlsOpts(t, ca, ca, "caller", pins...)
		caller := startUA(t, ha, oa, "tls")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return caller.Dial(ctx, sipsURI(callee))
	}
	t.Run("unknown CA", func(t *testing.T) {
		callee, hb, _ := calleeTLS(t, other)
		_, err := dial(t, callee)
		var unknown x509.UnknownAuthorityError
		if err == nil || !errors.As(err, &unknown) {
			t.Fatalf("dial to a server signed by another CA: %v", err)
		}
		if est, _, _ := hb.counts(); est != 0 {
			t.Error("callee saw a call")
		}
	})
	t.Run("pin mismatch", func(t *testing.T) {
		callee, hb, _ := calleeTLS(t, ca)
		_, otherLeaf := tlsOpts(t, ca, ca, "not the callee")
		_, err := dial(t, callee, CertFingerprint(otherLeaf.Raw))
		if !errors.Is(err, ErrServerNotPinned) {
			t.Fatalf("dial to an unpinned server: %v", err)
		}
		if est, _, _ := hb.counts(); est != 0 {
			t.Error("callee saw a call")
		}
	})
	t.Run("pin match", func(t *testing.T) {
		callee, hb, leaf := calleeTLS(t, ca)
		sum := sha512.Sum512(leaf.Raw)
		var hexs []string
		for _, b := range sum {
			hexs = append(hexs, fmt.Sprintf("%02x", b))
		}
		pins := []string{CertFingerprint(make([]byte, 1)), "SHA-512 " + strings.Join(hexs, ":")}
		c, err := dial(t, callee, pins...)
		if err != nil {
			t.Fatalf("dial to a pinned server: %v", err)
		}
		waitCh(t, hb.estCh, "callee established")
		_ = c.Hangup(context.Background())
		waitCh(t, hb.endCh, "callee ended")
	})
}

// TestTLSHandshakeTimeout: a connection that never starts its handshake
// is closed, and the listener still serves the next one.
func TestTLSHandshakeTimeout(t *testing.T) {
	old := tlsHandshakeTimeout
	tlsHandshakeTimeout = 200 * time.Millisecond
	t.Cleanup(func() { tlsHandshakeTimeout = old })
	ca := testenv.NewCA(t, "test CA")
	o := authOpts(t)
	o.TLS, _ = tlsOpts(t, ca, ca, "box")
	u := startUA(t, newRec(), o, "tls")
	idle, err := net.Dial("tcp", u.Addr("tls").String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	_ = idle.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := idle.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("idle connection not closed: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	c, err := tls.Dial("tcp", u.Addr("tls").String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("handshake after an idle connection: %v", err)
	}
	c.Close()
}

func TestTLSOptsErrors(t *testing.T) {
	ca := testenv.NewCA(t, "test CA")
	cf, kf, _ := ca.Issue(t, "box")
	for name, o := range map[string]TLSOpts{
		"missing CA file": {CAFile: filepath.Join(t.TempDir(), "nope.pem")},
		"CA file not PEM": {CAFile: kf + ".none"},
		"key mismatch":    {CertFile: cf, KeyFile: ca.File},
		"bad pin":         {ServerFingerprints: []string{"sha-256 AB:CD"}},
		"sha-1 pin":       {ServerFingerprints: []string{"sha-1 " + strings.Repeat("AB:", 19) + "AB"}},
	} {
		if _, err := New(newRec(), &Opts{TLS: o}); err == nil {
			t.Errorf("%s: New accepted %+v", name, o)
		}
	}
	u, err := New(newRec(), &Opts{})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if _, err := u.Listen("tls", "127.0.0.1:0"); err == nil {
		t.Error("Listen(tls) without a certificate")
	}
}

func TestParseFingerprint(t *testing.T) {
	der := []byte("certificate")
	s := CertFingerprint(der)
	for _, v := range []string{s, strings.ToLower(s), "  SHA-256 " + s[len("sha-256 "):] + " "} {
		f, err := parseFingerprint(v)
		if err != nil || !f.matches(der) || f.matches([]byte("other")) {
			t.Errorf("%q: %v %v", v, f, err)
		}
	}
	for _, v := range []string{"", "sha-256", "sha-256 ZZ", "md5 AB:CD", "sha-256 " + s[len("sha-256 "):] + ":00", "sha-256 ABC:D"} {
		if _, err := parseFingerprint(v); err == nil {
			t.Errorf("%q parsed", v)
		}
	}
}

// TestTransportOf: sips: means TLS (RFC 3261 §26.2.2) and is never
// downgraded to UDP; Dial needs a listener of the transport.
func TestTransportOf(t *testing.T) {
	for uri, want := range map[string]string{
		"sip:a@h":                  "UDP",
		"sip:a@h;transport=TCP":    "TCP",
		"sip:a@h;transport=tls":    "TLS",
		"sips:a@h":                 "TLS",
		"sips:a@h;transport=tcp":   "TLS",
		"sips:a@h;transport=udp":   "",
		"sip:a@h;transport=sctp":   "",
		"sips:a@h:5061;transport=": "",
	} {
		var u sip.Uri
		if err := sip.ParseUri(uri, &u); err != nil {
			t.Fatalf("%s: %v", uri, err)
		}
		got, err := transportOf(u)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%s: %q %v, want %q", uri, got, err, want)
		}
	}
	u := startUA(t, newRec(), callerOpts(t), "udp")
	if _, err := u.Dial(context.Background(), "sips:cam@127.0.0.1:5061"); !errors.Is(err, ErrNoTransport) {
		t.Errorf("sips: Dial without a TLS listener: %v", err)
	}
}
