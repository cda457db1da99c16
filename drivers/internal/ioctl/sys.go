// Package ioctl is the kernel seam the device drivers share (drivers/v4l2,
// drivers/alsa): Sys, through which every system call a driver makes goes;
// its real implementation on golang.org/x/sys/unix (Default); the ioctl
// request encoding of <asm-generic/ioctl.h>; and the Waker that lets Stop
// and Close interrupt a reader blocked in Poll.
//
// Drivers hold a Sys, never a bare *os.File, so their tests replay scripted
// kernel sessions through the record/playback fake of package ioctltest.
// Errors are the kernel's errno values as syscall.Errno, so callers test
// them with errors.Is(err, syscall.EAGAIN); messages are left to the
// drivers, which prefix them with their own name.
package ioctl

import (
	"time"
	"unsafe"
)

// Sys is the seam between a driver and the kernel. Default returns the real
// one on Linux; elsewhere Default fails every call with
// errors.ErrUnsupported.
type Sys interface {
	// Open opens a device node (O_RDWR|O_NONBLOCK|O_CLOEXEC); a node in
	// use elsewhere (an ALSA PCM) fails with EBUSY at once instead of
	// blocking.
	Open(path string) (fd int, err error)
	// Close closes a file descriptor (a device, an eventfd, a DMABUF).
	Close(fd int) error
	// Ioctl performs ioctl(fd, req, arg). arg points at the argument
	// struct, whose size is the one encoded in req (see Size).
	Ioctl(fd int, req uint32, arg unsafe.Pointer) error
	// Mmap maps length bytes of fd at offset, shared, read and write.
	Mmap(fd int, offset int64, length int) ([]byte, error)
	// Munmap unmaps a mapping Mmap returned.
	Munmap(b []byte) error
	// Poll waits for events on fds (poll(2)); timeout < 0 waits forever.
	// It returns the number of fds with events. EINTR is returned as is.
	Poll(fds []PollFd, timeout time.Duration) (int, error)
	// Eventfd creates a non-blocking eventfd, the wake-up channel that
	// lets Stop and Close interrupt a blocked Poll (see Waker).
	Eventfd() (fd int, err error)
	// Read and Write transfer bytes (used on eventfds only).
	Read(fd int, p []byte) (int, error)
	Write(fd int, p []byte) (int, error)
}

// PollFd is struct pollfd from <poll.h>.
type PollFd struct {
	Fd      int32
	Events  int16
	Revents int16
}

// Poll event bits (<asm-generic/poll.h>).
const (
	PollIn  = 0x1
	PollPri = 0x2
	PollOut = 0x4
	PollErr = 0x8
	PollHup = 0x10
)
