package pwm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

// sysfs builds a fake /sys/class/pwm with chips under t.TempDir() and
// plays back the expected writes ("pwmchip0/export=1"): a write off script
// fails the test, as do writes not made by cleanup. Exporting creates the
// channel directory with its attribute files, as the kernel does.
type sysfs struct {
	t    *testing.T
	root DirFS
	mu   sync.Mutex
	want []string
	n    int
	fail map[string]error
}

func newSysfs(t *testing.T, chips int, want ...string) *sysfs {
	s := &sysfs{t: t, root: DirFS(t.TempDir()), want: want, fail: map[string]error{}}
	for c := range chips {
		dir := filepath.Join(string(s.root), "pwmchip"+string(rune('0'+c)))
		os.MkdirAll(dir, 0o755)
		for _, f := range []string{"export", "unexport", "npwm"} {
			os.WriteFile(filepath.Join(dir, f), nil, 0o644)
		}
	}
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.n < len(s.want) {
			t.Errorf("sysfs: %d writes not made: %v", len(s.want)-s.n, s.want[s.n:])
		}
	})
	return s
}

func (s *sysfs) WriteFile(name string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	got := name + "=" + string(data)
	if s.n >= len(s.want) || s.want[s.n] != got {
		next := "nothing"
		if s.n < len(s.want) {
			next = s.want[s.n]
		}
		s.t.Errorf("sysfs: write %s, want %s", got, next)
		return errors.New("off script")
	}
	s.n++
	if err := s.fail[got]; err != nil {
		return err
	}
	if strings.HasSuffix(name, "/export") {
		dir := filepath.Join(string(s.root), filepath.Dir(name), "pwm"+string(data))
		os.MkdirAll(dir, 0o755)
		for _, f := range []string{"period", "duty_cycle", "enable", "polarity"} {
			os.WriteFile(filepath.Join(dir, f), nil, 0o644)
		}
	}
	return s.root.WriteFile(name, data)
}

func (s *sysfs) Exists(name string) bool { return s.root.Exists(name) }

func (s *sysfs) read(name string) string {
	b, err := os.ReadFile(filepath.Join(string(s.root), name))
	if err != nil {
		s.t.Fatal(err)
	}
	return string(b)
}

const period = 20 * time.Millisecond

func setup(ch string) []string {
	return []string{"pwmchip0/export=" + ch, "pwmchip0/pwm" + ch + "/enable=0", "pwmchip0/pwm" + ch + "/duty_cycle=0",
		"pwmchip0/pwm" + ch + "/period=20000000", "pwmchip0/pwm" + ch + "/polarity=normal"}
}

func TestChannel(t *testing.T) {
	fs := newSysfs(t, 1, append(setup("1"),
		"pwmchip0/pwm1/duty_cycle=1500000", "pwmchip0/pwm1/enable=1",
		"pwmchip0/pwm1/duty_cycle=20000000", "pwmchip0/pwm1/enable=1", // clamped to the period
		"pwmchip0/pwm1/enable=0", "pwmchip0/unexport=1")...)
	c, err := Open(fs, 0, 1, period)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetPulse(1500 * time.Microsecond); err != nil {
		t.Fatal(err)
	}
	if got := fs.read("pwmchip0/pwm1/duty_cycle"); got != "1500000" {
		t.Errorf("duty_cycle file %q", got)
	}
	if err := c.SetPulse(time.Second); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(fs, 3, 0, period); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing chip: %v", err)
	}
}

func TestAlreadyExportedAndErrors(t *testing.T) {
	boom := errors.New("EINVAL")
	fs := newSysfs(t, 1, append(setup("0"), "pwmchip0/pwm0/enable=0", // close, already exported: no unexport
		"pwmchip0/pwm0/enable=0", "pwmchip0/pwm0/duty_cycle=0", "pwmchip0/pwm0/period=20000000", "pwmchip0/pwm0/polarity=normal",
		"pwmchip0/pwm0/enable=0")...) // failing polarity: Open closes again
	c, err := Open(fs, 0, 0, period)
	if err != nil {
		t.Fatal(err)
	}
	c.exported = false // as if the channel had been exported before us
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	fs.fail["pwmchip0/pwm0/polarity=normal"] = boom
	if _, err := Open(fs, 0, 0, period); !errors.Is(err, boom) {
		t.Errorf("polarity error: %v", err)
	}
}

func TestPTZ(t *testing.T) {
	pan := Servo{MinPulse: 500 * time.Microsecond, MaxPulse: 2500 * time.Microsecond, MinAngle: -90, MaxAngle: 90, Speed: 300}
	tilt := Servo{MinPulse: 1000 * time.Microsecond, MaxPulse: 2000 * time.Microsecond, MinAngle: -45, MaxAngle: 45, Speed: 90}
	steps := append(setup("0"), setup("1")...)
	steps = append(steps,
		"pwmchip0/pwm0/duty_cycle=1500000", "pwmchip0/pwm0/enable=1", "pwmchip0/pwm1/duty_cycle=1500000", "pwmchip0/pwm1/enable=1", // home
		"pwmchip0/pwm0/duty_cycle=1000000", "pwmchip0/pwm0/enable=1", "pwmchip0/pwm1/duty_cycle=2000000", "pwmchip0/pwm1/enable=1", // pan -45, tilt 45
		"pwmchip0/pwm0/enable=0", "pwmchip0/unexport=0", "pwmchip0/pwm1/enable=0", "pwmchip0/unexport=1",
	)
	fs := newSysfs(t, 1, steps...)
	cp, err := Open(fs, 0, 0, period)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := Open(fs, 0, 1, period)
	if err != nil {
		t.Fatal(err)
	}
	clk := hwtest.NewAutoClock(0)
	p, err := NewPTZ(cp, ct, clk, PTZOpts{Pan: pan, Tilt: tilt})
	if err != nil {
		t.Fatal(err)
	}
	upd, cancel := p.Subscribe()
	defer cancel()
	if err := p.MoveAbsolute(context.Background(), hw.Position{Pan: -45, Tilt: 45}); err != nil {
		t.Fatal(err)
	}
	if clk.Now() != 500*time.Millisecond { // tilt 45° at 90°/s
		t.Errorf("move took %v", clk.Now())
	}
	if got := <-upd; got != (hw.Position{Pan: -45, Tilt: 45}) {
		t.Errorf("rest %v", got)
	}
	if err := p.MoveAbsolute(context.Background(), hw.Position{Tilt: 46}); !errors.Is(err, hw.ErrOutOfRange) {
		t.Errorf("tilt 46: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	bad := pan
	bad.MaxPulse = 30 * time.Millisecond
	if _, err := NewPTZ(cp, ct, clk, PTZOpts{Pan: bad, Tilt: tilt}); !errors.Is(err, ErrConfig) {
		t.Errorf("pulse beyond period: %v", err)
	}
}
