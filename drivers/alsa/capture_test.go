package alsa

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

// A scripted capture PCM: hw:0,0 (snd-aloop's) on fd 20.
const (
	pcmFd   = 20
	pcmPath = "/dev/snd/pcmC0D0c"
)

var (
	stereo48 = hw.AudioFormat{Rate: 48000, Channels: 2, Encoding: hw.S16LE}
	mono16   = hw.AudioFormat{Rate: 16000, Channels: 1, Encoding: hw.S16LE}
	testOpts = func(f Sys, clock hw.Clock) *Options {
		return &Options{Sys: f, Clock: clock, Rates: []int{16000, 48000}, Channels: []int{1, 2}}
	}
)

type none struct{}

// newFake returns the record/playback fake of the Sys seam (ioctltest)
// playing steps, naming requests the ALSA way.
func newFake(tb testing.TB, steps ...ioctltest.Step) *ioctltest.Fake {
	tb.Helper()
	return ioctltest.New(tb, IoctlName, steps...)
}

func basic() hwParams {
	var p hwParams
	basicParams(&p)
	return p
}

func refined(p hwParams) hwParams {
	p.cmask = p.rmask
	p.rmask = 0
	return p
}

func withRateCh(r, ch uint32) hwParams {
	p := basic()
	p.setInt(paramRate, r)
	p.setInt(paramChannels, ch)
	return p
}

// probeSteps scripts PVERSION, INFO and the format probe of a PCM taking
// 8–192 kHz and 1–32 channels, except 16 kHz stereo.
func probeSteps(fd int, name string) []ioctltest.Step {
	var info pcmInfo
	info.stream = streamCapture
	out := info
	copy(out.id[:], "Loopback PCM")
	copy(out.name[:], name)
	any := basic()
	anyOut := refined(any)
	anyOut.intervals[paramRate-firstInterval] = interval{min: 8000, max: 192000}
	anyOut.intervals[paramChannels-firstInterval] = interval{min: 1, max: 32, flags: intervalInteger}
	s := []ioctltest.Step{
		ioctltest.Call(fd, ioctlPVersion, int32(0), int32(protocolVersion)),
		ioctltest.Call(fd, ioctlInfo, info, out),
		ioctltest.Call(fd, ioctlHwRefine, any, anyOut),
	}
	for _, r := range []uint32{16000, 48000} {
		for _, ch := range []uint32{1, 2} {
			p := withRateCh(r, ch)
			if r == 16000 && ch == 2 {
				s = append(s, ioctltest.Fail(fd, ioctlHwRefine, p, syscall.EINVAL))
				continue
			}
			s = append(s, ioctltest.Call(fd, ioctlHwRefine, p, refined(p)))
		}
	}
	return s
}

func openSteps() []ioctltest.Step {
	return append([]ioctltest.Step{ioctltest.OpenStep(pcmPath, pcmFd)}, probeSteps(pcmFd, "Loopback PCM")...)
}

// hwParamsIn is what Start asks for.
func hwParamsIn(f hw.AudioFormat, period, periods uint32) hwParams {
	p := withRateCh(uint32(f.Rate), uint32(f.Channels))
	p.setInt(paramPeriodSize, period)
	p.setInt(paramPeriods, periods)
	return p
}

// hwParamsOut is the device's answer: everything fixed.
func hwParamsOut(in hwParams, buffer uint32) hwParams {
	p := refined(in)
	p.intervals[paramBufferSize-firstInterval] = interval{min: buffer, max: buffer, flags: intervalInteger}
	p.rateNum, p.rateDen = p.get(paramRate).min, 1
	return p
}

func swIn(period, buffer uint) swParams {
	return swParams{periodStep: 1, availMin: period, xferAlign: 1, startThreshold: buffer, stopThreshold: buffer,
		proto: protocolVersion, tstampType: tstampTypeMonotonic}
}

