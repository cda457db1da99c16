package hw

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// Position is where a pan-tilt-zoom head points. Pan and Tilt are in degrees
// (pan positive to the right seen from behind the camera, tilt positive up,
// 0/0 looking straight ahead); Zoom is a magnification factor where the
// device knows one (1 = widest), otherwise a device unit within
// Limits().Zoom. Components of axes the head lacks are ignored by moves and
// reported as the range's Min.
type Position struct {
	Pan, Tilt, Zoom float64
}

// Add returns p moved by d on every axis.
func (p Position) Add(d Position) Position {
	return Position{Pan: p.Pan + d.Pan, Tilt: p.Tilt + d.Tilt, Zoom: p.Zoom + d.Zoom}
}

func (p Position) String() string {
	return fmt.Sprintf("pan %.2f° tilt %.2f° zoom %.2f", p.Pan, p.Tilt, p.Zoom)
}

// Range is a closed interval [Min, Max]. Min == Max means a fixed axis.
type Range struct {
	Min, Max float64
}

// Contains reports whether Min <= v <= Max.
func (r Range) Contains(v float64) bool { return v >= r.Min && v <= r.Max }

// Clamp returns v limited to the range.
func (r Range) Clamp(v float64) float64 { return max(r.Min, min(r.Max, v)) }

// PTZLimits are the travel and speed of a head.
type PTZLimits struct {
	Pan, Tilt, Zoom Range
	// PanSpeed and TiltSpeed are the top speeds in degrees per second,
	// ZoomSpeed in zoom units per second. Drivers of heads without position
	// feedback (hobby servos) estimate Position from them.
	PanSpeed, TiltSpeed, ZoomSpeed float64
	// Home is where Home moves to.
	Home Position
}

// Contains reports whether p lies within the travel on every axis.
func (l PTZLimits) Contains(p Position) bool {
	return l.Pan.Contains(p.Pan) && l.Tilt.Contains(p.Tilt) && l.Zoom.Contains(p.Zoom)
}

// Clamp returns p limited to the travel on every axis.
func (l PTZLimits) Clamp(p Position) Position {
	return Position{Pan: l.Pan.Clamp(p.Pan), Tilt: l.Tilt.Clamp(p.Tilt), Zoom: l.Zoom.Clamp(p.Zoom)}
}

// Preset is a named stored position.
type Preset struct {
	Name string
	Position
}

// PTZ is a pan-tilt-zoom head: hobby servos on PWM or a PCA9685, steppers
// on GPIO, or a VISCA camera.
//
// Moves block until the head is at rest at the target and then return nil.
// A move is superseded by a later move or by Stop, and then returns
// ErrInterrupted while the head carries on with the newer command. When the
// move's ctx is done first, the head stops where it is (as with Stop) and
// the move returns ctx.Err(). All methods are safe for concurrent use.
type PTZ interface {
	// Info describes the device.
	Info() DeviceInfo

	// Limits returns the travel and speeds.
	Limits() PTZLimits

	// Position returns where the head points now; while moving, an
	// interpolation (or the device's report) of the current position.
	Position() Position

	// MoveAbsolute moves to pos. A target outside Limits on any axis the
	// head has is rejected with ErrOutOfRange and nothing moves.
	MoveAbsolute(ctx context.Context, pos Position) error

	// MoveRelative moves by delta from the current position; the target is
	// clamped to Limits (so "pan left" at the end stop is not an error).
	MoveRelative(ctx context.Context, delta Position) error

	// Stop halts the head where it is and interrupts a running move.
	Stop() error

	// Home moves to Limits().Home.
	Home(ctx context.Context) error

	// GotoPreset moves to a stored preset, or returns an error wrapping
	// ErrNotFound.
	GotoPreset(ctx context.Context, name string) error

	// SetPreset stores the current position under name, replacing any
	// preset of that name.
	SetPreset(name string) error

	// Presets lists the stored presets sorted by name (a fresh slice).
	Presets() []Preset

	// Subscribe tells the caller when the head has moved. A value is sent
	// each time the head comes to rest at a position (a move completed,
	// was stopped, or its ctx ended). The channel holds one value and the
	// latest wins: the driver replaces an unread value rather than block,
	// so a slow subscriber sees the newest rest position, never a queue.
	// cancel unsubscribes and closes the channel; Close closes every
	// subscription channel. cancel may be called more than once.
	Subscribe() (updates <-chan Position, cancel func())

	// Close stops the head, ends subscriptions and frees the device; it is
	// idempotent. Other methods return ErrClosed afterwards.
	Close() error
}

// PositionFeed implements the delivery rule of PTZ.Subscribe for drivers:
// one-value channels where the latest position replaces an unread one, a
// Publish that never blocks, idempotent cancel, and Close ending every
// subscription. The zero value is ready to use; it is safe for concurrent
// use.
type PositionFeed struct {
	mu     sync.Mutex
	subs   []*feedSub
	closed bool
}

type feedSub struct {
	ch   chan Position
	done bool
}

// Subscribe adds a subscriber. After Close it returns a closed channel.
func (f *PositionFeed) Subscribe() (<-chan Position, func()) {
	s := &feedSub{ch: make(chan Position, 1)}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		s.done = true
		close(s.ch)
		return s.ch, func() {}
	}
	f.subs = append(f.subs, s)
	return s.ch, func() { f.cancel(s) }
}

func (f *PositionFeed) cancel(s *feedSub) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s.done {
		return
	}
	s.done = true
	close(s.ch)
	for i, x := range f.subs {
		if x == s {
			f.subs = append(f.subs[:i], f.subs[i+1:]...)
			break
		}
	}
}

// Publish hands p to every subscriber, replacing a value not yet received.
func (f *PositionFeed) Publish(p Position) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.subs {
		select {
		case <-s.ch: // drop the stale value: latest wins
		default:
		}
		s.ch <- p // cannot block: only Publish sends, under f.mu, into an empty buffer
	}
}

// Close closes every subscription channel; later Subscribes get a closed
// channel and Publish does nothing.
func (f *PositionFeed) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.closed = true
	for _, s := range f.subs {
		s.done = true
		close(s.ch)
	}
	f.subs = nil
}

// PresetList returns the presets of a name → position map sorted by name,
// as PTZ.Presets must, in a fresh slice. Drivers keep presets in a map and
// call this under their own lock.
func PresetList(presets map[string]Position) []Preset {
	out := make([]Preset, 0, len(presets))
	for n, pos := range presets {
		out = append(out, Preset{Name: n, Position: pos})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
