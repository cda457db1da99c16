package hwtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
)

var (
	testFormat = hw.AudioFormat{Rate: 8000, Channels: 2, Encoding: hw.S16LE}
	testMic    = hw.DeviceInfo{ID: "fake:mic", Driver: "fake", Kind: hw.KindAudio, Formats: []hw.AudioFormat{testFormat}}
)

func TestAudioPlayback(t *testing.T) {
	a := NewAudio(t, testMic,
		AudioStep{Op: AudioStart, Config: hw.AudioConfig{Format: testFormat}},
		AudioStep{Op: AudioRead, Samples: []int16{1, -1, 2, -2}, Timestamp: time.Second},
		AudioStep{Op: AudioRead, Samples: []int16{3, -3}, Timestamp: time.Second + 250*time.Microsecond, Flags: hw.PeriodDiscontinuity},
		AudioStep{Op: AudioStop},
		AudioStep{Op: AudioClose},
	)
	if a.PeriodFrames() != 0 {
		t.Error("period before start")
	}
	if err := a.Start(hw.AudioConfig{Format: testFormat}); err != nil {
		t.Fatal(err)
	}
	if got := a.PeriodFrames(); got != 160 {
		t.Errorf("default period %d, want 160 (20 ms at 8 kHz)", got)
	}
	dst := make([]int16, 320)
	p, err := a.ReadPeriod(context.Background(), dst[:3])
	if !errors.Is(err, hw.ErrShortBuffer) {
		t.Fatalf("short dst: %v", err)
	}
	p, err = a.ReadPeriod(context.Background(), dst)
	if err != nil || p.Frames != 2 || p.Timestamp != time.Second || p.Sequence != 0 || dst[3] != -2 {
		t.Fatalf("period 0: %+v %v %v", p, dst[:4], err)
	}
	p, err = a.ReadPeriod(context.Background(), dst)
	if err != nil || p.Frames != 1 || p.Sequence != 1 || p.Flags != hw.PeriodDiscontinuity {
		t.Fatalf("period 1: %+v %v", p, err)
	}
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ReadPeriod(context.Background(), dst); !errors.Is(err, hw.ErrNotStreaming) {
		t.Errorf("after stop: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ReadPeriod(context.Background(), dst); !errors.Is(err, hw.ErrClosed) {
		t.Errorf("after close: %v", err)
	}
}

func TestAudioFails(t *testing.T) {
	r := newRecorder(t)
	a := NewAudio(r, testMic,
		AudioStep{Op: AudioStart, Config: hw.AudioConfig{Format: testFormat, PeriodFrames: 80}},
		AudioStep{Op: AudioRead, Samples: []int16{1, 2}},
	)
	if err := a.Start(hw.AudioConfig{Format: testFormat}); !errors.Is(err, ErrUnexpected) {
		t.Errorf("wrong period: %v", err)
	}
	expectFailures(t, r.finish(),
		"unexpected Start(S16LE 8000Hz 2ch, period 0): next is step 0: Start(S16LE 8000Hz 2ch, period 80)",
		"2 scripted step(s) not used",
	)
}
