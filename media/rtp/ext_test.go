package rtp

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestAddElement(t *testing.T) {
	base := []byte{0x80, 0x60, 0, 1, 0, 0, 0, 2, 0xde, 0xad, 0xbe, 0xef}
	// CaptId "main" (ID 1, one-byte form) then padding, as rtp.Stream writes it.
	capt := append(append([]byte{}, base...), 0xBE, 0xDE, 0, 2, 0x13, 'm', 'a', 'i', 'n', 0, 0, 0)
	capt[0] |= 0x10
	cases := []struct {
		name    string
		hdr     []byte
		id      uint8
		mid     string
		captID  string
		profile uint16
	}{
		{name: "no extension yet", hdr: base, id: 2, mid: "3", profile: 0xBEDE},
		{name: "after CaptId", hdr: capt, id: 2, mid: "3", captID: "main", profile: 0xBEDE},
		{name: "long mid in one byte", hdr: capt, id: 2, mid: "0123456789abcdef", captID: "main", profile: 0xBEDE},
		{name: "two-byte ID", hdr: capt, id: 200, mid: "video-1", captID: "main", profile: 0x1000},
		{name: "CSRC kept", hdr: append([]byte{0x81, 0x60, 0, 1, 0, 0, 0, 2, 0xde, 0xad, 0xbe, 0xef}, 1, 2, 3, 4), id: 2, mid: "1", profile: 0xBEDE},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]byte, 0, len(tc.hdr)+MaxAddedElement)
			out := AddElement(dst, tc.hdr, tc.id, []byte(tc.mid))
			if len(out) > len(tc.hdr)+MaxAddedElement || (len(out)-12)%4 != 0 {
				t.Fatalf("header of %d bytes from %d", len(out), len(tc.hdr))
			}
			if got := elementOf(t, out, tc.id); string(got) != tc.mid {
				t.Fatalf("element %d = %q, want %q", tc.id, got, tc.mid)
			}
			if tc.captID != "" {
				if got := elementOf(t, out, 1); string(got) != tc.captID {
					t.Fatalf("CaptId lost: %q", got)
				}
			}
			if !bytes.Equal(out[1:12], tc.hdr[1:12]) || out[0]&^0x10 != tc.hdr[0]&^0x10 {
				t.Fatalf("fixed header changed: %x from %x", out[:12], tc.hdr[:12])
			}
			off := 12 + 4*int(out[0]&0x0f)
			if got := uint16(out[off])<<8 | uint16(out[off+1]); got != tc.profile {
				t.Fatalf("profile %#x", got)
			}
		})
	}
	// Headers it must not touch come back as they are.
	odd := append(append([]byte{}, base...), 0xAB, 0xCD, 0, 0)
	odd[0] |= 0x10
	for _, h := range [][]byte{odd, base[:8], nil} {
		if out := AddElement(make([]byte, 0, 64), h, 2, []byte("1")); !bytes.Equal(out, h) {
			t.Errorf("%x rewritten to %x", h, out)
		}
	}
}

func TestAddElementAllocs(t *testing.T) {
	hdr := []byte{0x90, 0x60, 0, 1, 0, 0, 0, 2, 0xde, 0xad, 0xbe, 0xef, 0xBE, 0xDE, 0, 2, 0x13, 'm', 'a', 'i', 'n', 0, 0, 0}
	dst := make([]byte, 0, 64)
	mid := []byte("2")
	if n := testing.AllocsPerRun(100, func() { AddElement(dst, hdr, 2, mid) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}

// elementOf reads element id of a header's extension block, checking the
// block's length word covers exactly the rest of the header.
func elementOf(t *testing.T, hdr []byte, id uint8) []byte {
	t.Helper()
	off := 12 + 4*int(hdr[0]&0x0f)
	if hdr[0]&0x10 == 0 || off+4 > len(hdr) || off+4+4*int(binary.BigEndian.Uint16(hdr[off+2:])) != len(hdr) {
		t.Fatalf("no well-formed extension block in %x", hdr)
	}
	return FindElement(binary.BigEndian.Uint16(hdr[off:]), hdr[off+4:], id)
}

func TestFindElement(t *testing.T) {
	one := []byte{0x13, 'm', 'a', 'i', 'n', 0, 0x20, 9, 0xf0, 0x31, 'x', 'y'}
	for _, tc := range []struct {
		profile uint16
		ext     []byte
		id      uint8
		want    string
	}{
		{0xBEDE, one, 1, "main"},
		{0xBEDE, one, 2, "\x09"},
		{0xBEDE, one, 3, ""},               // after the reserved ID 15: not read (RFC 8285 §4.2)
		{0xBEDE, []byte{0x13, 'a'}, 1, ""}, // runs past the block
		{0x1000, []byte{0, 200, 2, 'h', 'i', 1, 1, 'z'}, 200, "hi"},
		{0x1000, []byte{200, 2, 'h', 'i', 1, 1, 'z'}, 1, "z"},
		{0xABCD, one, 1, ""}, // another profile's extension
		{0xBEDE, one, 0, ""},
	} {
		if got := FindElement(tc.profile, tc.ext, tc.id); string(got) != tc.want {
			t.Errorf("%#x %x id %d: %q, want %q", tc.profile, tc.ext, tc.id, got, tc.want)
		}
	}
}
