package visca

import (
	"errors"
	"fmt"
)

// Errors the camera reports (VISCA error replies "y0 6z ee FF", ee below)
// and malformed replies. Callers branch on ErrBufferFull (retry later) and
// ErrNotExecutable (the camera refuses in its current state); the others
// mean a bug or a broken link.
var (
	ErrMessageLength = errors.New("visca: message length error")   // ee = 01
	ErrSyntax        = errors.New("visca: syntax error")           // ee = 02
	ErrBufferFull    = errors.New("visca: command buffer full")    // ee = 03
	ErrCancelled     = errors.New("visca: command cancelled")      // ee = 04
	ErrNoSocket      = errors.New("visca: no socket")              // ee = 05
	ErrNotExecutable = errors.New("visca: command not executable") // ee = 41
	ErrCamera        = errors.New("visca: unknown camera error")   // any other ee

	// ErrBadReply: bytes that are not a VISCA reply (fatal for the
	// message, the link resynchronises at the next 0xFF).
	ErrBadReply = errors.New("visca: malformed reply")
)

// errorForCode maps an error reply's code to its sentinel.
func errorForCode(code byte) error {
	switch code {
	case 0x01:
		return ErrMessageLength
	case 0x02:
		return ErrSyntax
	case 0x03:
		return ErrBufferFull
	case 0x04:
		return ErrCancelled
	case 0x05:
		return ErrNoSocket
	case 0x41:
		return ErrNotExecutable
	}
	return fmt.Errorf("%w 0x%02x", ErrCamera, code)
}

func badReply(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadReply}, a...)...)
}

// wrap prefixes err with the device ID.
func wrap(id string, err error) error { return fmt.Errorf("visca: %s: %w", id, err) }
