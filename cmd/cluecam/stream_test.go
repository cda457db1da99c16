package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/drivers/synthetic"
	"github.com/cluecam/cluecam/hw/hwtest"
	"github.com/cluecam/cluecam/internal/testenv"
)

func TestStreamUsage(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 30))
	for _, args := range [][]string{
		{"--to", "127.0.0.1:5004", "--insecure-rtp"},                                         // no capture
		{"--capture", "main", "--insecure-rtp"},                                              // no destination
		{"--capture", "main", "--to", "127.0.0.1:5004"},                                      // neither key nor flag
		{"--capture", "main", "--to", "127.0.0.1:5004", "--insecure-rtp", "--srtp-key", key}, // both
		{"--capture", "main", "--to", "127.0.0.1:5004", "--insecure-rtp", "--frames", "3", "--duration", "1s"},
		{"--capture", "main", "--to", "nowhere", "--insecure-rtp"},
	} {
		code, _, _ := runCLI(t, append([]string{"stream"}, args...)...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
	// A malformed key is a usage error whose message does not echo it.
	bad := "c2VjcmV0LXNob3J0LWtleQ=="
	code, _, stderr := runCLI(t, "stream", "--capture", "main", "--to", "127.0.0.1:5004", "--srtp-key", bad)
	if code != exitUsage || strings.Contains(stderr, bad) || !strings.Contains(stderr, "[redacted]") {
		t.Errorf("bad key: exit %d, stderr %q", code, stderr)
	}
	code, _, _ = runCLI(t, "stream", "--capture", "nope", "--to", "127.0.0.1:5004", "--insecure-rtp")
	if code != exitFail {
		t.Errorf("unknown capture: exit %d, want %d", code, exitFail)
	}
	code, _, _ = runCLI(t, "stream", "--capture", "main", "--to", "127.0.0.1:5004", "--insecure-rtp", "--codec", "pcmu", "--frames", "1")
	if code != exitFail {
		t.Errorf("--codec on a video capture: exit %d, want %d", code, exitFail)
	}
	for _, args := range [][]string{
		{"--capture", "table-mic", "--to", "127.0.0.1:5004", "--insecure-rtp", "--codec", "opus"},
		{"--capture", "main", "--to", "127.0.0.1:5004", "--insecure-rtp", "--pace", "none"}, // live capture
		{"--file", "x.h264", "--to", "127.0.0.1:5004", "--insecure-rtp", "--pace", "later"},
		{"--file", "x.h264", "--to", "127.0.0.1:5004", "--insecure-rtp", "--fps", "0"},
		{"--file", "x.h264", "--to", "127.0.0.1:5004", "--insecure-rtp", "--codec", "pcmu"},
		{"--capture", "main", "--to", "127.0.0.1:5004", "--srtp-key", key, "--srtp-profile", "aes-256-gcm"},
		{"--capture", "main", "--to", "127.0.0.1:5004", "--srtp-key", key, "--srtp-profile", "aes-gcm"}, // 30 bytes, GCM takes 28
		{"--capture", "main", "--to", "127.0.0.1:5004", "--insecure-rtp", "--srtp-profile", "aes-gcm"},
	} {
		if code, _, _ := runCLI(t, append([]string{"stream"}, args...)...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestStreamAudioSDP(t *testing.T) {
	for _, tc := range []struct{ codec, want string }{
		{"pcmu", "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n"},
		{"pcma", "m=audio 9 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\n"},
		// RFC 3551 §4.5.2: G.722 samples at 16 kHz on an 8000 Hz RTP clock.
		{"g722", "m=audio 9 RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\na=ptime:20\r\n"},
		// The example's 48 kHz microphone: 20 ms would not fit a packet.
		{"l16", "m=audio 9 RTP/AVP 97\r\na=rtpmap:97 L16/48000\r\na=ptime:10\r\n"},
	} {
		code, stdout, stderr := runCLI(t, "stream", "--capture", "table-mic", "--to", "127.0.0.1:9", "--insecure-rtp", "--codec", tc.codec, "--frames", "2")
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", tc.codec, code, stderr)
		}
		if !strings.Contains(stdout, tc.want) || !strings.Contains(stdout, "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:CaptId\r\n") ||
			!strings.Contains(stdout, "a=ssrc:") {
			t.Errorf("%s: SDP lacks %q:\n%s", tc.codec, tc.want, stdout)
		}
	}
}

// TestStreamFile sends an Annex-B file (the synthetic camera's clip,
// written out) unpaced: every access unit goes out, none is dropped.
func TestStreamFile(t *testing.T) {
	cam, err := synthetic.NewH264Camera(hwtest.NewAutoClock(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	if err := cam.Start(cam.Modes()[0]); err != nil {
		t.Fatal(err)
	}
	var file []byte
	for range 45 {
		f, err := cam.ReadFrame(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		file = append(file, f.Data...)
		f.Release()
	}
	path := filepath.Join(t.TempDir(), "clip.h264")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "stream", "--file", path, "--to", "127.0.0.1:9", "--insecure-rtp", "--pace", "none")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "m=video 9 RTP/AVP 96") || !strings.Contains(stdout, "s=cluecam file") {
		t.Errorf("SDP:\n%s", stdout)
	}
	if !strings.Contains(stderr, `msg="stream ended" frames=45 `) || !strings.Contains(stderr, " dropped=0 ") {
		t.Errorf("not every access unit sent:\n%s", stderr)
	}
}

// TestStreamSRTPProfileSDP: the a=crypto line names the profile sealing
// the stream, with the key given (RFC 4568 §9.1 for AES-CM, RFC 7714 §14.2
// for AES-GCM, whose inline key is 16 bytes of key and 12 of salt).
func TestStreamSRTPProfileSDP(t *testing.T) {
	for _, tc := range []struct {
		profile, suite string
		keyLen         int
	}{
		{"", "AES_CM_128_HMAC_SHA1_80", 30},
		{"aes-cm", "AES_CM_128_HMAC_SHA1_80", 30},
		{"aes-gcm", "AEAD_AES_128_GCM", 28},
	} {
		key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, tc.keyLen))
		args := []string{"stream", "--capture", "main", "--to", "127.0.0.1:9", "--srtp-key", key, "--frames", "2"}
		if tc.profile != "" {
			args = append(args, "--srtp-profile", tc.profile)
		}
		code, stdout, stderr := runCLI(t, args...)
		if code != exitOK {
			t.Fatalf("%q: exit %d: %s", tc.profile, code, stderr)
		}
		for _, want := range []string{"m=video 9 RTP/SAVP 96\r\n", "a=crypto:1 " + tc.suite + " inline:" + key + "\r\n"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%q: SDP lacks %q:\n%s", tc.profile, want, stdout)
			}
		}
	}
}

func TestStreamInsecureWarnsAndPrintsAVP(t *testing.T) {
	code, stdout, stderr := runCLI(t, "stream", "--capture", "main", "--to", "127.0.0.1:9", "--insecure-rtp", "--frames", "2")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "level=WARN") || !strings.Contains(stderr, "unprotected") {
		t.Errorf("no warning about plain RTP:\n%s", stderr)
	}
	for _, want := range []string{"m=video 9 RTP/AVP 96\r\n", "packetization-mode=1;profile-level-id=42c01e;sprop-parameter-sets=",
		"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:CaptId\r\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("SDP lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "a=crypto") {
		t.Errorf("plain RTP SDP with a key:\n%s", stdout)
	}
}

