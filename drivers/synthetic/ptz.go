package synthetic

import (
	"sync"

	"github.com/cluecam/cluecam/drivers/internal/servohead"
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

// PTZ simulates a pan-tilt-zoom head: the servo-head core the PWM, PCA9685
// and GPIO drivers share (drivers/internal/servohead), commanding no
// hardware. Each axis runs at its top speed (Limits) in a straight line to
// the target, so a move takes as long as its slowest axis needs, and
// Position interpolates linearly over the injected clock. MoveAbsolute
// rejects targets outside the limits with hw.ErrOutOfRange; MoveRelative
// clamps. Moves block until the target is reached; a newer move or Stop
// interrupts them (hw.ErrInterrupted), and their ctx ending stops the head
// where it is. Every time the head comes to rest, its position goes to the
// subscribers (latest wins).
type PTZ struct {
	*servohead.Head
	release sync.Once
	closed  func() // tells the provider the device is free again
}

var _ hw.PTZ = (*PTZ)(nil)

// noMotors is the actuator of a head that exists only in simulation.
type noMotors struct{}

func (noMotors) Command(hw.Position) error { return nil }
func (noMotors) Close() error              { return nil }

func ptzInfo() hw.DeviceInfo {
	return hw.DeviceInfo{ID: IDPTZ, Driver: providerName, Name: "Synthetic pan-tilt-zoom head", Kind: hw.KindPTZ,
		Caps: hw.CapPan | hw.CapTilt | hw.CapZoom | hw.CapPresets}
}

// NewPTZ returns the head at its home position. A nil clock means
// hw.SystemClock; nil opts the defaults.
func NewPTZ(clock hw.Clock, opts *PTZOptions) (*PTZ, error) {
	var o PTZOptions
	if opts != nil {
		o = *opts
	}
	l := o.Limits
	if l.PanSpeed == 0 && l.TiltSpeed == 0 && l.ZoomSpeed == 0 {
		l = DefaultPTZLimits
	}
	h, err := servohead.New(noMotors{}, clock, servohead.Opts{Info: ptzInfo(), Limits: l, Presets: o.Presets})
	if err != nil {
		return nil, err
	}
	return &PTZ{Head: h}, nil
}

// Close halts the head, ends subscriptions and frees the device; it is
// idempotent.
func (p *PTZ) Close() error {
	err := p.Head.Close()
	p.release.Do(func() {
		if p.closed != nil {
			p.closed()
		}
	})
	return err
}
