// Package aesctr is AES in counter mode over a whole buffer from a
// caller-supplied 128-bit initial counter block, with no allocation per call.
//
// It exists because crypto/cipher.NewCTR allocates a 512-byte stream per call
// (the stream copies the expanded key), and SRTP needs a fresh counter for
// every packet (RFC 3711 §4.1.1). It encrypts eight counter blocks at a time
// with crypto/aes (AES-NI or ARMv8 instructions where the CPU has them) into a
// pooled keystream buffer and XORs it in. On CPUs without AES instructions
// (Pi 3/4, every GOARCH=arm build), where AES-CM is the preferred profile, this
// is what crypto/cipher's CTR does too, so it runs at the crypto floor; on CPUs
// with them, where AES-GCM is preferred, it trails crypto/cipher's pipelined
// CTR (see the benchmarks).
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
	block cipher.Block // nil when wiped or uninitialised
}

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
	b, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	c.block = b
	return nil
}

// Wipe drops the cipher (its key schedule lives inside crypto/aes and cannot
// be zeroed from here; the caller zeroes the key bytes it holds). After Wipe,
// c must be re-initialised before use.
func (c *Cipher) Wipe() {
	c.block = nil
}

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
	if c.block == nil {
		panic("aesctr: use of a wiped or uninitialised Cipher")
	}
	if off < 0 {
		panic("aesctr: negative offset")
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
