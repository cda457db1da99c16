package protocol

import (
	"errors"
	"fmt"
)

// Errors callers branch on.
var (
	// ErrNotAllowed: a local decision (Advertise, Configure, ...) that the
	// current state of the machine does not accept. Nothing was done.
	ErrNotAllowed = errors.New("protocol: not allowed in the current state")
	// ErrStale: a local decision refers to an advertisement or configure
	// that has since been superseded. Nothing was done.
	ErrStale = errors.New("protocol: decision refers to a superseded message")
	// ErrSeqExhausted: a sequence-number counter reached 2^64-1 (see
	// [Counter]). Fatal for the CLUE session.
	ErrSeqExhausted = errors.New("protocol: sequence numbers exhausted")
	// ErrChannelLost: the CLUE data channel failed or the session ended
	// (RFC 8847 §6 "channel error / session ends").
	ErrChannelLost = errors.New("protocol: CLUE channel lost")
	// ErrTimeout: a supervision timer expired (RFC 8847 §6 OPTIONS timeouts;
	// our response supervision).
	ErrTimeout = errors.New("protocol: timeout")
	// ErrInvalidMessage: Marshal was given a message that cannot be encoded
	// as a schema-valid document.
	ErrInvalidMessage = errors.New("protocol: invalid message")
	// ErrInvalidCode: a local decision gave a response code that cannot be
	// sent there (e.g. a 2xx NACK, or a code outside the classes allowed in
	// major version 1, RFC 8847 §5.7).
	ErrInvalidCode = errors.New("protocol: invalid response code")
	// ErrInvalidOpts: New was given inconsistent options.
	ErrInvalidOpts = errors.New("protocol: invalid options")
)

var (
	errVersionSyntax = errors.New("protocol: version does not match [1-9][0-9]*\\.[0-9]+")
	errVersionRange  = errors.New("protocol: version component out of range")
)

// ParseError reports why a received message was rejected by [Parse]. Code is
// the response code to send back (RFC 8847 §5.7; always a 3xx: the problem is
// in the XML content). Partial holds whatever the parser had read before the
// error (its Kind and header are what a state machine needs to address a
// response), or is nil when the root element was not recognised. A ParseError
// is not fatal: the message is rejected, the session goes on (except during
// the initiation phase, where the state machine ends it).
type ParseError struct {
	Code      Code
	Line, Col int
	Msg       string
	Partial   Message
	Err       error
}

func (e *ParseError) Error() string {
	s := fmt.Sprintf("protocol: line %d:%d: %s: %s", e.Line, e.Col, e.Code, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ParseError) Unwrap() error { return e.Err }

// Fatal reports whether the error ends the CLUE session by itself: never for
// a parse error (the state machine decides, see [ProtocolError]).
func (e *ParseError) Fatal() bool { return false }

// ProtocolError is what the state machines report in [Action].Err: a response
// code (what we sent, or would have sent, or what the peer sent), whether the
// CLUE session ends because of it, and why.
type ProtocolError struct {
	Code  Code
	Fatal bool
	Msg   string
	Err   error
}

func (e *ProtocolError) Error() string {
	s := "protocol: "
	if e.Code != 0 {
		s += e.Code.String() + ": "
	}
	s += e.Msg
	if e.Fatal {
		s += " (fatal)"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ProtocolError) Unwrap() error { return e.Err }

func protoErr(code Code, fatal bool, err error, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Fatal: fatal, Msg: fmt.Sprintf(format, args...), Err: err}
}

// errorf wraps base with a formatted detail: "protocol: invalid message: …".
func errorf(base error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{base}, args...)...)
}

// asErr returns pe as an error, nil (not a typed nil) when pe is nil.
func asErr(pe *ParseError) error {
	if pe == nil {
		return nil
	}
	return pe
}
