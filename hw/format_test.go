package hw

import (
	"testing"
	"time"
)

func TestPixelFormatString(t *testing.T) {
	for f, want := range map[PixelFormat]string{
		FormatH264: "H264", FormatMJPEG: "MJPG", FormatYUYV: "YUYV", FormatNV12: "NV12", FormatYUV420: "YU12",
		FourCC('Y', '8', ' ', ' '): "Y8",
		PixelFormat(0x01020304):    "PixelFormat(0x01020304)",
	} {
		if got := f.String(); got != want {
			t.Errorf("%#x: %q, want %q", uint32(f), got, want)
		}
	}
	// The V4L2 value of V4L2_PIX_FMT_H264 is v4l2_fourcc('H','2','6','4').
	if FormatH264 != 0x34363248 {
		t.Errorf("H264 = %#x", uint32(FormatH264))
	}
	if !FormatH264.Compressed() || FormatYUYV.Compressed() {
		t.Error("Compressed")
	}
}

func TestRational(t *testing.T) {
	ntsc := Rational{30000, 1001}
	if ntsc.String() != "30000/1001" || (Rational{30, 1}).String() != "30" {
		t.Error("String")
	}
	if !(Rational{30, 1}).Equal(Rational{60, 2}) || (Rational{30, 1}).Equal(ntsc) || (Rational{}).Equal(Rational{}) {
		t.Error("Equal")
	}
	if got := ntsc.FrameTime(30000); got != 1001*time.Second {
		t.Errorf("30000 NTSC frames take %v", got)
	}
	if got := ntsc.FrameTime(1); got != 33366667 {
		t.Errorf("one NTSC frame %v", got)
	}
	// A week of frames does not overflow or drift.
	n := uint64(7 * 24 * 3600 * 30)
	if got := (Rational{30, 1}).FrameTime(n); got != 7*24*time.Hour {
		t.Errorf("a week: %v", got)
	}
	for _, r := range []Rational{{30, 1}, ntsc, {48000, 960}, {7, 3}} {
		for _, n := range []uint64{0, 1, 2, 29, 30, 1001, 123456} {
			d := r.FrameTime(n)
			if got := r.FramesIn(d); got != n {
				t.Errorf("%v: FramesIn(FrameTime(%d)=%v) = %d", r, n, d, got)
			}
			if got := r.FramesIn(r.FrameTime(n+1) - 1); got != n {
				t.Errorf("%v: FramesIn just before frame %d = %d", r, n+1, got)
			}
		}
	}
	if (Rational{}).FramesIn(time.Second) != 0 || ntsc.FramesIn(-1) != 0 {
		t.Error("FramesIn of nothing")
	}
	if (Rational{}).FrameTime(5) != 0 || (Rational{}).Float64() != 0 {
		t.Error("invalid rate")
	}
	if got := (Rational{1, 1 << 31}).FrameTime(1 << 62); got != 1<<63-1 {
		t.Errorf("saturation: %v", got)
	}
}

func TestVideoMode(t *testing.T) {
	m := VideoMode{FormatH264, 1280, 720, Rational{30000, 1001}}
	if m.String() != "H264 1280x720@30000/1001" {
		t.Error(m.String())
	}
	modes := []VideoMode{{FormatMJPEG, 1280, 720, Rational{30, 1}}, m}
	if got, ok := FindMode(modes, VideoMode{FormatH264, 1280, 720, Rational{60000, 2002}}); !ok || got != m {
		t.Error("FindMode")
	}
	if _, ok := FindMode(modes, VideoMode{FormatH264, 1280, 720, Rational{30, 1}}); ok {
		t.Error("FindMode matched another rate")
	}
}

func TestAudioFormat(t *testing.T) {
	f := AudioFormat{Rate: 44100, Channels: 2, Encoding: S16LE}
	if !f.Valid() || (AudioFormat{Rate: 8000, Channels: 1}).Valid() {
		t.Error("Valid")
	}
	if f.String() != "S16LE 44100Hz 2ch" || AudioEncoding(9).String() != "AudioEncoding(9)" {
		t.Error(f.String())
	}
	if got := f.FramesIn(20 * time.Millisecond); got != 882 {
		t.Errorf("20 ms = %d frames", got)
	}
	if got := f.FrameDuration(441); got != 10*time.Millisecond {
		t.Errorf("441 frames = %v", got)
	}
	if f.FramesIn(-1) != 0 || f.FrameDuration(-1) != 0 {
		t.Error("negative")
	}
}
