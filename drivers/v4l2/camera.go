package v4l2

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

// Camera is a V4L2 video capture device (a USB UVC camera, vivid, an HDMI
// grabber) as an hw.VideoSource. Frames are its MMAP buffers, lent out
// zero-copy from VIDIOC_DQBUF and queued again (VIDIOC_QBUF) when the
// caller releases them; each carries the kernel's CLOCK_MONOTONIC
// timestamp, its sequence number and its KEYFRAME/ERROR flags.
//
// Use Source to get the hw.VideoSource that also implements
// hw.KeyframeRequester and hw.BitrateController exactly when the device
// has the codec controls (UVC H.264 cameras).
type Camera struct {
	cfg     config
	path    string
	fd      int
	node    *node
	info    hw.DeviceInfo
	w       *ioctl.Waker
	ctrl    *ctrlNode
	codec   *codecControls
	onClose func()

	mu        sync.Mutex
	closed    bool
	streaming bool
	st        *capStream

	// io is held by ReadFrame while it polls and dequeues, and by Start,
	// Stop and Close while they reconfigure, after waking the reader.
	io  sync.Mutex
	pfd [2]PollFd
	ev  event

	stats counters
}

var _ hw.VideoSource = (*Camera)(nil)

// counters are the Stats of a source.
type counters struct {
	frames, errored, empty, requeueFailed atomic.Uint64
}

// Stats counts what a source's capture loop saw since it was opened.
type Stats struct {
	Frames        uint64 // frames handed out
	Errored       uint64 // of them, with V4L2_BUF_FLAG_ERROR (hw.FrameError)
	Empty         uint64 // buffers returned with no data, requeued silently
	RequeueFailed uint64 // VIDIOC_QBUF failures on Frame.Release
}

func (c *counters) snapshot() Stats {
	return Stats{Frames: c.frames.Load(), Errored: c.errored.Load(), Empty: c.empty.Load(), RequeueFailed: c.requeueFailed.Load()}
}

// capStream is one Start..Stop run: the buffers and the frames lent from
// them. It is the Releaser of its frames, so a frame released after a
// restart never reaches the new run's queue.
type capStream struct {
	q     *queue
	slots *hw.Slots
	mode  hw.VideoMode
	seq   seqUnwrap
	stats *counters
}

// ReleaseFrame queues buffer i again (VIDIOC_QBUF) if token is its
// current lending and the run is still streaming.
func (s *capStream) ReleaseFrame(i int, token uint64) {
	if !s.slots.Release(i, token) {
		return
	}
	if _, err := s.q.requeue(i); err != nil {
		s.stats.requeueFailed.Add(1)
	}
}

// OpenCamera opens the capture device at path (e.g. "/dev/video0").
func OpenCamera(path string, opts *Options) (*Camera, error) {
	return openCamera(resolve(opts), path)
}

func openCamera(cfg config, path string) (*Camera, error) {
	fd, err := cfg.sys.Open(path)
	if err != nil {
		return nil, wrap(path, ioctl.OpenError(err))
	}
	c, err := newCamera(cfg, fd, path)
	if err != nil {
		_ = cfg.sys.Close(fd)
		return nil, err
	}
	return c, nil
}

func newCamera(cfg config, fd int, path string) (*Camera, error) {
	n, err := probe(cfg.sys, fd, path, cfg.formats)
	if err != nil {
		return nil, err
	}
	if n.kind != nodeCamera {
		return nil, wrap(path, fmt.Errorf("%w: %w", ErrNotVideo, hw.ErrWrongKind))
	}
	w, err := newWaker(cfg.sys)
	if err != nil {
		return nil, err
	}
	c := &Camera{cfg: cfg, path: path, fd: fd, node: n, info: n.info(), w: w, ctrl: newCtrlNode(cfg.sys, fd, path)}
	c.codec = findCodecControls(c.ctrl)
	// Resolution changes of HDMI and analogue inputs arrive as events;
	// most cameras have none (EINVAL/ENOTTY), which is fine.
	sub := eventSubscription{typ: eventSourceChange}
	_ = cfg.sys.Ioctl(fd, vidiocSubscribeEvent, unsafe.Pointer(&sub))
	return c, nil
}

// Info describes the device.
func (c *Camera) Info() hw.DeviceInfo { return c.info }

