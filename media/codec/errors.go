package codec

import "errors"

// ErrNotSPS: ParseSPS was given a NAL unit that is not a sequence parameter
// set.
var ErrNotSPS = errors.New("codec: not an SPS NAL unit")

// ErrTruncated: the bitstream ended inside a syntax element.
var ErrTruncated = errors.New("codec: bitstream truncated")

// ErrInvalid: a syntax element has a value the standard does not allow or
// cluecam cannot represent (an Exp-Golomb code longer than 32 bits, a crop
// larger than the picture).
var ErrInvalid = errors.New("codec: invalid bitstream")
