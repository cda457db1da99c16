package codec

import "math/bits"

// bitReader reads the RBSP bits of an escaped NAL unit payload, dropping
// emulation prevention bytes (the 0x03 of every 0x000003, H.264 §7.4.1) on
// the fly, so parsing needs no unescaped copy. Errors are sticky: after the
// first, every read returns 0 and err says why.
type bitReader struct {
	b     []byte
	pos   int    // next byte of b to load
	zeros int    // zero bytes just loaded, for emulation prevention
	cache uint64 // bits not yet read, MSB first
	n     uint   // number of valid bits in cache
	err   error
}

func newBitReader(b []byte) bitReader { return bitReader{b: b} }

// fill loads bytes until at least 57 bits are cached or the data ends.
func (r *bitReader) fill() {
	for r.n <= 56 && r.pos < len(r.b) {
		c := r.b[r.pos]
		r.pos++
		if r.zeros >= 2 && c == 3 {
			r.zeros = 0
			continue
		}
		if c == 0 {
			r.zeros++
		} else {
			r.zeros = 0
		}
		r.cache |= uint64(c) << (56 - r.n)
		r.n += 8
	}
}

// u reads k <= 32 bits as an unsigned number, u(k) in the standard.
func (r *bitReader) u(k uint) uint32 {
	if r.err != nil || k == 0 {
		return 0
	}
	if r.n < k {
		r.fill()
		if r.n < k {
			r.err = ErrTruncated
			return 0
		}
	}
	v := uint32(r.cache >> (64 - k))
	r.cache <<= k
	r.n -= k
	return v
}

// flag reads one bit, u(1).
func (r *bitReader) flag() bool { return r.u(1) == 1 }

// ue reads an unsigned Exp-Golomb code, ue(v) (§9.1). Codes longer than 32
// bits (values above 2^32-2) are ErrInvalid.
func (r *bitReader) ue() uint32 {
	if r.err != nil {
		return 0
	}
	if r.n < 57 {
		r.fill()
	}
	lz := uint(bits.LeadingZeros64(r.cache))
	if lz >= r.n { // no 1 bit left in the data
		if r.n >= 32 {
			r.err = ErrInvalid
		} else {
			r.err = ErrTruncated
		}
		return 0
	}
	if lz >= 32 {
		r.err = ErrInvalid
		return 0
	}
	r.cache <<= lz + 1
	r.n -= lz + 1
	return uint32((uint64(1)<<lz - 1) + uint64(r.u(lz)))
}

// se reads a signed Exp-Golomb code, se(v) (§9.1.1).
func (r *bitReader) se() int32 {
	k := r.ue()
	if k&1 == 1 {
		return int32(k/2) + 1
	}
	return -int32(k / 2)
}

// Unescape appends the RBSP of an escaped NAL unit (or payload) to dst,
// removing emulation prevention bytes, and returns the extended slice.
// With a dst of enough capacity it allocates nothing.
func Unescape(dst, src []byte) []byte {
	zeros := 0
	for _, c := range src {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		dst = append(dst, c)
	}
	return dst
}
