package hotplug

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/cluecam/cluecam/hw"
)

// kernelGroup is the multicast group the kernel sends uevents to
// (lib/kobject_uevent.c); udevd re-broadcasts on group 2.
const kernelGroup = 1

// rcvBuf is the receive buffer asked for: plugging in a USB hub or a sound
// card sends dozens of uevents at once. The kernel caps it at
// net.core.rmem_max; an overrun is reported as ErrOverflow.
const rcvBuf = 1 << 20

// Socket is a NETLINK_KOBJECT_UEVENT socket joined to the kernel's group.
// Read and Close may be called from different goroutines; one reader at a
// time.
type Socket struct {
	f      *os.File
	buf    []byte
	closed atomic.Bool // the runtime's "use of closed file" is not an exported error
}

// Open opens the socket. No privileges are needed to receive uevents.
func Open() (*Socket, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return nil, fmt.Errorf("hotplug: netlink socket: %w", err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvBuf) // best effort: the default works, bursts may overrun
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: kernelGroup}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("hotplug: netlink bind to group %d: %w", kernelGroup, err)
	}
	// Non-blocking, so os.NewFile puts it in the runtime's netpoller:
	// reads park the goroutine instead of a thread, and Close wakes them.
	return &Socket{f: os.NewFile(uintptr(fd), "netlink-uevent"), buf: make([]byte, 16<<10)}, nil
}

// Read blocks until the kernel sends a uevent and returns it parsed.
// Messages not from the kernel (a sender port id other than 0) are
// dropped; a malformed one is returned as an error wrapping ErrMalformed,
// and the socket stays usable. ErrOverflow means uevents were lost. After
// Close (also during a blocked Read) it fails with hw.ErrClosed.
func (s *Socket) Read() (Uevent, error) {
	b, err := s.readRaw()
	if err != nil {
		return Uevent{}, err
	}
	return Parse(b)
}

// readRaw returns the next kernel message, valid until the next read.
func (s *Socket) readRaw() ([]byte, error) {
	rc, err := s.f.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("hotplug: netlink: %w", hw.ErrClosed)
	}
	for {
		var (
			n    int
			from unix.Sockaddr
			rerr error
		)
		err := rc.Read(func(fd uintptr) bool {
			n, from, rerr = unix.Recvfrom(int(fd), s.buf, 0)
			return rerr != unix.EAGAIN
		})
		switch {
		case err != nil:
			if s.closed.Load() || errors.Is(err, os.ErrClosed) {
				return nil, fmt.Errorf("hotplug: netlink: %w", hw.ErrClosed)
			}
			return nil, fmt.Errorf("hotplug: netlink read: %w", err)
		case rerr == unix.ENOBUFS:
			return nil, ErrOverflow
		case rerr == unix.EINTR:
			continue
		case rerr != nil:
			return nil, fmt.Errorf("hotplug: netlink recvfrom: %w", rerr)
		}
		// Only the kernel (port id 0) sends kernel uevents; anything else
		// is a process speaking on the group.
		if nl, ok := from.(*unix.SockaddrNetlink); !ok || nl.Pid != 0 {
			continue
		}
		return s.buf[:n], nil
	}
}

// Close closes the socket and wakes a blocked Read.
func (s *Socket) Close() error {
	s.closed.Store(true)
	return s.f.Close()
}
