//go:build (amd64 || arm64) && !purego

package aesctr

import (
	"encoding/binary"
	"testing"
)

// FIPS-197 Appendix A: the last four words of each example key expansion.
func TestFIPS197AppendixA(t *testing.T) {
	for _, tc := range []struct {
		key  string
		last [4]uint32
	}{
		{"2b7e151628aed2a6abf7158809cf4f3c", [4]uint32{0xd014f9a8, 0xc9ee2589, 0xe13f0cc8, 0xb6630ca6}},
		{"8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", [4]uint32{0xe98ba06f, 0x448c773c, 0x8ecc7204, 0x01002202}},
		{"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", [4]uint32{0xfe4890d1, 0xe6188d0b, 0x046df344, 0x706c631e}},
	} {
		var rk [maxRoundKeys * BlockSize]byte
		nr := expandKey(&rk, mustHex(t, tc.key))
		if want := len(tc.key)/8 + 6; nr != want {
			t.Fatalf("key %s: %d rounds, want %d", tc.key, nr, want)
		}
		for i, w := range tc.last {
			if got := binary.BigEndian.Uint32(rk[16*nr+4*i:]); got != w {
				t.Errorf("key %s: w[%d] = %08x, want %08x", tc.key, 4*nr+i, got, w)
			}
		}
	}
}

// subWord is a permutation with the S-box's known values (FIPS-197 Figure 7).
func TestSubWord(t *testing.T) {
	var seen [256]bool
	for x := range 256 {
		s := subWord(uint32(x) * 0x01010101)
		b := byte(s)
		if s != uint32(b)*0x01010101 {
			t.Fatalf("S(%#02x): lanes differ: %08x", x, s)
		}
		if seen[b] {
			t.Fatalf("S(%#02x) = %#02x repeats", x, b)
		}
		seen[b] = true
	}
	for x, want := range map[byte]byte{0x00: 0x63, 0x01: 0x7c, 0x53: 0xed, 0x10: 0xca, 0xff: 0x16, 0xc9: 0xdd} {
		if got := byte(subWord(uint32(x))); got != want {
			t.Errorf("S(%#02x) = %#02x, want %#02x", x, got, want)
		}
	}
}
