package provider

import (
	"errors"
	"github.com/cluecam/cluecam/internal/testenv"
	"slices"
	"testing"

	"github.com/cluecam/cluecam/clue/model"
	"github.com/cluecam/cluecam/hw"
)

// TestReadvertise: a camera that went away and a head that moved each give
// a new advertisement, valid, accepted by model.CheckUpdate against the
// previous one, and valid for xmllint; an unchanged room gives none; a
// fixed camera moved by a reload is refused for the running session.
func TestReadvertise(t *testing.T) {
	prev := mustBuild(t, demo())
	if next, err := Readvertise(prev, demo()); next != nil || err != nil {
		t.Fatalf("unchanged room: %v, %v", next, err)
	}
	if next, err := Readvertise(nil, demo()); next == nil || err != nil {
		t.Fatalf("first advertisement: %v, %v", next, err)
	}

	docs := map[string][]byte{"before": message(t, prev, 1)}
	changes := []struct {
		name  string
		room  func() *Room
		check func(t *testing.T, next *Advertisement)
	}{
		{"camera gone", func() *Room {
			r := demo()
			r.Captures = slices.DeleteFunc(r.Captures, func(c Capture) bool { return c.Name == "wide" })
			return r
		}, func(t *testing.T, next *Advertisement) {
			if next.Body.Capture("wide") != nil || next.Body.EncodingGroup("EG-wide") != nil {
				t.Error("the camera that went away is still advertised")
			}
			if c := next.Body.Capture("speaker"); !slices.Equal(c.Content.MediaCaptureIDREFs, []string{"main"}) {
				t.Errorf("MCC content %v", c.Content.MediaCaptureIDREFs)
			}
			// The remaining encodings keep their labels: no SDP churn for
			// the streams that stay (RFC 8848 §4.4.1).
			for _, id := range []string{"main.0", "table-mic.0", "speaker.0"} {
				if _, ok := next.Encoding(id); !ok {
					t.Errorf("encoding %s renamed", id)
				}
			}
		}},
		{"head moved", movedPTZ, func(t *testing.T, next *Advertisement) {
			before, after := prev.Body.Capture("main").Spatial, next.Body.Capture("main").Spatial
			if *before.CaptureArea == *after.CaptureArea {
				t.Error("area of capture unchanged")
			}
			if before.CaptureOrigin.CapturePoint != after.CaptureOrigin.CapturePoint {
				t.Error("the head moved the point of capture")
			}
			if w0, w1 := width(*before.CaptureArea), width(*after.CaptureArea); w1 > w0/2+1e-6 {
				t.Errorf("zoom 2: width %v → %v", w0, w1)
			}
		}},
		{"head zoomed in place", func() *Room {
			r := demo()
			r.Captures[0].PTZ.Position.Zoom = 3
			return r
		}, nil},
	}
	for _, tc := range changes {
		t.Run(tc.name, func(t *testing.T) {
			next, err := Readvertise(prev, tc.room())
			if err != nil || next == nil {
				t.Fatalf("Readvertise = %v, %v", next, err)
			}
			if err := next.Body.Validate(); err != nil {
				t.Fatal(err)
			}
			if ps := model.CheckUpdate(&prev.Body, &next.Body); len(ps) > 0 {
				t.Errorf("CheckUpdate: %v", ps)
			}
			if tc.check != nil {
				tc.check(t, next)
			}
			docs[tc.name] = message(t, next, 2)
		})
	}
	testenv.ValidateXML(t, protocolXSD, docs)

	// A reload that moves the fixed camera: RFC 8845 §7.1.1.4.
	moved := demo()
	moved.Captures[1].Geometry.PointOfCapture = pt(1300, 0, 2100)
	next, err := Readvertise(prev, moved)
	if !errors.Is(err, ErrStaticMoved) || next == nil {
		t.Errorf("static camera moved: %v, %v", next, err)
	}
	// A broken room is an error, not a silent "no change".
	broken := demo()
	broken.Captures[0].Media = "smell"
	if next, err := Readvertise(prev, broken); next != nil || !errors.Is(err, ErrRoom) {
		t.Errorf("broken room: %v, %v", next, err)
	}
}

// TestReadvertiseFollowsHead: many head positions in a row, each
// advertisement valid against the previous one.
func TestReadvertiseFollowsHead(t *testing.T) {
	r := demo()
	prev := mustBuild(t, r)
	n := 0
	for pan := -90.0; pan <= 90; pan += 15 {
		for _, zoom := range []float64{1, 2.5, 4} {
			r.Captures[0].PTZ.Position = hw.Position{Pan: pan, Tilt: -pan / 6, Zoom: zoom}
			next, err := Readvertise(prev, r)
			if err != nil {
				t.Fatalf("pan %v zoom %v: %v", pan, zoom, err)
			}
			if next == nil {
				continue
			}
			n++
			if ps := model.CheckUpdate(&prev.Body, &next.Body); len(ps) > 0 {
				t.Fatalf("pan %v zoom %v: %v", pan, zoom, ps)
			}
			prev = next
		}
	}
	if n < 30 {
		t.Errorf("only %d re-advertisements", n)
	}
}
