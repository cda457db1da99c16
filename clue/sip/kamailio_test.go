package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cluecam/cluecam/internal/testenv"
)

// kamailio is a Kamailio registrar/proxy run for one test from
// testdata/kamailio.cfg: digest-authenticated REGISTER against one password
// (pv_www_authenticate, no database), usrloc in memory, INVITEs relayed
// to the registered contact with Record-Route.
type kamailio struct {
	port, tlsPort int
	log           *lockedBuf
	cert          *testCertFiles
}

type testCertFiles struct{ crt, key, fingerprint string }

// startKamailio runs kamailio in the foreground (-DD, log to stderr -E),
// its pid file and runtime dir in a temp dir, and waits until it answers
// OPTIONS. With ca, it also listens on TLS with a certificate ca signed.
func startKamailio(t *testing.T, minExpires int, ca *testCA) *kamailio {
	t.Helper()
	bin := testenv.NeedCommand(t, "kamailio")
	dir := t.TempDir()
	k := &kamailio{port: freeUDPPort(t), log: &lockedBuf{}}
	args := []string{"-f", filepath.Join(dir, "kamailio.cfg"), "-DD", "-E", "-Y", dir,
		"-P", filepath.Join(dir, "kamailio.pid"), "-w", dir, "-m", "32", "-M", "4"}
	if ca != nil {
		k.tlsPort = freeTCPPort(t)
		crt, key, leaf := ca.issue(t, "kamailio")
		k.cert = &testCertFiles{crt: crt, key: key, fingerprint: CertFingerprint(leaf.Raw)}
		tlsCfg := fmt.Sprintf("[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n"+
			"private_key = %s\ncertificate = %s\n\n[client:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n", key, crt)
		if err := os.WriteFile(filepath.Join(dir, "tls.cfg"), []byte(tlsCfg), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-A", "WITH_TLS")
	}
	src, err := os.ReadFile(filepath.Join("testdata", "kamailio.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer("%%PORT%%", strconv.Itoa(k.port), "%%TLSPORT%%", strconv.Itoa(k.tlsPort),
		"%%DIR%%", dir, "%%MINEXPIRES%%", strconv.Itoa(minExpires), "%%PASSWORD%%", testPass).Replace(string(src))
	if err := os.WriteFile(filepath.Join(dir, "kamailio.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = k.log, k.log
	// Its own process group, so cleanup reaches the children it forks.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		pgid := cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-exited
		}
		// The children outlive the main process briefly.
		for i := 0; i < 100 && syscall.Kill(-pgid, 0) == nil; i++ {
			time.Sleep(50 * time.Millisecond)
		}
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		if t.Failed() {
			out := k.log.String()
			if len(out) > 20000 {
				out = out[len(out)-20000:]
			}
			t.Logf("kamailio log:\n%s", out)
		}
	})
	// Ready when it answers OPTIONS.
	conn, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(k.port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 4096)
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		select {
		case <-exited:
			t.Fatalf("kamailio exited:\n%s", k.log.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("kamailio does not answer OPTIONS:\n%s", k.log.String())
		}
		msg := fmt.Sprintf("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKready%d\r\n"+
			"Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:127.0.0.1>\r\nCall-ID: ready%d\r\n"+
			"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", k.port, conn.LocalAddr(), i, i)
		_, _ = conn.Write([]byte(msg))
		_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, err := conn.Read(buf); err == nil && strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
			return k
		}
	}
}

var registeredLine = regexp.MustCompile(`REGISTERED aor=(\S+) callid=(\S+) cseq=(\d+) expires=(\S+)`)

type regLine struct {
	aor     string
	callID  string
	cseq    int
	expires string
}

