package transport

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/cluecam/cluecam/media/srtp"
)

// dtlsHello is an epoch-0 handshake record opening with message type typ.
func dtlsHello(typ byte) []byte {
	b := make([]byte, 13+12+4)
	b[0], b[1], b[2] = 22, 0xfe, 0xfd
	b[12] = 16
	b[13] = typ
	return b
}

func udpAddr(c net.PacketConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

func listenUDP4(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitUntil polls cond; the deadline only bounds a failing test.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(testTimeout); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (e *Endpoint) sessionCount() int {
	e.hint.mu.Lock()
	defer e.hint.mu.Unlock()
	return len(e.hint.sessions)
}

// Before a handshake verifies anyone, nothing latches: media and stray DTLS
// are dropped, and only ClientHellos open (bounded) server sessions.
func TestHintNothingLatchesBeforeHandshake(t *testing.T) {
	hint := netip.MustParseAddrPort("192.0.2.7:4000")
	e, sent := fakeEndpoint(t, &EndpointOpts{RemoteHint: hint})
	rtp := []byte{0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xde, 0xad}
	for i, p := range [][]byte{rtp, {0x80, 200, 0, 1, 0, 0, 0, 1}, {22, 0xfe, 0xfd, 0, 0}, dtlsHello(hsServerHello), buildCheck(goodCheck())} {
		from := netip.AddrPortFrom(netip.MustParseAddr("203.0.113.9"), uint16(1000+i))
		if v := e.dispatch(p, from); v != vDropped {
			t.Fatalf("datagram %d: verdict %v", i, v)
		}
	}
	if v := e.dispatch(rtp, hint); v != vDropped {
		t.Fatal("media from the hint before any handshake")
	}
	if _, ok := e.Peer(); ok || e.Authorized() || e.sessionCount() != 0 || len(*sent) != 0 {
		t.Fatalf("latched, authorised, a session or a reply: %d sessions", e.sessionCount())
	}
	for i := 0; i < 2*maxSessions; i++ {
		from := netip.AddrPortFrom(netip.MustParseAddr("203.0.113.9"), uint16(2000+i))
		if v := e.dispatch(dtlsHello(hsClientHello), from); v != vDTLS {
			t.Fatalf("ClientHello %d: verdict %v", i, v)
		}
	}
	if n := e.sessionCount(); n != maxSessions {
		t.Fatalf("%d sessions, want the bound %d", n, maxSessions)
	}
	if _, ok := e.Peer(); ok {
		t.Fatal("a ClientHello latched")
	}
	// A refused configuration leaves the endpoint free for a handshake.
	for i := 0; i < 2; i++ {
		if _, err := e.Handshake(context.Background(), RoleServer, &Config{Certificate: newIdentity(t)}); !errors.Is(err, ErrNoFingerprint) {
			t.Fatalf("handshake %d without a fingerprint: %v", i, err)
		}
	}
	if _, err := newEndpoint(&EndpointOpts{RemoteHint: hint, RemoteAddr: hint}); err == nil {
		t.Fatal("RemoteHint with RemoteAddr accepted")
	}
	if _, err := newEndpoint(&EndpointOpts{RemoteHint: hint, ICE: &testICE}); err == nil {
		t.Fatal("RemoteHint with ICE accepted")
	}
}

// asymConn is a peer that receives on one socket (its SDP address) and
// sends from another, as a multi-homed host or a NAT makes it look.
type asymConn struct {
	in, out *net.UDPConn
}

func (c asymConn) ReadFrom(b []byte) (int, net.Addr, error)  { return c.in.ReadFrom(b) }
func (c asymConn) WriteTo(b []byte, a net.Addr) (int, error) { return c.out.WriteTo(b, a) }
func (c asymConn) Close() error                              { c.in.Close(); return c.out.Close() }
func (c asymConn) LocalAddr() net.Addr                       { return c.in.LocalAddr() }
func (c asymConn) SetDeadline(t time.Time) error             { return c.in.SetDeadline(t) }
func (c asymConn) SetReadDeadline(t time.Time) error         { return c.in.SetReadDeadline(t) }
func (c asymConn) SetWriteDeadline(t time.Time) error        { return c.out.SetWriteDeadline(t) }

type hintRig struct {
	e               *Endpoint
	eCert, peerCert *Certificate
	sdp, real, att  *net.UDPConn
	eAddr           netip.AddrPort
	rtp             []byte
}

func newHintRig(t *testing.T) *hintRig {
	r := &hintRig{eCert: newIdentity(t), peerCert: newIdentity(t), sdp: listenUDP4(t), real: listenUDP4(t), att: listenUDP4(t)}
	r.rtp = []byte{0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xde, 0xad}
	c := listenUDP4(t)
	var err error
	r.e, err = NewEndpoint(c, &EndpointOpts{RemoteHint: udpAddr(r.sdp)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.e.Close() })
	r.eAddr = udpAddr(c)
	return r
}

// spray sends what an attacker without the peer's key can: media, stray
// DTLS, a forged ClientHello.
func (r *hintRig) spray() {
	r.att.WriteToUDPAddrPort(r.rtp, r.eAddr)
	r.att.WriteToUDPAddrPort([]byte{23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4}, r.eAddr)
	r.att.WriteToUDPAddrPort([]byte{0x80, 200, 0, 1, 0, 0, 0, 1}, r.eAddr)
}

// checkLatched: the endpoint latched to the peer's real source, hears media
// from it and not from the attacker.
func (r *hintRig) checkLatched(t *testing.T) {
	t.Helper()
	if p, ok := r.e.Peer(); !ok || p != udpAddr(r.real) {
		t.Fatalf("peer %v %v, want the authenticated source %v (SDP said %v, attacker %v)", p, ok, udpAddr(r.real), udpAddr(r.sdp), udpAddr(r.att))
	}
	if !r.e.Authorized() {
		t.Fatal("not authorised after the handshake")
	}
	before := r.e.Stats()
	r.spray()
	r.real.WriteToUDPAddrPort(r.rtp, r.eAddr)
	waitUntil(t, "media counted", func() bool {
		s := r.e.Stats()
		return s.MediaIn > before.MediaIn && s.DroppedUnlatched >= before.DroppedUnlatched+3
	})
	if s := r.e.Stats(); s.MediaIn != before.MediaIn+1 {
		t.Fatalf("media in %d → %d: the attacker's got through", before.MediaIn, s.MediaIn)
	}
	if p, _ := r.e.Peer(); p != udpAddr(r.real) {
		t.Fatal("path moved after latching")
	}
}

// As DTLS server: the peer's ClientHello comes from another address than
// its SDP one, an attacker sprays and runs a handshake of its own with a
// certificate that is not the peer's; the endpoint latches to the peer.
func TestHintServerLatchesAuthenticatedSource(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	r := newHintRig(t)
	r.spray()
	attCert := newIdentity(t)
	attDone := make(chan error, 1)
	attConn := listenUDP4(t) // Handshake closes its conn when it fails
	go func() {
		_, err := Handshake(ctx, attConn, net.UDPAddrFromAddrPort(r.eAddr), RoleClient,
			&Config{Certificate: attCert, RemoteFingerprints: fps(r.eCert), HandshakeTimeout: 10 * time.Second})
		attDone <- err
	}()
	waitUntil(t, "the attacker's session", func() bool { return r.e.sessionCount() > 0 })

	type res struct {
		a   *Association
		err error
	}
	eDone := make(chan res, 1)
	go func() {
		a, err := r.e.Handshake(ctx, RoleServer, &Config{Certificate: r.eCert, RemoteFingerprints: fps(r.peerCert), Receiver: &srtp.ReceiverOpts{SSRCs: []uint32{7}}})
		eDone <- res{a, err}
	}()
	peerA, err := Handshake(ctx, r.real, net.UDPAddrFromAddrPort(r.eAddr), RoleClient,
		&Config{Certificate: r.peerCert, RemoteFingerprints: fps(r.eCert)})
	if err != nil {
		t.Fatal("peer:", err)
	}
	defer peerA.Close()
	er := <-eDone
	if er.err != nil {
		t.Fatal("endpoint:", er.err)
	}
	defer er.a.Close()
	if err := <-attDone; err == nil {
		t.Fatal("the attacker's handshake completed")
	}
	r.checkLatched(t)
	sealOpen(t, peerA.Sender(), er.a.Receiver(), 7)

	// The association's end ends media authorisation.
	er.a.Close()
	waitUntil(t, "deauthorisation", func() bool { return !r.e.Authorized() })
}

// As DTLS client: the ClientHello goes to the SDP address, the answer comes
// from another one; the endpoint latches to the one that authenticated.
func TestHintClientLatchesAnsweringSource(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	r := newHintRig(t)
	r.spray()
	waitUntil(t, "spray dropped", func() bool { return r.e.Stats().DroppedUnlatched >= 3 })
	peerDone := make(chan error, 1)
	var peerA *Association
	go func() {
		var err error
		peerA, err = Handshake(ctx, asymConn{in: r.sdp, out: r.real}, net.UDPAddrFromAddrPort(r.eAddr), RoleServer,
			&Config{Certificate: r.peerCert, RemoteFingerprints: fps(r.eCert), Receiver: &srtp.ReceiverOpts{SSRCs: []uint32{9}}})
		peerDone <- err
	}()
	a, err := r.e.Handshake(ctx, RoleClient, &Config{Certificate: r.eCert, RemoteFingerprints: fps(r.peerCert)})
	if err != nil {
		t.Fatal("endpoint:", err)
	}
	defer a.Close()
	if err := <-peerDone; err != nil {
		t.Fatal("peer:", err)
	}
	defer peerA.Close()
	r.checkLatched(t)
	sealOpen(t, a.Sender(), peerA.Receiver(), 9)
}

// A peer whose certificate does not match the SDP fingerprint is never
// latched; the handshake reports why.
func TestHintServerRefusesWrongFingerprint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	r := newHintRig(t)
	stranger := newIdentity(t)
	go Handshake(ctx, r.real, net.UDPAddrFromAddrPort(r.eAddr), RoleClient,
		&Config{Certificate: r.peerCert, RemoteFingerprints: fps(r.eCert), HandshakeTimeout: 5 * time.Second})
	_, err := r.e.Handshake(ctx, RoleServer, &Config{Certificate: r.eCert, RemoteFingerprints: fps(stranger), HandshakeTimeout: 5 * time.Second})
	if !errors.Is(err, ErrFingerprintMismatch) {
		t.Fatalf("err %v, want the fingerprint mismatch", err)
	}
	if _, ok := r.e.Peer(); ok || r.e.Authorized() {
		t.Fatal("latched to a peer that failed verification")
	}
}

// FuzzHintDispatch: arbitrary datagrams (split on 0xff 0xff, each from one
// of three sources chosen by its length) never panic, never latch, never
// authorise media and never open more than maxSessions handshakes.
func FuzzHintDispatch(f *testing.F) {
	f.Add(append(append(dtlsHello(hsClientHello), 0xff, 0xff), dtlsHello(hsServerHello)...))
	f.Add([]byte{0x80, 96, 0, 1, 0xff, 0xff, 22, 0xfe, 0xfd, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, _ := fakeEndpoint(t, &EndpointOpts{RemoteHint: netip.MustParseAddrPort("192.0.2.7:4000")})
		for _, p := range bytes.Split(b, []byte{0xff, 0xff}) {
			from := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.7"), uint16(4000+len(p)%3))
			if v := e.dispatch(p, from); v == vMedia || v == vSTUNAnswered {
				t.Fatalf("verdict %v for %x", v, p)
			}
		}
		if _, ok := e.Peer(); ok || e.Authorized() || e.sessionCount() > maxSessions {
			t.Fatalf("latched, authorised or %d sessions", e.sessionCount())
		}
	})
}
