package gpio

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
	"periph.io/x/conn/v3/gpio"
)

// fakePin expects a sequence of levels; another level, or one more than
// scripted, fails the test, and so do levels not driven by cleanup. err,
// when set, is returned by every Out instead.
type fakePin struct {
	t    testing.TB
	name string
	mu   sync.Mutex
	want []gpio.Level
	n    int
	err  error
}

func newPin(t testing.TB, name string, want ...gpio.Level) *fakePin {
	p := &fakePin{t: t, name: name, want: want}
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.n < len(p.want) {
			t.Errorf("pin %s: %d levels not driven", p.name, len(p.want)-p.n)
		}
	})
	return p
}

func (p *fakePin) Out(l gpio.Level) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	if p.n >= len(p.want) || p.want[p.n] != l {
		p.t.Errorf("pin %s: level %v at %d, script %v", p.name, l, p.n, p.want)
		return errors.New("off script")
	}
	p.n++
	return nil
}

func repeat(n int, ls ...gpio.Level) []gpio.Level {
	var out []gpio.Level
	for range n {
		out = append(out, ls...)
	}
	return out
}

// run drives the fake clock 1 ms at a time, each time after the mover
// and the stepper both sleep, until done delivers.
func run(t *testing.T, clk *hwtest.Clock, done chan error) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-done:
			return err
		default:
		}
		if clk.Sleepers() < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("stuck at %v with %d sleepers", clk.Now(), clk.Sleepers())
			}
			time.Sleep(50 * time.Microsecond)
			continue
		}
		clk.Advance(time.Millisecond)
	}
}

func axes(t *testing.T, panStep, panDir, tiltStep, tiltDir Pin) PTZOpts {
	return PTZOpts{
		Pan:  Axis{Step: panStep, Dir: panDir, StepsPerDegree: 10, Min: -90, Max: 90, Speed: 10},
		Tilt: Axis{Step: tiltStep, Dir: tiltDir, StepsPerDegree: 10, Min: -30, Max: 30, Speed: 5, Reverse: true},
	}
}

func TestSteps(t *testing.T) {
	clk := hwtest.NewClock(0)
	// Pan +1° = 10 steps forward (dir high), then -0.5° = 5 back; tilt
	// -0.5° = 5 steps negative, reversed: dir high.
	panStep := newPin(t, "pan step", repeat(15, gpio.High, gpio.Low)...)
	panDir := newPin(t, "pan dir", append(repeat(10, gpio.High), repeat(5, gpio.Low)...)...)
	tiltStep := newPin(t, "tilt step", repeat(5, gpio.High, gpio.Low)...)
	tiltDir := newPin(t, "tilt dir", repeat(5, gpio.High)...)
	p, err := NewPTZ(clk, axes(t, panStep, panDir, tiltStep, tiltDir))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.MoveAbsolute(context.Background(), hw.Position{Pan: 1}) }()
	if err := run(t, clk, done); err != nil {
		t.Fatal(err)
	}
	if clk.Now() != 100*time.Millisecond { // 1° at 10°/s
		t.Errorf("move took %v", clk.Now())
	}
	go func() { done <- p.MoveRelative(context.Background(), hw.Position{Pan: -0.5, Tilt: -0.5}) }()
	if err := run(t, clk, done); err != nil {
		t.Fatal(err)
	}
	if err := p.MoveAbsolute(context.Background(), hw.Position{Tilt: 31}); !errors.Is(err, hw.ErrOutOfRange) {
		t.Errorf("tilt 31: %v", err)
	}
	clk.WaitForSleepers(t, 1)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got := p.Presets(); len(got) != 0 {
		t.Errorf("presets %v", got)
	}
}

func TestPinErrorReported(t *testing.T) {
	clk := hwtest.NewClock(0)
	boom := errors.New("EBUSY")
	panStep := newPin(t, "pan step")
	panStep.err = boom
	p, err := NewPTZ(clk, axes(t, panStep, newPin(t, "pan dir", gpio.High), newPin(t, "ts"), newPin(t, "td")))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.MoveAbsolute(context.Background(), hw.Position{Pan: 1}) }()
	if err := run(t, clk, done); err != nil {
		t.Fatal(err)
	}
	// The failure surfaces at the next command.
	if err := p.MoveAbsolute(context.Background(), hw.Position{}); !errors.Is(err, boom) {
		t.Errorf("next move: %v", err)
	}
	clk.WaitForSleepers(t, 1)
	p.Close()
}

func TestConfig(t *testing.T) {
	o := axes(t, newPin(t, "a"), newPin(t, "b"), newPin(t, "c"), newPin(t, "d"))
	o.Pan.StepsPerDegree = 0
	if _, err := NewPTZ(nil, o); !errors.Is(err, ErrConfig) {
		t.Errorf("no steps: %v", err)
	}
	o = axes(t, nil, newPin(t, "b2"), newPin(t, "c2"), newPin(t, "d2"))
	if _, err := NewPTZ(nil, o); !errors.Is(err, ErrConfig) {
		t.Errorf("no pin: %v", err)
	}
	if _, err := Line("gpiochip-none", "17"); !errors.Is(err, hw.ErrNotFound) {
		t.Errorf("missing chip: %v", err)
	}
}