// viewerGate is the stream command's stdout: the first write (the whole
// SDP) starts ffmpeg on it and returns only once ffmpeg listens, so no
// packet is sent before the viewer is there (the approach of
// media/rtp/ffmpeg_test.go: startFFmpeg and waitListening).
type viewerGate struct {
	t     *testing.T
	port  int
	ff    string
	mu    sync.Mutex
	sdp   string
	cmd   *exec.Cmd
	out   bytes.Buffer
	errb  bytes.Buffer
	done  chan error
	start chan struct{}
}

func (g *viewerGate) Write(b []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cmd != nil {
		return len(b), nil
	}
	g.sdp = string(b)
	path := filepath.Join(g.t.TempDir(), "stream.sdp")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return 0, err
	}
	g.cmd = exec.Command(g.ff, "-hide_banner", "-nostdin", "-loglevel", "error",
		"-protocol_whitelist", "file,udp,rtp,crypto", "-buffer_size", "4194304", "-threads", "1",
		"-fpsprobesize", "0", "-i", path, "-map", "0:v", "-f", "framecrc", "-")
	g.cmd.Stdout, g.cmd.Stderr = &g.out, &g.errb
	if err := g.cmd.Start(); err != nil {
		return 0, err
	}
	go func() { g.done <- g.cmd.Wait() }()
	close(g.start)
	hex := fmt.Sprintf(":%04X ", g.port)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile("/proc/net/udp")
		if err != nil {
			time.Sleep(time.Second) // no procfs: give ffmpeg a moment
			break
		}
		if bytes.Contains(b, []byte(hex)) {
			break
		}
	}
	return len(b), nil
}

