package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cluecam/cluecam/clue/channel"
	"github.com/cluecam/cluecam/internal/testenv"
	"github.com/cluecam/cluecam/media/srtp"
	"github.com/cluecam/cluecam/media/transport"
)

type aiortcEvent struct {
	Answer      string `json:"answer"`
	Event       string `json:"event"`
	Error       string `json:"error"`
	Len         int    `json:"len"`
	Frames      int    `json:"frames"`
	FirstSample int    `json:"first_sample"`
	Rate        int    `json:"rate"`
}

// TestAiortc runs the independent stack: aiortc (python3-aiortc 1.4.0) as a
// full ICE agent checks our ICE-lite endpoint, runs DTLS with the
// fingerprints from our SDP offer, opens the negotiated CLUE channel on the
// same stream id, echoes CLUE messages, and decodes the PCMU audio we send
// as SRTP; we open the SRTP it sends us.
func TestAiortc(t *testing.T) {
	// The Debian package installs into the system python3, which a
	// pyenv or venv python3 earlier in PATH does not see.
	var py string
	var out []byte
	for _, c := range []string{testenv.NeedCommand(t, "python3"), "/usr/bin/python3"} {
		var err error
		out, err = exec.Command(c, "-c", "import aiortc, aioice; print(aiortc.__version__)").CombinedOutput()
		if err == nil {
			py = c
			break
		}
	}
	if py == "" {
		if testenv.InCI() {
			t.Fatalf("python3-aiortc missing in CI: %s", out)
		}
		t.Skipf("python3-aiortc not installed (make deps): %s", out)
	}
	t.Logf("%s: aiortc %s", py, bytes.TrimSpace(out))
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()

	cert, err := transport.LoadOrCreateCertificate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const (
		ourSSRC  = 0x1234abcd
		streamID = 2 // aiortc answers a=setup:active (DTLS client): even
	)
	ice := &transport.ICECredentials{LocalUfrag: "clue", LocalPwd: "cluecamicepasswordcluecam"}
	var assoc atomic.Pointer[transport.Association]
	var theirRTP atomic.Uint64
	ep, err := transport.NewEndpoint(listen(t), &transport.EndpointOpts{
		ICE: ice,
		OnMedia: func(pkt []byte, rtcp bool) {
			a := assoc.Load()
			if a == nil || rtcp {
				return
			}
			if _, err := a.Receiver().OpenRTP(pkt[:0], pkt); err == nil {
				theirRTP.Add(1)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	port := addrOf(ep).Port()

	offer := strings.Join([]string{
		"v=0",
		"o=- 1 1 IN IP4 127.0.0.1",
		"s=-",
		"t=0 0",
		"a=group:BUNDLE 0 1",
		"a=ice-lite",
		"a=msid-semantic:WMS *",
		fmt.Sprintf("m=audio %d UDP/TLS/RTP/SAVPF 0", port),
		"c=IN IP4 127.0.0.1",
		"a=mid:0",
		"a=sendrecv",
		"a=rtcp-mux",
		"a=rtpmap:0 PCMU/8000",
		"a=msid:cluecam audio",
		fmt.Sprintf("a=ssrc:%d cname:cluecam", ourSSRC),
		"a=ice-ufrag:" + ice.LocalUfrag,
		"a=ice-pwd:" + ice.LocalPwd,
		"a=fingerprint:" + cert.SDPFingerprint(),
		"a=setup:actpass",
		fmt.Sprintf("a=candidate:1 1 udp 2130706431 127.0.0.1 %d typ host", port),
		"a=end-of-candidates",
		fmt.Sprintf("m=application %d UDP/DTLS/SCTP webrtc-datachannel", port),
		"c=IN IP4 127.0.0.1",
		"a=mid:1",
		"a=sctp-port:5000",
		"a=max-message-size:65536",
		fmt.Sprintf(`a=dcmap:%d subprotocol="CLUE";ordered=true`, streamID),
		"a=ice-ufrag:" + ice.LocalUfrag,
		"a=ice-pwd:" + ice.LocalPwd,
		"a=fingerprint:" + cert.SDPFingerprint(),
		"a=setup:actpass",
		fmt.Sprintf("a=candidate:1 1 udp 2130706431 127.0.0.1 %d typ host", port),
		"a=end-of-candidates",
		"",
	}, "\r\n")

	cmd := exec.Command(py, "testdata/aiortc_peer.py")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("aiortc stderr:\n%s", stderr.String())
		}
	})
	events := make(chan aiortcEvent, 256)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var ev aiortcEvent
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				events <- ev
			}
		}
		close(events)
	}()
	next := func(what string, match func(aiortcEvent) bool) aiortcEvent {
		t.Helper()
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatalf("aiortc exited waiting for %s", what)
				}
				if ev.Event == "error" {
					t.Fatalf("aiortc: %s", ev.Error)
				}
				if match(ev) {
					return ev
				}
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}

	req, _ := json.Marshal(map[string]any{"offer": offer, "stream_id": streamID})
	if _, err := stdin.Write(append(req, '\n')); err != nil {
		t.Fatal(err)
	}
	answer := next("answer", func(ev aiortcEvent) bool { return ev.Answer != "" }).Answer

	// What the answer says: ICE credentials, fingerprints, setup.
	var fps []transport.Fingerprint
	var setup transport.Setup
	var ufrag, pwd string
	for _, l := range strings.Split(answer, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "a=fingerprint:"):
			f, err := transport.ParseFingerprint(strings.TrimPrefix(l, "a=fingerprint:"))
			if err != nil {
				t.Fatal(err)
			}
			fps = append(fps, f)
		case strings.HasPrefix(l, "a=setup:"):
			setup, err = transport.ParseSetup(strings.TrimPrefix(l, "a=setup:"))
			if err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(l, "a=ice-ufrag:"):
			ufrag = strings.TrimPrefix(l, "a=ice-ufrag:")
		case strings.HasPrefix(l, "a=ice-pwd:"):
			pwd = strings.TrimPrefix(l, "a=ice-pwd:")
		}
	}
	role, err := transport.OffererRole(setup)
	if err != nil {
		t.Fatal(err)
	}
	ep.SetRemoteICE(ufrag, pwd)
	t.Logf("aiortc answered a=setup:%s; we are the DTLS %v; remote ufrag %q", setup, role, ufrag)

	// ICE: aiortc checks us; DTLS with its SDP fingerprints.
	a, err := ep.Handshake(ctx, role, &transport.Config{
		Certificate:        cert,
		RemoteFingerprints: fps,
		Receiver:           &srtp.ReceiverOpts{LearnRTP: 1, LearnRTCP: 4},
	})
	if err != nil {
		t.Fatalf("dtls with aiortc: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	assoc.Store(a)
	if s := ep.Stats(); s.STUNRequests == 0 {
		t.Fatalf("no authenticated check from aiortc: %+v", s)
	}
	peer, _ := ep.Peer()
	t.Logf("ice: peer %v, stats %+v, profile %v", peer, ep.Stats(), a.Profile())

	// The negotiated CLUE channel.
	ch, err := channel.Open(ctx, a.Conn(), &channel.Opts{Client: role == transport.RoleClient, StreamID: streamID, RemoteMaxMessageSize: 65536})
	if err != nil {
		t.Fatalf("sctp/clue channel with aiortc: %v", err)
	}
	t.Cleanup(func() { ch.Close() })
	hello, err := ch.Receive(ctx)
	if err != nil || string(hello) != "<aiortc-hello/>" {
		t.Fatalf("greeting %q %v", hello, err)
	}
	msgs := exampleMessages(t)
	for _, m := range msgs {
		if err := ch.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for i, m := range msgs {
		got, err := ch.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, m) {
			t.Fatalf("echo %d differs (%d vs %d bytes)", i, len(got), len(m))
		}
	}
	t.Logf("clue channel: %d RFC 8847 messages echoed by aiortc; stats %+v", len(msgs), ch.Stats())

	// SRTP to aiortc: PCMU payload of 0x00 bytes decodes to -32124.
	st, err := a.Sender().Stream(ourSSRC)
	if err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 160)
	seq := uint16(1)
	send := func(batch *transport.Batch, n int) {
		for i := 0; i < n; i++ {
			buf := make([]byte, 0, 12+160+a.Profile().RTPOverhead())
			pkt, err := st.SealRTP(buf, rtpPacket(ourSSRC, seq, nil), payload)
			if err != nil {
				t.Fatal(err)
			}
			seq++
			batch.Add(pkt)
		}
		if _, err := ep.SendBatch(batch); err != nil {
			t.Fatal(err)
		}
	}
	batch := transport.NewBatch(8)
	send(batch, 8)
	var audio aiortcEvent
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("aiortc exited before decoding audio")
			}
			if ev.Event == "error" {
				t.Fatalf("aiortc: %s", ev.Error)
			}
			if ev.Event == "audio" {
				audio = ev
				break wait
			}
		case <-tick.C:
			send(batch, 1)
		case <-ctx.Done():
			t.Fatal("aiortc decoded no audio")
		}
	}
	if audio.FirstSample != -32124 {
		t.Fatalf("aiortc decoded first sample %d, want -32124 (µ-law 0x00)", audio.FirstSample)
	}
	t.Logf("srtp → aiortc: %d frames decoded, first sample %d at %d Hz", audio.Frames, audio.FirstSample, audio.Rate)

	// SRTP from aiortc (its AudioStreamTrack), opened by our receiver.
	waitFor(t, "srtp from aiortc", func() bool { return theirRTP.Load() >= 5 })
	t.Logf("srtp ← aiortc: %d packets authenticated and decrypted", theirRTP.Load())

	// Orderly close: our stream reset closes aiortc's channel.
	ch.Close()
	next("channel close at aiortc", func(ev aiortcEvent) bool { return ev.Event == "close" })

	// aiortc hangs up: the DTLS association ends and media authorisation
	// with it.
	stdin.Close()
	select {
	case <-a.Done():
	case <-ctx.Done():
		t.Fatal("association did not end when aiortc closed")
	}
	waitFor(t, "media withdrawn", func() bool { return !ep.Authorized() })
	if _, err := ep.SendBatch(batch); !errors.Is(err, transport.ErrNotAuthorized) {
		t.Fatalf("send after hang-up: %v", err)
	}
	t.Logf("hang-up: %v", a.Err())
}