func startSteps(f hw.AudioFormat, period uint32) []ioctltest.Step {
	in := hwParamsIn(f, period, 4)
	sw := swIn(uint(period), uint(period*4))
	swOut := sw
	swOut.boundary = uint(period*4) << 20
	return []ioctltest.Step{
		ioctltest.Call(pcmFd, ioctlHwParams, in, hwParamsOut(in, period*4)),
		ioctltest.Call(pcmFd, ioctlSwParams, sw, swOut),
		ioctltest.Call(pcmFd, ioctlPrepare, none{}, none{}),
		ioctltest.Call(pcmFd, ioctlStart, none{}, none{}),
	}
}

// readi scripts READI_FRAMES asking for want frames and delivering got,
// sample k of the delivery being base+k.
func readi(t *testing.T, ch int, want, got int, base int16) ioctltest.Step {
	return ioctltest.Call(pcmFd, ioctlReadiFrames, xferi{frames: uint(want)}, xferi{result: got, frames: uint(want)}).Then(func(arg unsafe.Pointer) {
		x := (*xferi)(arg)
		s := unsafe.Slice((*int16)(x.buf), got*ch)
		for k := range s {
			s[k] = base + int16(k)
		}
	})
}

func readiFail(want int, err error) ioctltest.Step {
	return ioctltest.Fail(pcmFd, ioctlReadiFrames, xferi{frames: uint(want)}, err)
}

func delayStep(d int) ioctltest.Step { return ioctltest.Call(pcmFd, ioctlDelay, int(0), d) }

func simple(req uint32) ioctltest.Step { return ioctltest.Call(pcmFd, req, none{}, none{}) }

func pollReady() ioctltest.Step  { return ioctltest.PollStep(pcmFd, ioctl.PollIn, ioctl.PollIn) }
func pollBlocks() ioctltest.Step { return ioctltest.PollBlock(pcmFd, ioctl.PollIn) }

func closeSteps(streaming bool) []ioctltest.Step {
	var s []ioctltest.Step
	if streaming {
		s = append(s, simple(ioctlDrop))
	}
	return append(s, simple(ioctlHwFree), ioctltest.CloseStep(pcmFd))
}

func startedCapture(t *testing.T, clock hw.Clock, f hw.AudioFormat, period int) (*ioctltest.Fake, *Capture) {
	t.Helper()
	fk := newFake(t, openSteps()...)
	c, err := OpenCapture("hw:0,0", testOpts(fk, clock))
	if err != nil {
		t.Fatal(err)
	}
	fk.Add(startSteps(f, uint32(period))...)
	if err := c.Start(hw.AudioConfig{Format: f, PeriodFrames: period}); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return fk, c
}

