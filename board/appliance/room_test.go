package appliance

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/clue/model"
	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

func exampleDevices(t *testing.T, cfg *config.Config) []hw.DeviceInfo {
	t.Helper()
	devs, err := NewInventory(cfg, hwtest.NewAutoClock(0)).Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return devs
}

// TestNewRoomExample: the example configuration, bound to the synthetic
// inventory without opening a device, maps onto a room the provider turns
// into a valid advertisement.
func TestNewRoomExample(t *testing.T) {
	cfg := parse(t, config.Example)
	devs := exampleDevices(t, cfg)
	caps, err := Bind(cfg, devs)
	if err != nil || len(caps) != 3 {
		t.Fatalf("Bind = %v, %v", caps, err)
	}
	r := NewRoom(cfg, caps, devs, nil)
	if r.Policy != (provider.Policy{}) {
		t.Errorf("policy %+v from disclose = []: want nothing disclosed", r.Policy)
	}
	if r.DisplayName != "Demo room" || len(r.Scenes) != 1 || r.Scenes[0].Scale != model.ScaleMM {
		t.Errorf("room %+v", r)
	}
	main := r.Captures[0]
	wantDev := provider.Device{ID: "synthetic:h264", Modes: devs[0].Modes,
		Video:   hw.VideoMode{Format: hw.FormatH264, Width: 640, Height: 360, FrameRate: hw.Rational{Num: 30, Den: 1}},
		Encoder: provider.Encoder{MaxEncodings: 1, MaxWidth: 640, MaxHeight: 360, MaxFrameRate: hw.Rational{Num: 30, Den: 1}}}
	if !reflect.DeepEqual(main.Device, wantDev) || main.MaxBitrate != 2_000_000 {
		t.Errorf("main device %+v, bit rate %d\nwant %+v", main.Device, main.MaxBitrate, wantDev)
	}
	// The head's home preset "room" is the reference position.
	if p := main.PTZ; p == nil || p.Head != "head" || p.Reference != (hw.Position{Zoom: 1}) || p.Position != (hw.Position{Zoom: 1}) {
		t.Errorf("main PTZ %+v", main.PTZ)
	}
	if g := main.Geometry; g == nil || *g.PointOfCapture != (model.Point{Z: 1200}) || g.AreaOfCapture.TopRight != (model.Point{X: 1500, Y: 3000, Z: 2000}) {
		t.Errorf("main geometry %+v", main.Geometry)
	}
	if mic := r.Captures[2]; mic.Device.Encoder.MaxBitrate != AudioBitrate || mic.Device.Audio.Rate != 48000 || mic.PTZ != nil {
		t.Errorf("microphone %+v", mic)
	}
	if !reflect.DeepEqual(r.MCCs, []provider.MCC{{Name: "speaker", Scene: "room", Captures: []string{"main", "wide"}, Policy: "RoundRobin:0", SwitchInterval: config.DefaultSwitchInterval, MaxCaptures: 1}}) {
		t.Errorf("MCCs %+v", r.MCCs)
	}
	a, err := provider.Build(&r)
	if err != nil {
		t.Fatal(err)
	}
	if c := a.Body.Capture("main"); *c.Spatial.CaptureArea != *r.Captures[0].Geometry.AreaOfCapture || c.Mobility != model.Dynamic {
		t.Errorf("main at the reference position: %+v", c)
	}
	t.Logf("example: %v", a)
}

func TestNewRoomDisclosure(t *testing.T) {
	doc := strings.Replace(config.Example, "disclose = []", `disclose = ["descriptions", "people", "display_name"]`, 1)
	cfg := parse(t, doc)
	devs := exampleDevices(t, cfg)
	caps, _ := Bind(cfg, devs)
	r := NewRoom(cfg, caps, devs, nil)
	if r.Policy != (provider.Policy{Descriptions: true, People: true, DisplayName: true}) {
		t.Errorf("policy %+v", r.Policy)
	}
	cfg = parse(t, strings.Replace(config.Example, "disclose = []", `disclose = ["people"]`, 1))
	if r := NewRoom(cfg, caps, devs, nil); r.Policy != (provider.Policy{People: true}) {
		t.Errorf("policy %+v", r.Policy)
	}
}

