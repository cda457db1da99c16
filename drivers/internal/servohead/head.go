// Package servohead is the core shared by pan-tilt heads that move at a
// known speed without position feedback: hobby servos on a PCA9685 or on
// kernel PWM, steppers on GPIO, and the synthetic head (which commands no
// hardware at all). The driver supplies an Actuator that commands a target;
// the Head does the rest of hw.PTZ: limits, timing on the injected clock,
// interpolated Position, supersession, presets, subscriptions.
package servohead

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/cluecam/cluecam/hw"
)

// Actuator drives the hardware.
type Actuator interface {
	// Command sets the target of every axis; the head then travels there
	// at its own speed (Limits' speeds) without further calls. The Head
	// calls it with the destination of a move and, when a move is halted,
	// with the interpolated position to hold. Calls are serialised.
	Command(pos hw.Position) error
	// Close frees the hardware (called once, after a final Command that
	// holds the position).
	Close() error
}

// Opts configure a Head.
type Opts struct {
	// Info describes the device (ID and Driver name the errors).
	Info hw.DeviceInfo
	// Limits are the travel and the speeds (all of the head's axes
	// positive; an axis with Min == Max may have speed 0).
	Limits hw.PTZLimits
	// Presets are stored from the start.
	Presets []hw.Preset
}

// Head is an hw.PTZ on an Actuator. Construction commands Limits.Home,
// since a head without feedback does not know where it is.
type Head struct {
	clock  hw.Clock
	act    Actuator
	limits hw.PTZLimits
	info   hw.DeviceInfo
	feed   hw.PositionFeed

	mu       sync.Mutex
	isClosed bool
	from, to hw.Position
	t0, t1   time.Duration // move start and end; t1 <= now: at rest at to
	gen      uint64        // bumped by every move, Stop and Close
	waiter   hw.Timer
	presets  map[string]hw.Position
}

var _ hw.PTZ = (*Head)(nil)

// New validates opts, commands Home and returns the head at rest there
// (the travel from the unknown start is not waited for). A nil clock means
// hw.SystemClock.
func New(act Actuator, clock hw.Clock, opts Opts) (*Head, error) {
	if clock == nil {
		clock = hw.SystemClock
	}
	l := opts.Limits
	h := &Head{clock: clock, act: act, limits: l, info: opts.Info, presets: map[string]hw.Position{}}
	for _, ax := range []struct {
		r     hw.Range
		speed float64
	}{{l.Pan, l.PanSpeed}, {l.Tilt, l.TiltSpeed}, {l.Zoom, l.ZoomSpeed}} {
		if ax.r.Min > ax.r.Max || ax.speed < 0 || (ax.r.Min < ax.r.Max && !(ax.speed > 0)) {
			return nil, h.wrap(fmt.Errorf("limits %+v: want Min <= Max and a positive speed on every moving axis", l))
		}
	}
	if !l.Contains(l.Home) {
		return nil, h.wrap(fmt.Errorf("home %v: %w", l.Home, hw.ErrOutOfRange))
	}
	for _, pr := range opts.Presets {
		if pr.Name == "" || !l.Contains(pr.Position) {
			return nil, h.wrap(fmt.Errorf("preset %q at %v: %w", pr.Name, pr.Position, hw.ErrOutOfRange))
		}
		h.presets[pr.Name] = pr.Position
	}
	if err := act.Command(l.Home); err != nil {
		return nil, h.wrap(err)
	}
	h.from, h.to = l.Home, l.Home
	return h, nil
}

// Info describes the device.
func (h *Head) Info() hw.DeviceInfo { return h.info }

// Limits returns the travel and speeds.
func (h *Head) Limits() hw.PTZLimits { return h.limits }

func axisTime(d, speed float64) float64 {
	if d == 0 {
		return 0
	}
	return math.Abs(d) / speed
}

// Travel returns how long the move from a to b takes: each axis runs at
// its top speed, the slowest decides.
func (h *Head) Travel(a, b hw.Position) time.Duration {
	s := max(axisTime(b.Pan-a.Pan, h.limits.PanSpeed),
		axisTime(b.Tilt-a.Tilt, h.limits.TiltSpeed),
		axisTime(b.Zoom-a.Zoom, h.limits.ZoomSpeed))
	return time.Duration(math.Ceil(s * float64(time.Second)))
}

func axis(a, b, speed, dt float64) float64 {
	d := b - a
	if step := speed * dt; math.Abs(d) > step {
		return a + math.Copysign(step, d)
	}
	return b
}

func (h *Head) posLocked(now time.Duration) hw.Position {
	if now >= h.t1 {
		return h.to
	}
	dt := (now - h.t0).Seconds()
	return hw.Position{
		Pan:  axis(h.from.Pan, h.to.Pan, h.limits.PanSpeed, dt),
		Tilt: axis(h.from.Tilt, h.to.Tilt, h.limits.TiltSpeed, dt),
		Zoom: axis(h.from.Zoom, h.to.Zoom, h.limits.ZoomSpeed, dt),
	}
}

// Position returns the estimated position.
func (h *Head) Position() hw.Position {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.posLocked(h.clock.Now())
}

