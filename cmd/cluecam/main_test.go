package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/board/config"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	code = dispatch(context.Background(), &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, args)
	return code, out.String(), errb.String()
}

const (
	exampleConfig = "../../board/config/cluecam.example.toml"
	threeErrors   = "../../board/config/testdata/three-errors.toml"
)

func TestDispatch(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // regexp the output must match
		stderr     string
		notStdout  string
		stderrRows int // exact number of file:line:col rows on stderr, when > 0
	}{
		{name: "no command", args: nil, code: exitUsage, stderr: `usage: cluecam COMMAND`},
		{name: "unknown command", args: []string{"frobnicate"}, code: exitUsage, stderr: `unknown command "frobnicate"(?s).*usage:`},
		{name: "help", args: []string{"help"}, code: exitOK, stdout: `check-config`},
		{name: "version", args: []string{"version"}, code: exitOK, stdout: `^cluecam dev go1\.\d+.* linux/`},
		{name: "version extra arg", args: []string{"version", "now"}, code: exitUsage, stderr: `usage: cluecam version`},
		{name: "unknown flag", args: []string{"devices", "--bogus"}, code: exitUsage, stderr: `flag provided but not defined: -bogus(?s).*usage: cluecam devices`},
		{name: "command help flag", args: []string{"run", "-h"}, code: exitOK, stderr: `-log-format`},
		{name: "bad log format", args: []string{"run", "--log-format", "xml"}, code: exitUsage, stderr: `--log-format "xml"`},
		{name: "bad log level", args: []string{"run", "--log-level", "loud"}, code: exitUsage, stderr: `log level "loud"`},
		{name: "check-config needs a file", args: []string{"check-config"}, code: exitUsage, stderr: `usage: cluecam check-config FILE`},
		{name: "check-config missing file", args: []string{"check-config", "/nonexistent/cluecam.toml"}, code: exitFail, stderr: `no such file`},
		{
			name: "check-config three errors", args: []string{"check-config", threeErrors}, code: exitFail,
			stderr:     `three-errors.toml:25:13: capture\[0\]\.framerate: expected integer(?s).*:26:1: capture\[0\]\.resolution: unknown key(?s).*:32:8: capture\[1\]\.rate: expected one of(?s).*3 error\(s\)`,
			stderrRows: 3,
		},
		{name: "check-config example", args: []string{"check-config", exampleConfig}, code: exitOK, stdout: `(?m)^\[identity\]$(?s).*sip_uri = "sip:cluecam@127\.0\.0\.1"`, notStdout: `demo-only-secret`},
		{name: "devices", args: []string{"devices"}, code: exitOK, stdout: `synthetic:h264  \(video, synthetic\)(?s).*H264 640x360 @ 30, 15 fps(?s).*synthetic:mjpeg(?s).*MJPG 640x480 @ 15 fps(?s).*synthetic:tone(?s).*S16LE(?s).*synthetic:ptz`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if tc.stdout != "" && !regexp.MustCompile(tc.stdout).MatchString(stdout) {
				t.Errorf("stdout does not match %q:\n%s", tc.stdout, stdout)
			}
			if tc.stderr != "" && !regexp.MustCompile(tc.stderr).MatchString(stderr) {
				t.Errorf("stderr does not match %q:\n%s", tc.stderr, stderr)
			}
			if tc.notStdout != "" && strings.Contains(stdout, tc.notStdout) {
				t.Errorf("stdout contains %q:\n%s", tc.notStdout, stdout)
			}
			if tc.stderrRows > 0 {
				rows := regexp.MustCompile(`(?m)^\S+\.toml:\d+:\d+: `).FindAllString(stderr, -1)
				if len(rows) != tc.stderrRows {
					t.Errorf("%d located error rows, want %d:\n%s", len(rows), tc.stderrRows, stderr)
				}
			}
		})
	}
}

