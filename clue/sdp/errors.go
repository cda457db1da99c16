package sdp

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinels callers may test with errors.Is. Every *Error wraps one.
var (
	// ErrSyntax: the text is not SDP (RFC 4566 grammar) or an attribute
	// value does not match its ABNF.
	ErrSyntax = errors.New("sdp: syntax error")
	// ErrTooLarge: the SDP exceeds ParseOpts.MaxBytes.
	ErrTooLarge = errors.New("sdp: description too large")
	// ErrNotDTLSSRTP: an RTP m-line is not keyed by DTLS-SRTP (RTP/AVP,
	// RTP/SAVP with SDES a=crypto, …). CLUE-controlled media MUST use
	// DTLS-SRTP (RFC 8848 §11); the box sends SRTP only. SIP 488.
	ErrNotDTLSSRTP = errors.New("sdp: media not protected by DTLS-SRTP")
	// ErrCLUEGroup: the CLUE group is broken (no or several data channels,
	// several CLUE groups; RFC 8848 §4.1, §4.2).
	ErrCLUEGroup = errors.New("sdp: invalid CLUE group")
	// ErrLabel: a CLUE encoding lacks a=label or two CLUE-controlled m-lines
	// share one (RFC 8848 §4.4.1).
	ErrLabel = errors.New("sdp: invalid a=label")
	// ErrMID: a=mid missing, duplicated or not a token (RFC 5888 §4).
	ErrMID = errors.New("sdp: invalid a=mid")
	// ErrSetup: a=setup has an unknown or forbidden value (RFC 4145 §4,
	// RFC 8842 §5.1).
	ErrSetup = errors.New("sdp: invalid a=setup")
	// ErrFingerprint: a=fingerprint missing or malformed (RFC 8122 §5,
	// RFC 5763 §5).
	ErrFingerprint = errors.New("sdp: invalid a=fingerprint")
	// ErrTLSID: a=tls-id malformed (RFC 8842 §4).
	ErrTLSID = errors.New("sdp: invalid a=tls-id")
	// ErrICE: ICE attributes missing or malformed (RFC 8839 §5).
	ErrICE = errors.New("sdp: invalid ICE attributes")
	// ErrSCTP: a=sctp-port or a=max-message-size missing or malformed
	// (RFC 8841 §5, §6).
	ErrSCTP = errors.New("sdp: invalid SCTP attributes")
	// ErrDCMap: a=dcmap malformed or inconsistent (RFC 8864 §5.1, §6).
	ErrDCMap = errors.New("sdp: invalid a=dcmap")
	// ErrExtMap: a=extmap malformed or an ID used twice (RFC 8285 §5, §7).
	ErrExtMap = errors.New("sdp: invalid a=extmap")
	// ErrCodec: a=rtpmap / a=fmtp / payload type malformed.
	ErrCodec = errors.New("sdp: invalid payload format")
	// ErrBundle: a BUNDLE group is inconsistent (RFC 9143).
	ErrBundle = errors.New("sdp: invalid BUNDLE group")
	// ErrDirection: conflicting direction attributes (RFC 3264 §5.1).
	ErrDirection = errors.New("sdp: invalid direction")
	// ErrAnswerMismatch: an answer does not correspond to its offer
	// (RFC 3264 §6, §6.1; RFC 5888 §9; RFC 9143 §7.3; RFC 8864 §6.4).
	ErrAnswerMismatch = errors.New("sdp: answer does not match the offer")
	// ErrNoMedia: nothing offered can be accepted (RFC 3264 §6). SIP 488.
	ErrNoMedia = errors.New("sdp: no acceptable media")
	// ErrLocal: the local description or capabilities handed to this
	// package are inconsistent; a bug of the caller, not the peer's fault.
	ErrLocal = errors.New("sdp: invalid local description")
)

// Class tells the SIP layer how to refuse an offer whose SDP failed.
type Class uint8

const (
	// Malformed: the SDP breaks the grammar or a structural MUST of an
	// RFC (RFC 3261 §21.4.1: 400 Bad Request).
	Malformed Class = iota + 1
	// NotAcceptable: well-formed SDP that the box will not accept: no
	// DTLS-SRTP, nothing in common (RFC 3261 §21.4.26: 488 Not Acceptable
	// Here, with a Warning header, RFC 3261 §20.43).
	NotAcceptable
	// Internal: our own inputs were inconsistent (ErrLocal): 500.
	Internal
)

