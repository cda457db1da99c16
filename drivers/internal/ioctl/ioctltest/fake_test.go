package ioctltest_test

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
)

// arg is an argument struct with what a real one has: padding, a blank
// field, a pointer (to a plane array, say) and a trailing pad.
type arg struct {
	a     uint8
	b     uint32 // at 4, after 3 bytes of padding
	_     [4]byte
	p     *[2]uint32
	c     uint16
	inner struct{ x, y uint16 }
}

var (
	reqArg   = ioctl.IOWR('T', 1, unsafe.Sizeof(arg{}))
	reqOther = ioctl.IOWR('T', 2, unsafe.Sizeof(arg{}))
	names    = ioctl.Names{reqArg: "TEST_ARG", reqOther: "TEST_OTHER"}
)

const fd = 3

// run plays steps against calls on a fake whose failures are caught, and
// checks that they, the end-of-test checks included, are want.
func run(t *testing.T, steps []ioctltest.Step, calls func(f *ioctltest.Fake), want ...string) {
	t.Helper()
	c := ioctltest.NewCatch(t)
	f := ioctltest.New(c, names.Name, steps...)
	calls(f)
	c.Want(want...)
}

func ioctlArg(f *ioctltest.Fake, req uint32, a *arg) error {
	return f.Ioctl(fd, req, unsafe.Pointer(a))
}

func TestCallMatchesFieldByField(t *testing.T) {
	var planes [2]uint32
	in := arg{a: 1, b: 2, c: 3}
	in.inner.y = 4
	out := in
	out.b = 5
	s := ioctltest.Call(fd, reqArg, in, out).Then(func(p unsafe.Pointer) {
		// What the argument points to is the hook's to follow.
		(*arg)(p).p[1] = 77
	})
	run(t, []ioctltest.Step{s}, func(f *ioctltest.Fake) {
		a := in
		a.p = &planes // a pointer: differs every run, not compared
		b := unsafe.Slice((*byte)(unsafe.Pointer(&a)), unsafe.Sizeof(a))
		b[1], b[2], b[3] = 0xde, 0xad, 0xbe // padding
		b[8] = 0xef                         // the blank field
		if err := ioctlArg(f, reqArg, &a); err != nil {
			t.Errorf("Ioctl: %v", err)
		}
		if a.b != 5 || a.p != &planes || planes[1] != 77 {
			t.Errorf("after the call: %+v, planes %v", a, planes)
		}
	})
}

func TestWrongFieldFails(t *testing.T) {
	in := arg{a: 1, b: 2, c: 3}
	for _, tc := range []struct {
		name string
		mut  func(a *arg)
		off  int
	}{
		{"a", func(a *arg) { a.a = 9 }, 0},
		{"b", func(a *arg) { a.b = 9 }, 4},
		{"c", func(a *arg) { a.c = 9 }, int(unsafe.Offsetof(in.c))},
		{"nested", func(a *arg) { a.inner.x = 9 }, int(unsafe.Offsetof(in.inner))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The message names the request and the byte that differs.
			c := ioctltest.NewCatch(t)
			f := ioctltest.New(c, names.Name, ioctltest.Call(fd, reqArg, in, in))
			a := in
			tc.mut(&a)
			ioctlArg(f, reqArg, &a)
			got := c.Finish()
			if len(got) != 1 || !strings.Contains(got[0], "step 0: TEST_ARG argument differs") ||
				!strings.Contains(got[0], "bytes ["+itoa(tc.off)+"]=0x09 want") {
				t.Errorf("failures %q, want one naming TEST_ARG and byte %d", got, tc.off)
			}
		})
	}
	// Ignore takes bytes out of the comparison.
	run(t, []ioctltest.Step{ioctltest.Call(fd, reqArg, in, in).Ignore(4, 4)}, func(f *ioctltest.Fake) {
		a := in
		a.b = 9
		ioctlArg(f, reqArg, &a)
	})
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestWrongCallFails(t *testing.T) {
	in := arg{a: 1}
	two := []ioctltest.Step{ioctltest.Call(fd, reqArg, in, in), ioctltest.Call(fd, reqOther, in, in)}
	// Out of order.
	run(t, two, func(f *ioctltest.Fake) {
		a := in
		if err := ioctlArg(f, reqOther, &a); !errors.Is(err, ioctltest.ErrUnexpected) {
			t.Errorf("out of order: %v", err)
		}
	}, "ioctl(3, TEST_OTHER), want ioctl(3, TEST_ARG)", "1 scripted step(s) not used:\n\tstep 1: ioctl(3, TEST_OTHER)")
	// Another fd.
	run(t, two[:1], func(f *ioctltest.Fake) {
		a := in
		f.Ioctl(fd+1, reqArg, unsafe.Pointer(&a))
	}, "ioctl(4, TEST_ARG), want ioctl(3, TEST_ARG)")
	// Another kind of call.
	run(t, two[:1], func(f *ioctltest.Fake) {
		f.Close(fd)
		a := in
		ioctlArg(f, reqArg, &a)
	}, "unexpected close(3): next is step 0: ioctl(3, TEST_ARG)")
	// Past the end of the script.
	run(t, nil, func(f *ioctltest.Fake) {
		a := in
		ioctlArg(f, reqArg, &a)
	}, "unexpected ioctl(3, TEST_ARG): script exhausted after 0 steps")
	// Failing calls return the scripted error and leave the argument.
	run(t, []ioctltest.Step{ioctltest.Fail(fd, reqArg, in, syscall.EINVAL)}, func(f *ioctltest.Fake) {
		a := in
		if err := ioctlArg(f, reqArg, &a); err != syscall.EINVAL || a != in {
			t.Errorf("Fail: %v, %+v", err, a)
		}
	})
}

