package v4l2

import (
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"github.com/cluecam/cluecam/hw"
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

// ioctlError wraps a failed ioctl with the device and the request name;
// ENODEV (the device went away) is hw.ErrGone too.
func ioctlError(path string, req uint32, err error) error {
	return fmt.Errorf("v4l2: %s: %s: %w", path, IoctlName(req), gone(err))
}

// gone marks err with hw.ErrGone when it is ENODEV: once a driver
// unregisters a node (unplug, unbind) every file operation on a handle
// still open fails with ENODEV (drivers/media/v4l2-core/v4l2-dev.c,
// v4l2_ioctl and friends).
func gone(err error) error {
	if isErrno(err, syscall.ENODEV) {
		return fmt.Errorf("%w: %w", hw.ErrGone, err)
	}
	return err
}

// pollError explains POLLERR/POLLHUP without POLLIN. An unregistered node
// polls as EPOLLERR|EPOLLHUP|EPOLLPRI (v4l2_poll); VIDIOC_QUERYCAP, which
// any live node answers, then fails with ENODEV and the error is
// hw.ErrGone. Otherwise no buffer is queued or the driver failed: EIO.
func pollError(sys Sys, fd int, path string) error {
	var c capability
	if err := sys.Ioctl(fd, vidiocQuerycap, unsafe.Pointer(&c)); isErrno(err, syscall.ENODEV) {
		return wrap(path, fmt.Errorf("device removed: %w", gone(err)))
	}
	return wrap(path, fmt.Errorf("device reports an error (no buffers queued, or a driver fault): %w", syscall.EIO))
}

// wrap prefixes err with the device path.
func wrap(path string, err error) error { return fmt.Errorf("v4l2: %s: %w", path, err) }

// isErrno reports whether err is the errno e.
func isErrno(err error, e syscall.Errno) bool { return errors.Is(err, e) }
