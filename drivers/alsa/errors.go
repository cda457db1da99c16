package alsa

import (
	"errors"
	"fmt"
	"syscall"
)

// Errors are hw's sentinels (hw.ErrClosed, hw.ErrNotStreaming…) or kernel
// errnos (syscall.Errno), wrapped with the device ID and the ioctl's name.
// ErrStalled is this package's own.
var (
	// ErrStalled: no samples arrived within Options.StallTimeout.
	ErrStalled = errors.New("alsa: no samples within the stall timeout")
)

func ioctlError(id string, req uint32, err error) error {
	return fmt.Errorf("alsa: %s: %s: %w", id, IoctlName(req), err)
}

func wrap(id string, err error) error { return fmt.Errorf("alsa: %s: %w", id, err) }

func isErrno(err error, e syscall.Errno) bool { return errors.Is(err, e) }
