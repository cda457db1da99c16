package pca9685

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

func w(b ...byte) i2ctest.IO { return i2ctest.IO{Addr: DefaultAddr, W: b} }

// initOps is the exact init sequence at 50 Hz.
var initOps = []i2ctest.IO{
	w(0x00, 0x10), // MODE1: sleep
	w(0xFE, 121),  // PRE_SCALE
	w(0x00, 0x20), // MODE1: awake, auto-increment
	w(0x00, 0xA0), // MODE1: restart
	w(0x01, 0x04), // MODE2: totem pole
}

// playback returns a bus expecting ops; at cleanup every op must have
// been used.
func playback(t *testing.T, ops ...i2ctest.IO) *i2ctest.Playback {
	b := &i2ctest.Playback{Ops: ops, DontPanic: true}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b
}

func cat(parts ...[]i2ctest.IO) []i2ctest.IO {
	var s []i2ctest.IO
	for _, p := range parts {
		s = append(s, p...)
	}
	return s
}

func TestPrescale(t *testing.T) {
	for _, tc := range []struct {
		hz   float64
		want uint8
		ok   bool
	}{{50, 121, true}, {60, 101, true}, {1526, 3, true}, {24, 253, true}, {2000, 0, false}, {20, 0, false}} {
		got, err := Prescale(tc.hz)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%g Hz: %d %v", tc.hz, got, err)
		}
	}
}

func TestInitAndPulses(t *testing.T) {
	bus := playback(t, cat(initOps, []i2ctest.IO{
		w(0x06, 0, 0, 0x33, 0x01), // ch0 1500 µs = 307 counts
		w(0x0A, 0, 0, 0x66, 0x00), // ch1 500 µs = 102
		w(0x42, 0, 0, 0xFF, 0x0F), // ch15 longer than a cycle: 4095
		w(0x0E, 0x34, 0x02, 0xFF, 0x0F),
		w(0x06, 0, 0, 0, 0x10), // ch0 full off
	})...)
	d, err := New(bus, DefaultAddr, 0, hwtest.NewAutoClock(0))
	if err != nil {
		t.Fatal(err)
	}
	if p := d.Period(); p < 19988*time.Microsecond || p > 19989*time.Microsecond {
		t.Errorf("period %v", p)
	}
	for _, err := range []error{
		d.SetPulse(0, 1500*time.Microsecond), d.SetPulse(1, 500*time.Microsecond), d.SetPulse(15, time.Second),
		d.SetCounts(2, 0x234, 0xFFFF), d.Off(0),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := d.SetPulse(16, time.Millisecond); !errors.Is(err, ErrConfig) {
		t.Errorf("channel 16: %v", err)
	}
	if err := d.Off(-1); !errors.Is(err, ErrConfig) {
		t.Errorf("channel -1: %v", err)
	}
}

func TestI2CErrors(t *testing.T) {
	// The bus refuses the third init write.
	bus := playback(t, initOps[:2]...)
	if _, err := New(bus, DefaultAddr, 50, hwtest.NewAutoClock(0)); err == nil {
		t.Fatal("init succeeded on a failing bus")
	}
	if _, err := New(playback(t), DefaultAddr, 5000, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("5 kHz: %v", err)
	}
}

var (
	panServo  = Servo{MinPulse: 500 * time.Microsecond, MaxPulse: 2500 * time.Microsecond, MinAngle: -90, MaxAngle: 90, Speed: 300}
	tiltServo = Servo{MinPulse: 2000 * time.Microsecond, MaxPulse: 1000 * time.Microsecond, MinAngle: -45, MaxAngle: 45, Speed: 150}
)

func TestServoPulse(t *testing.T) {
	for _, tc := range []struct {
		s     Servo
		angle float64
		want  time.Duration
	}{
		{panServo, 0, 1500 * time.Microsecond}, {panServo, -90, 500 * time.Microsecond}, {panServo, 45, 2000 * time.Microsecond},
		{panServo, 200, 2500 * time.Microsecond}, {panServo, -200, 500 * time.Microsecond},
		{tiltServo, 45, 1000 * time.Microsecond}, {tiltServo, -45, 2000 * time.Microsecond}, {tiltServo, 90, 1000 * time.Microsecond},
	} {
		if got := tc.s.Pulse(tc.angle); got != tc.want {
			t.Errorf("%+v at %g°: %v, want %v", tc.s, tc.angle, got, tc.want)
		}
	}
}

func TestPTZ(t *testing.T) {
	bus := playback(t, cat(initOps, []i2ctest.IO{
		w(0x06, 0, 0, 0x33, 0x01), w(0x0A, 0, 0, 0x33, 0x01), // home: 1500 µs, 1500 µs
		w(0x06, 0, 0, 0x00, 0x02), w(0x0A, 0, 0, 0xCD, 0x00), // pan 90 = 2500 µs (512), tilt 45 = 1000 µs (205)
		w(0x06, 0, 0, 0x33, 0x01), w(0x0A, 0, 0, 0x33, 0x01), // Home
		w(0x06, 0, 0, 0, 0x10), w(0x0A, 0, 0, 0, 0x10), // Close: both off
	})...)
	clk := hwtest.NewAutoClock(0)
	d, err := New(bus, DefaultAddr, 50, clk)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPTZ(d, clk, PTZOpts{PanChannel: 0, TiltChannel: 1, Pan: panServo, Tilt: tiltServo})
	if err != nil {
		t.Fatal(err)
	}
	if l := p.Limits(); l.Pan != (hw.Range{Min: -90, Max: 90}) || l.Tilt != (hw.Range{Min: -45, Max: 45}) || l.PanSpeed != 300 {
		t.Errorf("limits %+v", l)
	}
	start := clk.Now()
	if err := p.MoveAbsolute(context.Background(), hw.Position{Pan: 90, Tilt: 45}); err != nil {
		t.Fatal(err)
	}
	if d := clk.Now() - start; d != 300*time.Millisecond { // 90° at 300°/s and 45° at 150°/s
		t.Errorf("move took %v", d)
	}
	if err := p.MoveAbsolute(context.Background(), hw.Position{Pan: 91}); !errors.Is(err, hw.ErrOutOfRange) {
		t.Errorf("pan 91: %v", err)
	}
	if err := p.Home(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestPTZBusErrorAndConfig(t *testing.T) {
	bus := playback(t, cat(initOps, []i2ctest.IO{w(0x06, 0, 0, 0x33, 0x01)})...) // tilt's home write fails
	d, err := New(bus, DefaultAddr, 50, hwtest.NewAutoClock(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewPTZ(d, nil, PTZOpts{PanChannel: 0, TiltChannel: 1, Pan: panServo, Tilt: tiltServo}); err == nil {
		t.Error("bus error not reported")
	}
	if _, err := NewPTZ(d, nil, PTZOpts{Pan: panServo, Tilt: tiltServo}); !errors.Is(err, ErrConfig) {
		t.Errorf("shared channel: %v", err)
	}
	if _, err := NewPTZ(d, nil, PTZOpts{TiltChannel: 16, Pan: panServo, Tilt: tiltServo}); !errors.Is(err, ErrConfig) {
		t.Errorf("channel 16: %v", err)
	}
	bad := panServo
	bad.Speed = 0
	if _, err := NewPTZ(d, nil, PTZOpts{TiltChannel: 1, Pan: bad, Tilt: tiltServo}); !errors.Is(err, ErrConfig) {
		t.Errorf("no speed: %v", err)
	}
}
