package synthetic

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/cluecam/cluecam/hw"
)

// IDPTZ is the device ID of the synthetic pan-tilt-zoom head.
const IDPTZ = "synthetic:ptz"

// DefaultPTZLimits are those of a typical conference-room PTZ camera:
// ±170° pan at 60°/s, -30…+90° tilt at 45°/s, 1–10× zoom at 3×/s.
var DefaultPTZLimits = hw.PTZLimits{
	Pan: hw.Range{Min: -170, Max: 170}, Tilt: hw.Range{Min: -30, Max: 90}, Zoom: hw.Range{Min: 1, Max: 10},
	PanSpeed: 60, TiltSpeed: 45, ZoomSpeed: 3,
	Home: hw.Position{Pan: 0, Tilt: 0, Zoom: 1},
}

// PTZOptions configure the head. The zero value is the default.
type PTZOptions struct {
	// Limits replaces DefaultPTZLimits when set (any speed non-zero).
	Limits hw.PTZLimits
	// Presets are stored from the start.
	Presets []hw.Preset
}

// PTZ simulates a pan-tilt-zoom head. Each axis runs at its top speed
// (Limits) in a straight line to the target, so a move takes as long as its
// slowest axis needs, and Position interpolates linearly over the injected
// clock. MoveAbsolute rejects targets outside the limits with
// hw.ErrOutOfRange; MoveRelative clamps. Moves block until the target is
// reached; a newer move or Stop interrupts them (hw.ErrInterrupted), and
// their ctx ending stops the head where it is. Every time the head comes to
// rest, its position goes to the subscribers (latest wins).
type PTZ struct {
	clock  hw.Clock
	limits hw.PTZLimits
	info   hw.DeviceInfo
	feed   hw.PositionFeed
	closed func()

	mu       sync.Mutex
	isClosed bool
	from, to hw.Position
	t0, t1   time.Duration // move start and end; t1 <= now: at rest at to
	gen      uint64        // bumped by every move, Stop and Close
	waiter   hw.Timer      // the blocked mover's timer, woken when superseded
	presets  map[string]hw.Position
}

var _ hw.PTZ = (*PTZ)(nil)

func ptzInfo() hw.DeviceInfo {
	return hw.DeviceInfo{ID: IDPTZ, Driver: providerName, Name: "Synthetic pan-tilt-zoom head", Kind: hw.KindPTZ,
		Caps: hw.CapPan | hw.CapTilt | hw.CapZoom | hw.CapPresets}
}

// NewPTZ returns the head at its home position. A nil clock means
// hw.SystemClock; nil opts the defaults.
func NewPTZ(clock hw.Clock, opts *PTZOptions) (*PTZ, error) {
	if clock == nil {
		clock = hw.SystemClock
	}
	var o PTZOptions
	if opts != nil {
		o = *opts
	}
	l := o.Limits
	if l.PanSpeed == 0 && l.TiltSpeed == 0 && l.ZoomSpeed == 0 {
		l = DefaultPTZLimits
	}
	if !(l.PanSpeed > 0 && l.TiltSpeed > 0 && l.ZoomSpeed > 0) || l.Pan.Min > l.Pan.Max || l.Tilt.Min > l.Tilt.Max || l.Zoom.Min > l.Zoom.Max || !l.Contains(l.Home) {
		return nil, fmt.Errorf("synthetic: %s: limits %+v: want positive speeds, Min <= Max and Home within", IDPTZ, l)
	}
	p := &PTZ{clock: clock, limits: l, info: ptzInfo(), from: l.Home, to: l.Home, presets: map[string]hw.Position{}}
	for _, pr := range o.Presets {
		if pr.Name == "" || !l.Contains(pr.Position) {
			return nil, wrap(IDPTZ, fmt.Errorf("preset %q at %v: %w", pr.Name, pr.Position, hw.ErrOutOfRange))
		}
		p.presets[pr.Name] = pr.Position
	}
	return p, nil
}

// Info describes the device.
func (p *PTZ) Info() hw.DeviceInfo { return p.info }

// Limits returns the travel and speeds.
func (p *PTZ) Limits() hw.PTZLimits { return p.limits }

// travel returns how long the move from a to b takes.
func (p *PTZ) travel(a, b hw.Position) time.Duration {
	s := max(math.Abs(b.Pan-a.Pan)/p.limits.PanSpeed,
		math.Abs(b.Tilt-a.Tilt)/p.limits.TiltSpeed,
		math.Abs(b.Zoom-a.Zoom)/p.limits.ZoomSpeed)
	return time.Duration(math.Ceil(s * float64(time.Second)))
}

// axis moves v from a towards b at speed for dt seconds.
func axis(a, b, speed, dt float64) float64 {
	d := b - a
	if step := speed * dt; math.Abs(d) > step {
		return a + math.Copysign(step, d)
	}
	return b
}

// posLocked returns the position at now.
func (p *PTZ) posLocked(now time.Duration) hw.Position {
	if now >= p.t1 {
		return p.to
	}
	dt := (now - p.t0).Seconds()
	return hw.Position{
		Pan:  axis(p.from.Pan, p.to.Pan, p.limits.PanSpeed, dt),
		Tilt: axis(p.from.Tilt, p.to.Tilt, p.limits.TiltSpeed, dt),
		Zoom: axis(p.from.Zoom, p.to.Zoom, p.limits.ZoomSpeed, dt),
	}
}

