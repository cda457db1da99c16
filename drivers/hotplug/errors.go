package hotplug

import "errors"

var (
	// ErrMalformed: a message is not a kernel uevent (a udev-format
	// message, a header without '@', a field without '=', missing
	// ACTION/DEVPATH/SUBSYSTEM/SEQNUM). Wrapped with the byte offset.
	ErrMalformed = errors.New("hotplug: malformed uevent")

	// ErrOverflow: the socket's receive buffer overran (ENOBUFS) and
	// uevents were lost; whoever tracks devices must scan again.
	ErrOverflow = errors.New("hotplug: uevents lost (receive buffer overrun)")
)
