package synthetic

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

func newTestPTZ(t *testing.T, opts *PTZOptions) (*PTZ, *hwtest.Clock) {
	t.Helper()
	clk := hwtest.NewClock(time.Minute)
	p, err := NewPTZ(clk, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, clk
}

func nearPos(a, b hw.Position) bool {
	return math.Abs(a.Pan-b.Pan) < 1e-6 && math.Abs(a.Tilt-b.Tilt) < 1e-6 && math.Abs(a.Zoom-b.Zoom) < 1e-6
}

// goMove runs a move in the background and returns its result channel.
func goMove(f func() error) chan error {
	c := make(chan error, 1)
	go func() { c <- f() }()
	return c
}

func TestPTZMoveTakesRealisticTime(t *testing.T) {
	p, clk := newTestPTZ(t, nil)
	updates, cancel := p.Subscribe()
	defer cancel()
	start := clk.Now()
	done := goMove(func() error { return p.MoveAbsolute(context.Background(), hw.Position{Pan: 90, Zoom: 1}) })
	clk.WaitForSleepers(t, 1)
	clk.Advance(750 * time.Millisecond)
	if got := p.Position(); !nearPos(got, hw.Position{Pan: 45, Zoom: 1}) {
		t.Errorf("half-way position %v, want pan 45", got)
	}
	clk.Advance(749 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("move ended after 1.499 s: %v", err)
	case <-time.After(10 * time.Millisecond):
	}
	clk.Advance(time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := clk.Now() - start; d != 1500*time.Millisecond {
		t.Errorf("90° at 60°/s took %v of fake time", d)
	}
	if got := <-updates; !nearPos(got, hw.Position{Pan: 90, Zoom: 1}) {
		t.Errorf("update %v", got)
	}
	// Axes run in parallel at their own speeds: tilt 45° at 45°/s and zoom
	// 1→7 at 3/s take 1 s and 2 s; the move takes 2 s.
	done = goMove(func() error { return p.MoveAbsolute(context.Background(), hw.Position{Pan: 90, Tilt: 45, Zoom: 7}) })
	clk.WaitForSleepers(t, 1)
	clk.Advance(time.Second)
	if got := p.Position(); !nearPos(got, hw.Position{Pan: 90, Tilt: 45, Zoom: 4}) {
		t.Errorf("after 1 s: %v", got)
	}
	clk.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestPTZLimits(t *testing.T) {
	p, clk := newTestPTZ(t, nil)
	if err := p.MoveAbsolute(context.Background(), hw.Position{Pan: 200, Zoom: 1}); !errors.Is(err, hw.ErrOutOfRange) {
		t.Errorf("pan 200: %v", err)
	}
	if err := p.MoveAbsolute(context.Background(), hw.Position{Zoom: 0.5}); !errors.Is(err, hw.ErrOutOfRange) {
		t.Errorf("zoom 0.5: %v", err)
	}
	if p.Position() != DefaultPTZLimits.Home {
		t.Error("a rejected move moved the head")
	}
	done := goMove(func() error { return p.MoveRelative(context.Background(), hw.Position{Pan: -500, Tilt: -10}) })
	clk.WaitForSleepers(t, 1)
	clk.AdvanceToNext()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := p.Position(); !nearPos(got, hw.Position{Pan: -170, Tilt: -10, Zoom: 1}) {
		t.Errorf("relative move clamped to %v", got)
	}
	if _, err := NewPTZ(nil, &PTZOptions{Limits: hw.PTZLimits{Pan: hw.Range{Min: 1, Max: 0}, PanSpeed: 1, TiltSpeed: 1, ZoomSpeed: 1}}); err == nil {
		t.Error("bad limits accepted")
	}
}

func TestPTZPresets(t *testing.T) {
	p, clk := newTestPTZ(t, &PTZOptions{Presets: []hw.Preset{{Name: "door", Position: hw.Position{Pan: -60, Tilt: 5, Zoom: 2}}}})
	move := func(f func() error) {
		t.Helper()
		done := goMove(f)
		clk.WaitForSleepers(t, 1)
		clk.AdvanceToNext()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	move(func() error { return p.MoveAbsolute(context.Background(), hw.Position{Pan: 30, Tilt: -10, Zoom: 3}) })
	if err := p.SetPreset("table"); err != nil {
		t.Fatal(err)
	}
	move(func() error { return p.GotoPreset(context.Background(), "door") })
	if !nearPos(p.Position(), hw.Position{Pan: -60, Tilt: 5, Zoom: 2}) {
		t.Errorf("at door: %v", p.Position())
	}
	move(func() error { return p.GotoPreset(context.Background(), "table") })
	if !nearPos(p.Position(), hw.Position{Pan: 30, Tilt: -10, Zoom: 3}) {
		t.Errorf("at table: %v", p.Position())
	}
	if err := p.GotoPreset(context.Background(), "window"); !errors.Is(err, hw.ErrNotFound) {
		t.Errorf("unknown preset: %v", err)
	}
	if err := p.SetPreset(""); err == nil {
		t.Error("empty preset name accepted")
	}
	ps := p.Presets()
	if len(ps) != 2 || ps[0].Name != "door" || ps[1].Name != "table" {
		t.Errorf("presets %v", ps)
	}
	move(func() error { return p.Home(context.Background()) })
	if p.Position() != DefaultPTZLimits.Home {
		t.Errorf("home: %v", p.Position())
	}
}

func TestPTZInterruptions(t *testing.T) {
	p, clk := newTestPTZ(t, nil)
	updates, cancel := p.Subscribe()
	defer cancel()

	// A newer move supersedes: the old one returns ErrInterrupted, the head
	// turns from where it was.
	first := goMove(func() error { return p.MoveAbsolute(context.Background(), hw.Position{Pan: 120, Zoom: 1}) })
	clk.WaitForSleepers(t, 1)
	clk.Advance(time.Second) // at pan 60
	second := goMove(func() error { return p.MoveAbsolute(context.Background(), hw.Position{Pan: 0, Zoom: 1}) })
	if err := <-first; !errors.Is(err, hw.ErrInterrupted) {
		t.Fatalf("superseded move: %v", err)
	}
	clk.WaitForSleepers(t, 1)
	clk.Advance(500 * time.Millisecond)
	if got := p.Position(); !nearPos(got, hw.Position{Pan: 30, Zoom: 1}) {
		t.Errorf("turning back: %v", got)
	}
	// Stop halts mid-move and tells subscribers where.
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := <-second; !errors.Is(err, hw.ErrInterrupted) {
		t.Fatalf("stopped move: %v", err)
	}
	if got := <-updates; !nearPos(got, hw.Position{Pan: 30, Zoom: 1}) {
		t.Errorf("stop update %v", got)
	}
	clk.Advance(time.Second)
	if got := p.Position(); !nearPos(got, hw.Position{Pan: 30, Zoom: 1}) {
		t.Errorf("moved after Stop: %v", got)
	}
	// A move whose ctx ends stops the head there.
	ctx, cancelMove := context.WithCancel(context.Background())
	third := goMove(func() error { return p.MoveRelative(ctx, hw.Position{Pan: 60}) })
	clk.WaitForSleepers(t, 1)
	clk.Advance(500 * time.Millisecond)
	cancelMove()
	if err := <-third; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled move: %v", err)
	}
	if got := <-updates; !nearPos(got, hw.Position{Pan: 60, Zoom: 1}) {
		t.Errorf("cancel update %v", got)
	}
	// Close interrupts a move with ErrClosed and ends subscriptions.
	fourth := goMove(func() error { return p.Home(context.Background()) })
	clk.WaitForSleepers(t, 1)
	_ = p.Close()
	if err := <-fourth; !errors.Is(err, hw.ErrClosed) {
		t.Errorf("move during Close: %v", err)
	}
	if _, ok := <-updates; ok {
		t.Error("subscription open after Close")
	}
	if err := p.MoveAbsolute(context.Background(), hw.Position{Zoom: 1}); !errors.Is(err, hw.ErrClosed) {
		t.Errorf("move after Close: %v", err)
	}
}
