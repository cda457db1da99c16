package v4l2

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
	"github.com/cluecam/cluecam/hw"
)

// A scripted stateful encoder: /dev/video11 on fd 11, multi-planar M2M
// (like bcm2835-codec), H.264 out, YU12 and YUYV in.
const (
	encFd   = 11
	encPath = "/dev/video11"
	codedSz = 8192
)

var modeEnc30 = hw.VideoMode{Format: hw.FormatH264, Width: 640, Height: 480, FrameRate: hw.Rational{Num: 30, Den: 1}}

func encProbeSteps() []ioctltest.Step {
	s := []ioctltest.Step{ioctltest.Call(encFd, vidiocQuerycap, capability{}, capOut("bcm2835-codec", "bcm2835-codec-encode", capVideoM2MMPlane|capStreaming))}
	s = append(s, enumFmtSteps(encFd, bufTypeVideoCaptureMPlane, fmtOut(0, bufTypeVideoCaptureMPlane, hw.FormatH264, true))...)
	s = append(s, enumFmtSteps(encFd, bufTypeVideoOutputMPlane,
		fmtOut(0, bufTypeVideoOutputMPlane, hw.FormatYUV420, false), fmtOut(1, bufTypeVideoOutputMPlane, hw.FormatYUYV, false))...)
	s = append(s,
		ioctltest.Call(encFd, vidiocEnumFramesizes, frmsizeenum{pixelFormat: uint32(hw.FormatH264)},
			frmsizeenum{pixelFormat: uint32(hw.FormatH264), typ: frmTypeStepwise, u: [6]uint32{32, 1920, 2, 32, 1920, 2}}),
		queryCtrlStep(encFd, CIDForceKeyFrame, true), queryCtrlStep(encFd, CIDBitrate, true))
	return s
}

// encOpenSteps scripts OpenEncodedCamera of the scripted camera and encoder.
func encOpenSteps(c camSpec) []ioctltest.Step {
	s := []ioctltest.Step{ioctltest.OpenStep(c.path, c.fd)}
	s = append(s, c.probeSteps()...)
	s = append(s, ioctltest.OpenStep(encPath, encFd))
	s = append(s, encProbeSteps()...)
	s = append(s, queryCtrlStep(encFd, CIDBitrate, true), queryCtrlStep(encFd, CIDForceKeyFrame, true), getCtrlStep(encFd, CIDBitrate, 10000000),
		ioctltest.Fail(c.fd, vidiocSubscribeEvent, eventSubscription{typ: eventSourceChange}, syscall.EINVAL),
		ioctltest.Call(encFd, vidiocSubscribeEvent, eventSubscription{typ: eventEOS}, eventSubscription{typ: eventEOS}))
	return s
}

func mpFormat(typ uint32, pix hw.PixelFormat, w, h int, bpl, size uint32) format {
	f := format{typ: typ}
	p := f.pixMP()
	p.width, p.height, p.pixelformat, p.field, p.numPlanes = uint32(w), uint32(h), uint32(pix), fieldNone, 1
	p.planeFmt[0] = planePixFormat{bytesperline: bpl, sizeimage: size}
	return f
}

// planes returns the plane array an mplane buffer argument points to.
func planesOf(arg unsafe.Pointer) *[maxPlanes]plane {
	b := (*buffer)(arg)
	return (*[maxPlanes]plane)(*(*unsafe.Pointer)(unsafe.Pointer(&b.m)))
}

// mpBuf scripts an ioctl on a multi-planar buffer; check and fill see and
// set plane 0.
func mpBuf(t *testing.T, req uint32, in, out buffer, check func(p *plane), fill *plane) ioctltest.Step {
	in.length, out.length = 1, 1
	s := ioctltest.Call(encFd, req, in, out).Ignore(unsafe.Offsetof(in.m), ptrSize)
	return s.Then(func(arg unsafe.Pointer) {
		p := planesOf(arg)
		if check != nil {
			check(&p[0])
		}
		if fill != nil {
			p[0] = *fill
		}
	})
}

type encScript struct {
	t       *testing.T
	c       camSpec
	n       int // buffers per queue
	copy    bool
	coded   [][]byte
	camMem  [][]byte // copy mode
	inMem   [][]byte // copy mode
	dmabufs []int
}

