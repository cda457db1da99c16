package alsa

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
	"github.com/cluecam/cluecam/hw"
)

// Capture is an ALSA PCM capture device (a USB microphone, an I²S codec,
// snd-aloop under test) as an hw.AudioSource, driven through the PCM ioctls
// without alsa-lib: HW_PARAMS for S16_LE interleaved at the asked rate and
// channel count, SW_PARAMS waking the reader once a period is available,
// PREPARE and START, then READI_FRAMES straight into the caller's buffer.
//
// Each period is stamped on CLOCK_MONOTONIC as now − (delay + frames)/rate,
// delay being what SNDRV_PCM_IOCTL_DELAY reports still waiting in the
// buffer after the read, so audio and V4L2 video share one clock. An
// overrun (EPIPE) is recovered with PREPARE and START, and the next period
// carries hw.PeriodDiscontinuity.
type Capture struct {
	cfg     config
	id      string
	path    string
	fd      int
	version uint32
	info    hw.DeviceInfo
	w       *ioctl.Waker
	onClose func()

	mu         sync.Mutex
	closed     bool
	streaming  bool
	configured bool // HW_PARAMS done, HW_FREE owed
	format     hw.AudioFormat
	period     int
	seq        uint64
	disc       bool // the next period follows lost samples

	// io is held by ReadPeriod while it reads and polls, and by Start,
	// Stop and Close after waking the reader. The argument structs of the
	// per-period ioctls live here, so reading allocates nothing.
	io    sync.Mutex
	x     xferi
	pfd   [2]PollFd
	delay int
	sw    swParams
	hw    hwParams

	periods, overruns atomic.Uint64
}

var _ hw.AudioSource = (*Capture)(nil)

// Stats counts what a capture saw since it was opened.
type Stats struct {
	Periods  uint64 // periods delivered
	Overruns uint64 // EPIPE/ESTRPIPE recoveries
}

// OpenCapture opens the capture PCM with ID "hw:<card>,<device>".
func OpenCapture(id string, opts *Options) (*Capture, error) {
	n, ok := parseID(id)
	if !ok {
		return nil, fmt.Errorf("alsa: %q: %w", id, hw.ErrNotFound)
	}
	cfg := resolve(opts)
	return openCapture(cfg, n, nil)
}

func openCapture(cfg config, n pcmNode, card *Card) (*Capture, error) {
	path := n.path()
	fd, err := cfg.sys.Open(path)
	if err != nil {
		return nil, wrap(n.id(), ioctl.OpenError(err))
	}
	c, err := newCapture(cfg, fd, n, card)
	if err != nil {
		_ = cfg.sys.Close(fd)
		return nil, err
	}
	return c, nil
}

// probed is what probing an open PCM found.
type probed struct {
	version uint32
	info    hw.DeviceInfo
}

// probePCM checks the protocol version, names the device and lists the
// formats it takes.
func probePCM(cfg config, fd int, n pcmNode, card *Card) (probed, error) {
	id := n.id()
	var v int32
	if err := cfg.sys.Ioctl(fd, ioctlPVersion, unsafe.Pointer(&v)); err != nil {
		return probed{}, ioctlError(id, ioctlPVersion, err)
	}
	if v>>16 != 2 {
		return probed{}, wrap(id, fmt.Errorf("PCM protocol %d.%d.%d, want 2.x: %w", v>>16, v>>8&0xff, v&0xff, syscall.EPROTO))
	}
	var pi pcmInfo
	pi.stream = streamCapture
	if err := cfg.sys.Ioctl(fd, ioctlInfo, unsafe.Pointer(&pi)); err != nil {
		return probed{}, ioctlError(id, ioctlInfo, err)
	}
	name := ioctl.CString(pi.name[:])
	info := hw.DeviceInfo{ID: id, Driver: providerName, Name: name, Kind: hw.KindAudio}
	if card != nil {
		info.Location = card.ID
		if card.Name != "" && card.Name != name {
			info.Name = card.Name + ": " + name
		}
	}
	fs, err := probeFormats(cfg, fd, id)
	if err != nil {
		return probed{}, err
	}
	info.Formats = fs
	return probed{version: uint32(v), info: info}, nil
}

