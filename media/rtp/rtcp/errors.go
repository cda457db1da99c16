package rtcp

import "errors"

// Parse errors. All are per packet and non-fatal to the session: the
// receiver drops the datagram (RFC 3550 Appendix A.2 validity checks).
var (
	// ErrTruncated: a header, length field or item runs past the data.
	ErrTruncated = errors.New("rtcp: truncated packet")
	// ErrVersion: the version field is not 2.
	ErrVersion = errors.New("rtcp: version is not 2")
	// ErrPadding: the padding count is zero or larger than the packet.
	ErrPadding = errors.New("rtcp: bad padding")
	// ErrType: an accessor was used on a packet of another type or format.
	ErrType = errors.New("rtcp: wrong packet type for this accessor")
	// ErrFormat: the packet's fields are inconsistent (a report count that
	// does not match the length, a REMB without its identifier).
	ErrFormat = errors.New("rtcp: malformed packet body")
)