// registered returns the REGISTERs kamailio accepted, in order.
func (k *kamailio) registered() []regLine {
	var out []regLine
	for _, m := range registeredLine.FindAllStringSubmatch(k.log.String(), -1) {
		n, _ := strconv.Atoi(m[3])
		out = append(out, regLine{aor: m[1], callID: m[2], cseq: n, expires: m[4]})
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timeout waiting for %s", what)
}

// checkRefreshes: kamailio accepted at least two REGISTERs of reg, with one
// Call-ID and rising CSeqs (RFC 3261 §10.2.4), each after a challenge.
func checkRefreshes(t *testing.T, k *kamailio, reg *Registration) {
	t.Helper()
	var ours []regLine
	for _, l := range k.registered() {
		if l.callID == reg.callID {
			ours = append(ours, l)
		} else {
			t.Errorf("REGISTER with another Call-ID: %+v", l)
		}
	}
	if len(ours) < 2 {
		t.Fatalf("REGISTERs accepted: %+v", ours)
	}
	for i := 1; i < len(ours); i++ {
		if ours[i].cseq <= ours[i-1].cseq {
			t.Errorf("CSeq did not rise: %+v", ours)
		}
	}
	if n := strings.Count(k.log.String(), "CHALLENGE callid="+reg.callID); n < len(ours) {
		t.Errorf("%d challenges for %d registrations", n, len(ours))
	}
}

// callThrough: caller dials target through kamailio; the registered callee
// gets the INVITE (after challenging the caller end to end), both sides
// see kamailio's Record-Route, and the caller's BYE reaches the callee
// through it.
func callThrough(t *testing.T, caller *UA, hb *recHandler, target string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := caller.Dial(ctx, target)
	if err != nil {
		t.Fatalf("call through kamailio: %v", err)
	}
	cb := waitCh(t, hb.estCh, "callee established")
	if len(c.route) != 1 || len(cb.route) != 1 {
		t.Errorf("route sets: caller %v, callee %v", c.route, cb.route)
	}
	if cb.Peer() == nil || cb.Peer().Username != testUser {
		t.Errorf("callee's peer %+v", cb.Peer())
	}
	if err := c.Reinvite(ctx); err != nil {
		t.Fatalf("re-INVITE through kamailio: %v", err)
	}
	waitCh(t, hb.updCh, "callee updated")
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if r := waitCh(t, hb.endCh, "callee ended"); r != ReasonRemoteBye {
		t.Errorf("callee ended: %v", r)
	}
}

// TestKamailioRegister: our UA registers with Kamailio over UDP (401,
// digest with qop=auth, 200), is granted the registrar's min_expires
// instead of the 2 s it asked for, refreshes with the same Call-ID and a
// higher CSeq; a second UA calls its address of record through Kamailio
// and the call is established, re-INVITEd and hung up; closing the UA
// unregisters (Expires: 0) and the next call gets 404.
func TestKamailioRegister(t *testing.T) {
	k := startKamailio(t, 3, nil)
	kp := strconv.Itoa(k.port)
	hb := newRec()
	ob := authOpts(t)
	ob.Account = Account{URI: "sip:cam@127.0.0.1", Password: testPass, Registrar: "sip:127.0.0.1:" + kp, Expires: 2 * time.Second}
	callee := startUA(t, hb, ob, "udp")
	reg, err := callee.Register()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a refreshed registration", func() bool { _, _, n := reg.Status(); return n >= 2 })
	exp, err, _ := reg.Status()
	if err != nil || exp != 3*time.Second {
		t.Errorf("granted %v, err %v; want kamailio's min_expires 3s", exp, err)
	}
	checkRefreshes(t, k, reg)

	caller := startUA(t, newRec(), callerOpts(t), "udp")
	callThrough(t, caller, hb, "sip:cam@127.0.0.1:"+kp)

	n := len(k.registered())
	if err := callee.Close(); err != nil {
		t.Fatal(err)
	}
	// RFC 3261 §10.2.2: Close removes the binding with Expires: 0.
	waitFor(t, "the de-REGISTER", func() bool {
		r := k.registered()
		return len(r) > n && r[len(r)-1].expires == "0" && r[len(r)-1].callID == reg.callID
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = caller.Dial(ctx, "sip:cam@127.0.0.1:"+kp)
	var rej *RejectedError
	if !errors.As(err, &rej) || rej.Code != 404 {
		t.Errorf("call after de-REGISTER: %v, want 404", err)
	}
}

// TestKamailioTLS: the same over TLS with Kamailio's certificate signed by
// a test CA and pinned: REGISTER to a sips: registrar (Contact sips:), a
// TLS caller reaching the callee through Kamailio, which relays over a TLS
// connection to the callee's listener. A UA pinning another certificate
// does not register.
func TestKamailioTLS(t *testing.T) {
	ca := newTestCA(t, "test CA")
	k := startKamailio(t, 3, ca)
	kp := strconv.Itoa(k.tlsPort)
	hb := newRec()
	ob := authOpts(t)
	ob.TLS, _ = tlsOpts(t, ca, ca, "callee", k.cert.fingerprint)
	ob.Account = Account{URI: "sip:cam@127.0.0.1", Password: testPass, Registrar: "sips:127.0.0.1:" + kp, Expires: 2 * time.Second}
	callee := startUA(t, hb, ob, "tls")
	reg, err := callee.Register()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a refreshed registration", func() bool { _, _, n := reg.Status(); return n >= 2 })
	checkRefreshes(t, k, reg)
	if !strings.Contains(k.log.String(), "contact=<sips:cam@"+callee.Addr("tls").String()+">") {
		t.Error("registered Contact is not the sips: one")
	}

	oa := callerOpts(t)
	oa.TLS, _ = tlsOpts(t, ca, ca, "caller")
	caller := startUA(t, newRec(), oa, "tls")
	callThrough(t, caller, hb, "sips:cam@127.0.0.1:"+kp)

	// A pin that does not match Kamailio's certificate: no registration.
	_, other := tlsOpts(t, ca, ca, "not kamailio")
	ow := &Opts{Logger: testLogger(t), AllowUnauthenticated: true}
	ow.TLS, _ = tlsOpts(t, ca, ca, "wrong pin", CertFingerprint(other.Raw))
	ow.Account = Account{URI: "sip:wrong@127.0.0.1", Password: testPass, Registrar: "sips:127.0.0.1:" + kp}
	wrong := startUA(t, newRec(), ow, "tls")
	wreg, err := wrong.Register()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pinned registration to fail", func() bool { _, err, _ := wreg.Status(); return err != nil })
	if _, err, n := wreg.Status(); n != 0 || !errors.Is(err, ErrServerNotPinned) {
		t.Errorf("wrong pin: %d registrations, err %v", n, err)
	}
	for _, l := range k.registered() {
		if strings.Contains(l.aor, "wrong") {
			t.Errorf("kamailio registered %+v", l)
		}
	}
	// Our client aborted the handshake, and Kamailio's OpenSSL says so.
	if !strings.Contains(k.log.String(), "alert bad certificate") {
		t.Error("kamailio saw no bad-certificate alert")
	}
}
