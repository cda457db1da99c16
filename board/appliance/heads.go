package appliance

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/drivers/gpio"
	"github.com/cluecam/cluecam/drivers/pca9685"
	"github.com/cluecam/cluecam/drivers/pwm"
	"github.com/cluecam/cluecam/drivers/visca"
	"github.com/cluecam/cluecam/hw"
	"periph.io/x/conn/v3/driver/driverreg"
	pgpio "periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/host/v3/gpioioctl"
	"periph.io/x/host/v3/sysfs"
)

// StepLine is a GPIO output a stepper head drives (a step or direction
// line), released by Close.
type StepLine interface {
	Out(l pgpio.Level) error
	Close()
}

// Heads opens the heads that no inventory provider enumerates: servos on
// sysfs PWM or a PCA9685, GPIO steppers and VISCA cameras cannot be found by
// scanning, only named in the configuration. Each field is the seam to one
// kind of hardware; a nil field means the real one, so tests replace only
// what they fake.
type Heads struct {
	// PWM is the sysfs PWM tree (nil: pwm.DirFS(pwm.SysfsRoot)).
	PWM pwm.FS
	// I2C opens an I²C bus by device path such as "/dev/i2c-1" (nil: the
	// kernel's i2c-dev through periph's sysfs driver).
	I2C func(bus string) (i2c.BusCloser, error)
	// GPIO requests one line of a chip, by name or offset (nil: the GPIO
	// character device through periph's gpioioctl).
	GPIO func(chip string, line config.GPIOLine) (StepLine, error)
	// Serial opens a VISCA serial port (nil: visca.OpenSerial).
	Serial func(device string, baud int) (visca.Transport, error)
	// IP connects to a VISCA-over-IP camera (nil: visca.DialIP with a 1 s
	// reply timeout).
	IP func(address string) (visca.Transport, error)
}

// Open constructs the head h describes, at rest at its home position for
// heads that command a position at start (servos), and returns it as an
// hw.PTZ that owns every line, bus and port it opened. The synthetic driver
// is not here: its head comes from the inventory.
func (hs Heads) Open(ctx context.Context, h config.PTZ, clock hw.Clock) (hw.PTZ, error) {
	switch h.Driver {
	case config.DriverPWM:
		return hs.openPWM(h, clock)
	case config.DriverPCA9685:
		return hs.openPCA9685(h, clock)
	case config.DriverGPIO:
		return hs.openGPIO(h, clock)
	case config.DriverVISCASerial:
		c := h.VISCASerial
		open := hs.Serial
		if open == nil {
			open = func(dev string, baud int) (visca.Transport, error) { return visca.OpenSerial(dev, baud) }
		}
		t, err := open(c.Device, c.Baud)
		if err != nil {
			return nil, err
		}
		return openVISCA(t, "visca:"+c.Device, c.CameraAddress, h, clock)
	case config.DriverVISCAIP:
		c := h.VISCAIP
		dial := hs.IP
		if dial == nil {
			dial = func(addr string) (visca.Transport, error) { return visca.DialIP(addr, time.Second) }
		}
		t, err := dial(c.Address)
		if err != nil {
			return nil, err
		}
		return openVISCA(t, "visca:"+c.Address, c.CameraAddress, h, clock)
	}
	return nil, fmt.Errorf("driver %q: %w", h.Driver, errNoDriver)
}

// homePosition is where the configuration wants the head at boot: its home
// preset, else pan 0, tilt 0 clamped into the limits.
func homePosition(h config.PTZ, zoom float64) hw.Position {
	for _, p := range h.Presets {
		if p.Name == h.Home {
			return hw.Position{Pan: p.Pan, Tilt: p.Tilt, Zoom: zoom}
		}
	}
	l := h.Limits
	return hw.Position{Pan: max(l.PanMin, min(l.PanMax, 0)), Tilt: max(l.TiltMin, min(l.TiltMax, 0)), Zoom: zoom}
}

// presets converts the configured presets; heads without a zoom axis report
// zoom 0 (hw: "reported as the range's Min" of their empty zoom range), so
// their presets carry zoom 0 too.
func presets(h config.PTZ, hasZoom bool) []hw.Preset {
	out := make([]hw.Preset, 0, len(h.Presets))
	for _, p := range h.Presets {
		pos := hw.Position{Pan: p.Pan, Tilt: p.Tilt}
		if hasZoom {
			pos.Zoom = p.Zoom
		}
		out = append(out, hw.Preset{Name: p.Name, Position: pos})
	}
	return out
}

