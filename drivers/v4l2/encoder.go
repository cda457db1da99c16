package v4l2

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
	"github.com/cluecam/cluecam/hw"
)

// EncodedCamera is a raw camera feeding a V4L2 stateful memory-to-memory
// encoder (bcm2835-codec's /dev/video11 on a Pi 3/4, vicodec under test),
// as one hw.VideoSource delivering coded frames. It follows the kernel's
// "Memory-to-Memory Stateful Video Encoder Interface": the coded format is
// set on the encoder's CAPTURE queue first, the raw format on its OUTPUT
// queue, raw frames go in through OUTPUT and coded frames come out of
// CAPTURE, and Stop drains with VIDIOC_ENCODER_CMD(V4L2_ENC_CMD_STOP) until
// the buffer flagged V4L2_BUF_FLAG_LAST (or the EOS event).
//
// Raw frames are never copied: each camera buffer is exported once as a
// DMABUF (VIDIOC_EXPBUF) and queued into the encoder's OUTPUT queue by file
// descriptor (V4L2_MEMORY_DMABUF), with the camera's timestamp, which the
// encoder copies to the coded frame (V4L2_BUF_FLAG_TIMESTAMP_COPY). When
// the encoder hands an OUTPUT buffer back, the camera buffer is queued to
// the camera again. Only with EncoderOptions.AllowCopy, and only when the
// DMABUF path is refused, are raw frames copied into the encoder's own
// MMAP buffers instead.
//
// Coded frames are the encoder's CAPTURE buffers, lent zero-copy as the
// Camera lends its buffers. The source implements hw.KeyframeRequester and
// hw.BitrateController (see Source) as far as the encoder has the
// controls.
type EncodedCamera struct {
	cfg              config
	id               string
	camPath, encPath string
	camFd, encFd     int
	cam, enc         *node
	comp             *composed
	info             hw.DeviceInfo
	w                *ioctl.Waker
	encCtrl          *ctrlNode
	codec            *codecControls
	onClose          func()

	mu        sync.Mutex
	closed    bool
	streaming bool
	run       *encRun

	io  sync.Mutex
	pfd [3]PollFd
	ev  event

	stats counters
}

var _ hw.VideoSource = (*EncodedCamera)(nil)

// encRun is one Start..Stop run of the camera→encoder pipeline.
type encRun struct {
	mode  hw.VideoMode // coded, as offered
	raw   hw.VideoMode // the camera's mode behind it
	camQ  *queue       // camera CAPTURE, MMAP, exported as DMABUFs
	inQ   *queue       // encoder OUTPUT, DMABUF (MMAP when copying)
	outQ  *queue       // encoder CAPTURE, MMAP: the coded frames
	copy  bool
	free  []int // copy mode: encoder OUTPUT buffers not queued
	slots *hw.Slots
	seq   seqUnwrap
	stats *counters
}

// ReleaseFrame queues a coded buffer back into the encoder.
func (r *encRun) ReleaseFrame(i int, token uint64) {
	if !r.slots.Release(i, token) {
		return
	}
	if _, err := r.outQ.requeue(i); err != nil {
		r.stats.requeueFailed.Add(1)
	}
}

// OpenEncodedCamera opens camera (a raw capture node) and encoder (a
// stateful encoder node) as one source; its ID is "camera+encoder".
func OpenEncodedCamera(camera, encoder string, opts *Options) (*EncodedCamera, error) {
	return openEncodedCamera(resolve(opts), camera, encoder)
}

