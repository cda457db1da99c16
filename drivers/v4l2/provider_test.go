package v4l2

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

func devFS(names ...string) fstest.MapFS {
	m := fstest.MapFS{}
	for _, n := range names {
		m["dev/"+n] = &fstest.MapFile{Mode: 0o600}
	}
	return m
}

func TestProviderScanAndOpen(t *testing.T) {
	c := defaultCam()
	var script []ioctltest.Step
	script = append(script, ioctltest.OpenStep(c.path, c.fd))
	script = append(script, c.probeSteps()...)
	script = append(script, lastCtrl(c.fd, 0).Why("a camera without controls"), ioctltest.CloseStep(c.fd),
		ioctltest.OpenStep("/dev/video1", 4),
		ioctltest.Call(4, vidiocQuerycap, capability{}, capOut("uvcvideo", "Test Cam", 0x00800000|capStreaming)).Why("metadata node"),
		ioctltest.CloseStep(4),
		ioctltest.OpenFail("/dev/video2", syscall.EACCES),
		ioctltest.OpenStep(encPath, encFd))
	script = append(script, encProbeSteps()...)
	script = append(script,
		nextCtrl(encFd, 0, ctrlDesc(CIDBitrate, ctrlTypeInteger, "Video Bitrate", 25000, 25000000, 25000, 10000000)),
		nextCtrl(encFd, CIDBitrate, ctrlDesc(CIDForceKeyFrame, ctrlTypeButton, "Force Key Frame", 0, 0, 0, 0)),
		lastCtrl(encFd, CIDForceKeyFrame),
		getCtrlsStep(t, encFd, nil, val32(CIDBitrate, 4000000)),
		ioctltest.CloseStep(encFd))
	f := newFake(t, script...)
	p := NewProvider(&Options{Sys: f, FS: devFS("video0", "video1", "video11", "video2", "video-meta", "vbi0")})
	if p.Name() != "v4l2" {
		t.Errorf("Name = %q", p.Name())
	}
	devs, err := p.Scan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "/dev/video2") || !errors.Is(err, syscall.EACCES) {
		t.Errorf("Scan error = %v, want the /dev/video2 failure", err)
	}
	if len(devs) != 2 {
		t.Fatalf("Scan found %d devices: %+v", len(devs), devs)
	}
	cam, pair := devs[0], devs[1]
	if cam.ID != "/dev/video0" || cam.Driver != "v4l2" || cam.Name != "Test Cam" || cam.Location != "usb-0000:01:00.0-1.2" ||
		cam.Kind != hw.KindVideo || cam.Caps != 0 || len(cam.Modes) != 4 {
		t.Errorf("camera = %+v", cam)
	}
	if pair.ID != "/dev/video0+/dev/video11" || pair.Caps != hw.CapKeyframe|hw.CapBitrate || len(pair.Modes) != 2 ||
		!pair.Modes[0].Equal(modeEnc30) || pair.Name != "Test Cam encoded by bcm2835-codec-encode" {
		t.Errorf("pair = %+v", pair)
	}
	// The camera has no controls; the pair has the encoder's.
	if cam.Controls != nil || len(pair.Controls) != 2 || pair.Controls[0].Key() != "video_bitrate" || pair.Controls[0].Value != 4000000 ||
		pair.Controls[1].Type != hw.ControlButton {
		t.Errorf("controls: camera %+v, pair %+v", cam.Controls, pair.Controls)
	}

	// Open the camera; a second open, or the pair using it, is busy.
	f.Add(c.openSteps()...)
	src, err := p.OpenVideo(context.Background(), "/dev/video0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.OpenVideo(context.Background(), "/dev/video0"); !errors.Is(err, hw.ErrBusy) {
		t.Errorf("second open: %v", err)
	}
	if _, err := p.OpenVideo(context.Background(), "/dev/video0+/dev/video11"); !errors.Is(err, hw.ErrBusy) {
		t.Errorf("pair while its camera is open: %v", err)
	}
	f.Add(ioctltest.CloseStep(c.fd))
	src.Close()
	f.Add(encOpenSteps(c)...)
	pairSrc, err := p.OpenVideo(context.Background(), "/dev/video0+/dev/video11")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pairSrc.(hwtest.FrameCounter); !ok {
		t.Errorf("pair source %T is no FrameCounter", pairSrc)
	}
	if _, ok := src.(hwtest.FrameCounter); !ok {
		t.Errorf("camera source %T is no FrameCounter", src)
	}
	if _, ok := pairSrc.(hw.KeyframeRequester); !ok {
		t.Errorf("pair source %T is no KeyframeRequester", pairSrc)
	}
	f.Add(ioctltest.CloseStep(encFd), ioctltest.CloseStep(c.fd))
	pairSrc.Close()

	for _, id := range []string{"hw:0,0", "synthetic:h264", "/dev/video", "/dev/video0+", "/dev/video0+/dev/video1+/dev/video2"} {
		if _, err := p.OpenVideo(context.Background(), id); !errors.Is(err, hw.ErrNotFound) {
			t.Errorf("OpenVideo(%q): %v", id, err)
		}
	}
	if _, err := p.OpenAudio(context.Background(), "/dev/video0"); !errors.Is(err, hw.ErrWrongKind) {
		t.Errorf("OpenAudio: %v", err)
	}
	if _, err := p.OpenPTZ(context.Background(), "hw:0,0"); !errors.Is(err, hw.ErrNotFound) {
		t.Errorf("OpenPTZ: %v", err)
	}
	// A node that vanished since the scan.
	f.Add(ioctltest.OpenFail("/dev/video5", syscall.ENOENT))
	if _, err := p.OpenVideo(context.Background(), "/dev/video5"); !errors.Is(err, hw.ErrNotFound) {
		t.Errorf("OpenVideo of a missing node: %v", err)
	}
	// An encoder is not a camera.
	f.Add(ioctltest.OpenStep(encPath, encFd))
	f.Add(encProbeSteps()...)
	f.Add(ioctltest.CloseStep(encFd))
	if _, err := p.OpenVideo(context.Background(), encPath); !errors.Is(err, hw.ErrWrongKind) {
		t.Errorf("OpenVideo of an encoder: %v", err)
	}
}

