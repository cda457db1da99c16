package provider

import (
	"math"
	"strconv"

	"github.com/cluecam/cluecam/clue/model"
)

// The geometry of a camera on a pan-tilt-zoom head.
//
// The configured geometry is measured with the head at PTZ.Reference. A
// head turns the camera about its point of capture P (the head's pivot;
// the lens is taken to sit on it), so a move is a rotation about P
// followed, for zoom, by a narrowing of the field of view:
//
//  1. Zoom. Going from zoom factor z₀ (Reference.Zoom) to z (Position.Zoom)
//     divides the field of view by f = z/z₀, so every corner c of the area
//     moves towards the area's centre C: c' = C + (c − C)/f. "Zoom 2
//     halves the width." C is where the optical axis meets the plane of
//     the area: the axis runs from P through the point on the line of
//     capture when one is given, otherwise through the area's centroid
//     (then C is the centroid). Shrinking about the axis keeps the point on
//     the line of capture inside the area (RFC 8846 §11.5.1).
//  2. Tilt by Δtilt = tilt − tilt₀ (degrees, positive up): a rotation about
//     the camera's horizontal right axis r = normalize(d × ẑ), d being the
//     optical axis at the reference position and ẑ up (RFC 8845 §6: z from
//     floor to ceiling); a camera looking straight up or down uses x̂.
//     Positive angles turn d towards ẑ (right-hand rule about r).
//  3. Pan by Δpan = pan − pan₀ (degrees, positive to the right as seen from
//     behind the camera, hw.Position): a rotation about the vertical axis
//     through P by −Δpan (right-handed about ẑ, positive pan turns +y
//     towards +x: a camera looking along +y that pans 90° looks along +x).
//     The pan axis is the head's base, so it is applied last.
//
// The point of capture does not move, the point on the line of capture
// turns with the camera. Rotations and the shrink are rigid or uniform, so
// an area that was a valid, convex, correctly oriented quadrilateral stays
// one. Computed coordinates are rounded to about nine significant digits
// so that 1499.9999999998 is sent as 1500.

// AreaAt returns the area of capture and the point on the line of capture
// (nil when g has none) of a camera whose head is at ptz.Position, given
// the geometry g measured at ptz.Reference. g needs a point of capture (the
// pivot) and an area.
func AreaAt(g *Geometry, ptz *PTZ) (model.CaptureArea, *model.Point, error) {
	if g == nil || g.AreaOfCapture == nil {
		return model.CaptureArea{}, nil, wrapf(ErrGeometry, "a PTZ camera's geometry needs an area of capture")
	}
	if g.PointOfCapture == nil {
		return model.CaptureArea{}, nil, wrapf(ErrGeometry, "a PTZ camera turns about its point of capture, which is missing")
	}
	p := vp(*g.PointOfCapture)
	a := g.AreaOfCapture
	corners := [4]vec{vp(a.BottomLeft), vp(a.BottomRight), vp(a.TopRight), vp(a.TopLeft)}
	mid := centroid(corners)
	n := corners[2].sub(corners[0]).cross(corners[3].sub(corners[1]))
	if n.norm() == 0 {
		return model.CaptureArea{}, nil, wrapf(ErrGeometry, "degenerate area of capture")
	}
	n = n.scale(1 / n.norm())

	var line *vec
	axis := mid.sub(p)
	if g.PointOnLineOfCapture != nil {
		l := vp(*g.PointOnLineOfCapture)
		line = &l
		axis = l.sub(p)
	}
	if axis.norm() == 0 {
		return model.CaptureArea{}, nil, wrapf(ErrGeometry, "the point of capture lies on the area: no optical axis")
	}

	// 1. Zoom about where the axis meets the plane of the area.
	centre := mid
	if line != nil {
		if den := n.dot(axis); math.Abs(den) > 1e-12*axis.norm() {
			if t := n.dot(mid.sub(p)) / den; t > 0 {
				centre = p.add(axis.scale(t))
			}
		}
	}
	f := zoomRatio(ptz.Reference.Zoom, ptz.Position.Zoom)
	for i := range corners {
		corners[i] = centre.add(corners[i].sub(centre).scale(1 / f))
	}

	// 2. and 3. Tilt about the camera's right axis, then pan about ẑ.
	up := vec{0, 0, 1}
	right := axis.cross(up)
	if right.norm() < 1e-9*axis.norm() {
		right = vec{1, 0, 0}
	}
	right = right.scale(1 / right.norm())
	tilt := (ptz.Position.Tilt - ptz.Reference.Tilt) * math.Pi / 180
	pan := (ptz.Position.Pan - ptz.Reference.Pan) * math.Pi / 180
	turn := func(v vec) vec {
		return rotate(rotate(v.sub(p), right, tilt), up, -pan).add(p)
	}
	for i := range corners {
		corners[i] = turn(corners[i])
	}
	out := model.CaptureArea{
		BottomLeft: pointOf(corners[0]), BottomRight: pointOf(corners[1]),
		TopRight: pointOf(corners[2]), TopLeft: pointOf(corners[3]),
	}
	var lp *model.Point
	if line != nil {
		q := pointOf(turn(*line))
		lp = &q
	}
	roundArea(&out, lp)
	return out, lp, nil
}

