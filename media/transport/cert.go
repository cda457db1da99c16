package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// File names of the box's DTLS identity in its directory.
const (
	CertFile = "dtls-cert.pem" // the self-signed certificate, 0644
	KeyFile  = "dtls-key.pem"  // its ECDSA P-256 private key (PKCS #8), 0600
)

// Certificate is the box's DTLS identity: one self-signed ECDSA P-256
// certificate that stays the same across restarts, so peers can pin its
// fingerprint (RFC 5763 §5: certificates need not change per call).
type Certificate struct {
	TLS         tls.Certificate
	Fingerprint Fingerprint // sha-256, for a=fingerprint
}

// SDPFingerprint is the a=fingerprint value: "sha-256 AB:CD:...".
func (c *Certificate) SDPFingerprint() string { return c.Fingerprint.String() }

// LoadOrCreateCertificate loads the identity stored in dir, or creates and
// stores one on the first start (dir is created 0700 if missing). The key
// is written with mode 0600 (tightened on load if it was wider), each file
// through a temporary file and a rename so that a power cut leaves either
// the old state or the new one. A key without a certificate gets a new
// certificate for the same key; a certificate without its key is
// ErrIdentityIncomplete (the identity, and any pins on it, are lost: remove
// the certificate to start afresh).
func LoadOrCreateCertificate(dir string) (*Certificate, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("transport: identity directory: %w", err)
	}
	keyPath, certPath := filepath.Join(dir, KeyFile), filepath.Join(dir, CertFile)
	keyPEM, keyErr := os.ReadFile(keyPath)
	certPEM, certErr := os.ReadFile(certPath)
	switch {
	case keyErr != nil && !errors.Is(keyErr, fs.ErrNotExist):
		return nil, fmt.Errorf("transport: reading %s: %w", keyPath, keyErr)
	case certErr != nil && !errors.Is(certErr, fs.ErrNotExist):
		return nil, fmt.Errorf("transport: reading %s: %w", certPath, certErr)
	case keyErr != nil && certErr == nil:
		return nil, fmt.Errorf("%w: %s has no %s", ErrIdentityIncomplete, certPath, keyPath)
	}

	var key *ecdsa.PrivateKey
	if keyErr == nil {
		if err := tightenMode(keyPath); err != nil {
			return nil, err
		}
		k, err := parseKey(keyPEM)
		if err != nil {
			return nil, fmt.Errorf("transport: %s: %w", keyPath, err)
		}
		key = k
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("transport: generating key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, err
		}
		if err := writeFileAtomic(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, err
		}
		key, certErr = k, fs.ErrNotExist // a new key always gets a new certificate
	}

	var certDER []byte
	if certErr == nil {
		b, _ := pem.Decode(certPEM)
		if b == nil || b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("transport: %s: no PEM certificate", certPath)
		}
		certDER = b.Bytes
	} else {
		der, err := selfSign(key)
		if err != nil {
			return nil, err
		}
		if err := writeFileAtomic(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
			return nil, err
		}
		certDER = der
	}
	return newCertificate(certDER, key)
}

func newCertificate(certDER []byte, key *ecdsa.PrivateKey) (*Certificate, error) {
	leaf, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, fmt.Errorf("transport: dtls certificate: %w", err)
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, errors.New("transport: dtls certificate does not belong to its key")
	}
	fp, _ := FingerprintOf(certDER, "sha-256")
	return &Certificate{
		TLS:         tls.Certificate{Certificate: [][]byte{certDER}, PrivateKey: key, Leaf: leaf},
		Fingerprint: fp,
	}, nil
}

func parseKey(b []byte) (*ecdsa.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("no PEM block")
	}
	var k any
	var err error
	switch blk.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(blk.Bytes)
	default:
		return nil, fmt.Errorf("unexpected PEM block %q", blk.Type)
	}
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, errors.New("not an ECDSA P-256 key")
	}
	return ek, nil
}

// selfSign makes the box's certificate. Its validity does not depend on the
// clock, which on a board without a battery-backed RTC may read 1970 at
// first boot: from 2000 to 9999-12-31 23:59:59, RFC 5280 §4.1.2.5's "no
// well-defined expiration date". Peers verify it by fingerprint, not by
// chain or dates (RFC 5763 §5).
func selfSign(key *ecdsa.PrivateKey) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "cluecam"},
		NotBefore:             time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		SignatureAlgorithm:    x509.ECDSAWithSHA256,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("transport: self-signing: %w", err)
	}
	return der, nil
}

// tightenMode makes the key file private (0600) if it was readable by others.
func tightenMode(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return fmt.Errorf("transport: making %s private: %w", path, err)
		}
	}
	return nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, synced and renamed, then syncs the directory.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("transport: writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
			err = fmt.Errorf("transport: writing %s: %w", path, err)
		}
	}()
	if err = f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // best effort: not every filesystem syncs directories
		d.Close()
	}
	return nil
}
