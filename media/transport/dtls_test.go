package transport

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/media/srtp"
)

// testTimeout is generous: these tests also run under qemu-user.
const testTimeout = 60 * time.Second

func newIdentity(t testing.TB) *Certificate {
	t.Helper()
	c, err := LoadOrCreateCertificate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func listenUDP(t testing.TB) net.PacketConn {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type hsResult struct {
	a   *Association
	err error
	km  []byte
}

// handshakePair runs our client against our server over loopback UDP.
func handshakePair(t *testing.T, ctx context.Context, client, server *Config) (c, s hsResult) {
	t.Helper()
	cc, sc := listenUDP(t), listenUDP(t)
	var wg sync.WaitGroup
	run := func(r *hsResult, conn, peer net.PacketConn, role Role, cfg *Config) {
		defer wg.Done()
		cfg.onKeyingMaterial = func(km []byte) { r.km = bytes.Clone(km) }
		r.a, r.err = Handshake(ctx, conn, peer.LocalAddr(), role, cfg)
		if r.a != nil {
			t.Cleanup(func() { r.a.Close() })
		}
	}
	wg.Add(2)
	go run(&s, sc, cc, RoleServer, server)
	go run(&c, cc, sc, RoleClient, client)
	wg.Wait()
	return c, s
}

func fps(c *Certificate) []Fingerprint { return []Fingerprint{c.Fingerprint} }

func rtpPacket(ssrc uint32, seq uint16, payload string) (hdr, pl []byte) {
	hdr = make([]byte, 12)
	hdr[0], hdr[1] = 0x80, 96
	binary.BigEndian.PutUint16(hdr[2:], seq)
	binary.BigEndian.PutUint32(hdr[8:], ssrc)
	return hdr, []byte(payload)
}

// sealOpen checks that what from's Sender seals, to's Receiver opens.
func sealOpen(t *testing.T, from *srtp.Sender, to *srtp.Receiver, ssrc uint32) {
	t.Helper()
	st, err := from.Stream(ssrc)
	if err != nil {
		t.Fatal(err)
	}
	hdr, pl := rtpPacket(ssrc, 1, "media")
	pkt, err := st.SealRTP(make([]byte, 0, 100), hdr, pl)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := to.OpenRTP(make([]byte, 0, 100), pkt)
	if err != nil || !bytes.Equal(plain[12:], pl) {
		t.Fatalf("open: %v", err)
	}
}

func TestHandshakeBetweenBoxes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ci, si := newIdentity(t), newIdentity(t)
	for _, p := range []srtp.Profile{srtp.ProfileAES128CMSHA1_80, srtp.ProfileAES128CMSHA1_32, srtp.ProfileAEADAES128GCM, srtp.ProfileAEADAES256GCM} {
		t.Run(p.String(), func(t *testing.T) {
			c, s := handshakePair(t, ctx,
				&Config{Certificate: ci, RemoteFingerprints: fps(si), Profiles: []srtp.Profile{p}, Receiver: &srtp.ReceiverOpts{SSRCs: []uint32{2}}},
				&Config{Certificate: si, RemoteFingerprints: fps(ci), Profiles: []srtp.Profile{p}, Receiver: &srtp.ReceiverOpts{SSRCs: []uint32{1}}})
			if c.err != nil || s.err != nil {
				t.Fatalf("client %v, server %v", c.err, s.err)
			}
			if c.a.Profile() != p || s.a.Profile() != p || c.a.Role() != RoleClient || s.a.Role() != RoleServer {
				t.Fatalf("profile %v/%v", c.a.Profile(), s.a.Profile())
			}
			if !bytes.Equal(c.km, s.km) || len(c.km) != p.KeyingMaterialLen() {
				t.Fatal("keying material differs between the two ends")
			}
			if !bytes.Equal(c.a.PeerCertificate(), si.TLS.Certificate[0]) || !bytes.Equal(s.a.PeerCertificate(), ci.TLS.Certificate[0]) {
				t.Fatal("peer certificates")
			}
			sealOpen(t, c.a.Sender(), s.a.Receiver(), 1)
			sealOpen(t, s.a.Sender(), c.a.Receiver(), 2)
		})
	}
}

// The server chooses among the client's profiles by its own preference.
func TestProfilePreference(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ci, si := newIdentity(t), newIdentity(t)
	c, s := handshakePair(t, ctx,
		&Config{Certificate: ci, RemoteFingerprints: fps(si), Profiles: []srtp.Profile{srtp.ProfileAES128CMSHA1_80, srtp.ProfileAEADAES128GCM}},
		&Config{Certificate: si, RemoteFingerprints: fps(ci), Profiles: []srtp.Profile{srtp.ProfileAEADAES128GCM, srtp.ProfileAES128CMSHA1_80}})
	if c.err != nil || s.err != nil {
		t.Fatal(c.err, s.err)
	}
	if c.a.Profile() != srtp.ProfileAEADAES128GCM {
		t.Fatalf("negotiated %v", c.a.Profile())
	}
	// Default: the CPU's order on both ends.
	c, s = handshakePair(t, ctx, &Config{Certificate: ci, RemoteFingerprints: fps(si)}, &Config{Certificate: si, RemoteFingerprints: fps(ci)})
	if c.err != nil || s.err != nil || c.a.Profile() != srtp.PreferredProfiles()[0] {
		t.Fatalf("default profiles: %v %v %v", c.err, s.err, c.a)
	}
}

// A wrong fingerprint or a pin mismatch on either side aborts the handshake
// before any SRTP key exists; a missing fingerprint aborts before anything
// is sent.
func TestHandshakeRefusals(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ci, si, stranger := newIdentity(t), newIdentity(t), newIdentity(t)
	short := 5 * time.Second // the refused side's peer waits for a handshake that will not finish
	for _, tc := range []struct {
		name                     string
		clientFP, serverFP       []Fingerprint
		clientPins, serverPins   []Fingerprint
		clientWant, serverWant   error
		clientFails, serverFails bool
	}{
		{name: "client sees wrong server fingerprint", clientFP: fps(stranger), serverFP: fps(ci), clientWant: ErrFingerprintMismatch},
		{name: "server sees wrong client fingerprint", clientFP: fps(si), serverFP: fps(stranger), serverWant: ErrFingerprintMismatch},
		{name: "client pin mismatch", clientFP: fps(si), serverFP: fps(ci), clientPins: fps(stranger), clientWant: ErrPinMismatch},
		{name: "server pin mismatch", clientFP: fps(si), serverFP: fps(ci), serverPins: fps(stranger), serverWant: ErrPinMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := handshakePair(t, ctx,
				&Config{Certificate: ci, RemoteFingerprints: tc.clientFP, Pins: tc.clientPins, HandshakeTimeout: short},
				&Config{Certificate: si, RemoteFingerprints: tc.serverFP, Pins: tc.serverPins, HandshakeTimeout: short})
			if c.err == nil || s.err == nil {
				t.Fatalf("handshake completed: client %v, server %v", c.err, s.err)
			}
			if tc.clientWant != nil && !errors.Is(c.err, tc.clientWant) {
				t.Errorf("client: %v, want %v", c.err, tc.clientWant)
			}
			if tc.serverWant != nil && !errors.Is(s.err, tc.serverWant) {
				t.Errorf("server: %v, want %v", s.err, tc.serverWant)
			}
			if c.km != nil || s.km != nil {
				t.Error("SRTP keying material was exported")
			}
		})
	}
	// Pins that match are fine.
	c, s := handshakePair(t, ctx,
		&Config{Certificate: ci, RemoteFingerprints: fps(si), Pins: append(fps(stranger), fps(si)...)},
		&Config{Certificate: si, RemoteFingerprints: fps(ci), Pins: fps(ci)})
	if c.err != nil || s.err != nil {
		t.Fatalf("matching pins: %v %v", c.err, s.err)
	}

	conn := listenUDP(t)
	for _, fp := range [][]Fingerprint{nil, {{Hash: "sha-1", Value: make([]byte, 20)}}} {
		if _, err := Handshake(ctx, conn, conn.LocalAddr(), RoleClient, &Config{Certificate: ci, RemoteFingerprints: fp}); !errors.Is(err, ErrNoFingerprint) {
			t.Errorf("no usable fingerprint: %v", err)
		}
	}
	// Nothing was sent: the socket (its own peer here) received nothing.
	conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, _, err := conn.ReadFrom(make([]byte, 1500)); err == nil {
		t.Errorf("%d bytes sent although the fingerprint was missing", n)
	}
}

