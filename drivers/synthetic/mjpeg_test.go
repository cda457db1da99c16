package synthetic

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

func mjpegMode(w, h int, fps uint32) hw.VideoMode {
	return hw.VideoMode{Format: hw.FormatMJPEG, Width: w, Height: h, FrameRate: hw.Rational{Num: fps, Den: 1}}
}

func startMJPEG(t testing.TB, opts *MJPEGOptions, m hw.VideoMode) *MJPEGCamera {
	t.Helper()
	c, err := NewMJPEGCamera(hwtest.NewAutoClock(0), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	hwtest.ExpectReleased(t, c)
	if err := c.Start(m); err != nil {
		t.Fatal(err)
	}
	return c
}

// readCounter reads the seven-segment counter back from a decoded frame by
// looking at the middle of each segment.
func readCounter(t *testing.T, img image.Image, w, h int) uint64 {
	t.Helper()
	g := newPattern(w, h).digit
	var v uint64
	for i := 0; i < counterDigits; i++ {
		x := g.x + i*(g.w+g.gap)
		var lit uint8
		for s := 0; s < 7; s++ {
			r := g.segmentRect(x, g.y, s)
			c := r.Min.Add(r.Max).Div(2)
			if y, _, _, _ := img.At(c.X, c.Y).RGBA(); y > 0x8000 {
				lit |= 1 << s
			}
		}
		d := -1
		for k, seg := range segments {
			if seg == lit {
				d = k
			}
		}
		if d < 0 {
			t.Fatalf("digit %d: segments %07b are no digit", i, lit)
		}
		v = v*10 + uint64(d)
	}
	return v
}

func TestMJPEGFramesDecode(t *testing.T) {
	for _, m := range []hw.VideoMode{mjpegMode(640, 360, 30), mjpegMode(320, 180, 15), mjpegMode(1280, 720, 30)} {
		t.Run(m.String(), func(t *testing.T) {
			c := startMJPEG(t, nil, m)
			var prev []byte
			for i := 0; i < 12; i++ {
				f, err := c.ReadFrame(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if !f.Keyframe() || f.Sequence != uint64(i) || f.Timestamp != m.FrameRate.FrameTime(uint64(i)) {
					t.Errorf("frame %d: flags %v seq %d ts %v", i, f.Flags, f.Sequence, f.Timestamp)
				}
				img, err := jpeg.Decode(bytes.NewReader(f.Data))
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if b := img.Bounds(); b.Dx() != m.Width || b.Dy() != m.Height {
					t.Fatalf("frame %d is %v", i, b)
				}
				if got := readCounter(t, img, m.Width, m.Height); got != uint64(i) {
					t.Errorf("frame %d shows counter %d", i, got)
				}
				if bytes.Equal(prev, f.Data) {
					t.Errorf("frame %d equals frame %d", i, i-1)
				}
				prev = append(prev[:0], f.Data...)
				f.Release()
			}
		})
	}
}

func TestMJPEGQualityFollowsBitrate(t *testing.T) {
	m := mjpegMode(640, 360, 30)
	c := startMJPEG(t, &MJPEGOptions{Bitrate: 20_000_000}, m)
	size := func(n int) (avg int) {
		for i := 0; i < n; i++ {
			f, err := c.ReadFrame(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			avg += len(f.Data)
			f.Release()
		}
		return avg / n
	}
	size(20)
	high, qHigh := size(5), c.Quality()
	// 2 Mbit/s at 30 fps is 8333 bytes a frame, within what q5…q95 spans
	// for this picture.
	const target = 2_000_000
	if err := c.SetTargetBitrate(target); err != nil || c.TargetBitrate() != target {
		t.Fatal(err)
	}
	size(20)
	low, qLow := size(5), c.Quality()
	want := target / 30 / 8
	t.Logf("20 Mbit/s: q%d %d bytes/frame; 2 Mbit/s: q%d %d bytes/frame (target %d)", qHigh, high, qLow, low, want)
	if qLow >= qHigh || low > high*3/4 {
		t.Errorf("lower target did not lower quality and size: q%d→q%d, %d→%d bytes", qHigh, qLow, high, low)
	}
	if low > want*12/10 || low < want*8/10 {
		t.Errorf("at 2 Mbit/s frames are %d bytes, target %d", low, want)
	}
	_ = c.SetTargetBitrate(20_000_000)
	size(30)
	if c.Quality() <= qLow {
		t.Errorf("quality did not recover: q%d", c.Quality())
	}
	if err := c.SetTargetBitrate(-1); !errors.Is(err, hw.ErrOutOfRange) {
		t.Error(err)
	}
	_ = c.SetTargetBitrate(1)
	if c.TargetBitrate() != minMJPEGBitrate {
		t.Errorf("clamped to %d", c.TargetBitrate())
	}
}

func TestMJPEGBufferPool(t *testing.T) {
	c := startMJPEG(t, &MJPEGOptions{Buffers: 2}, mjpegMode(320, 180, 15))
	a, _ := c.ReadFrame(context.Background())
	b, _ := c.ReadFrame(context.Background())
	keep := append([]byte(nil), a.Data...)
	if _, err := c.ReadFrame(context.Background()); !errors.Is(err, hw.ErrNoBuffer) {
		t.Fatalf("third frame with two held: %v", err)
	}
	if !bytes.Equal(keep, a.Data) {
		t.Fatal("a held frame was overwritten")
	}
	b.Release()
	f, err := c.ReadFrame(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(keep, a.Data) {
		t.Fatal("a held frame was overwritten by the next")
	}
	if &f.Data[0] == &a.Data[0] {
		t.Fatal("two held frames share a buffer")
	}
	f.Release()
	a.Release()
}

func TestMJPEGOptions(t *testing.T) {
	if _, err := NewMJPEGCamera(nil, &MJPEGOptions{Modes: []hw.VideoMode{mjpegMode(641, 360, 30)}}); !errors.Is(err, hw.ErrUnsupportedMode) {
		t.Errorf("odd width: %v", err)
	}
	if _, err := NewMJPEGCamera(nil, &MJPEGOptions{Modes: []hw.VideoMode{{Format: hw.FormatH264, Width: 640, Height: 360, FrameRate: hw.Rational{Num: 30, Den: 1}}}}); err == nil {
		t.Error("H264 mode accepted")
	}
	m := mjpegMode(160, 120, 5)
	c := startMJPEG(t, &MJPEGOptions{Modes: []hw.VideoMode{m}}, m)
	if err := c.Start(m); !errors.Is(err, hw.ErrBusy) {
		t.Error(err)
	}
	f, err := c.ReadFrame(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(f.Data)); err != nil {
		t.Fatal(err)
	}
	f.Release()
	_ = c.Stop()
	if _, err := c.ReadFrame(context.Background()); !errors.Is(err, hw.ErrNotStreaming) {
		t.Error(err)
	}
}

func TestMJPEGStopWakesReader(t *testing.T) {
	clk := hwtest.NewClock(0)
	c, _ := NewMJPEGCamera(clk, nil)
	defer c.Close()
	_ = c.Start(mjpegMode(320, 180, 15))
	f, _ := c.ReadFrame(context.Background())
	f.Release()
	errc := make(chan error)
	go func() {
		_, err := c.ReadFrame(context.Background())
		errc <- err
	}()
	clk.WaitForSleepers(t, 1)
	_ = c.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, hw.ErrClosed) {
			t.Errorf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake the reader")
	}
}

func BenchmarkMJPEGReadFrame(b *testing.B) {
	c := startMJPEG(b, nil, mjpegMode(640, 360, 30))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f, err := c.ReadFrame(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		f.Release()
	}
}
