package alsa

import (
	"io"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/cluecam/cluecam/drivers/hotplug"
	"github.com/cluecam/cluecam/hw"
)

// Options configure a Provider and the capture devices it opens. The zero
// value (or nil) gives the defaults.
type Options struct {
	// Sys is the kernel seam (nil: DefaultSys()).
	Sys Sys
	// FS is the root file system Scan reads proc/asound/cards and globs
	// dev/snd/pcmC*D*c in (nil: os.DirFS("/")).
	FS fs.FS
	// Clock timestamps periods (nil: hw.SystemClock, CLOCK_MONOTONIC like
	// V4L2 buffers).
	Clock hw.Clock
	// Log receives driver diagnostics (nil: discarded).
	Log *slog.Logger
	// Periods is the ALSA buffer size in periods (default 4, at least 2):
	// how far the reader may fall behind before an overrun.
	Periods int
	// Rates and Channels are the formats offered where the device takes
	// them (defaults 8, 16, 32, 44.1 and 48 kHz; mono and stereo).
	Rates, Channels []int
	// StallTimeout is how long ReadPeriod waits for samples before failing
	// with ErrStalled (default 1 s; negative: as long as ctx allows).
	StallTimeout time.Duration
	// Hotplug tunes Provider.Watch (nil: the kernel's uevents).
	Hotplug *hotplug.Options
}

const (
	providerName        = "alsa"
	defaultPeriods      = 4
	defaultStallTimeout = time.Second
)

var (
	defaultRates    = []int{8000, 16000, 32000, 44100, 48000}
	defaultChannels = []int{1, 2}
)

type config struct {
	sys      Sys
	fsys     fs.FS
	clock    hw.Clock
	log      *slog.Logger
	periods  int
	rates    []int
	channels []int
	stall    time.Duration
	hotplug  *hotplug.Options
}

func resolve(o *Options) config {
	var c config
	if o != nil {
		c = config{sys: o.Sys, fsys: o.FS, clock: o.Clock, log: o.Log, periods: o.Periods, rates: o.Rates, channels: o.Channels, stall: o.StallTimeout, hotplug: o.Hotplug}
	}
	if c.sys == nil {
		c.sys = DefaultSys()
	}
	if c.fsys == nil {
		c.fsys = os.DirFS("/")
	}
	if c.clock == nil {
		c.clock = hw.SystemClock
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.periods <= 0 {
		c.periods = defaultPeriods
	}
	c.periods = max(c.periods, 2)
	if c.rates == nil {
		c.rates = defaultRates
	}
	if c.channels == nil {
		c.channels = defaultChannels
	}
	switch {
	case c.stall == 0:
		c.stall = defaultStallTimeout
	case c.stall < 0:
		c.stall = -1
	}
	return c
}
