package sip

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"hash"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// SIP over TLS (RFC 3261 §26.2.1, §26.3.1; RFC 5630).
//
// As a client (we dial a registrar, proxy or peer) the server's
// certificate must chain to TLSOpts.CAFile (or the system roots) and name
// the host we dialled (a DNS or IP subjectAltName, RFC 5922 §7.2; sip: URI
// subjectAltNames are not consulted). When ServerFingerprints is set the
// leaf certificate must also match one of them: a pin narrows whom the CA
// may vouch for, it never replaces the CA check. As a server we present
// TLSOpts.CertFile/KeyFile and do not ask for client certificates: callers
// prove who they are with digest (RFC 3261 §22), which works across proxies.

// tlsHandshakeTimeout bounds how long an accepted connection may take to
// complete its handshake, so idle half-open connections cannot pile up. A
// variable for tests.
var tlsHandshakeTimeout = 10 * time.Second

// TLSOpts configures SIP over TLS (cluecam.toml [sip.tls]).
type TLSOpts struct {
	// CAFile is a PEM bundle of the CAs that sign the servers we connect
	// to; "" means the system roots.
	CAFile string
	// RootCAs, when not nil, is used instead of CAFile.
	RootCAs *x509.CertPool
	// ServerFingerprints pins server certificates, each "sha-256 AB:CD:…"
	// (the SDP a=fingerprint notation, RFC 8122 §5; sha-256, sha-384 or
	// sha-512). When not empty a server whose leaf certificate matches none
	// is refused even though a CA signed it.
	ServerFingerprints []string
	// CertFile and KeyFile are the box's own certificate chain and key
	// (PEM), presented by Listen("tls") and to servers that ask for a
	// client certificate.
	CertFile, KeyFile string
	// Certificates, when not empty, is used instead of CertFile/KeyFile.
	Certificates []tls.Certificate
}

// fingerprint is a parsed pin.
type fingerprint struct {
	hash  string // "sha-256", "sha-384", "sha-512"
	value []byte
}

func newHash(name string) hash.Hash {
	switch name {
	case "sha-256":
		return sha256.New()
	case "sha-384":
		return sha512.New384()
	case "sha-512":
		return sha512.New()
	}
	return nil
}

// parseFingerprint parses "sha-256 AB:CD:…" (hash name and hex digits
// case-insensitive), the notation of RFC 8122 §5 also used for DTLS.
func parseFingerprint(s string) (fingerprint, error) {
	name, hexPart, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return fingerprint{}, fmt.Errorf("sip: fingerprint %q: want \"sha-256 AB:CD:...\"", s)
	}
	name = strings.ToLower(name)
	h := newHash(name)
	if h == nil {
		return fingerprint{}, fmt.Errorf("sip: fingerprint %q: unsupported hash %q (sha-256, sha-384, sha-512)", s, name)
	}
	parts := strings.Split(strings.TrimSpace(hexPart), ":")
	val := make([]byte, 0, len(parts))
	for _, p := range parts {
		b, err := hex.DecodeString(p)
		if len(p) != 2 || err != nil {
			return fingerprint{}, fmt.Errorf("sip: fingerprint %q: bad hex byte %q", s, p)
		}
		val = append(val, b[0])
	}
	if len(val) != h.Size() {
		return fingerprint{}, fmt.Errorf("sip: fingerprint %q: %s needs %d bytes, got %d", s, name, h.Size(), len(val))
	}
	return fingerprint{hash: name, value: val}, nil
}

func (f fingerprint) matches(der []byte) bool {
	h := newHash(f.hash)
	h.Write(der)
	return subtle.ConstantTimeCompare(h.Sum(nil), f.value) == 1
}

// CertFingerprint returns the "sha-256 AB:CD:…" fingerprint of a DER
// certificate, the form ServerFingerprints takes.
func CertFingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	var b strings.Builder
	b.WriteString("sha-256 ")
	for i, c := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// tlsConfigs builds the client (dialling) and server (Listen) configs.
// server is nil when no certificate is configured.
func (o *TLSOpts) configs() (client, server *tls.Config, err error) {
	pool := o.RootCAs
	if pool == nil && o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, nil, fmt.Errorf("sip: tls ca_file: %w", err)
		}
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("sip: tls ca_file %s holds no PEM certificate", o.CAFile)
		}
	}
	pins := make([]fingerprint, 0, len(o.ServerFingerprints))
	for _, s := range o.ServerFingerprints {
		f, err := parseFingerprint(s)
		if err != nil {
			return nil, nil, err
		}
		pins = append(pins, f)
	}
	certs := o.Certificates
	if len(certs) == 0 && (o.CertFile != "" || o.KeyFile != "") {
		c, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("sip: tls certificate: %w", err)
		}
		certs = []tls.Certificate{c}
	}
	client = &tls.Config{
		RootCAs:      pool, // nil: system roots
		Certificates: certs,
		MinVersion:   tls.VersionTLS12,
	}
	if len(pins) > 0 {
		// Runs after the normal chain and host name verification.
		client.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return ErrServerNotPinned
			}
			leaf := cs.PeerCertificates[0].Raw
			for _, p := range pins {
				if p.matches(leaf) {
					return nil
				}
			}
			return fmt.Errorf("%w (%s)", ErrServerNotPinned, CertFingerprint(leaf))
		}
	}
	if len(certs) > 0 {
		server = &tls.Config{Certificates: certs, MinVersion: tls.VersionTLS12}
	}
	return client, server, nil
}

// tlsListener hands sipgo TLS connections whose handshake is bounded by
// tlsHandshakeTimeout (it runs on the connection's first Read).
type tlsListener struct {
	net.Listener
	conf    *tls.Config
	timeout time.Duration
}

func (l tlsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &handshakeConn{Conn: tls.Server(c, l.conf), timeout: l.timeout}, nil
}

type handshakeConn struct {
	*tls.Conn
	timeout time.Duration
	once    sync.Once
	err     error
}

func (c *handshakeConn) Read(b []byte) (int, error) {
	c.once.Do(func() {
		_ = c.Conn.SetDeadline(time.Now().Add(c.timeout))
		c.err = c.Conn.Handshake()
		_ = c.Conn.SetDeadline(time.Time{})
	})
	if c.err != nil {
		return 0, c.err
	}
	return c.Conn.Read(b)
}

// isSIPS reports whether a URI scheme is sips (case-insensitive, RFC 3261
// §19.1.4).
func isSIPS(scheme string) bool { return strings.EqualFold(scheme, "sips") }
