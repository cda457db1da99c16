//go:build (amd64 || arm64) && !purego

package aesctr

import (
	"encoding/binary"
	"math/bits"
)

// expandKey writes the AES key schedule of key (16, 24 or 32 bytes) into rk
// as FIPS-197 §5.2 defines it, round key r in rk[16r:16r+16] with the words
// w[4r..4r+3] big-endian, which is the byte order of the state the AES
// instructions load with a plain 16-byte load. It returns the number of
// rounds Nr (10, 12 or 14); rk[0..Nr] are written.
//
// SubWord is computed arithmetically (the S-box as inversion in GF(2^8)
// followed by the affine map, §5.1.1), four bytes at once and without
// key-dependent table look-ups or branches.
func expandKey(rk *[maxRoundKeys * BlockSize]byte, key []byte) int {
	nk := len(key) / 4
	nr := nk + 6
	var w [maxRoundKeys * 4]uint32
	for i := range nk {
		w[i] = binary.BigEndian.Uint32(key[4*i:])
	}
	rcon := uint32(1)
	for i := nk; i < 4*(nr+1); i++ {
		t := w[i-1]
		switch {
		case i%nk == 0:
			t = subWord(bits.RotateLeft32(t, 8)) ^ rcon<<24
			rcon = xtime4(rcon)
		case nk > 6 && i%nk == 4:
			t = subWord(t)
		}
		w[i] = w[i-nk] ^ t
	}
	for i := range 4 * (nr + 1) {
		binary.BigEndian.PutUint32(rk[4*i:], w[i])
	}
	clear(w[:])
	return nr
}

// xtime4 multiplies each of the four bytes of x by x (i.e. 2) in GF(2^8)
// modulo x^8+x^4+x^3+x+1 (FIPS-197 §4.2.1).
func xtime4(x uint32) uint32 {
	return (x&0x7f7f7f7f)<<1 ^ (x>>7&0x01010101)*0x1b
}

// mul4 multiplies the four bytes of a by those of b in GF(2^8), lane by
// lane, in constant time.
func mul4(a, b uint32) uint32 {
	var p uint32
	for i := range 8 {
		p ^= a & ((b >> i & 0x01010101) * 0xff)
		a = xtime4(a)
	}
	return p
}

// subWord applies the S-box to each byte of x: b = x^254 (the inverse, 0
// for 0), then the affine map b ^ rotl(b,1) ^ rotl(b,2) ^ rotl(b,3) ^
// rotl(b,4) ^ 0x63 within each byte.
func subWord(x uint32) uint32 {
	// x^254 = x^(2+4+8+16+32+64+128).
	sq := mul4(x, x) // x^2
	inv := sq
	for range 6 {
		sq = mul4(sq, sq) // x^4 … x^128
		inv = mul4(inv, sq)
	}
	// rotl rotates each byte of b left by n bits.
	rotl := func(b uint32, n uint) uint32 {
		hi := uint32(byte(0xff<<n)) * 0x01010101 // bits shifted up within their byte
		lo := uint32(0xff>>(8-n)) * 0x01010101   // bits wrapped round to the bottom
		return b<<n&hi | b>>(8-n)&lo
	}
	return inv ^ rotl(inv, 1) ^ rotl(inv, 2) ^ rotl(inv, 3) ^ rotl(inv, 4) ^ 0x63636363
}
