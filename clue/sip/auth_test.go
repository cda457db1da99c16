package sip

import (
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"
)

func testAuth(t *testing.T, clock *fakeClock, max int) *authenticator {
	o, err := (&Opts{Callers: []Caller{{URI: "sip:alice@example.org", Password: "pw"}}, Now: clock.Now, NonceCountEntries: max}).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return newAuthenticator(&o)
}

func respond(t *testing.T, a *authenticator, alg string, nc int, pw string) (string, string) {
	t.Helper()
	ch, err := digest.ParseChallenge(a.challenges(false)[0])
	if err != nil {
		t.Fatal(err)
	}
	ch.Algorithm = alg
	cr, err := digest.Digest(ch, digest.Options{Method: "INVITE", URI: "sip:cam@h", Username: "alice", Password: pw, Count: nc, Cnonce: "c"})
	if err != nil {
		t.Fatal(err)
	}
	return cr.String(), ch.Nonce
}

func TestNonceTamperAndExpiry(t *testing.T) {
	clock := newClock()
	a := testAuth(t, clock, 16)
	from := uriKey{"alice", "example.org"}
	az, nonce := respond(t, a, "MD5", 1, "pw")
	if r, _, why := a.check("INVITE", az, from); r != authOK {
		t.Fatalf("valid: %v %s", r, why)
	}
	// A nonce from another secret (or edited) is unknown: fresh challenge, not stale.
	bad := strings.Replace(az, nonce, nonce[:len(nonce)-2]+"AA", 1)
	if r, _, _ := a.check("INVITE", bad, from); r != authChallenge {
		t.Errorf("tampered nonce: %v", r)
	}
	az2, _ := respond(t, a, "SHA-256", 1, "pw")
	clock.Advance(5 * time.Minute)
	if r, _, _ := a.check("INVITE", az2, from); r != authStale {
		t.Errorf("expired nonce: %v", r)
	}
	if r, _, _ := a.check("INVITE", az2, uriKey{"alice", "EXAMPLE.org"}); r != authStale {
		t.Errorf("expired nonce: %v", r)
	}
}

// TestNonceTableBounded: the replay table never grows past its bound, and
// an evicted nonce is stale rather than replayable.
func TestNonceTableBounded(t *testing.T) {
	clock := newClock()
	a := testAuth(t, clock, 4)
	from := uriKey{"alice", "example.org"}
	first, _ := respond(t, a, "MD5", 1, "pw")
	if r, _, _ := a.check("INVITE", first, from); r != authOK {
		t.Fatal(r)
	}
	for i := 0; i < 10; i++ {
		clock.Advance(time.Second)
		az, _ := respond(t, a, "MD5", 1, "pw")
		if r, _, why := a.check("INVITE", az, from); r != authOK {
			t.Fatalf("%d: %v %s", i, r, why)
		}
	}
	if n := len(a.nc); n > 4 {
		t.Errorf("table has %d entries", n)
	}
	if r, _, _ := a.check("INVITE", first, from); r == authOK {
		t.Error("evicted nonce replayed")
	}
}

func TestLimiter(t *testing.T) {
	clock := newClock()
	l := newLimiter(10, 5, 2, clock.Now)
	for i := 0; i < 5; i++ {
		if !l.allow("a") {
			t.Fatal("burst refused")
		}
	}
	if l.allow("a") {
		t.Error("excess allowed")
	}
	clock.Advance(200 * time.Millisecond)
	if !l.allow("a") || !l.allow("a") || l.allow("a") {
		t.Error("refill wrong")
	}
	if !l.allow("b") {
		t.Error("second source refused")
	}
	if l.allow("c") {
		t.Error("table bound not enforced")
	}
}
