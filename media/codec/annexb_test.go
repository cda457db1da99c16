package codec

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func scanAll(b []byte) []NALU {
	var out []NALU
	s := NewAnnexBScanner(b)
	for n, ok := s.Next(); ok; n, ok = s.Next() {
		out = append(out, n)
	}
	return out
}

// scanParts scans b with NextPart, asking for a few more bytes of an open
// unit each time (limits from steps, cycled), and checks each part against
// what is known: an open unit's End only grows, has no start code before
// it, and the unit is finally returned whole with the same Start.
func scanParts(t testing.TB, b []byte, steps []int) []NALU {
	t.Helper()
	var out []NALU
	s := NewAnnexBScanner(b)
	limit, k := 0, 0
	step := func() int {
		if len(steps) == 0 {
			return 1
		}
		k++
		return max(1, steps[k%len(steps)])
	}
	var open *NALU
	for {
		limit += step()
		n, whole, ok := s.NextPart(limit)
		if !ok {
			if open != nil {
				t.Fatalf("unit at %d left open", open.Start)
			}
			return out
		}
		if open != nil && (n.Start != open.Start || n.End < open.End) {
			t.Fatalf("open unit %+v continued as %+v", *open, n)
		}
		if n.End <= n.Start || bytes.Contains(b[n.Start:n.End], []byte{0, 0, 1}) {
			t.Fatalf("part %+v (whole %v) is empty or holds a start code", n, whole)
		}
		if !whole {
			open = &n
			continue
		}
		open, limit = nil, 0
		out = append(out, n)
	}
}

func TestAnnexBScannerParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	long := make([]byte, 5000)
	for i := range long {
		long[i] = byte(1 + rng.IntN(255))
	}
	for _, b := range [][]byte{
		stream(nal(hSPS, 0x42), nal(hPPS, 0xce), nal3(hIDR, long...), nal(hP, long[:700]...)),
		stream(nal3(hIDR, long[:10]...), []byte{0, 0, 0, 0, 0, 0, 0}, nal(hP, 1, 2, 3), []byte{0, 0}),
		stream(nal3(0, make([]byte, 40)...), nal3(hP, 9)),
		append(unhex(t, "ff 12 00 00 01 00 00 01 65 aa 00 00 03 01"), long[:300]...),
	} {
		want := scanAll(b)
		for _, steps := range [][]int{{1}, {2}, {3}, {7, 1}, {100}, {1200, 5}, {1 << 20}} {
			if got := scanParts(t, b, steps); !slices.Equal(got, want) {
				t.Errorf("steps %v: parts give %+v, Next gives %+v", steps, got, want)
			}
		}
	}
}

func TestAnnexBScanner(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []NALU // Header is filled from the input
	}{
		{"empty", "", nil},
		{"no start code", "65 88 84 00", nil},
		{"only a 3-byte start code", "00 00 01", nil},
		{"only start codes", "00 00 00 01 00 00 01 00 00 01", nil},
		{"zeros after the last start code", "00 00 01 00 00 00", nil},
		{"3-byte", "00 00 01 65 88", []NALU{{0, 3, 5, 0}}},
		{"4-byte", "00 00 00 01 67 42 00 00 00 01 68 ce", []NALU{{0, 4, 6, 0}, {6, 10, 12, 0}}},
		{"mixed 4 then 3", "00 00 00 01 67 42 00 00 01 68 ce 00 00 01 65 b8", []NALU{{0, 4, 6, 0}, {6, 9, 11, 0}, {11, 14, 16, 0}}},
		{"leading zero bytes", "00 00 00 00 00 01 09 f0", []NALU{{0, 6, 8, 0}}},
		{"garbage before the first start code", "ff 12 00 00 01 09 10", []NALU{{2, 5, 7, 0}}},
		{"zero-length unit", "00 00 01 00 00 01 65 aa", []NALU{{0, 6, 8, 0}}},
		{"zero-length unit between two", "00 00 01 65 00 00 01 00 00 00 01 41 9a", []NALU{{0, 3, 4, 0}, {4, 11, 13, 0}}},
		{"trailing zeros at the end", "00 00 01 65 aa 00 00", []NALU{{0, 3, 5, 0}}},
		{"trailing zeros between units", "00 00 01 65 aa 00 00 00 00 01 41 bb 00", []NALU{{0, 3, 5, 0}, {5, 10, 12, 0}}},
		{"start code at the very end", "00 00 01 65 aa 00 00 01", []NALU{{0, 3, 5, 0}}},
		{"emulation prevention is not a start code", "00 00 01 65 00 00 03 01 aa", []NALU{{0, 3, 9, 0}}},
		{"0x01 bytes inside a unit", "00 00 01 67 01 01 00 01 02", []NALU{{0, 3, 9, 0}}},
		{"one-byte unit", "00 00 01 09 00 00 01 09", []NALU{{0, 3, 4, 0}, {4, 7, 8, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := unhex(t, tc.in)
			for i := range tc.want {
				tc.want[i].Header = b[tc.want[i].Start]
			}
			got := scanAll(b)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			checkNALs(t, b, got)
		})
	}
}

