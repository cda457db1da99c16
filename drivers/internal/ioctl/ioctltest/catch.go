package ioctltest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Catch is a testing.TB that records the failures a fake reports instead
// of failing the test, and holds the fake's end-of-test checks until
// Finish: it lets a test prove that the fake catches a wrong call. All else
// goes to the real test.
type Catch struct {
	testing.TB

	mu       sync.Mutex
	failures []string
	cleanups []func()
}

// NewCatch returns a Catch in front of t.
func NewCatch(t testing.TB) *Catch { return &Catch{TB: t} }

// Helper does nothing: the failures are recorded, not reported.
func (c *Catch) Helper() {}

// Errorf records a failure.
func (c *Catch) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures = append(c.failures, fmt.Sprintf(format, args...))
}

// Fatalf records a failure and fails the real test: a fake gives up only
// when a script is stuck, which no test means to provoke.
func (c *Catch) Fatalf(format string, args ...any) {
	c.Errorf(format, args...)
	c.TB.Fatalf(format, args...)
}

// Cleanup holds f until Finish.
func (c *Catch) Cleanup(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cleanups = append(c.cleanups, f)
}

// Finish runs the held cleanups (the fakes' end-of-test checks), last
// first, and returns every failure recorded.
func (c *Catch) Finish() []string {
	c.mu.Lock()
	cs := c.cleanups
	c.cleanups = nil
	c.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
	return c.Failures()
}

// Failures returns the failures recorded so far.
func (c *Catch) Failures() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.failures...)
}

// Want runs Finish and fails the real test unless the failures recorded
// are as many as want and each contains its want, in order: no want, no
// failure.
func (c *Catch) Want(want ...string) {
	c.TB.Helper()
	got := c.Finish()
	if len(got) != len(want) {
		c.TB.Errorf("the fake reported %d failure(s), want %d %q: %q", len(got), len(want), want, got)
		return
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			c.TB.Errorf("failure %d = %q, want it to say %q", i, got[i], w)
		}
	}
}