func TestCaptureRead(t *testing.T) {
	clock := hwtest.NewClock(10 * time.Second)
	fk := newFake(t, openSteps()...)
	c, err := OpenCapture("hw:0,0", testOpts(fk, clock))
	if err != nil {
		t.Fatal(err)
	}
	info := c.Info()
	if info.ID != "hw:0,0" || info.Kind != hw.KindAudio || info.Name != "Loopback PCM" || len(info.Formats) != 3 {
		t.Fatalf("Info = %+v", info)
	}
	if c.PeriodFrames() != 0 {
		t.Error("PeriodFrames before Start")
	}
	// The default period is 20 ms.
	fk.Add(startSteps(stereo48, 960)...)
	if err := c.Start(hw.AudioConfig{Format: stereo48}); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if c.PeriodFrames() != 960 {
		t.Errorf("PeriodFrames = %d", c.PeriodFrames())
	}
	dst := make([]int16, 960*2)
	// A short read, then the rest; 480 frames (10 ms) still buffered.
	fk.Add(readi(t, 2, 960, 500, 0), readi(t, 2, 460, 460, 1000), delayStep(480))
	p, err := c.ReadPeriod(context.Background(), dst)
	if err != nil {
		t.Fatalf("ReadPeriod: %v", err)
	}
	if p.Frames != 960 || p.Sequence != 0 || p.Flags != 0 {
		t.Errorf("period %+v", p)
	}
	if want := 10*time.Second - 30*time.Millisecond; p.Timestamp != want {
		t.Errorf("Timestamp = %v, want now − (480+960)/48000 s = %v", p.Timestamp, want)
	}
	if dst[999] != 999 || dst[1000] != 1000 || dst[1919] != 1919 {
		t.Errorf("samples not where they belong: %d %d %d", dst[999], dst[1000], dst[1919])
	}
	// Nothing buffered: poll, then a full read.
	fk.Add(readiFail(960, syscall.EAGAIN), pollReady(), readi(t, 2, 960, 960, 7), delayStep(0))
	p, err = c.ReadPeriod(context.Background(), dst)
	if err != nil || p.Sequence != 1 || p.Timestamp != 10*time.Second-20*time.Millisecond {
		t.Fatalf("ReadPeriod 2: %+v %v", p, err)
	}
	if _, err := c.ReadPeriod(context.Background(), dst[:100]); !errors.Is(err, hw.ErrShortBuffer) {
		t.Errorf("short dst: %v", err)
	}
	fk.Add(simple(ioctlDrop))
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadPeriod(context.Background(), dst); !errors.Is(err, hw.ErrNotStreaming) {
		t.Errorf("ReadPeriod after Stop: %v", err)
	}
	// Start again at another format.
	fk.Add(startSteps(mono16, 320)...)
	if err := c.Start(hw.AudioConfig{Format: mono16}); err != nil {
		t.Fatal(err)
	}
	fk.Add(readi(t, 1, 320, 320, 0), delayStep(0))
	if p, err := c.ReadPeriod(context.Background(), dst); err != nil || p.Sequence != 0 {
		t.Errorf("after restart: %+v %v", p, err)
	}
	fk.Add(closeSteps(true)...)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadPeriod(context.Background(), dst); !errors.Is(err, hw.ErrClosed) {
		t.Errorf("ReadPeriod after Close: %v", err)
	}
	if err := c.Start(hw.AudioConfig{Format: mono16}); !errors.Is(err, hw.ErrClosed) {
		t.Errorf("Start after Close: %v", err)
	}
	if s := c.Stats(); s.Periods != 3 {
		t.Errorf("Stats = %+v", s)
	}
}

func TestCaptureOverrun(t *testing.T) {
	clock := hwtest.NewClock(time.Minute)
	fk, c := startedCapture(t, clock, mono16, 320)
	dst := make([]int16, 320)
	// Part of a period, then the overrun: the part is dropped, capture
	// restarted, and the period read afresh is flagged.
	fk.Add(readi(t, 1, 320, 100, 0), readiFail(220, syscall.EPIPE), simple(ioctlPrepare), simple(ioctlStart),
		readi(t, 1, 320, 320, 5), delayStep(0))
	p, err := c.ReadPeriod(context.Background(), dst)
	if err != nil {
		t.Fatal(err)
	}
	if p.Flags != hw.PeriodDiscontinuity || dst[0] != 5 || p.Sequence != 0 {
		t.Errorf("period after overrun %+v, first sample %d", p, dst[0])
	}
	fk.Add(readi(t, 1, 320, 320, 0), delayStep(0))
	if p, _ := c.ReadPeriod(context.Background(), dst); p.Flags != 0 || p.Sequence != 1 {
		t.Errorf("next period %+v", p)
	}
	// A suspend is recovered the same way; a failing PREPARE is an error.
	fk.Add(readiFail(320, errSTRPIPE), simple(ioctlPrepare), ioctltest.Fail(pcmFd, ioctlStart, none{}, syscall.EIO))
	if _, err := c.ReadPeriod(context.Background(), dst); !errors.Is(err, syscall.EIO) {
		t.Errorf("failed recovery: %v", err)
	}
	if s := c.Stats(); s.Overruns != 2 {
		t.Errorf("Stats = %+v", s)
	}
	fk.Add(closeSteps(true)...)
	c.Close()
}