func TestCleanupChecks(t *testing.T) {
	mem := make([]byte, 64)
	run(t, []ioctltest.Step{ioctltest.OpenStep("/dev/x", fd), ioctltest.MmapStep(fd, 0x1000, mem),
		ioctltest.CloseStep(fd).Why("never called")}, func(f *ioctltest.Fake) {
		if n, err := f.Open("/dev/x"); n != fd || err != nil {
			t.Errorf("Open = %d, %v", n, err)
		}
		if m, err := f.Mmap(fd, 0x1000, 64); &m[0] != &mem[0] || err != nil {
			t.Errorf("Mmap: %v", err)
		}
		if _, err := f.Eventfd(); err != nil {
			t.Error(err)
		}
	},
		"1 scripted step(s) not used:\n\tstep 2: close(3) [never called]",
		"fd 3 never closed",
		"eventfd 900 never closed",
		"1 mapping(s) never unmapped")
	// Closed and unmapped: clean.
	run(t, []ioctltest.Step{ioctltest.OpenStep("/dev/x", fd), ioctltest.MmapStep(fd, 0, mem),
		ioctltest.MunmapStep(mem), ioctltest.CloseStep(fd)}, func(f *ioctltest.Fake) {
		f.Open("/dev/x")
		m, _ := f.Mmap(fd, 0, 64)
		f.Munmap(m)
		f.Close(fd)
		efd, _ := f.Eventfd()
		f.Close(efd)
	})
	// The wrong path, mapping or unmapping.
	other := make([]byte, 64)
	run(t, []ioctltest.Step{ioctltest.OpenStep("/dev/x", fd), ioctltest.MmapStep(fd, 0, mem),
		ioctltest.MunmapStep(mem), ioctltest.CloseStep(fd)}, func(f *ioctltest.Fake) {
		f.Open("/dev/y")
		f.Mmap(fd, 0x2000, 64)
		f.Munmap(other)
		f.Close(fd)
	},
		`open("/dev/y"), want open("/dev/x")`,
		"mmap(3, 0x2000, 64), want mmap(3, 0x0, 64)",
		"munmap of another mapping",
		"1 mapping(s) never unmapped")
	// A failing open opens nothing.
	run(t, []ioctltest.Step{ioctltest.OpenFail("/dev/x", syscall.EBUSY)}, func(f *ioctltest.Fake) {
		if _, err := f.Open("/dev/x"); err != syscall.EBUSY {
			t.Errorf("Open: %v", err)
		}
	})
}

