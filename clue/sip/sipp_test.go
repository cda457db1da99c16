package sip

import (
	"context"
	"net"
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
	r := testenv.StartSipp(t, "testdata/uac-auth.xml", freeUDPPort(t), "-s", "cam", "-au", testUser, "-ap", testPass, u.Addr("udp").String())
	c := waitCh(t, h.estCh, "established")
	waitCh(t, h.updCh, "updated by re-INVITE")
	if r := waitCh(t, h.endCh, "ended"); r != ReasonRemoteBye {
		t.Errorf("reason %v", r)
	}
	r.Wait(t)
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
	r := testenv.StartSipp(t, "testdata/uas.xml", port)
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
	r.Wait(t)
}

// TestSippSessionTimerExpiry: SIPp asks for a 2 s session interval as
// refresher and never refreshes: we send BYE and Ended says so.
func TestSippSessionTimerExpiry(t *testing.T) {
	h := newRec()
	o := &Opts{AllowUnauthenticated: true, SessionTimer: SessionTimerOpts{MinSE: time.Second, Expires: 10 * time.Second, AllowShort: true}}
	u := startUA(t, h, o, "udp")
	r := testenv.StartSipp(t, "testdata/uac-timer.xml", freeUDPPort(t), "-s", "cam", u.Addr("udp").String())
	c := waitCh(t, h.estCh, "established")
	if se, we := c.SessionExpires(); se != 2*time.Second || we {
		t.Errorf("session timer %v weRefresh=%v", se, we)
	}
	if r := waitCh(t, h.endCh, "ended"); r != ReasonSessionExpired {
		t.Errorf("reason %v", r)
	}
	r.Wait(t)
	h.checkEndedOnce(t)
}