func TestCaptureReadErrors(t *testing.T) {
	fk, c := startedCapture(t, nil, mono16, 320)
	dst := make([]int16, 320)
	fk.Add(readiFail(320, syscall.EIO))
	if _, err := c.ReadPeriod(context.Background(), dst); !errors.Is(err, syscall.EIO) {
		t.Errorf("READI EIO: %v", err)
	}
	fk.Add(readiFail(320, syscall.EAGAIN), ioctltest.PollStep(pcmFd, ioctl.PollIn, 0))
	if _, err := c.ReadPeriod(context.Background(), dst); !errors.Is(err, ErrStalled) {
		t.Errorf("poll timeout: %v", err)
	}
	// A driver claiming more frames than asked for.
	fk.Add(ioctltest.Call(pcmFd, ioctlReadiFrames, xferi{frames: 320}, xferi{result: 321, frames: 320}))
	if _, err := c.ReadPeriod(context.Background(), dst); !errors.Is(err, syscall.EIO) {
		t.Errorf("overlong read: %v", err)
	}
	// The context is honoured while waiting.
	ctx, cancel := context.WithCancel(context.Background())
	fk.Add(readiFail(320, syscall.EAGAIN), pollBlocks())
	done := make(chan error)
	go func() {
		_, err := c.ReadPeriod(ctx, dst)
		done <- err
	}()
	fk.WaitPos(fk.Len())
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ReadPeriod: %v", err)
	}
	fk.Add(closeSteps(true)...)
	c.Close()
}

func TestCaptureStopAndCloseInterruptRead(t *testing.T) {
	for _, closing := range []bool{false, true} {
		fk, c := startedCapture(t, nil, mono16, 320)
		dst := make([]int16, 320)
		fk.Add(readiFail(320, syscall.EAGAIN), pollBlocks())
		done := make(chan error)
		go func() {
			_, err := c.ReadPeriod(context.Background(), dst)
			done <- err
		}()
		fk.WaitPos(fk.Len())
		want := hw.ErrNotStreaming
		if closing {
			want = hw.ErrClosed
			fk.Add(closeSteps(true)...)
			c.Close()
		} else {
			fk.Add(simple(ioctlDrop))
			c.Stop()
		}
		if err := <-done; !errors.Is(err, want) {
			t.Errorf("closing=%v: blocked ReadPeriod returned %v", closing, err)
		}
		if !closing {
			fk.Add(closeSteps(false)...)
			c.Close()
		}
	}
}

