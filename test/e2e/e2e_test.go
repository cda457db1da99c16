package e2e_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cluecam/cluecam/clue/channel"
	"github.com/cluecam/cluecam/media/srtp"
	"github.com/cluecam/cluecam/media/transport"
)

// waitFor polls cond until it holds or a generous deadline passes (no
// timing assertion: only a hang fails).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func listen(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func addrOf(c interface{ LocalAddr() net.Addr }) netip.AddrPort {
	return c.LocalAddr().(*net.UDPAddr).AddrPort()
}

func rtpPacket(ssrc uint32, seq uint16, payload []byte) []byte {
	p := make([]byte, 12, 12+len(payload))
	p[0] = 0x80
	p[1] = 0 // PCMU
	binary.BigEndian.PutUint16(p[2:], seq)
	binary.BigEndian.PutUint32(p[4:], uint32(seq)*160)
	binary.BigEndian.PutUint32(p[8:], ssrc)
	return append(p, payload...)
}

func exampleMessages(t *testing.T) [][]byte {
	t.Helper()
	files, err := filepath.Glob("../../testdata/clue/examples/rfc8847-*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no RFC 8847 examples: %v", err)
	}
	var msgs [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, b)
	}
	return msgs
}

// TestGoToGo runs two endpoints over loopback: ICE-lite check, DTLS with
// verified fingerprints, the CLUE channel both ways, SRTP through the
// endpoint, an attacker that is never latched, and close propagation.
func TestGoToGo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	certA, err := transport.LoadOrCreateCertificate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	certB, err := transport.LoadOrCreateCertificate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	iceA := &transport.ICECredentials{LocalUfrag: "boxA", LocalPwd: "passwordofboxApasswordA", RemoteUfrag: "boxB", RemotePwd: "passwordofboxBpasswordB"}
	iceB := &transport.ICECredentials{LocalUfrag: "boxB", LocalPwd: iceA.RemotePwd, RemoteUfrag: "boxA", RemotePwd: iceA.LocalPwd}

	// A is the ICE-lite box; received media is opened with its receiver.
	var assocA atomic.Pointer[transport.Association]
	gotRTP := make(chan []byte, 64)
	epA, err := transport.NewEndpoint(listen(t), &transport.EndpointOpts{
		ICE: iceA,
		OnMedia: func(pkt []byte, rtcp bool) {
			a := assocA.Load()
			if a == nil || rtcp {
				return
			}
			plain, err := a.Receiver().OpenRTP(pkt[:0], pkt)
			if err != nil {
				return
			}
			select {
			case gotRTP <- bytes.Clone(plain[12:]):
			default:
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { epA.Close() })
	epB, err := transport.NewEndpoint(listen(t), &transport.EndpointOpts{ICE: iceB})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { epB.Close() })

	// An attacker sends DTLS and SRTP before anyone checked.
	att := listen(t)
	t.Cleanup(func() { att.Close() })
	aAddr := addrOf(epA)
	att.WriteToUDPAddrPort([]byte{22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, aAddr)
	att.WriteToUDPAddrPort(rtpPacket(1, 1, []byte("evil")), aAddr)
	waitFor(t, "attacker packets counted", func() bool { return epA.Stats().DroppedUnlatched >= 2 })
	if _, ok := epA.Peer(); ok {
		t.Fatal("attacker latched")
	}

	// B checks A like a full ICE agent (USE-CANDIDATE).
	if err := epB.Connect(ctx, aAddr); err != nil {
		t.Fatal(err)
	}
	if p, ok := epA.Peer(); !ok || p != addrOf(epB) {
		t.Fatalf("A's peer %v %v", p, ok)
	}

	// DTLS: B active (client), A passive (server); fingerprints from "SDP".
	type hs struct {
		a   *transport.Association
		err error
	}
	resA := make(chan hs, 1)
	go func() {
		a, err := epA.Handshake(ctx, transport.RoleServer, &transport.Config{Certificate: certA, RemoteFingerprints: []transport.Fingerprint{certB.Fingerprint},
			Receiver: &srtp.ReceiverOpts{SSRCs: []uint32{0x1234}}})
		resA <- hs{a, err}
	}()
	aB, err := epB.Handshake(ctx, transport.RoleClient, &transport.Config{Certificate: certB, RemoteFingerprints: []transport.Fingerprint{certA.Fingerprint}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { aB.Close() })
	rA := <-resA
	if rA.err != nil {
		t.Fatal(rA.err)
	}
	t.Cleanup(func() { rA.a.Close() })
	assocA.Store(rA.a)
	if !epA.Authorized() || !epB.Authorized() {
		t.Fatal("not authorised after verified DTLS")
	}

	// The CLUE channel: stream 2 (even: B is the DTLS client).
	type ch struct {
		c   *channel.Channel
		err error
	}
	resCh := make(chan ch, 1)
	go func() {
		c, err := channel.Open(ctx, rA.a.Conn(), &channel.Opts{Client: false, StreamID: 2})
		resCh <- ch{c, err}
	}()
	chB, err := channel.Open(ctx, aB.Conn(), &channel.Opts{Client: true, StreamID: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { chB.Close() })
	rc := <-resCh
	if rc.err != nil {
		t.Fatal(rc.err)
	}
	chA := rc.c
	t.Cleanup(func() { chA.Close() })

	msgs := exampleMessages(t)
	for _, dir := range []struct {
		name     string
		from, to *channel.Channel
	}{{"A→B", chA, chB}, {"B→A", chB, chA}} {
		for _, m := range msgs {
			if err := dir.from.Send(ctx, m); err != nil {
				t.Fatalf("%s send: %v", dir.name, err)
			}
		}
		for i, m := range msgs {
			got, err := dir.to.Receive(ctx)
			if err != nil {
				t.Fatalf("%s receive: %v", dir.name, err)
			}
			if !bytes.Equal(got, m) {
				t.Fatalf("%s message %d differs", dir.name, i)
			}
		}
	}
	if s := chA.Stats(); s.MessagesSent != uint64(len(msgs)) || s.MessagesReceived != uint64(len(msgs)) {
		t.Fatalf("stats %+v", s)
	}

	// SRTP: B seals, sends in a batch through its endpoint; A opens.
	st, err := aB.Sender().Stream(0x1234)
	if err != nil {
		t.Fatal(err)
	}
	batch := transport.NewBatch(8)
	for i := 0; i < 8; i++ {
		pl := bytes.Repeat([]byte{byte(i)}, 160)
		hdr := rtpPacket(0x1234, uint16(100+i), nil)
		buf := make([]byte, 0, 12+160+aB.Profile().RTPOverhead())
		pkt, err := st.SealRTP(buf, hdr, pl)
		if err != nil {
			t.Fatal(err)
		}
		batch.Add(pkt)
	}
	if n, err := epB.SendBatch(batch); err != nil || n != 8 {
		t.Fatalf("SendBatch %d %v", n, err)
	}
	for i := 0; i < 8; i++ {
		select {
		case p := <-gotRTP:
			if len(p) != 160 {
				t.Fatalf("payload %d bytes", len(p))
			}
		case <-ctx.Done():
			t.Fatal("srtp not received")
		}
	}
	if s := rA.a.Receiver().Stats(); s.RTP != 8 {
		t.Fatalf("receiver stats %+v", s)
	}

	// The attacker, now that a peer is latched, still gets nothing in.
	before := epA.Stats().DroppedUnlatched
	att.WriteToUDPAddrPort(rtpPacket(0x1234, 200, []byte("evil")), aAddr)
	waitFor(t, "attacker rtp dropped", func() bool { return epA.Stats().DroppedUnlatched > before })

	// Close on A ends the channel on B.
	chA.Close()
	chA.Close() // idempotent
	select {
	case <-chB.Done():
	case <-ctx.Done():
		t.Fatal("B's channel did not end")
	}
	if !errors.Is(chB.Err(), channel.ErrPeerClosed) {
		t.Fatalf("B's Err: %v", chB.Err())
	}
	if err := chB.Send(ctx, []byte("<x/>")); err == nil {
		t.Fatal("send after close succeeded")
	}

	// Ending the DTLS association withdraws media authorisation.
	aB.Close()
	waitFor(t, "B unauthorised", func() bool { return !epB.Authorized() })
	if _, err := epB.SendBatch(transport.NewBatch(1)); !errors.Is(err, transport.ErrNotAuthorized) {
		t.Fatalf("send after the association ended: %v", err)
	}
}
