package ioctl

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"syscall"
	"time"
)

// Waker is the eventfd that interrupts a reader blocked in Poll: Stop and
// Close write to it, and so does a context's cancellation. The reader
// registers its context once and re-registers only when a call brings a
// different one, so a pipeline that reads with one context allocates
// nothing per frame.
type Waker struct {
	sys Sys
	fd  int

	one   [8]byte // eventfd increment of 1, never written after init
	drain [8]byte // used by the reader only

	mu       sync.Mutex
	closed   bool            // fd closed: a late context callback must not write to a reused fd number
	done     <-chan struct{} // Done() of the registered context
	stopFunc func() bool
}

// NewWaker creates the eventfd. Its error is the Sys's, for the driver to
// wrap.
func NewWaker(sys Sys) (*Waker, error) {
	fd, err := sys.Eventfd()
	if err != nil {
		return nil, err
	}
	w := &Waker{sys: sys, fd: fd}
	binary.NativeEndian.PutUint64(w.one[:], 1)
	return w, nil
}

// Wake makes the reader's next or current Poll return.
func (w *Waker) Wake() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		_, _ = w.sys.Write(w.fd, w.one[:])
	}
}

// Clear consumes pending wake-ups (reader side).
func (w *Waker) Clear() { _, _ = w.sys.Read(w.fd, w.drain[:]) }

// Watch arranges for ctx's cancellation to wake the reader.
func (w *Waker) Watch(ctx context.Context) {
	d := ctx.Done()
	if d == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if d == w.done {
		return
	}
	if w.stopFunc != nil {
		w.stopFunc()
	}
	w.done = d
	w.stopFunc = context.AfterFunc(ctx, w.Wake) // runs Wake on its own goroutine, so w.mu is free then
}

// Unwatch forgets the registered context.
func (w *Waker) Unwatch() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopFunc != nil {
		w.stopFunc()
	}
	w.done, w.stopFunc = nil, nil
}

// Close forgets the context and closes the eventfd; a Wake after it does
// nothing.
func (w *Waker) Close() error {
	w.Unwatch()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	return w.sys.Close(w.fd)
}

// Ready says what ended a Waker.Poll.
type Ready uint8

const (
	// Device: an fd other than the waker's has events (see their Revents).
	Device Ready = 1 + iota
	// Woken: the waker was written (by Stop, Close or a context's
	// cancellation); the wake-ups pending are consumed. The other fds may
	// have events too.
	Woken
	// TimedOut: nothing happened within the timeout.
	TimedOut
)

// Poll waits up to timeout (negative: as long as it takes) for events on
// fds, whose last entry it sets to the waker's eventfd; the caller fills the
// entries before it. A wait a signal interrupts (EINTR) is resumed. An
// error is the Sys's, for the driver to wrap.
func (w *Waker) Poll(fds []PollFd, timeout time.Duration) (Ready, error) {
	last := len(fds) - 1
	for {
		fds[last] = PollFd{Fd: int32(w.fd), Events: PollIn}
		n, err := w.sys.Poll(fds, timeout)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			return 0, err
		case n == 0:
			return TimedOut, nil
		case fds[last].Revents != 0:
			w.Clear()
			return Woken, nil
		}
		return Device, nil
	}
}