// basicParams opens every parameter up and asks for S16_LE interleaved.
func basicParams(p *hwParams) {
	p.any()
	p.setMask(paramAccess, accessRWInterleaved)
	p.setMask(paramFormat, formatS16LE)
	p.setMask(paramSubformat, subformatStd)
}

// probeFormats lists the configured rates × channel counts the device
// takes in S16_LE interleaved, asking HW_REFINE for each.
func probeFormats(cfg config, fd int, id string) ([]hw.AudioFormat, error) {
	var p hwParams
	basicParams(&p)
	if err := cfg.sys.Ioctl(fd, ioctlHwRefine, unsafe.Pointer(&p)); err != nil {
		if isErrno(err, syscall.EINVAL) {
			return nil, nil // no S16_LE interleaved capture at all
		}
		return nil, ioctlError(id, ioctlHwRefine, err)
	}
	rates, chans := p.get(paramRate), p.get(paramChannels)
	var out []hw.AudioFormat
	for _, r := range cfg.rates {
		for _, ch := range cfg.channels {
			if r <= 0 || ch <= 0 || !rates.contains(uint32(r)) || !chans.contains(uint32(ch)) {
				continue
			}
			basicParams(&p)
			p.setInt(paramRate, uint32(r))
			p.setInt(paramChannels, uint32(ch))
			err := cfg.sys.Ioctl(fd, ioctlHwRefine, unsafe.Pointer(&p))
			switch {
			case err == nil:
				out = append(out, hw.AudioFormat{Rate: r, Channels: ch, Encoding: hw.S16LE})
			case !isErrno(err, syscall.EINVAL):
				return nil, ioctlError(id, ioctlHwRefine, err)
			}
		}
	}
	return out, nil
}

func newCapture(cfg config, fd int, n pcmNode, card *Card) (*Capture, error) {
	pr, err := probePCM(cfg, fd, n, card)
	if err != nil {
		return nil, err
	}
	w, err := ioctl.NewWaker(cfg.sys)
	if err != nil {
		return nil, fmt.Errorf("alsa: eventfd: %w", err)
	}
	return &Capture{cfg: cfg, id: n.id(), path: n.path(), fd: fd, version: pr.version, info: pr.info, w: w}, nil
}

// Info describes the device.
func (c *Capture) Info() hw.DeviceInfo { return c.info }

// Formats lists the formats Start accepts.
func (c *Capture) Formats() []hw.AudioFormat { return c.info.Formats }

// Stats returns the counters.
func (c *Capture) Stats() Stats { return Stats{Periods: c.periods.Load(), Overruns: c.overruns.Load()} }

// PeriodFrames returns the period size since Start, or 0.
func (c *Capture) PeriodFrames() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.streaming {
		return 0
	}
	return c.period
}

// Start sets the hardware and software parameters and starts capture.
func (c *Capture) Start(cfg hw.AudioConfig) error {
	c.io.Lock()
	defer c.io.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return wrap(c.id, hw.ErrClosed)
	case c.streaming:
		return wrap(c.id, hw.ErrBusy)
	}
	f := cfg.Format
	ok := false
	for _, x := range c.info.Formats {
		ok = ok || x == f
	}
	if !ok {
		return wrap(c.id, fmt.Errorf("%v: %w", f, hw.ErrUnsupportedMode))
	}
	period := cfg.PeriodFrames
	if period <= 0 {
		period = max(f.Rate/50, 1) // 20 ms
	}
	buffer, err := c.setHW(f, period)
	if err != nil {
		return err
	}
	c.configured = true
	if err := c.setSW(period, buffer); err != nil {
		return err
	}
	if err := c.ioctl(ioctlPrepare, nil); err != nil {
		return err
	}
	if err := c.ioctl(ioctlStart, nil); err != nil {
		return err
	}
	c.format, c.period, c.seq, c.disc, c.streaming = f, period, 0, false, true
	return nil
}

