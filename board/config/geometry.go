package config

import (
	"fmt"
	"math"
)

// checkArea validates an area of capture (RFC 8846 §11.5.2, RFC 8845
// §7.1.1.3): the four corners must be coplanar and form a quadrilateral
// with an area. Because the corners are named from the capture device's
// point of view and the coordinate system is right-handed (RFC 8845 §6),
// the ring bottom_left → bottom_right → top_right → top_left must also be
// convex, and, when the camera position is known, run counter-clockwise as
// seen from it; otherwise two corners are swapped. It returns "" when the
// area is fine.
func checkArea(a Area, camera *Point) string {
	ring := [4]Point{a.BottomLeft, a.BottomRight, a.TopRight, a.TopLeft}
	names := [4]string{"bottom_left", "bottom_right", "top_right", "top_left"}
	size := 0.0
	for i := range ring {
		for j := i + 1; j < 4; j++ {
			size = math.Max(size, norm(sub(ring[i], ring[j])))
		}
	}
	// turns[i] is the cross product of the two edges meeting at corner
	// i+1: for a convex ring they all point the same way, along the normal.
	// Lengths compare against size², so the checks do not depend on the
	// unit (millimetres or the "unknown" scale).
	var turns [4]Point
	best, bestLen := 0, 0.0
	for i := range ring {
		turns[i] = cross(sub(ring[(i+1)%4], ring[i]), sub(ring[(i+2)%4], ring[(i+1)%4]))
		if l := norm(turns[i]); l > bestLen {
			best, bestLen = i, l
		}
	}
	tiny := 1e-9 * size * size
	if size == 0 || bestLen <= tiny {
		return "degenerate area of capture: the four corners span no area"
	}
	unit := scale(turns[best], 1/bestLen)
	centre := scale(add(add(ring[0], ring[1]), add(ring[2], ring[3])), 0.25)
	// Corners measured by hand in a real room are off the plane by a few
	// millimetres; 1% of the area's size is lenient enough for that and
	// still catches a corner typed in the wrong place.
	tol := 1e-2 * size
	for i, p := range ring {
		if off := math.Abs(dot(sub(p, centre), unit)); off > tol {
			return fmt.Sprintf("the four corners must be coplanar (RFC 8846 §11.5.2); %s is %s off their plane", names[i], fmtFloat(math.Round(off*10)/10))
		}
	}
	for _, turn := range turns {
		if dot(turn, unit) <= tiny {
			return "the corners do not form a convex quadrilateral in the order bottom_left, bottom_right, top_right, top_left; are two corners swapped?"
		}
	}
	// Counter-clockwise as seen from the camera means the normal given by
	// the ring points back towards it.
	if camera != nil && dot(sub(*camera, centre), unit) <= 0 {
		return "seen from point_of_capture the corners are mirrored (or the area is behind the camera); left and right are from the camera's point of view"
	}
	return ""
}

func sub(a, b Point) Point { return Point{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func add(a, b Point) Point { return Point{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func scale(a Point, k float64) Point {
	return Point{a[0] * k, a[1] * k, a[2] * k}
}
func dot(a, b Point) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func norm(a Point) float64   { return math.Sqrt(dot(a, a)) }
func cross(a, b Point) Point {
	return Point{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}