func TestProviderInInventory(t *testing.T) {
	f := newFake(t)
	inv := hw.NewInventory(NewProvider(&Options{Sys: f, FS: devFS()}))
	devs, err := inv.Devices(context.Background())
	if err != nil || len(devs) != 0 {
		t.Errorf("Devices = %v, %v", devs, err)
	}
}

func TestBestMode(t *testing.T) {
	r := func(n uint32) hw.Rational { return hw.Rational{Num: n, Den: 1} }
	modes := []hw.VideoMode{
		{Format: hw.FormatMJPEG, Width: 1280, Height: 720, FrameRate: r(30)},
		{Format: hw.FormatH264, Width: 640, Height: 480, FrameRate: r(30)},
		{Format: hw.FormatH264, Width: 1280, Height: 720, FrameRate: r(15)},
		{Format: hw.FormatH264, Width: 1280, Height: 720, FrameRate: r(30)},
		{Format: hw.FormatH264, Width: 1920, Height: 1080, FrameRate: r(30)},
	}
	for _, tc := range []struct{ want, got hw.VideoMode }{
		{hw.VideoMode{Format: hw.FormatH264, Width: 1280, Height: 720, FrameRate: r(25)}, modes[3]},
		{hw.VideoMode{Format: hw.FormatH264, Width: 1000, Height: 600, FrameRate: r(10)}, modes[2]},
		{hw.VideoMode{Format: hw.FormatH264, Width: 4000, Height: 3000, FrameRate: r(60)}, modes[4]},
		{hw.VideoMode{Format: hw.FormatYUYV, Width: 1280, Height: 720, FrameRate: r(30)}, modes[0]},
		{modes[1], modes[1]},
	} {
		if got, ok := BestMode(modes, tc.want); !ok || !got.Equal(tc.got) {
			t.Errorf("BestMode(%v) = %v, want %v", tc.want, got, tc.got)
		}
	}
	if _, ok := BestMode(nil, modes[0]); ok {
		t.Error("BestMode of no modes")
	}
}

func TestEnumerationRanges(t *testing.T) {
	sizes := sizesOf([]frmsizeenum{{typ: frmTypeStepwise, u: [6]uint32{64, 1920, 64, 16, 1080, 8}}})
	var got []string
	for _, s := range sizes {
		got = append(got, hw.VideoMode{Width: int(s.w), Height: int(s.h)}.String())
	}
	// Widths on the 64-pixel grid from 64 (1920, 640, 320; not 352 or
	// 160), heights on the 8-line grid from 16.
	if joined := strings.Join(got, " "); !strings.Contains(joined, "1920x1080") || !strings.Contains(joined, "640x360") ||
		!strings.Contains(joined, "320x240") || strings.Contains(joined, "352x288") || strings.Contains(joined, "160x120") {
		t.Errorf("stepwise sizes: %v", joined)
	}
	rates := ratesOf([]frmivalenum{{typ: frmTypeContinuous, u: [3]fract{{1, 30}, {1, 5}, {1, 1}}}})
	if len(rates) != 7 || rates[0] != (hw.Rational{Num: 30, Den: 1}) || rates[6] != (hw.Rational{Num: 5, Den: 1}) {
		t.Errorf("continuous rates: %v", rates)
	}
	// Stepwise from 1/60 s in steps of 1/60 s: 60, 30, 20, 15, 10, 5 fps.
	rates = ratesOf([]frmivalenum{{typ: frmTypeStepwise, u: [3]fract{{1, 60}, {1, 5}, {1, 60}}}})
	if len(rates) != 6 {
		t.Errorf("stepwise rates: %v", rates)
	}
	rates = ratesOf([]frmivalenum{{typ: frmTypeDiscrete, u: [3]fract{{2, 25}}}, {typ: frmTypeDiscrete, u: [3]fract{{1001, 30000}}}})
	if len(rates) != 2 || rates[0] != (hw.Rational{Num: 30000, Den: 1001}) || rates[1] != (hw.Rational{Num: 25, Den: 2}) {
		t.Errorf("discrete rates: %v", rates)
	}
}
