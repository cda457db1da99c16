//go:build !linux

package ioctl

import (
	"errors"
	"time"
	"unsafe"
)

// Default returns a Sys whose every call fails with errors.ErrUnsupported:
// the device APIs behind the seam exist on Linux only.
func Default() Sys { return otherSys{} }

type otherSys struct{}

func (otherSys) Open(string) (int, error)                  { return -1, errors.ErrUnsupported }
func (otherSys) Close(int) error                           { return errors.ErrUnsupported }
func (otherSys) Ioctl(int, uint32, unsafe.Pointer) error   { return errors.ErrUnsupported }
func (otherSys) Mmap(int, int64, int) ([]byte, error)      { return nil, errors.ErrUnsupported }
func (otherSys) Munmap([]byte) error                       { return errors.ErrUnsupported }
func (otherSys) Poll([]PollFd, time.Duration) (int, error) { return 0, errors.ErrUnsupported }
func (otherSys) Eventfd() (int, error)                     { return -1, errors.ErrUnsupported }
func (otherSys) Read(int, []byte) (int, error)             { return 0, errors.ErrUnsupported }
func (otherSys) Write(int, []byte) (int, error)            { return 0, errors.ErrUnsupported }