func (e *encScript) setupFormatSteps() []ioctltest.Step {
	c := e.c
	return []ioctltest.Step{
		ioctltest.Call(encFd, vidiocSFmt, mpFormat(bufTypeVideoCaptureMPlane, hw.FormatH264, 640, 480, 0, 0), mpFormat(bufTypeVideoCaptureMPlane, hw.FormatH264, 640, 480, 0, codedSz)),
		ioctltest.Call(c.fd, vidiocSFmt, c.fmtIn(modeYUYV30), c.fmtOut(modeYUYV30)),
		ioctltest.Call(c.fd, vidiocGParm, streamparm{typ: c.capType()}, parmWith(c.capType(), capTimePerFrame, fract{1, 25})),
		ioctltest.Call(c.fd, vidiocSParm, parmWith(c.capType(), capTimePerFrame, fract{1, 30}), parmWith(c.capType(), capTimePerFrame, fract{1, 30})),
		ioctltest.Call(encFd, vidiocSFmt, mpFormat(bufTypeVideoOutputMPlane, hw.FormatYUYV, 640, 480, 1280, uint32(c.bufSize)),
			mpFormat(bufTypeVideoOutputMPlane, hw.FormatYUYV, 640, 480, 1280, uint32(c.bufSize))),
	}
}

func (e *encScript) controlSteps() []ioctltest.Step {
	t := e.t
	return []ioctltest.Step{
		ioctltest.Call(encFd, vidiocGParm, streamparm{typ: bufTypeVideoOutputMPlane}, parmWith(bufTypeVideoOutputMPlane, capTimePerFrame, fract{1, 30})),
		ioctltest.Call(encFd, vidiocSParm, parmWith(bufTypeVideoOutputMPlane, capTimePerFrame, fract{1, 30}), parmWith(bufTypeVideoOutputMPlane, capTimePerFrame, fract{1, 30})),
		queryCtrlStep(encFd, CIDBitrate, true),
		ioctltest.Call(encFd, vidiocQueryExtCtrl, queryExtCtrl{id: CIDH264IPeriod}, ctrlDesc(CIDH264IPeriod, ctrlTypeInteger, "H264 I-Frame Period", 0, 2147483647, 1, 60)),
		ioctltest.Fail(encFd, vidiocQueryExtCtrl, queryExtCtrl{id: CIDGOPSize}, syscall.EINVAL),
		ioctltest.Call(encFd, vidiocQueryExtCtrl, queryExtCtrl{id: CIDRepeatSeqHeader}, ctrlDesc(CIDRepeatSeqHeader, ctrlTypeBoolean, "Repeat Sequence Header", 0, 1, 1, 0)),
		setCtrlStep(t, encFd, CIDBitrate, 900000, nil), // 640·480·30/10 on the 25 kbit/s grid
		setCtrlStep(t, encFd, CIDH264IPeriod, 60, nil),
		setCtrlStep(t, encFd, CIDRepeatSeqHeader, 1, nil),
	}
}

func reqbufs(fd int, typ, mem uint32, ask, got int) ioctltest.Step {
	return ioctltest.Call(fd, vidiocReqbufs, requestbuffers{count: uint32(ask), typ: typ, memory: mem}, requestbuffers{count: uint32(got), typ: typ, memory: mem})
}

