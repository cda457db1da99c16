package v4l2

import (
	"errors"
	"fmt"
	"syscall"
)

// Errors callers branch on. Everything else is an hw sentinel
// (hw.ErrClosed, hw.ErrBusy, hw.ErrUnsupportedMode…) or a kernel errno
// (syscall.Errno), wrapped with the device path and the ioctl's name.
var (
	// ErrSourceChanged: the device signalled V4L2_EVENT_SOURCE_CHANGE (an
	// HDMI input changed resolution): stop and start the source again.
	ErrSourceChanged = errors.New("v4l2: source changed")

	// ErrStalled: no frame arrived within Options.StallTimeout while
	// buffers were queued; the device or its cable is likely gone.
	ErrStalled = errors.New("v4l2: no frame within the stall timeout")

	// ErrNotVideo: the node is not a streaming video capture device or a
	// stateful encoder (a metadata node, an output, a decoder).
	ErrNotVideo = errors.New("v4l2: not a streaming capture device or encoder")

	// ErrLayout: camera and encoder disagree on the raw frame layout
	// (bytes per line, image size, plane count), so the camera's buffers
	// cannot be handed to the encoder.
	ErrLayout = errors.New("v4l2: camera and encoder frame layouts differ")
)

// ioctlError wraps a failed ioctl with the device and the request name.
func ioctlError(path string, req uint32, err error) error {
	return fmt.Errorf("v4l2: %s: %s: %w", path, IoctlName(req), err)
}

// wrap prefixes err with the device path.
func wrap(path string, err error) error { return fmt.Errorf("v4l2: %s: %w", path, err) }

// isErrno reports whether err is the errno e.
func isErrno(err error, e syscall.Errno) bool { return errors.Is(err, e) }
