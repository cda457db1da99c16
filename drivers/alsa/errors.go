package alsa

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/cluecam/cluecam/hw"
)

// Errors are hw's sentinels (hw.ErrClosed, hw.ErrNotStreaming…) or kernel
// errnos (syscall.Errno), wrapped with the device ID and the ioctl's name.
// ErrStalled is this package's own.
var (
	// ErrStalled: no samples arrived within Options.StallTimeout.
	ErrStalled = errors.New("alsa: no samples within the stall timeout")
)

// ioctlError wraps a failed ioctl with the device and the request name.
// ENODEV is hw.ErrGone too: after snd_card_disconnect (unplug, unbind)
// every ioctl on a PCM still open fails with it (sound/core/init.c,
// snd_disconnect_ioctl).
func ioctlError(id string, req uint32, err error) error {
	if isErrno(err, syscall.ENODEV) {
		err = fmt.Errorf("%w: %w", hw.ErrGone, err)
	}
	return fmt.Errorf("alsa: %s: %s: %w", id, IoctlName(req), err)
}

// goneIsDone drops hw.ErrGone from a teardown step: a disconnected card
// has nothing left to drop or free, so Stop and Close of a removed PCM
// succeed.
func goneIsDone(err error) error {
	if errors.Is(err, hw.ErrGone) {
		return nil
	}
	return err
}

func wrap(id string, err error) error { return fmt.Errorf("alsa: %s: %w", id, err) }

func isErrno(err error, e syscall.Errno) bool { return errors.Is(err, e) }
