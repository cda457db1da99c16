package hw

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

func TestSystemClockFollowsKernel(t *testing.T) {
	a := SystemClock.Now()
	k := monotonicNow()
	b := SystemClock.Now()
	if a > b {
		t.Fatalf("clock went back: %v then %v", a, b)
	}
	if runtime.GOOS == "linux" {
		if k < a-time.Millisecond || k > b+time.Millisecond {
			t.Errorf("SystemClock %v..%v, CLOCK_MONOTONIC %v", a, b, k)
		}
	}
}

func TestSystemTimer(t *testing.T) {
	tm := SystemClock.NewTimer()
	defer tm.Stop()
	start := SystemClock.Now()
	if err := tm.SleepUntil(context.Background(), start+2*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if SystemClock.Now() < start+2*time.Millisecond {
		t.Error("woke early")
	}
	if err := tm.SleepUntil(context.Background(), start); err != nil {
		t.Error("past deadline:", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tm.SleepUntil(ctx, SystemClock.Now()+time.Hour); !errors.Is(err, context.Canceled) {
		t.Error(err)
	}
	tm.Wake()
	if err := tm.SleepUntil(context.Background(), SystemClock.Now()+time.Hour); !errors.Is(err, ErrWoken) {
		t.Error("pending wake:", err)
	}
	go func() {
		time.Sleep(time.Millisecond)
		tm.Wake()
	}()
	if err := tm.SleepUntil(context.Background(), SystemClock.Now()+time.Hour); !errors.Is(err, ErrWoken) {
		t.Error("wake during sleep:", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	_ = ctx.Done() // the channel is made once, not per sleep
	n := testing.AllocsPerRun(5, func() {
		_ = tm.SleepUntil(ctx, SystemClock.Now()+100*time.Microsecond)
	})
	if n != 0 {
		t.Errorf("SleepUntil allocates %v", n)
	}
}
