package appliance

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/drivers/pwm"
	"github.com/cluecam/cluecam/drivers/visca"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
	pgpio "periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

// withHead returns the example configuration with its synthetic head
// replaced by driver and the given driver table (TOML lines).
func withHead(t *testing.T, driver, table string) *config.Config {
	t.Helper()
	doc := strings.Replace(config.Example, `driver = "synthetic"`, "driver = \""+driver+"\"", 1)
	doc = strings.Replace(doc, "# How far the head may move.", table+"\n# How far the head may move.", 1)
	// Only synthetic and VISCA heads zoom.
	if driver != config.DriverVISCASerial && driver != config.DriverVISCAIP {
		doc = strings.Replace(doc, "zoom_max = 4", "zoom_max = 1", 1)
		doc = strings.ReplaceAll(doc, "zoom = 2", "zoom = 1")
	}
	return parse(t, doc)
}

// sysfsPWM is a temp-dir /sys/class/pwm with channels 0 and 1 of pwmchip0
// already exported.
func sysfsPWM(t *testing.T) string {
	dir := t.TempDir()
	for _, f := range []string{"pwmchip0/export", "pwmchip0/unexport"} {
		write(t, filepath.Join(dir, f), "")
	}
	for _, ch := range []string{"pwm0", "pwm1"} {
		for _, f := range []string{"enable", "duty_cycle", "period", "polarity"} {
			write(t, filepath.Join(dir, "pwmchip0", ch, f), "")
		}
	}
	return dir
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A PWM head is built from the configuration: pulses follow the servo range
// and limits, it starts at its home preset, and a move turns the capture's
// area of capture, announced on Moved.
func TestPWMHeadThroughApply(t *testing.T) {
	dir := sysfsPWM(t)
	clock := hwtest.NewAutoClock(0)
	a := New(discard(), &Options{Clock: clock, OpenHead: Heads{PWM: pwm.DirFS(dir)}.Open})
	t.Cleanup(func() { _ = a.Close() })
	cfg := withHead(t, "pwm", "[ptz.pwm]\npan_channel = 0\ntilt_channel = 1\n")
	cfg = replaceHome(t, cfg, "left")
	if err := a.Apply(context.Background(), cfg); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	// Home preset "left": pan -30 → 500 + 60/180 × 2000 µs; tilt -5 → 1444.444 µs.
	if got := read(t, filepath.Join(dir, "pwmchip0/pwm0/duty_cycle")); got != "1166667" {
		t.Errorf("pan duty_cycle %q, want 1166667 (ns, pan -30°)", got)
	}
	if got := read(t, filepath.Join(dir, "pwmchip0/pwm1/duty_cycle")); got != "1444445" {
		t.Errorf("tilt duty_cycle %q, want 1444445 (ns, tilt -5°, rounded twice)", got)
	}
	if got := read(t, filepath.Join(dir, "pwmchip0/pwm0/period")); got != "20000000" {
		t.Errorf("period %q", got)
	}
	head, ok := a.Head("head")
	if !ok {
		t.Fatal("no head")
	}
	before, err := a.Room(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	drain(a)
	if err := head.MoveAbsolute(context.Background(), hw.Position{Pan: 45, Tilt: 10}); err != nil {
		t.Fatal(err)
	}
	<-a.Moved()
	if got := read(t, filepath.Join(dir, "pwmchip0/pwm0/duty_cycle")); got != "2000000" {
		t.Errorf("pan duty_cycle after the move %q, want 2000000", got)
	}
	after, err := a.Room(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pb, pa := capturePTZ(t, before), capturePTZ(t, after)
	if pa.Position != (hw.Position{Pan: 45, Tilt: 10, Zoom: 1}) {
		t.Errorf("room position %v, want pan 45 tilt 10 at the fixed zoom 1", pa.Position)
	}
	if pb.Position == pa.Position {
		t.Error("the room did not follow the head")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "pwmchip0/pwm0/enable")); got != "0" {
		t.Errorf("pan enable after Close %q, want 0", got)
	}
}

func replaceHome(t *testing.T, cfg *config.Config, preset string) *config.Config {
	t.Helper()
	cfg.PTZ[0].Home = preset
	return cfg
}

func drain(a *Appliance) {
	select {
	case <-a.Moved():
	default:
	}
}

func capturePTZ(t *testing.T, room provider.Room) *provider.PTZ {
	t.Helper()
	for _, c := range room.Captures {
		if c.PTZ != nil {
			return c.PTZ
		}
	}
	t.Fatal("no capture on a head in the room")
	return nil
}

// A missing PWM chip fails Apply with the path, and the previous
// configuration stays.
func TestPWMHeadMissingChip(t *testing.T) {
	a := New(discard(), &Options{Clock: hwtest.NewAutoClock(0), OpenHead: Heads{PWM: pwm.DirFS(t.TempDir())}.Open})
	t.Cleanup(func() { _ = a.Close() })
	err := a.Apply(context.Background(), withHead(t, "pwm", "[ptz.pwm]\nchip = 3\npan_channel = 0\ntilt_channel = 1\n"))
	if err == nil || !strings.Contains(err.Error(), `ptz "head"`) || !strings.Contains(err.Error(), "pwmchip3") || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Apply error %v, want the head and pwmchip3 not found", err)
	}
}

// A PCA9685 head initialises the chip, commands home and turns the servos
// off when closed; closing also closes the bus.
func TestPCA9685Head(t *testing.T) {
	w := func(b ...byte) i2ctest.IO { return i2ctest.IO{Addr: 0x41, W: b} }
	bus := &closeCounter{Playback: &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{
		w(0x00, 0x10), w(0xFE, 121), w(0x00, 0x20), w(0x00, 0xA0), w(0x01, 0x04), // init at 50 Hz
		w(0x06+4*3, 0, 0, 0x33, 0x01), // pan on channel 3: 1500 µs = 307 counts
		w(0x06+4*4, 0, 0, 0x33, 0x01), // tilt on channel 4: 1500 µs
		w(0x06+4*3, 0, 0, 0, 0x10),    // Close: pan off
		w(0x06+4*4, 0, 0, 0, 0x10),    // tilt off
	}}}
	var opened string
	hs := Heads{I2C: func(path string) (i2c.BusCloser, error) { opened = path; return bus, nil }}
	cfg := withHead(t, "pca9685", "[ptz.pca9685]\nbus = \"/dev/i2c-3\"\naddress = 0x41\npan_channel = 3\ntilt_channel = 4\n")
	head, err := hs.Open(context.Background(), cfg.PTZ[0], hwtest.NewAutoClock(0))
	if err != nil {
		t.Fatal(err)
	}
	if opened != "/dev/i2c-3" {
		t.Errorf("opened bus %q", opened)
	}
	if id := head.Info().ID; id != "pca9685:i2c-3-41" {
		t.Errorf("ID %q", id)
	}
	if got := len(head.Presets()); got != 3 {
		t.Errorf("%d presets, want the 3 configured", got)
	}
	if err := head.Close(); err != nil {
		t.Fatal(err)
	}
	if err := head.Close(); err != nil {
		t.Fatal(err)
	}
	if bus.closed != 1 {
		t.Errorf("bus closed %d times, want once", bus.closed)
	}
	if bus.Count != len(bus.Ops) {
		t.Errorf("%d of %d I²C operations done", bus.Count, len(bus.Ops))
	}
}

