package hwtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
)

func TestClockManual(t *testing.T) {
	c := NewClock(time.Second)
	tm := c.NewTimer()
	done := make(chan error)
	go func() { done <- tm.SleepUntil(context.Background(), 2*time.Second) }()
	c.WaitForSleepers(t, 1)
	c.Advance(999 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("woke before the deadline")
	case <-time.After(5 * time.Millisecond):
	}
	c.Advance(time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c.Now() != 2*time.Second || c.Sleepers() != 0 {
		t.Errorf("now %v sleepers %d", c.Now(), c.Sleepers())
	}
	// A deadline in the past returns at once.
	if err := tm.SleepUntil(context.Background(), time.Second); err != nil {
		t.Fatal(err)
	}
	// AdvanceToNext jumps to the earliest deadline.
	go func() { done <- tm.SleepUntil(context.Background(), 5*time.Second) }()
	c.WaitForSleepers(t, 1)
	if !c.AdvanceToNext() || <-done != nil || c.Now() != 5*time.Second {
		t.Errorf("AdvanceToNext: now %v", c.Now())
	}
	if c.AdvanceToNext() {
		t.Error("AdvanceToNext with no sleepers")
	}
	// Cancellation.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- tm.SleepUntil(ctx, time.Hour) }()
	c.WaitForSleepers(t, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if c.Sleepers() != 0 {
		t.Error("cancelled sleeper still registered")
	}
}

func TestClockAuto(t *testing.T) {
	c := NewAutoClock(0)
	tm := c.NewTimer()
	for i := 1; i <= 3; i++ {
		if err := tm.SleepUntil(context.Background(), time.Duration(i)*time.Second); err != nil {
			t.Fatal(err)
		}
		if c.Now() != time.Duration(i)*time.Second {
			t.Fatalf("now %v", c.Now())
		}
	}
	n := testing.AllocsPerRun(100, func() {
		_ = tm.SleepUntil(context.Background(), c.Now()+time.Millisecond)
	})
	if n != 0 {
		t.Errorf("SleepUntil allocates %v", n)
	}
}

func TestClockWake(t *testing.T) {
	for _, c := range []*Clock{NewClock(0), NewAutoClock(0)} {
		tm := c.NewTimer()
		tm.Wake() // kept for the next sleep
		if err := tm.SleepUntil(context.Background(), time.Hour); !errors.Is(err, hw.ErrWoken) {
			t.Fatalf("pending wake: %v", err)
		}
		if c.Now() != 0 {
			t.Fatal("a woken sleep advanced the clock")
		}
	}
	c := NewClock(0)
	tm := c.NewTimer()
	done := make(chan error)
	go func() { done <- tm.SleepUntil(context.Background(), time.Hour) }()
	c.WaitForSleepers(t, 1)
	tm.Wake()
	if err := <-done; !errors.Is(err, hw.ErrWoken) || c.Sleepers() != 0 {
		t.Fatalf("wake during sleep: %v, %d sleepers", err, c.Sleepers())
	}
}
