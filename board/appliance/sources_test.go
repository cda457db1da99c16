package appliance

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/drivers/watchdog"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

// Sources opened through the appliance beat the watchdog Monitor per frame
// or period while started; one that stops delivering is stalled after
// stale_frames intervals, and a stopped one cannot stall. The device's
// optional controls stay visible to the pipeline.
func TestSourcesBeatTheMonitor(t *testing.T) {
	clock := hwtest.NewAutoClock(0)
	mon := watchdog.NewMonitor(clock, 3)
	a := New(discard(), &Options{Clock: clock, Monitor: mon})
	t.Cleanup(func() { _ = a.Close() })
	ctx := context.Background()
	if _, err := a.OpenVideo(ctx, "main"); !errors.Is(err, errNotApplied) {
		t.Fatalf("before Apply: %v", err)
	}
	if err := a.Apply(ctx, parse(t, config.Example)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.OpenVideo(ctx, "nope"); !errors.Is(err, hw.ErrNotFound) {
		t.Fatalf("unknown capture: %v", err)
	}
	var mode hw.VideoMode
	for _, c := range a.Captures() {
		if c.Name == "main" {
			mode = c.Video
		}
	}
	src, err := a.OpenVideo(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, ok := src.(hw.KeyframeRequester); !ok {
		t.Error("the H.264 source's keyframe control is hidden by the wrapper")
	}
	if err := src.Start(mode); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		f, err := src.ReadFrame(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f.Release()
		if err := mon.Check(); err != nil {
			t.Fatalf("reading frames, yet: %v", err)
		}
	}
	clock.Advance(time.Second) // 30 intervals at 30 fps, more than 3
	if err := mon.Check(); err == nil {
		t.Fatal("a started source without frames is not stalled")
	}
	if err := src.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := mon.Check(); err != nil {
		t.Fatalf("a stopped source stalls: %v", err)
	}

	mic, err := a.OpenAudio(ctx, "table-mic")
	if err != nil {
		t.Fatal(err)
	}
	defer mic.Close()
	var f hw.AudioFormat
	for _, c := range a.Captures() {
		if c.Name == "table-mic" {
			f = c.Audio
		}
	}
	if err := mic.Start(hw.AudioConfig{Format: f}); err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, mic.PeriodFrames()*f.Channels)
	if _, err := mic.ReadPeriod(ctx, buf); err != nil {
		t.Fatal(err)
	}
	if err := mon.Check(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Second)
	if err := mon.Check(); err == nil {
		t.Fatal("a silent microphone is not stalled")
	}
	if err := mic.Close(); err != nil {
		t.Fatal(err)
	}
	if err := mon.Check(); err != nil {
		t.Fatalf("a closed microphone stalls: %v", err)
	}
}
