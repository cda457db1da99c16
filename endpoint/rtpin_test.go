package endpoint

import (
	"bytes"
	"testing"
)

func hdr(b0, b1 byte, rest ...byte) []byte {
	p := []byte{b0, b1, 0x12, 0x34, 0, 0, 0x03, 0xe8, 0xde, 0xad, 0xbe, 0xef}
	return append(p, rest...)
}

var rtpCases = []struct {
	name    string
	pkt     []byte
	ext     uint8
	captID  string
	payload string
	marker  bool
	err     bool
}{
	{name: "plain", pkt: hdr(0x80, 0x60, 'a', 'b'), payload: "ab"},
	{name: "marker", pkt: hdr(0x80, 0xe0, 'x'), payload: "x", marker: true},
	// RFC 8285 §4.2: one-byte elements, ID 1 "main" (len-1 = 3), padding.
	{name: "one-byte CaptId", pkt: hdr(0x90, 0x60, 0xbe, 0xde, 0, 2, 0x13, 'm', 'a', 'i', 'n', 0, 0, 0, 'p'), ext: 1, captID: "main", payload: "p"},
	{name: "other element first", pkt: hdr(0x90, 0x60, 0xbe, 0xde, 0, 2, 0x20, 9, 0x11, 'w', 'i', 0, 0, 0, 'p'), ext: 1, captID: "wi", payload: "p"},
	{name: "element absent", pkt: hdr(0x90, 0x60, 0xbe, 0xde, 0, 1, 0x20, 9, 0, 0, 'p'), ext: 1, payload: "p"},
	// §4.3: two-byte form, ID 15 is allowed there.
	{name: "two-byte CaptId", pkt: hdr(0x90, 0x60, 0x10, 0x00, 0, 2, 15, 5, 'w', 'i', 'd', 'e', '!', 0, 'p'), ext: 15, captID: "wide!", payload: "p"},
	{name: "CSRC", pkt: hdr(0x81, 0x60, 1, 2, 3, 4, 'p'), payload: "p"},
	{name: "padding", pkt: hdr(0xa0, 0x60, 'p', 0, 0, 3), payload: "p"},
	{name: "short", pkt: []byte{0x80, 0x60, 1}, err: true},
	{name: "version 1", pkt: hdr(0x40, 0x60), err: true},
	{name: "CSRCs beyond", pkt: hdr(0x8f, 0x60), err: true},
	{name: "extension beyond", pkt: hdr(0x90, 0x60, 0xbe, 0xde, 0, 9), ext: 1, err: true},
	{name: "zero padding", pkt: hdr(0xa0, 0x60, 'p', 0), err: true},
	{name: "element beyond", pkt: hdr(0x90, 0x60, 0xbe, 0xde, 0, 1, 0x1f, 'a', 'b', 'c'), ext: 1, payload: ""},
}

func TestParseRTP(t *testing.T) {
	for _, tc := range rtpCases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseRTP(tc.pkt, tc.ext)
			if (err != nil) != tc.err {
				t.Fatalf("err %v", err)
			}
			if err != nil {
				return
			}
			if string(p.CaptID) != tc.captID || !bytes.Equal(p.Payload, []byte(tc.payload)) || p.Marker != tc.marker {
				t.Fatalf("got captID %q payload %q marker %v", p.CaptID, p.Payload, p.Marker)
			}
			if p.Seq != 0x1234 || p.TS != 1000 || p.SSRC != 0xdeadbeef {
				t.Fatalf("header %+v", p)
			}
		})
	}
}

func TestParseRTPAllocs(t *testing.T) {
	pkt := rtpCases[2].pkt
	if n := testing.AllocsPerRun(100, func() { ParseRTP(pkt, 1) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
