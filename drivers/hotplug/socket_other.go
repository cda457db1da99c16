//go:build !linux

package hotplug

import (
	"errors"
	"fmt"
)

// Socket is a NETLINK_KOBJECT_UEVENT socket; there are none off Linux.
type Socket struct{}

// Open fails off Linux.
func Open() (*Socket, error) {
	return nil, fmt.Errorf("hotplug: netlink uevents: %w", errors.ErrUnsupported)
}

// Read fails off Linux.
func (s *Socket) Read() (Uevent, error) { return Uevent{}, errors.ErrUnsupported }

// Close does nothing off Linux.
func (s *Socket) Close() error { return nil }
