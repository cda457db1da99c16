package alsa

import (
	"context"
	"math"
	"os"
	"testing"
	"time"
	"unsafe"

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
