package sip

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cluecam/cluecam/internal/testenv"
)

// freeUDPPort returns a loopback UDP port that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

type sippRun struct {
	cmd  *exec.Cmd
	dir  string
	done chan error
	out  *strings.Builder
}

// startSipp runs SIPp with a scenario from testdata in a temp dir.
func startSipp(t *testing.T, scenario string, port int, args ...string) *sippRun {
	t.Helper()
	bin := testenv.NeedCommand(t, "sipp")
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, scenario), src, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	all := append([]string{"-sf", scenario, "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-m", "1",
		"-timeout", "60s", "-timeout_error", "-trace_err", "-trace_msg", "-nostdin"}, args...)
	cmd := exec.CommandContext(ctx, bin, all...)
	cmd.Dir = dir
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &sippRun{cmd: cmd, dir: dir, done: make(chan error, 1), out: out}
	go func() { r.done <- cmd.Wait(); cancel() }()
	t.Cleanup(func() {
		cancel()
		<-r.done
		r.done <- nil
		if t.Failed() {
			t.Logf("sipp output:\n%s", out.String())
			files, _ := filepath.Glob(filepath.Join(dir, "*_errors.log"))
			for _, f := range files {
				b, _ := os.ReadFile(f)
				t.Logf("%s:\n%s", filepath.Base(f), b)
			}
		}
	})
	return r
}

func (r *sippRun) wait(t *testing.T) {
	t.Helper()
	err := <-r.done
	r.done <- err
	if err != nil {
		t.Errorf("sipp failed: %v", err)
		for _, pat := range []string{"*_errors.log", "*_messages.log"} {
			files, _ := filepath.Glob(filepath.Join(r.dir, pat))
			for _, f := range files {
				b, _ := os.ReadFile(f)
				if len(b) > 6000 {
					b = b[len(b)-6000:]
				}
				t.Logf("%s:\n%s", filepath.Base(f), b)
			}
		}
	}
}

// TestSippUACAuth: SIPp (a real SIP stack) calls our UAS, answers the
// digest challenge, checks our SDP answer and the sip.clue tag in the 200,
// ACKs, re-INVITEs and hangs up.
func TestSippUACAuth(t *testing.T) {
	h := newRec()
	o := authOpts(t)
	// SIPp 3.6.1 answers only the first WWW-Authenticate and knows MD5
	// only ("createAuthHeader: authentication must use MD5 or
	// AKAv1-MD5"), so this peer needs an MD5-only challenge.
	o.Algorithms = []string{"MD5"}
	u := startUA(t, h, o, "udp")
	r := startSipp(t, "uac-auth.xml", freeUDPPort(t), "-s", "cam", "-au", testUser, "-ap", testPass, u.Addr("udp").String())
	c := waitCh(t, h.estCh, "established")
	waitCh(t, h.updCh, "updated by re-INVITE")
	if r := waitCh(t, h.endCh, "ended"); r != ReasonRemoteBye {
		t.Errorf("reason %v", r)
	}
	r.wait(t)
	if !c.PeerCLUE() {
		t.Error("sip.clue from SIPp's Contact not seen")
	}
	if !strings.Contains(string(c.RemoteSDP()), "a=sendonly") {
		t.Errorf("remote SDP after re-INVITE: %q", c.RemoteSDP())
	}
	h.checkEndedOnce(t)
}

// TestSippUAS: our UAC calls SIPp's UAS: INVITE, 180, 200, ACK, BYE.
func TestSippUAS(t *testing.T) {
	port := freeUDPPort(t)
	r := startSipp(t, "uas.xml", port)
	h := newRec()
	u := startUA(t, h, &Opts{AllowUnauthenticated: true, Account: Account{URI: "sip:cam@127.0.0.1"}}, "udp")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var c *Call
	var err error
	for i := 0; i < 50; i++ { // SIPp needs a moment to bind
		c, err = u.Dial(ctx, "sip:sipp@127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			break
		}
		<-h.endCh
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	waitCh(t, h.estCh, "established")
	if !strings.Contains(string(c.RemoteSDP()), "o=sipp") {
		t.Errorf("answer %q", c.RemoteSDP())
	}
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	r.wait(t)
}

// TestSippSessionTimerExpiry: SIPp asks for a 2 s session interval as
// refresher and never refreshes: we send BYE and Ended says so.
func TestSippSessionTimerExpiry(t *testing.T) {
	h := newRec()
	o := &Opts{AllowUnauthenticated: true, SessionTimer: SessionTimerOpts{MinSE: time.Second, Expires: 10 * time.Second, AllowShort: true}}
	u := startUA(t, h, o, "udp")
	r := startSipp(t, "uac-timer.xml", freeUDPPort(t), "-s", "cam", u.Addr("udp").String())
	c := waitCh(t, h.estCh, "established")
	if se, we := c.SessionExpires(); se != 2*time.Second || we {
		t.Errorf("session timer %v weRefresh=%v", se, we)
	}
	if r := waitCh(t, h.endCh, "ended"); r != ReasonSessionExpired {
		t.Errorf("reason %v", r)
	}
	r.wait(t)
	h.checkEndedOnce(t)
}
