package v4l2

import (
	"math/big"
	"sort"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/media/codec"
)

// Formats cluecam offers by default: what the pipeline packetizes (H.264,
// Motion JPEG) and the raw formats hardware encoders take. Options.Formats
// changes the list.
var DefaultFormats = []hw.PixelFormat{
	hw.FormatH264, hw.FormatMJPEG, formatJPEG,
	hw.FormatYUYV, formatUYVY, hw.FormatNV12, formatNV21, hw.FormatYUV420, formatYVU420,
	formatFWHT,
}

// More FourCCs of <linux/videodev2.h>.
var (
	formatJPEG   = hw.FourCC('J', 'P', 'E', 'G')
	formatUYVY   = hw.FourCC('U', 'Y', 'V', 'Y')
	formatNV21   = hw.FourCC('N', 'V', '2', '1')
	formatYVU420 = hw.FourCC('Y', 'V', '1', '2')
	formatFWHT   = hw.FourCC('F', 'W', 'H', 'T') // vicodec's codec
	formatHEVC   = hw.FourCC('H', 'E', 'V', 'C')
	formatVP8    = hw.FourCC('V', 'P', '8', '0')
	formatVP9    = hw.FourCC('V', 'P', '9', '0')
)

// multiBuffer lists formats whose planes live in separate buffers (the
// "M" variants): a Frame has one Data slice, so they are never offered.
var multiBuffer = map[hw.PixelFormat]bool{
	hw.FourCC('N', 'M', '1', '2'): true, hw.FourCC('N', 'M', '2', '1'): true,
	hw.FourCC('N', 'M', '1', '6'): true, hw.FourCC('N', 'M', '6', '1'): true,
	hw.FourCC('Y', 'M', '1', '2'): true, hw.FourCC('Y', 'M', '2', '1'): true,
	hw.FourCC('Y', 'M', '1', '6'): true, hw.FourCC('Y', 'M', '6', '1'): true,
	hw.FourCC('Y', 'M', '2', '4'): true, hw.FourCC('Y', 'M', '4', '2'): true,
}

// interCoded reports whether frames of f may depend on earlier frames, so
// that only flagged or scanned frames count as keyframes.
func interCoded(f hw.PixelFormat) bool {
	switch f {
	case hw.FormatH264, formatHEVC, formatVP8, formatVP9, formatFWHT:
		return true
	}
	return false
}

func isH264Keyframe(b []byte) bool { return codec.IsKeyframe(b) }

// Limits on what enumeration accepts from a driver, so a buggy or hostile
// one cannot make Scan loop or allocate without bound.
const (
	maxFormats   = 128
	maxSizes     = 64
	maxIntervals = 64
	maxModes     = 4096
)

// frameSize is one picture size.
type frameSize struct{ w, h uint32 }

// standardSizes are tried against stepwise and continuous size ranges.
var standardSizes = []frameSize{
	{160, 120}, {320, 180}, {320, 240}, {352, 288}, {640, 360}, {640, 480}, {800, 600},
	{960, 540}, {1024, 768}, {1280, 720}, {1280, 960}, {1600, 1200}, {1920, 1080},
	{2560, 1440}, {3840, 2160},
}

// standardRates are tried against stepwise and continuous interval ranges.
var standardRates = []uint32{5, 10, 15, 20, 24, 25, 30, 50, 60}

// sizesOf turns VIDIOC_ENUM_FRAMESIZES results into sizes: the discrete
// ones as listed, a stepwise or continuous range as the standard sizes it
// contains plus its maximum. Zero sizes are dropped, duplicates removed.
func sizesOf(es []frmsizeenum) []frameSize {
	var out []frameSize
	seen := map[frameSize]bool{}
	add := func(s frameSize) {
		if s.w == 0 || s.h == 0 || seen[s] || len(out) >= maxSizes {
			return
		}
		seen[s] = true
		out = append(out, s)
	}
	for _, e := range es {
		switch e.typ {
		case frmTypeDiscrete:
			add(frameSize{e.u[0], e.u[1]})
		case frmTypeStepwise, frmTypeContinuous:
			minW, maxW, stepW, minH, maxH, stepH := e.u[0], e.u[1], e.u[2], e.u[3], e.u[4], e.u[5]
			if e.typ == frmTypeContinuous || stepW == 0 {
				stepW = 1
			}
			if e.typ == frmTypeContinuous || stepH == 0 {
				stepH = 1
			}
			for _, s := range standardSizes {
				if inStep(s.w, minW, maxW, stepW) && inStep(s.h, minH, maxH, stepH) {
					add(s)
				}
			}
			if maxW >= minW && maxH >= minH {
				add(frameSize{maxW, maxH})
			}
		}
	}
	return out
}