func (c *Capture) ioctl(req uint32, arg unsafe.Pointer) error {
	if err := c.cfg.sys.Ioctl(c.fd, req, arg); err != nil {
		return ioctlError(c.id, req, err)
	}
	return nil
}

// setHW runs HW_PARAMS: the format, rate and channels exactly; the period
// size exactly and Periods periods, or, if the device cannot do that
// period, any period with a buffer of at least Periods of ours (the reader
// collects exactly one period per ReadPeriod either way). It returns the
// buffer size in frames.
func (c *Capture) setHW(f hw.AudioFormat, period int) (int, error) {
	p := &c.hw
	basicParams(p)
	p.setInt(paramChannels, uint32(f.Channels))
	p.setInt(paramRate, uint32(f.Rate))
	p.setInt(paramPeriodSize, uint32(period))
	p.setInt(paramPeriods, uint32(c.cfg.periods))
	err := c.cfg.sys.Ioctl(c.fd, ioctlHwParams, unsafe.Pointer(p))
	if isErrno(err, syscall.EINVAL) {
		basicParams(p)
		p.setInt(paramChannels, uint32(f.Channels))
		p.setInt(paramRate, uint32(f.Rate))
		p.setRange(paramBufferSize, uint32(period*c.cfg.periods), ^uint32(0))
		err = c.cfg.sys.Ioctl(c.fd, ioctlHwParams, unsafe.Pointer(p))
	}
	if err != nil {
		err = ioctlError(c.id, ioctlHwParams, err)
		if isErrno(err, syscall.EINVAL) {
			err = fmt.Errorf("%w: %w", hw.ErrUnsupportedMode, err)
		}
		return 0, err
	}
	rate, ch, buffer := p.get(paramRate).value(), p.get(paramChannels).value(), int(p.get(paramBufferSize).value())
	if rate != uint32(f.Rate) || ch != uint32(f.Channels) || !p.hasMask(paramFormat, formatS16LE) {
		return 0, wrap(c.id, fmt.Errorf("device set %d Hz %d ch for %v: %w", rate, ch, f, hw.ErrUnsupportedMode))
	}
	if buffer < 2*period {
		return 0, wrap(c.id, fmt.Errorf("buffer of %d frames cannot hold two %d-frame periods: %w", buffer, period, hw.ErrUnsupportedMode))
	}
	return buffer, nil
}

// setSW runs SW_PARAMS: wake the reader when a period is available, stop
// (overrun) only when the buffer is full, start explicitly.
func (c *Capture) setSW(period, buffer int) error {
	c.sw = swParams{
		periodStep:     1,
		availMin:       uint(period),
		xferAlign:      1,
		startThreshold: uint(buffer),
		stopThreshold:  uint(buffer),
		proto:          c.version,
		tstampType:     tstampTypeMonotonic,
	}
	return c.ioctl(ioctlSwParams, unsafe.Pointer(&c.sw))
}

