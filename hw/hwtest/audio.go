package hwtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
)

// AudioOp is the call an AudioStep expects.
type AudioOp uint8

// Audio operations.
const (
	AudioStart AudioOp = 1 + iota // Start(Config)
	AudioRead                     // ReadPeriod delivers Samples (or returns Err)
	AudioStop                     // Stop()
	AudioClose                    // Close()
)

var audioOpNames = [...]string{"?", "Start", "ReadPeriod", "Stop", "Close"}

func (o AudioOp) String() string {
	if int(o) < len(audioOpNames) {
		return audioOpNames[o]
	}
	return "?"
}

// AudioStep is one expected call on an Audio fake, and what it returns.
type AudioStep struct {
	Op AudioOp
	// Config is what Start must be called with (AudioStart).
	Config hw.AudioConfig
	// Samples (interleaved), Timestamp and Flags make the period ReadPeriod
	// delivers (AudioRead). The fake numbers periods from 0 at each Start.
	Samples   []int16
	Timestamp time.Duration
	Flags     hw.PeriodFlags
	// Err, when set, is returned by the call instead.
	Err error
}

func (s AudioStep) String() string {
	var a string
	switch s.Op {
	case AudioStart:
		a = fmt.Sprintf("(%v, period %d)", s.Config.Format, s.Config.PeriodFrames)
	case AudioRead:
		a = fmt.Sprintf(" → %d samples at %v", len(s.Samples), s.Timestamp)
	}
	if s.Err != nil {
		a += fmt.Sprintf(" → error %v", s.Err)
	}
	return s.Op.String() + a
}

// Audio is a scripted hw.AudioSource with the playback rules of Video:
// ReadPeriod blocks until the script reaches an AudioRead step, other calls
// must match the next step, and cleanup reports unused steps. A dst too
// short for the scripted samples gets hw.ErrShortBuffer and leaves the step
// in place.
type Audio struct {
	script
	info  hw.DeviceInfo
	steps []AudioStep

	streaming bool
	closed    bool
	cfg       hw.AudioConfig
	seq       uint64
}

var _ hw.AudioSource = (*Audio)(nil)

// NewAudio returns a fake described by info that expects steps.
func NewAudio(tb testing.TB, info hw.DeviceInfo, steps ...AudioStep) *Audio {
	tb.Helper()
	a := &Audio{info: info, steps: steps}
	if a.info.Kind == 0 {
		a.info.Kind = hw.KindAudio
	}
	a.init(tb, "audio "+info.ID, len(steps), func(i int) string { return steps[i].String() })
	return a
}

func (a *Audio) nextLocked(op AudioOp) (AudioStep, bool) {
	if a.pos < len(a.steps) && a.steps[a.pos].Op == op {
		return a.steps[a.pos], true
	}
	return AudioStep{}, false
}

// Info returns the description given to NewAudio.
func (a *Audio) Info() hw.DeviceInfo { return a.info }

// Formats returns Info().Formats.
func (a *Audio) Formats() []hw.AudioFormat { return a.info.Formats }

// Start checks cfg against the next AudioStart step.
func (a *Audio) Start(cfg hw.AudioConfig) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	st, ok := a.nextLocked(AudioStart)
	if !ok || st.Config != cfg {
		return a.unexpectedLocked(fmt.Sprintf("Start(%v, period %d)", cfg.Format, cfg.PeriodFrames))
	}
	a.pos++
	defer a.broadcastLocked()
	if st.Err != nil {
		return st.Err
	}
	a.streaming, a.seq, a.cfg = true, 0, cfg
	if a.cfg.PeriodFrames == 0 {
		a.cfg.PeriodFrames = cfg.Format.FramesIn(20 * time.Millisecond)
	}
	return nil
}

// PeriodFrames returns the configured period, 20 ms when Start asked for
// the default.
func (a *Audio) PeriodFrames() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.streaming {
		return 0
	}
	return a.cfg.PeriodFrames
}

// ReadPeriod copies the next AudioRead step's samples into dst.
func (a *Audio) ReadPeriod(ctx context.Context, dst []int16) (hw.Period, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	since := time.Now()
	for {
		if a.closed {
			return hw.Period{}, hw.ErrClosed
		}
		if st, ok := a.nextLocked(AudioRead); ok {
			if !a.streaming {
				return hw.Period{}, a.unexpectedLocked("ReadPeriod before Start")
			}
			if st.Err != nil {
				a.pos++
				a.broadcastLocked()
				return hw.Period{}, st.Err
			}
			if len(dst) < len(st.Samples) {
				return hw.Period{}, hw.ErrShortBuffer
			}
			a.pos++
			a.broadcastLocked()
			n := copy(dst, st.Samples)
			p := hw.Period{Frames: n / max(1, a.cfg.Format.Channels), Timestamp: st.Timestamp, Sequence: a.seq, Flags: st.Flags}
			a.seq++
			return p, nil
		}
		if !a.streaming {
			return hw.Period{}, hw.ErrNotStreaming
		}
		if err := a.waitLocked(ctx, "ReadPeriod", since); err != nil {
			return hw.Period{}, err
		}
	}
}

// Stop consumes an AudioStop step and wakes a blocked ReadPeriod.
func (a *Audio) Stop() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	st, ok := a.nextLocked(AudioStop)
	if !ok {
		return a.unexpectedLocked("Stop()")
	}
	a.pos++
	a.streaming = false
	a.broadcastLocked()
	return st.Err
}

// Close consumes an AudioClose step the first time; later calls do nothing.
func (a *Audio) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	st, ok := a.nextLocked(AudioClose)
	if !ok {
		return a.unexpectedLocked("Close()")
	}
	a.pos++
	a.closed, a.streaming = true, false
	a.broadcastLocked()
	return st.Err
}
