package ioctl

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/cluecam/cluecam/hw"
)

// OpenError classifies an error of Sys.Open with the hw sentinels callers
// branch on: a node that is not there (ENOENT, ENODEV, ENXIO) is
// hw.ErrNotFound, one in use (EBUSY) hw.ErrBusy. The errno stays wrapped.
func OpenError(err error) error {
	switch {
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO):
		return fmt.Errorf("%w: %w", hw.ErrNotFound, err)
	case errors.Is(err, syscall.EBUSY):
		return fmt.Errorf("%w: %w", hw.ErrBusy, err)
	}
	return err
}
