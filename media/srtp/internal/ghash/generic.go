package ghash

import (
	"encoding/binary"
	"math/bits"
)

// polyHigh is the high 64 bits of g' - x^128 - 1 = x^127 + x^126 + x^121,
// i.e. x^63 + x^62 + x^57: the constant both reduction steps multiply by.
const polyHigh = 0xC200000000000000

// Bit classes for clmul64: classMask[c] has the bits at positions ≡ c
// (mod 5). A product of two single-class operands has at most 13 partial
// products landing on any bit, so its carries (≤ 3 bits of count) never
// reach the next bit of the same class, five positions up.
var classMask = [5]uint64{
	0x1084210842108421,
	0x2108421084210842,
	0x4210842108421084,
	0x8421084210842108,
	0x0842108421084210,
}

// clmul64 returns the 128-bit carry-less product of x and y as hi, lo.
//
// It is constant time wherever the integer multiplier is (no table lookups,
// no branches on the operands): both operands are split into five classes
// of bits five apart, the 25 class-by-class products are made with ordinary
// 64×64→128 multiplication, and bit p of the carry-less product is the
// parity of the partial products at p, which is bit p of the sum of the
// class products whose classes add up to p mod 5 — carries from other bits
// only pollute bits of other classes, which the final masks drop.
func clmul64(x, y uint64) (hi, lo uint64) {
	var xs, ys [5]uint64
	for c := range 5 {
		xs[c] = x & classMask[c]
		ys[c] = y & classMask[c]
	}
	var zh, zl [5]uint64
	for a := range 5 {
		for b := range 5 {
			h, l := bits.Mul64(xs[a], ys[b])
			c := (a + b) % 5
			zh[c] ^= h
			zl[c] ^= l
		}
	}
	for c := range 5 {
		lo |= zl[c] & classMask[c]
		// Bit q of the high word is bit 64+q of the product, of class
		// (q+4) mod 5: class c's high-word bits are class (c+1)'s low ones.
		hi |= zh[c] & classMask[(c+1)%5]
	}
	return hi, lo
}

// mulMont returns (a·b)·x^-128 mod g' for 128-bit a = ah:al, b = bh:bl
// (see the package comment): a Karatsuba carry-less product, then two
// Montgomery steps of 64 bits each.
func mulMont(ah, al, bh, bl uint64) (hi, lo uint64) {
	h1, h0 := clmul64(ah, bh)
	l1, l0 := clmul64(al, bl)
	m1, m0 := clmul64(ah^al, bh^bl)
	m1 ^= h1 ^ l1
	m0 ^= h0 ^ l0
	// The 256-bit product p3:p2:p1:p0.
	p0 := l0
	p1 := l1 ^ m0
	p2 := h0 ^ m1
	p3 := h1
	// Because g' ≡ 1 (mod x^64), adding p0·g' clears the low word:
	// p + p0·g' = (p3:p2:p1 ⊕ p0·x^64 ⊕ p0·c)·x^64 with c = polyHigh.
	t1, t0 := mulPoly(p0)
	p1 ^= t0
	p2 ^= p0 ^ t1
	// Again with the new low word p1; p3:p2 is then the exact result.
	t1, t0 = mulPoly(p1)
	p2 ^= t0
	p3 ^= p1 ^ t1
	return p3, p2
}

// mulPoly returns the carry-less product x·polyHigh = x·(x^63 + x^62 + x^57)
// as hi, lo, by shifts.
func mulPoly(x uint64) (hi, lo uint64) {
	lo = x<<63 ^ x<<62 ^ x<<57
	hi = x>>1 ^ x>>2 ^ x>>7
	return hi, lo
}

// updateGeneric is Update in pure Go, one block at a time.
func (k *Key) updateGeneric(y *[BlockSize]byte, blocks []byte) {
	hh, hl := k.pw[15][1], k.pw[15][0]
	yh := binary.BigEndian.Uint64(y[:8])
	yl := binary.BigEndian.Uint64(y[8:])
	for ; len(blocks) >= BlockSize; blocks = blocks[BlockSize:] {
		yh ^= binary.BigEndian.Uint64(blocks[:8])
		yl ^= binary.BigEndian.Uint64(blocks[8:16])
		yh, yl = mulMont(yh, yl, hh, hl)
	}
	binary.BigEndian.PutUint64(y[:8], yh)
	binary.BigEndian.PutUint64(y[8:], yl)
}
