package codec

import (
	"math/rand/v2"
	"testing"
)

// frame1080p builds an Annex-B access unit the size of a raw 1080p 4:2:0
// picture (3 110 400 bytes): SPS, PPS and eight IDR slices of random,
// emulation-prevented payload, the worst case a scanner meets per frame.
func frame1080p(tb testing.TB) []byte {
	tb.Helper()
	const size = 1920 * 1080 * 3 / 2
	sps := unhex(tb, spsVectors[0].hex)
	b := append([]byte{0, 0, 0, 1}, sps...)
	b = append(b, 0, 0, 0, 1, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0)
	rng := rand.New(rand.NewPCG(1, 2))
	payload := make([]byte, (size-len(b))/8)
	for i := 0; i < 8; i++ {
		for j := range payload {
			payload[j] = byte(rng.Uint32())
		}
		payload[0] = 0x88
		if i > 0 {
			payload[0] = 0x40
		}
		b = append(b, 0, 0, 1, 0x65)
		b = append(b, escape(payload)...)
	}
	return b
}

func BenchmarkAnnexBScan(b *testing.B) {
	buf := frame1080p(b)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := NewAnnexBScanner(buf)
		n := 0
		for _, ok := s.Next(); ok; _, ok = s.Next() {
			n++
		}
		if n != 10 {
			b.Fatalf("%d units", n)
		}
	}
}

func BenchmarkAccessUnitScan(b *testing.B) {
	buf := readClip(b, "hi.h264")
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := NewAccessUnitScanner(buf)
		n := 0
		for _, ok := s.Next(); ok; _, ok = s.Next() {
			n++
		}
		if n != 60 {
			b.Fatalf("%d AUs", n)
		}
	}
}

func BenchmarkParseSPS(b *testing.B) {
	sps := unhex(b, spsVectors[0].hex)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseSPS(sps); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAnnexBScanAllocs1080p(t *testing.T) {
	buf := frame1080p(t)
	if n := testing.AllocsPerRun(5, func() {
		s := NewAnnexBScanner(buf)
		for _, ok := s.Next(); ok; _, ok = s.Next() {
		}
	}); n != 0 {
		t.Errorf("%v allocs", n)
	}
}

// BenchmarkIndexZeroPair runs indexZeroPair over 64 KB holding no zero at
// all: the whole buffer goes through zeroPairBlock where there is one.
func BenchmarkIndexZeroPair(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 64<<10)
	for i := range buf {
		buf[i] = byte(1 + rng.IntN(255))
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if j := indexZeroPair(buf); j != -1 {
			b.Fatalf("got %d", j)
		}
	}
}
