package provider

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cluecam/cluecam/clue/model"
	"github.com/cluecam/cluecam/hw"
)

func near(a, b model.Point) bool {
	const eps = 1e-6
	return math.Abs(a.X-b.X) < eps && math.Abs(a.Y-b.Y) < eps && math.Abs(a.Z-b.Z) < eps
}

func width(a model.CaptureArea) float64 {
	return vp(a.BottomRight).sub(vp(a.BottomLeft)).norm()
}

func height(a model.CaptureArea) float64 {
	return vp(a.TopLeft).sub(vp(a.BottomLeft)).norm()
}

// A camera at P = (0, 0, 500) looking along +y at a 2 m wide, 1 m high
// area 3 m away.
func ptzGeometry() *Geometry {
	return &Geometry{PointOfCapture: pt(0, 0, 500), AreaOfCapture: wall(-1000, 1000, 3000, 0, 1000)}
}

func TestAreaAt(t *testing.T) {
	ref := hw.Position{Zoom: 1}
	tests := []struct {
		name string
		pos  hw.Position
		want model.CaptureArea
	}{
		{"reference", hw.Position{Zoom: 1}, *wall(-1000, 1000, 3000, 0, 1000)},
		// Pan 90° to the right turns the area to the side: the camera
		// looks along +x, its left is +y.
		{"pan 90 right", hw.Position{Pan: 90, Zoom: 1}, model.CaptureArea{
			BottomLeft: model.Point{X: 3000, Y: 1000, Z: 0}, BottomRight: model.Point{X: 3000, Y: -1000, Z: 0},
			TopLeft: model.Point{X: 3000, Y: 1000, Z: 1000}, TopRight: model.Point{X: 3000, Y: -1000, Z: 1000}}},
		{"pan 90 left", hw.Position{Pan: -90, Zoom: 1}, model.CaptureArea{
			BottomLeft: model.Point{X: -3000, Y: -1000, Z: 0}, BottomRight: model.Point{X: -3000, Y: 1000, Z: 0},
			TopLeft: model.Point{X: -3000, Y: -1000, Z: 1000}, TopRight: model.Point{X: -3000, Y: 1000, Z: 1000}}},
		{"pan 180", hw.Position{Pan: 180, Zoom: 1}, *wallBehind()},
		// Zoom 2 halves the width (and height) about the centre.
		{"zoom 2", hw.Position{Zoom: 2}, *wall(-500, 500, 3000, 250, 750)},
		// Tilt 90° up: the camera looks at the ceiling; the area's bottom
		// edge is the one nearest the camera's front (its -z side before).
		{"tilt 90 up", hw.Position{Tilt: 90, Zoom: 1}, model.CaptureArea{
			BottomLeft: model.Point{X: -1000, Y: 500, Z: 3500}, BottomRight: model.Point{X: 1000, Y: 500, Z: 3500},
			TopLeft: model.Point{X: -1000, Y: -500, Z: 3500}, TopRight: model.Point{X: 1000, Y: -500, Z: 3500}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, line, err := AreaAt(ptzGeometry(), &PTZ{Reference: ref, Position: tc.pos})
			if err != nil {
				t.Fatal(err)
			}
			if line != nil {
				t.Errorf("line of capture %v from a geometry without one", line)
			}
			for _, c := range [][2]model.Point{{got.BottomLeft, tc.want.BottomLeft}, {got.BottomRight, tc.want.BottomRight}, {got.TopLeft, tc.want.TopLeft}, {got.TopRight, tc.want.TopRight}} {
				if !near(c[0], c[1]) {
					t.Fatalf("area = %+v\nwant  %+v", got, tc.want)
				}
			}
		})
	}
}

func wallBehind() *model.CaptureArea {
	return &model.CaptureArea{
		BottomLeft: model.Point{X: 1000, Y: -3000, Z: 0}, BottomRight: model.Point{X: -1000, Y: -3000, Z: 0},
		TopLeft: model.Point{X: 1000, Y: -3000, Z: 1000}, TopRight: model.Point{X: -1000, Y: -3000, Z: 1000},
	}
}