func openEncodedCamera(cfg config, camPath, encPath string) (_ *EncodedCamera, err error) {
	e := &EncodedCamera{cfg: cfg, id: composedID(camPath, encPath), camPath: camPath, encPath: encPath, camFd: -1, encFd: -1}
	defer func() {
		if err != nil {
			if e.camFd >= 0 {
				_ = cfg.sys.Close(e.camFd)
			}
			if e.encFd >= 0 {
				_ = cfg.sys.Close(e.encFd)
			}
		}
	}()
	if e.camFd, err = cfg.sys.Open(camPath); err != nil {
		e.camFd = -1
		return nil, wrap(camPath, ioctl.OpenError(err))
	}
	if e.cam, err = probe(cfg.sys, e.camFd, camPath, cfg.formats); err != nil {
		return nil, err
	}
	if e.cam.kind != nodeCamera {
		return nil, wrap(camPath, fmt.Errorf("%w: %w", ErrNotVideo, hw.ErrWrongKind))
	}
	if e.encFd, err = cfg.sys.Open(encPath); err != nil {
		e.encFd = -1
		return nil, wrap(encPath, ioctl.OpenError(err))
	}
	if e.enc, err = probe(cfg.sys, e.encFd, encPath, cfg.formats); err != nil {
		return nil, err
	}
	if e.enc.kind != nodeEncoder {
		return nil, wrap(encPath, fmt.Errorf("not a stateful encoder: %w", hw.ErrWrongKind))
	}
	e.comp = compose(e.cam, e.enc)
	if len(e.comp.modes) == 0 {
		return nil, wrap(e.id, fmt.Errorf("the encoder takes none of the camera's formats: %w", hw.ErrUnsupportedMode))
	}
	e.info = e.comp.info()
	if e.w, err = newWaker(cfg.sys); err != nil {
		return nil, err
	}
	e.encCtrl = newCtrlNode(cfg.sys, e.encFd, encPath)
	e.codec = findCodecControls(e.encCtrl)
	sub := eventSubscription{typ: eventSourceChange}
	_ = cfg.sys.Ioctl(e.camFd, vidiocSubscribeEvent, unsafe.Pointer(&sub))
	sub = eventSubscription{typ: eventEOS}
	_ = cfg.sys.Ioctl(e.encFd, vidiocSubscribeEvent, unsafe.Pointer(&sub))
	return e, nil
}

// Info describes the pair.
func (e *EncodedCamera) Info() hw.DeviceInfo { return e.info }

// Modes lists the coded modes Start accepts.
func (e *EncodedCamera) Modes() []hw.VideoMode { return e.info.Modes }

// Stats returns the counters of coded frames.
func (e *EncodedCamera) Stats() Stats { return e.stats.snapshot() }

// OutstandingFrames returns how many coded frames the caller holds.
func (e *EncodedCamera) OutstandingFrames() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.run == nil {
		return 0
	}
	return e.run.slots.Outstanding()
}

// Copying reports whether the current run copies raw frames (see
// EncoderOptions.AllowCopy) rather than passing DMABUFs.
func (e *EncodedCamera) Copying() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.run != nil && e.run.copy
}

// Source returns the pair as an hw.VideoSource implementing the control
// interfaces the encoder supports.
func (e *EncodedCamera) Source() hw.VideoSource {
	return withCodec(e, e.codec, e.usable)
}

func (e *EncodedCamera) usable() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return wrap(e.id, hw.ErrClosed)
	}
	return nil
}

// defaultBitrate is about 0.1 bit per pixel: 2.8 Mbit/s for 720p30.
func defaultBitrate(m hw.VideoMode) int {
	return max(int(float64(m.Width*m.Height)*m.FrameRate.Float64()/10), 100000)
}

// Start configures camera and encoder for mode and starts all three
// queues.
func (e *EncodedCamera) Start(mode hw.VideoMode) error {
	e.io.Lock()
	defer e.io.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.closed:
		return wrap(e.id, hw.ErrClosed)
	case e.streaming:
		return wrap(e.id, hw.ErrBusy)
	}
	m, ok := hw.FindMode(e.info.Modes, mode)
	if !ok {
		return wrap(e.id, fmt.Errorf("%v: %w", mode, hw.ErrUnsupportedMode))
	}
	if e.run != nil {
		if n := e.run.slots.Outstanding(); n > 0 {
			return wrap(e.id, fmt.Errorf("%d frame(s) of the previous run still held: %w", n, hw.ErrBusy))
		}
		err := e.run.freeAll()
		e.run = nil
		if err != nil {
			return err
		}
	}
	r, err := e.setup(m, false)
	if err != nil && e.cfg.enc.AllowCopy && errors.Is(err, errNoDMABUF) {
		e.cfg.log.Warn("v4l2: DMABUF path refused, copying raw frames", "source", e.id, "err", err)
		r, err = e.setup(m, true)
	}
	if err != nil {
		return err
	}
	r.stats = &e.stats
	e.run = r
	e.streaming = true
	return nil
}