func inStep(v, lo, hi, step uint32) bool {
	return v >= lo && v <= hi && (v-lo)%step == 0
}

// ratesOf turns VIDIOC_ENUM_FRAMEINTERVALS results into frame rates
// (the inverse of the intervals), reduced, fastest first: discrete ones as
// listed, a range as the standard rates inside it.
func ratesOf(es []frmivalenum) []hw.Rational {
	var out []hw.Rational
	add := func(r hw.Rational) {
		if !r.Valid() || len(out) >= maxIntervals {
			return
		}
		r = reduce(r)
		for _, o := range out {
			if o == r {
				return
			}
		}
		out = append(out, r)
	}
	for _, e := range es {
		switch e.typ {
		case frmTypeDiscrete:
			add(hw.Rational{Num: e.u[0].den, Den: e.u[0].num})
		case frmTypeStepwise, frmTypeContinuous:
			lo, hi, step := e.u[0], e.u[1], e.u[2]
			if lo.num == 0 || lo.den == 0 || hi.num == 0 || hi.den == 0 {
				continue
			}
			for _, r := range standardRates {
				if intervalIn(r, lo, hi, step, e.typ == frmTypeStepwise) {
					add(hw.Rational{Num: r, Den: 1})
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Float64() > out[j].Float64() })
	return out
}

// intervalIn reports whether the interval 1/rate lies in [lo, hi] and, for
// a stepwise range with a valid step, on lo + k·step.
func intervalIn(rate uint32, lo, hi, step fract, stepwise bool) bool {
	iv := big.NewRat(1, int64(rate))
	l := big.NewRat(int64(lo.num), int64(lo.den))
	h := big.NewRat(int64(hi.num), int64(hi.den))
	if iv.Cmp(l) < 0 || iv.Cmp(h) > 0 {
		return false
	}
	if !stepwise || step.num == 0 || step.den == 0 {
		return true
	}
	k := new(big.Rat).Sub(iv, l)
	k.Quo(k, big.NewRat(int64(step.num), int64(step.den)))
	return k.IsInt()
}

func reduce(r hw.Rational) hw.Rational {
	a, b := r.Num, r.Den
	for b != 0 {
		a, b = b, a%b
	}
	if a == 0 {
		return r
	}
	return hw.Rational{Num: r.Num / a, Den: r.Den / a}
}

// BestMode picks the mode of modes closest to want, for callers that ask
// for "about 720p30 H.264" rather than an exact listed mode: the same
// format if offered (else any), then the smallest size at least as large
// as wanted (else the largest), then the slowest rate at least as fast
// (else the fastest). ok is false only when modes is empty.
func BestMode(modes []hw.VideoMode, want hw.VideoMode) (m hw.VideoMode, ok bool) {
	if exact, ok := hw.FindMode(modes, want); ok {
		return exact, true
	}
	cand := modes
	var same []hw.VideoMode
	for _, x := range modes {
		if x.Format == want.Format {
			same = append(same, x)
		}
	}
	if len(same) > 0 {
		cand = same
	}
	if len(cand) == 0 {
		return hw.VideoMode{}, false
	}
	area := func(x hw.VideoMode) int { return x.Width * x.Height }
	better := func(a, b hw.VideoMode) bool { // is a a better pick than b?
		aBig, bBig := a.Width >= want.Width && a.Height >= want.Height, b.Width >= want.Width && b.Height >= want.Height
		if aBig != bBig {
			return aBig
		}
		if area(a) != area(b) {
			if aBig {
				return area(a) < area(b)
			}
			return area(a) > area(b)
		}
		wr := want.FrameRate.Float64()
		ar, br := a.FrameRate.Float64(), b.FrameRate.Float64()
		if (ar >= wr) != (br >= wr) {
			return ar >= wr
		}
		if ar >= wr {
			return ar < br
		}
		return ar > br
	}
	best := cand[0]
	for _, x := range cand[1:] {
		if better(x, best) {
			best = x
		}
	}
	return best, true
}

// formatWanted reports whether f passes the Formats filter (nil: the
// defaults; empty: everything).
func formatWanted(filter []hw.PixelFormat, f hw.PixelFormat) bool {
	if multiBuffer[f] {
		return false
	}
	if filter == nil {
		filter = DefaultFormats
	} else if len(filter) == 0 {
		return true
	}
	for _, x := range filter {
		if x == f {
			return true
		}
	}
	return false
}
