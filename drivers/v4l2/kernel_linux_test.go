package v4l2

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/blackjack/webcam"

	"github.com/cluecam/cluecam/drivers/hotplug/hotplugtest"
	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
	"github.com/cluecam/cluecam/hw"
)

// These tests run against a real kernel: the QEMU guest of the test rig
// loads vivid (n_devs=1 node_types=0x1), which gives /dev/video0. Without a
// vivid node they skip. CLUECAM_V4L2_DEVICE names another node.

func vividPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("CLUECAM_V4L2_DEVICE")
	if p == "" {
		p = "/dev/video0"
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CLUECAM_HW") != "" {
			t.Fatalf("CLUECAM_HW is set but there is no V4L2 device at %s: %v", p, err)
		}
		t.Skipf("no V4L2 device at %s (runs in the QEMU guest with vivid)", p)
	}
	return p
}

// TestKernelEnumerationMatchesWebcam checks our enumeration against
// blackjack/webcam's, an independent implementation, on the same node.
func TestKernelEnumerationMatchesWebcam(t *testing.T) {
	path := vividPath(t)
	cam, err := OpenCamera(path, &Options{Formats: []hw.PixelFormat{}})
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	w, err := webcam.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ours := map[hw.PixelFormat]bool{}
	for _, f := range cam.node.formats {
		ours[f.pix] = true
	}
	for f := range w.GetSupportedFormats() {
		if !ours[hw.PixelFormat(f)] && !multiBuffer[hw.PixelFormat(f)] {
			t.Errorf("webcam lists %v, we do not", hw.PixelFormat(f))
		}
	}
}

// TestKernelCapture streams YUYV from vivid: kernel timestamps on
// CLOCK_MONOTONIC close to hw.SystemClock, rising sequence numbers, data
// the size of the picture.
func TestKernelCapture(t *testing.T) {
	path := vividPath(t)
	p := NewProvider(nil)
	src, err := p.OpenVideo(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	m, ok := BestMode(src.Modes(), hw.VideoMode{Format: hw.FormatYUYV, Width: 640, Height: 480, FrameRate: hw.Rational{Num: 25, Den: 1}})
	if !ok {
		t.Fatal("no modes")
	}
	if err := src.Start(m); err != nil {
		t.Fatal(err)
	}
	var last hw.Frame
	for i := range 10 {
		fr, err := src.ReadFrame(context.Background())
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		// The kernel stamps on CLOCK_MONOTONIC, our clock. A driver may
		// stamp the end of the frame period and hand the buffer over
		// before that instant: vivid's default "Timestamp Source" is end
		// of frame, stamped at 0.9 of the period while the buffer is
		// delivered at its start. So a frame may be about one period
		// ahead of now (two allowed: an emulated guest's timer jitters by
		// a few ms, seen 42 ms on armhf), and never stale by a second. A
		// wrong clock domain (REALTIME, BOOTTIME after suspend) is off by
		// far more than either bound.
		period := m.FrameRate.FrameTime(1)
		if d := hw.SystemClock.Now() - fr.Timestamp; d < -2*period || d > time.Second {
			t.Errorf("frame %d stamped %v, now %v (period %v)", i, fr.Timestamp, hw.SystemClock.Now(), period)
		}
		if i > 0 && (fr.Sequence <= last.Sequence || fr.Timestamp <= last.Timestamp) {
			t.Errorf("frame %d: seq %d ts %v after seq %d ts %v", i, fr.Sequence, fr.Timestamp, last.Sequence, last.Timestamp)
		}
		if m.Format == hw.FormatYUYV && len(fr.Data) != m.Width*m.Height*2 {
			t.Errorf("frame %d: %d bytes", i, len(fr.Data))
		}
		last = fr
		fr.Release()
	}
	// Stop interrupts a blocked read.
	go func() { time.Sleep(10 * time.Millisecond); src.Stop() }()
	for {
		fr, err := src.ReadFrame(context.Background())
		if err != nil {
			break
		}
		fr.Release()
	}
}

// vicodecEncoder finds vicodec's stateful encoder node by the name sysfs
// gives it.
func vicodecEncoder(t *testing.T) string {
	t.Helper()
	names, _ := filepath.Glob("/sys/class/video4linux/video*/name")
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil && strings.TrimSpace(string(b)) == "stateful-encoder" {
			return "/dev/" + filepath.Base(filepath.Dir(n))
		}
	}
	if os.Getenv("CLUECAM_HW") != "" {
		t.Fatal("CLUECAM_HW is set but there is no vicodec stateful encoder (/sys/class/video4linux/*/name)")
	}
	t.Skip("no vicodec stateful encoder (runs in the QEMU guest with vicodec)")
	return ""
}

