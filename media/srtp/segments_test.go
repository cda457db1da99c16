package srtp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// Sealing a payload held in pieces gives byte for byte the packet that
// sealing it in one piece gives, for every profile and many ways to cut it,
// and the receiver opens it.
func TestSealRTPSegmentsEqualsWhole(t *testing.T) {
	payload := make([]byte, 1203)
	for i := range payload {
		payload[i] = byte(i*31 + 7)
	}
	cuts := [][]int{{}, {0}, {1}, {2, 17}, {16, 32, 48}, {5, 600, 1202}, {1203}, {13, 13, 400}}
	for _, p := range allProfiles {
		whole, _ := pair(t, p, nil)
		parts, r := pair(t, p, &ReceiverOpts{SSRCs: []uint32{7}})
		ws, _ := whole.Stream(7)
		ps, _ := parts.Stream(7)
		for i, cut := range cuts {
			hdr := rtpHeader(7, uint16(100+i), 0, 1)
			var segs [][]byte
			prev := 0
			for _, c := range append(cut, len(payload)) {
				segs = append(segs, payload[prev:c])
				prev = c
			}
			want, err := ws.SealRTP(make([]byte, 0, 1500), hdr, payload)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ps.SealRTPSegments(make([]byte, 0, 1500), hdr, segs)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%v cuts %v: segmented packet differs from the whole", p, cut)
			}
			plain, err := r.OpenRTP(make([]byte, 0, 1500), got)
			if err != nil || !bytes.Equal(plain[len(hdr):], payload) {
				t.Fatalf("%v cuts %v: open: %v", p, cut, err)
			}
		}
	}
}

// A segment that lies in the output somewhere other than its own place is
// refused: sealing an earlier piece would overwrite it before it is read.
func TestSealRTPSegmentsOverlap(t *testing.T) {
	s, _ := pair(t, ProfileAES128CMSHA1_80, nil)
	st, _ := s.Stream(7)
	hdr := rtpHeader(7, 1, 0, -1)
	buf := make([]byte, 0, 1500)
	out := buf[:len(hdr)+40]
	segs := [][]byte{make([]byte, 20), out[len(hdr) : len(hdr)+20]} // second one sits at the first's place
	if _, err := st.SealRTPSegments(buf, hdr, segs); !errors.Is(err, ErrOverlap) {
		t.Fatalf("overlapping segment: %v, want ErrOverlap", err)
	}
	// Exactly in place is fine.
	segs = [][]byte{out[len(hdr) : len(hdr)+20], out[len(hdr)+20 : len(hdr)+40]}
	if _, err := st.SealRTPSegments(buf, hdr, segs); err != nil {
		t.Fatalf("segments in place: %v", err)
	}
}

func TestSealRTPSegmentsAllocs(t *testing.T) {
	for _, p := range allProfiles {
		s, _ := pair(t, p, nil)
		st, _ := s.Stream(1)
		hdr := rtpHeader(1, 0, 0, 1)
		frame := make([]byte, 1400)
		segs := [][]byte{frame[:2], frame[2:1200]}
		pkt := make([]byte, 0, 1500)
		seq := uint16(0)
		if n := testing.AllocsPerRun(200, func() {
			seq++
			binary.BigEndian.PutUint16(hdr[2:], seq)
			if _, err := st.SealRTPSegments(pkt, hdr, segs); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%v SealRTPSegments: %v allocs", p, n)
		}
	}
}

// Our AES-GCM seal (aesctr + ghash, reading the payload in pieces) gives
// byte for byte what crypto/cipher's AEAD seals, for headers whose length
// leaves every remainder mod 16 as associated data (and one over 64
// bytes, hashed without the copy), payloads of every length around the
// block edges, and cuts anywhere.
func TestOwnGCMEqualsStdlib(t *testing.T) {
	for _, p := range []Profile{ProfileAEADAES128GCM, ProfileAEADAES256GCM} {
		own, r := pair(t, p, &ReceiverOpts{SSRCs: []uint32{9}})
		std, _ := pair(t, p, nil)
		ownS, _ := own.Stream(9)
		stdS, _ := std.Stream(9)
		if !ownS.rtp.ownGCM {
			t.Skipf("%v: no AES and carry-less multiply instructions here: crypto/cipher seals", p)
		}
		stdS.rtp.ownGCM = false
		payload := make([]byte, 300)
		for i := range payload {
			payload[i] = byte(i*131 + 3)
		}
		seq := uint16(0)
		for csrcs := 0; csrcs <= 3; csrcs++ {
			for _, ext := range []int{-1, 0, 1, 2, 3, 4, 14} { // 14 words: a header over 64 bytes
				for n := 0; n <= len(payload); n += 1 + n/8 {
					seq++
					hdr := rtpHeader(9, seq, csrcs, ext)
					cut := int(seq) % (n + 1)
					segs := [][]byte{payload[:cut], payload[cut:n]}
					want, err := stdS.SealRTP(make([]byte, 0, 512), hdr, payload[:n])
					if err != nil {
						t.Fatal(err)
					}
					got, err := ownS.SealRTPSegments(make([]byte, 0, 512), hdr, segs)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, want) {
						t.Fatalf("%v header %d bytes, payload %d cut at %d:\n got %x\nwant %x", p, len(hdr), n, cut, got, want)
					}
					if _, err := r.OpenRTP(make([]byte, 0, 512), got); err != nil {
						t.Fatalf("%v: open: %v", p, err)
					}
				}
			}
		}
	}
}
