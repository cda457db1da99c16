package srtp

import (
	"crypto/sha1" //nolint:gosec // HMAC-SHA1 is the SRTP authentication transform (RFC 3711 §4.2.1).
	"crypto/subtle"
	"encoding"
	"hash"
)

// hmacSHA1 is HMAC-SHA1 (RFC 2104) from precomputed inner and outer pad
// states. Unlike crypto/hmac it keeps those states in memory it owns, so
// wipe can zero them, and it allocates nothing per message.
type hmacSHA1 struct {
	h     hash.Hash
	state encoding.BinaryUnmarshaler // h, to restore a pad state
	inner []byte                     // SHA-1 state after absorbing key XOR ipad
	outer []byte                     // SHA-1 state after absorbing key XOR opad
	sum   [sha1.Size]byte
}

func (m *hmacSHA1) init(key []byte) {
	if len(key) > sha1.BlockSize {
		panic("srtp: hmac key longer than a block")
	}
	m.h = sha1.New()
	m.state = m.h.(encoding.BinaryUnmarshaler)
	var pad [sha1.BlockSize]byte
	snapshot := func(x byte) []byte {
		clear(pad[:])
		copy(pad[:], key)
		for i := range pad {
			pad[i] ^= x
		}
		m.h.Reset()
		m.h.Write(pad[:])
		s, err := m.h.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			panic("srtp: sha1 state not marshalable: " + err.Error())
		}
		return s
	}
	m.inner = snapshot(0x36)
	m.outer = snapshot(0x5c)
	clear(pad[:])
	m.h.Reset()
}

// start begins a message.
func (m *hmacSHA1) start() {
	if err := m.state.UnmarshalBinary(m.inner); err != nil {
		panic("srtp: restoring hmac state: " + err.Error())
	}
}

func (m *hmacSHA1) write(p []byte) { m.h.Write(p) }

// finish completes the message and returns the full 20-byte MAC, valid until
// the next call.
func (m *hmacSHA1) finish() []byte {
	inner := m.h.Sum(m.sum[:0])
	if err := m.state.UnmarshalBinary(m.outer); err != nil {
		panic("srtp: restoring hmac state: " + err.Error())
	}
	m.h.Write(inner)
	return m.h.Sum(m.sum[:0])
}

// verify reports in constant time whether tag equals the first len(tag)
// bytes of the MAC just finished.
func (m *hmacSHA1) verify(tag []byte) bool {
	return subtle.ConstantTimeCompare(m.finish()[:len(tag)], tag) == 1
}

func (m *hmacSHA1) wipe() {
	clear(m.inner)
	clear(m.outer)
	clear(m.sum[:])
	if m.h != nil {
		m.h.Reset() // overwrite the chaining value with the SHA-1 IV
	}
	*m = hmacSHA1{}
}
