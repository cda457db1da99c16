package v4l2

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/blackjack/webcam"

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