// startSteps scripts the whole Start; expbufErr makes the first EXPBUF fail
// (and ends the script there, followed by the cleanup).
func (e *encScript) startSteps(expbufErr error) []ioctltest.Step {
	c := e.c
	s := append(e.setupFormatSteps(), e.controlSteps()...)
	s = append(s, reqbufs(c.fd, c.capType(), memoryMMAP, 4, e.n))
	if e.copy {
		e.camMem = make([][]byte, e.n)
		for i := range e.n {
			e.camMem[i] = make([]byte, c.bufSize)
			s = append(s, c.querybufStep(i, uint32(i*0x10000)), ioctltest.MmapStep(c.fd, int64(i*0x10000), e.camMem[i]))
		}
		s = append(s, reqbufs(encFd, bufTypeVideoOutputMPlane, memoryMMAP, e.n, e.n))
		e.inMem = make([][]byte, e.n)
		for i := range e.n {
			e.inMem[i] = make([]byte, c.bufSize)
			off := 0x40000000 + uint32(i)*0x10000
			s = append(s, mpBuf(e.t, vidiocQuerybuf, buffer{index: uint32(i), typ: bufTypeVideoOutputMPlane, memory: memoryMMAP},
				buffer{index: uint32(i), typ: bufTypeVideoOutputMPlane, memory: memoryMMAP}, nil, &plane{length: uint32(c.bufSize), m: uintptr(off)}),
				ioctltest.MmapStep(encFd, int64(off), e.inMem[i]))
		}
	} else {
		e.dmabufs = nil
		for i := range e.n {
			s = append(s, c.querybufStep(i, uint32(i*0x10000)))
			in := exportbuffer{typ: c.capType(), index: uint32(i), flags: syscall.O_CLOEXEC | syscall.O_RDWR}
			if expbufErr != nil {
				s = append(s, ioctltest.Fail(c.fd, vidiocExpbuf, in, expbufErr))
				return append(s, reqbufs(c.fd, c.capType(), memoryMMAP, 0, 0))
			}
			out := in
			out.fd = int32(50 + i)
			e.dmabufs = append(e.dmabufs, 50+i)
			s = append(s, ioctltest.Call(c.fd, vidiocExpbuf, in, out))
		}
		s = append(s, reqbufs(encFd, bufTypeVideoOutputMPlane, memoryDMABUF, e.n, e.n))
	}
	s = append(s, reqbufs(encFd, bufTypeVideoCaptureMPlane, memoryMMAP, 4, e.n))
	e.coded = make([][]byte, e.n)
	for i := range e.n {
		e.coded[i] = make([]byte, codedSz)
		off := 0x80000000 + uint32(i)*0x10000
		s = append(s, mpBuf(e.t, vidiocQuerybuf, buffer{index: uint32(i), typ: bufTypeVideoCaptureMPlane, memory: memoryMMAP},
			buffer{index: uint32(i), typ: bufTypeVideoCaptureMPlane, memory: memoryMMAP}, nil, &plane{length: codedSz, m: uintptr(off)}),
			ioctltest.MmapStep(encFd, int64(off), e.coded[i]))
	}
	for i := range e.n {
		s = append(s, e.codedQbuf(i))
	}
	for i := range e.n {
		s = append(s, c.qbufStep(i))
	}
	on := func(fd int, typ uint32) ioctltest.Step {
		t := int32(typ)
		return ioctltest.Call(fd, vidiocStreamon, t, t)
	}
	return append(s, on(encFd, bufTypeVideoOutputMPlane), on(encFd, bufTypeVideoCaptureMPlane), on(c.fd, c.capType()))
}

func (e *encScript) codedQbuf(i int) ioctltest.Step {
	b := buffer{index: uint32(i), typ: bufTypeVideoCaptureMPlane, memory: memoryMMAP, field: fieldAny}
	return mpBuf(e.t, vidiocQbuf, b, b, func(p *plane) {
		if *p != (plane{}) {
			e.t.Errorf("coded QBUF plane %+v, want zero", *p)
		}
	}, nil)
}

// rawQbuf scripts the encoder OUTPUT QBUF of camera buffer i.
func (e *encScript) rawQbuf(i int, used uint32, ts time.Duration) ioctltest.Step {
	mem := uint32(memoryDMABUF)
	if e.copy {
		mem = memoryMMAP
	}
	b := buffer{index: uint32(i), typ: bufTypeVideoOutputMPlane, memory: mem, field: fieldNone,
		timestamp: timeval{sec: int(ts / time.Second), usec: int(ts % time.Second / time.Microsecond)}}
	return mpBuf(e.t, vidiocQbuf, b, b, func(p *plane) {
		want := plane{bytesused: used}
		if !e.copy {
			want.m, want.length = uintptr(50+i), uint32(e.c.bufSize)
		}
		if *p != want {
			e.t.Errorf("OUTPUT QBUF plane %+v, want %+v", *p, want)
		}
	}, nil)
}

