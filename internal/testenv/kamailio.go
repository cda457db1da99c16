package testenv

import (
	_ "embed"
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
)

// kamailioCfg is the registrar and proxy configuration, with %%NAME%%
// placeholders StartKamailio fills in. Embedded, so tests of any package
// can run it without reading another package's testdata.
//
//go:embed kamailio.cfg
var kamailioCfg string

// KamailioOpts configures one Kamailio run.
type KamailioOpts struct {
	// Password is the one digest password Kamailio accepts for every user's
	// REGISTER (pv_www_authenticate against a constant, no database).
	Password string
	// MinExpires and MaxExpires are the registrar's bounds on a binding's
	// lifetime: a REGISTER asking less than MinExpires is granted
	// MinExpires, one asking more than MaxExpires MaxExpires. 0 means no
	// bound.
	MinExpires, MaxExpires int
	// TLSCert and TLSKey, both PEM files, make Kamailio listen on TLS too
	// (TLSPort) with that certificate. It asks no client certificate.
	TLSCert, TLSKey string
}

// Kamailio is a Kamailio registrar and proxy (Debian package kamailio)
// run for one test on loopback: digest-authenticated REGISTER, usrloc in
// memory, INVITEs looked up in the location table and relayed with
// Record-Route, in-dialog requests along the route set.
type Kamailio struct {
	// Port is where it listens on UDP and on TCP; TLSPort where it listens
	// on TLS (0 without KamailioOpts.TLSCert).
	Port, TLSPort int
	logFile       string // its stdout and stderr
	pgid          int
}

// StartKamailio runs kamailio in the foreground (-DD, logging to stderr
// with -E, into a file), its pid file and runtime dir in a temporary
// directory, and returns once it answers OPTIONS. It runs in its own
// process group, so
// the cleanup (SIGTERM, SIGKILL after 10 s) reaches the children it forks;
// when the test failed, the tail of its log is logged.
func StartKamailio(t testing.TB, o KamailioOpts) *Kamailio {
	t.Helper()
	bin := NeedCommand(t, "kamailio")
	dir := t.TempDir()
	k := &Kamailio{Port: FreeSIPPort(t), logFile: filepath.Join(dir, "kamailio.log")}
	args := []string{"-f", filepath.Join(dir, "kamailio.cfg"), "-DD", "-E", "-Y", dir,
		"-P", filepath.Join(dir, "kamailio.pid"), "-w", dir, "-m", "32", "-M", "4"}
	if o.TLSCert != "" || o.TLSKey != "" {
		k.TLSPort = FreeSIPPort(t)
		tlsCfg := fmt.Sprintf("[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n"+
			"private_key = %s\ncertificate = %s\n\n[client:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n",
			o.TLSKey, o.TLSCert)
		if err := os.WriteFile(filepath.Join(dir, "tls.cfg"), []byte(tlsCfg), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-A", "WITH_TLS")
	}
	cfg := strings.NewReplacer("%%PORT%%", strconv.Itoa(k.Port), "%%TLSPORT%%", strconv.Itoa(k.TLSPort),
		"%%DIR%%", dir, "%%MINEXPIRES%%", strconv.Itoa(o.MinExpires), "%%MAXEXPIRES%%", strconv.Itoa(o.MaxExpires),
		"%%PASSWORD%%", o.Password).Replace(kamailioCfg)
	if err := os.WriteFile(filepath.Join(dir, "kamailio.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(k.logFile)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close() // the child has its own descriptor
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	k.pgid = cmd.Process.Pid
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		pgid := k.pgid
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
			out := k.Log()
			if len(out) > 20000 {
				out = out[len(out)-20000:]
			}
			t.Logf("kamailio log:\n%s", out)
		}
	})
	k.waitReady(t, exited)
	return k
}

// waitReady probes with OPTIONS over UDP until Kamailio answers 200: its
// log says nothing reliable about when the listeners are up.
func (k *Kamailio) waitReady(t testing.TB, exited <-chan struct{}) {
	t.Helper()
	conn, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(k.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 4096)
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		select {
		case <-exited:
			t.Fatalf("kamailio exited:\n%s", k.Log())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("kamailio does not answer OPTIONS:\n%s", k.Log())
		}
		msg := fmt.Sprintf("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKready%d\r\n"+
			"Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:127.0.0.1>\r\nCall-ID: ready%d\r\n"+
			"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", k.Port, conn.LocalAddr(), i, i)
		_, _ = conn.Write([]byte(msg))
		_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, err := conn.Read(buf); err == nil && strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
			return
		}
	}
}

// Log returns everything Kamailio has written so far, including the
// cfg's xlog lines: "REQ method ruri proto=... from=...", "CHALLENGE
// callid=...", "REGISTERED ...", "RELAY ruri via dst", "NOTFOUND ruri".
func (k *Kamailio) Log() string {
	b, _ := os.ReadFile(k.logFile)
	return string(b)
}

// KamailioRegistration is one REGISTER Kamailio accepted (saved in its
// location table, or removed with expires 0).
type KamailioRegistration struct {
	AOR, CallID string
	CSeq        int
	// Expires is the REGISTER's Expires header as sent ("<null>" without
	// one); Granted the lifetime in seconds Kamailio gave the AOR's first
	// binding, 0 once none is left (one less when a second ticked over
	// while saving).
	Expires string
	Granted int
	Contact string
}

var kamailioRegistered = regexp.MustCompile(`REGISTERED aor=(\S+) callid=(\S+) cseq=(\d+) expires=(\S+) granted=(-?\d+) contact=(.*)`)

// Registered returns the REGISTERs Kamailio accepted, in order.
func (k *Kamailio) Registered() []KamailioRegistration {
	var out []KamailioRegistration
	for _, m := range kamailioRegistered.FindAllStringSubmatch(k.Log(), -1) {
		cseq, _ := strconv.Atoi(m[3])
		granted, _ := strconv.Atoi(m[5])
		out = append(out, KamailioRegistration{AOR: m[1], CallID: m[2], CSeq: cseq, Expires: m[4], Granted: granted, Contact: m[6]})
	}
	return out
}

// Challenges counts the REGISTERs of one Call-ID that Kamailio answered
// with a 401 challenge.
func (k *Kamailio) Challenges(callID string) int {
	return strings.Count(k.Log(), "CHALLENGE callid="+callID+" ")
}

// CheckRefreshes fails the test unless Kamailio accepted at least two
// REGISTERs with callID, the only registrant so far, with rising CSeqs
// (RFC 3261 §10.2.4: a refresh keeps the Call-ID) and each after a
// challenge. It returns them.
func (k *Kamailio) CheckRefreshes(t testing.TB, callID string) []KamailioRegistration {
	t.Helper()
	var ours []KamailioRegistration
	for _, l := range k.Registered() {
		if l.CallID == callID {
			ours = append(ours, l)
		} else {
			t.Errorf("REGISTER with another Call-ID: %+v", l)
		}
	}
	if len(ours) < 2 {
		t.Fatalf("REGISTERs accepted: %+v", ours)
	}
	for i := 1; i < len(ours); i++ {
		if ours[i].CSeq <= ours[i-1].CSeq {
			t.Errorf("CSeq did not rise: %+v", ours)
		}
	}
	if n := k.Challenges(callID); n < len(ours) {
		t.Errorf("%d challenges for %d registrations", n, len(ours))
	}
	return ours
}
