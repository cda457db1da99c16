package protocol

import "strconv"

// Code is a CLUE response code (RFC 8847 §5.7): three decimal digits whose
// first digit gives the class.
type Code uint16

// RFC 8847 §5.7, Table 1: the response codes defined for version 1 (IANA
// "CLUE Response Codes" registry, RFC 8847 §12.4.2).
const (
	// CodeSuccess: the request has been successfully processed.
	CodeSuccess Code = 200
	// CodeLowLevelError: a generic low-level request error has occurred.
	// Sent for messages over the size or depth limit, with a DTD, or not in
	// UTF-8 (limits of this implementation, see [ParseOpts]).
	CodeLowLevelError Code = 300
	// CodeBadSyntax: the XML syntax of the message is not correct. Sent for
	// XML that is not well formed and for structures the schema (RFC 8847
	// §9) does not allow: missing, repeated, misplaced or unknown elements.
	CodeBadSyntax Code = 301
	// CodeInvalidValue: the message contains an invalid parameter value (a
	// value outside its XML schema type, e.g. a sequenceNr that is not a
	// positive integer, a malformed version, protocol other than "CLUE").
	CodeInvalidValue Code = 302
	// CodeConflictingValues: the message contains values that cannot be used
	// together (e.g. two supportedVersions of one major, RFC 8847 §5.1).
	CodeConflictingValues Code = 303
	// CodeSemanticErrors: the message contains semantic errors (a generic
	// protocol-semantics error, e.g. a message for a role the peer did not
	// negotiate, or a configure the MP state machine cannot accept).
	CodeSemanticErrors Code = 400
	// CodeVersionNotSupported: the protocol version used in the message is
	// not supported (no common version in options; a "v" other than the
	// negotiated one afterwards).
	CodeVersionNotSupported Code = 401
	// CodeInvalidSequencing: unexpected sequence number (gap, repeat,
	// outdated), RFC 8847 §5.
	CodeInvalidSequencing Code = 402
	// CodeInvalidIdentifier: the clueId used in the message is invalid or
	// unknown.
	CodeInvalidIdentifier Code = 403
	// CodeAdvertisementExpired: the advertisement a configure refers to is
	// out of date.
	CodeAdvertisementExpired Code = 404
	// CodeSubsetChoiceNotAllowed: a subset choice was requested for a
	// Multiple Content Capture that does not allow it (RFC 8846 §11.9).
	CodeSubsetChoiceNotAllowed Code = 405
)

type codeInfo struct {
	reason, description string
}

// RFC 8847 §5.7 Table 1, reason strings and descriptions verbatim.
var codeTable = map[Code]codeInfo{
	200: {"Success", "The request has been successfully processed."},
	300: {"Low-level request error", "A generic low-level request error has occurred."},
	301: {"Bad syntax", "The XML syntax of the message is not correct."},
	302: {"Invalid value", "The message contains an invalid parameter value."},
	303: {"Conflicting values", "The message contains values that cannot be used together."},
	400: {"Semantic errors", "The received CLUE protocol message contains semantic errors."},
	401: {"Version not supported", "The protocol version used in the message is not supported."},
	402: {"Invalid sequencing", "The received message contains an unexpected sequence number (e.g., sequence number gap, repeated sequence number, or sequence number outdated)."},
	403: {"Invalid identifier", "The clueId used in the message is invalid or unknown."},
	404: {"Advertisement expired", "The sequence number of the advertisement the 'configure' message refers to is out of date."},
	405: {"Subset choice not allowed", "The subset choice is not allowed for the specified Multiple Content Capture."},
}

// Codes returns every response code of RFC 8847 Table 1, in ascending order.
func Codes() []Code {
	return []Code{200, 300, 301, 302, 303, 400, 401, 402, 403, 404, 405}
}

// Class returns the first digit of c.
func (c Code) Class() int { return int(c) / 100 }

// IsSuccess reports whether c is in the success class 2xx. RFC 8847 §5.7:
// "Response codes beginning with "2" are associated with successful responses."
func (c Code) IsSuccess() bool { return c >= 200 && c <= 299 }

// IsError reports whether c is a well-formed error code. RFC 8847 §5.7:
// codes that begin with neither "2" nor "1" indicate an error.
func (c Code) IsError() bool { return c >= 300 && c <= 999 }

// Known reports whether c is one of the codes defined in RFC 8847 Table 1.
func (c Code) Known() bool { _, ok := codeTable[c]; return ok }

// ValidFor reports whether c may appear in a message of protocol major
// version major. RFC 8847 §9 responseCodeType: pattern [1-9][0-9][0-9].
// RFC 8847 §5.7: codes starting with "1" and "5" through "9" "are not allowed
// in major version 1"; codes starting with "0" are never allowed.
func (c Code) ValidFor(major uint32) bool {
	if c < 100 || c > 999 {
		return false
	}
	if major == 1 {
		return c.Class() >= 2 && c.Class() <= 4
	}
	return true
}

// Reason returns the reason string of Table 1 for c; for a code Table 1 does
// not define it returns the reason of its class's generic code (x00), as
// RFC 8847 §5.7 says new codes "MUST respect the semantics of the first code
// digit".
func (c Code) Reason() string {
	if i, ok := codeTable[c]; ok {
		return i.reason
	}
	if i, ok := codeTable[Code(c.Class()*100)]; ok {
		return i.reason
	}
	return "Unknown"
}

// Description returns the description of Table 1 for c ("" when undefined).
func (c Code) Description() string { return codeTable[c].description }

// String returns "404 Advertisement expired".
func (c Code) String() string {
	return strconv.Itoa(int(c)) + " " + c.Reason()
}
