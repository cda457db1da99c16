package codec

import (
	"errors"
	"math/bits"
	"slices"
	"testing"
)

// SPS NAL units written by libx264 (ffmpeg 5.1), with what ffprobe reported
// for each stream: see the table below.
var spsVectors = []struct {
	name                string
	hex                 string
	profile             string
	plid                string
	w, h                int
	codedW, codedH      int
	chroma              uint32
	frameMBsOnly        bool
	sarW, sarH          uint32
	fpsNum, fpsDen      uint32
	ffprobeProfileLevel string
}{
	{"1080p High", "67640028acd940780227e5c044000003000400000300f03c60c658", "High", "640028", 1920, 1080, 1920, 1088, 1, true, 1, 1, 30, 1, "High/40"},
	{"720p Main NTSC", "674d401feca02802dd808800001f480007530078c18cb0", "Main", "4d401f", 1280, 720, 1280, 720, 1, true, 1, 1, 30000, 1001, "Main/31"},
	{"1080p High 4:2:2", "677a0028bcd940780227e27011000003000100000300320f183196", "High 4:2:2", "7a0028", 1920, 1080, 1920, 1088, 2, true, 1, 1, 25, 1, "High 4:2:2/40"},
	{"576i interlaced 16:9", "6764001eacd940b424dff8020001688000000300800000190f8a14cb", "High", "64001e", 720, 576, 720, 576, 1, false, 64, 45, 25, 1, "High/30"},
	{"720p 4:4:4 with scaling matrices", "67f40020919b280a00b76022000003000200000300f01e30632c", "High 4:4:4 Predictive", "f40020", 1280, 720, 1280, 720, 3, true, 1, 1, 60, 1, "High 4:4:4 Predictive/32"},
	{"QCIF monochrome", "6764000af3650b13b016c8000003000800000300f078912cb0", "High", "64000a", 176, 144, 176, 144, 0, true, 1, 1, 15, 1, "High/10"},
	{"1000x562 cropped right and bottom", "6742c01fd900fc12796230110000030001000003003c0f183248", "Constrained Baseline", "42c01f", 1000, 562, 1008, 576, 1, true, 1, 1, 30, 1, "Constrained Baseline/31"},
}

func TestParseSPSVectors(t *testing.T) {
	for _, v := range spsVectors {
		t.Run(v.name, func(t *testing.T) {
			s, err := ParseSPS(unhex(t, v.hex))
			if err != nil {
				t.Fatal(err)
			}
			if s.ProfileName() != v.profile || s.ProfileLevelID() != v.plid {
				t.Errorf("profile %q %s, want %q %s", s.ProfileName(), s.ProfileLevelID(), v.profile, v.plid)
			}
			if s.Width != v.w || s.Height != v.h || s.CodedWidth != v.codedW || s.CodedHeight != v.codedH {
				t.Errorf("size %dx%d coded %dx%d, want %dx%d coded %dx%d", s.Width, s.Height, s.CodedWidth, s.CodedHeight, v.w, v.h, v.codedW, v.codedH)
			}
			if s.ChromaFormatIDC != v.chroma || s.FrameMBsOnly != v.frameMBsOnly {
				t.Errorf("chroma %d frame_mbs_only %v", s.ChromaFormatIDC, s.FrameMBsOnly)
			}
			if s.SARWidth != v.sarW || s.SARHeight != v.sarH {
				t.Errorf("SAR %d:%d", s.SARWidth, s.SARHeight)
			}
			if n, d, ok := s.FrameRate(); !ok || n != v.fpsNum || d != v.fpsDen {
				t.Errorf("frame rate %d/%d %v", n, d, ok)
			}
		})
	}
}

// bitWriter writes RBSP bits for hand-built test SPSs.
type bitWriter struct {
	b []byte
	n uint // bits used in the last byte
}

func (w *bitWriter) u(k uint, v uint64) {
	for i := int(k) - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.b[len(w.b)-1] |= 0x80 >> (w.n % 8)
		}
		w.n++
	}
}

func (w *bitWriter) ue(v uint64) {
	lz := uint(bits.Len64(v+1)) - 1
	w.u(lz, 0)
	w.u(lz+1, v+1)
}

func (w *bitWriter) se(v int64) {
	if v > 0 {
		w.ue(uint64(2*v - 1))
	} else {
		w.ue(uint64(-2 * v))
	}
}

// trailing writes rbsp_trailing_bits.
func (w *bitWriter) trailing() []byte {
	w.u(1, 1)
	for w.n%8 != 0 {
		w.u(1, 0)
	}
	return w.b
}

