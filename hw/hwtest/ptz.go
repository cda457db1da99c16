package hwtest

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/cluecam/cluecam/hw"
)

// PTZOp is the call a PTZStep expects.
type PTZOp uint8

// PTZ operations.
const (
	PTZMoveAbsolute PTZOp = 1 + iota // MoveAbsolute(Position)
	PTZMoveRelative                  // MoveRelative(Position as the delta)
	PTZStop                          // Stop()
	PTZHome                          // Home()
	PTZGotoPreset                    // GotoPreset(Name)
	PTZSetPreset                     // SetPreset(Name)
	PTZClose                         // Close()
)

var ptzOpNames = [...]string{"?", "MoveAbsolute", "MoveRelative", "Stop", "Home", "GotoPreset", "SetPreset", "Close"}

func (o PTZOp) String() string {
	if int(o) < len(ptzOpNames) {
		return ptzOpNames[o]
	}
	return "?"
}

// PTZStep is one expected call on a PTZ fake.
type PTZStep struct {
	Op PTZOp
	// Position is the target (PTZMoveAbsolute) or delta (PTZMoveRelative)
	// the call must carry, compared to within 1e-9.
	Position hw.Position
	// Name is the preset name (PTZGotoPreset, PTZSetPreset).
	Name string
	// Err, when set, is returned by the call instead, and nothing moves.
	Err error
}

func (s PTZStep) String() string {
	var a string
	switch s.Op {
	case PTZMoveAbsolute, PTZMoveRelative:
		a = fmt.Sprintf("(%v)", s.Position)
	case PTZGotoPreset, PTZSetPreset:
		a = fmt.Sprintf("(%q)", s.Name)
	}
	if s.Err != nil {
		a += fmt.Sprintf(" → error %v", s.Err)
	}
	return s.Op.String() + a
}

// PTZConfig is the state a PTZ fake starts in.
type PTZConfig struct {
	Info    hw.DeviceInfo
	Limits  hw.PTZLimits
	Start   hw.Position // initial position
	Presets []hw.Preset
}

// PTZ is a scripted hw.PTZ. Every call but the queries (Info, Limits,
// Position, Presets, Subscribe) must match the next step. Moves complete at
// once: the fake jumps to the target, following the hw.PTZ rules
// (MoveAbsolute outside the limits returns hw.ErrOutOfRange, MoveRelative
// clamps, GotoPreset of an unknown name returns hw.ErrNotFound), and
// publishes the new rest position to subscribers.
type PTZ struct {
	script
	steps []PTZStep

	limits  hw.PTZLimits
	info    hw.DeviceInfo
	pmu     sync.Mutex // guards pos and presets (queries do not touch the script)
	at      hw.Position
	presets map[string]hw.Position
	closed  bool
	feed    hw.PositionFeed
}

var _ hw.PTZ = (*PTZ)(nil)

// NewPTZ returns a fake in the state cfg that expects steps.
func NewPTZ(tb testing.TB, cfg PTZConfig, steps ...PTZStep) *PTZ {
	tb.Helper()
	p := &PTZ{steps: steps, limits: cfg.Limits, info: cfg.Info, at: cfg.Start, presets: map[string]hw.Position{}}
	if p.info.Kind == 0 {
		p.info.Kind = hw.KindPTZ
	}
	for _, pr := range cfg.Presets {
		p.presets[pr.Name] = pr.Position
	}
	p.init(tb, "ptz "+cfg.Info.ID, len(steps), func(i int) string { return steps[i].String() })
	return p
}

func near(a, b hw.Position) bool {
	const eps = 1e-9
	return math.Abs(a.Pan-b.Pan) < eps && math.Abs(a.Tilt-b.Tilt) < eps && math.Abs(a.Zoom-b.Zoom) < eps
}

// step consumes the next step if it has op and matches; it returns the
// step's error, or the mismatch error.
func (p *PTZ) step(op PTZOp, call string, match func(PTZStep) bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pos < len(p.steps) && p.steps[p.pos].Op == op && (match == nil || match(p.steps[p.pos])) {
		st := p.steps[p.pos]
		p.pos++
		if st.Err != nil {
			return st.Err
		}
		return nil
	}
	return p.unexpectedLocked(call)
}

