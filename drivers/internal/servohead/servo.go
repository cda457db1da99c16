package servohead

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Servo maps a hobby servo's pulse width to its angle, linearly. The PWM
// and PCA9685 drivers export it as their Servo.
type Servo struct {
	// MinPulse and MaxPulse are the widths at MinAngle and MaxAngle
	// (typically 500 µs and 2500 µs for -90° and +90°). MinPulse may
	// exceed MaxPulse for a servo mounted the other way round.
	MinPulse, MaxPulse time.Duration
	// MinAngle < MaxAngle in degrees: the head's travel on the axis.
	MinAngle, MaxAngle float64
	// Speed is the servo's speed in degrees per second (datasheet
	// "0.1 s/60°" is 600); Position is estimated from it.
	Speed float64
}

// Pulse returns the pulse width for angle, clamped to the servo's range.
func (s Servo) Pulse(angle float64) time.Duration {
	f := (max(s.MinAngle, min(s.MaxAngle, angle)) - s.MinAngle) / (s.MaxAngle - s.MinAngle)
	return s.MinPulse + time.Duration(math.Round(f*float64(s.MaxPulse-s.MinPulse)))
}

// ErrServo: a servo description that cannot work.
var ErrServo = errors.New("servohead: bad servo")

// Check reports a servo that cannot work with pulses repeating every
// period: empty angle or pulse range, a pulse longer than the period, no
// speed.
func (s Servo) Check(period time.Duration) error {
	if !(s.MinAngle < s.MaxAngle) || s.MinPulse <= 0 || s.MaxPulse <= 0 || s.MinPulse == s.MaxPulse || max(s.MinPulse, s.MaxPulse) > period || !(s.Speed > 0) {
		return fmt.Errorf("%w: %+v with period %v", ErrServo, s, period)
	}
	return nil
}
