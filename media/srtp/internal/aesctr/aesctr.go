// Package aesctr is AES in counter mode over a whole buffer from a
// caller-supplied 128-bit initial counter block, with no allocation per call.
//
// It exists because crypto/cipher.NewCTR allocates a 512-byte stream per call
// (the stream copies the expanded key), and SRTP needs a fresh counter for
// every packet (RFC 3711 §4.1.1).
//
// On amd64 with AES-NI and arm64 with the ARMv8 AES instructions it runs our
// own assembly (ctr_amd64.s, ctr_arm64.s) over our own key schedule
// (keyschedule.go): eight counter blocks are encrypted in flight at a time,
// round by round, so the latency of each AES round instruction hides behind
// the other seven blocks, and XORed straight from src to dst. On amd64 CPUs
// with VAES the same is done two blocks per YMM register (sixteen in flight)
// or, with AVX-512, four per ZMM register (thirty-two in flight), chosen at
// run time (cpu_amd64.go). Everywhere else
// (Pi 3/4's Cortex-A53/A72 lack the instructions; GOARCH=arm and 386 have no
// assembly; -tags purego) it encrypts eight counter blocks at a time with
// crypto/aes into a pooled keystream buffer and XORs it in, which is what
// crypto/cipher's CTR does there too.
//
// The counter is the whole 128-bit block incremented as a big-endian integer,
// exactly as crypto/cipher.NewCTR does.
package aesctr

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"errors"
	"sync"
)

// BlockSize is the AES block size in bytes.
const BlockSize = 16

var errKeySize = errors.New("aesctr: key must be 16, 24 or 32 bytes")

// Cipher is an AES key ready for counter-mode encryption. It holds no
// per-call state, so one Cipher may be used by several goroutines at once.
type Cipher struct {
	block cipher.Block // generic path; nil on the assembly path, when wiped or uninitialised

	// Assembly path: nr is the number of rounds (10, 12 or 14; 0 when not in
	// use) and rk the round keys rk[0..nr], 16 bytes each (expandKey).
	nr int
	rk [maxRoundKeys * BlockSize]byte
}

// maxRoundKeys is the number of round keys of AES-256 (Nr+1 = 15).
const maxRoundKeys = 15

// New expands key (16, 24 or 32 bytes).
func New(key []byte) (*Cipher, error) {
	c := new(Cipher)
	if err := c.Init(key); err != nil {
		return nil, err
	}
	return c, nil
}

// Init expands key into c, replacing any previous key.
func (c *Cipher) Init(key []byte) error {
	switch len(key) {
	case 16, 24, 32:
	default:
		return errKeySize
	}
	c.Wipe()
	if c.initAsm(key) {
		return nil
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	c.block = b
	return nil
}

// Wipe destroys the cipher: the assembly path's key schedule is zeroed; the
// generic path's lives inside crypto/aes and cannot be zeroed from here, so
// it is dropped. The caller zeroes the key bytes it holds. After Wipe, c
// must be re-initialised before use.
func (c *Cipher) Wipe() {
	c.block = nil
	c.nr = 0
	clear(c.rk[:])
}

// Accelerated reports whether c runs on the assembly path (the CPU's AES
// instructions) rather than the generic one.
func (c *Cipher) Accelerated() bool { return c.nr != 0 }

// XORKeyStream XORs src with the keystream that starts at counter block iv
// and writes the result to dst. dst must be at least as long as src; dst and
// src may be the same buffer or must not overlap.
func (c *Cipher) XORKeyStream(dst, src []byte, iv *[BlockSize]byte) {
	c.XORKeyStreamAt(dst, src, iv, 0)
}

// XORKeyStreamAt is XORKeyStream for the part of a message that starts off
// bytes into it: the keystream starts at byte off of the stream that counter
// block iv begins. A payload held in several pieces (RTP fragments that
// borrow from a frame) is encrypted piece by piece this way, each straight
// into its place in the packet.
func (c *Cipher) XORKeyStreamAt(dst, src []byte, iv *[BlockSize]byte, off int) {
	if len(dst) < len(src) {
		panic("aesctr: output smaller than input")
	}
	if c.block == nil && c.nr == 0 {
		panic("aesctr: use of a wiped or uninitialised Cipher")
	}
	if off < 0 {
		panic("aesctr: negative offset")
	}
	if c.nr != 0 {
		c.xorAsm(dst[:len(src)], src, iv, off)
		return
	}
	c.xorGeneric(dst[:len(src)], src, iv, off)
}

// scratch is the generic path's working memory. It comes from a pool because
// crypto/aes's Encrypt is an interface call whose arguments escape: stack
// arrays would be moved to the heap on every call.
type scratch struct {
	ctr [BlockSize]byte
	ks  [8 * BlockSize]byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// xorGeneric encrypts eight counter blocks at a time with crypto/aes and XORs
// them in, allocating nothing in the steady state.
func (c *Cipher) xorGeneric(dst, src []byte, iv *[BlockSize]byte, off int) {
	s := scratchPool.Get().(*scratch)
	s.ctr = *iv
	add(&s.ctr, uint64(off/BlockSize))
	skip := off % BlockSize // keystream bytes of the first block already used
	for len(src) > 0 {
		blocks := min((skip+len(src)+BlockSize-1)/BlockSize, len(s.ks)/BlockSize)
		for b := range blocks {
			c.block.Encrypt(s.ks[b*BlockSize:(b+1)*BlockSize], s.ctr[:])
			increment(&s.ctr)
		}
		n := min(len(src), blocks*BlockSize-skip)
		subtle.XORBytes(dst[:n], src[:n], s.ks[skip:skip+n])
		src, dst, skip = src[n:], dst[n:], 0
	}
	clear(s.ks[:])
	scratchPool.Put(s)
}

// add adds x to the big-endian 128-bit counter.
func add(ctr *[BlockSize]byte, x uint64) {
	for i := BlockSize - 1; i >= 0 && x != 0; i-- {
		sum := uint64(ctr[i]) + x&0xff
		ctr[i] = byte(sum)
		x = x>>8 + sum>>8
	}
}

// increment adds one to the big-endian 128-bit counter.
func increment(ctr *[BlockSize]byte) {
	for i := BlockSize - 1; i >= 0; i-- {
		ctr[i]++
		if ctr[i] != 0 {
			return
		}
	}
}
