package pwm

import (
	"fmt"

	"github.com/cluecam/cluecam/drivers/internal/servohead"
	"github.com/cluecam/cluecam/hw"
)

// Servo maps pulse width to angle (see servohead.Servo).
type Servo = servohead.Servo

// PTZOpts configure a pan-tilt head on two PWM channels.
type PTZOpts struct {
	// ID is the device ID (default "pwm").
	ID        string
	Pan, Tilt Servo
	// Home defaults to pan 0, tilt 0 (clamped into the travel).
	Home    *hw.Position
	Presets []hw.Preset
}

// PTZ is a pan-tilt head of two hobby servos on PWM channels.
type PTZ struct {
	*servohead.Head
}

var _ hw.PTZ = (*PTZ)(nil)

type actuator struct {
	pan, tilt   *Channel
	sPan, sTilt Servo
}

func (a *actuator) Command(p hw.Position) error {
	if err := a.pan.SetPulse(a.sPan.Pulse(p.Pan)); err != nil {
		return err
	}
	return a.tilt.SetPulse(a.sTilt.Pulse(p.Tilt))
}

func (a *actuator) Close() error {
	err := a.pan.Close()
	if terr := a.tilt.Close(); err == nil {
		err = terr
	}
	return err
}

// NewPTZ returns the head on opened channels (which it then owns: Close
// closes them), commanded to Home.
func NewPTZ(pan, tilt *Channel, clock hw.Clock, o PTZOpts) (*PTZ, error) {
	if o.ID == "" {
		o.ID = "pwm"
	}
	if err := o.Pan.Check(pan.Period()); err != nil {
		return nil, fmt.Errorf("%w: pan: %w", ErrConfig, err)
	}
	if err := o.Tilt.Check(tilt.Period()); err != nil {
		return nil, fmt.Errorf("%w: tilt: %w", ErrConfig, err)
	}
	l := hw.PTZLimits{
		Pan: hw.Range{Min: o.Pan.MinAngle, Max: o.Pan.MaxAngle}, Tilt: hw.Range{Min: o.Tilt.MinAngle, Max: o.Tilt.MaxAngle},
		PanSpeed: o.Pan.Speed, TiltSpeed: o.Tilt.Speed,
	}
	if o.Home != nil {
		l.Home = *o.Home
	} else {
		l.Home = l.Clamp(hw.Position{})
	}
	h, err := servohead.New(&actuator{pan: pan, tilt: tilt, sPan: o.Pan, sTilt: o.Tilt}, clock, servohead.Opts{
		Info:   hw.DeviceInfo{ID: o.ID, Driver: "pwm", Name: "PWM servo head", Kind: hw.KindPTZ, Caps: hw.CapPan | hw.CapTilt | hw.CapPresets},
		Limits: l, Presets: o.Presets,
	})
	if err != nil {
		return nil, err
	}
	return &PTZ{Head: h}, nil
}
