package transport

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// Fingerprint is a certificate fingerprint as SDP carries it in
// a=fingerprint (RFC 8122 §5): a hash function name and the hash of the
// certificate's DER encoding.
type Fingerprint struct {
	Hash  string // lowercase IANA "Hash Function Textual Name": "sha-256"...
	Value []byte
}

// supportedHashes lists the hash functions accepted, strongest first. MD5,
// SHA-1 and SHA-224 fingerprints are ignored.
var supportedHashes = []struct {
	name string
	new  func() hash.Hash
}{
	{"sha-512", sha512.New},
	{"sha-384", sha512.New384},
	{"sha-256", sha256.New},
}

func hashFunc(name string) func() hash.Hash {
	for _, h := range supportedHashes {
		if h.name == name {
			return h.new
		}
	}
	return nil
}

// ParseFingerprint parses an a=fingerprint attribute value such as
// "sha-256 AB:CD:...": hash names and hex digits case-insensitively. A
// fingerprint with a hash this package does not verify (sha-1...) still
// parses, and Supported reports false, so that a caller can keep it in the
// set; a malformed value is an error.
func ParseFingerprint(v string) (Fingerprint, error) {
	name, hexPart, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return Fingerprint{}, fmt.Errorf("%w: %q", ErrBadFingerprint, v)
	}
	name = strings.ToLower(name)
	hexPart = strings.TrimSpace(hexPart)
	parts := strings.Split(hexPart, ":")
	val := make([]byte, len(parts))
	for i, p := range parts {
		if len(p) != 2 {
			return Fingerprint{}, fmt.Errorf("%w: %q", ErrBadFingerprint, v)
		}
		b, err := hex.DecodeString(p)
		if err != nil {
			return Fingerprint{}, fmt.Errorf("%w: %q", ErrBadFingerprint, v)
		}
		val[i] = b[0]
	}
	fp := Fingerprint{Hash: name, Value: val}
	if h := hashFunc(name); h != nil && h().Size() != len(val) {
		return Fingerprint{}, fmt.Errorf("%w: %s needs %d bytes, got %d", ErrBadFingerprint, name, h().Size(), len(val))
	}
	return fp, nil
}

// Supported reports whether f's hash is one this package verifies.
func (f Fingerprint) Supported() bool { return hashFunc(f.Hash) != nil }

// String formats f as an a=fingerprint value: the hash name and uppercase
// hex bytes separated by colons (RFC 8122 §5).
func (f Fingerprint) String() string {
	var b strings.Builder
	b.WriteString(f.Hash)
	b.WriteByte(' ')
	for i, c := range f.Value {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// Equal compares two fingerprints, the hash name case-insensitively.
func (f Fingerprint) Equal(g Fingerprint) bool {
	return strings.EqualFold(f.Hash, g.Hash) && bytes.Equal(f.Value, g.Value)
}

// FingerprintOf computes the fingerprint of a DER certificate with the named
// hash ("sha-256", "sha-384" or "sha-512").
func FingerprintOf(der []byte, hashName string) (Fingerprint, error) {
	name := strings.ToLower(hashName)
	h := hashFunc(name)
	if h == nil {
		return Fingerprint{}, fmt.Errorf("%w: unsupported hash %q", ErrBadFingerprint, hashName)
	}
	d := h()
	d.Write(der)
	return Fingerprint{Hash: name, Value: d.Sum(nil)}, nil
}

// matches reports whether der hashes to f (f's hash must be supported).
func (f Fingerprint) matches(der []byte) bool {
	h := hashFunc(strings.ToLower(f.Hash))
	if h == nil {
		return false
	}
	d := h()
	d.Write(der)
	return subtle.ConstantTimeCompare(d.Sum(nil), f.Value) == 1
}

// VerifyFingerprint checks the peer's certificate der against its SDP
// fingerprints per RFC 8122 §5: of the fingerprints with a supported hash it
// takes those of the strongest hash offered and requires der to match one of
// them. No supported fingerprint at all is ErrNoFingerprint; no match is
// ErrFingerprintMismatch.
func VerifyFingerprint(der []byte, sdp []Fingerprint) error {
	for _, h := range supportedHashes {
		found := false
		for _, f := range sdp {
			if !strings.EqualFold(f.Hash, h.name) {
				continue
			}
			found = true
			if f.matches(der) {
				return nil
			}
		}
		if found {
			return ErrFingerprintMismatch
		}
	}
	return ErrNoFingerprint
}

// matchesAnyPin reports whether der matches at least one pinned fingerprint,
// whatever their hashes.
func matchesAnyPin(der []byte, pins []Fingerprint) bool {
	for _, p := range pins {
		if p.matches(der) {
			return true
		}
	}
	return false
}
