package synthetic

import (
	"context"
	"fmt"

	"github.com/cluecam/cluecam/hw"
)

// IDH264 is the device ID of the synthetic H.264 camera.
const IDH264 = "synthetic:h264"

// H264Options configure the H.264 camera. The zero value is the default.
type H264Options struct {
	// Buffers is how many frames the caller may hold at once before
	// ReadFrame returns hw.ErrNoBuffer (default 4, like a V4L2 queue).
	Buffers int
	// MaxLag is how many frames may be waiting for a slow reader before
	// the oldest are dropped (default 4). Dropping skips sequence numbers
	// and timestamps, never clip frames, so the stream stays decodable.
	MaxLag int
	// StartFrame is the clip frame to start from; the first frame after
	// Start is always an IDR, so a StartFrame that is not one moves on to
	// the next IDR. Tests use it to start near the end of the loop.
	StartFrame int
	// Bitrate is the initial target (default: the best clip).
	Bitrate int
}

// h264Modes are the modes the camera offers: the clip's size at its own
// rate and at half rate (the clip then plays at half speed).
var h264Modes = []hw.VideoMode{
	{Format: hw.FormatH264, Width: clipWidth, Height: clipHeight, FrameRate: hw.Rational{Num: 30, Den: 1}},
	{Format: hw.FormatH264, Width: clipWidth, Height: clipHeight, FrameRate: hw.Rational{Num: 15, Den: 1}},
}

func h264Info() hw.DeviceInfo {
	return hw.DeviceInfo{
		ID: IDH264, Driver: providerName, Name: "Synthetic H.264 camera (embedded x264 clip)",
		Kind: hw.KindVideo, Caps: hw.CapKeyframe | hw.CapBitrate,
		Modes: append([]hw.VideoMode(nil), h264Modes...),
	}
}

// H264Camera plays the embedded clips as an H.264 camera would deliver
// them: one access unit per frame, in Annex-B form, SPS and PPS before every
// IDR. Frames are slices of the embedded clip (nothing is copied) and
// ReadFrame allocates nothing. The clip loops seamlessly: every loop starts
// at an IDR, and timestamps and sequence numbers keep counting.
//
// RequestKeyframe makes the next frame the next IDR of the clip (skipping
// ahead, wrapping to the first). SetTargetBitrate picks the best clip whose
// nominal bitrate at the current frame rate does not exceed the target (or
// the lowest) and switches to it at the next IDR.
type H264Camera struct {
	clock hw.Clock
	clips *clipSet
	slots *hw.Slots
	opts  H264Options
	info  hw.DeviceInfo

	lifecycle // mu guards lifecycle and the fields below
	pace      pacer
	mode      hw.VideoMode
	pos       int  // clip frame to deliver next
	keyReq    bool // next frame must be an IDR
	cur, want int  // clip playing, clip wanted from the next IDR
	target    int  // target bitrate after clamping
}

var (
	_ hw.VideoSource       = (*H264Camera)(nil)
	_ hw.KeyframeRequester = (*H264Camera)(nil)
	_ hw.BitrateController = (*H264Camera)(nil)
)

// NewH264Camera returns the camera, stopped. A nil clock means
// hw.SystemClock; nil opts the defaults.
func NewH264Camera(clock hw.Clock, opts *H264Options) (*H264Camera, error) {
	clips, err := loadClips()
	if err != nil {
		return nil, err
	}
	if clock == nil {
		clock = hw.SystemClock
	}
	var o H264Options
	if opts != nil {
		o = *opts
	}
	if o.Buffers <= 0 {
		o.Buffers = 4
	}
	if o.MaxLag <= 0 {
		o.MaxLag = 4
	}
	if o.StartFrame < 0 || o.StartFrame >= clips.frames() {
		return nil, fmt.Errorf("synthetic: %s: start frame %d outside the %d-frame clip", IDH264, o.StartFrame, clips.frames())
	}
	c := &H264Camera{clock: clock, lifecycle: lifecycle{id: IDH264, timer: clock.NewTimer()}, clips: clips, slots: hw.NewSlots(o.Buffers), opts: o, info: h264Info()}
	c.mode = h264Modes[0]
	c.target = clips.clips[0].bitrate
	if o.Bitrate > 0 {
		c.setTargetLocked(o.Bitrate)
		c.cur = c.want
	}
	return c, nil
}

