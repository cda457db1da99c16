//go:build (amd64 || arm64) && !purego

package aesctr

import "crypto/subtle"

// ctrBlocks XORs n whole blocks of src with the AES-CTR keystream that
// starts at counter block *ctr and writes them to dst (dst == src is
// allowed; otherwise they must not overlap). rk holds the round keys
// rk[0..nr] as expandKey lays them out and nr is 10, 12 or 14. The counter
// is the whole 16-byte block as a big-endian integer, incremented mod 2^128
// after each block; *ctr itself is not updated. Written in assembly per
// GOARCH (ctr_amd64.s: AES-NI, eight blocks in flight, or VAES on YMM or ZMM
// registers, sixteen or thirty-two, as ctrPath selects; ctr_arm64.s: ARMv8
// AESE/AESMC, eight blocks in flight).
//
//go:noescape
func ctrBlocks(rk *byte, nr int, dst, src *byte, n int, ctr *[BlockSize]byte)

// zeroBlock is the input from which ctrBlocks makes one block of bare keystream.
var zeroBlock [BlockSize]byte

// initAsm expands key for the assembly path and reports whether that path
// is in use (the CPU has the AES instructions).
func (c *Cipher) initAsm(key []byte) bool {
	if !useAsm {
		return false
	}
	c.nr = expandKey(&c.rk, key)
	return true
}

// xorAsm is XORKeyStreamAt on the assembly path: a partial first block
// (off not a multiple of 16) and a partial last block go through a
// keystream block on the stack, the whole blocks between straight from src
// to dst.
func (c *Cipher) xorAsm(dst, src []byte, iv *[BlockSize]byte, off int) {
	ctr := *iv
	add(&ctr, uint64(off/BlockSize))
	var ks [BlockSize]byte
	if skip := off % BlockSize; skip != 0 && len(src) > 0 {
		ctrBlocks(&c.rk[0], c.nr, &ks[0], &zeroBlock[0], 1, &ctr)
		increment(&ctr)
		n := subtle.XORBytes(dst, src, ks[skip:])
		dst, src = dst[n:], src[n:]
	}
	if n := len(src) / BlockSize; n > 0 {
		ctrBlocks(&c.rk[0], c.nr, &dst[0], &src[0], n, &ctr)
		add(&ctr, uint64(n))
		dst, src = dst[n*BlockSize:], src[n*BlockSize:]
	}
	if len(src) > 0 {
		ctrBlocks(&c.rk[0], c.nr, &ks[0], &zeroBlock[0], 1, &ctr)
		subtle.XORBytes(dst, src, ks[:])
	}
	clear(ks[:])
}
