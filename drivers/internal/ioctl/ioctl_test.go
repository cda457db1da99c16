package ioctl_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
	"github.com/cluecam/cluecam/hw"
)

func TestRequestEncoding(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want uint32
	}{
		{"_IOR('V', 0, 104)", ioctl.IOR('V', 0, 104), 0x80685600},         // VIDIOC_QUERYCAP
		{"_IOWR('V', 9, 88)", ioctl.IOWR('V', 9, 88), 0xc0585609},         // VIDIOC_QUERYBUF, 64-bit
		{"_IOW('V', 18, 4)", ioctl.IOW('V', 18, 4), 0x40045612},           // VIDIOC_STREAMON
		{"_IO('A', 0x40)", ioctl.IO('A', 0x40), 0x00004140},               // SNDRV_PCM_IOCTL_PREPARE
		{"_IOWR('A', 0x11, 604)", ioctl.IOWR('A', 0x11, 604), 0xc25c4111}, // SNDRV_PCM_IOCTL_HW_PARAMS, arm
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %#08x, want %#08x", tc.name, tc.got, tc.want)
		}
	}
	if n := ioctl.Size(0xc25c4111); n != 604 {
		t.Errorf("Size = %d", n)
	}
	if n := ioctl.Size(ioctl.IO('A', 0x40)); n != 0 {
		t.Errorf("Size of _IO = %d", n)
	}
}

func TestNames(t *testing.T) {
	n := ioctl.Names{0x4140: "PREPARE"}
	if got := n.Name(0x4140); got != "PREPARE" {
		t.Errorf("Name = %q", got)
	}
	if got := n.Name(0xc0585609); got != "0xc0585609" {
		t.Errorf("Name of an unnamed request = %q", got)
	}
	if got := ioctl.Names(nil).Name(0x1234); got != "0x00001234" {
		t.Errorf("nil Names = %q", got)
	}
}

