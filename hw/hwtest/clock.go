package hwtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
)

var _ hw.Clock = (*Clock)(nil)

// Clock is a fake hw.Clock. Time moves only through Advance and Set, or, for
// a clock made with NewAutoClock, whenever a timer sleeps: SleepUntil then
// jumps the clock to its deadline and returns at once, which runs a paced
// single-reader loop (60 frames at 30 fps) in microseconds with exact
// timestamps. Auto-advance is meant for one sleeping goroutine; with several,
// time jumps to whichever deadline is asked for first.
//
// Sleeping and waking allocate nothing once the timer exists.
type Clock struct {
	mu       sync.Mutex
	now      time.Duration
	auto     bool
	sleepers []*fakeTimer
}

// NewClock returns a manual clock reading start.
func NewClock(start time.Duration) *Clock { return &Clock{now: start} }

// NewAutoClock returns a clock reading start that advances whenever a timer
// sleeps.
func NewAutoClock(start time.Duration) *Clock { return &Clock{now: start, auto: true} }

// Now returns the fake time.
func (c *Clock) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (negative d is ignored) and wakes
// every timer whose deadline has been reached.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now += d
	}
	c.wakeLocked()
}

// Set moves the clock to t if t is later than now, and wakes timers.
func (c *Clock) Set(t time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t > c.now {
		c.now = t
	}
	c.wakeLocked()
}

// AdvanceToNext moves the clock to the earliest deadline of a sleeping timer
// and wakes it; it reports false (and does nothing) when nobody sleeps.
func (c *Clock) AdvanceToNext() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sleepers) == 0 {
		return false
	}
	next := c.sleepers[0].deadline
	for _, s := range c.sleepers[1:] {
		next = min(next, s.deadline)
	}
	c.now = max(c.now, next)
	c.wakeLocked()
	return true
}

// Sleepers returns how many timers are blocked in SleepUntil.
func (c *Clock) Sleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sleepers)
}

// WaitForSleepers blocks (in real time, up to 10 s) until at least n timers
// sleep, so a test knows a goroutine reached its wait before it advances
// the clock. It fails the test on timeout; call it from the test goroutine.
func (c *Clock) WaitForSleepers(tb testing.TB, n int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for c.Sleepers() < n {
		if time.Now().After(deadline) {
			tb.Fatalf("hwtest: clock: %d sleepers after 10s, want %d", c.Sleepers(), n)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

func (c *Clock) wakeLocked() {
	for i := 0; i < len(c.sleepers); {
		s := c.sleepers[i]
		if s.deadline > c.now {
			i++
			continue
		}
		c.removeLocked(i)
		select {
		case s.ch <- struct{}{}:
		default:
		}
	}
}

func (c *Clock) removeLocked(i int) {
	last := len(c.sleepers) - 1
	c.sleepers[i] = c.sleepers[last]
	c.sleepers[last] = nil
	c.sleepers = c.sleepers[:last]
}

// NewTimer returns a timer on this clock.
func (c *Clock) NewTimer() hw.Timer {
	return &fakeTimer{c: c, ch: make(chan struct{}, 1), wake: make(chan struct{}, 1)}
}

type fakeTimer struct {
	c        *Clock
	deadline time.Duration
	ch       chan struct{}
	wake     chan struct{}
}

func (t *fakeTimer) Wake() {
	// A woken timer stops counting as a sleeper at once, not only when its
	// goroutine gets to run: a test that advances the clock once every
	// goroutine sleeps (Sleepers) must not race ahead of one just woken.
	t.unregister()
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// unregister removes t from the sleepers.
func (t *fakeTimer) unregister() {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.sleepers {
		if s == t {
			c.removeLocked(i)
			return
		}
	}
}

func (t *fakeTimer) SleepUntil(ctx context.Context, at time.Duration) error {
	c := t.c
	c.mu.Lock()
	if at <= c.now {
		c.mu.Unlock()
		return nil
	}
	select {
	case <-t.wake:
		c.mu.Unlock()
		return hw.ErrWoken
	default:
	}
	if c.auto {
		c.now = at
		c.wakeLocked()
		c.mu.Unlock()
		return nil
	}
	select { // drop a wake-up left over from an earlier sleep
	case <-t.ch:
	default:
	}
	t.deadline = at
	c.sleepers = append(c.sleepers, t)
	c.mu.Unlock()

	select {
	case <-t.ch:
		return nil
	case <-ctx.Done():
		t.unregister()
		return ctx.Err()
	case <-t.wake:
		t.unregister()
		return hw.ErrWoken
	}
}

func (t *fakeTimer) Stop() {}