// checkNALs verifies the invariants FuzzAnnexB relies on.
func checkNALs(t testing.TB, b []byte, nals []NALU) {
	t.Helper()
	for i, n := range nals {
		if n.Prefix < 0 || n.Prefix+3 > n.Start || n.Start >= n.End || n.End > len(b) {
			t.Fatalf("unit %d: bad offsets %+v for len %d", i, n, len(b))
		}
		if b[n.Start-3] != 0 || b[n.Start-2] != 0 || b[n.Start-1] != 1 {
			t.Fatalf("unit %d: no start code before %d", i, n.Start)
		}
		if n.Header != b[n.Start] {
			t.Fatalf("unit %d: header %#x, byte %#x", i, n.Header, b[n.Start])
		}
		if n.End > n.Start+1 && b[n.End-1] == 0 {
			t.Fatalf("unit %d: ends in a zero byte", i)
		}
		if i > 0 && nals[i-1].End != n.Prefix {
			t.Fatalf("unit %d: gap or overlap: previous ends %d, this prefix %d", i, nals[i-1].End, n.Prefix)
		}
		for _, c := range b[n.Prefix : n.Start-3] {
			if c != 0 {
				// Zero-length units skipped in between hold start codes.
				if c != 1 {
					t.Fatalf("unit %d: non-zero byte %#x in its prefix", i, c)
				}
			}
		}
		if idx := strings.Index(string(b[n.Start:n.End]), "\x00\x00\x01"); idx >= 0 {
			t.Fatalf("unit %d: start code inside at %d", i, n.Start+idx)
		}
	}
	if len(nals) > 0 {
		// After the last unit come only zeros and empty start codes.
		rest := b[nals[len(nals)-1].End:]
		for _, c := range rest {
			if c > 1 {
				t.Fatalf("byte %#x after the last unit", c)
			}
		}
		if len(scanAll(rest)) != 0 {
			t.Fatal("units after the last unit")
		}
	}
}

// nal builds an Annex-B unit with a 4-byte start code.
func nal(h byte, payload ...byte) []byte { return append([]byte{0, 0, 0, 1, h}, payload...) }

// nal3 builds one with a 3-byte start code.
func nal3(h byte, payload ...byte) []byte { return append([]byte{0, 0, 1, h}, payload...) }

const (
	fm0  = 0x88 // first_mb_in_slice = 0: ue '1'
	fmN  = 0x40 // first_mb_in_slice = 1: ue '010'
	hSPS = 0x67
	hPPS = 0x68
	hIDR = 0x65
	hP   = 0x41
	hSEI = 0x06
	hAUD = 0x09
	hEOS = 0x0a
	hB   = 0x01 // non-reference slice
)

func stream(units ...[]byte) []byte { return slices.Concat(units...) }

type auWant struct {
	nals     int
	keyframe bool
	sps      bool
}

