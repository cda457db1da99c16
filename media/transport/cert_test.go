package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cluecam/cluecam/internal/testenv"
)

func TestCertificatePersistence(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "identity")
	c1, err := LoadOrCreateCertificate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(c1.SDPFingerprint()) {
		t.Fatalf("fingerprint %q", c1.SDPFingerprint())
	}
	key, ok := c1.TLS.PrivateKey.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		t.Fatalf("key %T", c1.TLS.PrivateKey)
	}
	for name, want := range map[string]os.FileMode{KeyFile: 0o600, CertFile: 0o644} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want mode %v", name, st.Mode(), err, want)
		}
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v", st.Mode())
	}

	// Reloaded on the next start: same identity.
	c2, err := LoadOrCreateCertificate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c2.SDPFingerprint() != c1.SDPFingerprint() {
		t.Fatal("identity changed across restarts")
	}

	// A key made world-readable is tightened.
	os.Chmod(filepath.Join(dir, KeyFile), 0o644)
	if _, err := LoadOrCreateCertificate(dir); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(filepath.Join(dir, KeyFile)); st.Mode().Perm() != 0o600 {
		t.Errorf("key mode not tightened: %v", st.Mode())
	}

	// A lost certificate is re-made for the same key.
	os.Remove(filepath.Join(dir, CertFile))
	c3, err := LoadOrCreateCertificate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !c3.TLS.PrivateKey.(*ecdsa.PrivateKey).Equal(key) {
		t.Error("key replaced when only the certificate was missing")
	}

	// A lost key is an error, not a silent new identity.
	os.Remove(filepath.Join(dir, KeyFile))
	if _, err := LoadOrCreateCertificate(dir); !errors.Is(err, ErrIdentityIncomplete) {
		t.Errorf("certificate without key: %v", err)
	}

	// Garbage is an error.
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, KeyFile), []byte("junk"), 0o600)
	if _, err := LoadOrCreateCertificate(bad); err == nil {
		t.Error("junk key accepted")
	}
	// A certificate for another key is refused.
	mixed := t.TempDir()
	LoadOrCreateCertificate(mixed)
	other := t.TempDir()
	LoadOrCreateCertificate(other)
	b, _ := os.ReadFile(filepath.Join(other, CertFile))
	os.WriteFile(filepath.Join(mixed, CertFile), b, 0o644)
	if _, err := LoadOrCreateCertificate(mixed); err == nil {
		t.Error("certificate of another key accepted")
	}
	// No temporary files left behind.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("left %s", e.Name())
		}
	}
}

// Our fingerprint of our certificate is what OpenSSL computes.
func TestFingerprintMatchesOpenSSL(t *testing.T) {
	openssl := testenv.NeedCommand(t, "openssl")
	dir := t.TempDir()
	c, err := LoadOrCreateCertificate(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"sha256", "sha384", "sha512"} {
		out, err := exec.Command(openssl, "x509", "-noout", "-fingerprint", "-"+h, "-in", filepath.Join(dir, CertFile)).Output()
		if err != nil {
			t.Fatal(err)
		}
		// "sha256 Fingerprint=AB:CD:..." (older versions: "SHA256 Fingerprint=").
		_, val, _ := strings.Cut(strings.TrimSpace(string(out)), "=")
		fp, err := FingerprintOf(c.TLS.Certificate[0], "sha-"+h[3:])
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimPrefix(fp.String(), fp.Hash+" "); got != val {
			t.Errorf("%s: ours %s, openssl %s", h, got, val)
		}
	}
}
