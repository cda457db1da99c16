package synthetic

import (
	"context"
	"errors"
	"testing"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

func TestProviderScan(t *testing.T) {
	p := New(hwtest.NewAutoClock(0), nil)
	devs, err := p.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		kind hw.Kind
		caps hw.Caps
	}{
		IDH264:  {hw.KindVideo, hw.CapKeyframe | hw.CapBitrate},
		IDMJPEG: {hw.KindVideo, hw.CapBitrate},
		IDTone:  {hw.KindAudio, 0},
		IDPTZ:   {hw.KindPTZ, hw.CapPan | hw.CapTilt | hw.CapZoom | hw.CapPresets},
	}
	if len(devs) != len(want) {
		t.Fatalf("%d devices", len(devs))
	}
	for _, d := range devs {
		w, ok := want[d.ID]
		if !ok || d.Kind != w.kind || d.Caps != w.caps || d.Driver != "synthetic" || d.Name == "" {
			t.Errorf("device %+v", d)
		}
		if (d.Kind == hw.KindVideo) != (len(d.Modes) > 0) || (d.Kind == hw.KindAudio) != (len(d.Formats) > 0) {
			t.Errorf("%s: modes %v formats %v", d.ID, d.Modes, d.Formats)
		}
	}
}

// The devices behave through the inventory as their Info says: every
// advertised capability is there as an interface, every mode starts.
func TestProviderThroughInventory(t *testing.T) {
	ctx := context.Background()
	inv := hw.NewInventory(New(hwtest.NewAutoClock(0), nil))
	devs, err := inv.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		switch d.Kind {
		case hw.KindVideo:
			v, err := inv.OpenVideo(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := v.(hw.KeyframeRequester); ok != (d.Caps&hw.CapKeyframe != 0) {
				t.Errorf("%s: KeyframeRequester %v", d.ID, ok)
			}
			if _, ok := v.(hw.BitrateController); ok != (d.Caps&hw.CapBitrate != 0) {
				t.Errorf("%s: BitrateController %v", d.ID, ok)
			}
			for _, m := range v.Modes() {
				if err := v.Start(m); err != nil {
					t.Fatalf("%s %v: %v", d.ID, m, err)
				}
				f, err := v.ReadFrame(ctx)
				if err != nil || len(f.Data) == 0 || !f.Keyframe() {
					t.Fatalf("%s %v: first frame %v", d.ID, m, err)
				}
				f.Release()
				_ = v.Stop()
			}
			_ = v.Close()
		case hw.KindAudio:
			a, err := inv.OpenAudio(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range a.Formats() {
				if err := a.Start(hw.AudioConfig{Format: f}); err != nil {
					t.Fatal(err)
				}
				dst := make([]int16, a.PeriodFrames()*f.Channels)
				if _, err := a.ReadPeriod(ctx, dst); err != nil {
					t.Fatal(err)
				}
				_ = a.Stop()
			}
			_ = a.Close()
		case hw.KindPTZ:
			h, err := inv.OpenPTZ(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if h.Limits() != DefaultPTZLimits {
				t.Error("limits")
			}
			_ = h.Close()
		}
	}
}

func TestProviderOpenRules(t *testing.T) {
	ctx := context.Background()
	p := New(hwtest.NewAutoClock(0), &Options{H264: H264Options{StartFrame: 99}})
	if _, err := p.OpenVideo(ctx, IDH264); err == nil {
		t.Error("bad options accepted")
	}
	p = New(nil, nil)
	v, err := p.OpenVideo(ctx, IDMJPEG)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.OpenVideo(ctx, IDMJPEG); !errors.Is(err, hw.ErrBusy) {
		t.Errorf("second open: %v", err)
	}
	_ = v.Close()
	v, err = p.OpenVideo(ctx, IDMJPEG)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	_ = v.Close()
	if _, err := p.OpenVideo(ctx, IDTone); !errors.Is(err, hw.ErrWrongKind) {
		t.Errorf("tone as video: %v", err)
	}
	if _, err := p.OpenAudio(ctx, IDPTZ); !errors.Is(err, hw.ErrWrongKind) {
		t.Errorf("ptz as audio: %v", err)
	}
	if _, err := p.OpenPTZ(ctx, "synthetic:nope"); !errors.Is(err, hw.ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	a, err := p.OpenAudio(ctx, IDTone)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.OpenAudio(ctx, IDTone); !errors.Is(err, hw.ErrBusy) {
		t.Errorf("tone twice: %v", err)
	}
	_ = a.Close()
	h, err := p.OpenPTZ(ctx, IDPTZ)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.OpenPTZ(ctx, IDPTZ); !errors.Is(err, hw.ErrBusy) {
		t.Errorf("ptz twice: %v", err)
	}
	_ = h.Close()
	_ = h.Close()
	if h, err = p.OpenPTZ(ctx, IDPTZ); err != nil {
		t.Fatal(err)
	}
	_ = h.Close()
}
