package transport

// Interoperability with an independent DTLS-SRTP implementation: OpenSSL's
// s_server and s_client, each against our endpoint in the other role, over
// loopback UDP. OpenSSL prints the RFC 5764 keying material it exports
// (-keymatexport EXTRACTOR-dtls_srtp); ours must be the same bytes, and our
// SRTP contexts must use the right halves of it.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/internal/testenv"
	"github.com/cluecam/cluecam/media/srtp"
)

// opensslProfile is OpenSSL's name of each profile (-use_srtp).
var opensslProfile = map[srtp.Profile]string{
	srtp.ProfileAES128CMSHA1_80: "SRTP_AES128_CM_SHA1_80",
	srtp.ProfileAES128CMSHA1_32: "SRTP_AES128_CM_SHA1_32",
	srtp.ProfileAEADAES128GCM:   "SRTP_AEAD_AES_128_GCM",
	srtp.ProfileAEADAES256GCM:   "SRTP_AEAD_AES_256_GCM",
}

type opensslPeer struct {
	cert, key string
	fp        Fingerprint // computed by the test, handed to us as the SDP fingerprint
}

// newOpenSSLPeer makes OpenSSL's own self-signed ECDSA certificate.
func newOpenSSLPeer(t *testing.T, openssl string) opensslPeer {
	t.Helper()
	dir := t.TempDir()
	p := opensslPeer{cert: filepath.Join(dir, "peer.crt"), key: filepath.Join(dir, "peer.key")}
	out, err := exec.Command(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
		"-nodes", "-keyout", p.key, "-out", p.cert, "-days", "2", "-subj", "/CN=openssl-peer").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl req: %v\n%s", err, out)
	}
	b, err := os.ReadFile(p.cert)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("no PEM certificate from openssl req")
	}
	if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
		t.Fatal(err)
	}
	p.fp, _ = FingerprintOf(blk.Bytes, "sha-256")
	return p
}

// opensslProc is a running s_server or s_client whose output is scanned.
type opensslProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	out   bytes.Buffer
	lines chan string
}

func startOpenSSL(t *testing.T, openssl string, args ...string) *opensslProc {
	t.Helper()
	p := &opensslProc{cmd: exec.Command(openssl, args...), lines: make(chan string, 1024)}
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		pw.Close()
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		p.stdin.Close()
		p.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("openssl %s output:\n%s", args[0], p.output())
		}
	})
	return p
}

func (p *opensslProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitFor returns the first submatch of re in the output, within ctx.
func (p *opensslProc) waitFor(ctx context.Context, re *regexp.Regexp) (string, error) {
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				return "", fmt.Errorf("openssl exited before %v", re)
			}
			if m := re.FindStringSubmatch(l); m != nil {
				if len(m) > 1 {
					return m[1], nil
				}
				return m[0], nil
			}
		case <-ctx.Done():
			return "", fmt.Errorf("waiting for %v: %w", re, ctx.Err())
		}
	}
}

var (
	reAccept  = regexp.MustCompile(`^ACCEPT`)
	reKeyMat  = regexp.MustCompile(`Keying material: ([0-9A-Fa-f]+)`)
	reDone    = regexp.MustCompile(`^DONE`)
	reBadCert = regexp.MustCompile(`alert bad certificate`)
)

func srtpArgs(p srtp.Profile) []string {
	return []string{"-dtls1_2", "-use_srtp", opensslProfile[p],
		"-keymatexport", exporterLabel, "-keymatexportlen", fmt.Sprint(p.KeyingMaterialLen())}
}

