package ioctltest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
)

// ErrUnexpected is what the fake returns for a call that does not match
// the script (after failing the test).
var ErrUnexpected = errors.New("fake: unexpected call")

// FirstEventfd is the first eventfd number the fake hands out; the next
// ones follow.
const FirstEventfd = 900

// Fake is the playback side: an ioctl.Sys that answers from a script.
type Fake struct {
	tb   testing.TB
	name func(uint32) string

	mu      sync.Mutex
	cond    *sync.Cond
	steps   []Step
	pos     int
	efd     map[int]uint64 // open eventfds and their counters
	nextEfd int
	open    map[int]bool
	maps    map[*byte]bool
}

var _ ioctl.Sys = (*Fake)(nil)

// New returns a fake that plays steps (more can be added) and checks at
// tb's cleanup that every step was used and everything opened was closed.
// name names ioctl requests in failure messages (the driver's IoctlName;
// nil: by number).
func New(tb testing.TB, name func(req uint32) string, steps ...Step) *Fake {
	tb.Helper()
	if name == nil {
		name = ioctl.Names(nil).Name
	}
	f := &Fake{tb: tb, name: name, steps: steps, efd: map[int]uint64{}, nextEfd: FirstEventfd, open: map[int]bool{}, maps: map[*byte]bool{}}
	f.cond = sync.NewCond(&f.mu)
	tb.Cleanup(f.check)
	return f
}

// Add appends steps to the script.
func (f *Fake) Add(steps ...Step) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.steps = append(f.steps, steps...)
	f.cond.Broadcast()
}

// Len returns the number of steps scripted so far.
func (f *Fake) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.steps)
}

func (f *Fake) check() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pos < len(f.steps) {
		var b strings.Builder
		for i := f.pos; i < len(f.steps); i++ {
			fmt.Fprintf(&b, "\n\tstep %d: %s", i, f.steps[i].describe(f.name))
		}
		f.tb.Errorf("fake sys: %d scripted step(s) not used:%s", len(f.steps)-f.pos, b.String())
	}
	for fd := range f.open {
		f.tb.Errorf("fake sys: fd %d never closed", fd)
	}
	for fd := range f.efd {
		f.tb.Errorf("fake sys: eventfd %d never closed", fd)
	}
	if len(f.maps) > 0 {
		f.tb.Errorf("fake sys: %d mapping(s) never unmapped", len(f.maps))
	}
}

// WaitPos blocks until the script has reached step n (for tests that act
// from a second goroutine while the driver is at a known point).
func (f *Fake) WaitPos(n int) {
	f.tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.pos < n {
		if time.Now().After(deadline) {
			f.tb.Fatalf("fake sys: script stuck at step %d, waiting for %d", f.pos, n)
		}
		f.mu.Unlock()
		time.Sleep(time.Millisecond)
		f.mu.Lock()
	}
}

// nextLocked returns the next step if it is of kind o.
func (f *Fake) nextLocked(o Op, call string) (Step, bool) {
	f.tb.Helper()
	if f.pos >= len(f.steps) {
		f.tb.Errorf("fake sys: unexpected %s: script exhausted after %d steps", call, len(f.steps))
		return Step{}, false
	}
	s := f.steps[f.pos]
	if s.Op != o {
		f.tb.Errorf("fake sys: unexpected %s: next is step %d: %s", call, f.pos, s.describe(f.name))
		return Step{}, false
	}
	f.pos++
	f.cond.Broadcast()
	return s, true
}

// Open plays an open step: the path must match; the fd it gives is open
// until closed.
func (f *Fake) Open(path string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.nextLocked(OpOpen, "open("+path+")")
	if !ok {
		return -1, ErrUnexpected
	}
	if s.Path != path {
		f.tb.Errorf("fake sys: step %d: open(%q), want open(%q)", f.pos-1, path, s.Path)
	}
	if s.Err != nil {
		return -1, s.Err
	}
	f.open[s.Fd] = true
	return s.Fd, nil
}

// Close closes a simulated eventfd, or plays a close step.
func (f *Fake) Close(fd int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.efd[fd]; ok {
		delete(f.efd, fd)
		return nil
	}
	s, ok := f.nextLocked(OpClose, fmt.Sprintf("close(%d)", fd))
	if !ok {
		return ErrUnexpected
	}
	if s.Fd != fd {
		f.tb.Errorf("fake sys: step %d: close(%d), want close(%d)", f.pos-1, fd, s.Fd)
	}
	delete(f.open, fd)
	return s.Err
}

// Ioctl plays an ioctl step: fd, request and argument must match; the
// kernel's answer is written back and the step's hook run.
func (f *Fake) Ioctl(fd int, req uint32, arg unsafe.Pointer) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.nextLocked(OpIoctl, fmt.Sprintf("ioctl(%d, %s)", fd, f.name(req)))
	if !ok {
		return ErrUnexpected
	}
	i := f.pos - 1
	if s.Fd != fd || s.Req != req {
		f.tb.Errorf("fake sys: step %d: ioctl(%d, %s), want ioctl(%d, %s)", i, fd, f.name(req), s.Fd, f.name(s.Req))
		return ErrUnexpected
	}
	n := ioctl.Size(req)
	b := unsafe.Slice((*byte)(arg), n)
	if s.In != nil {
		if len(s.In) != n {
			f.tb.Errorf("fake sys: step %d: %s: scripted argument has %d bytes, request says %d", i, f.name(req), len(s.In), n)
		} else if !maskedEqual(b, s.In, s.Mask) {
			f.tb.Errorf("fake sys: step %d: %s argument differs:\n\tgot  %s\n\twant %s\n\tbytes %s", i, f.name(req),
				s.Show(b), s.Show(s.In), diffBytes(b, s.In, s.Mask))
		}
	}
	if s.Out != nil {
		// The kernel's answer, except where the argument holds pointers
		// (masked out), which it leaves alone.
		for j := range s.Out {
			if s.Mask == nil || s.Mask[j] != 0 {
				b[j] = s.Out[j]
			}
		}
	}
	if s.Do != nil {
		s.Do(arg)
	}
	return s.Err
}