// escape inserts emulation prevention bytes (H.264 §7.4.1).
func escape(rbsp []byte) []byte {
	var out []byte
	zeros := 0
	for _, c := range rbsp {
		if zeros >= 2 && c <= 3 {
			out = append(out, 3)
			zeros = 0
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}

type spsFields struct {
	profile, constraints, level uint64
	id                          uint64
	chroma                      uint64 // high profiles only
	pocType                     uint64
	pocCycle                    []int64
	widthMBs, heightMapUnits    uint64
	frameMBsOnly                bool
	crop                        []uint64
}

func buildSPS(f spsFields) []byte {
	var w bitWriter
	w.u(8, 0x67)
	w.u(8, f.profile)
	w.u(8, f.constraints)
	w.u(8, f.level)
	w.ue(f.id)
	if highProfile(uint8(f.profile)) {
		w.ue(f.chroma)
		if f.chroma == 3 {
			w.u(1, 0)
		}
		w.ue(0) // bit depths
		w.ue(0)
		w.u(1, 0)
		w.u(1, 0) // no scaling matrix
	}
	w.ue(0) // log2_max_frame_num_minus4
	w.ue(f.pocType)
	switch f.pocType {
	case 0:
		w.ue(2)
	case 1:
		w.u(1, 0)
		w.se(-3)
		w.se(7)
		w.ue(uint64(len(f.pocCycle)))
		for _, o := range f.pocCycle {
			w.se(o)
		}
	}
	w.ue(1)   // max_num_ref_frames
	w.u(1, 0) // gaps
	w.ue(f.widthMBs - 1)
	w.ue(f.heightMapUnits - 1)
	if f.frameMBsOnly {
		w.u(1, 1)
	} else {
		w.u(1, 0)
		w.u(1, 1)
	}
	w.u(1, 1) // direct_8x8
	if f.crop != nil {
		w.u(1, 1)
		for _, c := range f.crop {
			w.ue(c)
		}
	} else {
		w.u(1, 0)
	}
	w.u(1, 0) // no VUI
	return escape(w.trailing())
}

func TestParseSPSBuilt(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    spsFields
		w, h int
	}{
		{"baseline QVGA", spsFields{profile: 66, constraints: 0xc0, level: 13, widthMBs: 20, heightMapUnits: 15, frameMBsOnly: true}, 320, 240},
		{"poc type 1 with a cycle", spsFields{profile: 77, level: 30, pocType: 1, pocCycle: []int64{1, -2, 300}, widthMBs: 45, heightMapUnits: 36, frameMBsOnly: true}, 720, 576},
		{"poc type 2", spsFields{profile: 66, level: 30, pocType: 2, widthMBs: 1, heightMapUnits: 1, frameMBsOnly: true}, 16, 16},
		{"interlaced 4:2:0 crop (unit 2x4)", spsFields{profile: 100, chroma: 1, level: 40, widthMBs: 120, heightMapUnits: 34, crop: []uint64{0, 0, 0, 2}}, 1920, 1080},
		{"monochrome interlaced crop (unit 1x2)", spsFields{profile: 100, chroma: 0, level: 40, widthMBs: 2, heightMapUnits: 1, crop: []uint64{1, 2, 3, 4}}, 29, 18},
		{"4:4:4 crop (unit 1x1)", spsFields{profile: 244, chroma: 3, level: 40, widthMBs: 2, heightMapUnits: 2, frameMBsOnly: true, crop: []uint64{1, 1, 1, 1}}, 30, 30},
		{"largest sps id", spsFields{profile: 66, id: 31, level: 0, widthMBs: 1, heightMapUnits: 1, frameMBsOnly: true}, 16, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := buildSPS(tc.f)
			s, err := ParseSPS(b)
			if err != nil {
				t.Fatalf("%x: %v", b, err)
			}
			if s.Width != tc.w || s.Height != tc.h {
				t.Errorf("%dx%d, want %dx%d", s.Width, s.Height, tc.w, tc.h)
			}
			if uint64(s.ProfileIDC) != tc.f.profile || uint64(s.Constraints) != tc.f.constraints || uint64(s.LevelIDC) != tc.f.level || uint64(s.ID) != tc.f.id {
				t.Errorf("header %+v", s)
			}
			if _, _, ok := s.FrameRate(); ok {
				t.Error("frame rate without VUI")
			}
		})
	}
}

func TestParseSPSEmulationPrevention(t *testing.T) {
	// profile 0, constraints 0, level 2 make the RBSP start 00 00 02, which
	// the stream must carry as 00 00 03 02.
	b := buildSPS(spsFields{profile: 0, level: 2, widthMBs: 1, heightMapUnits: 1, frameMBsOnly: true})
	if !slices.Contains(b, 3) {
		t.Fatalf("test SPS %x has no emulation prevention byte", b)
	}
	s, err := ParseSPS(b)
	if err != nil || s.Width != 16 || s.LevelIDC != 2 || s.ProfileLevelID() != "000002" {
		t.Fatalf("%+v %v", s, err)
	}
	// Unescape gives the RBSP back.
	rb := Unescape(make([]byte, 0, 64), b)
	if !slices.Equal(rb[:4], []byte{0x67, 0, 0, 2}) {
		t.Errorf("unescaped %x", rb)
	}
}

