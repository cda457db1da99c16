package hwtest

import (
	"context"
	"errors"
	"testing"

	"github.com/cluecam/cluecam/hw"
)

var testLimits = hw.PTZLimits{
	Pan: hw.Range{Min: -90, Max: 90}, Tilt: hw.Range{Min: -30, Max: 30}, Zoom: hw.Range{Min: 1, Max: 4},
	PanSpeed: 60, TiltSpeed: 60, ZoomSpeed: 1,
	Home: hw.Position{Zoom: 1},
}

func TestPTZPlayback(t *testing.T) {
	ctx := context.Background()
	p := NewPTZ(t, PTZConfig{Info: hw.DeviceInfo{ID: "fake:ptz"}, Limits: testLimits, Start: testLimits.Home},
		PTZStep{Op: PTZMoveAbsolute, Position: hw.Position{Pan: 45, Zoom: 2}},
		PTZStep{Op: PTZSetPreset, Name: "door"},
		PTZStep{Op: PTZMoveRelative, Position: hw.Position{Pan: 100}},
		PTZStep{Op: PTZMoveAbsolute, Position: hw.Position{Pan: 120, Zoom: 1}},
		PTZStep{Op: PTZGotoPreset, Name: "door"},
		PTZStep{Op: PTZGotoPreset, Name: "window"},
		PTZStep{Op: PTZHome},
		PTZStep{Op: PTZStop},
		PTZStep{Op: PTZClose},
	)
	updates, cancel := p.Subscribe()
	defer cancel()
	if err := p.MoveAbsolute(ctx, hw.Position{Pan: 45, Zoom: 2}); err != nil {
		t.Fatal(err)
	}
	if got := <-updates; got != (hw.Position{Pan: 45, Zoom: 2}) {
		t.Errorf("update %v", got)
	}
	if err := p.SetPreset("door"); err != nil {
		t.Fatal(err)
	}
	if err := p.MoveRelative(ctx, hw.Position{Pan: 100}); err != nil {
		t.Fatal(err)
	}
	if got := p.Position(); got != (hw.Position{Pan: 90, Zoom: 2}) {
		t.Errorf("relative move not clamped: %v", got)
	}
	if err := p.MoveAbsolute(ctx, hw.Position{Pan: 120, Zoom: 1}); !errors.Is(err, hw.ErrOutOfRange) {
		t.Errorf("out of range: %v", err)
	}
	if err := p.GotoPreset(ctx, "door"); err != nil || p.Position() != (hw.Position{Pan: 45, Zoom: 2}) {
		t.Errorf("preset: %v %v", err, p.Position())
	}
	if err := p.GotoPreset(ctx, "window"); !errors.Is(err, hw.ErrNotFound) {
		t.Errorf("unknown preset: %v", err)
	}
	if err := p.Home(ctx); err != nil || p.Position() != testLimits.Home {
		t.Errorf("home: %v %v", err, p.Position())
	}
	// Latest wins: several moves unread leave only the last rest position.
	if got := <-updates; got != testLimits.Home {
		t.Errorf("latest update %v, want home", got)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if ps := p.Presets(); len(ps) != 1 || ps[0].Name != "door" {
		t.Errorf("presets %v", ps)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	<-updates // the Stop's position
	if _, ok := <-updates; ok {
		t.Error("subscription open after Close")
	}
	cancel()
}

func TestPTZFails(t *testing.T) {
	r := newRecorder(t)
	p := NewPTZ(r, PTZConfig{Limits: testLimits}, PTZStep{Op: PTZMoveAbsolute, Position: hw.Position{Pan: 10}}, PTZStep{Op: PTZHome})
	if err := p.MoveAbsolute(context.Background(), hw.Position{Pan: 11}); !errors.Is(err, ErrUnexpected) {
		t.Errorf("got %v", err)
	}
	expectFailures(t, r.finish(), "unexpected MoveAbsolute(pan 11.00° tilt 0.00° zoom 0.00): next is step 0: MoveAbsolute(pan 10.00°", "2 scripted step(s) not used")
}
