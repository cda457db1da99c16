package hwtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
)

// VideoOp is the call a VideoStep expects.
type VideoOp uint8

// Video operations.
const (
	VideoStart    VideoOp = 1 + iota // Start(Mode)
	VideoRead                        // ReadFrame delivers Data (or returns Err)
	VideoKeyframe                    // RequestKeyframe()
	VideoBitrate                     // SetTargetBitrate(Bitrate)
	VideoStop                        // Stop()
	VideoClose                       // Close()
)

var videoOpNames = [...]string{"?", "Start", "ReadFrame", "RequestKeyframe", "SetTargetBitrate", "Stop", "Close"}

func (o VideoOp) String() string {
	if int(o) < len(videoOpNames) {
		return videoOpNames[o]
	}
	return "?"
}

// VideoStep is one expected call on a Video fake, and what it returns.
type VideoStep struct {
	Op VideoOp
	// Mode is the mode Start must be called with (VideoStart).
	Mode hw.VideoMode
	// Bitrate is the bps SetTargetBitrate must be called with (VideoBitrate);
	// 0 accepts any value.
	Bitrate int
	// Data, Timestamp and Flags make the frame ReadFrame delivers
	// (VideoRead). The fake numbers frames from 0 at each Start.
	Data      []byte
	Timestamp time.Duration
	Flags     hw.FrameFlags
	// Err, when set, is returned by the call instead; for VideoRead no
	// frame is delivered, for VideoStart the source stays stopped.
	Err error
}

func (s VideoStep) String() string {
	var a string
	switch s.Op {
	case VideoStart:
		a = fmt.Sprintf("(%v)", s.Mode)
	case VideoRead:
		a = fmt.Sprintf(" → %d bytes at %v flags %#x", len(s.Data), s.Timestamp, uint32(s.Flags))
	case VideoBitrate:
		a = fmt.Sprintf("(%d)", s.Bitrate)
	}
	if s.Err != nil {
		a += fmt.Sprintf(" → error %v", s.Err)
	}
	return s.Op.String() + a
}

// Video is a scripted hw.VideoSource that also implements
// hw.KeyframeRequester and hw.BitrateController. Calls must come in the
// order of the steps. ReadFrame is a pull: while the next step is not a
// VideoRead it blocks (as a camera blocks before the next capture) until
// another goroutine's call moves the script on, Stop or Close is called, ctx
// is done, or BlockTimeout passes, which is reported as a failure. Any other
// call that does not match the next step is reported at once and returns an
// error wrapping ErrUnexpected. At cleanup the fake reports unused steps and
// unreleased frames.
//
// Info, Modes and TargetBitrate are queries, not steps.
type Video struct {
	script
	info  hw.DeviceInfo
	steps []VideoStep

	streaming bool
	closed    bool
	seq       uint64
	bitrate   int
}

var (
	_ hw.VideoSource       = (*Video)(nil)
	_ hw.KeyframeRequester = (*Video)(nil)
	_ hw.BitrateController = (*Video)(nil)
	_ FrameCounter         = (*Video)(nil)
)

// NewVideo returns a fake described by info that expects steps.
func NewVideo(tb testing.TB, info hw.DeviceInfo, steps ...VideoStep) *Video {
	tb.Helper()
	v := &Video{info: info, steps: steps}
	if v.info.Kind == 0 {
		v.info.Kind = hw.KindVideo
	}
	v.init(tb, "video "+info.ID, len(steps), func(i int) string { return steps[i].String() })
	return v
}

// next returns the next step if it has op.
func (v *Video) nextLocked(op VideoOp) (VideoStep, bool) {
	if v.pos < len(v.steps) && v.steps[v.pos].Op == op {
		return v.steps[v.pos], true
	}
	return VideoStep{}, false
}

// Info returns the description given to NewVideo.
func (v *Video) Info() hw.DeviceInfo { return v.info }

// Modes returns Info().Modes.
func (v *Video) Modes() []hw.VideoMode { return v.info.Modes }

// Start checks the mode against the next VideoStart step.
func (v *Video) Start(mode hw.VideoMode) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	call := fmt.Sprintf("Start(%v)", mode)
	st, ok := v.nextLocked(VideoStart)
	if !ok || !st.Mode.Equal(mode) {
		return v.unexpectedLocked(call)
	}
	v.pos++
	defer v.broadcastLocked()
	if st.Err != nil {
		return st.Err
	}
	v.streaming, v.seq = true, 0
	return nil
}

// ReadFrame delivers the next VideoRead step's frame, waiting for it if
// another step comes first.
func (v *Video) ReadFrame(ctx context.Context) (hw.Frame, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	since := time.Now()
	for {
		if v.closed {
			return hw.Frame{}, hw.ErrClosed
		}
		if st, ok := v.nextLocked(VideoRead); ok {
			if !v.streaming {
				return hw.Frame{}, v.unexpectedLocked("ReadFrame before Start")
			}
			v.pos++
			v.broadcastLocked()
			if st.Err != nil {
				return hw.Frame{}, st.Err
			}
			seq := v.seq
			v.seq++
			return hw.NewFrame(st.Data, st.Timestamp, seq, st.Flags, &v.script, 0, v.lendLocked(seq)), nil
		}
		if !v.streaming {
			return hw.Frame{}, hw.ErrNotStreaming
		}
		if err := v.waitLocked(ctx, "ReadFrame", since); err != nil {
			return hw.Frame{}, err
		}
	}
}

// RequestKeyframe consumes a VideoKeyframe step.
func (v *Video) RequestKeyframe() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	st, ok := v.nextLocked(VideoKeyframe)
	if !ok {
		return v.unexpectedLocked("RequestKeyframe()")
	}
	v.pos++
	v.broadcastLocked()
	return st.Err
}

// SetTargetBitrate consumes a VideoBitrate step.
func (v *Video) SetTargetBitrate(bps int) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	st, ok := v.nextLocked(VideoBitrate)
	if !ok || (st.Bitrate != 0 && st.Bitrate != bps) {
		return v.unexpectedLocked(fmt.Sprintf("SetTargetBitrate(%d)", bps))
	}
	v.pos++
	v.broadcastLocked()
	if st.Err != nil {
		return st.Err
	}
	v.bitrate = bps
	return nil
}

// TargetBitrate returns the last bitrate set successfully.
func (v *Video) TargetBitrate() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.bitrate
}

// Stop consumes a VideoStop step and wakes a blocked ReadFrame.
func (v *Video) Stop() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	st, ok := v.nextLocked(VideoStop)
	if !ok {
		return v.unexpectedLocked("Stop()")
	}
	v.pos++
	v.streaming = false
	v.broadcastLocked()
	return st.Err
}

// Close consumes a VideoClose step the first time; later calls do nothing.
func (v *Video) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil
	}
	st, ok := v.nextLocked(VideoClose)
	if !ok {
		return v.unexpectedLocked("Close()")
	}
	v.pos++
	v.closed, v.streaming = true, false
	v.broadcastLocked()
	return st.Err
}