// TestNewRoomChanges: a camera unplugged and a head moved each change the
// room; the provider re-advertises, and the new advertisement is a valid
// update of the old one.
func TestNewRoomChanges(t *testing.T) {
	cfg := parse(t, config.Example)
	devs := exampleDevices(t, cfg)
	caps, _ := Bind(cfg, devs)
	r := NewRoom(cfg, caps, devs, nil)
	prev, err := provider.Build(&r)
	if err != nil {
		t.Fatal(err)
	}

	unplugged := slices.DeleteFunc(slices.Clone(devs), func(d hw.DeviceInfo) bool { return d.ID == "synthetic:mjpeg" })
	r = NewRoom(cfg, caps, unplugged, nil)
	if len(r.Captures) != 2 {
		t.Fatalf("captures %+v after unplugging the MJPEG camera", r.Captures)
	}
	next, err := provider.Readvertise(prev, &r)
	if err != nil || next == nil || next.Body.Capture("wide") != nil {
		t.Fatalf("camera gone: %v, %v", next, err)
	}
	if ps := model.CheckUpdate(&prev.Body, &next.Body); len(ps) > 0 {
		t.Error(ps)
	}

	r = NewRoom(cfg, caps, devs, map[string]hw.Position{"head": {Pan: 30, Tilt: -5, Zoom: 2}})
	next, err = provider.Readvertise(prev, &r)
	if err != nil || next == nil {
		t.Fatalf("head moved: %v, %v", next, err)
	}
	if *next.Body.Capture("main").Spatial.CaptureArea == *prev.Body.Capture("main").Spatial.CaptureArea {
		t.Error("the area did not follow the head")
	}
	if ps := model.CheckUpdate(&prev.Body, &next.Body); len(ps) > 0 {
		t.Error(ps)
	}
	// Missing bindings leave captures out too.
	r = NewRoom(cfg, caps[1:], devs, nil)
	if len(r.Captures) != 2 || r.Captures[0].Name != "wide" {
		t.Errorf("captures %+v", r.Captures)
	}
}

func TestBindErrors(t *testing.T) {
	cfg := parse(t, config.Example)
	devs := exampleDevices(t, cfg)
	noTone := slices.DeleteFunc(slices.Clone(devs), func(d hw.DeviceInfo) bool { return d.ID == "synthetic:tone" })
	caps, err := Bind(cfg, noTone)
	if len(caps) != 2 || !errors.Is(err, hw.ErrNotFound) || !strings.Contains(err.Error(), `capture "table-mic"`) {
		t.Errorf("Bind without the microphone: %v, %v", caps, err)
	}
	cfg.Captures[0].Width = 1920
	if _, err := Bind(cfg, devs); !errors.Is(err, hw.ErrUnsupportedMode) {
		t.Errorf("Bind with an unknown mode: %v", err)
	}
}

func TestHomePositions(t *testing.T) {
	cfg := parse(t, config.Example)
	if got := HomePositions(cfg); !reflect.DeepEqual(got, map[string]hw.Position{"head": {Zoom: 1}}) {
		t.Errorf("home positions %v", got)
	}
	cfg.PTZ[0].Home = "left"
	if got := HomePositions(cfg)["head"]; got != (hw.Position{Pan: -30, Tilt: -5, Zoom: 2}) {
		t.Errorf("home at the left preset: %v", got)
	}
	cfg.PTZ[0].Home = ""
	if got := HomePositions(cfg)["head"]; got != Reference(cfg.PTZ[0]) {
		t.Errorf("no home: %v", got)
	}
}

// TestApplianceRoom: after Apply the appliance describes the box with the
// heads' live positions.
func TestApplianceRoom(t *testing.T) {
	a := newApp(t, hwtest.NewAutoClock(0))
	if _, err := a.Room(context.Background()); !errors.Is(err, errNotApplied) {
		t.Fatalf("Room before Apply: %v", err)
	}
	if err := a.Apply(context.Background(), parse(t, config.Example)); err != nil {
		t.Fatal(err)
	}
	r, err := a.Room(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Captures) != 3 || r.Captures[0].PTZ == nil {
		t.Fatalf("room %+v", r)
	}
	if _, err := provider.Build(&r); err != nil {
		t.Fatal(err)
	}
}
