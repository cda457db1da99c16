package v4l2

import (
	"fmt"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
)

// Sys is the seam between the driver and the kernel: every system call the
// driver makes goes through it, so tests replay scripted kernel answers
// (the record/playback fake of drivers/internal/ioctl/ioctltest) and the
// driver never holds a bare *os.File. It is the seam drivers/alsa uses too,
// defined in drivers/internal/ioctl. The real implementation, on
// golang.org/x/sys/unix, is returned by DefaultSys on Linux; elsewhere
// DefaultSys fails every call with errors.ErrUnsupported.
//
// Errors are the kernel's errno values as syscall.Errno, so callers test
// them with errors.Is(err, syscall.EAGAIN).
type Sys = ioctl.Sys

// PollFd is struct pollfd from <poll.h>, as Sys.Poll takes it.
type PollFd = ioctl.PollFd

// DefaultSys returns the Sys that makes real system calls; off Linux, where
// V4L2 does not exist, every call fails and a Provider finds no devices.
func DefaultSys() Sys { return ioctl.Default() }

// IoctlSize returns the argument size encoded in an ioctl request.
func IoctlSize(req uint32) int { return ioctl.Size(req) }

// newWaker creates the eventfd that lets Stop and Close wake a reader.
func newWaker(sys Sys) (*ioctl.Waker, error) {
	w, err := ioctl.NewWaker(sys)
	if err != nil {
		return nil, fmt.Errorf("v4l2: eventfd: %w", err)
	}
	return w, nil
}
