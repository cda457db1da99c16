package main

import (
	"context"
	"log/slog"

	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/drivers/watchdog"
	"github.com/cluecam/cluecam/hw"
)

// watchdogSys is the kernel seam of the watchdog (nil: the real one);
// tests replace it with a fake device.
var watchdogSys watchdog.Sys

// boxWatchdog is the hardware watchdog of `cluecam run`: a Monitor that
// every capture source opened through the appliance beats, and a Feeder
// that keeps /dev/watchdog fed only while the Monitor is healthy. Only an
// orderly shutdown disarms it (magic close); a crash or hang leaves it armed
// and the board resets.
type boxWatchdog struct {
	cfg     config.Watchdog
	monitor *watchdog.Monitor // nil when disabled
	dev     *watchdog.Device
	cancel  context.CancelFunc
	done    chan struct{}
}

// newWatchdog prepares the watchdog of cfg; nothing is opened until start.
// The Monitor exists from the start so the appliance can wire its sources.
func newWatchdog(cfg config.Watchdog) *boxWatchdog {
	w := &boxWatchdog{cfg: cfg}
	if cfg.Enabled {
		w.monitor = watchdog.NewMonitor(hw.SystemClock, cfg.StaleFrames)
	}
	return w
}

// start opens (arms) the watchdog and feeds it in the background. It is
// called once the first configuration is applied, so a box that cannot
// start never arms it. A watchdog that cannot be opened is logged and the
// box runs without it: losing the camera for want of a watchdog is worse.
// Settings changed by a reload take effect at the next start.
func (w *boxWatchdog) start(ctx context.Context, log *slog.Logger) {
	if !w.cfg.Enabled {
		log.Info("watchdog off", "reason", "watchdog.enabled = false")
		return
	}
	dev, err := watchdog.Open(&watchdog.Options{Path: w.cfg.Device, Sys: watchdogSys, Timeout: w.cfg.Timeout, Log: log})
	if err != nil {
		log.Error("watchdog not armed: running without it", "device", w.cfg.Device, "err", err)
		return
	}
	w.dev = dev
	f := watchdog.NewFeeder(dev, w.monitor.Check)
	ctx, w.cancel = context.WithCancel(ctx)
	w.done = make(chan struct{})
	go func() {
		defer close(w.done)
		_ = f.Run(ctx)
	}()
	info := dev.Info()
	log.Info("watchdog armed", "device", dev.Path(), "driver", info.Name(), "timeout", dev.Timeout(),
		"keepalive", f.Period(), "stale_frames", w.cfg.StaleFrames)
}

// stop is the orderly shutdown: the feeder stops and the magic close
// disarms the watchdog. Not called when the process dies, on purpose.
func (w *boxWatchdog) stop(log *slog.Logger) {
	if w.dev == nil {
		return
	}
	w.cancel()
	<-w.done
	if err := w.dev.Close(); err != nil {
		log.Error("watchdog: magic close failed; the board may reset", "device", w.dev.Path(), "err", err)
		return
	}
	log.Info("watchdog disarmed", "device", w.dev.Path())
}
