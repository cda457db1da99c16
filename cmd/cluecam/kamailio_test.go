package main

import (
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

// TestKamailioRegistrarRun: `cluecam run` on the example configuration,
// with Kamailio as its registrar, registers over TCP (401, digest with the
// password from password_file, 200), is granted Kamailio's max_expires of
// 4 s instead of the 600 s it asks and refreshes at half that with one
// Call-ID and rising CSeqs; `cluecam call` reaches it through Kamailio
// (lookup in the location table, Record-Route, relayed over TCP because
// the registered Contact says so: CLUE offers exceed 1300 bytes), the box
// challenges the caller end to end and media of every capture arrives; on
// stop the box removes its binding (Expires: 0).
func TestKamailioRegistrarRun(t *testing.T) {
	const registrarPassword = "registrar-only-secret"
	k := testenv.StartKamailio(t, testenv.KamailioOpts{Password: registrarPassword, MaxExpires: 4})
	kp := strconv.Itoa(k.Port)

	doc, port := onFreePort(t, config.Example)
	// ;transport=tcp: REGISTER over TCP, so the Contact Kamailio relays
	// INVITEs to is the box's TCP listener (RFC 3261 §18.1.1).
	doc = replaceOnce(t, doc, `#registrar = "sip:registrar.example.com"`, `registrar = "sip:127.0.0.1:`+kp+`;transport=tcp"`)
	doc = replaceOnce(t, doc, `#password_file = "secrets/sip-password"`, `password_file = "sip-password"`)
	dir := t.TempDir()
	path := filepath.Join(dir, "cluecam.toml")
	if err := os.WriteFile(filepath.Join(dir, "sip-password"), []byte(registrarPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}

	// Cleanups run last first: this one after startRun's has stopped the box.
	var callID string
	t.Cleanup(func() {
		if callID == "" {
			return
		}
		// RFC 3261 §10.2.2: stopping removes the binding with Expires: 0.
		if !pollFor(func() bool {
			r := k.Registered()
			if len(r) == 0 {
				return false
			}
			last := r[len(r)-1]
			return last.CallID == callID && last.Expires == "0" && last.Granted == 0
		}) {
			t.Errorf("no de-REGISTER at stop: %+v", k.Registered())
		}
	})
	boxLog := startRun(t, path)

	if !pollFor(func() bool { return len(k.Registered()) > 0 }) {
		t.Fatalf("the box did not register:\n%s", boxLog.String())
	}
	first := k.Registered()[0]
	callID = first.CallID
	boxContact := "sip:cluecam@127.0.0.1:" + strconv.Itoa(port) + ";transport=tcp"
	if first.AOR != "sip:cluecam@127.0.0.1" || first.Expires != "600" || !strings.Contains(first.Contact, "<"+boxContact+">") {
		t.Errorf("registration %+v, want sip:cluecam@127.0.0.1 asking 600 s from %s", first, boxContact)
	}
	if first.Granted < 3 || first.Granted > 4 {
		t.Errorf("granted %d s, want Kamailio's max_expires 4", first.Granted)
	}

	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("demo-only-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "call", "--from", "sip:alice@127.0.0.1", "--password-file", pw,
		"--packets", "30", "--duration", "60s", "--state-dir", t.TempDir(), "sip:cluecam@127.0.0.1:"+kp+";transport=tcp")
	if code != exitOK {
		t.Fatalf("call exited %d\nstdout:\n%s\nstderr:\n%s\nbox:\n%s", code, stdout, stderr, boxLog.String())
	}
	checkMedia(t, stdout, 30)
	// Kamailio relayed the INVITE to the registered Contact twice: the box
	// challenged alice (401 back through Kamailio), then took her answer.
	if n := strings.Count(k.Log(), "RELAY "+boxContact+" "); n < 2 {
		t.Errorf("kamailio relayed %d INVITEs to %s, want the challenged one and the authenticated one", n, boxContact)
	}
	// Kamailio Record-Routed, so the BYE came through it too.
	if !strings.Contains(k.Log(), "REQ BYE ") {
		t.Error("the BYE did not pass through kamailio")
	}

	if !pollFor(func() bool { return len(k.Registered()) >= 2 }) {
		t.Fatal("the box did not refresh its registration")
	}
	for _, r := range k.CheckRefreshes(t, callID) {
		if r.Granted > 4 {
			t.Errorf("granted %d s, over max_expires", r.Granted)
		}
	}
}

// replaceOnce replaces the one occurrence of old in doc, failing the test
// when the example no longer has it.
func replaceOnce(t *testing.T, doc, old, new string) string {
	t.Helper()
	if strings.Count(doc, old) != 1 {
		t.Fatalf("configuration has no single %q", old)
	}
	return strings.Replace(doc, old, new, 1)
}

// pollFor polls cond until it holds, or gives up after 20 s: a deadline
// only to fail a hang.
func pollFor(cond func() bool) bool {
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return false
}

// checkMedia: `cluecam call` reported at least n packets from each of the
// example's captures, every packet with its CaptId.
func checkMedia(t *testing.T, stdout string, n int) {
	t.Helper()
	for _, capture := range []string{"main", "wide", "table-mic"} {
		m := regexp.MustCompile(`capture ` + capture + `: (\d+) packets, (\d+) frames`).FindStringSubmatch(stdout)
		if m == nil {
			t.Errorf("no media from capture %s:\n%s", capture, stdout)
			continue
		}
		if got, _ := strconv.Atoi(m[1]); got < n {
			t.Errorf("capture %s: %s packets", capture, m[1])
		}
	}
	if strings.Contains(stdout, "no CaptId") {
		t.Errorf("packets without CaptId:\n%s", stdout)
	}
}
