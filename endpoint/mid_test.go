package endpoint

import (
	"bytes"
	"testing"
)

func TestAddMID(t *testing.T) {
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
			dst := make([]byte, 0, len(tc.hdr)+maxMIDHeaderGrowth)
			out := addMID(dst, tc.hdr, tc.id, []byte(tc.mid))
			if len(out) > len(tc.hdr)+maxMIDHeaderGrowth || (len(out)-12)%4 != 0 {
				t.Fatalf("header of %d bytes from %d", len(out), len(tc.hdr))
			}
			p, err := ParseRTP(append(out, 'P'), tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if string(p.CaptID) != tc.mid || string(p.Payload) != "P" || p.SSRC != 0xdeadbeef || p.Seq != 1 {
				t.Fatalf("MID %q payload %q %+v", p.CaptID, p.Payload, p)
			}
			if tc.captID != "" {
				c, _ := ParseRTP(append(out, 'P'), 1)
				if string(c.CaptID) != tc.captID {
					t.Fatalf("CaptId lost: %q", c.CaptID)
				}
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
		if out := addMID(make([]byte, 0, 64), h, 2, []byte("1")); !bytes.Equal(out, h) {
			t.Errorf("%x rewritten to %x", h, out)
		}
	}
}

func TestAddMIDAllocs(t *testing.T) {
	hdr := []byte{0x90, 0x60, 0, 1, 0, 0, 0, 2, 0xde, 0xad, 0xbe, 0xef, 0xBE, 0xDE, 0, 2, 0x13, 'm', 'a', 'i', 'n', 0, 0, 0}
	dst := make([]byte, 0, 64)
	mid := []byte("2")
	if n := testing.AllocsPerRun(100, func() { addMID(dst, hdr, 2, mid) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