// TestStreamFFmpegDecodes runs `cluecam stream` in process under an SRTP
// key to ffmpeg (SDP with a=crypto, SRTP demuxer) on loopback at the
// camera's real frame rate, and checks that ffmpeg decodes every frame sent
// and reports no error; the stream ends with an SRTCP BYE.
func TestStreamFFmpegDecodes(t *testing.T) {
	ff := testenv.NeedCommand(t, "ffmpeg")
	if testing.Short() {
		t.Skip("streams in real time")
	}
	for _, tc := range []struct {
		capture, rtpmap string
		frames          int
	}{
		{"main", "H264/90000", 60}, // synthetic:h264 at 30 fps: 2 s
		{"wide", "JPEG/90000", 30}, // synthetic:mjpeg at 15 fps: 2 s
	} {
		t.Run(tc.capture, func(t *testing.T) {
			keyBytes := make([]byte, 30)
			for i := range keyBytes {
				keyBytes[i] = byte(rand.IntN(256))
			}
			key := base64.StdEncoding.EncodeToString(keyBytes)
			g := &viewerGate{t: t, port: testenv.FreeUDPPortPair(t), ff: ff, done: make(chan error, 1), start: make(chan struct{})}
			var stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			code := dispatch(ctx, &env{stdout: g, stderr: &stderr, getenv: func(string) string { return "" }},
				[]string{"stream", "--capture", tc.capture, "--to", fmt.Sprintf("127.0.0.1:%d", g.port),
					"--srtp-key", key, "--frames", fmt.Sprint(tc.frames)})
			if code != exitOK {
				t.Fatalf("exit %d:\n%s", code, stderr.String())
			}
			if strings.Contains(stderr.String(), key) {
				t.Errorf("the key appears in the log")
			}
			select {
			case <-g.start:
			default:
				t.Fatal("no SDP written")
			}
			for _, want := range []string{"RTP/SAVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key + "\r\n", tc.rtpmap} {
				if !strings.Contains(g.sdp, want) {
					t.Errorf("SDP lacks %q:\n%s", want, g.sdp)
				}
			}
			select {
			case err := <-g.done:
				if err != nil {
					t.Fatalf("ffmpeg: %v\n%s", err, g.errb.String())
				}
			case <-time.After(30 * time.Second):
				g.cmd.Process.Kill()
				<-g.done
				t.Fatalf("ffmpeg did not end on BYE; decoded %d frames; stderr:\n%s", len(crcLines(g.out.Bytes())), g.errb.String())
			}
			got := crcLines(g.out.Bytes())
			t.Logf("%s: sent %d frames, ffmpeg decoded %d; log:\n%s", tc.capture, tc.frames, len(got), stderr.String())
			if g.errb.Len() > 0 {
				t.Errorf("ffmpeg reported errors:\n%s", g.errb.String())
			}
			if len(got) != tc.frames {
				t.Fatalf("ffmpeg decoded %d frames, want %d", len(got), tc.frames)
			}
		})
	}
}

func crcLines(out []byte) []string {
	var l []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if s := sc.Text(); s != "" && s[0] != '#' {
			l = append(l, s)
		}
	}
	return l
}
