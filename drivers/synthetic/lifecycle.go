package synthetic

import (
	"context"
	"errors"
	"sync"

	"github.com/cluecam/cluecam/hw"
)

// lifecycle is the stopped/streaming/closed life the synthetic sources
// share. Its mutex also guards each source's own streaming state; Stop and
// Close wake a reader blocked on the pacing timer, as a V4L2 or ALSA driver
// wakes a reader blocked in poll.
type lifecycle struct {
	id     string   // device ID, for errors
	timer  hw.Timer // paces reads; woken by Stop and Close
	closed func()   // tells the provider the device is free again

	mu        sync.Mutex
	streaming bool
	isClosed  bool
}

// Stop ends streaming and wakes a blocked read. Held frames stay valid.
func (l *lifecycle) Stop() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.isClosed {
		return wrap(l.id, hw.ErrClosed)
	}
	l.streaming = false
	l.timer.Wake()
	return nil
}

// Close stops the source and frees the device; idempotent. Frame data are
// embedded clips or plain memory, so held frames stay readable and
// releasing them stays safe.
func (l *lifecycle) Close() error {
	l.mu.Lock()
	if l.isClosed {
		l.mu.Unlock()
		return nil
	}
	l.isClosed, l.streaming = true, false
	l.timer.Wake()
	closed := l.closed
	l.mu.Unlock()
	if closed != nil {
		closed()
	}
	return nil
}

// awaitDue blocks until the pacer says the next item is due and returns
// with l.mu held; on error it returns with l.mu released. Frames a slow
// reader missed are dropped by the pacer, never queued.
func (l *lifecycle) awaitDue(ctx context.Context, clock hw.Clock, pace *pacer) error {
	for {
		l.mu.Lock()
		switch {
		case l.isClosed:
			l.mu.Unlock()
			return wrap(l.id, hw.ErrClosed)
		case !l.streaming:
			l.mu.Unlock()
			return wrap(l.id, hw.ErrNotStreaming)
		}
		now := clock.Now()
		at, _ := pace.due(now)
		if now >= at {
			return nil
		}
		l.mu.Unlock()
		if err := l.timer.SleepUntil(ctx, at); err != nil && !errors.Is(err, hw.ErrWoken) {
			return err
		}
	}
}
