package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cluecam/cluecam/internal/testenv"
)

// TestSippCallsRun: SIPp, an independent SIP stack, calls `cluecam run`
// with a CLUE offer over TCP, answers the MD5 digest challenge, and
// asserts on the 200's SDP (the scenario's check_it regexps: CLUE group,
// data channel, inactive encoding lines, DTLS-SRTP only, sip.clue), ACKs,
// re-INVITEs and hangs up.
func TestSippCallsRun(t *testing.T) {
	doc, port := onFreePort(t, strings.Replace(readExample(t), "#digest_algorithms = [\"SHA-256\", \"MD5\"]",
		`digest_algorithms = ["MD5"]`, 1)) // SIPp 3.6 knows MD5 only, and answers only the first challenge
	path := filepath.Join(t.TempDir(), "cluecam.toml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	boxLog := startRun(t, path)
	s := testenv.StartSipp(t, "testdata/sipp-clue-uac.xml", testenv.FreeSIPPort(t),
		"-t", "t1", "-s", "cluecam", "-au", "alice", "-ap", "demo-only-secret", "127.0.0.1:"+strconv.Itoa(port))
	s.Wait(t)
	waitFor(t, boxLog, `"msg":"call ended","call":"[^"]+","reason":"remote hangup"`, 10*time.Second)
	if t.Failed() {
		t.Logf("box:\n%s", boxLog.String())
	}
}

// TestCallSippUAS: `cluecam call` calls SIPp's UAS, which asserts the
// INVITE is a CLUE offer (BUNDLE with bundle-only lines, CLUE group, data
// channel, CaptId, ICE, DTLS) and answers as a CLUE box; SIPp has no
// media, so the call ends when --duration runs out, with BYE.
func TestCallSippUAS(t *testing.T) {
	port := testenv.FreeSIPPort(t) // SIPp's UAS listens on TCP
	scenario, err := os.ReadFile("testdata/sipp-clue-uas.xml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sipp-clue-uas.xml")
	media := strconv.Itoa(testenv.FreeUDPPortPair(t))
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(scenario), "MEDIAPORT", media)), 0o600); err != nil {
		t.Fatal(err)
	}
	s := testenv.StartSipp(t, path, port, "-t", "t1", "-mp", media)
	waitListening(t, "127.0.0.1:"+strconv.Itoa(port))
	code, stdout, stderr := runCLI(t, "call", "--video", "1", "--audio", "0", "--duration", "2s", "--state-dir", t.TempDir(),
		"sip:sipp@127.0.0.1:"+strconv.Itoa(port)+";transport=tcp")
	if !strings.Contains(stdout, "established") {
		t.Errorf("call not established (exit %d):\n%s\n%s", code, stdout, stderr)
	}
	if code != exitFail || !strings.Contains(stderr, "no media received") {
		t.Errorf("exit %d without media:\n%s\n%s", code, stdout, stderr)
	}
	s.Wait(t)
}

// waitListening waits until a TCP listener accepts at addr.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func readExample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