// zoomRatio is z/z₀, treating factors that are not positive as 1 (a head
// without zoom reports its range's Min, which may be 0).
func zoomRatio(z0, z float64) float64 {
	if !(z0 > 0) || math.IsInf(z0, 0) {
		z0 = 1
	}
	if !(z > 0) || math.IsInf(z, 0) {
		z = 1
	}
	return z / z0
}

// boundingArea returns the smallest rectangle, in the plane of the first
// area and aligned with its bottom edge, that covers every area: the area of
// a switched capture, which "MUST use coordinates for the larger potential
// area" (RFC 8845 §7.1.1.3). ok is false when the areas are not coplanar
// (cameras at different distances): no single plane of interest describes
// them.
func boundingArea(areas []model.CaptureArea) (model.CaptureArea, bool) {
	if len(areas) == 0 {
		return model.CaptureArea{}, false
	}
	first := areas[0]
	bl, br, tl := vp(first.BottomLeft), vp(first.BottomRight), vp(first.TopLeft)
	u := br.sub(bl)
	if u.norm() == 0 {
		return model.CaptureArea{}, false
	}
	u = u.scale(1 / u.norm())
	w := tl.sub(bl)
	w = w.sub(u.scale(w.dot(u)))
	if w.norm() == 0 {
		return model.CaptureArea{}, false
	}
	w = w.scale(1 / w.norm())
	n := u.cross(w)
	var pts []vec
	for _, a := range areas {
		pts = append(pts, vp(a.BottomLeft), vp(a.BottomRight), vp(a.TopRight), vp(a.TopLeft))
	}
	diam := 0.0
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			diam = max(diam, pts[i].sub(pts[j]).norm())
		}
	}
	// Coplanar to well within clue/model's tolerance (1e-3 of the area's
	// size), so the result is checked against its constituents there.
	for _, q := range pts {
		if math.Abs(q.sub(bl).dot(n)) > 1e-5*diam {
			return model.CaptureArea{}, false
		}
	}
	amin, amax := math.Inf(1), math.Inf(-1)
	bmin, bmax := math.Inf(1), math.Inf(-1)
	for _, q := range pts {
		a, b := q.sub(bl).dot(u), q.sub(bl).dot(w)
		amin, amax = min(amin, a), max(amax, a)
		bmin, bmax = min(bmin, b), max(bmax, b)
	}
	at := func(a, b float64) model.Point { return pointOf(bl.add(u.scale(a)).add(w.scale(b))) }
	out := model.CaptureArea{
		BottomLeft: at(amin, bmin), BottomRight: at(amax, bmin),
		TopLeft: at(amin, bmax), TopRight: at(amax, bmax),
	}
	roundArea(&out, nil)
	return out, true
}

type vec [3]float64

func vp(p model.Point) vec      { return vec{p.X, p.Y, p.Z} }
func pointOf(v vec) model.Point { return model.Point{X: v[0], Y: v[1], Z: v[2]} }
func (a vec) sub(b vec) vec     { return vec{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func (a vec) add(b vec) vec     { return vec{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func (a vec) scale(f float64) vec {
	return vec{a[0] * f, a[1] * f, a[2] * f}
}
func (a vec) dot(b vec) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func (a vec) cross(b vec) vec {
	return vec{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}
func (a vec) norm() float64 { return math.Sqrt(a.dot(a)) }

func centroid(c [4]vec) vec {
	return c[0].add(c[1]).add(c[2]).add(c[3]).scale(0.25)
}

// rotate turns v by angle (radians) about the unit axis k, counter-clockwise
// seen from the tip of k (Rodrigues' formula).
func rotate(v, k vec, angle float64) vec {
	if angle == 0 {
		return v
	}
	s, c := math.Sincos(angle)
	return v.scale(c).add(k.cross(v).scale(s)).add(k.scale(k.dot(v) * (1 - c)))
}

// roundArea rounds the coordinates to about nine significant digits of the
// largest magnitude among them, removing floating-point noise.
func roundArea(a *model.CaptureArea, line *model.Point) {
	pts := []*model.Point{&a.BottomLeft, &a.BottomRight, &a.TopLeft, &a.TopRight}
	if line != nil {
		pts = append(pts, line)
	}
	m := 0.0
	for _, p := range pts {
		m = max(m, math.Abs(p.X), math.Abs(p.Y), math.Abs(p.Z))
	}
	if m == 0 || math.IsInf(m, 0) || math.IsNaN(m) {
		return
	}
	decimals := min(max(9-int(math.Ceil(math.Log10(m))), 0), 12)
	r := func(v float64) float64 {
		x, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', decimals, 64), 64)
		if err != nil {
			return v
		}
		if x == 0 {
			return 0 // no "-0"
		}
		return x
	}
	for _, p := range pts {
		p.X, p.Y, p.Z = r(p.X), r(p.Y), r(p.Z)
	}
}
