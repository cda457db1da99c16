// Package gpio drives pan-tilt heads of stepper motors on GPIO lines: one
// step and one direction line per axis to a step/dir driver (A4988,
// DRV8825, TMC2208). Lines come from periph's GPIO character-device
// driver (host/v3/gpioioctl), which also works with the kernel's gpio-sim.
package gpio

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/cluecam/cluecam/drivers/internal/servohead"
	"github.com/cluecam/cluecam/hw"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/host/v3/gpioioctl"
)

// Pin is the one thing a stepper needs of a GPIO line; periph's
// *gpioioctl.GPIOLine (and any gpio.PinOut) has it.
type Pin interface {
	Out(l gpio.Level) error
}

// Line finds line name (or its number, "17") on the character device chip
// ("gpiochip0") among gpioioctl.Chips; host.Init (or the gpioioctl
// driver's init) must have run.
func Line(chip, name string) (*gpioioctl.GPIOLine, error) {
	for _, c := range gpioioctl.Chips {
		if c.Name() != chip {
			continue
		}
		if l := c.ByName(name); l != nil {
			return l, nil
		}
		var n int
		if _, err := fmt.Sscan(name, &n); err == nil {
			if l := c.ByNumber(n); l != nil {
				return l, nil
			}
		}
		return nil, wrap(chip+" "+name, hw.ErrNotFound)
	}
	return nil, wrap(chip, hw.ErrNotFound)
}

// Axis is one stepper.
type Axis struct {
	Step, Dir Pin
	// StepsPerDegree of the axis (motor steps × microsteps × gearing / 360).
	StepsPerDegree float64
	// Min < Max is the travel in degrees; the axis is at 0 (Home) at start.
	Min, Max float64
	// Speed in degrees per second.
	Speed float64
	// Reverse swaps the direction line's meaning (high = negative).
	Reverse bool
}

func (a Axis) check(name string) error {
	if a.Step == nil || a.Dir == nil || !(a.StepsPerDegree > 0) || !(a.Speed > 0) || !(a.Min < a.Max) || a.Min > 0 || a.Max < 0 {
		return fmt.Errorf("%w: %s axis %+v (needs pins, steps, speed and a travel around 0)", ErrConfig, name, a)
	}
	return nil
}

// axisState is an axis' step count and target.
type axisState struct {
	Axis
	pos, target int
	interval    time.Duration
	next        time.Duration
}

// stepper is the servohead.Actuator: Command sets the targets, a goroutine
// steps towards them at the axes' speeds on the injected clock.
type stepper struct {
	clock hw.Clock
	timer hw.Timer
	quit  chan struct{}
	done  chan struct{}

	mu   sync.Mutex
	axes [2]*axisState
	err  error // first pin error, reported by the next Command
}

func newStepper(clock hw.Clock, pan, tilt Axis) *stepper {
	s := &stepper{clock: clock, timer: clock.NewTimer(), quit: make(chan struct{}), done: make(chan struct{})}
	for i, a := range []Axis{pan, tilt} {
		s.axes[i] = &axisState{Axis: a, interval: time.Duration(float64(time.Second) / (a.Speed * a.StepsPerDegree))}
	}
	go s.run()
	return s
}

func (s *stepper) Command(p hw.Position) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.err; err != nil {
		s.err = nil
		return err
	}
	now := s.clock.Now()
	for i, deg := range []float64{p.Pan, p.Tilt} {
		a := s.axes[i]
		if a.pos == a.target { // idle: the first step is due now
			a.next = now
		}
		a.target = int(math.Round(deg * a.StepsPerDegree))
	}
	s.timer.Wake()
	return nil
}

// run steps every axis due, then sleeps until the next step or a Command.
func (s *stepper) run() {
	defer close(s.done)
	const forever = time.Duration(math.MaxInt64)
	for {
		s.mu.Lock()
		now, wake := s.clock.Now(), forever
		for _, a := range s.axes {
			if a.pos == a.target {
				continue
			}
			if a.next <= now {
				if err := s.stepLocked(a); err != nil {
					if s.err == nil {
						s.err = err
					}
					a.target = a.pos // give the move up
					continue
				}
				a.next += a.interval
				if a.next < now { // fell behind (slow scheduling): do not burst
					a.next = now + a.interval
				}
			}
			if a.pos != a.target {
				wake = min(wake, a.next)
			}
		}
		s.mu.Unlock()
		select {
		case <-s.quit:
			return
		default:
		}
		if err := s.timer.SleepUntil(context.Background(), wake); err != nil && !errors.Is(err, hw.ErrWoken) {
			return
		}
	}
}

// stepLocked sets the direction and pulses the step line once.
func (s *stepper) stepLocked(a *axisState) error {
	dir := 1
	if a.target < a.pos {
		dir = -1
	}
	if err := a.Dir.Out(gpio.Level((dir > 0) != a.Reverse)); err != nil {
		return err
	}
	if err := a.Step.Out(gpio.High); err != nil {
		return err
	}
	if err := a.Step.Out(gpio.Low); err != nil {
		return err
	}
	a.pos += dir
	return nil
}

func (s *stepper) Close() error {
	close(s.quit)
	s.timer.Wake()
	<-s.done
	s.timer.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// PTZOpts configure a stepper head.
type PTZOpts struct {
	// ID is the device ID (default "gpio").
	ID        string
	Pan, Tilt Axis
	Presets   []hw.Preset
}

// PTZ is a pan-tilt head of two steppers, at pan 0 tilt 0 at start.
type PTZ struct {
	*servohead.Head
}

var _ hw.PTZ = (*PTZ)(nil)

// NewPTZ returns the head; Close stops the stepping goroutine (the lines
// stay the caller's).
func NewPTZ(clock hw.Clock, o PTZOpts) (*PTZ, error) {
	if clock == nil {
		clock = hw.SystemClock
	}
	if o.ID == "" {
		o.ID = "gpio"
	}
	if err := o.Pan.check("pan"); err != nil {
		return nil, err
	}
	if err := o.Tilt.check("tilt"); err != nil {
		return nil, err
	}
	l := hw.PTZLimits{
		Pan: hw.Range{Min: o.Pan.Min, Max: o.Pan.Max}, Tilt: hw.Range{Min: o.Tilt.Min, Max: o.Tilt.Max},
		PanSpeed: o.Pan.Speed, TiltSpeed: o.Tilt.Speed,
	}
	st := newStepper(clock, o.Pan, o.Tilt)
	h, err := servohead.New(st, clock, servohead.Opts{
		Info:   hw.DeviceInfo{ID: o.ID, Driver: "gpio", Name: "GPIO stepper head", Kind: hw.KindPTZ, Caps: hw.CapPan | hw.CapTilt | hw.CapPresets},
		Limits: l, Presets: o.Presets,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	return &PTZ{Head: h}, nil
}
