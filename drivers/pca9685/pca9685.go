// Package pca9685 drives the NXP PCA9685 16-channel 12-bit PWM controller
// over I2C (periph conn/v3/i2c), and hobby servos on it as an hw.PTZ.
package pca9685

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/cluecam/cluecam/hw"
	"periph.io/x/conn/v3/i2c"
)

// Registers and bits (PCA9685 datasheet rev. 4, §7.3).
const (
	regMode1    = 0x00
	regMode2    = 0x01
	regLED0     = 0x06 // LEDn_ON_L at 0x06+4n, then ON_H, OFF_L, OFF_H
	regPrescale = 0xFE

	mode1Restart = 0x80
	mode1AI      = 0x20 // register auto-increment
	mode1Sleep   = 0x10
	mode2OutDrv  = 0x04 // totem-pole outputs
	ledFull      = 0x10 // bit 4 of ON_H / OFF_H: full on / full off

	// DefaultAddr is the address with A5–A0 low.
	DefaultAddr = 0x40
	// Channels is the number of PWM outputs.
	Channels = 16

	oscHz = 25_000_000 // internal oscillator
	steps = 4096
)

// Prescale returns the PRE_SCALE value for an output frequency (§7.3.5):
// round(25 MHz / (4096 · hz)) − 1, so 50 Hz gives 121.
func Prescale(hz float64) (uint8, error) {
	v := math.Round(oscHz/(steps*hz)) - 1
	if !(v >= 3 && v <= 255) {
		return 0, fmt.Errorf("%w: %g Hz needs prescale %g, outside 3–255", ErrConfig, hz, v)
	}
	return uint8(v), nil
}

// Dev is a PCA9685.
type Dev struct {
	d        *i2c.Dev
	prescale uint8
	period   time.Duration // of one PWM cycle at the prescaled frequency
}

// New initialises the chip at addr on bus for PWM at hz (0: 50 Hz, for
// servos): MODE1 sleep (the prescaler is writable only asleep), PRE_SCALE,
// MODE1 awake with auto-increment, a 500 µs wait on clock for the
// oscillator, MODE1 restart, MODE2 totem-pole. A nil clock means
// hw.SystemClock.
func New(bus i2c.Bus, addr uint16, hz float64, clock hw.Clock) (*Dev, error) {
	if hz == 0 {
		hz = 50
	}
	if clock == nil {
		clock = hw.SystemClock
	}
	ps, err := Prescale(hz)
	if err != nil {
		return nil, err
	}
	d := &Dev{d: &i2c.Dev{Bus: bus, Addr: addr}, prescale: ps,
		period: time.Duration(float64(time.Second) * steps * float64(int(ps)+1) / oscHz)}
	for _, w := range [][]byte{{regMode1, mode1Sleep}, {regPrescale, ps}, {regMode1, mode1AI}} {
		if err := d.write(w); err != nil {
			return nil, err
		}
	}
	t := clock.NewTimer()
	defer t.Stop()
	if err := t.SleepUntil(context.Background(), clock.Now()+500*time.Microsecond); err != nil {
		return nil, wrap("init", err)
	}
	for _, w := range [][]byte{{regMode1, mode1Restart | mode1AI}, {regMode2, mode2OutDrv}} {
		if err := d.write(w); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *Dev) write(w []byte) error {
	if err := d.d.Tx(w, nil); err != nil {
		return wrap(fmt.Sprintf("%s: write register 0x%02x", d.d, w[0]), err)
	}
	return nil
}

// Period returns the length of one PWM cycle (20.005 ms at prescale 121).
func (d *Dev) Period() time.Duration { return d.period }

// SetCounts sets channel ch to go high at count on and low at count off
// (0–4095) of each cycle: one auto-incremented write of LEDn_ON_L…OFF_H.
func (d *Dev) SetCounts(ch int, on, off uint16) error {
	if ch < 0 || ch >= Channels {
		return fmt.Errorf("%w: channel %d", ErrConfig, ch)
	}
	return d.write([]byte{byte(regLED0 + 4*ch), byte(on), byte(on>>8) & 0x0F, byte(off), byte(off>>8) & 0x0F})
}

// SetPulse makes channel ch output a pulse of width at the start of each
// cycle, rounded to the nearest count and limited to the cycle.
func (d *Dev) SetPulse(ch int, width time.Duration) error {
	c := math.Round(float64(width) / float64(d.period) * steps)
	return d.SetCounts(ch, 0, uint16(max(0, min(steps-1, c))))
}

// Off turns channel ch fully off (OFF_H bit 4): a servo goes limp.
func (d *Dev) Off(ch int) error {
	if ch < 0 || ch >= Channels {
		return fmt.Errorf("%w: channel %d", ErrConfig, ch)
	}
	return d.write([]byte{byte(regLED0 + 4*ch), 0, 0, 0, ledFull})
}