func TestPoll(t *testing.T) {
	steps := []ioctltest.Step{
		ioctltest.PollFds(ioctl.PollFd{Fd: fd, Events: ioctl.PollIn, Revents: ioctl.PollIn}, ioctl.PollFd{Fd: 4, Events: ioctl.PollOut}),
		ioctltest.PollStep(fd, ioctl.PollIn, 0),
		ioctltest.PollBlock(fd, ioctl.PollIn),
	}
	run(t, steps, func(f *ioctltest.Fake) {
		efd, _ := f.Eventfd()
		fds := []ioctl.PollFd{{Fd: fd, Events: ioctl.PollIn}, {Fd: 4, Events: ioctl.PollOut}, {Fd: int32(efd), Events: ioctl.PollIn}}
		if n, err := f.Poll(fds, time.Second); n != 1 || err != nil || fds[0].Revents != ioctl.PollIn || fds[1].Revents != 0 {
			t.Errorf("Poll = %d, %v, %+v", n, err, fds)
		}
		// Other events than scripted.
		fds = []ioctl.PollFd{{Fd: fd, Events: ioctl.PollIn | ioctl.PollPri}, {Fd: int32(efd), Events: ioctl.PollIn}}
		if n, _ := f.Poll(fds, time.Second); n != 0 {
			t.Errorf("timed-out Poll = %d", n)
		}
		fds[0].Events = ioctl.PollIn
		go func() {
			f.WaitPos(3)
			f.Write(efd, make([]byte, 8))
		}()
		if n, err := f.Poll(fds, -1); n != 1 || err != nil || fds[1].Revents != ioctl.PollIn {
			t.Errorf("woken Poll = %d, %v, %+v", n, err, fds)
		}
		// A written eventfd answers without a step, until read.
		f.Write(efd, make([]byte, 8))
		if n, _ := f.Poll(fds, -1); n != 1 {
			t.Errorf("Poll with a wake-up pending = %d", n)
		}
		if n, err := f.Read(efd, make([]byte, 8)); n != 8 || err != nil {
			t.Errorf("Read = %d, %v", n, err)
		}
		if _, err := f.Read(efd, make([]byte, 8)); err != syscall.EAGAIN {
			t.Errorf("Read of a drained eventfd: %v", err)
		}
		f.Close(efd)
	}, "step 1: poll([{3 3 0}]), want [{3 1 0}]")
}

func TestCallPanicsOnSize(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Call with an argument of the wrong size did not panic")
		}
	}()
	ioctltest.Call(fd, reqArg, uint32(0), uint32(0))
}

func TestRecorderReplays(t *testing.T) {
	in := arg{a: 1, b: 2}
	out := in
	out.c = 7
	mem := make([]byte, 16)
	script := []ioctltest.Step{
		ioctltest.OpenStep("/dev/x", fd),
		ioctltest.Call(fd, reqArg, in, out),
		ioctltest.MmapStep(fd, 0, mem),
		ioctltest.PollStep(fd, ioctl.PollIn, ioctl.PollIn),
		ioctltest.PollBlock(fd, ioctl.PollIn),
		ioctltest.MunmapStep(mem),
		ioctltest.CloseStep(fd),
	}
	session := func(sys ioctl.Sys, wake func(efd int)) {
		f, _ := sys.Open("/dev/x")
		a := in
		if err := sys.Ioctl(f, reqArg, unsafe.Pointer(&a)); err != nil || a.c != 7 {
			t.Errorf("Ioctl: %v %+v", err, a)
		}
		m, _ := sys.Mmap(f, 0, 16)
		efd, _ := sys.Eventfd()
		fds := []ioctl.PollFd{{Fd: int32(f), Events: ioctl.PollIn}, {Fd: int32(efd), Events: ioctl.PollIn}}
		sys.Poll(fds, time.Second)
		wake(efd)
		sys.Poll(fds, -1)
		sys.Munmap(m)
		sys.Close(efd)
		sys.Close(f)
	}
	live := ioctltest.New(t, names.Name, script...)
	rec := ioctltest.NewRecorder(live)
	session(rec, func(efd int) {
		go func() { live.WaitPos(5); rec.Write(efd, make([]byte, 8)) }()
	})
	steps := rec.Steps()
	if len(steps) != len(script) {
		t.Fatalf("recorded %d steps, want %d", len(steps), len(script))
	}
	if !steps[4].Block || steps[4].Poll[0].Revents != 0 || steps[3].Poll[0].Revents != ioctl.PollIn {
		t.Errorf("polls recorded as %v and %v", steps[3], steps[4])
	}
	replay := ioctltest.New(t, names.Name, steps...)
	session(replay, func(efd int) {
		go func() { replay.WaitPos(5); replay.Write(efd, make([]byte, 8)) }()
	})
	// The recording compares arguments whole: another one fails.
	run(t, steps[:2], func(f *ioctltest.Fake) {
		f.Open("/dev/x")
		a := in
		a.b = 3
		ioctlArg(f, reqArg, &a)
	}, "step 1: TEST_ARG argument differs", "fd 3 never closed")
}

func TestSwitch(t *testing.T) {
	a := ioctltest.New(t, nil, ioctltest.OpenStep("/dev/a", 1), ioctltest.CloseStep(1))
	b := ioctltest.New(t, nil, ioctltest.PollStep(1, ioctl.PollIn, ioctl.PollIn))
	sw := ioctltest.NewSwitch(a)
	sw.Open("/dev/a")
	sw.Set(b)
	if n, _ := sw.Poll([]ioctl.PollFd{{Fd: 1, Events: ioctl.PollIn}}, 0); n != 1 {
		t.Errorf("Poll through the switch = %d", n)
	}
	sw.Set(a)
	sw.Close(1)
}
