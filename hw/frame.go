package hw

import (
	"sync"
	"time"
)

// FrameFlags describe a captured frame.
type FrameFlags uint32

const (
	// FrameKeyframe: the frame decodes on its own (an H.264 IDR access unit,
	// every JPEG, every raw frame). V4L2_BUF_FLAG_KEYFRAME.
	FrameKeyframe FrameFlags = 1 << iota
	// FrameError: the driver marked the data as possibly corrupt
	// (V4L2_BUF_FLAG_ERROR). The frame still has to be released.
	FrameError
)

// Releaser is implemented by drivers that lend buffers out as Frames. It is
// held in the Frame as an interface value plus an index, so handing a buffer
// back needs no per-frame closure.
type Releaser interface {
	// ReleaseFrame hands buffer index back to the driver (for V4L2:
	// VIDIOC_QBUF). token is the value the driver gave NewFrame for this
	// lending; a call whose token does not match the current lending of that
	// buffer must be ignored, which makes a second release (of the same Frame
	// or of a copy of it) a harmless no-op. It may be called from any
	// goroutine, also after Stop or Close, and must not block for long.
	ReleaseFrame(index int, token uint64)
}

// Frame is one captured video frame. Data borrows the driver's buffer (an
// mmap'ed kernel buffer, a slice of an embedded clip, a pooled JPEG buffer):
// it is read-only and valid only until Release. The caller must call Release
// exactly once, after the last packet carrying the frame has been sealed; a
// frame that is never released keeps a driver buffer away from the hardware,
// and after a few such leaks ReadFrame fails with ErrNoBuffer. Tests detect
// leaks with hwtest (fakes check at cleanup; hwtest.ExpectReleased checks any
// source that counts outstanding frames).
//
// Frame is a small value: returning it from ReadFrame allocates nothing.
type Frame struct {
	// Data is the coded frame: one H.264 access unit in Annex-B form with its
	// start codes, one JPEG image, or one raw picture.
	Data []byte
	// Timestamp is the capture time on CLOCK_MONOTONIC (for V4L2 the
	// kernel's buffer timestamp; for synthetic sources the injected Clock).
	Timestamp time.Duration
	// Sequence counts frames from 0 at Start. A gap means the device dropped
	// frames the caller did not read in time.
	Sequence uint64
	Flags    FrameFlags

	rel   Releaser
	index int
	token uint64
}

// NewFrame is how drivers build a Frame that, when released, calls
// rel.ReleaseFrame(index, token). rel may be nil for data that needs no
// release.
func NewFrame(data []byte, ts time.Duration, seq uint64, flags FrameFlags, rel Releaser, index int, token uint64) Frame {
	return Frame{Data: data, Timestamp: ts, Sequence: seq, Flags: flags, rel: rel, index: index, token: token}
}

// Release hands the buffer back to the driver and clears Data. Calling it
// again, on the same Frame or on a copy, is safe and does nothing; so is
// calling it on the zero Frame. It does not allocate.
func (f *Frame) Release() {
	r := f.rel
	f.rel = nil
	f.Data = nil
	if r != nil {
		r.ReleaseFrame(f.index, f.token)
	}
}

// Held reports whether this Frame value has not been released yet.
func (f *Frame) Held() bool { return f.rel != nil }

// Keyframe reports whether FrameKeyframe is set.
func (f *Frame) Keyframe() bool { return f.Flags&FrameKeyframe != 0 }

// Slots does the bookkeeping of a driver's buffers lent out as Frames: which
// are out, under which token, and how many. Drivers call Acquire (or
// AcquireIndex when the hardware chooses the buffer, as VIDIOC_DQBUF does) to
// lend a buffer and Release from their ReleaseFrame; Release reports whether
// the call really returned the buffer, so the driver requeues it exactly once.
// A Slots is safe for concurrent use and allocates only in NewSlots.
type Slots struct {
	mu          sync.Mutex
	token       []uint64 // token of the current lending; 0 when free
	next        uint64
	outstanding int
}

// NewSlots tracks n buffers, all free.
func NewSlots(n int) *Slots { return &Slots{token: make([]uint64, n)} }

// Len returns the number of buffers tracked.
func (s *Slots) Len() int { return len(s.token) }

// Acquire lends the lowest-numbered free buffer. ok is false when all are
// lent out.
func (s *Slots) Acquire() (index int, token uint64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, t := range s.token {
		if t == 0 {
			return i, s.lend(i), true
		}
	}
	return 0, 0, false
}

// AcquireIndex lends buffer i. ok is false when i is out of range or already
// lent.
func (s *Slots) AcquireIndex(i int) (token uint64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < 0 || i >= len(s.token) || s.token[i] != 0 {
		return 0, false
	}
	return s.lend(i), true
}

func (s *Slots) lend(i int) uint64 {
	s.next++
	s.token[i] = s.next
	s.outstanding++
	return s.next
}

// Release returns buffer i if it is lent under token, and reports whether it
// did; stale or repeated calls return false.
func (s *Slots) Release(i int, token uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < 0 || i >= len(s.token) || token == 0 || s.token[i] != token {
		return false
	}
	s.token[i] = 0
	s.outstanding--
	return true
}

// ReleaseFrame makes Slots a Releaser for drivers whose buffers need no
// action on return beyond becoming free (synthetic sources).
func (s *Slots) ReleaseFrame(i int, token uint64) { s.Release(i, token) }

// Outstanding returns how many buffers are lent out.
func (s *Slots) Outstanding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.outstanding
}