// freeUDPPort finds a loopback port for s_server.
func freeUDPPort(t *testing.T) int {
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// pushback replays the first datagram, read by the test to learn the peer's
// address, to the DTLS server.
type pushback struct {
	net.PacketConn
	mu    sync.Mutex
	first []byte
	from  net.Addr
}

func (p *pushback) ReadFrom(b []byte) (int, net.Addr, error) {
	p.mu.Lock()
	if first := p.first; first != nil {
		p.first = nil
		p.mu.Unlock()
		return copy(b, first), p.from, nil
	}
	p.mu.Unlock()
	return p.PacketConn.ReadFrom(b)
}

// checkKeys asserts that our exported keying material is OpenSSL's, and that
// our Sender and Receiver use our and the peer's halves of it.
func checkKeys(t *testing.T, a *Association, ours []byte, theirsHex string) {
	t.Helper()
	theirs, err := hex.DecodeString(theirsHex)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, theirs) {
		t.Fatalf("keying material differs:\n ours    %X\n openssl %X", ours, theirs)
	}
	p := a.Profile()
	k, s := p.KeyLen(), p.SaltLen()
	clientKey, serverKey := theirs[:k], theirs[k:2*k]
	clientSalt, serverSalt := theirs[2*k:2*k+s], theirs[2*k+s:]
	localKey, localSalt, remoteKey, remoteSalt := clientKey, clientSalt, serverKey, serverSalt
	if a.Role() == RoleServer {
		localKey, localSalt, remoteKey, remoteSalt = serverKey, serverSalt, clientKey, clientSalt
	}
	// What we send, the peer opens with OpenSSL's view of our write key.
	peerRecv, err := srtp.NewReceiver(p, localKey, localSalt, &srtp.ReceiverOpts{SSRCs: []uint32{1}})
	if err != nil {
		t.Fatal(err)
	}
	sealOpen(t, a.Sender(), peerRecv, 1)
	// What the peer sends with its write key, we open.
	peerSend, err := srtp.NewSender(p, remoteKey, remoteSalt)
	if err != nil {
		t.Fatal(err)
	}
	sealOpen(t, peerSend, a.Receiver(), 2)
}

// We are the DTLS client (a=setup:active), OpenSSL's s_server the server.
func TestOpenSSLServer(t *testing.T) {
	openssl := testenv.NeedCommand(t, "openssl")
	peer := newOpenSSLPeer(t, openssl)
	box := newIdentity(t)
	for _, p := range []srtp.Profile{srtp.ProfileAES128CMSHA1_80, srtp.ProfileAES128CMSHA1_32, srtp.ProfileAEADAES128GCM, srtp.ProfileAEADAES256GCM} {
		t.Run(p.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			port := freeUDPPort(t)
			srv := startOpenSSL(t, openssl, append([]string{"s_server", "-accept", fmt.Sprintf("127.0.0.1:%d", port),
				"-cert", peer.cert, "-key", peer.key, "-verify", "1"}, srtpArgs(p)...)...)
			if _, err := srv.waitFor(ctx, reAccept); err != nil {
				t.Fatal(err)
			}
			var km []byte
			a, err := Handshake(ctx, listenUDP(t), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}, RoleClient, &Config{
				Certificate: box, RemoteFingerprints: []Fingerprint{peer.fp}, Profiles: []srtp.Profile{p},
				Receiver:         &srtp.ReceiverOpts{SSRCs: []uint32{2}},
				onKeyingMaterial: func(b []byte) { km = bytes.Clone(b) },
			})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if a.Profile() != p {
				t.Fatalf("negotiated %v", a.Profile())
			}
			theirs, err := srv.waitFor(ctx, reKeyMat)
			if err != nil {
				t.Fatal(err)
			}
			checkKeys(t, a, km, theirs)

			// We end the association: keys go first, then our close_notify
			// reaches OpenSSL, whose SSL_read then returns 0 ("DONE").
			// (The other direction is tested with s_client below: s_server
			// shuts its UDP socket before its own close_notify can leave.)
			a.Close()
			if _, err := a.Sender().Stream(3); !errors.Is(err, srtp.ErrClosed) {
				t.Errorf("keys alive after Close: %v", err)
			}
			if _, err := srv.waitFor(ctx, reDone); err != nil {
				t.Fatalf("OpenSSL did not see our close alert: %v", err)
			}
		})
	}
}

