package ioctltest

import (
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
)

// Switch is a Sys that passes every call on to the Sys set last. A test
// sets a device up with the playback fake, switches to a Sys that answers
// the hot path without scripting it (for benchmarks and allocation
// counts), and switches back to tear down.
type Switch struct{ cur atomic.Pointer[ioctl.Sys] }

var _ ioctl.Sys = (*Switch)(nil)

// NewSwitch returns a Switch passing calls to s.
func NewSwitch(s ioctl.Sys) *Switch { w := &Switch{}; w.Set(s); return w }

// Set makes s the Sys calls go to.
func (w *Switch) Set(s ioctl.Sys) { w.cur.Store(&s) }

func (w *Switch) sys() ioctl.Sys { return *w.cur.Load() }

// The Sys methods pass the call on to the Sys set last.

func (w *Switch) Open(p string) (int, error)                          { return w.sys().Open(p) }
func (w *Switch) Close(fd int) error                                  { return w.sys().Close(fd) }
func (w *Switch) Ioctl(fd int, r uint32, a unsafe.Pointer) error      { return w.sys().Ioctl(fd, r, a) }
func (w *Switch) Mmap(fd int, o int64, n int) ([]byte, error)         { return w.sys().Mmap(fd, o, n) }
func (w *Switch) Munmap(b []byte) error                               { return w.sys().Munmap(b) }
func (w *Switch) Poll(f []ioctl.PollFd, t time.Duration) (int, error) { return w.sys().Poll(f, t) }
func (w *Switch) Eventfd() (int, error)                               { return w.sys().Eventfd() }
func (w *Switch) Read(fd int, p []byte) (int, error)                  { return w.sys().Read(fd, p) }
func (w *Switch) Write(fd int, p []byte) (int, error)                 { return w.sys().Write(fd, p) }
