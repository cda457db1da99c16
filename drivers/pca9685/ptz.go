package pca9685

import (
	"fmt"

	"github.com/cluecam/cluecam/drivers/internal/servohead"
	"github.com/cluecam/cluecam/hw"
)

// Servo maps pulse width to angle (see servohead.Servo).
type Servo = servohead.Servo

// PTZOpts configure a pan-tilt head of two servos.
type PTZOpts struct {
	// ID is the device ID, such as "pca9685:1-0040" (default "pca9685").
	ID string
	// PanChannel and TiltChannel are the outputs (0–15) the servos hang on.
	PanChannel, TiltChannel int
	Pan, Tilt               Servo
	// Home defaults to pan 0, tilt 0 (clamped into the travel).
	Home *hw.Position
	// Presets are stored from the start.
	Presets []hw.Preset
}

// PTZ is a pan-tilt head on two servos of a PCA9685.
type PTZ struct {
	*servohead.Head
}

var _ hw.PTZ = (*PTZ)(nil)

type actuator struct {
	dev           *Dev
	panCh, tiltCh int
	pan, tilt     Servo
}

func (a *actuator) Command(p hw.Position) error {
	if err := a.dev.SetPulse(a.panCh, a.pan.Pulse(p.Pan)); err != nil {
		return err
	}
	return a.dev.SetPulse(a.tiltCh, a.tilt.Pulse(p.Tilt))
}

func (a *actuator) Close() error {
	if err := a.dev.Off(a.panCh); err != nil {
		return err
	}
	return a.dev.Off(a.tiltCh)
}

// NewPTZ returns the head, commanded to Home. Close turns both channels
// off.
func NewPTZ(dev *Dev, clock hw.Clock, o PTZOpts) (*PTZ, error) {
	if o.ID == "" {
		o.ID = "pca9685"
	}
	for _, ch := range []int{o.PanChannel, o.TiltChannel} {
		if ch < 0 || ch >= Channels {
			return nil, fmt.Errorf("%w: channel %d", ErrConfig, ch)
		}
	}
	if o.PanChannel == o.TiltChannel {
		return nil, fmt.Errorf("%w: pan and tilt on channel %d", ErrConfig, o.PanChannel)
	}
	if err := o.Pan.Check(dev.Period()); err != nil {
		return nil, fmt.Errorf("%w: pan: %w", ErrConfig, err)
	}
	if err := o.Tilt.Check(dev.Period()); err != nil {
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
	h, err := servohead.New(&actuator{dev: dev, panCh: o.PanChannel, tiltCh: o.TiltChannel, pan: o.Pan, tilt: o.Tilt}, clock, servohead.Opts{
		Info:   hw.DeviceInfo{ID: o.ID, Driver: "pca9685", Name: "PCA9685 servo head", Kind: hw.KindPTZ, Caps: hw.CapPan | hw.CapTilt | hw.CapPresets},
		Limits: l, Presets: o.Presets,
	})
	if err != nil {
		return nil, err
	}
	return &PTZ{Head: h}, nil
}
