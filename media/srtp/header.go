package srtp

import (
	"encoding/binary"
	"unsafe"
)

const (
	rtpFixedHeaderLen = 12 // RFC 3550 §5.1
	rtcpHeaderLen     = 8  // RFC 3711 §3.4: the first header and sender SSRC stay clear
	srtcpIndexLen     = 4  // E flag and 31-bit SRTCP index
	srtcpEFlag        = 0x80
	maxSRTCPIndex     = 1<<31 - 1
	maxRTPIndex       = 1<<48 - 1
)

// rtpHeaderLen returns the length of the RTP header at the start of b: the
// fixed header, the CSRC list and the header extension (RFC 3550 §5.1,
// §5.3.1). With SRTP these are all in the clear and authenticated
// (RFC 3711 §3.1, Figure 1).
func rtpHeaderLen(b []byte) (int, error) {
	if len(b) < rtpFixedHeaderLen {
		return 0, ErrTooShort
	}
	if b[0]>>6 != 2 {
		return 0, ErrMalformed
	}
	n := rtpFixedHeaderLen + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 {
		if len(b) < n+4 {
			return 0, ErrTooShort
		}
		n += 4 + 4*int(binary.BigEndian.Uint16(b[n+2:]))
	}
	if len(b) < n {
		return 0, ErrTooShort
	}
	return n, nil
}

func rtpSeq(b []byte) uint16  { return binary.BigEndian.Uint16(b[2:]) }
func rtpSSRC(b []byte) uint32 { return binary.BigEndian.Uint32(b[8:]) }

// rtcpCheck validates the first RTCP header of a (compound) packet: version 2
// and at least the 8 bytes that stay in the clear.
func rtcpCheck(b []byte) error {
	if len(b) < rtcpHeaderLen {
		return ErrTooShort
	}
	if b[0]>>6 != 2 {
		return ErrMalformed
	}
	return nil
}

func rtcpSSRC(b []byte) uint32 { return binary.BigEndian.Uint32(b[4:]) }

// extend returns dst grown by n bytes within its capacity, and where the new
// bytes start.
func extend(dst []byte, n int) ([]byte, int, error) {
	off := len(dst)
	if cap(dst)-off < n {
		return nil, 0, ErrShortBuffer
	}
	return dst[:off+n], off, nil
}

// inexactOverlap reports whether x and y share memory without starting at
// the same address (the only overlap the transforms allow is exactly in
// place). Same as crypto/internal/fips140/alias.InexactOverlap.
func inexactOverlap(x, y []byte) bool {
	if len(x) == 0 || len(y) == 0 || &x[0] == &y[0] {
		return false
	}
	return anyOverlap(x, y)
}

func anyOverlap(x, y []byte) bool {
	return len(x) > 0 && len(y) > 0 &&
		uintptr(unsafe.Pointer(&x[0])) <= uintptr(unsafe.Pointer(&y[len(y)-1])) &&
		uintptr(unsafe.Pointer(&y[0])) <= uintptr(unsafe.Pointer(&x[len(x)-1]))
}
