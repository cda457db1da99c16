package srtp

import "errors"

// Reason says why a packet was rejected.
type Reason uint8

// The reasons a packet is rejected. Each has a counter in [Stats].
const (
	// ReasonTooShort: the packet is shorter than its header plus the
	// authentication tag (a truncated packet).
	ReasonTooShort Reason = iota + 1
	// ReasonMalformed: not version 2, or a header that claims more bytes
	// than the packet has.
	ReasonMalformed
	// ReasonUnknownSSRC: the SSRC is not bound to this receiver.
	ReasonUnknownSSRC
	// ReasonReplay: the packet index was already accepted, or lies behind
	// the replay window (RFC 3711 §3.3.2).
	ReasonReplay
	// ReasonAuth: the authentication tag does not verify (forged, corrupted,
	// or sealed with another key).
	ReasonAuth
	numReasons
)

// Error is the error of a rejected packet. The package only returns the
// pre-allocated values below, so rejecting a flood allocates nothing; compare
// with errors.Is or read Reason after errors.As. Rejections are never fatal
// to the context: drop the packet and go on.
type Error struct {
	Reason Reason
	msg    string
}

func (e *Error) Error() string { return e.msg }

// Errors for rejected packets.
var (
	ErrTooShort    = &Error{ReasonTooShort, "srtp: packet too short (truncated)"}
	ErrMalformed   = &Error{ReasonMalformed, "srtp: malformed packet header"}
	ErrUnknownSSRC = &Error{ReasonUnknownSSRC, "srtp: unknown ssrc"}
	ErrReplay      = &Error{ReasonReplay, "srtp: replayed or too old packet"}
	ErrAuth        = &Error{ReasonAuth, "srtp: authentication failed"}
)

// Errors for misuse and end of life; these are the caller's to handle.
var (
	// ErrShortBuffer: dst lacks the capacity for the output. The package
	// never grows a buffer behind the caller's back.
	ErrShortBuffer = errors.New("srtp: destination buffer too small")
	// ErrOverlap: dst overlaps an input other than exactly in place.
	ErrOverlap = errors.New("srtp: buffers overlap")
	// ErrClosed: the context was closed and its keys destroyed.
	ErrClosed = errors.New("srtp: context closed")
	// ErrKeyExhausted: 2^48 SRTP or 2^31 SRTCP packets were protected with
	// this key; a new key is required (RFC 3711 §9.2). Fatal for the context.
	ErrKeyExhausted = errors.New("srtp: packet index exhausted, re-key required")
	// ErrSSRCMismatch: the header's SSRC is not the stream's.
	ErrSSRCMismatch = errors.New("srtp: header ssrc differs from the stream's")
	// ErrProfile: an unknown protection profile.
	ErrProfile = errors.New("srtp: unsupported protection profile")
	// ErrKeyLength: a master key or salt of the wrong length for the profile.
	ErrKeyLength = errors.New("srtp: wrong master key or salt length")
)
