package endpoint

import (
	"bytes"
	"testing"
)

// FuzzParseRTP: whatever the authorised peer's SRTP opens to, the RTP
// parser returns an error or slices within the packet, never panics.
func FuzzParseRTP(f *testing.F) {
	for _, tc := range rtpCases {
		f.Add(tc.pkt, tc.ext)
	}
	f.Fuzz(func(t *testing.T, b []byte, ext uint8) {
		p, err := ParseRTP(b, ext)
		if err != nil {
			return
		}
		if len(p.Payload) > len(b) || len(p.CaptID) > len(b) {
			t.Fatalf("slices beyond the packet")
		}
		if len(p.Payload) > 0 && !bytes.Contains(b, p.Payload) {
			t.Fatalf("payload not from the packet")
		}
	})
}
