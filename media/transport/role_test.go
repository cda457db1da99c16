package transport

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSetup(t *testing.T) {
	for in, want := range map[string]Setup{"actpass": SetupActpass, "ACTIVE": SetupActive, " passive ": SetupPassive} {
		if got, err := ParseSetup(in); err != nil || got != want {
			t.Errorf("ParseSetup(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"holdconn", "", "act pass", "client"} {
		if _, err := ParseSetup(in); !errors.Is(err, ErrBadSetup) {
			t.Errorf("ParseSetup(%q): %v, want ErrBadSetup", in, err)
		}
	}
}

// RFC 5763 §5, RFC 8842 §5.2–5.3: the offerer says actpass, the answerer
// chooses; active is the DTLS client.
func TestAnswerSetup(t *testing.T) {
	for _, tc := range []struct {
		offer  Setup
		keep   Role
		answer Setup
		role   Role
	}{
		{SetupActpass, RoleNone, SetupActive, RoleClient},    // RECOMMENDED: answerer active
		{SetupActpass, RoleClient, SetupActive, RoleClient},  // re-offer, keep client
		{SetupActpass, RoleServer, SetupPassive, RoleServer}, // re-offer, keep server
		{SetupActive, RoleNone, SetupPassive, RoleServer},    // legacy offerer insists on active
		{SetupActive, RoleClient, SetupPassive, RoleServer},  // forced role change
		{SetupPassive, RoleNone, SetupActive, RoleClient},
		{SetupPassive, RoleServer, SetupActive, RoleClient},
	} {
		answer, role, err := AnswerSetup(tc.offer, tc.keep)
		if err != nil || answer != tc.answer || role != tc.role {
			t.Errorf("AnswerSetup(%s, keep %v) = %s, %v, %v; want %s, %v", tc.offer, tc.keep, answer, role, err, tc.answer, tc.role)
		}
	}
	if _, _, err := AnswerSetup("holdconn", RoleNone); !errors.Is(err, ErrBadSetup) {
		t.Errorf("holdconn offer: %v", err)
	}
	if got := OfferSetup(); got != SetupActpass {
		t.Errorf("OfferSetup = %s", got)
	}
}

func TestOffererRole(t *testing.T) {
	for _, tc := range []struct {
		answer Setup
		role   Role
		ok     bool
	}{
		{SetupActive, RoleServer, true},
		{SetupPassive, RoleClient, true},
		{SetupActpass, RoleNone, false}, // RFC 4145 §4.1: an answer must not be actpass
		{"", RoleNone, false},
	} {
		role, err := OffererRole(tc.answer)
		if role != tc.role || (err == nil) != tc.ok {
			t.Errorf("OffererRole(%q) = %v, %v", tc.answer, role, err)
		}
	}
}

func TestTLSID(t *testing.T) {
	a, b := NewTLSID(), NewTLSID()
	if a == b || !ValidTLSID(a) || !ValidTLSID(b) {
		t.Fatalf("NewTLSID: %q %q", a, b)
	}
	for v, want := range map[string]bool{
		"abc3de65cddef001be82":   true, // RFC 8842 §4 example
		"abc3de65cddef001be8":    false,
		strings.Repeat("a", 255): true,
		strings.Repeat("a", 256): false,
		"abc3de65cddef001be82=":  false,
		"abc3de65+cdd/ef0_1-be8": true,
	} {
		if got := ValidTLSID(v); got != want {
			t.Errorf("ValidTLSID(%q) = %v", v, got)
		}
	}
}

// RFC 8842 §3.1, §4, §5.5: when a re-offer/answer keeps the association.
func TestNeedsNewAssociation(t *testing.T) {
	fp1 := Fingerprint{Hash: "sha-256", Value: make([]byte, 32)}
	fp2 := Fingerprint{Hash: "sha-256", Value: append(make([]byte, 31), 1)}
	fp1upper := Fingerprint{Hash: "SHA-256", Value: make([]byte, 32)}
	cur := Negotiated{Role: RoleClient, LocalTLSID: "local-tls-id-aaaaaaaaaa", RemoteTLSID: "remote-tls-id-bbbbbbbbb",
		RemoteFingerprints: []Fingerprint{fp1}, LocalAddr: "10.0.0.1:5000", RemoteAddr: "10.0.0.2:6000"}
	legacy := cur
	legacy.LocalTLSID, legacy.RemoteTLSID = "", ""
	with := func(base Negotiated, f func(*Negotiated)) Negotiated { f(&base); return base }

	for _, tc := range []struct {
		name string
		prev *Negotiated
		next Negotiated
		want bool
	}{
		{"initial", nil, cur, true},
		{"same tls-ids, same fingerprints: keep", &cur, cur, false},
		{"same, fingerprint hash name in other case", &cur, with(cur, func(n *Negotiated) { n.RemoteFingerprints = []Fingerprint{fp1upper} }), false},
		{"same tls-ids, new address (ICE restart): keep", &cur, with(cur, func(n *Negotiated) { n.RemoteAddr = "10.0.0.9:7000" }), false},
		{"remote tls-id changed", &cur, with(cur, func(n *Negotiated) { n.RemoteTLSID = "remote-tls-id-ccccccccc" }), true},
		{"local tls-id changed", &cur, with(cur, func(n *Negotiated) { n.LocalTLSID = "local-tls-id-dddddddddd" }), true},
		{"role changed", &cur, with(cur, func(n *Negotiated) { n.Role = RoleServer }), true},
		{"fingerprint changed", &cur, with(cur, func(n *Negotiated) { n.RemoteFingerprints = []Fingerprint{fp2} }), true},
		{"fingerprint added", &cur, with(cur, func(n *Negotiated) { n.RemoteFingerprints = []Fingerprint{fp1, fp2} }), true},
		{"fingerprint set reordered", &Negotiated{Role: RoleClient, LocalTLSID: cur.LocalTLSID, RemoteTLSID: cur.RemoteTLSID, RemoteFingerprints: []Fingerprint{fp1, fp2}},
			with(cur, func(n *Negotiated) { n.RemoteFingerprints = []Fingerprint{fp2, fp1} }), false},
		{"tls-id disappears", &cur, legacy, true},
		{"tls-id appears", &legacy, cur, true},
		{"legacy, same transport: keep", &legacy, legacy, false},
		{"legacy, new remote address", &legacy, with(legacy, func(n *Negotiated) { n.RemoteAddr = "10.0.0.2:6002" }), true},
		{"legacy, new local port", &legacy, with(legacy, func(n *Negotiated) { n.LocalAddr = "10.0.0.1:5002" }), true},
		{"previous never established", &Negotiated{}, cur, true},
	} {
		if got := NeedsNewAssociation(tc.prev, tc.next); got != tc.want {
			t.Errorf("%s: NeedsNewAssociation = %v, want %v", tc.name, got, tc.want)
		}
	}
}
