package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cluecam/cluecam/board/appliance"
	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/drivers/pwm"
)

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// `cluecam ptz` moves the example's synthetic head and prints where it
// rests; mistakes exit non-zero with a message naming what is wrong.
func TestPTZCommand(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"goto", []string{"head", "goto", "30", "-5", "2"}, exitOK, "head: pan 30.00° tilt -5.00° zoom 2.00\n", ""},
		{"goto keeps zoom", []string{"head", "goto", "-10", "5"}, exitOK, "head: pan -10.00° tilt 5.00° zoom 1.00\n", ""},
		{"preset", []string{"head", "preset", "right"}, exitOK, "head: pan 30.00° tilt -5.00° zoom 2.00\n", ""},
		{"home is the home preset", []string{"head", "home"}, exitOK, "head: pan 0.00° tilt 0.00° zoom 1.00\n", ""},
		{"stop", []string{"head", "stop"}, exitOK, "head: pan 0.00° tilt 0.00° zoom 1.00\n", ""},
		{"status", []string{"head", "status"}, exitOK, "preset left: pan -30.00° tilt -5.00° zoom 2.00\npreset right: pan 30.00° tilt -5.00° zoom 2.00\npreset room: pan 0.00° tilt 0.00° zoom 1.00\nhead: pan 0.00° tilt 0.00° zoom 1.00\n", ""},
		{"out of range", []string{"head", "goto", "120", "0"}, exitFail, "head: pan 0.00° tilt 0.00° zoom 1.00\n", "cluecam ptz: head goto: synthetic: synthetic:ptz: pan 120.00° tilt 0.00° zoom 1.00: hw: position out of range"},
		{"unknown preset", []string{"head", "preset", "door"}, exitFail, "", `preset "door": hw: not found (presets: left, right, room)`},
		{"unknown head", []string{"camera", "status"}, exitFail, "", `cluecam ptz: no head "camera" in ../../board/config/cluecam.example.toml (it has head)`},
		{"not a number", []string{"head", "goto", "left", "0"}, exitUsage, "", `cluecam ptz: goto: PAN "left" is not a number`},
		{"too few", []string{"head", "goto", "1"}, exitUsage, "", "cluecam ptz: goto takes PAN TILT [ZOOM]"},
		{"unknown action", []string{"head", "spin"}, exitUsage, "", `cluecam ptz: unknown action "spin"`},
		{"no action", []string{"head"}, exitUsage, "", "usage: cluecam ptz"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"ptz", "--config", exampleConfig}, tc.args...)...)
			if code != tc.code || (tc.stdout != "" && stdout != tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q\nwant exit %d, stdout %q, stderr with %q", code, stdout, stderr, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}

func TestPTZCommandBadConfig(t *testing.T) {
	code, _, stderr := runCLI(t, "ptz", "--config", threeErrors, "head", "status")
	if code != exitFail || !strings.Contains(stderr, "three-errors.toml:") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// A real driver is opened from the configuration alone: a PWM head on a
// fake sysfs tree moves, and a missing chip is a clear error.
func TestPTZCommandPWM(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"pwmchip0/export", "pwmchip0/unexport", "pwmchip0/pwm0/enable", "pwmchip0/pwm0/duty_cycle", "pwmchip0/pwm0/period", "pwmchip0/pwm0/polarity",
		"pwmchip0/pwm1/enable", "pwmchip0/pwm1/duty_cycle", "pwmchip0/pwm1/period", "pwmchip0/pwm1/polarity"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := ptzHeads
	ptzHeads = appliance.Heads{PWM: pwm.DirFS(dir)}
	t.Cleanup(func() { ptzHeads = old })
	doc := strings.Replace(config.Example, `driver = "synthetic"`, `driver = "pwm"`, 1)
	doc = strings.Replace(doc, "# How far the head may move.", "[ptz.pwm]\npan_channel = 0\ntilt_channel = 1\n# How far the head may move.", 1)
	doc = strings.Replace(doc, "zoom_max = 4", "zoom_max = 1", 1)
	doc = strings.ReplaceAll(doc, "zoom = 2", "zoom = 1")
	path := filepath.Join(t.TempDir(), "pwm.toml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "ptz", "--config", path, "head", "goto", "45", "0")
	if code != exitOK || stdout != "head: pan 45.00° tilt 0.00° zoom 1.00\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "pwmchip0/pwm0/enable")); string(b) != "0" {
		t.Errorf("pan output %q after the command, want disabled", b)
	}
	code, _, stderr = runCLI(t, "ptz", "--config", path, "head", "goto", "10", "0", "3")
	if code != exitFail || !strings.Contains(stderr, "the head has a fixed zoom of 1") {
		t.Errorf("zoom on a servo head: exit %d, stderr %q", code, stderr)
	}

	ptzHeads = appliance.Heads{PWM: pwm.DirFS(t.TempDir())}
	code, _, stderr = runCLI(t, "ptz", "--config", path, "head", "status")
	if code != exitFail || !strings.Contains(stderr, "cluecam ptz: head (driver pwm): cannot open: pwm: pwmchip0: file does not exist") {
		t.Errorf("missing chip: exit %d, stderr %q", code, stderr)
	}
}