// errNoDMABUF marks setup failures of the zero-copy path.
var errNoDMABUF = errors.New("v4l2: DMABUF export or import refused")

// setup does the whole configuration; on failure nothing stays allocated.
func (e *EncodedCamera) setup(m hw.VideoMode, copyMode bool) (_ *encRun, err error) {
	sys := e.cfg.sys
	raw := e.comp.rawFor[m]
	r := &encRun{mode: m, raw: raw, copy: copyMode}
	defer func() {
		if err != nil {
			_ = r.freeAll()
		}
	}()
	// 1. The coded format on the encoder's CAPTURE queue selects the codec.
	if err := setCodedFormat(sys, e.encFd, e.encPath, e.enc.capType, m); err != nil {
		return nil, err
	}
	// 2. The camera's raw format and rate.
	camFmt, err := setFormat(sys, e.camFd, e.camPath, e.cam.capType, raw.Format, raw.Width, raw.Height, 0)
	if err != nil {
		return nil, err
	}
	if err := setRate(sys, e.camFd, e.camPath, e.cam.capType, raw.FrameRate); err != nil {
		return nil, err
	}
	// 3. The same raw format on the encoder's OUTPUT queue; the layouts
	// must agree for the camera's buffers to be the encoder's.
	camBPL, camSize := camFmt.layout()
	encFmt, err := setRawFormat(sys, e.encFd, e.encPath, e.enc.outType, raw, camBPL, camSize)
	if err != nil {
		return nil, err
	}
	if bpl, size := encFmt.layout(); bpl != camBPL || size > camSize {
		return nil, wrap(e.id, fmt.Errorf("camera %d bytes/line %d bytes, encoder wants %d bytes/line %d bytes: %w",
			camBPL, camSize, bpl, size, ErrLayout))
	}
	if err := setRate(sys, e.encFd, e.encPath, e.enc.outType, raw.FrameRate); err != nil {
		return nil, err
	}
	// 4. Encoder controls, before buffers are allocated.
	if err := e.setControls(m); err != nil {
		return nil, err
	}
	// 5. Buffers: camera (MMAP, exported), encoder OUTPUT (DMABUF or
	// MMAP), encoder CAPTURE (MMAP).
	r.camQ = newQueue(sys, e.camFd, e.camPath, e.cam.capType, memoryMMAP)
	n, err := r.camQ.request(e.cfg.buffers)
	if err != nil {
		return nil, err
	}
	if copyMode {
		if err := r.camQ.mapAll(); err != nil {
			return nil, err
		}
		r.inQ = newQueue(sys, e.encFd, e.encPath, e.enc.outType, memoryMMAP)
		if _, err := r.inQ.request(n); err != nil {
			return nil, err
		}
		if err := r.inQ.mapAll(); err != nil {
			return nil, err
		}
		for i := range r.inQ.count() {
			r.free = append(r.free, i)
		}
	} else {
		for i := range n {
			if _, err := r.camQ.query(i); err != nil {
				return nil, err
			}
			if _, err := r.camQ.export(i); err != nil {
				return nil, fmt.Errorf("%w: %w", errNoDMABUF, err)
			}
		}
		r.inQ = newQueue(sys, e.encFd, e.encPath, e.enc.outType, memoryDMABUF)
		got, err := r.inQ.request(n)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errNoDMABUF, err)
		}
		if got < n {
			return nil, wrap(e.encPath, fmt.Errorf("encoder took %d DMABUF slots for %d camera buffers: %w", got, n, errNoDMABUF))
		}
	}
	r.outQ = newQueue(sys, e.encFd, e.encPath, e.enc.capType, memoryMMAP)
	if _, err := r.outQ.request(e.cfg.buffers); err != nil {
		return nil, err
	}
	if err := r.outQ.mapAll(); err != nil {
		return nil, err
	}
	r.slots = hw.NewSlots(r.outQ.count())
	for i := range r.outQ.count() {
		if err := r.outQ.enqueue(i, 0, timeval{}, -1, 0); err != nil {
			return nil, err
		}
	}
	for i := range r.camQ.count() {
		if err := r.camQ.enqueue(i, 0, timeval{}, -1, 0); err != nil {
			return nil, err
		}
	}
	// 6. Stream: encoder first, so the first camera frame finds it ready.
	for _, q := range []*queue{r.inQ, r.outQ, r.camQ} {
		if err := q.streamOn(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// setCodedFormat sets the coded format on an encoder's CAPTURE queue; the
// size there follows the OUTPUT format, so only the format is checked.
func setCodedFormat(sys Sys, fd int, path string, typ uint32, m hw.VideoMode) error {
	f := format{typ: typ}
	if typ == bufTypeVideoCaptureMPlane {
		p := f.pixMP()
		p.width, p.height, p.pixelformat, p.field, p.numPlanes = uint32(m.Width), uint32(m.Height), uint32(m.Format), fieldNone, 1
	} else {
		p := f.pix()
		p.width, p.height, p.pixelformat, p.field = uint32(m.Width), uint32(m.Height), uint32(m.Format), fieldNone
	}
	if err := sys.Ioctl(fd, vidiocSFmt, unsafe.Pointer(&f)); err != nil {
		err = ioctlError(path, vidiocSFmt, err)
		if isErrno(err, syscall.EINVAL) {
			err = fmt.Errorf("%w: %w", hw.ErrUnsupportedMode, err)
		}
		return err
	}
	if _, _, pix, _ := f.geometry(); pix != m.Format {
		return wrap(path, fmt.Errorf("asked to encode %v, driver set %v: %w", m.Format, pix, hw.ErrUnsupportedMode))
	}
	return nil
}

// setRawFormat sets the encoder's OUTPUT format to the camera's picture,
// proposing the camera's bytes per line and image size.
func setRawFormat(sys Sys, fd int, path string, typ uint32, m hw.VideoMode, bpl, size uint32) (format, error) {
	f := format{typ: typ}
	if typ == bufTypeVideoOutputMPlane {
		p := f.pixMP()
		p.width, p.height, p.pixelformat, p.field, p.numPlanes = uint32(m.Width), uint32(m.Height), uint32(m.Format), fieldNone, 1
		p.planeFmt[0] = planePixFormat{bytesperline: bpl, sizeimage: size}
	} else {
		p := f.pix()
		p.width, p.height, p.pixelformat, p.field, p.bytesperline, p.sizeimage = uint32(m.Width), uint32(m.Height), uint32(m.Format), fieldNone, bpl, size
	}
	if err := sys.Ioctl(fd, vidiocSFmt, unsafe.Pointer(&f)); err != nil {
		err = ioctlError(path, vidiocSFmt, err)
		if isErrno(err, syscall.EINVAL) {
			err = fmt.Errorf("%w: %w", hw.ErrUnsupportedMode, err)
		}
		return f, err
	}
	w, h, pix, planes := f.geometry()
	if pix != m.Format || w != m.Width || h != m.Height || planes != 1 {
		return f, wrap(path, fmt.Errorf("encoder input %v %dx%d (%d planes), camera gives %v: %w", pix, w, h, planes, m, ErrLayout))
	}
	return f, nil
}

// setControls applies EncoderOptions to the controls the encoder has.
func (e *EncodedCamera) setControls(m hw.VideoMode) error {
	o := e.cfg.enc
	n := e.encCtrl
	type kv struct {
		id uint32
		v  int64
	}
	var want []kv
	bitrate := o.Bitrate
	if bitrate <= 0 {
		bitrate = defaultBitrate(m)
	}
	if c, ok := n.present(CIDBitrate); ok {
		want = append(want, kv{CIDBitrate, c.clamp(int64(bitrate))})
	}
	period := o.IPeriod
	if period <= 0 {
		period = max(int(2*m.FrameRate.Float64()), 1)
	}
	if m.Format == hw.FormatH264 {
		if c, ok := n.present(CIDH264IPeriod); ok {
			want = append(want, kv{CIDH264IPeriod, c.clamp(int64(period))})
		}
	}
	if c, ok := n.present(CIDGOPSize); ok {
		want = append(want, kv{CIDGOPSize, c.clamp(int64(period))})
	}
	if !o.NoRepeatSeqHeader {
		if _, ok := n.present(CIDRepeatSeqHeader); ok {
			want = append(want, kv{CIDRepeatSeqHeader, 1})
		}
	}
	if o.Profile != nil {
		want = append(want, kv{CIDH264Profile, int64(*o.Profile)})
	}
	if o.Level != nil {
		want = append(want, kv{CIDH264Level, int64(*o.Level)})
	}
	for _, c := range want {
		if err := n.set(c.id, c.v); err != nil {
			return err
		}
		if c.id == CIDBitrate {
			e.codec.mu.Lock()
			e.codec.target, e.codec.targetOK = int(c.v), true
			e.codec.mu.Unlock()
		}
	}
	return nil
}

// freeAll releases every queue of the run: the encoder's OUTPUT first, so
// it lets go of the camera's DMABUFs before they are closed.
func (r *encRun) freeAll() error {
	var errs []error
	for _, q := range []*queue{r.inQ, r.camQ, r.outQ} {
		if q != nil {
			errs = append(errs, q.free())
		}
	}
	return errors.Join(errs...)
}

// ReadFrame moves raw frames from the camera into the encoder and returns
// the next coded frame.
func (e *EncodedCamera) ReadFrame(ctx context.Context) (hw.Frame, error) {
	e.io.Lock()
	defer e.io.Unlock()
	e.w.Watch(ctx)
	for {
		e.mu.Lock()
		closed, streaming, r := e.closed, e.streaming, e.run
		e.mu.Unlock()
		switch {
		case closed:
			return hw.Frame{}, wrap(e.id, hw.ErrClosed)
		case !streaming:
			return hw.Frame{}, wrap(e.id, hw.ErrNotStreaming)
		}
		if err := ctx.Err(); err != nil {
			return hw.Frame{}, err
		}
		if r.slots.Outstanding() >= r.outQ.count() {
			return hw.Frame{}, wrap(e.id, hw.ErrNoBuffer)
		}
		e.pfd[0] = PollFd{Fd: int32(e.camFd), Events: ioctl.PollIn | ioctl.PollPri}
		e.pfd[1] = PollFd{Fd: int32(e.encFd), Events: ioctl.PollIn | ioctl.PollOut | ioctl.PollPri}
		switch r, err := e.w.Poll(e.pfd[:], e.cfg.stall); {
		case err != nil:
			return hw.Frame{}, wrap(e.id, fmt.Errorf("poll: %w", err))
		case r == ioctl.TimedOut:
			return hw.Frame{}, wrap(e.id, ErrStalled)
		case r == ioctl.Woken:
			continue
		}
		cam, enc := e.pfd[0].Revents, e.pfd[1].Revents
		if cam&ioctl.PollPri != 0 {
			if err := e.takeEvent(e.camFd, e.camPath); err != nil {
				return hw.Frame{}, err
			}
		}
		if enc&ioctl.PollPri != 0 {
			if err := e.takeEvent(e.encFd, e.encPath); err != nil {
				return hw.Frame{}, err
			}
		}
		if cam&ioctl.PollIn != 0 {
			if err := e.feed(r); err != nil {
				return hw.Frame{}, err
			}
		}
		if enc&ioctl.PollOut != 0 {
			if err := e.recycle(r); err != nil {
				return hw.Frame{}, err
			}
		}
		if enc&ioctl.PollIn != 0 {
			f, ok, err := e.take(r)
			if err != nil || ok {
				return f, err
			}
		}
		if (cam|enc)&(ioctl.PollIn|ioctl.PollOut|ioctl.PollPri) == 0 && (cam|enc)&(ioctl.PollErr|ioctl.PollHup) != 0 {
			if cam&(ioctl.PollErr|ioctl.PollHup) != 0 {
				return hw.Frame{}, pollError(e.cfg.sys, e.camFd, e.camPath)
			}
			return hw.Frame{}, pollError(e.cfg.sys, e.encFd, e.encPath)
		}
	}
}

// feed moves one filled camera buffer into the encoder's OUTPUT queue.
func (e *EncodedCamera) feed(r *encRun) error {
	i, err := r.camQ.dequeue()
	switch {
	case isErrno(err, syscall.EAGAIN):
		return nil
	case err != nil:
		return ioctlError(e.camPath, vidiocDqbuf, err)
	}
	used, off := r.camQ.bytesUsed()
	if used == 0 || r.camQ.dq.flags&bufFlagError != 0 {
		// Nothing (or garbage) to encode: straight back to the camera.
		e.stats.empty.Add(1)
		_, err := r.camQ.requeue(i)
		return err
	}
	ts := r.camQ.dq.timestamp
	if r.camQ.dq.flags&bufFlagTimestampMask != bufFlagTimestampMonotonic {
		now := e.cfg.clock.Now()
		ts = timeval{sec: int(now / time.Second), usec: int(now % time.Second / time.Microsecond)}
	}
	if !r.copy {
		return r.inQ.enqueue(i, used, ts, r.camQ.dmabuf[i], r.camQ.length[i])
	}
	if len(r.free) == 0 {
		// The encoder is behind: drop this raw frame.
		e.stats.empty.Add(1)
		_, err := r.camQ.requeue(i)
		return err
	}
	j := r.free[len(r.free)-1]
	r.free = r.free[:len(r.free)-1]
	src := r.camQ.mem[i]
	end := min(int(used), len(src))
	nc := copy(r.inQ.mem[j], src[min(int(off), end):end])
	if _, err := r.camQ.requeue(i); err != nil {
		return err
	}
	return r.inQ.enqueue(j, uint32(nc), ts, -1, 0)
}

// recycle takes back an encoded OUTPUT buffer and returns its camera
// buffer to the camera.
func (e *EncodedCamera) recycle(r *encRun) error {
	j, err := r.inQ.dequeue()
	switch {
	case isErrno(err, syscall.EAGAIN):
		return nil
	case err != nil:
		return ioctlError(e.encPath, vidiocDqbuf, err)
	}
	if r.copy {
		r.free = append(r.free, j)
		return nil
	}
	_, err = r.camQ.requeue(j)
	return err
}

// take dequeues a coded frame and lends it out.
func (e *EncodedCamera) take(r *encRun) (hw.Frame, bool, error) {
	q := r.outQ
	i, err := q.dequeue()
	switch {
	case isErrno(err, syscall.EAGAIN):
		return hw.Frame{}, false, nil
	case isErrno(err, syscall.EPIPE):
		return hw.Frame{}, false, wrap(e.encPath, fmt.Errorf("encoder stopped (drained): %w", err))
	case err != nil:
		return hw.Frame{}, false, ioctlError(e.encPath, vidiocDqbuf, err)
	}
	if used, _ := q.bytesUsed(); used == 0 {
		e.stats.empty.Add(1)
		_, err := q.requeue(i)
		return hw.Frame{}, false, err
	}
	token, ok := r.slots.AcquireIndex(i)
	if !ok {
		return hw.Frame{}, false, ioctlError(e.encPath, vidiocDqbuf, fmt.Errorf("driver returned buffer %d, which the caller holds: %w", i, syscall.EINVAL))
	}
	data := q.payload(i)
	flags := frameFlags(q.dq.flags, r.mode.Format, data)
	if flags&hw.FrameError != 0 {
		e.stats.errored.Add(1)
	}
	e.stats.frames.Add(1)
	return hw.NewFrame(data, q.timestamp(e.cfg.clock), r.seq.next(q.dq.sequence), flags, r, i, token), true, nil
}

// takeEvent dequeues an event of either node.
func (e *EncodedCamera) takeEvent(fd int, path string) error {
	e.ev = event{}
	if err := e.cfg.sys.Ioctl(fd, vidiocDqevent, unsafe.Pointer(&e.ev)); err != nil {
		if isErrno(err, syscall.ENOENT) || isErrno(err, syscall.EAGAIN) {
			return nil
		}
		return ioctlError(path, vidiocDqevent, err)
	}
	if fd == e.camFd && e.ev.typ == eventSourceChange {
		return wrap(path, ErrSourceChanged)
	}
	return nil
}

// drainTimeout bounds how long Stop waits for the encoder's last buffer.
const drainTimeout = 500 * time.Millisecond

// Stop stops the camera, drains the encoder (V4L2_ENC_CMD_STOP, then
// CAPTURE buffers until V4L2_BUF_FLAG_LAST, EPIPE or the EOS event) and
// stops both encoder queues. Coded frames drained are discarded; frames
// the caller holds stay readable until Close.
func (e *EncodedCamera) Stop() error {
	e.mu.Lock()
	switch {
	case e.closed:
		e.mu.Unlock()
		return wrap(e.id, hw.ErrClosed)
	case !e.streaming:
		e.mu.Unlock()
		return nil
	}
	e.streaming = false
	r := e.run
	e.mu.Unlock()
	e.w.Wake()
	e.io.Lock()
	defer e.io.Unlock()
	errs := []error{r.camQ.streamOff()}
	errs = append(errs, e.drain(r))
	errs = append(errs, r.inQ.streamOff(), r.outQ.streamOff())
	e.w.Clear()
	e.w.Unwatch()
	return errors.Join(errs...)
}

// drain runs the stateful encoder's drain sequence.
func (e *EncodedCamera) drain(r *encRun) error {
	cmd := encoderCmd{cmd: encCmdStop}
	if err := e.cfg.sys.Ioctl(e.encFd, vidiocEncoderCmd, unsafe.Pointer(&cmd)); err != nil {
		if isErrno(err, syscall.ENOTTY) || isErrno(err, syscall.EINVAL) {
			return nil // no drain support: STREAMOFF aborts instead
		}
		return ioctlError(e.encPath, vidiocEncoderCmd, err)
	}
	deadline := e.cfg.clock.Now() + drainTimeout
	for range r.outQ.count() + 4 {
		left := deadline - e.cfg.clock.Now()
		if left <= 0 {
			break
		}
		e.pfd[0] = PollFd{Fd: int32(e.encFd), Events: ioctl.PollIn | ioctl.PollPri}
		n, err := e.cfg.sys.Poll(e.pfd[:1], left)
		if err != nil && !isErrno(err, syscall.EINTR) {
			return wrap(e.encPath, fmt.Errorf("drain: poll: %w", err))
		}
		if n == 0 {
			break
		}
		if e.pfd[0].Revents&ioctl.PollPri != 0 {
			e.ev = event{}
			if err := e.cfg.sys.Ioctl(e.encFd, vidiocDqevent, unsafe.Pointer(&e.ev)); err == nil && e.ev.typ == eventEOS {
				return nil
			}
		}
		if e.pfd[0].Revents&ioctl.PollIn == 0 {
			continue
		}
		_, err = r.outQ.dequeue()
		switch {
		case isErrno(err, syscall.EPIPE):
			return nil
		case isErrno(err, syscall.EAGAIN):
		case err != nil:
			return ioctlError(e.encPath, vidiocDqbuf, err)
		case r.outQ.dq.flags&bufFlagLast != 0:
			return nil
		}
	}
	e.cfg.log.Warn("v4l2: encoder did not finish draining", "source", e.id)
	return nil
}

// Close stops everything without draining, frees the buffers and closes
// both devices.
func (e *EncodedCamera) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	streaming := e.streaming
	e.streaming = false
	r := e.run
	e.run = nil
	e.mu.Unlock()
	e.w.Wake()
	e.io.Lock()
	defer e.io.Unlock()
	var errs []error
	if r != nil {
		if streaming {
			errs = append(errs, r.camQ.streamOff(), r.inQ.streamOff(), r.outQ.streamOff())
		}
		errs = append(errs, r.freeAll())
	}
	errs = append(errs, e.w.Close())
	if err := e.cfg.sys.Close(e.encFd); err != nil {
		errs = append(errs, wrap(e.encPath, err))
	}
	if err := e.cfg.sys.Close(e.camFd); err != nil {
		errs = append(errs, wrap(e.camPath, err))
	}
	if e.onClose != nil {
		e.onClose()
	}
	return errors.Join(errs...)
}