type closeCounter struct {
	*i2ctest.Playback
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

func TestI2CBusNumber(t *testing.T) {
	if n, err := i2cBusNumber("/dev/i2c-11"); n != 11 || err != nil {
		t.Errorf("/dev/i2c-11: %d %v", n, err)
	}
	for _, bad := range []string{"/dev/i2c", "/dev/spidev0.0", "/dev/i2c-x"} {
		if _, err := i2cBusNumber(bad); !errors.Is(err, hw.ErrNotFound) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// fakeLine is a GPIO output that counts the levels driven.
type fakeLine struct {
	mu     sync.Mutex
	name   string
	highs  int
	closed bool
}

func (l *fakeLine) Out(v pgpio.Level) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if v {
		l.highs++
	}
	return nil
}

func (l *fakeLine) Close() { l.mu.Lock(); l.closed = true; l.mu.Unlock() }

// A GPIO head requests its four lines by offset or name and releases them
// on Close; a line that cannot be had releases the ones already taken.
func TestGPIOHead(t *testing.T) {
	lines := map[string]*fakeLine{}
	hs := Heads{GPIO: func(chip string, l config.GPIOLine) (StepLine, error) {
		name := l.Name
		if name == "" {
			name = string(rune('0' + l.Offset))
		}
		if name == "missing" {
			return nil, hw.ErrNotFound
		}
		fl := &fakeLine{name: chip + "/" + name}
		lines[name] = fl
		return fl, nil
	}}
	cfg := withHead(t, "gpio", "[ptz.gpio]\npan_step = 1\npan_dir = \"PANDIR\"\ntilt_step = 3\ntilt_dir = 4\nsteps_per_degree = 2\n")
	head, err := hs.Open(context.Background(), cfg.PTZ[0], hwtest.NewAutoClock(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 4 || lines["PANDIR"] == nil || lines["PANDIR"].name != "gpiochip0/PANDIR" {
		t.Fatalf("lines %v", lines)
	}
	if err := head.Close(); err != nil {
		t.Fatal(err)
	}
	for n, l := range lines {
		if !l.closed {
			t.Errorf("line %s not released", n)
		}
	}

	lines = map[string]*fakeLine{}
	cfg = withHead(t, "gpio", "[ptz.gpio]\npan_step = 1\npan_dir = 2\ntilt_step = \"missing\"\ntilt_dir = 4\nsteps_per_degree = 2\n")
	if _, err := hs.Open(context.Background(), cfg.PTZ[0], hwtest.NewAutoClock(0)); !errors.Is(err, hw.ErrNotFound) || !strings.Contains(err.Error(), "tilt_step") {
		t.Fatalf("error %v, want tilt_step not found", err)
	}
	for n, l := range lines {
		if !l.closed {
			t.Errorf("line %s not released after the failure", n)
		}
	}
}

// viscaCam answers a VISCA camera's inquiries at pan 0, tilt 0 and
// completes every command at once; it records what was written.
type viscaCam struct {
	mu      sync.Mutex
	writes  [][]byte
	replies [][]byte
	closed  bool
}

func (c *viscaCam) WriteMessage(msg []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, append([]byte(nil), msg...))
	switch {
	case bytes.Equal(msg, visca.PanTiltPosInq(1)):
		c.replies = append(c.replies, []byte{0x90, 0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF})
	case bytes.Equal(msg, visca.ZoomPosInq(1)):
		c.replies = append(c.replies, []byte{0x90, 0x50, 0, 0, 0, 0, 0xFF})
	default:
		c.replies = append(c.replies, []byte{0x90, 0x51, 0xFF})
	}
	return nil
}

func (c *viscaCam) ReadMessage(buf []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.replies) == 0 {
		return 0, errors.New("viscaCam: read with no reply")
	}
	n := copy(buf, c.replies[0])
	c.replies = c.replies[1:]
	return n, nil
}

func (c *viscaCam) Close() error { c.mu.Lock(); c.closed = true; c.mu.Unlock(); return nil }

// VISCA heads open on the configured port or address, take the configured
// limits and presets (as positions), and close their transport.
func TestVISCAHeads(t *testing.T) {
	for _, tc := range []struct {
		driver, table, wantOpen, wantID string
	}{
		{"visca-serial", "[ptz.visca-serial]\ndevice = \"/dev/ttyUSB1\"\nbaud = 38400\n", "/dev/ttyUSB1@38400", "visca:/dev/ttyUSB1"},
		{"visca-ip", "[ptz.visca-ip]\naddress = \"192.0.2.7:52381\"\n", "192.0.2.7:52381", "visca:192.0.2.7:52381"},
	} {
		t.Run(tc.driver, func(t *testing.T) {
			cam := &viscaCam{}
			var opened string
			hs := Heads{
				Serial: func(dev string, baud int) (visca.Transport, error) {
					opened = dev + "@" + strconv.Itoa(baud)
					return cam, nil
				},
				IP: func(addr string) (visca.Transport, error) { opened = addr; return cam, nil },
			}
			cfg := withHead(t, tc.driver, tc.table)
			head, err := hs.Open(context.Background(), cfg.PTZ[0], hwtest.NewAutoClock(0))
			if err != nil {
				t.Fatal(err)
			}
			if opened != tc.wantOpen || head.Info().ID != tc.wantID {
				t.Errorf("opened %q as %q, want %q as %q", opened, head.Info().ID, tc.wantOpen, tc.wantID)
			}
			l := head.Limits()
			if l.Pan != (hw.Range{Min: -90, Max: 90}) || l.Zoom != (hw.Range{Min: 1, Max: 4}) || l.PanSpeed != 60 {
				t.Errorf("limits %+v do not follow the configuration", l)
			}
			var names []string
			for _, p := range head.Presets() {
				names = append(names, p.Name)
			}
			if strings.Join(names, ",") != "left,right,room" {
				t.Errorf("presets %v", names)
			}
			if err := head.Close(); err != nil {
				t.Fatal(err)
			}
			if !cam.closed {
				t.Error("transport not closed")
			}
		})
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