// Info describes the device.
func (c *H264Camera) Info() hw.DeviceInfo { return c.info }

// Modes lists 640x360 at 30 and 15 fps.
func (c *H264Camera) Modes() []hw.VideoMode { return c.info.Modes }

// Start begins streaming at StartFrame (or the next IDR after it).
func (c *H264Camera) Start(mode hw.VideoMode) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.isClosed:
		return wrap(IDH264, hw.ErrClosed)
	case c.streaming:
		return wrap(IDH264, hw.ErrBusy)
	}
	m, ok := hw.FindMode(c.info.Modes, mode)
	if !ok {
		return wrap(IDH264, fmt.Errorf("%v: %w", mode, hw.ErrUnsupportedMode))
	}
	c.mode = m
	c.pace.reset(m.FrameRate, c.clock.Now(), 0, uint64(c.opts.MaxLag))
	c.pos, c.keyReq, c.streaming = c.opts.StartFrame, true, true
	c.setTargetLocked(c.target) // re-rate the ladder for this frame rate
	return nil
}

// ReadFrame waits for the next frame time and returns the next access unit.
func (c *H264Camera) ReadFrame(ctx context.Context) (hw.Frame, error) {
	if err := c.awaitDue(ctx, c.clock, &c.pace); err != nil {
		return hw.Frame{}, err
	}
	f, err := c.frameLocked()
	c.mu.Unlock()
	return f, err
}

// frameLocked hands out the next clip frame.
func (c *H264Camera) frameLocked() (hw.Frame, error) {
	slot, token, ok := c.slots.Acquire()
	if !ok {
		return hw.Frame{}, wrap(IDH264, hw.ErrNoBuffer)
	}
	seq, ts := c.pace.take()
	pos := c.pos
	if c.keyReq {
		pos = c.clips.nextKey(pos)
		c.keyReq = false
	}
	key := c.clips.key[pos]
	if key {
		c.cur = c.want
	}
	cl := c.clips.clips[c.cur]
	au := cl.aus[pos]
	c.pos = (pos + 1) % c.clips.frames()
	var flags hw.FrameFlags
	if key {
		flags = hw.FrameKeyframe
	}
	return hw.NewFrame(cl.data[au.start:au.end:au.end], ts, seq, flags, c.slots, slot, token), nil
}

// RequestKeyframe makes the next frame an IDR.
func (c *H264Camera) RequestKeyframe() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.isClosed {
		return wrap(IDH264, hw.ErrClosed)
	}
	c.keyReq = true
	return nil
}

// SetTargetBitrate chooses the clip to switch to at the next IDR.
func (c *H264Camera) SetTargetBitrate(bps int) error {
	if bps <= 0 {
		return wrap(IDH264, fmt.Errorf("bitrate %d: %w", bps, hw.ErrOutOfRange))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.isClosed {
		return wrap(IDH264, hw.ErrClosed)
	}
	c.setTargetLocked(bps)
	return nil
}

// clipRate is the nominal bitrate of clip i at the current frame rate.
func (c *H264Camera) clipRate(i int) int {
	r := c.mode.FrameRate
	return int(int64(c.clips.clips[i].bitrate) * int64(r.Num) / (int64(r.Den) * clipFPS))
}

func (c *H264Camera) setTargetLocked(bps int) {
	last := len(c.clips.clips) - 1
	c.target = min(max(bps, c.clipRate(last)), c.clipRate(0))
	c.want = last
	for i := range c.clips.clips {
		if c.clipRate(i) <= c.target {
			c.want = i
			break
		}
	}
}

// TargetBitrate returns the target, clamped to the clips' range.
func (c *H264Camera) TargetBitrate() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.target
}

// OutstandingFrames returns how many frames are held by the caller.
func (c *H264Camera) OutstandingFrames() int { return c.slots.Outstanding() }