// Position returns the current, interpolated position.
func (p *PTZ) Position() hw.Position {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.posLocked(p.clock.Now())
}

// haltLocked stops the head at now, interrupting any mover, and reports
// whether it was moving.
func (p *PTZ) haltLocked(now time.Duration) bool {
	moving := now < p.t1
	cur := p.posLocked(now)
	p.from, p.to, p.t0, p.t1 = cur, cur, now, now
	p.gen++
	if p.waiter != nil {
		p.waiter.Wake()
		p.waiter = nil
	}
	return moving
}

// move runs a move to target and waits for its end.
func (p *PTZ) move(ctx context.Context, target func(cur hw.Position) (hw.Position, error)) error {
	p.mu.Lock()
	if p.isClosed {
		p.mu.Unlock()
		return wrap(IDPTZ, hw.ErrClosed)
	}
	now := p.clock.Now()
	cur := p.posLocked(now)
	to, err := target(cur)
	if err != nil {
		p.mu.Unlock()
		return err
	}
	p.haltLocked(now) // supersede a running move
	timer := p.clock.NewTimer()
	defer timer.Stop()
	p.from, p.to, p.t0, p.t1 = cur, to, now, now+p.travel(cur, to)
	p.waiter = timer
	gen, end := p.gen, p.t1
	p.mu.Unlock()

	for {
		err := timer.SleepUntil(ctx, end)
		p.mu.Lock()
		switch {
		case p.gen != gen: // a newer move, Stop or Close took over
			closed := p.isClosed
			p.mu.Unlock()
			if closed {
				return wrap(IDPTZ, hw.ErrClosed)
			}
			return wrap(IDPTZ, hw.ErrInterrupted)
		case errors.Is(err, hw.ErrWoken):
			p.mu.Unlock()
			continue
		case err != nil: // ctx done: stop where we are
			p.haltLocked(p.clock.Now())
			at := p.to
			p.mu.Unlock()
			p.feed.Publish(at)
			return err
		}
		p.waiter = nil
		at := p.to
		p.mu.Unlock()
		p.feed.Publish(at)
		return nil
	}
}

// MoveAbsolute moves to pos, which must lie within the limits.
func (p *PTZ) MoveAbsolute(ctx context.Context, pos hw.Position) error {
	return p.move(ctx, func(hw.Position) (hw.Position, error) {
		if !p.limits.Contains(pos) {
			return pos, wrap(IDPTZ, fmt.Errorf("%v: %w", pos, hw.ErrOutOfRange))
		}
		return pos, nil
	})
}

// MoveRelative moves by delta, clamped to the limits.
func (p *PTZ) MoveRelative(ctx context.Context, delta hw.Position) error {
	return p.move(ctx, func(cur hw.Position) (hw.Position, error) {
		return p.limits.Clamp(cur.Add(delta)), nil
	})
}

// Home moves to Limits().Home.
func (p *PTZ) Home(ctx context.Context) error { return p.MoveAbsolute(ctx, p.limits.Home) }

// GotoPreset moves to a stored preset.
func (p *PTZ) GotoPreset(ctx context.Context, name string) error {
	p.mu.Lock()
	pos, ok := p.presets[name]
	p.mu.Unlock()
	if !ok {
		return wrap(IDPTZ, fmt.Errorf("preset %q: %w", name, hw.ErrNotFound))
	}
	return p.MoveAbsolute(ctx, pos)
}

// SetPreset stores the current position under name.
func (p *PTZ) SetPreset(name string) error {
	if name == "" {
		return fmt.Errorf("synthetic: %s: empty preset name", IDPTZ)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.isClosed {
		return wrap(IDPTZ, hw.ErrClosed)
	}
	p.presets[name] = p.posLocked(p.clock.Now())
	return nil
}

// Presets lists the presets sorted by name.
func (p *PTZ) Presets() []hw.Preset {
	p.mu.Lock()
	defer p.mu.Unlock()
	return hw.PresetList(p.presets)
}

// Stop halts the head; if it was moving, subscribers learn where it
// stopped.
func (p *PTZ) Stop() error {
	p.mu.Lock()
	if p.isClosed {
		p.mu.Unlock()
		return wrap(IDPTZ, hw.ErrClosed)
	}
	moving := p.haltLocked(p.clock.Now())
	at := p.to
	p.mu.Unlock()
	if moving {
		p.feed.Publish(at)
	}
	return nil
}

// Subscribe reports rest positions (see hw.PTZ).
func (p *PTZ) Subscribe() (<-chan hw.Position, func()) { return p.feed.Subscribe() }

// Close halts the head and ends subscriptions.
func (p *PTZ) Close() error {
	p.mu.Lock()
	if p.isClosed {
		p.mu.Unlock()
		return nil
	}
	p.isClosed = true
	p.haltLocked(p.clock.Now())
	closed := p.closed
	p.mu.Unlock()
	p.feed.Close()
	if closed != nil {
		closed()
	}
	return nil
}