func TestAccessUnitScanner(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want []auWant
	}{
		{"empty", nil, nil},
		{"x264 style: parameter sets before IDR, one slice per picture",
			stream(nal(hSPS, 0x42), nal(hPPS, 0xce), nal3(hIDR, fm0, 1), nal3(hP, fm0, 2), nal3(hP, fm0, 3), nal(hSPS, 0x42), nal(hPPS, 0xce), nal3(hIDR, fm0, 4)),
			[]auWant{{3, true, true}, {1, false, false}, {1, false, false}, {3, true, true}}},
		{"several slices per picture",
			stream(nal(hIDR, fm0), nal(hIDR, fmN), nal(hIDR, fmN), nal(hP, fm0), nal(hP, fmN)),
			[]auWant{{3, true, false}, {2, false, false}}},
		{"access unit delimiters",
			stream(nal(hAUD, 0xf0), nal(hSPS, 0x42), nal(hPPS, 0xce), nal(hIDR, fm0), nal(hAUD, 0xf0), nal(hP, fm0), nal(hAUD, 0xf0), nal(hB, fm0)),
			[]auWant{{4, true, true}, {2, false, false}, {2, false, false}}},
		{"SEI starts the next access unit",
			stream(nal(hP, fm0), nal(hSEI, 5, 0x80), nal(hP, fm0)),
			[]auWant{{1, false, false}, {2, false, false}}},
		{"non-VCL units before the first slice stay together",
			stream(nal(hSEI, 5, 0x80), nal(hSPS, 0x42), nal(hPPS, 0xce), nal(hIDR, fm0)),
			[]auWant{{4, true, true}}},
		{"end of sequence belongs to the picture before",
			stream(nal(hIDR, fm0), nal(hEOS), nal(hIDR, fm0)),
			[]auWant{{2, true, false}, {1, true, false}}},
		{"stream joined mid-picture",
			stream(nal(hP, fmN), nal(hP, fm0)),
			[]auWant{{1, false, false}, {1, false, false}}},
		{"slice without payload does not start a picture",
			stream(nal(hP, fm0), nal(hP)),
			[]auWant{{2, false, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []auWant
			var aus []AccessUnit
			s := NewAccessUnitScanner(tc.in)
			for au, ok := s.Next(); ok; au, ok = s.Next() {
				got = append(got, auWant{au.NALs, au.Keyframe, au.HasSPS})
				aus = append(aus, au)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			checkAUs(t, tc.in, aus)
		})
	}
}

func checkAUs(t testing.TB, b []byte, aus []AccessUnit) {
	t.Helper()
	for i, au := range aus {
		if au.Start < 0 || au.Start >= au.End || au.End > len(b) || au.NALs < 1 {
			t.Fatalf("AU %d: bad %+v", i, au)
		}
		if i > 0 && aus[i-1].End != au.Start {
			t.Fatalf("AU %d: starts %d, previous ends %d", i, au.Start, aus[i-1].End)
		}
		if au.Keyframe != IsKeyframe(b[au.Start:au.End]) {
			t.Fatalf("AU %d: keyframe %v disagrees with IsKeyframe", i, au.Keyframe)
		}
		if n := len(scanAll(b[au.Start:au.End])); n != au.NALs {
			t.Fatalf("AU %d: %d units, rescanned %d", i, au.NALs, n)
		}
	}
	nals := scanAll(b)
	total := 0
	for _, au := range aus {
		total += au.NALs
	}
	if total != len(nals) {
		t.Fatalf("AUs hold %d units of %d", total, len(nals))
	}
}

func TestParameterSets(t *testing.T) {
	b := stream(nal(hAUD, 0xf0), nal(hSPS, 0x42, 0xc0), nal(hPPS, 0xce), nal(hIDR, fm0), nal(hSPS, 0x4d))
	sps, pps := ParameterSets(b)
	if !slices.Equal(sps, []byte{hSPS, 0x42, 0xc0}) || !slices.Equal(pps, []byte{hPPS, 0xce}) {
		t.Errorf("sps %x pps %x", sps, pps)
	}
	if sps, pps := ParameterSets(nal(hP, fm0)); sps != nil || pps != nil {
		t.Error("found parameter sets in a P slice")
	}
	if !IsKeyframe(b) || IsKeyframe(nal(hP, fm0)) || IsKeyframe(nil) {
		t.Error("IsKeyframe")
	}
}

func TestNALType(t *testing.T) {
	if TypeOf(0x65) != NALIDR || RefIDC(0x65) != 3 || RefIDC(0x01) != 0 || ForbiddenBit(0x65) || !ForbiddenBit(0xe5) {
		t.Error("header accessors")
	}
	if NALIDR.String() != "IDR" || NALType(23).String() != "NAL(23)" || !NALIDR.IsVCL() || NALSPS.IsVCL() {
		t.Error("String/IsVCL")
	}
}

func TestScannerAllocs(t *testing.T) {
	b := stream(nal(hSPS, 0x42), nal(hPPS, 0xce), nal3(hIDR, fm0, 1), nal3(hP, fm0, 2), nal3(hP, fmN, 2))
	n := testing.AllocsPerRun(100, func() {
		s := NewAccessUnitScanner(b)
		for _, ok := s.Next(); ok; _, ok = s.Next() {
		}
		if !IsKeyframe(b) {
			t.Fatal()
		}
		sps, _ := ParameterSets(b)
		_ = sps
	})
	if n != 0 {
		t.Errorf("%v allocs", n)
	}
}

// TestIndexZeroPair holds indexZeroPair (the SIMD block search on amd64 and
// its byte-by-byte finish) to a plain loop, with pairs placed at and across
// every position of 64-byte blocks and at the ends.
func TestIndexZeroPair(t *testing.T) {
	// The assembly must be the path under test wherever there is one.
	if runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64" {
		purego := false
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "-tags" && slices.Contains(strings.Split(s.Value, ","), "purego") {
					purego = true
				}
			}
		}
		if haveZeroPairBlock == purego {
			t.Errorf("%s, purego %v: haveZeroPairBlock is %v", runtime.GOARCH, purego, haveZeroPairBlock)
		}
	}
	naive := func(b []byte) int {
		for i := 0; i+1 < len(b); i++ {
			if b[i] == 0 && b[i+1] == 0 {
				return i
			}
		}
		return -1
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 300; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(1 + rng.IntN(255))
		}
		if got := indexZeroPair(b); got != -1 {
			t.Fatalf("len %d, no zeros: got %d", n, got)
		}
		for at := 0; at+1 < n; at++ {
			c := slices.Clone(b)
			c[at], c[at+1] = 0, 0
			if got, want := indexZeroPair(c), naive(c); got != want {
				t.Fatalf("len %d, pair at %d: got %d, want %d", n, at, got, want)
			}
			c[at+1] = 7 // a lone zero is no pair
			if got := indexZeroPair(c); got != -1 {
				t.Fatalf("len %d, lone zero at %d: got %d", n, at, got)
			}
		}
	}
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.IntN(600))
		for j := range b {
			if rng.IntN(4) > 0 {
				b[j] = byte(rng.IntN(3))
			} else {
				b[j] = byte(rng.IntN(256))
			}
		}
		if got, want := indexZeroPair(b), naive(b); got != want {
			t.Fatalf("%x: got %d, want %d", b, got, want)
		}
	}
	// Longer inputs: a pair across every block boundary, and the pair
	// b[m-1], b[m] with m = (len-1)&^63, whose second byte is the one
	// zeroPairBlock reads past its n = m whole blocks.
	for n := 1000; n < 1000+130; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(1 + rng.IntN(255))
		}
		m := (n - 1) &^ 63
		ats := []int{m - 1, m, n - 2}
		for k := 64; k < n; k += 64 {
			ats = append(ats, k-2, k-1, k)
		}
		for _, at := range ats {
			if at+1 >= n {
				continue
			}
			c := slices.Clone(b)
			c[at], c[at+1] = 0, 0
			if got, want := indexZeroPair(c), naive(c); got != want {
				t.Fatalf("len %d, pair at %d: got %d, want %d", n, at, got, want)
			}
			c[at+1] = 7 // lone zeros on either side of a boundary
			if got := indexZeroPair(c); got != -1 {
				t.Fatalf("len %d, lone zero at %d: got %d", n, at, got)
			}
			c[at], c[at+1] = 7, 0
			if got := indexZeroPair(c); got != -1 {
				t.Fatalf("len %d, lone zero at %d: got %d", n, at+1, got)
			}
		}
		// Only the byte past the whole blocks is zero.
		c := slices.Clone(b)
		c[m] = 0
		if got := indexZeroPair(c); got != -1 {
			t.Fatalf("len %d, lone zero at m = %d: got %d", n, m, got)
		}
	}
	// Sparse zeros, so that the search runs over many blocks first.
	for i := 0; i < 2000; i++ {
		b := make([]byte, 64+rng.IntN(4096))
		for j := range b {
			b[j] = byte(rng.IntN(256))
			if b[j] == 0 && rng.IntN(8) > 0 {
				b[j] = 1
			}
		}
		if rng.IntN(2) == 0 {
			at := rng.IntN(len(b) - 1)
			b[at], b[at+1] = 0, 0
		}
		if got, want := indexZeroPair(b), naive(b); got != want {
			t.Fatalf("len %d: got %d, want %d", len(b), got, want)
		}
	}
}
