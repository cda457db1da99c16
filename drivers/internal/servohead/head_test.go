package servohead

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

// step is one expected actuator call and its result.
type step struct {
	close bool
	pos   hw.Position
	err   error
}

// fakeActuator plays back expected Commands and Close; a call off script
// or a step not used fails the test.
type fakeActuator struct {
	t     testing.TB
	mu    sync.Mutex
	steps []step
	n     int
}

func newFake(t testing.TB, steps ...step) *fakeActuator {
	f := &fakeActuator{t: t, steps: steps}
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.n < len(f.steps) {
			t.Errorf("actuator: %d steps not used, next %+v", len(f.steps)-f.n, f.steps[f.n])
		}
	})
	return f
}

func near(a, b hw.Position) bool {
	return math.Abs(a.Pan-b.Pan) < 1e-6 && math.Abs(a.Tilt-b.Tilt) < 1e-6 && math.Abs(a.Zoom-b.Zoom) < 1e-6
}

func (f *fakeActuator) next(close bool, pos hw.Position) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n >= len(f.steps) || f.steps[f.n].close != close || (!close && !near(f.steps[f.n].pos, pos)) {
		f.t.Errorf("actuator: unexpected call close=%v %v (step %d)", close, pos, f.n)
		return errors.New("off script")
	}
	f.n++
	return f.steps[f.n-1].err
}

func (f *fakeActuator) Command(pos hw.Position) error { return f.next(false, pos) }
func (f *fakeActuator) Close() error                  { return f.next(true, hw.Position{}) }

var limits = hw.PTZLimits{Pan: hw.Range{Min: -90, Max: 90}, Tilt: hw.Range{Min: -45, Max: 45}, PanSpeed: 60, TiltSpeed: 30}

func newHead(t *testing.T, clk hw.Clock, steps ...step) *Head {
	t.Helper()
	h, err := New(newFake(t, steps...), clk, Opts{Info: hw.DeviceInfo{ID: "x", Driver: "test"}, Limits: limits,
		Presets: []hw.Preset{{Name: "left", Position: hw.Position{Pan: -90}}}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestMoveTimingAndStop(t *testing.T) {
	clk := hwtest.NewClock(0)
	h := newHead(t, clk,
		step{pos: hw.Position{}},          // New: home
		step{pos: hw.Position{Pan: 60}},   // move
		step{pos: hw.Position{Pan: 30}},   // Stop holds half-way
		step{pos: hw.Position{Tilt: -30}}, // move: 30° pan back and 30° tilt
		step{pos: hw.Position{Pan: 0, Tilt: -30}},
		step{pos: hw.Position{}},                  // relative tilt +30
		step{pos: hw.Position{Pan: 0, Tilt: -15}}, // ctx ends half-way
		step{close: true},
	)
	upd, cancel := h.Subscribe()
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.MoveAbsolute(context.Background(), hw.Position{Pan: 60}) }()
	clk.WaitForSleepers(t, 1)
	clk.Advance(500 * time.Millisecond)
	if got := h.Position(); !near(got, hw.Position{Pan: 30}) {
		t.Errorf("half-way %v", got)
	}
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, hw.ErrInterrupted) {
		t.Errorf("stopped move: %v", err)
	}
	if got := <-upd; !near(got, hw.Position{Pan: 30}) {
		t.Errorf("rest %v", got)
	}
	// Superseded by another move (no hold command in between).
	go func() { done <- h.MoveAbsolute(context.Background(), hw.Position{Tilt: -30}) }()
	clk.WaitForSleepers(t, 1)
	go func() { done <- h.MoveAbsolute(context.Background(), hw.Position{Tilt: -30}) }()
	if err := <-done; !errors.Is(err, hw.ErrInterrupted) {
		t.Errorf("superseded: %v", err)
	}
	clk.WaitForSleepers(t, 1)
	clk.Advance(time.Second) // 30° tilt at 30°/s; pan 30° at 60°/s
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	go func() { done <- h.MoveRelative(ctx, hw.Position{Tilt: 30}) }()
	clk.WaitForSleepers(t, 1)
	clk.Advance(500 * time.Millisecond)
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if got := <-upd; !near(got, hw.Position{Tilt: -15}) {
		t.Errorf("rest %v", got)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Stop(); !errors.Is(err, hw.ErrClosed) {
		t.Errorf("Stop after Close: %v", err)
	}
}

func TestLimitsPresetsErrors(t *testing.T) {
	clk := hwtest.NewAutoClock(0)
	boom := errors.New("boom")
	h := newHead(t, clk,
		step{pos: hw.Position{}},
		step{pos: hw.Position{Pan: 90}},            // relative clamps
		step{pos: hw.Position{Pan: -90}},           // preset
		step{pos: hw.Position{Pan: 10}, err: boom}, // actuator fails: nothing moves
		step{close: true, err: boom},
	)
	ctx := context.Background()
	if err := h.MoveAbsolute(ctx, hw.Position{Pan: 91}); !errors.Is(err, hw.ErrOutOfRange) {
		t.Errorf("out of range: %v", err)
	}
	if err := h.MoveRelative(ctx, hw.Position{Pan: 500}); err != nil {
		t.Fatal(err)
	}
	if err := h.SetPreset("right"); err != nil {
		t.Fatal(err)
	}
	if err := h.GotoPreset(ctx, "left"); err != nil {
		t.Fatal(err)
	}
	if err := h.GotoPreset(ctx, "up"); !errors.Is(err, hw.ErrNotFound) {
		t.Errorf("unknown preset: %v", err)
	}
	if ps := h.Presets(); len(ps) != 2 || ps[0].Name != "left" || ps[1].Name != "right" || ps[1].Pan != 90 {
		t.Errorf("presets %+v", ps)
	}
	if err := h.MoveAbsolute(ctx, hw.Position{Pan: 10}); !errors.Is(err, boom) {
		t.Errorf("actuator error: %v", err)
	}
	if got := h.Position(); !near(got, hw.Position{Pan: -90}) {
		t.Errorf("moved on failure: %v", got)
	}
	if err := h.Close(); !errors.Is(err, boom) {
		t.Errorf("close error: %v", err)
	}
	if err := h.SetPreset("x"); !errors.Is(err, hw.ErrClosed) {
		t.Errorf("after close: %v", err)
	}
}

func TestNewRejects(t *testing.T) {
	for name, l := range map[string]hw.PTZLimits{
		"no speed":  {Pan: hw.Range{Min: -1, Max: 1}},
		"inverted":  {Pan: hw.Range{Min: 1, Max: -1}, PanSpeed: 1},
		"home":      {Pan: hw.Range{Min: 1, Max: 2}, PanSpeed: 1},
		"neg speed": {TiltSpeed: -1},
	} {
		if _, err := New(newFake(t), nil, Opts{Limits: l}); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