// TestKernelEncoderDMABUF runs vivid into vicodec's stateful encoder on
// the path bcm2835-codec takes on a Pi: vivid's buffers exported
// (VIDIOC_EXPBUF) and queued by file descriptor into the encoder's OUTPUT
// queue (V4L2_MEMORY_DMABUF), coded frames out of its CAPTURE queue, Stop
// draining with V4L2_ENC_CMD_STOP. vicodec codes FWHT, not H.264: the
// coded format is what the encoder lists. Each frame must carry vicodec's
// FWHT header (drivers/media/test-drivers/vicodec/codec-fwht.h: magic1
// 0x4f4f4f4f, magic2 0xffffffff, big-endian), be smaller than the raw
// picture, and bear the camera's timestamp, which the encoder copies.
func TestKernelEncoderDMABUF(t *testing.T) {
	cam := vividPath(t)
	enc := vicodecEncoder(t)
	p := NewProvider(nil)
	id := cam + "+" + enc
	src, err := p.OpenVideo(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ec, ok := src.(*EncodedCamera)
	if u, isWrapped := src.(interface{ Unwrap() hw.VideoSource }); isWrapped {
		ec, ok = u.Unwrap().(*EncodedCamera)
	}
	if !ok {
		t.Fatalf("%s opened as %T", id, src)
	}
	m, ok := BestMode(src.Modes(), hw.VideoMode{Format: formatFWHT, Width: 640, Height: 480, FrameRate: hw.Rational{Num: 25, Den: 1}})
	if !ok || m.Format != formatFWHT {
		t.Fatalf("no FWHT mode in %v", src.Modes())
	}
	if err := src.Start(m); err != nil {
		t.Fatal(err)
	}
	if ec.Copying() {
		t.Fatal("raw frames are copied: the DMABUF path was refused")
	}
	raw := m.Width * m.Height * 2 // YUYV behind it
	var last hw.Frame
	keys := 0
	for i := range 12 {
		fr, err := src.ReadFrame(context.Background())
		if err != nil {
			t.Fatalf("coded frame %d: %v", i, err)
		}
		d := fr.Data
		if len(d) < 8 || len(d) >= raw || binary.BigEndian.Uint32(d) != 0x4f4f4f4f || binary.BigEndian.Uint32(d[4:]) != 0xffffffff {
			t.Errorf("coded frame %d: %d bytes (raw %d), starts % x", i, len(d), raw, d[:min(len(d), 8)])
		}
		if fr.Flags&hw.FrameError != 0 {
			t.Errorf("coded frame %d flagged an error", i)
		}
		if fr.Flags&hw.FrameKeyframe != 0 {
			keys++
		}
		if now := hw.SystemClock.Now(); fr.Timestamp <= 0 || fr.Timestamp > now+2*m.FrameRate.FrameTime(1) || now-fr.Timestamp > 5*time.Second {
			t.Errorf("coded frame %d stamped %v, now %v", i, fr.Timestamp, now)
		}
		if i > 0 && (fr.Sequence <= last.Sequence || fr.Timestamp <= last.Timestamp) {
			t.Errorf("coded frame %d: seq %d ts %v after seq %d ts %v", i, fr.Sequence, fr.Timestamp, last.Sequence, last.Timestamp)
		}
		if i < 3 {
			t.Logf("coded frame %d: %d bytes of %d raw, flags %v, seq %d", i, len(d), raw, fr.Flags, fr.Sequence)
		}
		last = fr
		fr.Release()
	}
	t.Logf("12 FWHT frames through DMABUF, %d flagged keyframes; stats %+v", keys, ec.Stats())
	if err := src.Stop(); err != nil {
		t.Errorf("Stop (drain): %v", err)
	}
}

// vividDriver is where vivid's platform device is bound and unbound
// (Documentation/ABI/testing/sysfs-bus-platform: a device name written to
// a driver's unbind file detaches it, to bind attaches it again).
const vividDriver = "/sys/bus/platform/drivers/vivid"

// TestKernelControls lists vivid's controls as a scan does: class headers
// and disabled controls left out; compound, string, 64-bit, bitmask and
// menu controls with the widths and names the kernel gives (the 64-bit
// fields of struct v4l2_query_ext_ctrl and the packed v4l2_querymenu are
// what 32-bit ARM could get wrong); every value read in one
// VIDIOC_G_EXT_CTRLS. Brightness and Hue (negative values) are set
// through the camera and read back through the enumeration.
func TestKernelControls(t *testing.T) {
	path := vividPath(t)
	rec := ioctltest.NewRecorder(DefaultSys())
	p := NewProvider(&Options{Sys: rec, FS: fstest.MapFS{strings.TrimPrefix(path, "/"): {}}})
	scan := func() map[string]hw.Control {
		t.Helper()
		devs, err := p.Scan(context.Background())
		if err != nil || len(devs) != 1 || devs[0].ID != path {
			t.Fatalf("Scan = %+v, %v", devs, err)
		}
		byKey := map[string]hw.Control{}
		for _, c := range devs[0].Controls {
			if c.Type == 0 {
				t.Errorf("control %q of an unknown type (a class header?)", c.Name)
			}
			if _, dup := byKey[c.Key()]; dup {
				t.Errorf("control %q listed twice", c.Key())
			}
			byKey[c.Key()] = c
		}
		return byKey
	}
	cs := scan()
	var ioctls, reads, menus int
	for _, s := range rec.Steps() {
		if s.Op == ioctltest.OpIoctl {
			ioctls++
			reads += map[bool]int{true: 1}[s.Req == vidiocGExtCtrls]
			menus += map[bool]int{true: 1}[s.Req == vidiocQuerymenu]
		}
	}
	t.Logf("%d controls in %d ioctls (%d VIDIOC_QUERYMENU, %d VIDIOC_G_EXT_CTRLS)", len(cs), ioctls, menus, reads)
	if reads != 1 {
		t.Errorf("values read in %d VIDIOC_G_EXT_CTRLS, want 1", reads)
	}

	// vivid-ctrls.c: Brightness 0..255 step 1, default 128; Hue -128..128.
	b, ok := cs["brightness"]
	if !ok || b.ID != CIDBrightness || b.Type != hw.ControlInteger || b.Min != 0 || b.Max != 255 || b.Step != 1 || b.Default != 128 || !b.HasValue {
		t.Errorf("brightness = %+v (%v)", b, ok)
	}
	if h := cs["hue"]; h.Min != -128 || h.Max != 128 || !h.HasValue {
		t.Errorf("hue = %+v", h)
	}
	// VIVID_CID_INTEGER64 spans the s64 range; VIVID_CID_BITMASK has the
	// top bit in its mask and default, which a sign-extending read would
	// make negative.
	if c := cs["integer_64_bits"]; c.Type != hw.ControlInteger64 || c.Min != math.MinInt64 || c.Max != math.MaxInt64 || !c.HasValue {
		t.Errorf("integer_64_bits = %+v", c)
	}
	if c := cs["bitmask"]; c.Type != hw.ControlBitmask || c.Max&0x80000000 == 0 || !c.HasValue || c.Value < 0 || c.Default < 0 {
		t.Errorf("bitmask = %+v", c)
	}
	if c := cs["string"]; c.Type != hw.ControlString || c.HasValue {
		t.Errorf("string = %+v", c)
	}
	// VIVID_CID_MENU: items 1..4, item 2 skipped; the integer menu's
	// items are numbers.
	if c := cs["menu"]; c.Type != hw.ControlMenu || len(c.Menu) != int(c.Max)+1 || c.Min != 1 || c.Menu[0] != "" || c.Menu[1] == "" || c.Menu[2] != "" || c.Menu[3] == "" || !c.HasValue {
		t.Errorf("menu = %+v", c)
	}
	if c := cs["integer_menu"]; c.Type != hw.ControlIntMenu || len(c.Menu) == 0 || !c.HasValue {
		t.Errorf("integer_menu = %+v", c)
	} else if _, err := strconv.ParseInt(c.Menu[c.Max], 10, 64); err != nil {
		t.Errorf("integer_menu item %d = %q", c.Max, c.Menu[c.Max])
	}
	compound := 0
	for _, c := range cs {
		if c.Type == hw.ControlCompound {
			compound++
			if c.HasValue {
				t.Errorf("compound %q has a value", c.Name)
			}
		}
	}
	if compound == 0 {
		t.Error("no compound controls (V4L2_CTRL_FLAG_NEXT_COMPOUND)")
	}

	// Set through the camera, read back through the enumeration.
	cam, err := OpenCamera(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	defer func() { // as they were
		_ = cam.SetControl(CIDBrightness, cs["brightness"].Value)
		_ = cam.SetControl(cidHue, cs["hue"].Value)
	}()
	bright := int64(200)
	if b.Value == bright {
		bright = 100
	}
	set := func(key string, id uint32, v int64) {
		t.Helper()
		if err := cam.SetControl(id, v); err != nil {
			t.Fatalf("set %s = %d: %v", key, v, err)
		}
	}
	set("brightness", CIDBrightness, bright)
	set("hue", cidHue, -100)
	if v, err := cam.Control(cidHue); err != nil || v != -100 {
		t.Errorf("Control(hue) = %d, %v", v, err)
	}
	after := scan()
	if got := after["brightness"]; got.Value != bright || !got.HasValue {
		t.Errorf("brightness after setting %d: %+v", bright, got)
	}
	if got := after["hue"]; got.Value != -100 || !got.HasValue {
		t.Errorf("hue after setting -100: %+v", got)
	}
}

// cidHue is V4L2_CID_HUE.
const cidHue = 0x00980903

// TestKernelHotplugUnbind removes vivid mid-stream by unbinding its
// platform device: the blocked ReadFrame ends with hw.ErrGone (not a hang,
// not a panic), Stop and Close succeed, and the provider's Watch reports
// the camera and its encoder pairs removed. Binding it again is reported
// as an add, and the camera the event names streams again.
func TestKernelHotplugUnbind(t *testing.T) {
	path := vividPath(t)
	pdevs, _ := filepath.Glob(vividDriver + "/vivid.*")
	if len(pdevs) != 1 {
		t.Fatalf("want one vivid platform device under %s, have %v", vividDriver, pdevs)
	}
	pdev := filepath.Base(pdevs[0])
	unbound := false
	sysWrite := func(file string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(vividDriver, file), []byte(pdev), 0); err != nil {
			t.Fatalf("%s %s: %v", file, pdev, err)
		}
		unbound = file == "unbind"
	}
	t.Cleanup(func() {
		if unbound {
			_ = os.WriteFile(filepath.Join(vividDriver, "bind"), []byte(pdev), 0)
		}
	})

	hopts, ready := hotplugtest.Ready()
	p := NewProvider(&Options{Hotplug: hopts})
	watch := hotplugtest.Start(t, p.Watch, ready)

	src, err := p.OpenVideo(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := BestMode(src.Modes(), hw.VideoMode{Format: hw.FormatYUYV, Width: 640, Height: 480, FrameRate: hw.Rational{Num: 25, Den: 1}})
	if !ok {
		t.Fatal("no modes")
	}
	if err := src.Start(m); err != nil {
		t.Fatal(err)
	}
	// Read on, releasing frames, until the read fails.
	readErr := make(chan error, 1)
	frames := make(chan struct{}, 1)
	go func() {
		for {
			fr, err := src.ReadFrame(context.Background())
			if err != nil {
				readErr <- err
				return
			}
			fr.Release()
			select {
			case frames <- struct{}{}:
			default:
			}
		}
	}()
	select {
	case <-frames:
	case err := <-readErr:
		t.Fatalf("streaming before the unbind: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no frame before the unbind")
	}

	sysWrite("unbind")
	hotplugtest.ExpectGone(t, "ReadFrame", readErr)
	watch.Wait("removal of "+path, func(e hw.Event) bool {
		return e.Kind == hw.DeviceRemoved && e.Device.ID == path
	})
	if err := src.Stop(); err != nil {
		t.Errorf("Stop of the removed camera: %v", err)
	}
	if err := src.Close(); err != nil {
		t.Errorf("Close of the removed camera: %v", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("%s still there after the unbind", path)
	}

	sysWrite("bind")
	added := watch.Wait("a vivid camera added", func(e hw.Event) bool {
		return e.Kind == hw.DeviceAdded && !strings.Contains(e.Device.ID, "+") && e.Device.Kind == hw.KindVideo
	})
	src, err = p.OpenVideo(context.Background(), added.Device.ID)
	if err != nil {
		t.Fatalf("open the camera added: %v", err)
	}
	defer src.Close()
	if m, ok = BestMode(src.Modes(), m); !ok {
		t.Fatal("no modes after the re-bind")
	}
	if err := src.Start(m); err != nil {
		t.Fatal(err)
	}
	fr, err := src.ReadFrame(context.Background())
	if err != nil {
		t.Fatalf("read after the re-bind: %v", err)
	}
	fr.Release()
	if err := src.Stop(); err != nil {
		t.Error(err)
	}
}
