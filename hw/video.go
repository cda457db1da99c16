package hw

import "context"

// VideoSource is a camera, an encoder behind a camera, or a synthetic
// pattern. Its life is Start, ReadFrame repeatedly, Stop, and Start again or
// Close.
//
// Concurrency: ReadFrame is called from one goroutine at a time. Stop and
// Close may be called from any goroutine, also while ReadFrame blocks, which
// then returns ErrNotStreaming or ErrClosed. Info and Modes are safe at any
// time. The optional control interfaces (KeyframeRequester,
// BitrateController) may be called from any goroutine while streaming.
type VideoSource interface {
	// Info describes the device; Info().Modes equals Modes().
	Info() DeviceInfo

	// Modes lists the modes Start accepts.
	Modes() []VideoMode

	// Start begins capture in mode, which must equal (VideoMode.Equal) one
	// of Modes(); otherwise it returns ErrUnsupportedMode. It returns ErrBusy
	// if the source is already started and ErrClosed after Close.
	Start(mode VideoMode) error

	// ReadFrame blocks until the next frame is captured and returns it. The
	// caller must Release the frame (see Frame). It returns ErrNotStreaming
	// before Start or after Stop, ErrClosed after Close, ctx.Err() when ctx
	// is done first, and ErrNoBuffer when the caller holds every buffer of
	// the source. Sources that do not fall behind allocate nothing here.
	ReadFrame(ctx context.Context) (Frame, error)

	// Stop ends capture. Frames still held stay valid until released or
	// until Close. Stop on a stopped source does nothing.
	Stop() error

	// Close stops capture and frees the device. Data of frames still held
	// must not be used after Close returns; releasing them is still safe.
	// Close is idempotent.
	Close() error
}

// KeyframeRequester is implemented by sources of inter-coded formats
// (H.264) that can code the next frame as a keyframe on request, e.g. on an
// RTCP PLI or FIR (V4L2_CID_MPEG_VIDEO_FORCE_KEY_FRAME).
type KeyframeRequester interface {
	// RequestKeyframe asks that the next frame, or one very soon after, be a
	// keyframe with parameter sets in front. It does not block and does not
	// rate-limit: callers limit how often they ask.
	RequestKeyframe() error
}

// BitrateController is implemented by sources whose coded bitrate can be
// steered while streaming (encoder bitrate control, JPEG quality), e.g. from
// RTCP TMMBR or REMB feedback.
type BitrateController interface {
	// SetTargetBitrate sets the target in bits per second. Sources clamp it
	// to what they can do and apply it as soon as they can (an H.264 source
	// may wait for the next keyframe). bps <= 0 is rejected with
	// ErrOutOfRange.
	SetTargetBitrate(bps int) error
	// TargetBitrate returns the target currently in effect after clamping.
	TargetBitrate() int
}
