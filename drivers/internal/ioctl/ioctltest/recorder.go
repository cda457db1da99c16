package ioctltest

import (
	"bytes"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
)

// Recorder wraps a Sys and writes down every call as a playback step, so a
// session on a real kernel (vivid or snd-aloop under QEMU) turns into a
// script that replays the same sequence offline. Eventfds are left out, as
// the fake simulates them; a poll that only a wake-up ended is recorded as
// blocking.
type Recorder struct {
	ioctl.Sys
	mu    sync.Mutex
	steps []Step
	efds  map[int]bool
}

var _ ioctl.Sys = (*Recorder)(nil)

// NewRecorder returns a Recorder passing every call on to sys.
func NewRecorder(sys ioctl.Sys) *Recorder { return &Recorder{Sys: sys, efds: map[int]bool{}} }

// Steps returns the session so far as a script. Recorded ioctl arguments
// are compared whole on replay (Mask nil), printed as bytes.
func (r *Recorder) Steps() []Step {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Step(nil), r.steps...)
}

func (r *Recorder) isEfd(fd int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.efds[fd]
}

// Eventfd passes the call on and notes the eventfd, which is not recorded.
func (r *Recorder) Eventfd() (int, error) {
	fd, err := r.Sys.Eventfd()
	if err == nil {
		r.mu.Lock()
		r.efds[fd] = true
		r.mu.Unlock()
	}
	return fd, err
}

func (r *Recorder) add(s Step) {
	r.mu.Lock()
	r.steps = append(r.steps, s)
	r.mu.Unlock()
}

// Open, Close, Ioctl, Mmap, Munmap and Poll pass the call on and record
// it with its answer.
func (r *Recorder) Open(path string) (int, error) {
	fd, err := r.Sys.Open(path)
	r.add(Step{Op: OpOpen, Path: path, Fd: fd, Err: err})
	return fd, err
}

func (r *Recorder) Close(fd int) error {
	err := r.Sys.Close(fd)
	if !r.isEfd(fd) { // eventfds are simulated, not scripted
		r.add(Step{Op: OpClose, Fd: fd, Err: err})
	}
	return err
}

func (r *Recorder) Ioctl(fd int, req uint32, arg unsafe.Pointer) error {
	n := ioctl.Size(req)
	in := bytes.Clone(unsafe.Slice((*byte)(arg), n))
	err := r.Sys.Ioctl(fd, req, arg)
	out := bytes.Clone(unsafe.Slice((*byte)(arg), n))
	r.add(Step{Op: OpIoctl, Fd: fd, Req: req, In: in, Out: out, Err: err, Show: func(b []byte) string { return fmt.Sprintf("% x", b) }})
	return err
}

func (r *Recorder) Mmap(fd int, off int64, length int) ([]byte, error) {
	m, err := r.Sys.Mmap(fd, off, length)
	r.add(Step{Op: OpMmap, Fd: fd, Off: off, Mem: m, Err: err})
	return m, err
}

func (r *Recorder) Munmap(b []byte) error {
	err := r.Sys.Munmap(b)
	r.add(Step{Op: OpMunmap, Mem: b, Err: err})
	return err
}

func (r *Recorder) Poll(fds []ioctl.PollFd, timeout time.Duration) (int, error) {
	n, err := r.Sys.Poll(fds, timeout)
	var dev []ioctl.PollFd
	woken := false
	for _, p := range fds {
		if r.isEfd(int(p.Fd)) {
			woken = woken || p.Revents != 0
		} else {
			dev = append(dev, p)
		}
	}
	// A poll that only a wake-up ended is recorded as blocking: on replay
	// it waits for the same Stop or Close.
	for i := range dev {
		if woken {
			dev[i].Revents = 0
		}
	}
	r.add(Step{Op: OpPoll, Poll: dev, Block: woken, Err: err})
	return n, err
}