// A close alert from the peer, Close, and context cancellation end the
// association and destroy its SRTP keys.
func TestAssociationEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ci, si := newIdentity(t), newIdentity(t)

	c, s := handshakePair(t, ctx, &Config{Certificate: ci, RemoteFingerprints: fps(si)}, &Config{Certificate: si, RemoteFingerprints: fps(ci)})
	if c.err != nil || s.err != nil {
		t.Fatal(c.err, s.err)
	}
	st, _ := s.a.Sender().Stream(1)
	c.a.Close() // sends close_notify
	select {
	case <-s.a.Done():
	case <-ctx.Done():
		t.Fatal("peer's close alert did not end the association")
	}
	if !errors.Is(s.a.Err(), ErrClosed) || !errors.Is(c.a.Err(), ErrClosed) {
		t.Errorf("Err: %v / %v", s.a.Err(), c.a.Err())
	}
	hdr, pl := rtpPacket(1, 1, "x")
	if _, err := st.SealRTP(make([]byte, 0, 64), hdr, pl); !errors.Is(err, srtp.ErrClosed) {
		t.Errorf("seal after the peer closed: %v", err)
	}
	if _, err := c.a.Conn().Write([]byte("late")); err == nil {
		t.Error("write after close")
	}

	// Context cancellation.
	actx, acancel := context.WithCancel(ctx)
	c, s = handshakePair(t, actx, &Config{Certificate: ci, RemoteFingerprints: fps(si)}, &Config{Certificate: si, RemoteFingerprints: fps(ci)})
	if c.err != nil || s.err != nil {
		t.Fatal(c.err, s.err)
	}
	acancel()
	for _, a := range []*Association{c.a, s.a} {
		select {
		case <-a.Done():
		case <-ctx.Done():
			t.Fatal("cancellation did not end the association")
		}
		if _, err := a.Sender().Stream(9); !errors.Is(err, srtp.ErrClosed) {
			t.Errorf("sender alive after cancellation: %v", err)
		}
	}
}

