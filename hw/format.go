package hw

import (
	"fmt"
	"math/bits"
	"strconv"
	"time"
)

// PixelFormat identifies a video stream or pixel format by its V4L2 FourCC
// (the four ASCII bytes packed little-endian, as v4l2_fourcc does), so drivers
// pass the kernel's value through unchanged.
type PixelFormat uint32

// FourCC packs four characters into a PixelFormat the way v4l2_fourcc does.
func FourCC(a, b, c, d byte) PixelFormat {
	return PixelFormat(uint32(a) | uint32(b)<<8 | uint32(c)<<16 | uint32(d)<<24)
}

// Formats cluecam knows by name.
var (
	FormatH264   = FourCC('H', '2', '6', '4') // H.264 Annex-B byte stream, one access unit per frame
	FormatMJPEG  = FourCC('M', 'J', 'P', 'G') // Motion JPEG, one JPEG image per frame
	FormatYUYV   = FourCC('Y', 'U', 'Y', 'V') // packed 4:2:2
	FormatNV12   = FourCC('N', 'V', '1', '2') // semi-planar 4:2:0
	FormatYUV420 = FourCC('Y', 'U', '1', '2') // planar 4:2:0 (I420)
)

// Compressed reports whether frames of this format are coded bitstreams
// (H.264, MJPEG) rather than raw pixels.
func (f PixelFormat) Compressed() bool { return f == FormatH264 || f == FormatMJPEG }

// String returns the four characters, trailing spaces trimmed, or a hex
// number when they are not printable.
func (f PixelFormat) String() string {
	b := [4]byte{byte(f), byte(f >> 8), byte(f >> 16), byte(f >> 24)}
	n := 4
	for n > 0 && b[n-1] == ' ' {
		n--
	}
	for _, c := range b[:n] {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("PixelFormat(%#08x)", uint32(f))
		}
	}
	return string(b[:n])
}

// Rational is a non-negative fraction, used for frame rates so that NTSC
// rates such as 30000/1001 are exact. The zero value (0/0) means "unknown".
type Rational struct {
	Num, Den uint32
}

// Valid reports whether r is a positive finite fraction.
func (r Rational) Valid() bool { return r.Num > 0 && r.Den > 0 }

// Equal compares the values (30/1 equals 60/2). Invalid values equal nothing.
func (r Rational) Equal(o Rational) bool {
	return r.Valid() && o.Valid() && uint64(r.Num)*uint64(o.Den) == uint64(o.Num)*uint64(r.Den)
}

// Float64 returns Num/Den, or 0 for an invalid value.
func (r Rational) Float64() float64 {
	if !r.Valid() {
		return 0
	}
	return float64(r.Num) / float64(r.Den)
}

// FrameTime returns the time of frame n counted from frame 0 at this rate:
// n·Den/Num seconds exactly, rounded up to the nanosecond, so pacing by
// FrameTime(n) never drifts as summing a rounded period would, and
// FramesIn(FrameTime(n)) == n. It returns 0 for an invalid rate and
// saturates beyond ~292 years.
func (r Rational) FrameTime(n uint64) time.Duration {
	if !r.Valid() {
		return 0
	}
	hi, lo := bits.Mul64(n, uint64(r.Den)*uint64(time.Second))
	if hi >= uint64(r.Num) {
		return time.Duration(1<<63 - 1)
	}
	q, rem := bits.Div64(hi, lo, uint64(r.Num))
	if rem != 0 {
		q++
	}
	if q > 1<<63-1 {
		return time.Duration(1<<63 - 1)
	}
	return time.Duration(q)
}

// FramesIn returns how many whole frames at this rate fit in d, the inverse
// of FrameTime: FrameTime(FramesIn(d)) <= d < FrameTime(FramesIn(d)+1). It
// returns 0 for an invalid rate or d <= 0.
func (r Rational) FramesIn(d time.Duration) uint64 {
	if !r.Valid() || d <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(d), uint64(r.Num))
	div := uint64(r.Den) * uint64(time.Second)
	if hi >= div {
		return 1<<64 - 1
	}
	q, _ := bits.Div64(hi, lo, div)
	return q
}

// String formats 30/1 as "30" and 30000/1001 as "30000/1001".
func (r Rational) String() string {
	if r.Den == 1 {
		return strconv.FormatUint(uint64(r.Num), 10)
	}
	return strconv.FormatUint(uint64(r.Num), 10) + "/" + strconv.FormatUint(uint64(r.Den), 10)
}

// VideoMode is one way a video source can run: stream format, picture size
// and frame rate.
type VideoMode struct {
	Format    PixelFormat
	Width     int
	Height    int
	FrameRate Rational
}

// Equal compares modes, frame rates by value.
func (m VideoMode) Equal(o VideoMode) bool {
	return m.Format == o.Format && m.Width == o.Width && m.Height == o.Height && m.FrameRate.Equal(o.FrameRate)
}

// String formats the mode as "H264 640x360@30".
func (m VideoMode) String() string {
	return fmt.Sprintf("%v %dx%d@%v", m.Format, m.Width, m.Height, m.FrameRate)
}

// FindMode returns the mode of modes equal to m, and whether there is one.
func FindMode(modes []VideoMode, m VideoMode) (VideoMode, bool) {
	for _, x := range modes {
		if x.Equal(m) {
			return x, true
		}
	}
	return VideoMode{}, false
}

// AudioEncoding is the sample encoding of PCM audio.
type AudioEncoding uint8

// Encodings. The zero value is invalid so that an unset encoding is caught.
const (
	// S16LE: signed 16-bit little-endian samples, interleaved by channel.
	// In Go they travel as []int16 in host order.
	S16LE AudioEncoding = 1
)

// BytesPerSample returns the size of one sample of one channel, or 0 for an
// unknown encoding.
func (e AudioEncoding) BytesPerSample() int {
	if e == S16LE {
		return 2
	}
	return 0
}

func (e AudioEncoding) String() string {
	if e == S16LE {
		return "S16LE"
	}
	return "AudioEncoding(" + strconv.Itoa(int(e)) + ")"
}

// AudioFormat is one way an audio source can run.
type AudioFormat struct {
	Rate     int // frames (samples per channel) per second
	Channels int
	Encoding AudioEncoding
}

// Valid reports whether the format has a positive rate and channel count and
// a known encoding.
func (f AudioFormat) Valid() bool {
	return f.Rate > 0 && f.Channels > 0 && f.Encoding.BytesPerSample() > 0
}

// FrameDuration returns the time n frames take at this rate (exact, rounded
// up to the nanosecond, as Rational.FrameTime). It returns 0 for an invalid format.
func (f AudioFormat) FrameDuration(n int64) time.Duration {
	if f.Rate <= 0 || n < 0 {
		return 0
	}
	return Rational{Num: uint32(f.Rate), Den: 1}.FrameTime(uint64(n))
}

// FramesIn returns how many whole frames fit in d at this rate.
func (f AudioFormat) FramesIn(d time.Duration) int {
	if f.Rate <= 0 || d <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(d), uint64(f.Rate))
	if hi >= uint64(time.Second) {
		return int(^uint(0) >> 1)
	}
	q, _ := bits.Div64(hi, lo, uint64(time.Second))
	if q > uint64(^uint(0)>>1) {
		return int(^uint(0) >> 1)
	}
	return int(q)
}

// String formats the format as "S16LE 48000Hz 2ch".
func (f AudioFormat) String() string {
	return fmt.Sprintf("%v %dHz %dch", f.Encoding, f.Rate, f.Channels)
}