// ReadPeriod reads exactly one period into dst.
func (c *Capture) ReadPeriod(ctx context.Context, dst []int16) (hw.Period, error) {
	c.io.Lock()
	defer c.io.Unlock()
	c.w.Watch(ctx)
	c.mu.Lock()
	period, ch, f := c.period, c.format.Channels, c.format
	c.mu.Unlock()
	got := 0
	for {
		if err := c.state(); err != nil {
			return hw.Period{}, err
		}
		if err := ctx.Err(); err != nil {
			return hw.Period{}, err
		}
		if len(dst) < period*ch {
			return hw.Period{}, wrap(c.id, fmt.Errorf("%d samples for %d frames of %d channels: %w", len(dst), period, ch, hw.ErrShortBuffer))
		}
		if got == period {
			break
		}
		c.x = xferi{buf: unsafe.Pointer(&dst[got*ch]), frames: uint(period - got)}
		err := c.cfg.sys.Ioctl(c.fd, ioctlReadiFrames, unsafe.Pointer(&c.x))
		switch {
		case err == nil:
			if c.x.result < 0 || c.x.result > period-got {
				return hw.Period{}, ioctlError(c.id, ioctlReadiFrames, fmt.Errorf("driver read %d of %d frames: %w", c.x.result, period-got, syscall.EIO))
			}
			got += c.x.result
			if c.x.result > 0 {
				continue // short reads are normal: read on
			}
		case isErrno(err, syscall.EAGAIN):
		case isErrno(err, syscall.EPIPE), isErrno(err, errSTRPIPE), isErrno(err, errBADFD):
			// Overrun (or suspend): samples were lost. Restart and begin
			// the period afresh, so that it is contiguous in itself.
			if err := c.recover(); err != nil {
				return hw.Period{}, err
			}
			got = 0
			continue
		default:
			return hw.Period{}, ioctlError(c.id, ioctlReadiFrames, err)
		}
		if err := c.wait(); err != nil {
			return hw.Period{}, err
		}
	}
	now := c.cfg.clock.Now()
	c.delay = 0
	queued := 0
	if err := c.cfg.sys.Ioctl(c.fd, ioctlDelay, unsafe.Pointer(&c.delay)); err == nil && c.delay > 0 {
		queued = c.delay
	}
	c.mu.Lock()
	p := hw.Period{Frames: period, Timestamp: now - f.FrameDuration(int64(queued+period)), Sequence: c.seq}
	c.seq++
	if c.disc {
		p.Flags |= hw.PeriodDiscontinuity
		c.disc = false
	}
	c.mu.Unlock()
	c.periods.Add(1)
	return p, nil
}

func (c *Capture) state() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return wrap(c.id, hw.ErrClosed)
	case !c.streaming:
		return wrap(c.id, hw.ErrNotStreaming)
	}
	return nil
}

// recover restarts capture after an overrun.
func (c *Capture) recover() error {
	c.overruns.Add(1)
	c.mu.Lock()
	c.disc = true
	c.mu.Unlock()
	if err := c.ioctl(ioctlPrepare, nil); err != nil {
		return err
	}
	return c.ioctl(ioctlStart, nil)
}

// wait polls until samples are available, a wake-up or the stall timeout.
// Readable, an error state (an overrun, which the next read reports as
// EPIPE) or a wake-up: the caller's loop decides.
func (c *Capture) wait() error {
	c.pfd[0] = PollFd{Fd: int32(c.fd), Events: ioctl.PollIn}
	switch r, err := c.w.Poll(c.pfd[:], c.cfg.stall); {
	case err != nil:
		return wrap(c.id, fmt.Errorf("poll: %w", err))
	case r == ioctl.TimedOut:
		return wrap(c.id, ErrStalled)
	}
	return nil
}

// Stop ends capture (SNDRV_PCM_IOCTL_DROP) after waking a blocked reader.
func (c *Capture) Stop() error {
	c.mu.Lock()
	switch {
	case c.closed:
		c.mu.Unlock()
		return wrap(c.id, hw.ErrClosed)
	case !c.streaming:
		c.mu.Unlock()
		return nil
	}
	c.streaming = false
	c.mu.Unlock()
	c.w.Wake()
	c.io.Lock()
	defer c.io.Unlock()
	err := goneIsDone(c.ioctl(ioctlDrop, nil))
	c.w.Clear()
	c.w.Unwatch()
	return err
}

// Close stops capture, frees the hardware parameters and closes the PCM.
func (c *Capture) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	streaming, configured := c.streaming, c.configured
	c.streaming = false
	c.mu.Unlock()
	c.w.Wake()
	c.io.Lock()
	defer c.io.Unlock()
	var errs []error
	if streaming {
		errs = append(errs, goneIsDone(c.ioctl(ioctlDrop, nil)))
	}
	if configured {
		errs = append(errs, goneIsDone(c.ioctl(ioctlHwFree, nil)))
	}
	errs = append(errs, c.w.Close())
	if err := c.cfg.sys.Close(c.fd); err != nil {
		errs = append(errs, wrap(c.id, err))
	}
	if c.onClose != nil {
		c.onClose()
	}
	return errors.Join(errs...)
}