func (e *encScript) rawDqbuf(i int) ioctltest.Step {
	mem := uint32(memoryDMABUF)
	if e.copy {
		mem = memoryMMAP
	}
	return mpBuf(e.t, vidiocDqbuf, buffer{typ: bufTypeVideoOutputMPlane, memory: mem},
		buffer{index: uint32(i), typ: bufTypeVideoOutputMPlane, memory: mem}, nil, &plane{})
}

func (e *encScript) codedDqbuf(i int, used uint32, flags uint32, seq uint32, ts time.Duration) ioctltest.Step {
	return mpBuf(e.t, vidiocDqbuf, buffer{typ: bufTypeVideoCaptureMPlane, memory: memoryMMAP},
		buffer{index: uint32(i), typ: bufTypeVideoCaptureMPlane, memory: memoryMMAP, flags: flags | bufFlagTimestampCopy, sequence: seq,
			timestamp: timeval{sec: int(ts / time.Second), usec: int(ts % time.Second / time.Microsecond)}},
		nil, &plane{bytesused: used, length: codedSz})
}

func (e *encScript) codedDqbufFail(err error) ioctltest.Step {
	in := buffer{typ: bufTypeVideoCaptureMPlane, memory: memoryMMAP, length: 1}
	return ioctltest.Fail(encFd, vidiocDqbuf, in, err).Ignore(unsafe.Offsetof(in.m), ptrSize)
}

func (e *encScript) poll(cam, enc int16) ioctltest.Step {
	return ioctltest.PollFds(
		PollFd{Fd: int32(e.c.fd), Events: ioctl.PollIn | ioctl.PollPri, Revents: cam},
		PollFd{Fd: encFd, Events: ioctl.PollIn | ioctl.PollOut | ioctl.PollPri, Revents: enc},
	)
}

func streamoff(fd int, typ uint32) ioctltest.Step {
	t := int32(typ)
	return ioctltest.Call(fd, vidiocStreamoff, t, t)
}

func (e *encScript) stopSteps(drain []ioctltest.Step) []ioctltest.Step {
	s := []ioctltest.Step{streamoff(e.c.fd, e.c.capType())}
	s = append(s, drain...)
	return append(s, streamoff(encFd, bufTypeVideoOutputMPlane), streamoff(encFd, bufTypeVideoCaptureMPlane))
}

func (e *encScript) freeSteps() []ioctltest.Step {
	c := e.c
	mem := uint32(memoryDMABUF)
	if e.copy {
		mem = memoryMMAP
	}
	var s []ioctltest.Step
	for _, m := range e.inMem {
		s = append(s, ioctltest.MunmapStep(m))
	}
	s = append(s, reqbufs(encFd, bufTypeVideoOutputMPlane, mem, 0, 0))
	for _, m := range e.camMem {
		s = append(s, ioctltest.MunmapStep(m))
	}
	for _, fd := range e.dmabufs {
		s = append(s, ioctltest.CloseStep(fd))
	}
	s = append(s, reqbufs(c.fd, c.capType(), memoryMMAP, 0, 0))
	for _, m := range e.coded {
		s = append(s, ioctltest.MunmapStep(m))
	}
	return append(s, reqbufs(encFd, bufTypeVideoCaptureMPlane, memoryMMAP, 0, 0))
}

func (e *encScript) closeSteps(streaming bool) []ioctltest.Step {
	var s []ioctltest.Step
	if streaming {
		s = append(s, streamoff(e.c.fd, e.c.capType()), streamoff(encFd, bufTypeVideoOutputMPlane), streamoff(encFd, bufTypeVideoCaptureMPlane))
	}
	s = append(s, e.freeSteps()...)
	return append(s, ioctltest.CloseStep(encFd), ioctltest.CloseStep(e.c.fd))
}