// We are the DTLS server (a=setup:passive), OpenSSL's s_client the client.
func TestOpenSSLClient(t *testing.T) {
	openssl := testenv.NeedCommand(t, "openssl")
	peer := newOpenSSLPeer(t, openssl)
	box := newIdentity(t)
	for _, p := range []srtp.Profile{srtp.ProfileAES128CMSHA1_80, srtp.ProfileAES128CMSHA1_32, srtp.ProfileAEADAES128GCM, srtp.ProfileAEADAES256GCM} {
		t.Run(p.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			conn := listenUDP(t)
			cli := startOpenSSL(t, openssl, append([]string{"s_client", "-connect", conn.LocalAddr().String(),
				"-cert", peer.cert, "-key", peer.key}, srtpArgs(p)...)...)

			// Learn the client's address from its first ClientHello.
			first := make([]byte, 2048)
			conn.SetReadDeadline(time.Now().Add(testTimeout))
			n, from, err := conn.ReadFrom(first)
			if err != nil {
				t.Fatal(err)
			}
			conn.SetReadDeadline(time.Time{})
			var km []byte
			a, err := Handshake(ctx, &pushback{PacketConn: conn, first: first[:n], from: from}, from, RoleServer, &Config{
				Certificate: box, RemoteFingerprints: []Fingerprint{peer.fp}, Profiles: []srtp.Profile{p},
				Receiver:         &srtp.ReceiverOpts{SSRCs: []uint32{2}},
				onKeyingMaterial: func(b []byte) { km = bytes.Clone(b) },
			})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			theirs, err := cli.waitFor(ctx, reKeyMat)
			if err != nil {
				t.Fatal(err)
			}
			checkKeys(t, a, km, theirs)

			// OpenSSL ends the session (stdin EOF: s_client's SSL_shutdown
			// sends close_notify); the association ends and its keys go.
			cli.stdin.Close()
			select {
			case <-a.Done():
			case <-ctx.Done():
				t.Fatal("OpenSSL's close alert did not end the association")
			}
			if _, err := a.Sender().Stream(3); !errors.Is(err, srtp.ErrClosed) {
				t.Errorf("keys alive after the close alert: %v", err)
			}
		})
	}
}

// A wrong SDP fingerprint, or a configured pin the certificate does not
// match (even though the SDP fingerprint does), aborts the handshake with
// OpenSSL in either role and no SRTP key is ever derived.
func TestOpenSSLRefused(t *testing.T) {
	openssl := testenv.NeedCommand(t, "openssl")
	peer := newOpenSSLPeer(t, openssl)
	stranger := newOpenSSLPeer(t, openssl)
	box := newIdentity(t)
	p := srtp.ProfileAES128CMSHA1_80
	for _, tc := range []struct {
		name string
		role Role
		sdp  []Fingerprint
		pins []Fingerprint
		want error
	}{
		{"client, wrong fingerprint", RoleClient, []Fingerprint{stranger.fp}, nil, ErrFingerprintMismatch},
		{"client, pin mismatch", RoleClient, []Fingerprint{peer.fp}, []Fingerprint{stranger.fp}, ErrPinMismatch},
		{"server, wrong fingerprint", RoleServer, []Fingerprint{stranger.fp}, nil, ErrFingerprintMismatch},
		{"server, pin mismatch", RoleServer, []Fingerprint{peer.fp}, []Fingerprint{stranger.fp}, ErrPinMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			exported := false
			cfg := &Config{Certificate: box, RemoteFingerprints: tc.sdp, Pins: tc.pins, Profiles: []srtp.Profile{p},
				onKeyingMaterial: func([]byte) { exported = true }}
			var err error
			var proc *opensslProc
			if tc.role == RoleClient {
				port := freeUDPPort(t)
				proc = startOpenSSL(t, openssl, append([]string{"s_server", "-accept", fmt.Sprintf("127.0.0.1:%d", port),
					"-cert", peer.cert, "-key", peer.key, "-verify", "1"}, srtpArgs(p)...)...)
				if _, werr := proc.waitFor(ctx, reAccept); werr != nil {
					t.Fatal(werr)
				}
				_, err = Handshake(ctx, listenUDP(t), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}, RoleClient, cfg)
			} else {
				conn := listenUDP(t)
				proc = startOpenSSL(t, openssl, append([]string{"s_client", "-connect", conn.LocalAddr().String(),
					"-cert", peer.cert, "-key", peer.key}, srtpArgs(p)...)...)
				first := make([]byte, 2048)
				conn.SetReadDeadline(time.Now().Add(testTimeout))
				n, from, rerr := conn.ReadFrom(first)
				if rerr != nil {
					t.Fatal(rerr)
				}
				conn.SetReadDeadline(time.Time{})
				_, err = Handshake(ctx, &pushback{PacketConn: conn, first: first[:n], from: from}, from, RoleServer, cfg)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("handshake: %v, want %v", err, tc.want)
			}
			if exported {
				t.Fatal("SRTP keying material was exported")
			}
			// OpenSSL learns why: our bad_certificate alert (RFC 5246
			// §7.2.2, alert 42) ends its side of the handshake.
			if _, err := proc.waitFor(ctx, reBadCert); err != nil {
				t.Errorf("OpenSSL did not get a bad_certificate alert: %v", err)
			}
		})
	}
}
