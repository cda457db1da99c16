package appliance

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

func parse(t *testing.T, doc string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("test.toml", []byte(doc))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return cfg
}

func newApp(t *testing.T, clock hw.Clock) *Appliance {
	t.Helper()
	a := New(slog.New(slog.NewTextHandler(io.Discard, nil)), &Options{Clock: clock, ProbeTimeout: 10 * time.Second})
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func TestApplyExample(t *testing.T) {
	a := newApp(t, hwtest.NewAutoClock(0))
	cfg := parse(t, config.Example)
	if err := a.Apply(context.Background(), cfg); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if a.Config() != cfg {
		t.Fatal("configuration not in force after Apply")
	}
	got := map[string]Capture{}
	for _, c := range a.Captures() {
		got[c.Name] = c
	}
	want := map[string]string{
		"main":      "H264 640x360@30",
		"wide":      "MJPG 640x480@15",
		"table-mic": "S16LE 48000Hz 1ch",
	}
	for name, mode := range want {
		c, ok := got[name]
		if !ok {
			t.Errorf("capture %s not bound", name)
			continue
		}
		m := c.Video.String()
		if c.Media == config.MediaAudio {
			m = c.Audio.String()
		}
		if m != mode {
			t.Errorf("capture %s mode %q, want %q", name, m, mode)
		}
	}
	if _, ok := a.Head("head"); !ok {
		t.Error("PTZ head not opened")
	}
}

// A reload naming a device the box does not have is refused as a whole:
// the old configuration, its captures and its head stay in force.
func TestApplyFailureKeepsPrevious(t *testing.T) {
	a := newApp(t, hwtest.NewAutoClock(0))
	good := parse(t, config.Example)
	if err := a.Apply(context.Background(), good); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	tests := []struct {
		name, from, to, wantErr string
	}{
		{"missing device", `device = "synthetic:h264"`, `device = "/dev/video9"`, `capture "main": device "/dev/video9"`},
		{"unsupported size", "width = 640\nheight = 360", "width = 1920\nheight = 1080", `capture "main": device "synthetic:h264" has no h264 1920x1080@30 mode`},
		{"unsupported rate", "rate = 48000", "rate = 44100", `capture "table-mic": device "synthetic:tone" has no S16LE 44100 Hz`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(config.Example, tc.from, tc.to, 1)
			if doc == config.Example {
				t.Fatalf("replacement %q not found in the example", tc.from)
			}
			err := a.Apply(context.Background(), parse(t, doc))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Apply error %v, want one containing %q", err, tc.wantErr)
			}
			if a.Config() != good {
				t.Fatal("failed Apply replaced the configuration in force")
			}
			if len(a.Captures()) != 3 {
				t.Fatalf("captures after failed Apply: %v", a.Captures())
			}
			if _, ok := a.Head("head"); !ok {
				t.Fatal("head not restored after failed Apply")
			}
		})
	}
}

// The head moves to its home preset after Apply, at the configured speed.
func TestApplyMovesHeadHome(t *testing.T) {
	clock := hwtest.NewAutoClock(0)
	a := newApp(t, clock)
	doc := strings.Replace(config.Example, `home = "room"`, `home = "left"`, 1)
	if err := a.Apply(context.Background(), parse(t, doc)); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	head, ok := a.Head("head")
	if !ok {
		t.Fatal("no head")
	}
	want := hw.Position{Pan: -30, Tilt: -5, Zoom: 2}
	deadline := time.Now().Add(10 * time.Second)
	for head.Position() != want {
		if time.Now().After(deadline) {
			t.Fatalf("head at %v, want the home preset %v", head.Position(), want)
		}
		time.Sleep(time.Millisecond)
	}
	if l := head.Limits(); l.Pan.Min != -90 || l.Pan.Max != 90 || l.PanSpeed != 60 {
		t.Errorf("head limits %+v do not follow the configuration", l)
	}
}

func TestResolveAuto(t *testing.T) {
	devs := []hw.DeviceInfo{
		{ID: "mic", Kind: hw.KindAudio, Formats: []hw.AudioFormat{{Rate: 16000, Channels: 1, Encoding: hw.S16LE}}},
		{ID: "cam-mjpeg", Kind: hw.KindVideo, Modes: []hw.VideoMode{{Format: hw.FormatMJPEG, Width: 640, Height: 360, FrameRate: hw.Rational{Num: 30, Den: 1}}}},
		{ID: "cam-both", Kind: hw.KindVideo, Modes: []hw.VideoMode{
			{Format: hw.FormatMJPEG, Width: 1280, Height: 720, FrameRate: hw.Rational{Num: 30, Den: 1}},
			{Format: hw.FormatH264, Width: 1280, Height: 720, FrameRate: hw.Rational{Num: 30, Den: 1}},
		}},
	}
	tests := []struct {
		name    string
		c       config.Capture
		wantID  string
		wantFmt hw.PixelFormat
		wantErr error
	}{
		{"auto prefers H.264 over MJPEG", config.Capture{Media: "video", Device: "auto", Format: "auto", Width: 1280, Height: 720, Framerate: 30}, "cam-both", hw.FormatH264, nil},
		{"explicit MJPEG", config.Capture{Media: "video", Device: "auto", Format: "mjpeg", Width: 1280, Height: 720, Framerate: 30}, "cam-both", hw.FormatMJPEG, nil},
		{"first device with the mode", config.Capture{Media: "video", Device: "auto", Format: "auto", Width: 640, Height: 360, Framerate: 30}, "cam-mjpeg", hw.FormatMJPEG, nil},
		{"no device with the mode", config.Capture{Media: "video", Device: "auto", Format: "auto", Width: 320, Height: 240, Framerate: 30}, "", 0, hw.ErrNotFound},
		{"auto audio", config.Capture{Media: "audio", Device: "auto", Rate: 16000, Channels: 1}, "mic", 0, nil},
		{"named device missing", config.Capture{Media: "video", Device: "/dev/video7"}, "", 0, hw.ErrNotFound},
		{"named device of the wrong kind", config.Capture{Media: "video", Device: "mic"}, "", 0, hw.ErrWrongKind},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := resolveDevice(devs, tc.c)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.ID != tc.wantID {
				t.Fatalf("device %s, want %s", d.ID, tc.wantID)
			}
			if tc.c.Media == "video" {
				m, ok := videoMode(d.Modes, tc.c)
				if !ok || m.Format != tc.wantFmt {
					t.Fatalf("mode %v (found %v), want format %v", m, ok, tc.wantFmt)
				}
			}
		})
	}
}