// Mmap plays an mmap step, returning its memory, mapped until unmapped.
func (f *Fake) Mmap(fd int, off int64, length int) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.nextLocked(OpMmap, fmt.Sprintf("mmap(%d, %#x, %d)", fd, off, length))
	if !ok {
		return nil, ErrUnexpected
	}
	if s.Fd != fd || s.Off != off || len(s.Mem) != length {
		f.tb.Errorf("fake sys: step %d: mmap(%d, %#x, %d), want mmap(%d, %#x, %d)", f.pos-1, fd, off, length, s.Fd, s.Off, len(s.Mem))
	}
	if s.Err != nil {
		return nil, s.Err
	}
	f.maps[unsafe.SliceData(s.Mem)] = true
	return s.Mem, nil
}

// Munmap plays a munmap step, which must name the same mapping.
func (f *Fake) Munmap(b []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.nextLocked(OpMunmap, fmt.Sprintf("munmap(len %d)", len(b)))
	if !ok {
		return ErrUnexpected
	}
	if unsafe.SliceData(s.Mem) != unsafe.SliceData(b) || len(s.Mem) != len(b) {
		f.tb.Errorf("fake sys: step %d: munmap of another mapping (len %d, want %d)", f.pos-1, len(b), len(s.Mem))
	}
	delete(f.maps, unsafe.SliceData(b))
	return s.Err
}

// readyLocked marks the written eventfds among fds and counts them.
func (f *Fake) readyLocked(fds []ioctl.PollFd) int {
	n := 0
	for i := range fds {
		if c, ok := f.efd[int(fds[i].Fd)]; ok && c > 0 {
			fds[i].Revents = ioctl.PollIn
			n++
		}
	}
	return n
}

// Poll answers at once, without a step, when an eventfd among fds has been
// written; otherwise it plays a poll step, whose fds and events must match
// (eventfds aside), and which may block until an eventfd is written.
func (f *Fake) Poll(fds []ioctl.PollFd, timeout time.Duration) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range fds {
		fds[i].Revents = 0
	}
	if n := f.readyLocked(fds); n > 0 {
		return n, nil // a wake-up: not a scripted step
	}
	s, ok := f.nextLocked(OpPoll, fmt.Sprintf("poll(%v)", fds))
	if !ok {
		return 0, ErrUnexpected
	}
	i := f.pos - 1
	var dev []ioctl.PollFd
	for _, p := range fds {
		if _, isEfd := f.efd[int(p.Fd)]; !isEfd {
			dev = append(dev, ioctl.PollFd{Fd: p.Fd, Events: p.Events})
		}
	}
	want := make([]ioctl.PollFd, len(s.Poll))
	for j, p := range s.Poll {
		want[j] = ioctl.PollFd{Fd: p.Fd, Events: p.Events}
	}
	if !reflect.DeepEqual(dev, want) {
		f.tb.Errorf("fake sys: step %d: poll(%v), want %v", i, dev, want)
	}
	if s.Block {
		timer := time.AfterFunc(5*time.Second, func() {
			f.mu.Lock()
			f.cond.Broadcast()
			f.mu.Unlock()
		})
		defer timer.Stop()
		start := time.Now()
		for f.readyLocked(fds) == 0 {
			if time.Since(start) > 4*time.Second {
				f.tb.Errorf("fake sys: step %d: poll blocked and nobody woke it", i)
				return 0, ErrUnexpected
			}
			f.cond.Wait()
		}
		return f.readyLocked(fds), nil
	}
	if s.Err != nil {
		return 0, s.Err
	}
	n := 0
	for _, p := range s.Poll {
		for j := range fds {
			if fds[j].Fd == p.Fd && p.Revents != 0 {
				fds[j].Revents = p.Revents
				n++
			}
		}
	}
	return n, nil
}

// Eventfd opens a simulated eventfd.
func (f *Fake) Eventfd() (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fd := f.nextEfd
	f.nextEfd++
	f.efd[fd] = 0
	return fd, nil
}

// Read drains a simulated eventfd (EAGAIN when nothing was written).
func (f *Fake) Read(fd int, p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.efd[fd]
	if !ok {
		f.tb.Errorf("fake sys: read(%d): not an eventfd", fd)
		return 0, syscall.EBADF
	}
	if c == 0 {
		return 0, syscall.EAGAIN
	}
	f.efd[fd] = 0
	return 8, nil
}

// Write increments a simulated eventfd, waking a blocked Poll.
func (f *Fake) Write(fd int, p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.efd[fd]; !ok {
		f.tb.Errorf("fake sys: write(%d): not an eventfd", fd)
		return 0, syscall.EBADF
	}
	f.efd[fd]++
	f.cond.Broadcast()
	return 8, nil
}