// TestAreaAtZoomAboutAxis: with a point on the line of capture, zoom
// shrinks the area towards where the optical axis meets it, so the axis
// still passes through the area (RFC 8846 §11.5.1) even at full zoom.
func TestAreaAtZoomAboutAxis(t *testing.T) {
	g := &Geometry{PointOfCapture: pt(0, 0, 1200), PointOnLineOfCapture: pt(0, 1000, 1150), AreaOfCapture: wall(-1500, 1500, 3000, 700, 2000)}
	got, line, err := AreaAt(g, &PTZ{Reference: hw.Position{Zoom: 1}, Position: hw.Position{Zoom: 4}})
	if err != nil {
		t.Fatal(err)
	}
	// The axis meets y = 3000 at z = 1050.
	want := wall(-375, 375, 3000, 1050-350.0/4*1, 1050+950.0/4)
	if !near(got.BottomLeft, want.BottomLeft) || !near(got.TopRight, want.TopRight) {
		t.Errorf("area = %+v, want %+v", got, *want)
	}
	if w := width(got); math.Abs(w-750) > 1e-6 {
		t.Errorf("width %v, want a quarter of 3000", w)
	}
	if line == nil || !near(*line, *g.PointOnLineOfCapture) {
		t.Errorf("zoom moved the line of capture: %v", line)
	}
	c := validCapture(t, g, got, line)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

// validCapture wraps a turned geometry in a one-capture advertisement.
func validCapture(t *testing.T, g *Geometry, area model.CaptureArea, line *model.Point) *model.Advertisement {
	t.Helper()
	o := &model.CaptureOrigin{CapturePoint: *g.PointOfCapture, LineOfCapturePoint: line}
	return &model.Advertisement{
		MediaCaptures: []model.MediaCapture{{Type: model.VideoCapture, CaptureID: "c", MediaType: model.MediaVideo, CaptureSceneIDREF: "s",
			Spatial: &model.SpatialInformation{CaptureOrigin: o, CaptureArea: &area}, Individual: true, EncGroupIDREF: "g"}},
		EncodingGroups: []model.EncodingGroup{{EncodingGroupID: "g", MaxGroupBandwidth: 1, EncodingIDs: []string{"e"}}},
		CaptureScenes:  []model.CaptureScene{{SceneID: "s", Scale: model.ScaleMM, SceneViews: []model.SceneView{{SceneViewID: "v", MediaCaptureIDREFs: []string{"c"}}}}},
	}
}

// TestAreaAtProperties: for random head positions the turned area is a
// rigid motion of the zoomed one: the distances from the point of capture
// to the corners and the corners' spacing are kept, the point of capture
// stays, and clue/model accepts the result (coplanar, convex, corners named
// from the camera, line of capture between camera and area).
func TestAreaAtProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	g := &Geometry{PointOfCapture: pt(200, -100, 1300), PointOnLineOfCapture: pt(250, 900, 1250), AreaOfCapture: wall(-1500, 2000, 3000, 600, 2100)}
	ref := hw.Position{Pan: 0, Tilt: 0, Zoom: 1}
	zoomed, _, err := AreaAt(g, &PTZ{Reference: ref, Position: ref})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		pos := hw.Position{Pan: rng.Float64()*360 - 180, Tilt: rng.Float64()*180 - 90, Zoom: 1 + rng.Float64()*9}
		area, line, err := AreaAt(g, &PTZ{Reference: ref, Position: pos})
		if err != nil {
			t.Fatal(err)
		}
		flat, _, _ := AreaAt(g, &PTZ{Reference: ref, Position: hw.Position{Zoom: pos.Zoom}})
		p := vp(*g.PointOfCapture)
		for j, pair := range [][2]model.Point{{area.BottomLeft, flat.BottomLeft}, {area.TopRight, flat.TopRight}} {
			if d1, d2 := vp(pair[0]).sub(p).norm(), vp(pair[1]).sub(p).norm(); math.Abs(d1-d2) > 1e-3 {
				t.Fatalf("#%d %v corner %d: distance to the camera %v, zoomed only %v", i, pos, j, d1, d2)
			}
		}
		if w, want := width(area), width(zoomed)/pos.Zoom; math.Abs(w-want) > 1e-3 {
			t.Fatalf("#%d %v: width %v, want %v", i, pos, w, want)
		}
		if h, want := height(area), height(zoomed)/pos.Zoom; math.Abs(h-want) > 1e-3 {
			t.Fatalf("#%d %v: height %v, want %v", i, pos, h, want)
		}
		if err := validCapture(t, g, area, line).Validate(); err != nil {
			t.Fatalf("#%d %v: %v", i, pos, err)
		}
	}
}

func TestAreaAtErrors(t *testing.T) {
	ptz := &PTZ{Reference: hw.Position{Zoom: 1}, Position: hw.Position{Pan: 10, Zoom: 1}}
	for _, g := range []*Geometry{
		nil,
		{PointOfCapture: pt(0, 0, 0)},
		{AreaOfCapture: wall(-1, 1, 3, 0, 1)},
		{PointOfCapture: pt(0, 0, 0), AreaOfCapture: wall(0, 0, 3, 0, 0)},
	} {
		if _, _, err := AreaAt(g, ptz); !errors.Is(err, ErrGeometry) {
			t.Errorf("AreaAt(%+v) = %v, want ErrGeometry", g, err)
		}
	}
}

func TestBoundingArea(t *testing.T) {
	got, ok := boundingArea([]model.CaptureArea{*wall(-3000, -1500, 3000, 700, 1700), *wall(1000, 2500, 3000, 500, 1500)})
	if !ok || got != *wall(-3000, 2500, 3000, 500, 1700) {
		t.Fatalf("bounding area = %+v, %v", got, ok)
	}
	if _, ok := boundingArea([]model.CaptureArea{*wall(-1, 1, 3000, 0, 1), *wall(-1, 1, 4000, 0, 1)}); ok {
		t.Error("areas at different depths have no common plane of interest")
	}
}
