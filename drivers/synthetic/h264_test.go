package synthetic

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
	"github.com/cluecam/cluecam/internal/testenv"
	"github.com/cluecam/cluecam/media/codec"
)

var mode30 = hw.VideoMode{Format: hw.FormatH264, Width: 640, Height: 360, FrameRate: hw.Rational{Num: 30, Den: 1}}

// startH264 opens and starts a camera on an auto-advancing clock at 100 s.
func startH264(t testing.TB, opts *H264Options) (*H264Camera, *hwtest.Clock) {
	t.Helper()
	clk := hwtest.NewAutoClock(100 * time.Second)
	c, err := NewH264Camera(clk, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	hwtest.ExpectReleased(t, c)
	if err := c.Start(mode30); err != nil {
		t.Fatal(err)
	}
	return c, clk
}

func TestH264FramesAndTimestamps(t *testing.T) {
	c, _ := startH264(t, nil)
	clips, _ := loadClips()
	for i := 0; i < 130; i++ {
		f, err := c.ReadFrame(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pos := i % 60
		au := clips.clips[0].aus[pos]
		if !bytes.Equal(f.Data, clipHi[au.start:au.end]) {
			t.Fatalf("frame %d is not clip frame %d", i, pos)
		}
		if &f.Data[0] != &clipHi[au.start] {
			t.Fatalf("frame %d was copied", i)
		}
		wantTS := 100*time.Second + hw.Rational{Num: 30, Den: 1}.FrameTime(uint64(i))
		if f.Sequence != uint64(i) || f.Timestamp != wantTS {
			t.Fatalf("frame %d: seq %d ts %v, want ts %v", i, f.Sequence, f.Timestamp, wantTS)
		}
		if f.Keyframe() != (pos%30 == 0) || f.Keyframe() != codec.IsKeyframe(f.Data) {
			t.Fatalf("frame %d: keyframe flag %v", i, f.Keyframe())
		}
		if f.Keyframe() {
			if sps, pps := codec.ParameterSets(f.Data); sps == nil || pps == nil {
				t.Fatalf("IDR frame %d without SPS/PPS", i)
			}
		}
		f.Release()
	}
}

func TestH264ReadFrameAllocs(t *testing.T) {
	c, _ := startH264(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := testing.AllocsPerRun(200, func() {
		f, err := c.ReadFrame(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f.Release()
	})
	if n != 0 {
		t.Errorf("ReadFrame+Release allocates %v per frame", n)
	}
}

func TestH264PacedByClock(t *testing.T) {
	clk := hwtest.NewClock(time.Second)
	c, err := NewH264Camera(clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(mode30); err != nil {
		t.Fatal(err)
	}
	f, err := c.ReadFrame(context.Background()) // frame 0 is due at Start
	if err != nil || f.Timestamp != time.Second {
		t.Fatalf("frame 0: %v %v", f.Timestamp, err)
	}
	f.Release()
	got := make(chan hw.Frame)
	go func() {
		f, err := c.ReadFrame(context.Background())
		if err != nil {
			t.Error(err)
		}
		got <- f
	}()
	clk.WaitForSleepers(t, 1)
	clk.Advance(33 * time.Millisecond)
	select {
	case <-got:
		t.Fatal("frame 1 came 0.33 ms early")
	case <-time.After(10 * time.Millisecond):
	}
	clk.Advance(time.Millisecond)
	f = <-got
	if f.Sequence != 1 || f.Timestamp != time.Second+33333334 {
		t.Errorf("frame 1: seq %d ts %v", f.Sequence, f.Timestamp)
	}
	f.Release()

	// Stop wakes a reader blocked on the clock.
	errc := make(chan error)
	go func() {
		_, err := c.ReadFrame(context.Background())
		errc <- err
	}()
	clk.WaitForSleepers(t, 1)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, hw.ErrNotStreaming) {
		t.Fatalf("blocked read after Stop: %v", err)
	}

	// Context cancellation.
	if err := c.Start(mode30); err != nil {
		t.Fatal(err)
	}
	f, _ = c.ReadFrame(context.Background())
	f.Release()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, err := c.ReadFrame(ctx)
		errc <- err
	}()
	clk.WaitForSleepers(t, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled read: %v", err)
	}
}

// A reader that falls behind loses frames the way a device queue would:
// sequence numbers and timestamps jump, the clip does not (the stream stays
// decodable).
func TestH264SlowReaderDropsFrames(t *testing.T) {
	clk := hwtest.NewClock(0)
	c, err := NewH264Camera(clk, &H264Options{MaxLag: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.Start(mode30)
	f, _ := c.ReadFrame(context.Background())
	f.Release()
	clk.Advance(time.Second) // frames 1..30 captured, nobody reading
	var seqs []uint64
	for i := 0; i < 4; i++ {
		if i == 3 {
			clk.Advance(34 * time.Millisecond) // frame 31
		}
		f, err := c.ReadFrame(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, f.Sequence)
		if f.Keyframe() {
			t.Errorf("frame %d is an IDR: the clip skipped", f.Sequence)
		}
		f.Release()
	}
	if want := []uint64{28, 29, 30}; seqs[0] != want[0] || seqs[1] != want[1] || seqs[2] != want[2] {
		t.Errorf("sequence after a 1 s stall: %v, want 28 29 30 then waiting", seqs)
	}
	if seqs[3] != 31 {
		t.Errorf("fourth read %d", seqs[3])
	}
}

func TestH264KeyframeRequest(t *testing.T) {
	c, _ := startH264(t, nil)
	for i := 0; i < 5; i++ {
		f, _ := c.ReadFrame(context.Background())
		f.Release()
	}
	if err := c.RequestKeyframe(); err != nil {
		t.Fatal(err)
	}
	f, err := c.ReadFrame(context.Background())
	if err != nil || !f.Keyframe() || f.Sequence != 5 {
		t.Fatalf("after request: key %v seq %d %v", f.Keyframe(), f.Sequence, err)
	}
	clips, _ := loadClips()
	if au := clips.clips[0].aus[30]; &f.Data[0] != &clipHi[au.start] {
		t.Error("keyframe is not the next IDR (clip frame 30)")
	}
	f.Release()
	// From the end of the clip the next IDR is the first.
	for i := 0; i < 25; i++ {
		f, _ := c.ReadFrame(context.Background())
		f.Release()
	}
	_ = c.RequestKeyframe()
	f, _ = c.ReadFrame(context.Background())
	if au := clips.clips[0].aus[0]; !f.Keyframe() || &f.Data[0] != &clipHi[au.start] {
		t.Error("keyframe request near the end did not wrap to clip frame 0")
	}
	f.Release()
}

func TestH264StartFrame(t *testing.T) {
	clips, _ := loadClips()
	for _, tc := range []struct{ start, first int }{{0, 0}, {30, 30}, {45, 0}, {10, 30}} {
		c, _ := startH264(t, &H264Options{StartFrame: tc.start})
		f, _ := c.ReadFrame(context.Background())
		if au := clips.clips[0].aus[tc.first]; !f.Keyframe() || &f.Data[0] != &clipHi[au.start] {
			t.Errorf("StartFrame %d: first frame is not clip frame %d", tc.start, tc.first)
		}
		f.Release()
	}
	if _, err := NewH264Camera(nil, &H264Options{StartFrame: 60}); err == nil {
		t.Error("StartFrame beyond the clip accepted")
	}
}

func TestH264Bitrate(t *testing.T) {
	c, _ := startH264(t, nil)
	clips, _ := loadClips()
	if c.TargetBitrate() != 1_500_000 {
		t.Errorf("initial target %d", c.TargetBitrate())
	}
	for _, tc := range []struct{ set, target, clip int }{
		{10_000_000, 1_500_000, 0}, {1_500_000, 1_500_000, 0}, {1_499_999, 1_499_999, 1}, {300_000, 300_000, 1}, {1000, 300_000, 1},
	} {
		if err := c.SetTargetBitrate(tc.set); err != nil {
			t.Fatal(err)
		}
		if c.TargetBitrate() != tc.target || c.want != tc.clip {
			t.Errorf("SetTargetBitrate(%d): target %d clip %d, want %d %d", tc.set, c.TargetBitrate(), c.want, tc.target, tc.clip)
		}
	}
	if err := c.SetTargetBitrate(0); !errors.Is(err, hw.ErrOutOfRange) {
		t.Errorf("zero bitrate: %v", err)
	}
	// The switch waits for the next IDR (clip frame 30).
	_ = c.SetTargetBitrate(1_500_000)
	for i := 0; i < 10; i++ {
		f, _ := c.ReadFrame(context.Background())
		f.Release()
	}
	_ = c.SetTargetBitrate(300_000)
	for i := 10; i < 35; i++ {
		f, _ := c.ReadFrame(context.Background())
		data, want := clipHi, clips.clips[0].aus[i]
		if i >= 30 {
			data, want = clipLo, clips.clips[1].aus[i]
		}
		if &f.Data[0] != &data[want.start] || len(f.Data) != int(want.end-want.start) {
			t.Fatalf("frame %d from the wrong clip", i)
		}
		f.Release()
	}
	// At 15 fps the ladder halves: 800 kbit/s affords the best clip.
	c2, _ := NewH264Camera(hwtest.NewAutoClock(0), &H264Options{Bitrate: 800_000})
	if c2.want != 1 {
		t.Error("800 kbit/s at 30 fps chose the 1.5 Mbit/s clip")
	}
	mode15 := mode30
	mode15.FrameRate = hw.Rational{Num: 15, Den: 1}
	_ = c2.Start(mode15)
	if c2.want != 0 || c2.TargetBitrate() != 750_000 {
		t.Errorf("at 15 fps: clip %d target %d", c2.want, c2.TargetBitrate())
	}
	c2.Close()
}

func TestH264Buffers(t *testing.T) {
	c, _ := startH264(t, &H264Options{Buffers: 2})
	a, _ := c.ReadFrame(context.Background())
	b, _ := c.ReadFrame(context.Background())
	if _, err := c.ReadFrame(context.Background()); !errors.Is(err, hw.ErrNoBuffer) {
		t.Fatalf("third frame with two held: %v", err)
	}
	if c.OutstandingFrames() != 2 {
		t.Error(c.OutstandingFrames())
	}
	cp := a
	a.Release()
	cp.Release() // a stale copy does not free b's buffer
	if c.OutstandingFrames() != 1 {
		t.Fatalf("outstanding %d after double release", c.OutstandingFrames())
	}
	f, err := c.ReadFrame(context.Background())
	if err != nil || f.Sequence != 2 {
		t.Fatalf("after release: seq %d %v", f.Sequence, err)
	}
	f.Release()
	b.Release()
}

func TestH264Lifecycle(t *testing.T) {
	c, err := NewH264Camera(hwtest.NewAutoClock(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadFrame(context.Background()); !errors.Is(err, hw.ErrNotStreaming) {
		t.Errorf("read before start: %v", err)
	}
	bad := mode30
	bad.Width = 1920
	if err := c.Start(bad); !errors.Is(err, hw.ErrUnsupportedMode) {
		t.Errorf("bad mode: %v", err)
	}
	ntsc := mode30
	ntsc.FrameRate = hw.Rational{Num: 60, Den: 2}
	if err := c.Start(ntsc); err != nil {
		t.Errorf("30 as 60/2: %v", err)
	}
	if err := c.Start(mode30); !errors.Is(err, hw.ErrBusy) {
		t.Errorf("second start: %v", err)
	}
	f, _ := c.ReadFrame(context.Background())
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Error("second close:", err)
	}
	f.Release() // after Close: safe
	if _, err := c.ReadFrame(context.Background()); !errors.Is(err, hw.ErrClosed) {
		t.Errorf("read after close: %v", err)
	}
	for _, err := range []error{c.Start(mode30), c.RequestKeyframe(), c.SetTargetBitrate(1e6), c.Stop()} {
		if !errors.Is(err, hw.ErrClosed) {
			t.Errorf("after close: %v", err)
		}
	}
}

// writeFrames reads n frames into a file as one Annex-B stream, calling
// between(i) before frame i.
func writeFrames(t *testing.T, c hw.VideoSource, n int, between func(i int)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.h264")
	var out []byte
	for i := 0; i < n; i++ {
		if between != nil {
			between(i)
		}
		f, err := c.ReadFrame(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f.Data...)
		f.Release()
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ffprobeFrames decodes the file with ffprobe and returns the number of
// frames it decoded; any message ffprobe prints at level error fails the
// test.
func ffprobeFrames(t *testing.T, ffprobe, path string) int {
	t.Helper()
	cmd := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffprobe: %v: %s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("ffprobe reports decode errors:\n%s", stderr.String())
	}
	var n int
	for _, c := range strings.TrimSpace(string(out)) {
		if c < '0' || c > '9' {
			t.Fatalf("ffprobe output %q", out)
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func TestH264DecodesWithFFprobe(t *testing.T) {
	ffprobe := testenv.NeedCommand(t, "ffprobe")
	for _, tc := range []struct {
		name    string
		opts    *H264Options
		between func(c *H264Camera, i int)
	}{
		{"from the start", nil, nil},
		{"across the loop boundary", &H264Options{StartFrame: 30}, nil},
		{"starting at a P frame near the end", &H264Options{StartFrame: 55}, nil},
		{"switching to the low clip", nil, func(c *H264Camera, i int) {
			if i == 10 {
				_ = c.SetTargetBitrate(300_000)
			}
		}},
		{"switching down and up again", &H264Options{Bitrate: 300_000, StartFrame: 30}, func(c *H264Camera, i int) {
			if i == 5 {
				_ = c.SetTargetBitrate(2_000_000)
			}
		}},
		{"keyframe requests", nil, func(c *H264Camera, i int) {
			if i == 7 || i == 41 {
				_ = c.RequestKeyframe()
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := startH264(t, tc.opts)
			path := writeFrames(t, c, 60, func(i int) {
				if tc.between != nil {
					tc.between(c, i)
				}
			})
			if n := ffprobeFrames(t, ffprobe, path); n != 60 {
				t.Errorf("ffprobe decoded %d frames, want 60", n)
			}
		})
	}
}

func BenchmarkH264ReadFrame(b *testing.B) {
	c, _ := startH264(b, nil)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := c.ReadFrame(ctx)
		if err != nil {
			b.Fatal(err)
		}
		f.Release()
	}
}
