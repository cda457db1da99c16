package transport

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// RFC 7675 §5.1 with an injected clock: once no check refreshed consent for
// ConsentTimeout, sends fail at once with ErrConsentLost, the endpoint
// signals it once, and a late check does not bring media back.
func TestConsentExpiryStopsMedia(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Unix(1000, 0).UnixNano())
	var calls atomic.Int32
	e, _ := fakeEndpoint(t, &EndpointOpts{
		ICE: &testICE, ConsentTimeout: 20 * time.Millisecond,
		Now:           func() time.Time { return time.Unix(0, now.Load()) },
		OnConsentLost: func() { calls.Add(1) },
	})
	defer e.Close()
	b := NewBatch(1)
	if _, err := e.SendBatch(b); !errors.Is(err, ErrNotAuthorized) || errors.Is(err, ErrConsentLost) {
		t.Fatalf("before any consent: %v", err)
	}
	from := netip.MustParseAddrPort("192.0.2.7:4000")
	e.dispatch(buildCheck(goodCheck()), from)
	e.verified.Store(true) // as after DTLS
	if !e.Authorized() {
		t.Fatal("not authorised with consent and DTLS")
	}
	// The watcher wakes on the real clock and finds the injected one has
	// not moved: consent holds.
	time.Sleep(50 * time.Millisecond)
	select {
	case <-e.ConsentLost():
		t.Fatal("consent lost while fresh")
	default:
	}

	now.Add(int64(31 * time.Second))
	// Sending stops at once, before the watcher has run.
	b.Add([]byte{0x80, 0})
	if _, err := e.SendBatch(b); !errors.Is(err, ErrConsentLost) || !errors.Is(err, ErrNotAuthorized) {
		t.Fatalf("send after expiry: %v", err)
	}
	if err := e.Send([]byte{0x80, 0}); !errors.Is(err, ErrConsentLost) {
		t.Fatalf("Send after expiry: %v", err)
	}
	select {
	case <-e.ConsentLost():
	case <-time.After(testTimeout):
		t.Fatal("consent loss not signalled")
	}
	waitUntil(t, "OnConsentLost", func() bool { return calls.Load() == 1 })
	// A check now refreshes the timestamp but not the call.
	e.dispatch(buildCheck(goodCheck()), from)
	if e.Authorized() {
		t.Fatal("authorised again after consent was lost")
	}
	if _, err := e.SendBatch(b); !errors.Is(err, ErrConsentLost) {
		t.Fatalf("send after a late check: %v", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("OnConsentLost called %d times", calls.Load())
	}
}

// Over loopback with a real association: the controlling peer's checks keep
// consent alive until it stops checking; then the lite endpoint stops
// media, closes the association (keys destroyed) and signals the loss.
func TestConsentLossClosesAssociation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	liteICE := &ICECredentials{LocalUfrag: "lite", LocalPwd: "litepasswordlitepassword", RemoteUfrag: "full", RemotePwd: "fullpasswordfullpassword"}
	fullICE := &ICECredentials{LocalUfrag: "full", LocalPwd: liteICE.RemotePwd, RemoteUfrag: "lite", RemotePwd: liteICE.LocalPwd}
	lost := make(chan struct{})
	// The peer's consent checks come every 5 s; a shorter timeout makes
	// them stop counting soon after the first.
	lite, err := NewEndpoint(listenUDP4(t), &EndpointOpts{ICE: liteICE, ConsentTimeout: 300 * time.Millisecond, OnConsentLost: func() { close(lost) }})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	full, err := NewEndpoint(listenUDP4(t), &EndpointOpts{ICE: fullICE})
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	liteCert, fullCert := newIdentity(t), newIdentity(t)
	if err := full.Connect(ctx, lite.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	type res struct {
		a   *Association
		err error
	}
	done := make(chan res, 1)
	go func() {
		a, err := lite.Handshake(ctx, RoleServer, &Config{Certificate: liteCert, RemoteFingerprints: fps(fullCert)})
		done <- res{a, err}
	}()
	fa, err := full.Handshake(ctx, RoleClient, &Config{Certificate: fullCert, RemoteFingerprints: fps(liteCert)})
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	select {
	case <-lost:
	case <-ctx.Done():
		t.Fatal("consent loss not signalled")
	}
	<-lite.ConsentLost()
	select {
	case <-r.a.Done():
	case <-ctx.Done():
		t.Fatal("association survived consent loss")
	}
	if !errors.Is(r.a.Err(), ErrConsentLost) || !errors.Is(r.a.Err(), ErrClosed) {
		t.Fatalf("association ended with %v", r.a.Err())
	}
	if _, err := r.a.Sender().Stream(1); err == nil {
		t.Fatal("SRTP keys survived consent loss")
	}
	b := NewBatch(1)
	b.Add([]byte{0x80, 0})
	if _, err := lite.SendBatch(b); !errors.Is(err, ErrConsentLost) {
		t.Fatalf("SendBatch after consent loss: %v", err)
	}
}

// Without ICE, PeerTimeout turns reported authenticated traffic into
// consent; without PeerTimeout nothing ever expires.
func TestPeerTimeoutWithoutICE(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Unix(1000, 0).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	sdp := netip.MustParseAddrPort("192.0.2.7:4000")

	plain, _ := fakeEndpoint(t, &EndpointOpts{RemoteAddr: sdp, Now: clock})
	plain.verified.Store(true)
	plain.MarkAuthenticated()
	now.Add(int64(time.Hour))
	if plain.ConsentExpired() || !plain.Authorized() || !plain.LastConsent().IsZero() {
		t.Fatal("consent tracked without ICE or PeerTimeout")
	}

	lost := make(chan struct{})
	e, _ := fakeEndpoint(t, &EndpointOpts{RemoteAddr: sdp, Now: clock, PeerTimeout: 20 * time.Millisecond, OnConsentLost: func() { close(lost) }})
	if e.ConsentExpired() {
		t.Fatal("expired before any traffic")
	}
	e.MarkAuthenticated() // before DTLS: not authenticated traffic
	if !e.LastConsent().IsZero() {
		t.Fatal("traffic counted before DTLS verified the peer")
	}
	e.verified.Store(true)
	e.MarkAuthenticated()
	if allocs := testing.AllocsPerRun(100, e.MarkAuthenticated); allocs != 0 {
		t.Fatalf("MarkAuthenticated allocates %v", allocs)
	}
	if !e.Authorized() {
		t.Fatal("not authorised with fresh traffic")
	}
	now.Add(int64(time.Second))
	b := NewBatch(1)
	b.Add([]byte{0x80, 0})
	if _, err := e.SendBatch(b); !errors.Is(err, ErrConsentLost) {
		t.Fatalf("send after PeerTimeout: %v", err)
	}
	select {
	case <-lost:
	case <-time.After(testTimeout):
		t.Fatal("loss not signalled")
	}
	e.MarkAuthenticated()
	if e.Authorized() {
		t.Fatal("authorised again after the peer was taken as gone")
	}
}