func TestCaptureStartErrors(t *testing.T) {
	fk := newFake(t, openSteps()...)
	c, err := OpenCapture("hw:0,0", testOpts(fk, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(hw.AudioConfig{Format: hw.AudioFormat{Rate: 16000, Channels: 2, Encoding: hw.S16LE}}); !errors.Is(err, hw.ErrUnsupportedMode) {
		t.Errorf("Start of an unlisted format: %v", err)
	}
	// The device cannot do a 333-frame period: any period with a buffer of
	// at least 4×333 frames will do.
	in := hwParamsIn(mono16, 333, 4)
	fb := withRateCh(16000, 1)
	fb.setRange(paramBufferSize, 4*333, ^uint32(0))
	out := refined(fb)
	out.intervals[paramBufferSize-firstInterval] = interval{min: 2048, max: 2048, flags: intervalInteger}
	sw := swIn(333, 2048)
	fk.Add(ioctltest.Fail(pcmFd, ioctlHwParams, in, syscall.EINVAL), ioctltest.Call(pcmFd, ioctlHwParams, fb, out),
		ioctltest.Call(pcmFd, ioctlSwParams, sw, sw), simple(ioctlPrepare), simple(ioctlStart))
	if err := c.Start(hw.AudioConfig{Format: mono16, PeriodFrames: 333}); err != nil {
		t.Fatalf("Start with the fallback: %v", err)
	}
	if err := c.Start(hw.AudioConfig{Format: mono16}); !errors.Is(err, hw.ErrBusy) {
		t.Errorf("second Start: %v", err)
	}
	fk.Add(simple(ioctlDrop))
	c.Stop()
	// Neither works.
	fk.Add(ioctltest.Fail(pcmFd, ioctlHwParams, in, syscall.EINVAL), ioctltest.Fail(pcmFd, ioctlHwParams, fb, syscall.EINVAL))
	if err := c.Start(hw.AudioConfig{Format: mono16, PeriodFrames: 333}); !errors.Is(err, hw.ErrUnsupportedMode) {
		t.Errorf("Start with HW_PARAMS refused: %v", err)
	}
	// The device changes the rate under us.
	in = hwParamsIn(mono16, 320, 4)
	bad := hwParamsOut(in, 1280)
	bad.intervals[paramRate-firstInterval] = interval{min: 44100, max: 44100}
	fk.Add(ioctltest.Call(pcmFd, ioctlHwParams, in, bad))
	if err := c.Start(hw.AudioConfig{Format: mono16}); !errors.Is(err, hw.ErrUnsupportedMode) {
		t.Errorf("Start with the rate changed: %v", err)
	}
	// PREPARE fails.
	st := startSteps(mono16, 320)
	st[2].Err = syscall.EIO
	fk.Add(st[:3]...)
	if err := c.Start(hw.AudioConfig{Format: mono16}); !errors.Is(err, syscall.EIO) {
		t.Errorf("Start with PREPARE failing: %v", err)
	}
	fk.Add(closeSteps(false)...)
	c.Close()
}

func TestOpenErrors(t *testing.T) {
	fk := newFake(t, ioctltest.OpenFail(pcmPath, syscall.EBUSY))
	if _, err := OpenCapture("hw:0,0", testOpts(fk, nil)); !errors.Is(err, hw.ErrBusy) {
		t.Errorf("open EBUSY: %v", err)
	}
	fk.Add(ioctltest.OpenStep(pcmPath, pcmFd), ioctltest.Call(pcmFd, ioctlPVersion, int32(0), int32(3<<16)), ioctltest.CloseStep(pcmFd))
	if _, err := OpenCapture("hw:0,0", testOpts(fk, nil)); !errors.Is(err, syscall.EPROTO) {
		t.Errorf("protocol 3: %v", err)
	}
	if _, err := OpenCapture("default", testOpts(fk, nil)); !errors.Is(err, hw.ErrNotFound) {
		t.Errorf("OpenCapture(default): %v", err)
	}
}

// TestCaptureGone scripts a card removed mid-capture: after
// snd_card_disconnect every ioctl on the open PCM fails with ENODEV
// (sound/core/init.c). The read ends with hw.ErrGone; Stop and Close of
// the dead PCM succeed.
func TestCaptureGone(t *testing.T) {
	fk, c := startedCapture(t, nil, mono16, 320)
	dst := make([]int16, 320)
	fk.Add(readiFail(320, syscall.EAGAIN), ioctltest.PollStep(pcmFd, ioctl.PollIn, ioctl.PollErr|0x20), readiFail(320, syscall.ENODEV))
	_, err := c.ReadPeriod(context.Background(), dst)
	if !errors.Is(err, hw.ErrGone) || !errors.Is(err, syscall.ENODEV) {
		t.Fatalf("ReadPeriod of a removed card: %v, want hw.ErrGone", err)
	}
	fk.Add(ioctltest.Fail(pcmFd, ioctlDrop, none{}, syscall.ENODEV))
	if err := c.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	fk.Add(ioctltest.Fail(pcmFd, ioctlHwFree, none{}, syscall.ENODEV), ioctltest.CloseStep(pcmFd))
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
