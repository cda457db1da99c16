package sip

import (
	"bufio"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/internal/testenv"
)

// lockedBuf collects a process's output for reading while it runs.
type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// startCmd runs a helper process that the test kills at cleanup. Its
// stdin stays open until then (s_server quits at EOF on stdin).
func startCmd(t *testing.T, name string, args ...string) (*exec.Cmd, *lockedBuf) {
	t.Helper()
	cmd := exec.Command(name, args...)
	out := &lockedBuf{}
	cmd.Stdout, cmd.Stderr = out, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	return cmd, out
}

// TestOpenSSLClient: `openssl s_client`, verifying our certificate against
// the test CA and the IP address, sends OPTIONS over TLS to our listener
// and reads our 200 with the sip.clue Contact.
func TestOpenSSLClient(t *testing.T) {
	bin := testenv.NeedCommand(t, "openssl")
	ca := testenv.NewCA(t, "test CA")
	o := authOpts(t)
	o.TLS, _ = tlsOpts(t, ca, ca, "box")
	u := startUA(t, newRec(), o, "tls")
	addr := u.Addr("tls").String()
	pr, pw := io.Pipe()
	defer pw.Close()
	cmd := exec.Command(bin, "s_client", "-connect", addr, "-CAfile", ca.File, "-verify_return_error",
		"-verify_ip", "127.0.0.1", "-quiet")
	cmd.Stdin = pr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errOut := &lockedBuf{}
	cmd.Stderr = errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	msg := "OPTIONS sips:cam@" + addr + " SIP/2.0\r\n" +
		"Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKossl1\r\n" +
		"Max-Forwards: 70\r\nFrom: <sips:alice@127.0.0.1>;tag=ossl\r\nTo: <sips:cam@127.0.0.1>\r\n" +
		"Call-ID: openssl-options\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	go func() { _, _ = pw.Write([]byte(msg)) }()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var got []string
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("s_client ended; read %q; stderr:\n%s", got, errOut.String())
			}
			got = append(got, l)
			if strings.TrimSpace(l) != "" {
				continue
			}
			resp := strings.Join(got, "\n")
			if !strings.HasPrefix(resp, "SIP/2.0 200") {
				t.Fatalf("response %q", resp)
			}
			// RFC 3261 §8.1.1.8: a sips: Request-URI gets a sips: Contact.
			if !strings.Contains(resp, "<sips:"+addr+">") || !strings.Contains(resp, "+sip.clue") {
				t.Errorf("Contact in %q", resp)
			}
			if !strings.Contains(errOut.String(), "verify return:1") {
				t.Errorf("s_client did not verify our certificate:\n%s", errOut.String())
			}
			return
		case <-deadline:
			t.Fatalf("no response; read %q; stderr:\n%s", got, errOut.String())
		}
	}
}

// TestOpenSSLServer: our UA dials `openssl s_server` with a certificate
// from the trusted CA: the handshake completes and the server receives our
// INVITE over TLS. Served a certificate from another CA, the UA refuses
// the handshake and sends nothing.
func TestOpenSSLServer(t *testing.T) {
	bin := testenv.NeedCommand(t, "openssl")
	ca, other := testenv.NewCA(t, "test CA"), testenv.NewCA(t, "other CA")
	for _, tc := range []struct {
		name   string
		signer *testenv.CA
	}{{"trusted", ca}, {"untrusted", other}} {
		t.Run(tc.name, func(t *testing.T) {
			cf, kf, _ := tc.signer.Issue(t, "server")
			port := freeTCPPort(t)
			_, out := startCmd(t, bin, "s_server", "-accept", "127.0.0.1:"+strconv.Itoa(port),
				"-cert", cf, "-key", kf, "-naccept", "1")
			h := newRec()
			o := callerOpts(t)
			o.TLS, _ = tlsOpts(t, ca, ca, "box")
			u := startUA(t, h, o, "tls")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var err error
			for i := 0; i < 200; i++ { // until s_server listens
				if strings.Contains(out.String(), "ACCEPT") {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			dialed := make(chan error, 1)
			go func() { _, err := u.Dial(ctx, "sips:peer@127.0.0.1:"+strconv.Itoa(port)); dialed <- err }()
			if tc.signer == ca {
				// s_server never answers: the INVITE's arrival is what counts.
				for ctx.Err() == nil && !strings.Contains(out.String(), "Content-Length") {
					time.Sleep(20 * time.Millisecond)
				}
				_ = u.Close() // ends the INVITE transaction
			}
			select {
			case err = <-dialed:
			case <-ctx.Done():
				t.Fatal("Dial did not return")
			}
			if err == nil {
				t.Fatal("s_server answered?")
			}
			got := out.String()
			if tc.signer == ca {
				if !strings.Contains(got, "INVITE sips:peer@127.0.0.1:"+strconv.Itoa(port)+" SIP/2.0") || !strings.Contains(got, "Via: SIP/2.0/TLS") {
					t.Errorf("s_server did not get our INVITE over TLS (dial: %v):\n%s", err, got)
				}
				return
			}
			if strings.Contains(got, "INVITE") {
				t.Errorf("INVITE sent to an untrusted server:\n%s", got)
			}
			var unknown x509.UnknownAuthorityError
			if !errors.As(err, &unknown) {
				t.Errorf("dial error %v", err)
			}
		})
	}
}

// freeTCPPort returns a loopback TCP port that was free a moment ago.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
