package alsa

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/hotplug/hotplugtest"
	"github.com/cluecam/cluecam/drivers/internal/ioctl"
	"github.com/cluecam/cluecam/hw"
)

// These tests run against a real kernel: the QEMU guest of the test rig
// loads snd-aloop (index=0), whose device 1 playback is wired to device 0
// capture. Without /dev/snd/pcmC0D0c they skip, except under the rig
// (CLUECAM_HW=1), where a missing device is a failure.

var ioctlWriteiFrames = ioctl.IOW('A', 0x50, unsafe.Sizeof(xferi{}))

func needAloop(t *testing.T) {
	t.Helper()
	for _, p := range []string{"/dev/snd/pcmC0D0c", "/dev/snd/pcmC0D1p"} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CLUECAM_HW") != "" {
				t.Fatalf("CLUECAM_HW is set but %s is missing: %v", p, err)
			}
			t.Skipf("no %s (runs in the QEMU guest with snd-aloop)", p)
		}
	}
}

// playTone plays a 1 kHz tone of amplitude 8000 on hw:0,1 (48 kHz
// stereo) until ctx is done, with raw ioctls through the same seam.
func playTone(t *testing.T, ctx context.Context) {
	sys := DefaultSys()
	fd, err := sys.Open("/dev/snd/pcmC0D1p")
	if err != nil {
		t.Error(err)
		return
	}
	defer sys.Close(fd)
	var p hwParams
	basicParams(&p)
	p.setInt(paramChannels, 2)
	p.setInt(paramRate, 48000)
	p.setInt(paramPeriodSize, 960)
	p.setInt(paramPeriods, 4)
	if err := sys.Ioctl(fd, ioctlHwParams, unsafe.Pointer(&p)); err != nil {
		t.Error("playback HW_PARAMS:", err)
		return
	}
	sw := swParams{periodStep: 1, availMin: 960, xferAlign: 1, startThreshold: 960, stopThreshold: 3840, proto: protocolVersion}
	if err := sys.Ioctl(fd, ioctlSwParams, unsafe.Pointer(&sw)); err != nil {
		t.Error("playback SW_PARAMS:", err)
		return
	}
	if err := sys.Ioctl(fd, ioctlPrepare, nil); err != nil {
		t.Error("playback PREPARE:", err)
		return
	}
	buf := make([]int16, 960*2)
	n := 0
	for ctx.Err() == nil {
		for i := 0; i < 960; i++ {
			v := int16(8000 * math.Sin(2*math.Pi*1000*float64(n)/48000))
			buf[2*i], buf[2*i+1] = v, v
			n++
		}
		x := xferi{buf: unsafe.Pointer(&buf[0]), frames: 960}
		for {
			err := sys.Ioctl(fd, ioctlWriteiFrames, unsafe.Pointer(&x))
			if err == nil || ctx.Err() != nil {
				break
			}
			pfd := []PollFd{{Fd: int32(fd), Events: ioctl.PollOut}}
			sys.Poll(pfd, 100*time.Millisecond)
			_ = sys.Ioctl(fd, ioctlPrepare, nil) // after an underrun
		}
	}
	sys.Ioctl(fd, ioctlDrop, nil)
}

// TestKernelLoopback captures the tone through our driver: full periods,
// 20 ms apart on CLOCK_MONOTONIC near hw.SystemClock, rms ≈ 8000/√2.
func TestKernelLoopback(t *testing.T) {
	needAloop(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); playTone(t, ctx) }()
	defer func() { cancel(); <-done }()
	p := NewProvider(nil)
	src, err := p.OpenAudio(context.Background(), "hw:0,0")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.Start(hw.AudioConfig{Format: hw.AudioFormat{Rate: 48000, Channels: 2, Encoding: hw.S16LE}}); err != nil {
		t.Fatal(err)
	}
	dst := make([]int16, 960*2)
	var first, last hw.Period
	var discontinuities int
	var sum float64
	var count int
	for i := range 50 {
		per, err := src.ReadPeriod(context.Background(), dst)
		if err != nil {
			t.Fatalf("period %d: %v", i, err)
		}
		if d := hw.SystemClock.Now() - per.Timestamp; d < 0 || d > time.Second {
			t.Errorf("period %d stamped %v before now", i, d)
		}
		if i > 0 && per.Timestamp <= last.Timestamp {
			t.Errorf("period %d stamped %v, not after the last (%v)", i, per.Timestamp, last.Timestamp)
		}
		if i == 0 {
			first = per
		}
		discontinuities += int(per.Flags & hw.PeriodDiscontinuity)
		if i >= 25 {
			for _, s := range dst {
				sum += float64(s) * float64(s)
				count++
			}
		}
		last = per
	}
	// Timestamps come from DELAY (capture time = now - frames queued), so
	// they advance with the sample clock, not with when our reads happened
	// to return: over the run the mean spacing is one period. Single
	// spacings jitter with the emulated CPU's scheduling and are not held
	// to anything.
	if discontinuities == 0 {
		mean := (last.Timestamp - first.Timestamp) / 49
		if mean < 18*time.Millisecond || mean > 22*time.Millisecond {
			t.Errorf("mean period spacing %v over 50 periods, want 20ms", mean)
		}
	}
	if rms := math.Sqrt(sum / float64(count)); rms < 5000 || rms > 6300 {
		t.Errorf("rms %v, want about %v", rms, 8000/math.Sqrt2)
	}
}

