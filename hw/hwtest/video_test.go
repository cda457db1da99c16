package hwtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
)

var (
	testMode  = hw.VideoMode{Format: hw.FormatH264, Width: 640, Height: 360, FrameRate: hw.Rational{Num: 30, Den: 1}}
	testVideo = hw.DeviceInfo{ID: "fake:video", Driver: "fake", Name: "Fake camera", Kind: hw.KindVideo, Modes: []hw.VideoMode{testMode}}
)

func TestVideoPlayback(t *testing.T) {
	v := NewVideo(t, testVideo,
		VideoStep{Op: VideoStart, Mode: hw.VideoMode{Format: hw.FormatH264, Width: 640, Height: 360, FrameRate: hw.Rational{Num: 60, Den: 2}}},
		VideoStep{Op: VideoRead, Data: []byte{1}, Timestamp: time.Second, Flags: hw.FrameKeyframe},
		VideoStep{Op: VideoRead, Data: []byte{2}, Timestamp: time.Second + 33*time.Millisecond},
		VideoStep{Op: VideoKeyframe},
		VideoStep{Op: VideoRead, Data: []byte{3}, Flags: hw.FrameKeyframe},
		VideoStep{Op: VideoBitrate, Bitrate: 500_000},
		VideoStep{Op: VideoRead, Err: hw.ErrNoBuffer},
		VideoStep{Op: VideoStop},
		VideoStep{Op: VideoClose},
	)
	ctx := context.Background()
	if err := v.Start(testMode); err != nil {
		t.Fatal(err)
	}
	for i, want := range []byte{1, 2} {
		f, err := v.ReadFrame(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f.Data[0] != want || f.Sequence != uint64(i) {
			t.Errorf("frame %d: data %v seq %d", i, f.Data, f.Sequence)
		}
		if i == 0 && (!f.Keyframe() || f.Timestamp != time.Second) {
			t.Errorf("frame 0: keyframe %v ts %v", f.Keyframe(), f.Timestamp)
		}
		f.Release()
	}
	if err := v.RequestKeyframe(); err != nil {
		t.Fatal(err)
	}
	f, err := v.ReadFrame(ctx)
	if err != nil || !f.Keyframe() {
		t.Fatalf("after keyframe request: %v %v", f.Flags, err)
	}
	cp := f
	f.Release()
	cp.Release() // a copy released again: no-op
	f.Release()
	if n := v.OutstandingFrames(); n != 0 {
		t.Errorf("outstanding %d", n)
	}
	if err := v.SetTargetBitrate(500_000); err != nil || v.TargetBitrate() != 500_000 {
		t.Fatalf("bitrate: %v %d", err, v.TargetBitrate())
	}
	if _, err := v.ReadFrame(ctx); !errors.Is(err, hw.ErrNoBuffer) {
		t.Fatalf("scripted error: %v", err)
	}
	if err := v.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.ReadFrame(ctx); !errors.Is(err, hw.ErrNotStreaming) {
		t.Errorf("read after stop: %v", err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if _, err := v.ReadFrame(ctx); !errors.Is(err, hw.ErrClosed) {
		t.Errorf("read after close: %v", err)
	}
	if !v.Done() {
		t.Error("script not done")
	}
}

// A reader blocked in ReadFrame waits for the control call the script puts
// before the next frame, as a pipeline's capture goroutine waits while its
// RTCP goroutine asks for a keyframe.
func TestVideoReadWaitsForScript(t *testing.T) {
	v := NewVideo(t, testVideo,
		VideoStep{Op: VideoStart, Mode: testMode},
		VideoStep{Op: VideoKeyframe},
		VideoStep{Op: VideoRead, Data: []byte{9}, Flags: hw.FrameKeyframe},
		VideoStep{Op: VideoStop},
	)
	if err := v.Start(testMode); err != nil {
		t.Fatal(err)
	}
	type res struct {
		f   hw.Frame
		err error
	}
	got := make(chan res)
	go func() {
		f, err := v.ReadFrame(context.Background())
		got <- res{f, err}
	}()
	time.Sleep(10 * time.Millisecond)
	select {
	case r := <-got:
		t.Fatalf("ReadFrame returned before the keyframe request: %v", r.err)
	default:
	}
	if err := v.RequestKeyframe(); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil || !r.f.Keyframe() {
		t.Fatalf("%v %v", r.f.Flags, r.err)
	}
	r.f.Release()

	// Stop unblocks a reader waiting with nothing scripted.
	go func() {
		_, err := v.ReadFrame(context.Background())
		got <- res{err: err}
	}()
	time.Sleep(10 * time.Millisecond)
	if err := v.Stop(); err != nil {
		t.Fatal(err)
	}
	if r := <-got; !errors.Is(r.err, hw.ErrNotStreaming) {
		t.Fatalf("blocked read after Stop: %v", r.err)
	}
}

func TestVideoReadHonoursContext(t *testing.T) {
	v := NewVideo(t, testVideo, VideoStep{Op: VideoStart, Mode: testMode})
	if err := v.Start(testMode); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := v.ReadFrame(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}

func TestVideoFailsOnUnusedStep(t *testing.T) {
	r := newRecorder(t)
	v := NewVideo(r, testVideo, VideoStep{Op: VideoStart, Mode: testMode}, VideoStep{Op: VideoStop})
	if err := v.Start(testMode); err != nil {
		t.Fatal(err)
	}
	expectFailures(t, r.finish(), "1 scripted step(s) not used:\n\tstep 1: Stop")
}

func TestVideoFailsOnUnexpectedCall(t *testing.T) {
	r := newRecorder(t)
	v := NewVideo(r, testVideo, VideoStep{Op: VideoStart, Mode: testMode})
	if err := v.RequestKeyframe(); !errors.Is(err, ErrUnexpected) {
		t.Errorf("got %v", err)
	}
	other := testMode
	other.Width = 1280
	if err := v.Start(other); !errors.Is(err, ErrUnexpected) {
		t.Errorf("got %v", err)
	}
	if err := v.Start(testMode); err != nil {
		t.Fatal(err)
	}
	if err := v.Stop(); !errors.Is(err, ErrUnexpected) {
		t.Errorf("got %v", err)
	}
	expectFailures(t, r.finish(),
		"unexpected RequestKeyframe(): next is step 0: Start(H264 640x360@30)",
		"unexpected Start(H264 1280x360@30)",
		"unexpected Stop(): script exhausted after 1 step(s)",
	)
}

func TestVideoFailsOnUnreleasedFrame(t *testing.T) {
	r := newRecorder(t)
	v := NewVideo(r, testVideo,
		VideoStep{Op: VideoStart, Mode: testMode},
		VideoStep{Op: VideoRead, Data: []byte{1}},
		VideoStep{Op: VideoRead, Data: []byte{2}},
	)
	if err := v.Start(testMode); err != nil {
		t.Fatal(err)
	}
	f, _ := v.ReadFrame(context.Background())
	f.Release()
	if _, err := v.ReadFrame(context.Background()); err != nil { // leaked
		t.Fatal(err)
	}
	expectFailures(t, r.finish(), "1 frame(s) never released, sequence numbers [1]")
}

func TestVideoFailsWhenReadBlocksTooLong(t *testing.T) {
	r := newRecorder(t)
	v := NewVideo(r, testVideo, VideoStep{Op: VideoStart, Mode: testMode}, VideoStep{Op: VideoStop})
	v.SetBlockTimeout(5 * time.Millisecond)
	if err := v.Start(testMode); err != nil {
		t.Fatal(err)
	}
	if _, err := v.ReadFrame(context.Background()); !errors.Is(err, ErrBlocked) {
		t.Errorf("got %v", err)
	}
	_ = v.Stop()
	expectFailures(t, r.finish(), "ReadFrame blocked for 5ms waiting for a scripted delivery; next is step 1: Stop")
}

func TestExpectReleased(t *testing.T) {
	r := newRecorder(t)
	v := NewVideo(t, testVideo, VideoStep{Op: VideoStart, Mode: testMode}, VideoStep{Op: VideoRead, Data: []byte{1}})
	ExpectReleased(r, v)
	_ = v.Start(testMode)
	f, _ := v.ReadFrame(context.Background())
	expectFailures(t, r.finish(), "1 frame(s) never released")
	f.Release()
}
