package v4l2

import (
	"io"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/cluecam/cluecam/drivers/hotplug"
	"github.com/cluecam/cluecam/hw"
)

// Options configure a Provider and the sources it opens. The zero value
// (or nil) gives the defaults.
type Options struct {
	// Sys is the kernel seam (nil: DefaultSys()).
	Sys Sys
	// FS is the root file system Scan globs dev/video* in (nil:
	// os.DirFS("/")). Device paths passed to Sys are "/" + the FS path.
	FS fs.FS
	// Clock stamps frames whose buffers carry no monotonic timestamp
	// (nil: hw.SystemClock).
	Clock hw.Clock
	// Log receives driver diagnostics (nil: discarded).
	Log *slog.Logger
	// Buffers is the number of MMAP buffers per queue (default 4, at most
	// 32). It bounds how many frames a caller may hold at once.
	Buffers int
	// Formats filters the formats offered: nil means DefaultFormats, an
	// empty non-nil slice every format the device lists.
	Formats []hw.PixelFormat
	// StallTimeout is how long ReadFrame waits for a frame before failing
	// with ErrStalled (default 2 s; negative: wait as long as ctx allows).
	StallTimeout time.Duration
	// NoEncoders stops Scan from pairing cameras with stateful encoders.
	NoEncoders bool
	// Encoder configures the encoder of camera+encoder sources.
	Encoder EncoderOptions
	// Hotplug tunes Provider.Watch (nil: the kernel's uevents).
	Hotplug *hotplug.Options
}

// EncoderOptions configure a stateful encoder at Start. Controls the
// encoder lacks are skipped; a nil pointer leaves the driver's default.
type EncoderOptions struct {
	// Bitrate is the initial target in bits per second (0: 2 Mbit/s for
	// 720p30 scaled by pixel rate, see defaultBitrate).
	Bitrate int
	// IPeriod is the distance between keyframes in frames
	// (V4L2_CID_MPEG_VIDEO_H264_I_PERIOD and GOP_SIZE; 0: two seconds).
	IPeriod int
	// Profile and Level are V4L2 menu values
	// (V4L2_MPEG_VIDEO_H264_PROFILE_*, V4L2_MPEG_VIDEO_H264_LEVEL_*).
	Profile, Level *int32
	// NoRepeatSeqHeader leaves V4L2_CID_MPEG_VIDEO_REPEAT_SEQ_HEADER off;
	// by default SPS and PPS precede every IDR, as RTP receivers joining
	// late need.
	NoRepeatSeqHeader bool
	// AllowCopy lets Start fall back to copying raw frames into the
	// encoder's own buffers when the camera cannot export DMABUFs or the
	// encoder cannot import them (a USB camera's vmalloc buffers into
	// bcm2835-codec). Off by default: raw frames are never copied.
	AllowCopy bool
}

const (
	providerName        = "v4l2"
	defaultBuffers      = 4
	maxBuffers          = 32
	defaultStallTimeout = 2 * time.Second
)

// config is Options with the defaults resolved.
type config struct {
	sys     Sys
	fsys    fs.FS
	clock   hw.Clock
	log     *slog.Logger
	buffers int
	formats []hw.PixelFormat
	stall   time.Duration
	noEnc   bool
	enc     EncoderOptions
	hotplug *hotplug.Options
}

func resolve(o *Options) config {
	var c config
	if o != nil {
		c = config{sys: o.Sys, fsys: o.FS, clock: o.Clock, log: o.Log, buffers: o.Buffers, formats: o.Formats,
			stall: o.StallTimeout, noEnc: o.NoEncoders, enc: o.Encoder, hotplug: o.Hotplug}
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
	if c.buffers <= 0 {
		c.buffers = defaultBuffers
	}
	c.buffers = min(c.buffers, maxBuffers)
	switch {
	case c.stall == 0:
		c.stall = defaultStallTimeout
	case c.stall < 0:
		c.stall = -1
	}
	return c
}