// Modes lists the modes Start accepts.
func (c *Camera) Modes() []hw.VideoMode { return c.info.Modes }

// Stats returns the capture counters.
func (c *Camera) Stats() Stats { return c.stats.snapshot() }

// OutstandingFrames returns how many frames the caller holds.
func (c *Camera) OutstandingFrames() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st == nil {
		return 0
	}
	return c.st.slots.Outstanding()
}

// Start sets the format (VIDIOC_S_FMT) and frame rate (VIDIOC_S_PARM),
// maps Options.Buffers buffers, queues them and starts streaming.
func (c *Camera) Start(mode hw.VideoMode) error {
	c.io.Lock()
	defer c.io.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return wrap(c.path, hw.ErrClosed)
	case c.streaming:
		return wrap(c.path, hw.ErrBusy)
	}
	m, ok := hw.FindMode(c.info.Modes, mode)
	if !ok {
		return wrap(c.path, fmt.Errorf("%v: %w", mode, hw.ErrUnsupportedMode))
	}
	if err := c.freeLocked(); err != nil {
		return err
	}
	q, err := startCapture(c.cfg, c.fd, c.path, c.node.capType, m, memoryMMAP)
	if err != nil {
		return err
	}
	if err := q.streamOn(); err != nil {
		_ = q.free()
		return err
	}
	c.st = &capStream{q: q, slots: hw.NewSlots(q.count()), mode: m, stats: &c.stats}
	c.streaming = true
	return nil
}

// freeLocked releases the buffers of the previous run, which needs every
// frame of it back first.
func (c *Camera) freeLocked() error {
	if c.st == nil {
		return nil
	}
	if n := c.st.slots.Outstanding(); n > 0 {
		return wrap(c.path, fmt.Errorf("%d frame(s) of the previous run still held: %w", n, hw.ErrBusy))
	}
	err := c.st.q.free()
	c.st = nil
	return err
}

// setFormat runs VIDIOC_S_FMT for a single-buffer picture of pix at w×h
// and checks that the driver took it unchanged.
func setFormat(sys Sys, fd int, path string, typ uint32, pix hw.PixelFormat, w, h int, sizeimage uint32) (format, error) {
	f := format{typ: typ}
	if typ == bufTypeVideoCaptureMPlane || typ == bufTypeVideoOutputMPlane {
		p := f.pixMP()
		p.width, p.height, p.pixelformat, p.field, p.numPlanes = uint32(w), uint32(h), uint32(pix), fieldNone, 1
		p.planeFmt[0].sizeimage = sizeimage
	} else {
		p := f.pix()
		p.width, p.height, p.pixelformat, p.field, p.sizeimage = uint32(w), uint32(h), uint32(pix), fieldNone, sizeimage
	}
	if err := sys.Ioctl(fd, vidiocSFmt, unsafe.Pointer(&f)); err != nil {
		err = ioctlError(path, vidiocSFmt, err)
		if isErrno(err, syscall.EINVAL) {
			err = fmt.Errorf("%w: %w", hw.ErrUnsupportedMode, err)
		}
		return f, err
	}
	gw, gh, gp, planes := f.geometry()
	if gp != pix || gw != w || gh != h {
		return f, wrap(path, fmt.Errorf("asked for %v %dx%d, driver set %v %dx%d: %w", pix, w, h, gp, gw, gh, hw.ErrUnsupportedMode))
	}
	if planes != 1 {
		return f, wrap(path, fmt.Errorf("%v needs %d buffers per frame: %w", pix, planes, hw.ErrUnsupportedMode))
	}
	return f, nil
}

// geometry returns the size, pixel format and plane count of a format.
func (f *format) geometry() (w, h int, pix hw.PixelFormat, planes int) {
	if f.typ == bufTypeVideoCaptureMPlane || f.typ == bufTypeVideoOutputMPlane {
		p := f.pixMP()
		return int(p.width), int(p.height), hw.PixelFormat(p.pixelformat), int(p.numPlanes)
	}
	p := f.pix()
	return int(p.width), int(p.height), hw.PixelFormat(p.pixelformat), 1
}

// layout returns plane 0's bytes per line and image size.
func (f *format) layout() (bpl, size uint32) {
	if f.typ == bufTypeVideoCaptureMPlane || f.typ == bufTypeVideoOutputMPlane {
		p := f.pixMP()
		return p.planeFmt[0].bytesperline, p.planeFmt[0].sizeimage
	}
	p := f.pix()
	return p.bytesperline, p.sizeimage
}