// The effective configuration printed by check-config is itself a valid
// configuration: a user can start from it.
func TestCheckConfigOutputReparses(t *testing.T) {
	code, stdout, stderr := runCLI(t, "check-config", exampleConfig)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// Secrets are redacted in the output, so give the redacted value a
	// stand-in before parsing.
	text := strings.ReplaceAll(stdout, `"<redacted>"`, `"x"`)
	if _, err := config.Parse("effective.toml", []byte(text)); err != nil {
		t.Fatalf("effective configuration does not parse: %v\n%s", err, stdout)
	}
}

func TestDevicesJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, "devices", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var devs []jsonDevice
	if err := json.Unmarshal([]byte(stdout), &devs); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	kinds := map[string]string{}
	for _, d := range devs {
		kinds[d.ID] = d.Kind
	}
	want := map[string]string{"synthetic:h264": "video", "synthetic:mjpeg": "video", "synthetic:tone": "audio", "synthetic:ptz": "ptz"}
	for id, k := range want {
		if kinds[id] != k {
			t.Errorf("device %s: kind %q, want %q (all: %v)", id, kinds[id], k, kinds)
		}
	}
	for _, d := range devs {
		if d.Kind == "video" && len(d.Modes) == 0 || d.Kind == "audio" && len(d.Formats) == 0 {
			t.Errorf("device %s lists no formats: %+v", d.ID, d)
		}
	}
}

// waitFor polls the buffer until re matches or the deadline passes.
func waitFor(t *testing.T, b *syncBuffer, re string, timeout time.Duration) {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if rx.MatchString(b.String()) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("log never matched %q:\n%s", re, b.String())
}

// TestRunReload runs the appliance in-process: it comes up on a config
// file, rejects a broken reload with line-numbered errors while keeping the
// old configuration, takes a good reload, and stops cleanly.
func TestRunReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cluecam.toml")
	if err := os.WriteFile(path, []byte(config.Example), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- dispatch(ctx, &env{stdout: &out, stderr: &errb, getenv: os.Getenv}, []string{"run", "--config", path, "--log-format", "json"})
	}()
	waitFor(t, &errb, `"msg":"ready"`, 20*time.Second)
	for _, want := range []string{`"msg":"device","id":"synthetic:h264"`, `"msg":"capture ready","capture":"main"`, `"msg":"effective configuration"`} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("log lacks %s", want)
		}
	}

	// A broken file: rejected, located, and the box keeps running.
	bad := strings.Replace(config.Example, "framerate = 30", "framerate = \"fast\"", 1)
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	sendHUP(t)
	waitFor(t, &errb, `"msg":"reload rejected: keeping the last good configuration"`, 10*time.Second)
	if !regexp.MustCompile(`"msg":"configuration error","file":"[^"]+","line":\d+,"col":\d+,"key":"capture\[0\]\.framerate"`).MatchString(errb.String()) {
		t.Errorf("rejected reload does not locate the error:\n%s", errb.String())
	}

	// A good file with a renamed capture: taken.
	good := strings.Replace(config.Example, `name = "main"`, `name = "front"`, 1)
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	sendHUP(t)
	waitFor(t, &errb, `"msg":"configuration reloaded"`, 20*time.Second)
	if !strings.Contains(errb.String(), `"msg":"capture ready","capture":"front"`) {
		t.Errorf("reloaded capture not reported:\n%s", errb.String())
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("run exited %d:\n%s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after cancellation")
	}
	if !strings.Contains(errb.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop logged:\n%s", errb.String())
	}
}

// TestRunRejectsBadConfig: a box whose only file is broken does not start
// on it, and says where the problems are.
func TestRunRejectsBadConfig(t *testing.T) {
	code, _, stderr := runCLI(t, "run", "--config", threeErrors)
	if code != exitFail {
		t.Fatalf("exit %d, want %d", code, exitFail)
	}
	if !strings.Contains(stderr, "three-errors.toml:25:13:") {
		t.Errorf("errors not located:\n%s", stderr)
	}
}
