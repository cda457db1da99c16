package codec

import (
	"errors"
	"fmt"
)

// ErrNotSPS: ParseSPS was given a NAL unit that is not a sequence parameter
// set.
var ErrNotSPS = errors.New("codec: not an SPS NAL unit")

// ErrTruncated: the bitstream ended inside a syntax element.
var ErrTruncated = errors.New("codec: bitstream truncated")

// ErrInvalid: a syntax element has a value the standard does not allow or
// cluecam cannot represent (an Exp-Golomb code longer than 32 bits, a crop
// larger than the picture).
var ErrInvalid = errors.New("codec: invalid bitstream")

// Errors of the JPEG header parser and the audio encoders.

// ErrShortBuffer: the caller's destination buffer cannot hold the output.
// Nothing was written or consumed.
var ErrShortBuffer = errors.New("codec: destination buffer too short")

// ErrJPEGUnsupported: the image is valid JPEG but cannot be carried by RFC
// 2435 (progressive or lossless coding, 12-bit samples, a sampling other
// than 4:2:2 or 4:2:0, not three components, a picture larger than
// 2040x2040, Huffman tables other than the standard ones). Callers branch
// on it to fall back to re-encoding or to refuse the capture mode.
var ErrJPEGUnsupported = errors.New("codec: jpeg not representable in RFC 2435")

// ErrJPEGMalformed: the bytes are not a well-formed baseline JPEG
// interchange format stream (a segment runs past the end, a marker is
// missing or in the wrong place, a table is referenced but not defined).
var ErrJPEGMalformed = errors.New("codec: malformed jpeg")

// JPEGError says which marker segment of a JPEG frame is wrong and where:
// Offset is the offset of the segment's 0xFF marker prefix in the frame (or
// of the offending byte when there is no marker). It wraps
// ErrJPEGMalformed or ErrJPEGUnsupported.
type JPEGError struct {
	Marker byte // the marker code (0xC0 for SOF0, 0xDA for SOS...), 0 if none
	Offset int
	Reason string
	Err    error
}

func (e *JPEGError) Error() string {
	if e.Marker == 0 {
		return fmt.Sprintf("codec: jpeg at offset %d: %s", e.Offset, e.Reason)
	}
	return fmt.Sprintf("codec: jpeg %s marker (0xff%02x) at offset %d: %s", markerName(e.Marker), e.Marker, e.Offset, e.Reason)
}

func (e *JPEGError) Unwrap() error { return e.Err }
