package provider

import (
	"errors"
	"fmt"
)

// Errors callers may branch on. Build wraps them with the capture, MCC or
// scene concerned.
var (
	// ErrRoom: the room is inconsistent (a duplicate name, an unknown
	// scene or media type, a device without modes, a mode beyond its
	// encoder, no bit-rate limit).
	ErrRoom = errors.New("provider: invalid room")
	// ErrGeometry: spatial information that cannot be advertised (an audio
	// area, a PTZ camera without a point of capture, an area the PTZ
	// position makes degenerate).
	ErrGeometry = errors.New("provider: invalid geometry")
	// ErrUnsupported: the room asks for something this box cannot do (a
	// composed MCC, an MCC whose constituents do not fit on their devices
	// together, more alternatives than the advertisement can list).
	ErrUnsupported = errors.New("provider: not supported")
	// ErrNoCaptures: nothing is left to advertise (RFC 8846 §5: at least one
	// mediaCapture).
	ErrNoCaptures = errors.New("provider: no captures to advertise")
	// ErrTooLarge: even with nothing disclosed the advertisement message
	// exceeds Policy.MaxMessageBytes.
	ErrTooLarge = errors.New("provider: advertisement too large")
	// ErrInvalid: the built advertisement fails model.Validate. It means a
	// bug here or geometry the configuration check let through; nothing is
	// sent.
	ErrInvalid = errors.New("provider: advertisement does not validate")
	// ErrStaticMoved: a re-advertisement moves a static capture
	// (RFC 8845 §7.1.1.4 MUST NOT during the CLUE session); the session
	// must be restarted to send it.
	ErrStaticMoved = errors.New("provider: a static capture moved")
)

func roomErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrRoom}, args...)...)
}

func wrapf(base error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{base}, args...)...)
}