// setRate asks for rate with VIDIOC_S_PARM when the driver supports
// V4L2_CAP_TIMEPERFRAME; drivers without G_PARM keep their own rate.
func setRate(sys Sys, fd int, path string, typ uint32, rate hw.Rational) error {
	p := streamparm{typ: typ}
	if err := sys.Ioctl(fd, vidiocGParm, unsafe.Pointer(&p)); err != nil {
		if isErrno(err, syscall.ENOTTY) || isErrno(err, syscall.EINVAL) {
			return nil
		}
		return ioctlError(path, vidiocGParm, err)
	}
	if p.capture().capability&capTimePerFrame == 0 {
		return nil
	}
	p = streamparm{typ: typ}
	p.capture().capability = capTimePerFrame
	p.capture().timeperframe = fract{num: rate.Den, den: rate.Num}
	if err := sys.Ioctl(fd, vidiocSParm, unsafe.Pointer(&p)); err != nil {
		return ioctlError(path, vidiocSParm, err)
	}
	return nil
}

// startCapture configures a capture queue for m and queues its buffers,
// ready for STREAMON. On failure it leaves no buffers behind.
func startCapture(cfg config, fd int, path string, typ uint32, m hw.VideoMode, memory uint32) (*queue, error) {
	if _, err := setFormat(cfg.sys, fd, path, typ, m.Format, m.Width, m.Height, 0); err != nil {
		return nil, err
	}
	if err := setRate(cfg.sys, fd, path, typ, m.FrameRate); err != nil {
		return nil, err
	}
	q := newQueue(cfg.sys, fd, path, typ, memory)
	if _, err := q.request(cfg.buffers); err != nil {
		return nil, err
	}
	err := q.mapAll()
	for i := 0; err == nil && i < q.count(); i++ {
		err = q.enqueue(i, 0, timeval{}, -1, 0)
	}
	if err != nil {
		_ = q.free()
		return nil, err
	}
	return q, nil
}

// ReadFrame waits for the next filled buffer and lends it out.
func (c *Camera) ReadFrame(ctx context.Context) (hw.Frame, error) {
	c.io.Lock()
	defer c.io.Unlock()
	c.w.Watch(ctx)
	for {
		c.mu.Lock()
		closed, streaming, st := c.closed, c.streaming, c.st
		c.mu.Unlock()
		switch {
		case closed:
			return hw.Frame{}, wrap(c.path, hw.ErrClosed)
		case !streaming:
			return hw.Frame{}, wrap(c.path, hw.ErrNotStreaming)
		}
		if err := ctx.Err(); err != nil {
			return hw.Frame{}, err
		}
		if st.slots.Outstanding() >= st.q.count() {
			return hw.Frame{}, wrap(c.path, hw.ErrNoBuffer)
		}
		c.pfd[0] = PollFd{Fd: int32(c.fd), Events: ioctl.PollIn | ioctl.PollPri}
		switch r, err := c.w.Poll(c.pfd[:], c.cfg.stall); {
		case err != nil:
			return hw.Frame{}, wrap(c.path, fmt.Errorf("poll: %w", err))
		case r == ioctl.TimedOut:
			return hw.Frame{}, wrap(c.path, ErrStalled)
		case r == ioctl.Woken:
			continue
		}
		re := c.pfd[0].Revents
		if re&ioctl.PollPri != 0 {
			if err := c.takeEvent(); err != nil {
				return hw.Frame{}, err
			}
		}
		if re&ioctl.PollIn == 0 {
			if re&(ioctl.PollErr|ioctl.PollHup) != 0 {
				return hw.Frame{}, pollError(c.cfg.sys, c.fd, c.path)
			}
			continue
		}
		f, ok, err := c.dequeue(st)
		if err != nil || ok {
			return f, err
		}
	}
}

