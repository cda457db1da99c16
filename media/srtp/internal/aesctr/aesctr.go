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
	if len(dst) < len(src) {
		panic("aesctr: output smaller than input")
	}
	if c.block == nil {
		panic("aesctr: use of a wiped or uninitialised Cipher")
	}
	c.xorGeneric(dst[:len(src)], src, iv)
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
func (c *Cipher) xorGeneric(dst, src []byte, iv *[BlockSize]byte) {
	s := scratchPool.Get().(*scratch)
	s.ctr = *iv
	for len(src) > 0 {
		n := min(len(src), len(s.ks))
		for off := 0; off < n; off += BlockSize {
			c.block.Encrypt(s.ks[off:off+BlockSize], s.ctr[:])
			increment(&s.ctr)
		}
		subtle.XORBytes(dst[:n], src[:n], s.ks[:n])
		src, dst = src[n:], dst[n:]
	}
	clear(s.ks[:])
	scratchPool.Put(s)
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