// servos maps the configured pulse range, which spans rangeDeg centred on
// 0°, onto servos whose travel is the configured limits: the pulse at each
// limit is interpolated, so a servo is never driven beyond the limits.
func servos(h config.PTZ, pulseMin, pulseMax int, rangeDeg float64) (pan, tilt pwm.Servo) {
	pulse := func(deg float64) time.Duration {
		f := (deg + rangeDeg/2) / rangeDeg
		us := float64(pulseMin) + f*float64(pulseMax-pulseMin)
		return time.Duration(math.Round(us * float64(time.Microsecond)))
	}
	l := h.Limits
	axis := func(lo, hi float64) pwm.Servo {
		return pwm.Servo{MinPulse: pulse(lo), MaxPulse: pulse(hi), MinAngle: lo, MaxAngle: hi, Speed: h.SpeedDegPerS}
	}
	return axis(l.PanMin, l.PanMax), axis(l.TiltMin, l.TiltMax)
}

func (hs Heads) openPWM(h config.PTZ, clock hw.Clock) (hw.PTZ, error) {
	c := h.PWM
	fsys := hs.PWM
	if fsys == nil {
		fsys = pwm.DirFS(pwm.SysfsRoot)
	}
	period := time.Duration(c.PeriodUS) * time.Microsecond
	pan, err := pwm.Open(fsys, c.Chip, c.PanChannel, period)
	if err != nil {
		return nil, err
	}
	tilt, err := pwm.Open(fsys, c.Chip, c.TiltChannel, period)
	if err != nil {
		return nil, errors.Join(err, pan.Close())
	}
	sPan, sTilt := servos(h, c.PulseMinUS, c.PulseMaxUS, c.ServoRangeDeg)
	home := homePosition(h, 0)
	head, err := pwm.NewPTZ(pan, tilt, clock, pwm.PTZOpts{
		ID: fmt.Sprintf("pwm:pwmchip%d/%d,%d", c.Chip, c.PanChannel, c.TiltChannel), Pan: sPan, Tilt: sTilt,
		Home: &home, Presets: presets(h, false),
	})
	if err != nil {
		return nil, errors.Join(err, pan.Close(), tilt.Close())
	}
	return head, nil
}

// i2cBusNumber extracts N from /dev/i2c-N.
func i2cBusNumber(path string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(path, "/dev/i2c-"))
	if err != nil || !strings.HasPrefix(path, "/dev/i2c-") || n < 0 {
		return 0, fmt.Errorf("%s: not an I²C bus device /dev/i2c-N: %w", path, hw.ErrNotFound)
	}
	return n, nil
}

func (hs Heads) openPCA9685(h config.PTZ, clock hw.Clock) (hw.PTZ, error) {
	c := h.PCA9685
	open := hs.I2C
	if open == nil {
		open = func(bus string) (i2c.BusCloser, error) {
			n, err := i2cBusNumber(bus)
			if err != nil {
				return nil, err
			}
			b, err := sysfs.NewI2C(n)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", bus, err)
			}
			return b, nil
		}
	}
	bus, err := open(c.Bus)
	if err != nil {
		return nil, err
	}
	dev, err := pca9685.New(bus, uint16(c.Address), float64(c.FrequencyHz), clock)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%s address %#02x: %w", c.Bus, c.Address, err), bus.Close())
	}
	sPan, sTilt := servos(h, c.PulseMinUS, c.PulseMaxUS, c.ServoRangeDeg)
	home := homePosition(h, 0)
	head, err := pca9685.NewPTZ(dev, clock, pca9685.PTZOpts{
		ID:         fmt.Sprintf("pca9685:%s-%02x", strings.TrimPrefix(c.Bus, "/dev/"), c.Address),
		PanChannel: c.PanChannel, TiltChannel: c.TiltChannel, Pan: sPan, Tilt: sTilt,
		Home: &home, Presets: presets(h, false),
	})
	if err != nil {
		return nil, errors.Join(err, bus.Close())
	}
	return own(head, bus.Close), nil
}

// gpioLine requests a line from the character device: chip by name
// ("gpiochip0") or label ("pinctrl-bcm2711"), line by name or offset.
func gpioLine(chip string, l config.GPIOLine) (StepLine, error) {
	if _, err := driverreg.Init(); err != nil {
		return nil, fmt.Errorf("gpio: %w", err)
	}
	name := chip
	for _, c := range gpioioctl.Chips {
		if c.Label() == chip {
			name = c.Name()
		}
	}
	line := l.Name
	if line == "" {
		line = strconv.Itoa(l.Offset)
	}
	return gpio.Line(name, line)
}

