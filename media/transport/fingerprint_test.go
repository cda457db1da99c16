package transport

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestParseFingerprint(t *testing.T) {
	der := []byte("not really a certificate")
	sum := sha256.Sum256(der)
	want := Fingerprint{Hash: "sha-256", Value: sum[:]}
	upper := want.String()
	if !regexp.MustCompile(`^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(upper) {
		t.Fatalf("String() = %q", upper)
	}
	for _, in := range []string{upper, strings.ToLower(upper), "SHA-256 " + upper[8:], "  " + upper + " "} {
		got, err := ParseFingerprint(in)
		if err != nil || !got.Equal(want) || !got.Supported() {
			t.Errorf("ParseFingerprint(%q) = %v, %v", in, got, err)
		}
	}
	if f, err := ParseFingerprint("sha-1 " + strings.Repeat("AB:", 19) + "AB"); err != nil || f.Supported() {
		t.Errorf("sha-1 parses but is unsupported: %v %v", f, err)
	}
	for _, bad := range []string{"", "sha-256", "sha-256 ", "sha-256 AB:CD", "sha-256 " + upper[8:] + ":", "sha-256 ABC:D", "sha-256 GG" + upper[10:], "sha-256 " + strings.ReplaceAll(upper[8:], ":", "")} {
		if _, err := ParseFingerprint(bad); !errors.Is(err, ErrBadFingerprint) {
			t.Errorf("ParseFingerprint(%q): %v, want ErrBadFingerprint", bad, err)
		}
	}
}

// RFC 8122 §5: verify against the strongest hash the peer offered; a
// missing or unsupported fingerprint aborts.
func TestVerifyFingerprint(t *testing.T) {
	der := []byte("certificate DER")
	other := []byte("another certificate")
	fp := func(h string, d []byte) Fingerprint { f, _ := FingerprintOf(d, h); return f }
	s256, s384, s512 := fp("sha-256", der), fp("sha-384", der), fp("sha-512", der)
	sum1 := Fingerprint{Hash: "sha-1", Value: bytes.Repeat([]byte{1}, 20)}
	if got := sha512.Sum384(der); !bytes.Equal(s384.Value, got[:]) {
		t.Fatal("FingerprintOf sha-384")
	}
	for _, tc := range []struct {
		name string
		sdp  []Fingerprint
		want error
	}{
		{"sha-256", []Fingerprint{s256}, nil},
		{"sha-384", []Fingerprint{s384}, nil},
		{"sha-512", []Fingerprint{s512}, nil},
		{"upper-case hash name", []Fingerprint{{Hash: "SHA-256", Value: s256.Value}}, nil},
		{"one of several certificates", []Fingerprint{fp("sha-256", other), s256}, nil},
		{"strongest hash decides", []Fingerprint{s256, fp("sha-512", other)}, ErrFingerprintMismatch},
		{"unsupported ones ignored", []Fingerprint{sum1, s256}, nil},
		{"wrong", []Fingerprint{fp("sha-256", other)}, ErrFingerprintMismatch},
		{"missing", nil, ErrNoFingerprint},
		{"only sha-1", []Fingerprint{sum1}, ErrNoFingerprint},
	} {
		if err := VerifyFingerprint(der, tc.sdp); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := FingerprintOf(der, "md5"); err == nil {
		t.Error("md5 accepted")
	}
	if matchesAnyPin(der, []Fingerprint{fp("sha-256", other)}) || !matchesAnyPin(der, []Fingerprint{fp("sha-256", other), s384}) {
		t.Error("pins")
	}
}

// FuzzParseFingerprint: SDP is untrusted. Parsing never panics, and what
// parses prints back to a value that parses to the same fingerprint.
func FuzzParseFingerprint(f *testing.F) {
	for _, s := range []string{"sha-256 " + strings.Repeat("AB:", 31) + "AB", "SHA-1 00:11", "sha-512 zz", "", " ", "md5 :"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fp, err := ParseFingerprint(s)
		if err != nil {
			if !errors.Is(err, ErrBadFingerprint) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := ParseFingerprint(fp.String())
		if err != nil || !again.Equal(fp) {
			t.Fatalf("%q -> %q does not parse back: %v", s, fp.String(), err)
		}
		_ = VerifyFingerprint([]byte(s), []Fingerprint{fp})
	})
}
