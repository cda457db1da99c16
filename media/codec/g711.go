package codec

import (
	"encoding/binary"
	"math/bits"
)

// G.711 (ITU-T G.711 (11/88), "Pulse code modulation (PCM) of voice
// frequencies") and L16 (RFC 3551 §4.5.11).
//
// The encoders follow the G.711 decision tables exactly as the ITU's own
// reference software does (ITU-T G.191 Software Tools Library, module g711:
// alaw_compress, ulaw_compress): a 16-bit sample is reduced to the 13-bit
// (A-law) or 14-bit (µ-law) uniform code G.711 is defined on, negative
// samples in one's complement, and every input lying on a decision value
// goes to the interval above it. Encoders differ here: FFmpeg's
// pcm_alaw/pcm_mulaw encoders pick the nearest reconstruction level instead
// and reduce negative samples in two's complement, so they disagree with
// G.711 on 964 of the 65536 16-bit inputs, always by one quantisation step
// (see g711_test.go, which proves that property against ffmpeg). Decoding is
// unambiguous and matches ffmpeg bit for bit.
//
// All functions write into the caller's buffer and allocate nothing.

// MulawSilence and AlawSilence are the codes of a zero sample.
const (
	MulawSilence = 0xFF
	AlawSilence  = 0xD5
)

// EncodeMulaw encodes 16-bit linear samples to G.711 µ-law, one byte per
// sample, into dst, and returns the number of bytes written: len(pcm), or 0
// with ErrShortBuffer when dst is shorter.
func EncodeMulaw(dst []byte, pcm []int16) (int, error) {
	if len(dst) < len(pcm) {
		return 0, ErrShortBuffer
	}
	dst = dst[:len(pcm)]
	for i, x := range pcm {
		dst[i] = MulawFromLinear(x)
	}
	return len(pcm), nil
}

// EncodeAlaw encodes 16-bit linear samples to G.711 A-law, one byte per
// sample, into dst, and returns the number of bytes written: len(pcm), or 0
// with ErrShortBuffer when dst is shorter.
func EncodeAlaw(dst []byte, pcm []int16) (int, error) {
	if len(dst) < len(pcm) {
		return 0, ErrShortBuffer
	}
	dst = dst[:len(pcm)]
	for i, x := range pcm {
		dst[i] = AlawFromLinear(x)
	}
	return len(pcm), nil
}

// MulawFromLinear encodes one sample (G.711 Table 2a, µ-law).
//
// The 14-bit magnitude plus the bias 33 puts segment s (0..7) at
// [2^(s+5), 2^(s+6)): the segment is the bit length of magnitude>>6 and the
// four mantissa bits follow the leading one. The code is transmitted with
// every bit inverted (G.711 §3.4: "the character signal ... all bits
// inverted"), the sign bit being 1 for positive samples before inversion of
// the rest.
func MulawFromLinear(x int16) byte {
	var mag uint32
	sign := byte(0x80)
	if x < 0 {
		mag = uint32(^x) >> 2 // one's complement: -1 is "negative zero"
		sign = 0
	} else {
		mag = uint32(x) >> 2
	}
	mag += 33
	if mag > 0x1FFF {
		mag = 0x1FFF
	}
	seg := uint32(bits.Len32(mag >> 6)) // 0..7
	mant := (mag >> (seg + 1)) & 0x0F
	return sign | byte((7-seg)<<4|(15-mant))
}

// AlawFromLinear encodes one sample (G.711 Table 1a, A-law).
//
// The 12-bit magnitude (13-bit code with sign) is linear below 32 (segment
// 0 and 1 share the step) and logarithmic above; even bits are inverted on
// the line (G.711 §2.4: "alternate digit inversion", XOR 0x55).
func AlawFromLinear(x int16) byte {
	var mag uint32
	sign := byte(0x80)
	if x < 0 {
		mag = uint32(^x) >> 4
		sign = 0
	} else {
		mag = uint32(x) >> 4
	}
	var code uint32
	if mag < 32 {
		code = mag // segments 0 and 1: exponent 0 or 1 is the bit 16 itself
	} else {
		exp := uint32(bits.Len32(mag)) - 4 // 2..7
		code = exp<<4 | (mag>>(exp-1))&0x0F
	}
	return (sign | byte(code)) ^ 0x55
}

// MulawToLinear decodes one G.711 µ-law code to the 16-bit value of its
// reconstruction level (the 14-bit value shifted left by two).
func MulawToLinear(c byte) int16 {
	c = ^c
	exp := uint32(c>>4) & 7
	mant := uint32(c) & 0x0F
	// ((mant<<3) + 132) << exp - 132, in 16-bit units.
	v := int32((mant<<3+0x84)<<exp) - 0x84
	if c&0x80 != 0 {
		return int16(-v)
	}
	return int16(v)
}

// AlawToLinear decodes one G.711 A-law code to the 16-bit value of its
// reconstruction level (the 13-bit value shifted left by three).
func AlawToLinear(c byte) int16 {
	c ^= 0x55
	exp := uint32(c>>4) & 7
	mant := uint32(c) & 0x0F
	if exp > 0 {
		mant += 16
	}
	v := mant<<4 + 8
	if exp > 1 {
		v <<= exp - 1
	}
	if c&0x80 != 0 {
		return int16(v)
	}
	return -int16(v)
}

// EncodeL16 writes 16-bit linear samples in network byte order (RFC 3551
// §4.5.11, L16), two bytes per sample, into dst and returns the number of
// bytes written: 2*len(pcm), or 0 with ErrShortBuffer when dst is shorter.
// Multi-channel audio is passed interleaved, as RFC 3551 §4.3 orders it.
func EncodeL16(dst []byte, pcm []int16) (int, error) {
	n := 2 * len(pcm)
	if len(dst) < n {
		return 0, ErrShortBuffer
	}
	dst = dst[:n]
	for i, x := range pcm {
		binary.BigEndian.PutUint16(dst[2*i:], uint16(x))
	}
	return n, nil
}
