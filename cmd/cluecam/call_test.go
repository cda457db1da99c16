package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/internal/testenv"
)

// onFreePort moves a configuration's SIP socket (the example's
// 127.0.0.1:5060) to a free loopback port, so tests can run `cluecam run`
// side by side.
func onFreePort(t *testing.T, doc string) (string, int) {
	t.Helper()
	port := testenv.FreeSIPPort(t)
	out := strings.Replace(doc, `listen = "127.0.0.1:5060"`, fmt.Sprintf(`listen = "127.0.0.1:%d"`, port), 1)
	if out == doc {
		t.Fatal("configuration has no sip listen line to replace")
	}
	return out, port
}

// exampleOnFreePort writes the example configuration, on a free port, to
// a temporary file.
func exampleOnFreePort(t *testing.T) (path string, port int) {
	t.Helper()
	cfg, port := onFreePort(t, config.Example)
	path = filepath.Join(t.TempDir(), "cluecam.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, port
}

// startRun runs `cluecam run` in-process until the test ends.
func startRun(t *testing.T, path string) *syncBuffer {
	t.Helper()
	var out, errb syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- dispatch(ctx, &env{stdout: &out, stderr: &errb, getenv: os.Getenv},
			[]string{"run", "--config", path, "--state-dir", t.TempDir(), "--log-format", "json"})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("run exited %d:\n%s", code, errb.String())
			}
		case <-time.After(20 * time.Second):
			t.Error("run did not stop")
		}
	})
	waitFor(t, &errb, `"msg":"answering calls"`, 30*time.Second)
	return &errb
}

// TestCallAgainstRun: `cluecam call` calls `cluecam run` (the example box)
// with digest credentials, takes part in the CLUE session and receives
// SRTP media of both configured video captures, each packet tagged with
// its captureID; with a wrong password the call is refused and no media
// arrives.
func TestCallAgainstRun(t *testing.T) {
	path, port := exampleOnFreePort(t)
	boxLog := startRun(t, path)
	target := "sip:cluecam@127.0.0.1:" + strconv.Itoa(port)
	pw := filepath.Join(t.TempDir(), "pw")

	os.WriteFile(pw, []byte("demo-only-secret\n"), 0o600)
	code, stdout, stderr := runCLI(t, "call", "--from", "sip:alice@127.0.0.1", "--password-file", pw,
		"--packets", "30", "--duration", "60s", "--state-dir", t.TempDir(), target)
	if code != exitOK {
		t.Fatalf("call exited %d\nstdout:\n%s\nstderr:\n%s\nbox:\n%s", code, stdout, stderr, boxLog.String())
	}
	checkMedia(t, stdout, 30)
	waitFor(t, boxLog, `"msg":"call ended"`, 10*time.Second)

	os.WriteFile(pw, []byte("wrong\n"), 0o600)
	code, stdout, stderr = runCLI(t, "call", "--from", "sip:alice@127.0.0.1", "--password-file", pw,
		"--duration", "5s", "--state-dir", t.TempDir(), target)
	if code != exitFail || !strings.Contains(stderr, "refused the call: 401") {
		t.Fatalf("wrong password: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if strings.Contains(stdout, "packets") {
		t.Fatalf("media despite the refusal:\n%s", stdout)
	}
}

// TestCallOverTLS: `cluecam run` serves SIP over TLS with a certificate
// from a CA (and trusts that CA for the callers' certificates); `cluecam
// call` reaches it at a sips: URI verifying the box's certificate against
// the CA and gets media. Pinning another certificate refuses the box
// before any SIP is sent.
func TestCallOverTLS(t *testing.T) {
	ca := testenv.NewCA(t, "test CA")
	boxCert, boxKey, _ := ca.Issue(t, "box")
	aliceCert, aliceKey, _ := ca.Issue(t, "alice")
	doc, port := onFreePort(t, config.Example)
	doc = replaceOnce(t, doc, `transport = "udp"`, `transport = "tls"`)
	doc = replaceOnce(t, doc, "#[sip.tls]\n", fmt.Sprintf("[sip.tls]\nca_file = %q\ncert_file = %q\nkey_file = %q\n", ca.File, boxCert, boxKey))
	path := filepath.Join(t.TempDir(), "cluecam.toml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	startRun(t, path)
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("demo-only-secret\n"), 0o600)
	target := "sips:cluecam@127.0.0.1:" + strconv.Itoa(port)
	args := []string{"call", "--from", "sip:alice@127.0.0.1", "--password-file", pw, "--tls-ca", ca.File,
		"--tls-cert", aliceCert, "--tls-key", aliceKey, "--state-dir", t.TempDir()}

	code, stdout, stderr := runCLI(t, append(args, "--packets", "30", "--duration", "60s", target)...)
	if code != exitOK {
		t.Fatalf("call over TLS exited %d\n%s\n%s", code, stdout, stderr)
	}
	checkMedia(t, stdout, 30)

	code, stdout, stderr = runCLI(t, append(args, "--duration", "5s", "--tls-pin", "sha-256 "+strings.Repeat("00:", 31)+"00", target)...)
	if code != exitFail || strings.Contains(stdout, "established") {
		t.Fatalf("pinned to another certificate: exit %d\n%s\n%s", code, stdout, stderr)
	}
	t.Logf("refused: %s", strings.TrimSpace(stderr))
}

// TestCallWatchesMCC: `cluecam call --mccs only --video 1` configures the
// example's switched MCC "speaker" and receives it, showing its first
// constituent (CaptId main).
func TestCallWatchesMCC(t *testing.T) {
	path, port := exampleOnFreePort(t)
	startRun(t, path)
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("demo-only-secret\n"), 0o600)
	code, stdout, stderr := runCLI(t, "call", "--from", "sip:alice@127.0.0.1", "--password-file", pw,
		"--mccs", "only", "--video", "1", "--audio", "0", "--packets", "30", "--duration", "60s",
		"--state-dir", t.TempDir(), "sip:cluecam@127.0.0.1:"+strconv.Itoa(port))
	if code != exitOK || !strings.Contains(stdout, "speaker→speaker.0") || !regexp.MustCompile(`capture main: \d+ packets`).MatchString(stdout) {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "call", "--mccs", "some", "sip:x@127.0.0.1")
	if code != exitUsage || !strings.Contains(stderr, `--mccs "some"`) {
		t.Fatalf("bad --mccs: exit %d: %s", code, stderr)
	}
}

func TestRouteTo(t *testing.T) {
	for _, uri := range []string{"sip:127.0.0.1", "sip:127.0.0.1:5070;transport=tcp", "sips:reg@127.0.0.1:5061", "<sip:127.0.0.1>"} {
		a, ok := routeTo(strings.Trim(uri, "<>"))
		if !ok || !a.IsLoopback() {
			t.Errorf("%s: %v %v", uri, a, ok)
		}
	}
}
