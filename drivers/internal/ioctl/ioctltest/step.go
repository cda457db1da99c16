// Package ioctltest is the record/playback fake of the ioctl.Sys seam, in
// the style of periph's conntest: a test scripts every system call it
// expects, in order, with the argument bytes the driver must pass and the
// bytes the "kernel" writes back. The fake (New) fails the test on a call
// that does not match the next step, and at cleanup on steps never used,
// file descriptors left open and mappings left mapped. Eventfds are
// simulated rather than scripted (Stop and Close write them from other
// goroutines), and a scripted poll can block until one is written.
//
// Arguments are compared field by field: Call masks out padding, blank
// fields and pointers (which differ every run), and Step.Ignore masks
// more. What an argument points to (a V4L2 plane array, the sample buffer
// of an ALSA READI_FRAMES) is the driver test's business: Step.Then runs a
// hook with the argument after the kernel's answer is written, to check or
// fill it.
//
// A Recorder wraps a real Sys and writes a live session down as steps that
// replay it offline.
package ioctltest

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
)

// Op is the kind of system call a step expects.
type Op uint8

// The system calls a script holds. Eventfd, Read and Write are simulated.
const (
	OpOpen Op = 1 + iota
	OpClose
	OpIoctl
	OpMmap
	OpMunmap
	OpPoll
)

var opNames = [...]string{"?", "open", "close", "ioctl", "mmap", "munmap", "poll"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return opNames[0]
}

// Step is one expected system call and the kernel's answer to it.
type Step struct {
	Op   Op
	Path string // OpOpen
	Fd   int    // the fd named (OpClose, OpIoctl, OpMmap) or returned (OpOpen)
	Req  uint32 // OpIoctl

	In   []byte // expected argument (nil: not checked)
	Mask []byte // bytes of In that matter (0: ignored; nil: all of them)
	Out  []byte // argument as left by the kernel (nil: unchanged)
	Show func(b []byte) string
	// Do runs after Out is written, with the argument (to fill a plane
	// array the argument points to, say).
	Do func(arg unsafe.Pointer)

	Off int64  // OpMmap
	Mem []byte // OpMmap returns it, OpMunmap expects it

	Poll  []ioctl.PollFd // OpPoll: expected fds and events (eventfds aside), Revents is the answer
	Block bool           // OpPoll: wait until an eventfd of the call is written
	Err   error
	Note  string
}

// describe formats s for a failure message, naming requests with name.
func (s Step) describe(name func(uint32) string) string {
	var b strings.Builder
	b.WriteString(s.Op.String())
	switch s.Op {
	case OpOpen:
		fmt.Fprintf(&b, "(%s) → fd %d", s.Path, s.Fd)
	case OpClose:
		fmt.Fprintf(&b, "(%d)", s.Fd)
	case OpIoctl:
		fmt.Fprintf(&b, "(%d, %s)", s.Fd, name(s.Req))
	case OpMmap:
		fmt.Fprintf(&b, "(%d, off %#x, len %d)", s.Fd, s.Off, len(s.Mem))
	case OpMunmap:
		fmt.Fprintf(&b, "(len %d)", len(s.Mem))
	case OpPoll:
		fmt.Fprintf(&b, "(%v block=%v)", s.Poll, s.Block)
	}
	if s.Err != nil {
		fmt.Fprintf(&b, " → %v", s.Err)
	}
	if s.Note != "" {
		b.WriteString(" [" + s.Note + "]")
	}
	return b.String()
}

// String describes s, requests by number.
func (s Step) String() string { return s.describe(ioctl.Names(nil).Name) }

// ---- building steps ----

// Bytes returns a copy of the memory of *v.
func Bytes[T any](v *T) []byte {
	return bytes.Clone(unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v)))
}