// Info returns the description given in the config.
func (p *PTZ) Info() hw.DeviceInfo { return p.info }

// Limits returns the limits given in the config.
func (p *PTZ) Limits() hw.PTZLimits { return p.limits }

// Position returns the current position.
func (p *PTZ) Position() hw.Position {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	return p.at
}

func (p *PTZ) moveTo(target hw.Position) error {
	p.pmu.Lock()
	if p.closed {
		p.pmu.Unlock()
		return hw.ErrClosed
	}
	p.at = target
	p.pmu.Unlock()
	p.feed.Publish(target)
	return nil
}

// MoveAbsolute consumes a PTZMoveAbsolute step and jumps to pos.
func (p *PTZ) MoveAbsolute(ctx context.Context, pos hw.Position) error {
	if err := p.step(PTZMoveAbsolute, fmt.Sprintf("MoveAbsolute(%v)", pos), func(s PTZStep) bool { return near(s.Position, pos) }); err != nil {
		return err
	}
	if !p.limits.Contains(pos) {
		return fmt.Errorf("hwtest: ptz: %v: %w", pos, hw.ErrOutOfRange)
	}
	return p.moveTo(pos)
}

// MoveRelative consumes a PTZMoveRelative step and jumps by delta, clamped.
func (p *PTZ) MoveRelative(ctx context.Context, delta hw.Position) error {
	if err := p.step(PTZMoveRelative, fmt.Sprintf("MoveRelative(%v)", delta), func(s PTZStep) bool { return near(s.Position, delta) }); err != nil {
		return err
	}
	return p.moveTo(p.limits.Clamp(p.Position().Add(delta)))
}

// Stop consumes a PTZStop step.
func (p *PTZ) Stop() error {
	if err := p.step(PTZStop, "Stop()", nil); err != nil {
		return err
	}
	p.feed.Publish(p.Position())
	return nil
}

// Home consumes a PTZHome step and jumps to Limits().Home.
func (p *PTZ) Home(ctx context.Context) error {
	if err := p.step(PTZHome, "Home()", nil); err != nil {
		return err
	}
	return p.moveTo(p.limits.Home)
}

// GotoPreset consumes a PTZGotoPreset step and jumps to the preset.
func (p *PTZ) GotoPreset(ctx context.Context, name string) error {
	if err := p.step(PTZGotoPreset, fmt.Sprintf("GotoPreset(%q)", name), func(s PTZStep) bool { return s.Name == name }); err != nil {
		return err
	}
	p.pmu.Lock()
	pos, ok := p.presets[name]
	p.pmu.Unlock()
	if !ok {
		return fmt.Errorf("hwtest: ptz: preset %q: %w", name, hw.ErrNotFound)
	}
	return p.moveTo(pos)
}

// SetPreset consumes a PTZSetPreset step and stores the position.
func (p *PTZ) SetPreset(name string) error {
	if err := p.step(PTZSetPreset, fmt.Sprintf("SetPreset(%q)", name), func(s PTZStep) bool { return s.Name == name }); err != nil {
		return err
	}
	p.pmu.Lock()
	defer p.pmu.Unlock()
	p.presets[name] = p.at
	return nil
}

// Presets lists the presets sorted by name.
func (p *PTZ) Presets() []hw.Preset {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	return hw.PresetList(p.presets)
}

// Subscribe follows the hw.PTZ delivery rule (see hw.PositionFeed).
func (p *PTZ) Subscribe() (<-chan hw.Position, func()) { return p.feed.Subscribe() }

// Close consumes a PTZClose step the first time; later calls do nothing.
func (p *PTZ) Close() error {
	p.pmu.Lock()
	closed := p.closed
	p.pmu.Unlock()
	if closed {
		return nil
	}
	if err := p.step(PTZClose, "Close()", nil); err != nil {
		return err
	}
	p.pmu.Lock()
	p.closed = true
	p.pmu.Unlock()
	p.feed.Close()
	return nil
}