func (c Class) String() string {
	switch c {
	case Malformed:
		return "malformed"
	case NotAcceptable:
		return "not acceptable"
	case Internal:
		return "internal"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// Status is the SIP response code for the class: 400, 488 or 500.
func (c Class) Status() int {
	switch c {
	case Malformed:
		return 400
	case NotAcceptable:
		return 488
	}
	return 500
}

// Error is one problem found in an SDP, with where and why.
type Error struct {
	Class   Class
	Err     error  // the sentinel, for errors.Is
	Line    int    // 1-based line in the SDP text; 0 when unknown
	MLine   int    // 0-based m-line index; -1 for the session level
	Attr    string // the field or attribute concerned: "m=", "a=fingerprint", …
	Msg     string
	Section string // the rule's source, e.g. "RFC 8841 §5.1"
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("sdp: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.MLine >= 0 {
		fmt.Fprintf(&b, "m-line %d: ", e.MLine)
	}
	if e.Attr != "" {
		b.WriteString(e.Attr)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Section != "" {
		b.WriteString(" (")
		b.WriteString(e.Section)
		b.WriteString(")")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Status is the SIP response code that refuses an offer failing with e.
func (e *Error) Status() int { return e.Class.Status() }

// WarnCode is the RFC 3261 §20.43 warn-code for the Warning header of a
// 488 (or 400) response: 302 incompatible transport protocol, 305
// incompatible media format, 306 attribute not understood, 399 otherwise.
func (e *Error) WarnCode() int {
	switch {
	case errors.Is(e.Err, ErrNotDTLSSRTP):
		return 302
	case errors.Is(e.Err, ErrNoMedia), errors.Is(e.Err, ErrCodec):
		return 305
	case errors.Is(e.Err, ErrSyntax), errors.Is(e.Err, ErrSetup), errors.Is(e.Err, ErrFingerprint),
		errors.Is(e.Err, ErrTLSID), errors.Is(e.Err, ErrSCTP), errors.Is(e.Err, ErrDCMap),
		errors.Is(e.Err, ErrExtMap):
		return 306
	}
	return 399
}

// Errors is every fatal problem of one SDP, in document order.
type Errors []*Error

func (es Errors) Error() string {
	switch len(es) {
	case 0:
		return "sdp: no error"
	case 1:
		return es[0].Error()
	}
	var b strings.Builder
	b.WriteString(es[0].Error())
	fmt.Fprintf(&b, " (and %d more:", len(es)-1)
	for _, e := range es[1:] {
		b.WriteString(" ")
		b.WriteString(strings.TrimPrefix(e.Error(), "sdp: "))
		b.WriteString(";")
	}
	b.WriteString(")")
	return b.String()
}

// Unwrap lets errors.Is and errors.As see every problem.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Status is 400 if any problem is Malformed, else 488 if any is
// NotAcceptable, else 500.
func (es Errors) Status() int {
	has := func(c Class) bool {
		for _, e := range es {
			if e.Class == c {
				return true
			}
		}
		return false
	}
	switch {
	case has(Malformed):
		return 400
	case has(NotAcceptable):
		return 488
	}
	return 500
}

// Status maps any error returned by this package to the SIP response that
// refuses the offer: 400 for malformed SDP, 488 for unacceptable SDP, 500
// for anything else.
func Status(err error) int {
	var es Errors
	if errors.As(err, &es) {
		return es.Status()
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Status()
	}
	return 500
}

// Warning is a deviation from the RFCs that this package tolerates (the
// readings of DIGEST §9), or the reason an m-line cannot be used.
type Warning struct {
	Line    int
	MLine   int // -1: session level
	Attr    string
	Msg     string
	Section string
}

func (w Warning) String() string {
	e := Error{Line: w.Line, MLine: w.MLine, Attr: w.Attr, Msg: w.Msg, Section: w.Section}
	return "warning: " + strings.TrimPrefix(e.Error(), "sdp: ")
}

func localErr(format string, args ...any) error {
	return &Error{Class: Internal, Err: ErrLocal, MLine: -1, Msg: fmt.Sprintf(format, args...)}
}
