package codec

import (
	"slices"
	"testing"
)

func FuzzAnnexB(f *testing.F) {
	for _, s := range []string{
		"", "00 00 01", "00 00 00 01 67 42 00 00 00 01 68 ce", "00 00 01 00 00 01 65 aa",
		"00 00 01 65 aa 00 00 00 00 01 41 bb 00", "00 00 01 65 00 00 03 01 aa", "ff 12 00 00 01 09 10",
		"00 00 01 09 f0 00 00 01 65 88 00 00 01 65 40 00 00 01 41 88 00 00 01 06 05 80 00 00 01 41 88",
	} {
		f.Add(unhex(f, s))
	}
	f.Add(stream(nal(hSPS, 0x42), nal(hPPS, 0xce), nal3(hIDR, fm0, 1), nal3(hP, fm0, 2), nal(hAUD, 0xf0), nal3(hP, fmN)))
	clip := readClip(f, "lo.h264")
	f.Add(clip[:2000])
	f.Fuzz(func(t *testing.T, b []byte) {
		nals := scanAll(b)
		checkNALs(t, b, nals)
		steps := []int{1 + len(b)%7, 3, 1 + len(b)%64}
		if parts := scanParts(t, b, steps); !slices.Equal(parts, nals) {
			t.Fatalf("NextPart gives %+v, Next %+v", parts, nals)
		}
		var aus []AccessUnit
		s := NewAccessUnitScanner(b)
		for au, ok := s.Next(); ok; au, ok = s.Next() {
			aus = append(aus, au)
			if len(aus) > len(b) {
				t.Fatal("more access units than bytes")
			}
		}
		checkAUs(t, b, aus)
		if len(nals) > 0 && (len(aus) == 0 || aus[0].Start != nals[0].Prefix) {
			t.Fatal("access units do not start at the first unit")
		}
		sps, pps := ParameterSets(b)
		if sps != nil && TypeOf(sps[0]) != NALSPS || pps != nil && TypeOf(pps[0]) != NALPPS {
			t.Fatal("ParameterSets returned the wrong unit")
		}
	})
}

func FuzzSPS(f *testing.F) {
	for _, v := range spsVectors {
		f.Add(unhex(f, v.hex))
	}
	f.Add(buildSPS(spsFields{profile: 77, level: 30, pocType: 1, pocCycle: []int64{1, -2, 300}, widthMBs: 45, heightMapUnits: 36, frameMBsOnly: true}))
	f.Add(buildSPS(spsFields{profile: 100, chroma: 0, level: 40, widthMBs: 2, heightMapUnits: 1, crop: []uint64{1, 2, 3, 4}}))
	f.Add(buildSPS(spsFields{profile: 0, level: 2, widthMBs: 1, heightMapUnits: 1, frameMBsOnly: true}))
	f.Add([]byte{0x67})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSPS(b)
		if err != nil {
			return
		}
		if s.Width <= 0 || s.Height <= 0 || s.Width > s.CodedWidth || s.Height > s.CodedHeight ||
			s.CodedWidth%16 != 0 || s.CodedHeight%16 != 0 || s.CodedWidth > maxMBs*16 || s.CodedHeight > maxMBs*16 {
			t.Fatalf("implausible size %+v", s)
		}
		if s.CropLeft+s.CropRight+s.Width != s.CodedWidth || s.CropTop+s.CropBottom+s.Height != s.CodedHeight {
			t.Fatalf("crop does not add up %+v", s)
		}
		if len(s.ProfileLevelID()) != 6 || s.SARWidth == 0 || s.SARHeight == 0 {
			t.Fatalf("bad derived values %+v", s)
		}
		if n, d, ok := s.FrameRate(); ok && (n == 0 || d == 0) {
			t.Fatalf("frame rate %d/%d", n, d)
		}
		// The same SPS unescaped and re-escaped parses the same.
		again, err := ParseSPS(escape(Unescape(nil, b)))
		if err != nil || again != s {
			t.Fatalf("re-escaped SPS parses differently: %v\n%+v\n%+v", err, s, again)
		}
	})
}