// dequeue takes one buffer; ok is false when there was none after all or
// it was empty and went straight back.
func (c *Camera) dequeue(st *capStream) (hw.Frame, bool, error) {
	q := st.q
	i, err := q.dequeue()
	switch {
	case isErrno(err, syscall.EAGAIN):
		return hw.Frame{}, false, nil
	case err != nil:
		return hw.Frame{}, false, ioctlError(c.path, vidiocDqbuf, err)
	}
	if used, _ := q.bytesUsed(); used == 0 {
		c.stats.empty.Add(1)
		if _, err := q.requeue(i); err != nil {
			return hw.Frame{}, false, err
		}
		return hw.Frame{}, false, nil
	}
	token, ok := st.slots.AcquireIndex(i)
	if !ok {
		return hw.Frame{}, false, ioctlError(c.path, vidiocDqbuf, fmt.Errorf("driver returned buffer %d, which the caller holds: %w", i, syscall.EINVAL))
	}
	data := q.payload(i)
	flags := frameFlags(q.dq.flags, st.mode.Format, data)
	if flags&hw.FrameError != 0 {
		c.stats.errored.Add(1)
	}
	c.stats.frames.Add(1)
	return hw.NewFrame(data, q.timestamp(c.cfg.clock), st.seq.next(q.dq.sequence), flags, st, i, token), true, nil
}

// takeEvent dequeues one event; a source change ends the run's usefulness.
func (c *Camera) takeEvent() error {
	c.ev = event{}
	if err := c.cfg.sys.Ioctl(c.fd, vidiocDqevent, unsafe.Pointer(&c.ev)); err != nil {
		if isErrno(err, syscall.ENOENT) || isErrno(err, syscall.EAGAIN) {
			return nil
		}
		return ioctlError(c.path, vidiocDqevent, err)
	}
	if c.ev.typ == eventSourceChange {
		return wrap(c.path, ErrSourceChanged)
	}
	return nil
}

// Stop ends streaming (VIDIOC_STREAMOFF) after waking a blocked reader.
// Held frames stay readable; the buffers are freed at the next Start (once
// every frame is back) or at Close.
func (c *Camera) Stop() error {
	c.mu.Lock()
	switch {
	case c.closed:
		c.mu.Unlock()
		return wrap(c.path, hw.ErrClosed)
	case !c.streaming:
		c.mu.Unlock()
		return nil
	}
	c.streaming = false
	st := c.st
	c.mu.Unlock()
	c.w.Wake()
	c.io.Lock()
	defer c.io.Unlock()
	err := st.q.streamOff()
	c.w.Clear()
	c.w.Unwatch()
	return err
}

// Close stops streaming, unmaps and frees the buffers and closes the
// device. Data of frames still held must not be used afterwards.
func (c *Camera) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	streaming := c.streaming
	c.streaming = false
	st := c.st
	c.st = nil
	c.mu.Unlock()
	c.w.Wake()
	c.io.Lock()
	defer c.io.Unlock()
	var errs []error
	if st != nil {
		if streaming {
			errs = append(errs, st.q.streamOff())
		}
		errs = append(errs, st.q.free())
	}
	errs = append(errs, c.w.Close())
	if err := c.cfg.sys.Close(c.fd); err != nil {
		errs = append(errs, wrap(c.path, err))
	}
	if c.onClose != nil {
		c.onClose()
	}
	return errors.Join(errs...)
}

// Controls lists the device's controls with their current values.
func (c *Camera) Controls() ([]Control, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	return c.ctrl.list()
}

// Control reads one control's current value (its type, queried first,
// says how wide the value is).
func (c *Camera) Control(id uint32) (int64, error) {
	if err := c.usable(); err != nil {
		return 0, err
	}
	q, ok, err := c.ctrl.query(id)
	if err != nil {
		return 0, err
	}
	if !ok || q.ID != id {
		return 0, wrap(c.path, fmt.Errorf("control %#x: %w", id, hw.ErrNotFound))
	}
	return c.ctrl.get(id, q.Type)
}

// SetControl sets one control.
func (c *Camera) SetControl(id uint32, v int64) error {
	if err := c.usable(); err != nil {
		return err
	}
	return c.ctrl.set(id, v)
}

func (c *Camera) usable() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return wrap(c.path, hw.ErrClosed)
	}
	return nil
}

// Source returns the camera as an hw.VideoSource implementing
// hw.KeyframeRequester and hw.BitrateController as far as the device has
// V4L2_CID_MPEG_VIDEO_FORCE_KEY_FRAME and V4L2_CID_MPEG_VIDEO_BITRATE.
func (c *Camera) Source() hw.VideoSource {
	return withCodec(c, c.codec, func() error { return c.usable() })
}
