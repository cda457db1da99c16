package sip

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed is returned by operations on a closed [UA].
	ErrClosed = errors.New("sip: user agent closed")
	// ErrCallEnded is returned by operations on a call that has ended.
	ErrCallEnded = errors.New("sip: call ended")
	// ErrPending is returned when an offer/answer exchange is already in
	// progress on the dialog and the operation cannot be queued.
	ErrPending = errors.New("sip: request pending")
	// ErrNoTransport is returned by Dial when the UA listens on no socket of
	// the transport the target needs.
	ErrNoTransport = errors.New("sip: no listener for transport")
	// ErrServerNotPinned is the handshake error when a TLS server's
	// certificate matches none of TLSOpts.ServerFingerprints.
	ErrServerNotPinned = errors.New("sip: tls server certificate matches no pinned fingerprint")
)

// RejectedError is returned by [UA.Dial] (and [Call.Reinvite]) when the
// peer answered with a final non-2xx response.
type RejectedError struct {
	Code   int
	Reason string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("sip: rejected: %d %s", e.Code, e.Reason)
}

// StatusError lets a [SessionHandler] choose the SIP status of a refused
// offer (for example 488 with a Warning, or 400). Any other error returned
// by Answer is mapped by [Opts.ErrorStatus], then to 488.
type StatusError struct {
	Code   int
	Reason string
	Err    error
}

func (e *StatusError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("sip: %d %s: %v", e.Code, e.Reason, e.Err)
	}
	return fmt.Sprintf("sip: %d %s", e.Code, e.Reason)
}

func (e *StatusError) Unwrap() error { return e.Err }
