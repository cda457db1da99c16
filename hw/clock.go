package hw

import (
	"context"
	"time"
)

// Clock is the monotonic time source that paces and stamps media. Now is on
// CLOCK_MONOTONIC, the clock the kernel stamps V4L2 buffers and ALSA
// timestamps with, so frames from real and synthetic devices compare
// directly. Production code uses SystemClock; tests use hwtest.Clock, which
// moves only when told to (or, in auto-advance mode, when someone sleeps).
type Clock interface {
	// Now returns the current CLOCK_MONOTONIC time.
	Now() time.Duration
	// NewTimer returns a Timer for one goroutine's use. Pacing loops make
	// one at Start and reuse it, so waiting for each frame allocates
	// nothing.
	NewTimer() Timer
}

// Timer waits for a point in Clock time. SleepUntil is called by one
// goroutine at a time; Wake may be called from any goroutine, which is how
// Stop and Close interrupt a source's blocked read without a context per
// read.
type Timer interface {
	// SleepUntil blocks until Now() >= t, returning nil; until ctx is done,
	// returning ctx.Err(); or until Wake is called, returning ErrWoken. A t
	// already reached returns nil at once.
	SleepUntil(ctx context.Context, t time.Duration) error
	// Wake interrupts a SleepUntil in progress. A Wake while nobody sleeps
	// is kept and ends the next SleepUntil that would block, so callers
	// treat ErrWoken as "re-check your state", never as a failure.
	Wake()
	// Stop frees the timer's resources; the Timer must not be used after.
	Stop()
}

// SystemClock is the real Clock: CLOCK_MONOTONIC on Linux (read once at
// start-up and then followed with Go's monotonic clock, which is the same
// kernel clock, so Now costs no system call), and time since process start
// elsewhere.
var SystemClock Clock = systemClock{}

var (
	monoBase  = monotonicNow() // CLOCK_MONOTONIC at start-up
	wallStart = time.Now()     // carries Go's monotonic reading taken at the same moment
)

type systemClock struct{}

func (systemClock) Now() time.Duration { return monoBase + time.Since(wallStart) }

func (systemClock) NewTimer() Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &systemTimer{t: t, wake: make(chan struct{}, 1)}
}

type systemTimer struct {
	t    *time.Timer
	wake chan struct{}
}

func (s *systemTimer) SleepUntil(ctx context.Context, at time.Duration) error {
	d := at - SystemClock.Now()
	if d <= 0 {
		return nil
	}
	// Since Go 1.23 Reset on a stopped or fired timer leaves no stale value
	// in the channel, so this is safe without draining.
	s.t.Reset(d)
	select {
	case <-s.t.C:
		return nil
	case <-ctx.Done():
		s.t.Stop()
		return ctx.Err()
	case <-s.wake:
		s.t.Stop()
		return ErrWoken
	}
}

func (s *systemTimer) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *systemTimer) Stop() { s.t.Stop() }
