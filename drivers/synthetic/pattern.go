package synthetic

import (
	"image"
	"image/color"
)

// pattern draws the MJPEG camera's test picture into a 4:2:0 YCbCr image:
// colour bars over the top 60%, and below them on black a box sliding left
// and right and the frame counter in seven-segment digits. Every rectangle
// is aligned to even coordinates so that chroma samples are never shared
// between two colours.
type pattern struct {
	base  *image.YCbCr // bars and background, drawn once
	img   *image.YCbCr // the frame being drawn
	strip image.Rectangle
	digit digitGeom
}

// digitGeom places the counter.
type digitGeom struct {
	x, y, w, h, t int // first digit's origin, digit size, segment thickness
	gap           int
}

// counterDigits is how many digits the counter shows (it wraps at 10^6).
const counterDigits = 6

// The bars of SMPTE/EBU 75% colour bars: white, yellow, cyan, green,
// magenta, red, blue.
var bars = [...]color.RGBA{
	{191, 191, 191, 255}, {191, 191, 0, 255}, {0, 191, 191, 255}, {0, 191, 0, 255},
	{191, 0, 191, 255}, {191, 0, 0, 255}, {0, 0, 191, 255},
}

func even(v int) int { return v &^ 1 }

func newPattern(w, h int) *pattern {
	r := image.Rect(0, 0, w, h)
	p := &pattern{
		base: image.NewYCbCr(r, image.YCbCrSubsampleRatio420),
		img:  image.NewYCbCr(r, image.YCbCrSubsampleRatio420),
	}
	barsH := even(h * 6 / 10)
	for i, c := range bars {
		x0, x1 := even(w*i/len(bars)), even(w*(i+1)/len(bars))
		if i == len(bars)-1 {
			x1 = w
		}
		fill(p.base, image.Rect(x0, 0, x1, barsH), c)
	}
	p.strip = image.Rect(0, barsH, w, h)
	fill(p.base, p.strip, color.RGBA{16, 16, 16, 255})
	dh := even(max(14, (h-barsH)*6/10))
	p.digit = digitGeom{h: dh, w: even(dh / 2), t: max(2, even(dh/7)), gap: even(max(2, dh/5))}
	p.digit.x = even(max(2, w/40))
	p.digit.y = even(barsH + (h-barsH-dh)/2)
	return p
}

// draw renders frame n into p.img and returns it.
func (p *pattern) draw(n uint64) *image.YCbCr {
	copy(p.img.Y, p.base.Y)
	copy(p.img.Cb, p.base.Cb)
	copy(p.img.Cr, p.base.Cr)

	// The sliding box: right of the counter, bouncing every 2 s at 30 fps.
	g := p.digit
	left := g.x + counterDigits*(g.w+g.gap) + g.gap
	size := even(g.h)
	span := p.strip.Max.X - 2 - size - left
	if span > 0 {
		const period = 120
		ph := int(n % period)
		if ph >= period/2 {
			ph = period - ph
		}
		x := even(left + span*ph/(period/2))
		fill(p.img, image.Rect(x, g.y, x+size, g.y+size), color.RGBA{255, 255, 255, 255})
	}

	// The counter, most significant digit first.
	v := n
	for i := counterDigits - 1; i >= 0; i-- {
		p.drawDigit(i, int(v%10))
		v /= 10
	}
	return p.img
}

// segments[d] has bit s set when segment s lights for digit d; segments are
// a (top), b (top right), c (bottom right), d (bottom), e (bottom left),
// f (top left), g (middle).
var segments = [10]uint8{0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f}

// segmentRects returns the rectangle of segment s of a digit at (x, y).
func (g digitGeom) segmentRect(x, y, s int) image.Rectangle {
	w, h, t := g.w, g.h, g.t
	mid := even(y + h/2 - t/2)
	switch s {
	case 0:
		return image.Rect(x, y, x+w, y+t)
	case 1:
		return image.Rect(x+w-t, y, x+w, mid+t)
	case 2:
		return image.Rect(x+w-t, mid, x+w, y+h)
	case 3:
		return image.Rect(x, y+h-t, x+w, y+h)
	case 4:
		return image.Rect(x, mid, x+t, y+h)
	case 5:
		return image.Rect(x, y, x+t, mid+t)
	default:
		return image.Rect(x, mid, x+w, mid+t)
	}
}

func (p *pattern) drawDigit(i, d int) {
	g := p.digit
	x := g.x + i*(g.w+g.gap)
	for s := 0; s < 7; s++ {
		if segments[d]&(1<<s) != 0 {
			fill(p.img, g.segmentRect(x, g.y, s), color.RGBA{255, 255, 255, 255})
		}
	}
}

// fill paints r (clipped to the image) with c.
func fill(m *image.YCbCr, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(m.Rect)
	if r.Empty() {
		return
	}
	yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := m.Y[y*m.YStride:]
		for x := r.Min.X; x < r.Max.X; x++ {
			row[x] = yy
		}
	}
	for y := r.Min.Y / 2; y < (r.Max.Y+1)/2; y++ {
		rb, rr := m.Cb[y*m.CStride:], m.Cr[y*m.CStride:]
		for x := r.Min.X / 2; x < (r.Max.X+1)/2; x++ {
			rb[x], rr[x] = cb, cr
		}
	}
}