// haltLocked holds the head where it is now (commanding that position if
// it was moving), interrupts a mover and reports whether it was moving.
func (h *Head) haltLocked(now time.Duration) (bool, error) {
	moving := now < h.t1
	cur := h.posLocked(now)
	var err error
	if moving {
		err = h.act.Command(cur)
	}
	h.from, h.to, h.t0, h.t1 = cur, cur, now, now
	h.gen++
	if h.waiter != nil {
		h.waiter.Wake()
		h.waiter = nil
	}
	return moving, err
}

func (h *Head) move(ctx context.Context, target func(cur hw.Position) (hw.Position, error)) error {
	h.mu.Lock()
	if h.isClosed {
		h.mu.Unlock()
		return h.wrap(hw.ErrClosed)
	}
	now := h.clock.Now()
	cur := h.posLocked(now)
	to, err := target(cur)
	if err != nil {
		h.mu.Unlock()
		return h.wrap(err)
	}
	// Supersede a running move: its mover sees the new generation. The
	// new target replaces the old one, so no hold command is needed.
	h.from, h.to, h.t0, h.t1 = cur, cur, now, now
	h.gen++
	if h.waiter != nil {
		h.waiter.Wake()
		h.waiter = nil
	}
	if err := h.act.Command(to); err != nil {
		h.mu.Unlock()
		return h.wrap(err)
	}
	timer := h.clock.NewTimer()
	defer timer.Stop()
	h.from, h.to, h.t0, h.t1 = cur, to, now, now+h.Travel(cur, to)
	h.waiter = timer
	gen, end := h.gen, h.t1
	h.mu.Unlock()

	for {
		err := timer.SleepUntil(ctx, end)
		h.mu.Lock()
		switch {
		case h.gen != gen:
			closed := h.isClosed
			h.mu.Unlock()
			if closed {
				return h.wrap(hw.ErrClosed)
			}
			return h.wrap(hw.ErrInterrupted)
		case errors.Is(err, hw.ErrWoken):
			h.mu.Unlock()
			continue
		case err != nil: // ctx done: stop where we are
			_, herr := h.haltLocked(h.clock.Now())
			at := h.to
			h.mu.Unlock()
			h.feed.Publish(at)
			if herr != nil {
				return h.wrap(herr)
			}
			return err
		}
		h.waiter = nil
		at := h.to
		h.mu.Unlock()
		h.feed.Publish(at)
		return nil
	}
}

// MoveAbsolute moves to pos, which must lie within the limits.
func (h *Head) MoveAbsolute(ctx context.Context, pos hw.Position) error {
	return h.move(ctx, func(hw.Position) (hw.Position, error) {
		if !h.limits.Contains(pos) {
			return pos, fmt.Errorf("%v: %w", pos, hw.ErrOutOfRange)
		}
		return pos, nil
	})
}

// MoveRelative moves by delta, clamped to the limits.
func (h *Head) MoveRelative(ctx context.Context, delta hw.Position) error {
	return h.move(ctx, func(cur hw.Position) (hw.Position, error) {
		return h.limits.Clamp(cur.Add(delta)), nil
	})
}

// Home moves to Limits().Home.
func (h *Head) Home(ctx context.Context) error { return h.MoveAbsolute(ctx, h.limits.Home) }

// GotoPreset moves to a stored preset.
func (h *Head) GotoPreset(ctx context.Context, name string) error {
	h.mu.Lock()
	pos, ok := h.presets[name]
	h.mu.Unlock()
	if !ok {
		return h.wrap(fmt.Errorf("preset %q: %w", name, hw.ErrNotFound))
	}
	return h.MoveAbsolute(ctx, pos)
}

// SetPreset stores the current position under name.
func (h *Head) SetPreset(name string) error {
	if name == "" {
		return h.wrap(errors.New("empty preset name"))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.isClosed {
		return h.wrap(hw.ErrClosed)
	}
	h.presets[name] = h.posLocked(h.clock.Now())
	return nil
}

// Presets lists the presets sorted by name.
func (h *Head) Presets() []hw.Preset {
	h.mu.Lock()
	defer h.mu.Unlock()
	return hw.PresetList(h.presets)
}

// Stop holds the head where it is; if it was moving, subscribers learn
// where.
func (h *Head) Stop() error {
	h.mu.Lock()
	if h.isClosed {
		h.mu.Unlock()
		return h.wrap(hw.ErrClosed)
	}
	moving, err := h.haltLocked(h.clock.Now())
	at := h.to
	h.mu.Unlock()
	if moving {
		h.feed.Publish(at)
	}
	if err != nil {
		return h.wrap(err)
	}
	return nil
}

// Subscribe reports rest positions (see hw.PTZ).
func (h *Head) Subscribe() (<-chan hw.Position, func()) { return h.feed.Subscribe() }

// Close holds the head, ends subscriptions and closes the actuator; it is
// idempotent.
func (h *Head) Close() error {
	h.mu.Lock()
	if h.isClosed {
		h.mu.Unlock()
		return nil
	}
	h.isClosed = true
	_, err := h.haltLocked(h.clock.Now())
	h.mu.Unlock()
	h.feed.Close()
	if cerr := h.act.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return h.wrap(err)
	}
	return nil
}
