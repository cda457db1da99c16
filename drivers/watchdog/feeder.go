package watchdog

import (
	"context"
	"errors"
	"time"
)

// Feeder keeps a Device fed while a health check passes.
type Feeder struct {
	dev    *Device
	check  func() error
	period time.Duration
}

// NewFeeder returns a Feeder of dev that feeds it every dev.Timeout()/3
// while check returns nil (a Monitor's Check, say). check runs on the
// Feeder's goroutine before every keepalive and must not block; a non-nil
// error is the reason the pipelines are unhealthy, which is logged.
func NewFeeder(dev *Device, check func() error) *Feeder {
	return &Feeder{dev: dev, check: check, period: max(dev.Timeout()/3, time.Millisecond)}
}

// Period returns the interval between keepalives.
func (f *Feeder) Period() time.Duration { return f.period }

// Run feeds the dog until ctx is done or the Device is closed, returning
// nil. It checks health at once and then every Period: while healthy it
// sends a keepalive; while unhealthy it sends none (so the board resets
// about a timeout after the last keepalive), logging the reason when
// feeding stops and again when it resumes. A failed keepalive is logged
// and retried at the next period. Run does not close the Device: the
// owner calls Close after Run returns for an orderly shutdown.
func (f *Feeder) Run(ctx context.Context) error {
	d := f.dev
	t := d.clock.NewTimer()
	defer t.Stop()
	starving := false
	next := d.clock.Now()
	for {
		if err := f.check(); err != nil {
			if !starving {
				d.log.Error("watchdog: pipelines unhealthy, no longer feeding; the board resets unless they recover",
					"device", d.path, "reason", err.Error(), "timeout", d.timeout)
				starving = true
			}
		} else {
			if starving {
				d.log.Warn("watchdog: pipelines healthy again, feeding resumed", "device", d.path)
				starving = false
			}
			if err := d.Keepalive(); errors.Is(err, ErrClosed) {
				return nil
			} else if err != nil {
				d.log.Error("watchdog: keepalive failed", "device", d.path, "err", err.Error())
			}
		}
		next += f.period
		if now := d.clock.Now(); next <= now {
			next = now + f.period // fell behind (a suspended process): do not burst
		}
		if err := t.SleepUntil(ctx, next); err != nil && ctx.Err() != nil {
			return nil
		}
	}
}