// aloopDriver is where snd-aloop's platform device is bound and unbound
// (Documentation/ABI/testing/sysfs-bus-platform).
const aloopDriver = "/sys/bus/platform/drivers/snd_aloop"

// TestKernelHotplugUnbind removes the loopback card mid-capture by
// unbinding its platform device. ALSA disconnects the card at once (the
// PCM's file operations fail with ENODEV, its nodes go) but frees it only
// once every file is closed, so the unbind write blocks until Close: the
// read must end with hw.ErrGone first, and the provider's Watch report the
// PCMs removed. Binding again is reported as an add, and the PCM captures.
func TestKernelHotplugUnbind(t *testing.T) {
	needAloop(t)
	pdevs, _ := filepath.Glob(aloopDriver + "/snd_aloop.*")
	if len(pdevs) != 1 {
		t.Fatalf("want one snd_aloop platform device under %s, have %v", aloopDriver, pdevs)
	}
	pdev := filepath.Base(pdevs[0])
	hopts, ready := hotplugtest.Ready()
	p := NewProvider(&Options{Hotplug: hopts})
	watch := hotplugtest.Start(t, p.Watch, ready)
	format := hw.AudioFormat{Rate: 48000, Channels: 2, Encoding: hw.S16LE}
	src, err := p.OpenAudio(context.Background(), "hw:0,0")
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Start(hw.AudioConfig{Format: format}); err != nil {
		t.Fatal(err)
	}
	dst := make([]int16, 960*2)
	// With nothing playing into it the loopback captures silence.
	if _, err := src.ReadPeriod(context.Background(), dst); err != nil {
		t.Fatalf("before the unbind: %v", err)
	}
	readErr := make(chan error, 1)
	go func() {
		for {
			if _, err := src.ReadPeriod(context.Background(), dst); err != nil {
				readErr <- err
				return
			}
		}
	}()
	unbound := make(chan error, 1)
	go func() { unbound <- os.WriteFile(filepath.Join(aloopDriver, "unbind"), []byte(pdev), 0) }()
	hotplugtest.ExpectGone(t, "ReadPeriod", readErr)
	watch.Wait("removal of hw:0,0", func(e hw.Event) bool { return e.Kind == hw.DeviceRemoved && e.Device.ID == "hw:0,0" })
	if err := src.Stop(); err != nil {
		t.Errorf("Stop of the removed PCM: %v", err)
	}
	if err := src.Close(); err != nil {
		t.Errorf("Close of the removed PCM: %v", err)
	}
	select {
	case err := <-unbound:
		if err != nil {
			t.Fatalf("unbind %s: %v", pdev, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("unbind still blocked after Close")
	}
	if err := os.WriteFile(filepath.Join(aloopDriver, "bind"), []byte(pdev), 0); err != nil {
		t.Fatalf("bind %s: %v", pdev, err)
	}
	added := watch.Wait("hw:0,0 added", func(e hw.Event) bool { return e.Kind == hw.DeviceAdded && e.Device.ID == "hw:0,0" })
	if len(added.Device.Formats) == 0 {
		t.Errorf("added %+v without formats", added.Device)
	}
	src, err = p.OpenAudio(context.Background(), "hw:0,0")
	if err != nil {
		t.Fatalf("open after the re-bind: %v", err)
	}
	defer src.Close()
	if err := src.Start(hw.AudioConfig{Format: format}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.ReadPeriod(context.Background(), dst); err != nil {
		t.Fatalf("read after the re-bind: %v", err)
	}
}
