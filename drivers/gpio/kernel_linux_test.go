package gpio

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
	"periph.io/x/conn/v3/driver/driverreg"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/host/v3/gpioioctl"
)

// These tests run against a real kernel: the QEMU guest of the test rig
// loads gpio-sim and creates, through configfs, the chip "ptz" labelled
// cluecam-ptz with lines 0-3 named pan-step pan-dir tilt-step tilt-dir
// (test/hw/guest/init). The driver drives the lines through periph's
// gpioioctl (the GPIO character device, uapi v2); the test reads every
// level back from gpio-sim's sysfs interface
// (Documentation/admin-guide/gpio/gpio-sim.rst: each line has
// /sys/devices/platform/gpio-sim.N/gpiochipM/sim_gpioK/value), which is the
// kernel's own view of the line, not periph's. Without the chip they skip,
// except under the rig (CLUECAM_HW=1), where that is a failure.

const simConfig = "/sys/kernel/config/gpio-sim/ptz"

// simChip is the gpio-sim chip the guest made: its character device name
// ("gpiochip1") and the sysfs directory of its simulated lines.
type simChip struct {
	name, sysfs string
}

func needSim(t *testing.T) simChip {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CLUECAM_HW") != "" {
			t.Fatalf("CLUECAM_HW is set but "+format, args...)
		}
		t.Skipf(format+" (runs in the QEMU guest with gpio-sim)", args...)
	}
	name, err := os.ReadFile(simConfig + "/bank0/chip_name")
	if err != nil {
		fail("no gpio-sim chip in configfs: %v", err)
	}
	dev, err := os.ReadFile(simConfig + "/dev_name")
	if err != nil {
		fail("gpio-sim chip has no platform device: %v", err)
	}
	c := simChip{name: strings.TrimSpace(string(name))}
	c.sysfs = filepath.Join("/sys/devices/platform", strings.TrimSpace(string(dev)), c.name)
	if _, err := os.Stat(filepath.Join(c.sysfs, "sim_gpio0", "value")); err != nil {
		fail("gpio-sim sysfs lines of %s missing: %v", c.name, err)
	}
	return c
}

// level reads the kernel's value of line off.
func (c simChip) level(t *testing.T, off int) gpio.Level {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.sysfs, fmt.Sprintf("sim_gpio%d", off), "value"))
	if err != nil {
		t.Fatalf("gpio-sim line %d: %v", off, err)
	}
	switch strings.TrimSpace(string(b)) {
	case "0":
		return gpio.Low
	case "1":
		return gpio.High
	}
	t.Fatalf("gpio-sim line %d: value %q", off, b)
	return gpio.Low
}

// watched drives a real line and reads the kernel's value back after each
// write, counting rising edges as sysfs saw them.
type watched struct {
	t    *testing.T
	line *gpioioctl.GPIOLine
	chip simChip
	off  int

	mu     sync.Mutex
	last   gpio.Level
	rises  int
	wrong  int // reads that disagreed with the level just written
	change chan struct{}
}

func (w *watched) Out(l gpio.Level) error {
	if err := w.line.Out(l); err != nil {
		return err
	}
	got := w.chip.level(w.t, w.off)
	w.mu.Lock()
	if got != l {
		w.wrong++
	}
	if got == gpio.High && w.last == gpio.Low {
		w.rises++
	}
	w.last = got
	w.mu.Unlock()
	select {
	case w.change <- struct{}{}:
	default:
	}
	return nil
}

func (w *watched) counts() (rises, wrong int, last gpio.Level) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rises, w.wrong, w.last
}

// waitRises waits for n rising edges in all: the head's move ends on its
// computed travel time, the stepper may still owe steps when the guest's
// scheduling is slow. The deadline only catches a hang.
func (w *watched) waitRises(n int) {
	w.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if r, _, _ := w.counts(); r >= n {
			return
		}
		select {
		case <-w.change:
		case <-deadline:
			r, _, _ := w.counts()
			w.t.Fatalf("line %d: %d rising edges seen in sysfs, want %d", w.off, r, n)
		}
	}
}

