package provider

import (
	"fmt"
	"testing"

	"github.com/cluecam/cluecam/clue/model"
	"github.com/cluecam/cluecam/clue/protocol"
	"github.com/cluecam/cluecam/hw"
)

const protocolXSD = "../../testdata/clue/xsd/clue-protocol.xsd"

func pt(x, y, z float64) *model.Point { return &model.Point{X: x, Y: y, Z: z} }

// wall is an area in the plane y = depth, from x0 to x1 and z0 to z1, seen
// from the front (a camera looking along +y).
func wall(x0, x1, depth, z0, z1 float64) *model.CaptureArea {
	return &model.CaptureArea{
		BottomLeft: model.Point{X: x0, Y: depth, Z: z0}, BottomRight: model.Point{X: x1, Y: depth, Z: z0},
		TopLeft: model.Point{X: x0, Y: depth, Z: z1}, TopRight: model.Point{X: x1, Y: depth, Z: z1},
	}
}

func fps(n uint32) hw.Rational { return hw.Rational{Num: n, Den: 1} }

// camera is a pass-through camera: one encoding, its mode, its bit rate.
func camera(id string, w, h int, rate uint32, kbps uint64) Device {
	m := hw.VideoMode{Format: hw.FormatH264, Width: w, Height: h, FrameRate: fps(rate)}
	return Device{ID: id, Modes: []hw.VideoMode{m}, Video: m,
		Encoder: Encoder{MaxEncodings: 1, MaxWidth: w, MaxHeight: h, MaxFrameRate: fps(rate), MaxBitrate: kbps * 1000}}
}

// microphone is a microphone encoded in software at 64 kbit/s.
func microphone(id string) Device {
	f := hw.AudioFormat{Rate: 48000, Channels: 1, Encoding: hw.S16LE}
	return Device{ID: id, Formats: []hw.AudioFormat{f}, Audio: f, Encoder: Encoder{MaxEncodings: 1, MaxBitrate: 64000}}
}

// room44 is the 4-camera, 4-microphone box: cameras side by side on the
// front wall at 1.4 m looking into the room, each covering a 1.5 m wide
// slice of a plane 3 m away; a microphone on the table in front of each.
func room44() *Room {
	r := &Room{Scenes: []Scene{{Name: "room", Description: "Board room, 3rd floor", Scale: model.ScaleMM}}, DisplayName: "ACME board room"}
	for i := range 4 {
		x := float64(i)*1500 - 2250
		r.Captures = append(r.Captures, Capture{
			Name: fmt.Sprintf("cam%d", i+1), Media: model.MediaVideo, Description: fmt.Sprintf("camera %d, seats %d and %d", i+1, 2*i+1, 2*i+2),
			People:     []Person{{Name: fmt.Sprintf("Person %d", 2*i+1), Roles: []string{model.PersonAttendee}}, {Name: fmt.Sprintf("Person %d", 2*i+2)}},
			Geometry:   &Geometry{PointOfCapture: pt(x, 0, 1400), PointOnLineOfCapture: pt(x, 1000, 1370), AreaOfCapture: wall(x-750, x+750, 3000, 700, 1700)},
			Device:     camera(fmt.Sprintf("/dev/video%d", 2*i), 1280, 720, 30, 0),
			MaxBitrate: 2_000_000,
		})
	}
	for i := range 4 {
		x := float64(i)*1500 - 2250
		r.Captures = append(r.Captures, Capture{
			Name: fmt.Sprintf("mic%d", i+1), Media: model.MediaAudio, Description: fmt.Sprintf("table microphone %d", i+1),
			Geometry: &Geometry{PointOfCapture: pt(x, 1500, 750)},
			Device:   microphone(fmt.Sprintf("hw:%d,0", i)),
		})
	}
	r.MCCs = []MCC{{Name: "speaker", Captures: []string{"cam1", "cam2", "cam3", "cam4"}, Policy: "SoundLevel:0", Description: "the loudest speaker",
		Microphones: []string{"mic1", "mic2", "mic3", "mic4"}, AllowSubsetChoice: true}}
	return r
}

// demo is the example configuration's box: an H.264 camera on a PTZ head,
// an MJPEG camera, a microphone, and an MCC switching between the cameras.
func demo() *Room {
	return &Room{
		Scenes:      []Scene{{Name: "room", Description: "Demo meeting room"}},
		DisplayName: "Demo room",
		Captures: []Capture{
			{Name: "main", Media: model.MediaVideo, Description: "Front camera",
				Geometry: &Geometry{PointOfCapture: pt(0, 0, 1200), PointOnLineOfCapture: pt(0, 1000, 1150), AreaOfCapture: wall(-1500, 1500, 3000, 700, 2000)},
				PTZ:      &PTZ{Head: "head", Reference: hw.Position{Zoom: 1}, Position: hw.Position{Zoom: 1}},
				Device:   camera("synthetic:h264", 640, 360, 30, 2000)},
			{Name: "wide", Media: model.MediaVideo,
				Geometry: &Geometry{PointOfCapture: pt(1200, 0, 2100), AreaOfCapture: wall(-2500, 2500, 4000, 0, 2400)},
				Device:   camera("synthetic:mjpeg", 640, 480, 15, 1500)},
			{Name: "table-mic", Media: model.MediaAudio, Description: "Table microphone",
				Geometry: &Geometry{PointOfCapture: pt(0, 1500, 740)},
				Device:   microphone("synthetic:tone")},
		},
		MCCs: []MCC{{Name: "speaker", Captures: []string{"main", "wide"}, Policy: "SoundLevel:0"}},
	}
}

func mustBuild(t testing.TB, r *Room) *Advertisement {
	t.Helper()
	a, err := Build(r)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if err := a.Body.Validate(); err != nil {
		t.Fatalf("built advertisement does not validate: %v", err)
	}
	return a
}

// message marshals an advertisement as the box sends it.
func message(t testing.TB, a *Advertisement, seq uint64) []byte {
	t.Helper()
	data, err := protocol.Marshal(&protocol.Advertisement{Header: protocol.Header{V: protocol.Version10, ClueID: "cluecam", SeqNr: seq}, Body: a.Body})
	if err != nil {
		t.Fatal(err)
	}
	return data
}
