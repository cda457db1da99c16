package hw

import "errors"

// Sentinel errors callers branch on with errors.Is. Drivers wrap them with
// context ("v4l2: /dev/video0: %w").
var (
	// ErrNotFound: no device has that ID, or no PTZ preset has that name.
	ErrNotFound = errors.New("hw: not found")

	// ErrWrongKind: the device exists but is not of the kind asked for
	// (opening a microphone as a video source).
	ErrWrongKind = errors.New("hw: wrong device kind")

	// ErrBusy: the device is already open or streaming for another user, or
	// Start was called on a source that is already started.
	ErrBusy = errors.New("hw: device busy")

	// ErrClosed: the device was closed. Every method but Info, Release and
	// Close returns it afterwards.
	ErrClosed = errors.New("hw: device closed")

	// ErrNotStreaming: ReadFrame or ReadPeriod on a source that was never
	// started or has been stopped. A read blocked when Stop is called returns
	// it too.
	ErrNotStreaming = errors.New("hw: source not streaming")

	// ErrUnsupportedMode: Start with a video mode or audio format the device
	// does not list.
	ErrUnsupportedMode = errors.New("hw: unsupported mode")

	// ErrNoBuffer: every buffer of the source is held by the caller; release
	// frames before reading more. Never returned while frames are released
	// promptly.
	ErrNoBuffer = errors.New("hw: all buffers in use")

	// ErrShortBuffer: the destination is too small for one period.
	ErrShortBuffer = errors.New("hw: destination buffer too short")

	// ErrOutOfRange: a PTZ absolute target lies outside the head's limits.
	ErrOutOfRange = errors.New("hw: position out of range")

	// ErrWoken: Timer.SleepUntil returned early because of Timer.Wake.
	ErrWoken = errors.New("hw: timer woken")

	// ErrGone: the device went away under an open handle (unplugged, its
	// driver unbound). Reads fail with it instead of stalling; close the
	// source and open the device again when a Watcher reports it added.
	ErrGone = errors.New("hw: device gone")

	// ErrInterrupted: a PTZ move was superseded by another move or by Stop
	// before it reached its target.
	ErrInterrupted = errors.New("hw: move interrupted")
)
