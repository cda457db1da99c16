package transport

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// Setup is an SDP a=setup value (RFC 4145 §4) as DTLS uses it
// (RFC 5763 §5, RFC 8842 §5).
type Setup string

// The a=setup values DTLS allows; "holdconn" is forbidden (RFC 8842 §5.1).
const (
	SetupActpass Setup = "actpass"
	SetupActive  Setup = "active"
	SetupPassive Setup = "passive"
)

// ParseSetup parses an a=setup value (case-insensitively, surrounding
// blanks ignored).
func ParseSetup(v string) (Setup, error) {
	switch s := Setup(strings.ToLower(strings.TrimSpace(v))); s {
	case SetupActpass, SetupActive, SetupPassive:
		return s, nil
	}
	return "", fmt.Errorf("%w: %q", ErrBadSetup, v)
}

// Role is this box's side of the DTLS handshake.
type Role uint8

// RoleNone is "no association yet"; active means DTLS client (RFC 5763 §5).
const (
	RoleNone   Role = iota
	RoleClient      // a=setup:active, sends the ClientHello
	RoleServer      // a=setup:passive, waits for it
)

func (r Role) String() string {
	switch r {
	case RoleClient:
		return "client"
	case RoleServer:
		return "server"
	}
	return "none"
}

// OfferSetup is the a=setup value of every offer this box makes, initial or
// subsequent: actpass (RFC 8842 §5.2, §5.5). The offerer must then be ready
// to receive a ClientHello before the answer arrives.
func OfferSetup() Setup { return SetupActpass }

// AnswerSetup chooses the answer's a=setup value and this box's DTLS role
// when it answers an offer carrying offer (RFC 5763 §5, RFC 8842 §5.3; the
// answerer chooses). keep is the role of an association the answer keeps
// (RoleNone for a new one): to an actpass offer the answer is active, the
// RECOMMENDED choice, unless keeping an association in which this box is
// the server, whose role must not change. To an active offer the answer is
// passive and to a passive one active, whatever keep says: if that changes
// the role, NeedsNewAssociation will say so.
func AnswerSetup(offer Setup, keep Role) (Setup, Role, error) {
	switch offer {
	case SetupActpass:
		if keep == RoleServer {
			return SetupPassive, RoleServer, nil
		}
		return SetupActive, RoleClient, nil
	case SetupActive:
		return SetupPassive, RoleServer, nil
	case SetupPassive:
		return SetupActive, RoleClient, nil
	}
	return "", RoleNone, fmt.Errorf("%w: offer %q", ErrBadSetup, offer)
}

// OffererRole is this box's DTLS role after it offered actpass and the
// answer carried answer: the answerer active makes us the server, passive
// the client. An actpass answer is invalid (RFC 4145 §4.1).
func OffererRole(answer Setup) (Role, error) {
	switch answer {
	case SetupActive:
		return RoleServer, nil
	case SetupPassive:
		return RoleClient, nil
	}
	return RoleNone, fmt.Errorf("%w: answer %q", ErrBadSetup, answer)
}

// NewTLSID returns a fresh a=tls-id value: 160 random bits in 27
// characters of the allowed alphabet (RFC 8842 §4 asks for at least 120 bits
// and 20 to 255 characters of ALPHA / DIGIT / "+" / "/" / "-" / "_").
func NewTLSID() string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("transport: no randomness: " + err.Error())
	}
	return base64.RawStdEncoding.EncodeToString(b[:])
}

// ValidTLSID reports whether v is a syntactically valid a=tls-id value
// (RFC 8842 §4).
func ValidTLSID(v string) bool {
	if len(v) < 20 || len(v) > 255 {
		return false
	}
	for _, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '+', c == '/', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// Negotiated is what one completed offer/answer exchange says about the DTLS
// association of a media description, seen from this box.
type Negotiated struct {
	Role Role
	// LocalTLSID and RemoteTLSID are the two a=tls-id values ("" when the
	// peer, a legacy endpoint, sends none; then this box sends none either,
	// RFC 8842 §5.3).
	LocalTLSID, RemoteTLSID string
	// RemoteFingerprints is the peer's a=fingerprint set.
	RemoteFingerprints []Fingerprint
	// LocalAddr and RemoteAddr are the transport addresses (the 3-tuples),
	// which decide for legacy peers without tls-id.
	LocalAddr, RemoteAddr string
}

// NeedsNewAssociation applies RFC 8842 §3.1 and §4 to a new offer/answer
// result next, given the one of the current association prev (nil when
// there is none): a new DTLS association is needed when the roles change,
// when the peer's fingerprint set changes, or when either tls-id changes
// (the pair identifies the association); same tls-ids and fingerprints keep
// it, even across an ICE restart. With a legacy peer (no tls-id on either
// exchange) a change of transport address stands in for the tls-id. A tls-id
// that appears or disappears counts as a change.
func NeedsNewAssociation(prev *Negotiated, next Negotiated) bool {
	if prev == nil || prev.Role == RoleNone {
		return true
	}
	if prev.Role != next.Role || !sameFingerprintSet(prev.RemoteFingerprints, next.RemoteFingerprints) {
		return true
	}
	prevLegacy := prev.RemoteTLSID == "" && prev.LocalTLSID == ""
	nextLegacy := next.RemoteTLSID == "" && next.LocalTLSID == ""
	switch {
	case prevLegacy && nextLegacy:
		return prev.LocalAddr != next.LocalAddr || prev.RemoteAddr != next.RemoteAddr
	case prevLegacy != nextLegacy:
		return true
	}
	return prev.LocalTLSID != next.LocalTLSID || prev.RemoteTLSID != next.RemoteTLSID
}

// sameFingerprintSet compares two fingerprint sets, order and duplicates
// ignored.
func sameFingerprintSet(a, b []Fingerprint) bool {
	contains := func(set []Fingerprint, f Fingerprint) bool {
		for _, g := range set {
			if g.Equal(f) {
				return true
			}
		}
		return false
	}
	for _, f := range a {
		if !contains(b, f) {
			return false
		}
	}
	for _, f := range b {
		if !contains(a, f) {
			return false
		}
	}
	return true
}