// TestKernelStepperOnGPIOSim moves a stepper head on gpio-sim lines and
// checks, in the kernel's sysfs view, one step pulse per step and the
// direction line's level for each move.
func TestKernelStepperOnGPIOSim(t *testing.T) {
	sim := needSim(t)
	if _, err := driverreg.Init(); err != nil {
		t.Fatalf("periph driverreg.Init: %v", err)
	}
	// Find the lines through the driver's own lookup, by name and by number.
	var lines [4]*gpioioctl.GPIOLine
	for i, n := range []string{"pan-step", "pan-dir", "tilt-step", "tilt-dir"} {
		l, err := Line(sim.name, n)
		if err != nil {
			t.Fatalf("line %s on %s: %v", n, sim.name, err)
		}
		if l.Number() != i {
			t.Fatalf("line %s is number %d on %s, the guest named line %d", n, l.Number(), sim.name, i)
		}
		lines[i] = l
		defer l.Close()
	}
	if l, err := Line(sim.name, "2"); err != nil || l != lines[2] {
		t.Errorf("line 2 by number: %v, %v", l, err)
	}
	if _, err := Line(sim.name, "no-such-line"); err == nil {
		t.Error("unknown line name found")
	}
	w := make([]*watched, 4)
	for i := range w {
		w[i] = &watched{t: t, line: lines[i], chip: sim, off: i, change: make(chan struct{}, 1)}
	}
	// 10 steps a degree; pan 40°/s and tilt 20°/s are 400 and 200 steps/s.
	p, err := NewPTZ(hw.SystemClock, PTZOpts{
		ID:   "gpio-sim",
		Pan:  Axis{Step: w[0], Dir: w[1], StepsPerDegree: 10, Min: -90, Max: 90, Speed: 40},
		Tilt: Axis{Step: w[2], Dir: w[3], StepsPerDegree: 10, Min: -30, Max: 30, Speed: 20, Reverse: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// Pan +3° = 30 steps, direction high.
	if err := p.MoveAbsolute(ctx, hw.Position{Pan: 3}); err != nil {
		t.Fatal(err)
	}
	w[0].waitRises(30)
	if got := sim.level(t, 1); got != gpio.High {
		t.Errorf("pan dir after +3°: %v, want High", got)
	}
	// Pan back 1° (10 steps, direction low); tilt -2° = 20 steps the
	// negative way, on a reversed axis: direction high.
	if err := p.MoveRelative(ctx, hw.Position{Pan: -1, Tilt: -2}); err != nil {
		t.Fatal(err)
	}
	w[0].waitRises(40)
	w[2].waitRises(20)
	if got := sim.level(t, 1); got != gpio.Low {
		t.Errorf("pan dir after -1°: %v, want Low", got)
	}
	if got := sim.level(t, 3); got != gpio.High {
		t.Errorf("tilt dir after -2° (reversed axis): %v, want High", got)
	}
	if got := p.Position(); got.Pan != 2 || got.Tilt != -2 {
		t.Errorf("head at %+v, want pan 2 tilt -2", got)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	for i, name := range []string{"pan step", "pan dir", "tilt step", "tilt dir"} {
		rises, wrong, last := w[i].counts()
		t.Logf("%s (%s line %d): %d rising edges, now %v", name, sim.name, i, rises, last)
		if wrong != 0 {
			t.Errorf("%s: sysfs disagreed with the level written %d times", name, wrong)
		}
	}
	// Exactly the steps asked for: none lost, none extra; step lines rest low.
	if r, _, _ := w[0].counts(); r != 40 {
		t.Errorf("pan: %d step pulses, want 40", r)
	}
	if r, _, _ := w[2].counts(); r != 20 {
		t.Errorf("tilt: %d step pulses, want 20", r)
	}
	for _, off := range []int{0, 2} {
		if got := sim.level(t, off); got != gpio.Low {
			t.Errorf("step line %d rests %v", off, got)
		}
	}
}