func TestUnescape(t *testing.T) {
	for _, tc := range [][2]string{
		{"", ""},
		{"00 00 03 00", "00 00 00"},
		{"00 00 03 01", "00 00 01"},
		{"00 00 03 03", "00 00 03"},
		{"00 00 03 00 00 03 02", "00 00 00 00 02"},
		{"00 03 00 00 03", "00 03 00 00"},
		{"00 00 00 03", "00 00 00"},
		{"67 42 c0 1e", "67 42 c0 1e"},
	} {
		got := Unescape(nil, unhex(t, tc[0]))
		if !slices.Equal(got, unhex(t, tc[1])) {
			t.Errorf("Unescape(%s) = %x, want %s", tc[0], got, tc[1])
		}
	}
}

func TestBitReaderExpGolomb(t *testing.T) {
	vals := []uint64{0, 1, 2, 3, 7, 8, 255, 1 << 20, 1<<31 - 1, 1 << 31, 1<<32 - 2}
	var w bitWriter
	for _, v := range vals {
		w.ue(v)
	}
	w.se(-5)
	w.se(5)
	w.se(0)
	w.u(32, 0xdeadbeef)
	r := newBitReader(escape(w.trailing()))
	for _, v := range vals {
		if got := r.ue(); uint64(got) != v {
			t.Fatalf("ue = %d, want %d (err %v)", got, v, r.err)
		}
	}
	if a, b, c := r.se(), r.se(), r.se(); a != -5 || b != 5 || c != 0 {
		t.Errorf("se %d %d %d", a, b, c)
	}
	if v := r.u(32); v != 0xdeadbeef || r.err != nil {
		t.Errorf("u32 %x %v", v, r.err)
	}
	// 32 leading zeros: longer than ue(v) can be in H.264.
	r = newBitReader([]byte{0, 0, 3, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff})
	if r.ue(); !errors.Is(r.err, ErrInvalid) {
		t.Errorf("33-bit code: %v", r.err)
	}
	r = newBitReader([]byte{0x01})
	if r.ue(); !errors.Is(r.err, ErrTruncated) {
		t.Errorf("truncated code: %v", r.err)
	}
	r = newBitReader([]byte{0xff})
	if r.u(9); !errors.Is(r.err, ErrTruncated) || r.u(1) != 0 {
		t.Errorf("u past the end: %v", r.err)
	}
}

func TestParseSPSErrors(t *testing.T) {
	good := buildSPS(spsFields{profile: 100, chroma: 1, level: 40, widthMBs: 120, heightMapUnits: 68, frameMBsOnly: true, crop: []uint64{0, 0, 0, 4}})
	if _, err := ParseSPS(good); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrNotSPS},
		{"a PPS", []byte{0x68, 0xce}, ErrNotSPS},
		{"forbidden bit", []byte{0xe7, 0x42}, ErrNotSPS},
		{"header only", []byte{0x67}, ErrTruncated},
		{"truncated", good[:8], ErrTruncated},
		{"sps id 32", buildSPS(spsFields{profile: 66, id: 32, widthMBs: 1, heightMapUnits: 1, frameMBsOnly: true}), ErrInvalid},
		{"chroma_format_idc 4", buildSPS(spsFields{profile: 100, chroma: 4, widthMBs: 1, heightMapUnits: 1, frameMBsOnly: true}), ErrInvalid},
		{"poc type 3", buildSPS(spsFields{profile: 66, pocType: 3, widthMBs: 1, heightMapUnits: 1, frameMBsOnly: true}), ErrInvalid},
		{"crop eats the picture", buildSPS(spsFields{profile: 66, widthMBs: 1, heightMapUnits: 1, frameMBsOnly: true, crop: []uint64{4, 4, 0, 0}}), ErrInvalid},
		{"too wide", buildSPS(spsFields{profile: 66, widthMBs: 1 << 13, heightMapUnits: 1, frameMBsOnly: true}), ErrInvalid},
	} {
		if _, err := ParseSPS(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestSprop(t *testing.T) {
	sps := unhex(t, "6742c01ed900a02ff970110000030001000003003c8f162e48")
	pps := unhex(t, "68cb8cb2")
	if got := SpropParameterSets(sps, pps); got != "Z0LAHtkAoC/5cBEAAAMAAQAAAwA8jxYuSA==,aMuMsg==" {
		t.Errorf("sprop %s", got)
	}
	s, err := ParseSPS(sps)
	if err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(100, func() {
		var buf [64]byte
		if _, err := ParseSPS(sps); err != nil {
			t.Fatal(err)
		}
		_ = s.AppendProfileLevelID(buf[:0])
		_ = AppendSpropParameterSets(buf[:0], sps, pps)
	})
	if n != 0 {
		t.Errorf("ParseSPS + Append* allocate %v", n)
	}
}
