package synthetic

import (
	"context"
	"fmt"
	"image/jpeg"

	"github.com/cluecam/cluecam/hw"
)

// IDMJPEG is the device ID of the synthetic MJPEG camera.
const IDMJPEG = "synthetic:mjpeg"

// MJPEGOptions configure the MJPEG camera. The zero value is the default.
type MJPEGOptions struct {
	// Modes replaces the default mode list (640x360 and 1280x720 at 30 fps,
	// 320x180 at 15 fps). Every mode must be MJPG with even sizes of at
	// least 64x48.
	Modes []hw.VideoMode
	// Buffers is how many JPEG buffers the camera owns: frames the caller
	// may hold at once before ReadFrame returns hw.ErrNoBuffer (default 3).
	Buffers int
	// MaxLag is how many frames may be waiting before the oldest are dropped
	// (default 2).
	MaxLag int
	// Bitrate is the initial target in bits per second (default 8 Mbit/s).
	Bitrate int
}

var mjpegModes = []hw.VideoMode{
	{Format: hw.FormatMJPEG, Width: 640, Height: 360, FrameRate: hw.Rational{Num: 30, Den: 1}},
	{Format: hw.FormatMJPEG, Width: 1280, Height: 720, FrameRate: hw.Rational{Num: 30, Den: 1}},
	{Format: hw.FormatMJPEG, Width: 320, Height: 180, FrameRate: hw.Rational{Num: 15, Den: 1}},
}

// DefaultMJPEGModes returns a fresh copy of the modes the MJPEG camera
// offers when MJPEGOptions.Modes is nil; callers extend it with the sizes a
// configuration asks for (the pattern is drawn at any size).
func DefaultMJPEGModes() []hw.VideoMode { return append([]hw.VideoMode(nil), mjpegModes...) }

// Quality limits, the bitrate range the camera accepts, and defaults.
const (
	minQuality       = 5
	maxQuality       = 95
	startQuality     = 75
	qualityDeadband  = 0.10 // frame size within ±10% of the target: keep the quality
	maxQualityStepDn = 20
	maxQualityStepUp = 5
	minMJPEGBitrate  = 100_000
	maxMJPEGBitrate  = 100_000_000
	defaultMJPEGRate = 8_000_000
	defaultMJPEGBufs = 3
	defaultMJPEGLag  = 2
	minMJPEGWidth    = 64
	minMJPEGHeight   = 48
)

func mjpegInfo(modes []hw.VideoMode) hw.DeviceInfo {
	return hw.DeviceInfo{
		ID: IDMJPEG, Driver: providerName, Name: "Synthetic MJPEG camera (colour bars and counter)",
		Kind: hw.KindVideo, Caps: hw.CapBitrate, Modes: modes,
	}
}

// jpegBuf is one of the camera's frame buffers; it is the io.Writer
// image/jpeg encodes into (with WriteByte and Flush, so the encoder adds no
// bufio.Writer of its own).
type jpegBuf struct{ b []byte }

func (j *jpegBuf) Write(p []byte) (int, error) { j.b = append(j.b, p...); return len(p), nil }
func (j *jpegBuf) WriteByte(c byte) error      { j.b = append(j.b, c); return nil }
func (j *jpegBuf) Flush() error                { return nil }

// MJPEGCamera draws a test pattern (colour bars, a sliding box and a
// frame counter) and encodes each frame with image/jpeg, as a UVC camera in
// MJPEG mode delivers it. JPEG quality follows the target bitrate: after
// each frame the quality steps towards the size target/fps, so a lower
// target shows within a few frames. Frame buffers come from a small fixed
// pool and return to it on Release.
type MJPEGCamera struct {
	clock hw.Clock
	slots *hw.Slots
	bufs  []jpegBuf
	opts  MJPEGOptions
	info  hw.DeviceInfo

	lifecycle // mu guards lifecycle and the fields below
	pace      pacer
	mode      hw.VideoMode
	pat       *pattern
	quality   int
	target    int
}

var (
	_ hw.VideoSource       = (*MJPEGCamera)(nil)
	_ hw.BitrateController = (*MJPEGCamera)(nil)
)