// Application data (the CLUE data channel's SCTP) flows both ways through
// Conn, with read deadlines.
func TestApplicationData(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ci, si := newIdentity(t), newIdentity(t)
	c, s := handshakePair(t, ctx, &Config{Certificate: ci, RemoteFingerprints: fps(si)}, &Config{Certificate: si, RemoteFingerprints: fps(ci)})
	if c.err != nil || s.err != nil {
		t.Fatal(c.err, s.err)
	}
	buf := make([]byte, 1500)
	for _, dir := range []struct{ from, to net.Conn }{{c.a.Conn(), s.a.Conn()}, {s.a.Conn(), c.a.Conn()}} {
		if _, err := dir.from.Write([]byte("clue message")); err != nil {
			t.Fatal(err)
		}
		dir.to.SetReadDeadline(time.Now().Add(testTimeout))
		n, err := dir.to.Read(buf)
		if err != nil || string(buf[:n]) != "clue message" {
			t.Fatalf("read %q, %v", buf[:n], err)
		}
	}
	conn := c.a.Conn()
	conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := conn.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read past deadline: %v", err)
	}
	var ne net.Error
	conn.SetReadDeadline(time.Now().Add(-time.Second))
	if _, err := conn.Read(buf); !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("expired deadline: %v", err)
	}
	conn.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() { _, err := conn.Read(buf); done <- err }()
	conn.Close()
	if err := <-done; err == nil {
		t.Error("blocked read survived Close")
	}
}
