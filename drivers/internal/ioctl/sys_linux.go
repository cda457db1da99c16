package ioctl

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Default returns the Sys that makes real system calls.
func Default() Sys { return linuxSys{} }

type linuxSys struct{}

func (linuxSys) Open(path string) (int, error) {
	for {
		fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

func (linuxSys) Close(fd int) error { return unix.Close(fd) }

func (linuxSys) Ioctl(fd int, req uint32, arg unsafe.Pointer) error {
	for {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg))
		switch errno {
		case 0:
			return nil
		case unix.EINTR:
			continue
		}
		return errno
	}
}

func (linuxSys) Mmap(fd int, offset int64, length int) ([]byte, error) {
	return unix.Mmap(fd, offset, length, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
}

func (linuxSys) Munmap(b []byte) error { return unix.Munmap(b) }

func (linuxSys) Poll(fds []PollFd, timeout time.Duration) (int, error) {
	ms := -1
	if timeout >= 0 {
		ms = int((timeout + time.Millisecond - 1) / time.Millisecond)
	}
	// PollFd has the layout of unix.PollFd (struct pollfd).
	return unix.Poll(unsafe.Slice((*unix.PollFd)(unsafe.Pointer(unsafe.SliceData(fds))), len(fds)), ms)
}

func (linuxSys) Eventfd() (int, error) {
	return unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
}

func (linuxSys) Read(fd int, p []byte) (int, error)  { return unix.Read(fd, p) }
func (linuxSys) Write(fd int, p []byte) (int, error) { return unix.Write(fd, p) }