// NewMJPEGCamera returns the camera, stopped. A nil clock means
// hw.SystemClock; nil opts the defaults.
func NewMJPEGCamera(clock hw.Clock, opts *MJPEGOptions) (*MJPEGCamera, error) {
	if clock == nil {
		clock = hw.SystemClock
	}
	var o MJPEGOptions
	if opts != nil {
		o = *opts
	}
	if o.Modes == nil {
		o.Modes = mjpegModes
	}
	o.Modes = append([]hw.VideoMode(nil), o.Modes...)
	for _, m := range o.Modes {
		if m.Format != hw.FormatMJPEG || m.Width < minMJPEGWidth || m.Height < minMJPEGHeight ||
			m.Width%2 != 0 || m.Height%2 != 0 || !m.FrameRate.Valid() {
			return nil, wrap(IDMJPEG, fmt.Errorf("mode %v: %w", m, hw.ErrUnsupportedMode))
		}
	}
	if o.Buffers <= 0 {
		o.Buffers = defaultMJPEGBufs
	}
	if o.MaxLag <= 0 {
		o.MaxLag = defaultMJPEGLag
	}
	if o.Bitrate <= 0 {
		o.Bitrate = defaultMJPEGRate
	}
	c := &MJPEGCamera{
		clock: clock, lifecycle: lifecycle{id: IDMJPEG, timer: clock.NewTimer()}, slots: hw.NewSlots(o.Buffers), bufs: make([]jpegBuf, o.Buffers),
		opts: o, info: mjpegInfo(o.Modes), quality: startQuality,
	}
	c.target = clampBitrate(o.Bitrate)
	return c, nil
}

func clampBitrate(bps int) int { return min(max(bps, minMJPEGBitrate), maxMJPEGBitrate) }

// Info describes the device.
func (c *MJPEGCamera) Info() hw.DeviceInfo { return c.info }

// Modes lists the configured modes.
func (c *MJPEGCamera) Modes() []hw.VideoMode { return c.info.Modes }

// Start begins streaming in mode; the frame counter starts at 0.
func (c *MJPEGCamera) Start(mode hw.VideoMode) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.isClosed:
		return wrap(IDMJPEG, hw.ErrClosed)
	case c.streaming:
		return wrap(IDMJPEG, hw.ErrBusy)
	}
	m, ok := hw.FindMode(c.info.Modes, mode)
	if !ok {
		return wrap(IDMJPEG, fmt.Errorf("%v: %w", mode, hw.ErrUnsupportedMode))
	}
	if c.pat == nil || c.mode.Width != m.Width || c.mode.Height != m.Height {
		c.pat = newPattern(m.Width, m.Height)
	}
	c.mode = m
	c.pace.reset(m.FrameRate, c.clock.Now(), 0, uint64(c.opts.MaxLag))
	c.streaming = true
	return nil
}

// ReadFrame waits for the next frame time, draws and encodes the frame.
func (c *MJPEGCamera) ReadFrame(ctx context.Context) (hw.Frame, error) {
	if err := c.awaitDue(ctx, c.clock, &c.pace); err != nil {
		return hw.Frame{}, err
	}
	f, err := c.frameLocked()
	c.mu.Unlock()
	return f, err
}

func (c *MJPEGCamera) frameLocked() (hw.Frame, error) {
	slot, token, ok := c.slots.Acquire()
	if !ok {
		return hw.Frame{}, wrap(IDMJPEG, hw.ErrNoBuffer)
	}
	seq, ts := c.pace.take()
	buf := &c.bufs[slot]
	buf.b = buf.b[:0]
	if err := jpeg.Encode(buf, c.pat.draw(seq), &jpeg.Options{Quality: c.quality}); err != nil {
		c.slots.Release(slot, token)
		return hw.Frame{}, wrap(IDMJPEG, err)
	}
	c.adaptQualityLocked(len(buf.b))
	n := len(buf.b)
	return hw.NewFrame(buf.b[:n:n], ts, seq, hw.FrameKeyframe, c.slots, slot, token), nil
}

// adaptQualityLocked steps the JPEG quality towards the frame size the
// target bitrate allows: down fast (a link is overloaded), up slowly.
func (c *MJPEGCamera) adaptQualityLocked(size int) {
	want := float64(c.target) / c.mode.FrameRate.Float64() / 8
	ratio := float64(size) / want
	switch {
	case ratio > 1+qualityDeadband:
		c.quality -= min(maxQualityStepDn, 1+int((ratio-1)*10))
	case ratio < 1-qualityDeadband:
		c.quality += min(maxQualityStepUp, 1+int((1-ratio)*5))
	}
	c.quality = min(max(c.quality, minQuality), maxQuality)
}

// Quality returns the JPEG quality the next frame will be coded with.
func (c *MJPEGCamera) Quality() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.quality
}

// SetTargetBitrate sets the target the quality follows, clamped to
// 100 kbit/s … 100 Mbit/s.
func (c *MJPEGCamera) SetTargetBitrate(bps int) error {
	if bps <= 0 {
		return wrap(IDMJPEG, fmt.Errorf("bitrate %d: %w", bps, hw.ErrOutOfRange))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.isClosed {
		return wrap(IDMJPEG, hw.ErrClosed)
	}
	c.target = clampBitrate(bps)
	return nil
}

// TargetBitrate returns the clamped target.
func (c *MJPEGCamera) TargetBitrate() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.target
}

// OutstandingFrames returns how many frames are held by the caller.
func (c *MJPEGCamera) OutstandingFrames() int { return c.slots.Outstanding() }