func TestCString(t *testing.T) {
	for in, want := range map[string]string{"uvcvideo\x00\x00junk": "uvcvideo", "full": "full", "": "", "\x00x": ""} {
		if got := ioctl.CString([]byte(in)); got != want {
			t.Errorf("CString(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOpenError(t *testing.T) {
	for _, tc := range []struct {
		errno syscall.Errno
		want  error
	}{
		{syscall.ENOENT, hw.ErrNotFound}, {syscall.ENODEV, hw.ErrNotFound}, {syscall.ENXIO, hw.ErrNotFound},
		{syscall.EBUSY, hw.ErrBusy}, {syscall.EACCES, nil},
	} {
		err := ioctl.OpenError(tc.errno)
		if !errors.Is(err, tc.errno) || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("OpenError(%v) = %v, want %v", tc.errno, err, tc.want)
		}
		if tc.want == nil && err != tc.errno {
			t.Errorf("OpenError(%v) = %v, want it unchanged", tc.errno, err)
		}
	}
}

const devFd = 5

func newWaker(t *testing.T, steps ...ioctltest.Step) (*ioctltest.Fake, *ioctl.Waker) {
	t.Helper()
	f := ioctltest.New(t, nil, steps...)
	w, err := ioctl.NewWaker(f)
	if err != nil {
		t.Fatal(err)
	}
	return f, w
}

func TestWakerPoll(t *testing.T) {
	f, w := newWaker(t)
	fds := make([]ioctl.PollFd, 2)
	poll := func() ioctl.Ready {
		t.Helper()
		fds[0] = ioctl.PollFd{Fd: devFd, Events: ioctl.PollIn}
		r, err := w.Poll(fds, time.Second)
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		return r
	}
	f.Add(ioctltest.PollStep(devFd, ioctl.PollIn, ioctl.PollIn))
	if r := poll(); r != ioctl.Device || fds[0].Revents != ioctl.PollIn || fds[1].Fd != ioctltest.FirstEventfd {
		t.Errorf("ready device: %v, fds %+v", r, fds)
	}
	f.Add(ioctltest.PollStep(devFd, ioctl.PollIn, 0))
	if r := poll(); r != ioctl.TimedOut {
		t.Errorf("nothing ready: %v", r)
	}
	// A signal interrupting the wait does not end it.
	eintr := ioctltest.PollStep(devFd, ioctl.PollIn, 0)
	eintr.Err = syscall.EINTR
	f.Add(eintr, ioctltest.PollStep(devFd, ioctl.PollIn, ioctl.PollIn))
	if r := poll(); r != ioctl.Device {
		t.Errorf("after EINTR: %v", r)
	}
	eio := ioctltest.PollStep(devFd, ioctl.PollIn, 0)
	eio.Err = syscall.EIO
	f.Add(eio)
	fds[0] = ioctl.PollFd{Fd: devFd, Events: ioctl.PollIn}
	if _, err := w.Poll(fds, time.Second); !errors.Is(err, syscall.EIO) {
		t.Errorf("failing poll: %v", err)
	}
	// A wake-up before the wait ends it at once (no scripted poll) and is
	// consumed: the next wait polls the device again.
	w.Wake()
	w.Wake()
	if r := poll(); r != ioctl.Woken {
		t.Errorf("after Wake: %v", r)
	}
	f.Add(ioctltest.PollStep(devFd, ioctl.PollIn, ioctl.PollIn))
	if r := poll(); r != ioctl.Device {
		t.Errorf("after the wake-up was consumed: %v", r)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestWakerInterruptsBlockedPoll(t *testing.T) {
	for _, how := range []string{"Wake", "context", "second context"} {
		t.Run(how, func(t *testing.T) {
			f, w := newWaker(t, ioctltest.PollBlock(devFd, ioctl.PollIn))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ctx2, cancel2 := context.WithCancel(context.Background())
			defer cancel2()
			w.Watch(ctx)
			w.Watch(ctx) // the same context again: nothing changes
			if how == "second context" {
				w.Watch(ctx2) // replaces ctx
				cancel()
			}
			done := make(chan ioctl.Ready)
			go func() {
				fds := []ioctl.PollFd{{Fd: devFd, Events: ioctl.PollIn}, {}}
				r, _ := w.Poll(fds, -1)
				done <- r
			}()
			f.WaitPos(1)
			switch how {
			case "Wake":
				w.Wake()
			case "context":
				cancel()
			case "second context":
				cancel2()
			}
			if r := <-done; r != ioctl.Woken {
				t.Errorf("blocked Poll returned %v", r)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWakeAfterClose(t *testing.T) {
	_, w := newWaker(t)
	ctx, cancel := context.WithCancel(context.Background())
	w.Watch(ctx)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Neither writes to the closed eventfd (the fake fails the test on a
	// write to an fd that is not an open eventfd).
	w.Wake()
	cancel()
	time.Sleep(10 * time.Millisecond)
}

func TestWakerUnwatch(t *testing.T) {
	f, w := newWaker(t)
	ctx, cancel := context.WithCancel(context.Background())
	w.Watch(ctx)
	w.Unwatch()
	cancel()
	time.Sleep(10 * time.Millisecond) // an AfterFunc still registered would run now
	f.Add(ioctltest.PollStep(devFd, ioctl.PollIn, 0))
	fds := []ioctl.PollFd{{Fd: devFd, Events: ioctl.PollIn}, {}}
	if r, err := w.Poll(fds, 0); r != ioctl.TimedOut || err != nil {
		t.Errorf("a forgotten context woke the reader: %v %v", r, err)
	}
	w.Close()
}

func TestEventfdError(t *testing.T) {
	if _, err := ioctl.NewWaker(noEventfd{}); !errors.Is(err, syscall.EMFILE) {
		t.Errorf("NewWaker: %v", err)
	}
}

// readySys has every device readable and the waker never written.
type readySys struct{ ioctl.Sys }

func (readySys) Eventfd() (int, error) { return 7, nil }
func (readySys) Poll(fds []ioctl.PollFd, _ time.Duration) (int, error) {
	fds[0].Revents = ioctl.PollIn
	return 1, nil
}

type noEventfd struct{ ioctl.Sys }

func (noEventfd) Eventfd() (int, error) { return -1, syscall.EMFILE }

func TestWakerPollAllocatesNothing(t *testing.T) {
	w, err := ioctl.NewWaker(readySys{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.Watch(ctx)
	var fds [2]ioctl.PollFd
	allocs := testing.AllocsPerRun(100, func() {
		w.Watch(ctx)
		fds[0] = ioctl.PollFd{Fd: devFd, Events: ioctl.PollIn}
		if r, err := w.Poll(fds[:], time.Second); r != ioctl.Device || err != nil {
			t.Fatal(r, err)
		}
	})
	if allocs != 0 {
		t.Errorf("Watch+Poll allocates %v times", allocs)
	}
	w.Unwatch()
}

func TestDefault(t *testing.T) {
	// The real Sys on Linux, the failing one elsewhere: either way a node
	// that does not exist is not found.
	if _, err := ioctl.Default().Open("/nonexistent/cluecam-node"); err == nil {
		t.Fatal("opened a nonexistent node")
	}
}