func TestEncodedCameraDMABUF(t *testing.T) {
	c := defaultCam()
	e := &encScript{t: t, c: c, n: 2}
	f := newFake(t, encOpenSteps(c)...)
	ec, err := OpenEncodedCamera(c.path, encPath, &Options{Sys: f})
	if err != nil {
		t.Fatal(err)
	}
	info := ec.Info()
	if info.ID != "/dev/video0+/dev/video11" || info.Caps != hw.CapKeyframe|hw.CapBitrate || len(info.Modes) != 2 || !info.Modes[0].Equal(modeEnc30) {
		t.Fatalf("Info = %+v", info)
	}
	f.Add(e.startSteps(nil)...)
	if err := ec.Start(modeEnc30); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if ec.Copying() {
		t.Error("Copying() on the DMABUF path")
	}
	idr := []byte{0, 0, 0, 1, 0x67, 0x42, 0, 0x1f, 0, 0, 0, 1, 0x68, 0xce, 0, 0, 0, 1, 0x65, 0x88}
	copy(e.coded[1], idr)
	ts := 7*time.Second + 500*time.Microsecond
	f.Add(
		// The camera has a frame: it goes to the encoder by DMABUF fd.
		e.poll(ioctl.PollIn, 0), c.dqbufStep(0, uint32(c.bufSize), bufFlagTimestampMonotonic, 0, ts), e.rawQbuf(0, uint32(c.bufSize), ts),
		// The encoder is done with it (back to the camera) and has coded it.
		e.poll(0, ioctl.PollIn|ioctl.PollOut), e.rawDqbuf(0), c.qbufStep(0), e.codedDqbuf(1, uint32(len(idr)), bufFlagKeyframe, 0, ts),
	)
	fr, err := ec.ReadFrame(context.Background())
	if err != nil {
		t.Fatalf("ReadFrame: %v", err)
	}
	if string(fr.Data) != string(idr) || &fr.Data[0] != &e.coded[1][0] || fr.Timestamp != ts || !fr.Keyframe() || fr.Sequence != 0 {
		t.Errorf("frame %x ts %v key %v seq %d", fr.Data, fr.Timestamp, fr.Keyframe(), fr.Sequence)
	}
	// EAGAIN on the coded queue, a camera buffer in error (straight back to
	// the camera, never encoded), then a P frame.
	f.Add(
		e.poll(0, ioctl.PollIn), e.codedDqbufFail(syscall.EAGAIN),
		e.poll(ioctl.PollIn, 0), c.dqbufStep(1, 100, bufFlagTimestampMonotonic|bufFlagError, 1, ts), c.qbufStep(1),
		e.poll(0, ioctl.PollIn), e.codedDqbuf(0, 7, bufFlagPFrame, 1, ts+time.Second/30),
	)
	fr2, err := ec.ReadFrame(context.Background())
	if err != nil || fr2.Keyframe() || fr2.Sequence != 1 {
		t.Fatalf("ReadFrame 2: key %v seq %d err %v", fr2.Keyframe(), fr2.Sequence, err)
	}
	f.Add(e.codedQbuf(1))
	fr.Release()
	// Control requests reach the encoder.
	src := ec.Source()
	f.Add(setCtrlStep(t, encFd, CIDForceKeyFrame, 1, nil), setCtrlStep(t, encFd, CIDBitrate, 500000, nil))
	if err := src.(hw.KeyframeRequester).RequestKeyframe(); err != nil {
		t.Error(err)
	}
	if err := src.(hw.BitrateController).SetTargetBitrate(500000); err != nil {
		t.Error(err)
	}
	// Stop drains: ENCODER_CMD stop, coded buffers until LAST.
	f.Add(e.stopSteps([]ioctltest.Step{
		ioctltest.Call(encFd, vidiocEncoderCmd, encoderCmd{cmd: encCmdStop}, encoderCmd{cmd: encCmdStop}),
		ioctltest.PollStep(encFd, ioctl.PollIn|ioctl.PollPri, ioctl.PollIn), e.codedDqbuf(1, 0, bufFlagLast, 2, 0),
	})...)
	if err := ec.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if string(fr2.Data) != "\x00\x00\x00\x01\x41\x9a\x00"[:0]+string(e.coded[0][:7]) {
		t.Error("held frame changed after Stop")
	}
	fr2.Release() // after Stop: no QBUF
	f.Add(e.closeSteps(false)...)
	if err := ec.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestEncodedCameraDrainVariants(t *testing.T) {
	for _, tc := range []struct {
		name  string
		drain func(e *encScript) []ioctltest.Step
	}{
		{"EPIPE", func(e *encScript) []ioctltest.Step {
			return []ioctltest.Step{ioctltest.Call(encFd, vidiocEncoderCmd, encoderCmd{cmd: encCmdStop}, encoderCmd{cmd: encCmdStop}),
				ioctltest.PollStep(encFd, ioctl.PollIn|ioctl.PollPri, ioctl.PollIn), e.codedDqbufFail(syscall.EPIPE)}
		}},
		{"EOS event", func(e *encScript) []ioctltest.Step {
			return []ioctltest.Step{ioctltest.Call(encFd, vidiocEncoderCmd, encoderCmd{cmd: encCmdStop}, encoderCmd{cmd: encCmdStop}),
				ioctltest.PollStep(encFd, ioctl.PollIn|ioctl.PollPri, ioctl.PollPri), ioctltest.Call(encFd, vidiocDqevent, event{}, event{typ: eventEOS})}
		}},
		{"no ENCODER_CMD", func(e *encScript) []ioctltest.Step {
			return []ioctltest.Step{ioctltest.Fail(encFd, vidiocEncoderCmd, encoderCmd{cmd: encCmdStop}, syscall.ENOTTY)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, e, f, ec := startedEncodedCamera(t)
			f.Add(e.stopSteps(tc.drain(e))...)
			if err := ec.Stop(); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			f.Add(e.closeSteps(false)...)
			ec.Close()
		})
	}
}

func TestEncodedCameraNoDMABUF(t *testing.T) {
	c := defaultCam()
	e := &encScript{t: t, c: c, n: 2}
	f := newFake(t, encOpenSteps(c)...)
	ec, err := OpenEncodedCamera(c.path, encPath, &Options{Sys: f})
	if err != nil {
		t.Fatal(err)
	}
	// EXPBUF refused and copying not allowed: Start fails, nothing leaks.
	f.Add(e.startSteps(syscall.ENOTTY)...)
	if err := ec.Start(modeEnc30); !errors.Is(err, syscall.ENOTTY) || !errors.Is(err, errNoDMABUF) {
		t.Errorf("Start without DMABUF: %v", err)
	}
	f.Add(ioctltest.CloseStep(encFd), ioctltest.CloseStep(c.fd))
	ec.Close()
}

func TestEncodedCameraCopyFallback(t *testing.T) {
	c := defaultCam()
	e := &encScript{t: t, c: c, n: 2}
	f := newFake(t, encOpenSteps(c)...)
	ec, err := OpenEncodedCamera(c.path, encPath, &Options{Sys: f, Encoder: EncoderOptions{AllowCopy: true}})
	if err != nil {
		t.Fatal(err)
	}
	f.Add(e.startSteps(syscall.ENOTTY)...)
	e.copy = true
	f.Add(e.startSteps(nil)...)
	if err := ec.Start(modeEnc30); err != nil {
		t.Fatalf("Start with AllowCopy: %v", err)
	}
	if !ec.Copying() {
		t.Error("Copying() false after the fallback")
	}
	copy(e.camMem[1], "raw picture")
	ts := time.Second
	f.Add(
		// The raw frame is copied into the encoder's last free buffer (1)
		// and the camera buffer goes straight back.
		e.poll(ioctl.PollIn, 0), c.dqbufStep(1, 11, bufFlagTimestampMonotonic, 0, ts), c.qbufStep(1), e.rawQbuf(1, 11, ts),
		e.poll(0, ioctl.PollIn|ioctl.PollOut), e.rawDqbuf(1), e.codedDqbuf(0, 5, bufFlagKeyframe, 0, ts),
	)
	fr, err := ec.ReadFrame(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if string(e.inMem[1][:11]) != "raw picture" {
		t.Errorf("encoder input %q", e.inMem[1][:11])
	}
	f.Add(e.codedQbuf(0))
	fr.Release()
	f.Add(e.closeSteps(true)...)
	ec.Close()
}

func TestEncodedCameraFormatErrors(t *testing.T) {
	c := defaultCam()
	e := &encScript{t: t, c: c, n: 2}
	f := newFake(t, encOpenSteps(c)...)
	ec, err := OpenEncodedCamera(c.path, encPath, &Options{Sys: f})
	if err != nil {
		t.Fatal(err)
	}
	// The encoder refuses the raw format.
	s := e.setupFormatSteps()
	last := s[len(s)-1]
	last.Out, last.Err = nil, syscall.EINVAL
	s[len(s)-1] = last
	f.Add(s...)
	if err := ec.Start(modeEnc30); !errors.Is(err, hw.ErrUnsupportedMode) {
		t.Errorf("Start with OUTPUT S_FMT EINVAL: %v", err)
	}
	// The encoder wants a wider stride than the camera delivers.
	s = e.setupFormatSteps()
	s[len(s)-1].Out = ioctltest.Bytes(ptr(mpFormat(bufTypeVideoOutputMPlane, hw.FormatYUYV, 640, 480, 1536, uint32(c.bufSize))))
	f.Add(s...)
	if err := ec.Start(modeEnc30); !errors.Is(err, ErrLayout) {
		t.Errorf("Start with mismatched layouts: %v", err)
	}
	// The encoder does not do H.264 after all.
	f.Add(ioctltest.Call(encFd, vidiocSFmt, mpFormat(bufTypeVideoCaptureMPlane, hw.FormatH264, 640, 480, 0, 0), mpFormat(bufTypeVideoCaptureMPlane, formatFWHT, 640, 480, 0, 0)))
	if err := ec.Start(modeEnc30); !errors.Is(err, hw.ErrUnsupportedMode) {
		t.Errorf("Start with the coded format changed: %v", err)
	}
	f.Add(ioctltest.CloseStep(encFd), ioctltest.CloseStep(c.fd))
	ec.Close()
}

func TestEncodedCameraStopInterruptsRead(t *testing.T) {
	_, e, f, ec := startedEncodedCamera(t)
	blk := e.poll(0, 0)
	blk.Block = true
	f.Add(blk)
	done := make(chan error)
	go func() {
		_, err := ec.ReadFrame(context.Background())
		done <- err
	}()
	f.WaitPos(f.Len())
	f.Add(e.closeSteps(true)...)
	ec.Close()
	if err := <-done; !errors.Is(err, hw.ErrClosed) {
		t.Errorf("blocked ReadFrame returned %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// startedEncodedCamera opens the scripted camera+encoder pair and starts
// it in modeEnc30 (two buffers a side), returning what the test scripts
// next with.
func startedEncodedCamera(t *testing.T) (camSpec, *encScript, *ioctltest.Fake, *EncodedCamera) {
	t.Helper()
	c := defaultCam()
	e := &encScript{t: t, c: c, n: 2}
	f := newFake(t, encOpenSteps(c)...)
	ec, err := OpenEncodedCamera(c.path, encPath, &Options{Sys: f})
	if err != nil {
		t.Fatal(err)
	}
	f.Add(e.startSteps(nil)...)
	if err := ec.Start(modeEnc30); err != nil {
		t.Fatal(err)
	}
	return c, e, f, ec
}

// TestEncodedCameraGone: the camera behind the encoder unplugged. Its
// node polls POLLERR|POLLHUP and VIDIOC_QUERYCAP fails with ENODEV, so the
// read ends with hw.ErrGone naming the camera; a live encoder reporting
// POLLERR (nothing queued) is EIO, not gone.
func TestEncodedCameraGone(t *testing.T) {
	c, e, f, ec := startedEncodedCamera(t)
	f.Add(e.poll(0, ioctl.PollErr), ioctltest.Call(encFd, vidiocQuerycap, capability{}, capability{}))
	if _, err := ec.ReadFrame(context.Background()); !errors.Is(err, syscall.EIO) || errors.Is(err, hw.ErrGone) {
		t.Errorf("encoder POLLERR: %v, want EIO", err)
	}
	f.Add(e.poll(ioctl.PollErr|ioctl.PollHup, 0), ioctltest.Fail(c.fd, vidiocQuerycap, capability{}, syscall.ENODEV))
	_, err := ec.ReadFrame(context.Background())
	if !errors.Is(err, hw.ErrGone) || !strings.Contains(err.Error(), c.path) {
		t.Errorf("camera gone: %v, want hw.ErrGone for %s", err, c.path)
	}
	f.Add(e.closeSteps(true)...)
	if err := ec.Close(); err != nil {
		t.Error(err)
	}
}
