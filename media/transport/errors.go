package transport

import "errors"

// Errors callers branch on. Handshake failures wrap them; each aborts the
// association (fatal): no SRTP key is derived.
var (
	// ErrNoFingerprint: the SDP gave no a=fingerprint with a hash this box
	// supports (sha-256, sha-384, sha-512). RFC 8842 §5.1: the fingerprint
	// is mandatory.
	ErrNoFingerprint = errors.New("transport: no usable a=fingerprint for the peer")
	// ErrFingerprintMismatch: the peer's certificate does not match its SDP
	// fingerprint (RFC 8122 §5); the session must be torn down.
	ErrFingerprintMismatch = errors.New("transport: peer certificate does not match its a=fingerprint")
	// ErrPinMismatch: the peer's certificate matches none of the configured
	// pinned fingerprints.
	ErrPinMismatch = errors.New("transport: peer certificate matches no pinned fingerprint")
	// ErrNoPeerCertificate: the peer sent no certificate.
	ErrNoPeerCertificate = errors.New("transport: peer sent no certificate")
	// ErrNoSRTPProfile: the handshake completed without an SRTP protection
	// profile both sides support.
	ErrNoSRTPProfile = errors.New("transport: no common SRTP protection profile")
	// ErrClosed: the association has ended.
	ErrClosed = errors.New("transport: association closed")
	// ErrBadFingerprint: an a=fingerprint value that does not parse.
	ErrBadFingerprint = errors.New("transport: malformed fingerprint")
	// ErrBadSetup: an a=setup value that is not active, passive or actpass,
	// or a combination of offer and answer that gives no DTLS client.
	ErrBadSetup = errors.New("transport: invalid a=setup")
	// ErrIdentityIncomplete: the certificate file exists but its key does
	// not; the box's DTLS identity cannot be restored.
	ErrIdentityIncomplete = errors.New("transport: dtls certificate without its private key")
)
