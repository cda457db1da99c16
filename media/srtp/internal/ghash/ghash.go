// Package ghash is GCM's universal hash GHASH (NIST SP 800-38D §6.4) over
// whole 16-byte blocks, with no allocation per call.
//
// It exists so that media/srtp can build an AES-GCM seal (RFC 7714) that
// reads the payload where it lies, in several pieces, instead of gathering
// it into one buffer for crypto/cipher: the counter-mode part comes from
// media/srtp/internal/aesctr and the tag from here, E_K(J0) ⊕ GHASH_H(A ‖ pad
// ‖ C ‖ pad ‖ [len(A)]64 ‖ [len(C)]64), formed by the caller.
//
// On amd64 and arm64 it runs our own assembly. amd64 has two paths: with
// AVX2 and the 256-bit VPCLMULQDQ (ghash_avx2_amd64.s) two blocks share
// each multiply instruction and sixteen blocks, multiplied by H^16 … H^1
// and summed, share one reduction; with only PCLMULQDQ and SSSE3
// (ghash_amd64.s) eight blocks share a reduction. arm64 with the ARMv8
// PMULL instructions (ghash_arm64.s) does eight blocks per reduction like
// the SSE path. Everywhere else (GOARCH=arm, 386, arm64 without PMULL,
// -tags purego) a constant-time pure-Go multiplication (generic.go) runs
// one block at a time; it is also the model the tests hold the assembly to.
//
// # Representation
//
// At the API the accumulator y is exactly GCM's Y_i: 16 bytes in GCM's bit
// order (bit 7 of byte 0 is the coefficient of x^0). Inside, a block B is
// held as r(B), the 128-bit integer whose big-endian bytes are B (the
// block byte-reversed and read little-endian), so the coefficient of x^i
// sits at integer bit 127-i. Products are computed carry-less and reduced
// Montgomery-fashion by x^128 modulo g'(x) = x^128 + x^127 + x^126 + x^121
// + 1 (the bit-reflection of GCM's x^128 + x^7 + x^2 + x + 1): with
// mul(u, v) = u·v·x^-128 mod g', one has mul(r(A), r(B)·x mod g') = r(A·B),
// so Key stores the powers of H in the form r(H^k)·x mod g'. Update
// converts y in and out once per call, which costs a byte shuffle each way.
package ghash

import "encoding/binary"

// BlockSize is GHASH's block size in bytes.
const BlockSize = 16

// Key is a GHASH key H expanded for every path. It holds no per-call state,
// so one Key may be used by several goroutines at once. The zero Key (and a
// wiped one) is H = 0, for which every GHASH is zero.
type Key struct {
	// pw[i] is r(H^(16-i))·x mod g' (H^16 first, H^1 last) as {low, high}
	// 64-bit halves of the 128-bit integer, so the array's memory is its
	// little-endian bytes: block i of 16 (8) consecutive blocks is
	// multiplied by pw[i] (pw[8+i]), and any run of consecutive powers
	// ending at H^1 is contiguous. The AVX2 assembly reads all 16 powers,
	// the SSE and arm64 assembly the last 8, the generic path pw[15].
	pw [16][2]uint64
	// kar[i] is {m, m} with m = pw[i][0] ^ pw[i][1], the Karatsuba middle
	// operand, in both halves so that a 256-bit load of two serves two
	// blocks.
	kar [16][2]uint64
}

// Init sets k to the hash key h = E_K(0^128), in GCM's byte order.
func (k *Key) Init(h *[BlockSize]byte) {
	hi := binary.BigEndian.Uint64(h[:8])
	lo := binary.BigEndian.Uint64(h[8:])
	// r(H)·x mod g': shift left one bit; if x^128 fell out, add
	// g' - x^128 = x^127 + x^126 + x^121 + 1. Masked, not branched: H is secret.
	carry := -(hi >> 63)
	hi = hi<<1 | lo>>63
	lo <<= 1
	hi ^= carry & polyHigh
	lo ^= carry & 1
	k.pw[15] = [2]uint64{lo, hi}
	for i := 14; i >= 0; i-- {
		h1, l1 := mulMont(k.pw[i+1][1], k.pw[i+1][0], hi, lo)
		k.pw[i] = [2]uint64{l1, h1}
	}
	for i := range k.pw {
		m := k.pw[i][0] ^ k.pw[i][1]
		k.kar[i] = [2]uint64{m, m}
	}
}

// Wipe zeroes the key material; k is then the (useless) key H = 0 until
// re-initialised.
func (k *Key) Wipe() {
	clear(k.pw[:])
	clear(k.kar[:])
}

// Accelerated reports whether Update runs on assembly (the CPU's
// carry-less multiply) rather than the generic path.
func Accelerated() bool { return useAsm || useAVX2 }

// Update folds whole blocks into the accumulator y:
//
//	y = (...((y ⊕ B1)·H ⊕ B2)·H ... ⊕ Bn)·H
//
// for B1 … Bn = blocks. len(blocks) must be a multiple of BlockSize.
func (k *Key) Update(y *[BlockSize]byte, blocks []byte) {
	if len(blocks)%BlockSize != 0 {
		panic("ghash: input not a whole number of blocks")
	}
	n := len(blocks) / BlockSize
	if n == 0 {
		return
	}
	switch {
	case useAVX2:
		updateBlocksAVX2(k, y, &blocks[0], n)
	case useAsm:
		updateBlocks(k, y, &blocks[0], n)
	default:
		k.updateGeneric(y, blocks)
	}
}

// UpdatePadded is Update for data of any length: a trailing partial block
// is zero-padded to a whole one, as GCM pads A and C. Empty data leaves y
// as it is.
func (k *Key) UpdatePadded(y *[BlockSize]byte, data []byte) {
	whole := len(data) &^ (BlockSize - 1)
	k.Update(y, data[:whole])
	if rest := data[whole:]; len(rest) > 0 {
		var last [BlockSize]byte
		copy(last[:], rest)
		k.Update(y, last[:])
		clear(last[:])
	}
}
