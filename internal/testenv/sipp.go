package testenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Sipp is one run of SIPp (Debian package sip-tester), the independent SIP
// stack the signalling tests talk to.
type Sipp struct {
	dir  string
	once sync.Once
	err  error
	done chan struct{}
	out  *strings.Builder
}

// StartSipp runs `sipp -sf SCENARIO -i 127.0.0.1 -p PORT -m 1 ARGS...` in
// a temporary directory holding a copy of the scenario file, with SIPp's
// error and message traces on. The run is killed when the test ends; when
// the test failed its output and traces are logged.
func StartSipp(t testing.TB, scenario string, port int, args ...string) *Sipp {
	t.Helper()
	bin := NeedCommand(t, "sipp")
	dir := t.TempDir()
	src, err := os.ReadFile(scenario)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(scenario)
	if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	all := append([]string{"-sf", name, "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-m", "1",
		"-timeout", "60s", "-timeout_error", "-trace_err", "-trace_msg", "-nostdin"}, args...)
	cmd := exec.CommandContext(ctx, bin, all...)
	cmd.Dir = dir
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &Sipp{dir: dir, done: make(chan struct{}), out: out}
	go func() {
		s.err = cmd.Wait()
		cancel()
		close(s.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-s.done
		if t.Failed() {
			s.logTraces(t)
		}
	})
	return s
}

// Wait waits for SIPp to finish its one call and fails the test unless it
// exited 0 (every scenario step, including each check_it regexp, passed).
func (s *Sipp) Wait(t testing.TB) {
	t.Helper()
	<-s.done
	if s.err != nil {
		t.Errorf("sipp failed: %v", s.err)
	}
}

// Messages returns SIPp's message trace (what it sent and received).
func (s *Sipp) Messages() string {
	files, _ := filepath.Glob(filepath.Join(s.dir, "*_messages.log"))
	var b strings.Builder
	for _, f := range files {
		data, _ := os.ReadFile(f)
		b.Write(data)
	}
	return b.String()
}

func (s *Sipp) logTraces(t testing.TB) {
	t.Logf("sipp output:\n%s", s.out.String())
	for _, pat := range []string{"*_errors.log", "*_messages.log"} {
		files, _ := filepath.Glob(filepath.Join(s.dir, pat))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("%s:\n%s", filepath.Base(f), b)
		}
	}
}