// maskOf marks the bytes of t's named, non-pointer fields: padding, blank
// fields and pointers (which differ every run) are not compared.
func maskOf(t reflect.Type) []byte {
	m := make([]byte, t.Size())
	var walk func(t reflect.Type, off uintptr)
	walk = func(t reflect.Type, off uintptr) {
		switch t.Kind() {
		case reflect.Struct:
			for i := 0; i < t.NumField(); i++ {
				fl := t.Field(i)
				if fl.Name == "_" {
					continue
				}
				walk(fl.Type, off+fl.Offset)
			}
		case reflect.Array:
			for i := 0; i < t.Len(); i++ {
				walk(t.Elem(), off+uintptr(i)*t.Elem().Size())
			}
		case reflect.UnsafePointer, reflect.Pointer:
		default:
			for i := uintptr(0); i < t.Size(); i++ {
				m[off+i] = 1
			}
		}
	}
	walk(t, 0)
	return m
}

func maskedEqual(got, want, mask []byte) bool {
	for i := range want {
		if (mask == nil || mask[i] != 0) && got[i] != want[i] {
			return false
		}
	}
	return true
}

func diffBytes(got, want, mask []byte) string {
	var b strings.Builder
	for i := range want {
		if (mask == nil || mask[i] != 0) && got[i] != want[i] {
			fmt.Fprintf(&b, "[%d]=%#02x want %#02x ", i, got[i], want[i])
		}
	}
	return b.String()
}

// Call scripts an ioctl whose argument must equal in (compared field by
// field, padding and pointers aside) and which leaves out behind. It
// panics when T is not the size req encodes.
func Call[T any](fd int, req uint32, in, out T) Step {
	if uintptr(ioctl.Size(req)) != unsafe.Sizeof(in) {
		panic(fmt.Sprintf("ioctltest.Call: request %#08x carries %d bytes, %T has %d", req, ioctl.Size(req), in, unsafe.Sizeof(in)))
	}
	return Step{Op: OpIoctl, Fd: fd, Req: req, In: Bytes(&in), Mask: maskOf(reflect.TypeOf(in)), Out: Bytes(&out),
		Show: func(b []byte) string { return fmt.Sprintf("%+v", *(*T)(unsafe.Pointer(&b[0]))) }}
}

// Fail scripts an ioctl with argument in that fails with err.
func Fail[T any](fd int, req uint32, in T, err error) Step {
	s := Call(fd, req, in, in)
	s.Out, s.Err = nil, err
	return s
}

// Ignore excludes bytes [off, off+n) of the argument from the comparison.
func (s Step) Ignore(off, n uintptr) Step {
	s.Mask = bytes.Clone(s.Mask)
	for i := off; i < off+n; i++ {
		s.Mask[i] = 0
	}
	return s
}

// Then sets the hook that runs with the argument after the kernel's answer
// is written.
func (s Step) Then(do func(arg unsafe.Pointer)) Step { s.Do = do; return s }

// Why notes what the step stands for, for failure messages.
func (s Step) Why(note string) Step { s.Note = note; return s }

// OpenStep scripts opening path, which gives fd.
func OpenStep(path string, fd int) Step { return Step{Op: OpOpen, Path: path, Fd: fd} }

// OpenFail scripts opening path failing with err.
func OpenFail(path string, err error) Step { return Step{Op: OpOpen, Path: path, Err: err} }

// CloseStep scripts closing fd.
func CloseStep(fd int) Step { return Step{Op: OpClose, Fd: fd} }

// MmapStep scripts mapping len(mem) bytes of fd at off, which gives mem.
func MmapStep(fd int, off int64, mem []byte) Step {
	return Step{Op: OpMmap, Fd: fd, Off: off, Mem: mem}
}

// MunmapStep scripts unmapping mem.
func MunmapStep(mem []byte) Step { return Step{Op: OpMunmap, Mem: mem} }

// PollStep scripts a poll on fd for events answered with revents.
func PollStep(fd int, events, revents int16) Step {
	return PollFds(ioctl.PollFd{Fd: int32(fd), Events: events, Revents: revents})
}

// PollFds scripts a poll on several fds, each answered with its Revents.
func PollFds(fds ...ioctl.PollFd) Step { return Step{Op: OpPoll, Poll: fds} }

// PollBlock scripts a poll on fd that blocks until Stop or Close wakes it.
func PollBlock(fd int, events int16) Step {
	return Step{Op: OpPoll, Poll: []ioctl.PollFd{{Fd: int32(fd), Events: events}}, Block: true}
}