func (hs Heads) openGPIO(h config.PTZ, clock hw.Clock) (hw.PTZ, error) {
	c := h.GPIO
	open := hs.GPIO
	if open == nil {
		open = gpioLine
	}
	var lines []StepLine
	release := func() error {
		for _, l := range lines {
			l.Close()
		}
		return nil
	}
	for _, want := range []struct {
		key  string
		line config.GPIOLine
	}{{"pan_step", c.PanStep}, {"pan_dir", c.PanDir}, {"tilt_step", c.TiltStep}, {"tilt_dir", c.TiltDir}} {
		l, err := open(c.Chip, want.line)
		if err != nil {
			release()
			return nil, fmt.Errorf("%s line: %w", want.key, err)
		}
		lines = append(lines, l)
	}
	l := h.Limits
	pan := gpio.Axis{Step: lines[0], Dir: lines[1], StepsPerDegree: c.StepsPerDegree, Min: l.PanMin, Max: l.PanMax, Speed: h.SpeedDegPerS}
	tilt := gpio.Axis{Step: lines[2], Dir: lines[3], StepsPerDegree: c.StepsPerDegree, Min: l.TiltMin, Max: l.TiltMax, Speed: h.SpeedDegPerS}
	head, err := gpio.NewPTZ(clock, gpio.PTZOpts{ID: "gpio:" + c.Chip, Pan: pan, Tilt: tilt, Presets: presets(h, false)})
	if err != nil {
		release()
		return nil, err
	}
	return own(head, release), nil
}

// viscaTopSpeed is the pan speed in °/s a VISCA camera reaches at its top
// speed setting (PTZOptics-class cameras); speed_deg_per_s is scaled into
// the camera's 1..24 (pan) and 1..23 (tilt) speed settings against it.
const viscaTopSpeed = 100.0

func viscaSpeed(degPerS float64, top uint8) uint8 {
	return uint8(max(1, min(float64(top), math.Ceil(degPerS/viscaTopSpeed*float64(top)))))
}

// openVISCA builds the camera on an open transport, which it closes on
// failure. The configured presets are positions (moved to absolutely), so
// the box does not depend on what the camera's memories hold.
func openVISCA(t visca.Transport, id string, addr int, h config.PTZ, clock hw.Clock) (hw.PTZ, error) {
	l := h.Limits
	cam, err := visca.New(t, clock, &visca.Opts{
		ID:   id,
		Addr: uint8(addr),
		Limits: hw.PTZLimits{
			Pan: hw.Range{Min: l.PanMin, Max: l.PanMax}, Tilt: hw.Range{Min: l.TiltMin, Max: l.TiltMax}, Zoom: hw.Range{Min: l.ZoomMin, Max: l.ZoomMax},
			PanSpeed: h.SpeedDegPerS, TiltSpeed: h.SpeedDegPerS, ZoomSpeed: max((l.ZoomMax-l.ZoomMin)/2, 0.5),
			Home: hw.Position{Zoom: l.ZoomMin},
		},
		PanSpeed:  viscaSpeed(h.SpeedDegPerS, visca.MaxPanSpeed),
		TiltSpeed: viscaSpeed(h.SpeedDegPerS, visca.MaxTiltSpeed),
	})
	if err != nil {
		return nil, errors.Join(err, t.Close())
	}
	p := &positionPresets{PTZ: cam, byName: map[string]hw.Position{}}
	for _, pr := range presets(h, true) {
		p.byName[pr.Name] = pr.Position
	}
	return p, nil
}

// positionPresets gives a head the configured presets as positions, ahead
// of the presets the device stores itself (a VISCA camera's memories).
type positionPresets struct {
	hw.PTZ
	mu     sync.Mutex
	byName map[string]hw.Position
}

// GotoPreset moves to a configured preset, else recalls the device's.
func (p *positionPresets) GotoPreset(ctx context.Context, name string) error {
	p.mu.Lock()
	pos, ok := p.byName[name]
	p.mu.Unlock()
	if ok {
		return p.PTZ.MoveAbsolute(ctx, pos)
	}
	return p.PTZ.GotoPreset(ctx, name)
}

// SetPreset updates a configured preset in memory (until the next reload),
// else stores the position in the device.
func (p *positionPresets) SetPreset(name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.byName[name]; ok {
		p.byName[name] = p.PTZ.Position()
		return nil
	}
	return p.PTZ.SetPreset(name)
}

// Presets lists the configured and the device's presets by name.
func (p *positionPresets) Presets() []hw.Preset {
	m := map[string]hw.Position{}
	for _, pr := range p.PTZ.Presets() {
		m[pr.Name] = pr.Position
	}
	p.mu.Lock()
	for n, pos := range p.byName {
		m[n] = pos
	}
	p.mu.Unlock()
	return hw.PresetList(m)
}

// ownedHead is a head that also releases what was opened for it (a bus,
// GPIO lines) when it is closed.
type ownedHead struct {
	hw.PTZ
	once    sync.Once
	release func() error
}

func own(h hw.PTZ, release func() error) hw.PTZ { return &ownedHead{PTZ: h, release: release} }

// Close closes the head, then what it used.
func (o *ownedHead) Close() error {
	err := o.PTZ.Close()
	o.once.Do(func() { err = errors.Join(err, o.release()) })
	return err
}
