package watchdog

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

const (
	devFd = 7
	path  = "/dev/watchdog"
)

func TestABI(t *testing.T) {
	abi := ioctltest.ABI(t)
	abi("sizeof(struct watchdog_info)", unsafe.Sizeof(Info{}), 40, 40)
	abi("offsetof(watchdog_info, identity)", unsafe.Offsetof(Info{}.Identity), 8, 8)
	abi("WDIOC_GETSUPPORT", uintptr(ioctlGetSupport), 0x80285700, 0x80285700)
	abi("WDIOC_KEEPALIVE", uintptr(ioctlKeepalive), 0x80045705, 0x80045705)
	abi("WDIOC_SETTIMEOUT", uintptr(ioctlSetTimeout), 0xc0045706, 0xc0045706)
	abi("WDIOC_GETTIMEOUT", uintptr(ioctlGetTimeout), 0x80045707, 0x80045707)
}

// wsys is the playback fake plus the one call it does not script: write(2)
// on the device (the fake's Write simulates eventfds only). Writes and
// closes of the device are recorded in order.
type wsys struct {
	*ioctltest.Fake
	mu     sync.Mutex
	events []string
	werr   error
}

func (s *wsys) Write(fd int, p []byte) (int, error) {
	if fd != devFd {
		return s.Fake.Write(fd, p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, "write "+string(p))
	if s.werr != nil {
		return 0, s.werr
	}
	return len(p), nil
}

func (s *wsys) Close(fd int) error {
	if fd == devFd {
		s.mu.Lock()
		s.events = append(s.events, "close")
		s.mu.Unlock()
	}
	return s.Fake.Close(fd)
}

func (s *wsys) Events() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.events, ", ")
}

func info(opts uint32, name string) Info {
	i := Info{Options: opts, FirmwareVersion: 0}
	copy(i.Identity[:], name)
	return i
}

const softdogOpts = OptSetTimeout | OptMagicClose | OptKeepalivePing

// openSteps scripts Open asking for want seconds and granted got.
func openSteps(want, got int32) []ioctltest.Step {
	return []ioctltest.Step{
		ioctltest.OpenStep(path, devFd),
		ioctltest.Call(devFd, ioctlGetSupport, Info{}, info(softdogOpts, "Software Watchdog")),
		ioctltest.Call(devFd, ioctlSetTimeout, want, got),
		ioctltest.Call(devFd, ioctlGetTimeout, int32(0), got),
	}
}

func newSys(t *testing.T, steps ...ioctltest.Step) *wsys {
	return &wsys{Fake: ioctltest.New(t, IoctlName, steps...)}
}

func TestOpenSetsTimeoutAndMagicClose(t *testing.T) {
	// 10.2 s rounds up to 11; the driver grants 12.
	s := newSys(t, openSteps(11, 12)...)
	d, err := Open(&Options{Sys: s, Timeout: 10200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d.Timeout() != 12*time.Second {
		t.Errorf("Timeout = %v, want the granted 12s", d.Timeout())
	}
	if i := d.Info(); i.Name() != "Software Watchdog" || i.Options != softdogOpts {
		t.Errorf("Info = %+v", i)
	}
	s.Add(ioctltest.CloseStep(devFd))
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if got := s.Events(); got != "write V, close" {
		t.Errorf("magic close did %q, want \"write V, close\"", got)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := d.Keepalive(); !errors.Is(err, ErrClosed) {
		t.Errorf("Keepalive after Close: %v", err)
	}
}

func TestOpenWithoutSetTimeout(t *testing.T) {
	s := newSys(t,
		ioctltest.OpenStep(path, devFd),
		ioctltest.Call(devFd, ioctlGetSupport, Info{}, info(OptKeepalivePing, "fixed")),
		ioctltest.Call(devFd, ioctlGetTimeout, int32(0), int32(60)),
		ioctltest.CloseStep(devFd))
	d, err := Open(&Options{Sys: s})
	if err != nil {
		t.Fatal(err)
	}
	if d.Timeout() != time.Minute {
		t.Errorf("Timeout = %v", d.Timeout())
	}
	d.Close()
}

func TestOpenErrors(t *testing.T) {
	t.Run("missing node", func(t *testing.T) {
		s := newSys(t, ioctltest.OpenFail("/dev/watchdog1", syscall.ENOENT))
		_, err := Open(&Options{Sys: s, Path: "/dev/watchdog1"})
		if !errors.Is(err, hw.ErrNotFound) || !errors.Is(err, syscall.ENOENT) || !strings.Contains(err.Error(), "/dev/watchdog1") {
			t.Errorf("Open: %v", err)
		}
	})
	t.Run("busy", func(t *testing.T) {
		s := newSys(t, ioctltest.OpenFail(path, syscall.EBUSY))
		_, err := Open(&Options{Sys: s})
		if !errors.Is(err, hw.ErrBusy) || !strings.Contains(err.Error(), path) {
			t.Errorf("Open: %v", err)
		}
	})
	for _, tc := range []struct {
		name  string
		steps []ioctltest.Step
		op    string
		errno error
	}{
		{"GETSUPPORT", []ioctltest.Step{ioctltest.Fail(devFd, ioctlGetSupport, Info{}, syscall.ENOTTY)}, "WDIOC_GETSUPPORT", syscall.ENOTTY},
		{"SETTIMEOUT", []ioctltest.Step{
			ioctltest.Call(devFd, ioctlGetSupport, Info{}, info(softdogOpts, "x")),
			ioctltest.Fail(devFd, ioctlSetTimeout, int32(15), syscall.EINVAL)}, "WDIOC_SETTIMEOUT", syscall.EINVAL},
		{"GETTIMEOUT", []ioctltest.Step{
			ioctltest.Call(devFd, ioctlGetSupport, Info{}, info(softdogOpts, "x")),
			ioctltest.Call(devFd, ioctlSetTimeout, int32(15), int32(15)),
			ioctltest.Fail(devFd, ioctlGetTimeout, int32(0), syscall.EIO)}, "WDIOC_GETTIMEOUT", syscall.EIO},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSys(t, ioctltest.OpenStep(path, devFd))
			s.Add(tc.steps...)
			s.Add(ioctltest.CloseStep(devFd))
			_, err := Open(&Options{Sys: s})
			if !errors.Is(err, tc.errno) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.op) {
				t.Errorf("Open: %v", err)
			}
			// A failed Open disarms the dog it armed.
			if got := s.Events(); got != "write V, close" {
				t.Errorf("failed Open left with %q", got)
			}
		})
	}
}

func TestMagicCloseWriteError(t *testing.T) {
	s := newSys(t, openSteps(15, 15)...)
	d, err := Open(&Options{Sys: s})
	if err != nil {
		t.Fatal(err)
	}
	s.werr = syscall.EIO
	s.Add(ioctltest.CloseStep(devFd))
	if err := d.Close(); !errors.Is(err, syscall.EIO) || !strings.Contains(err.Error(), path) {
		t.Errorf("Close: %v", err)
	}
	if got := s.Events(); got != "write V, close" {
		t.Errorf("Close did %q: the device must be closed even so", got)
	}
}

// syncBuffer is a log sink safe for the feeder's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestFeeder(t *testing.T) {
	clk := hwtest.NewClock(time.Hour)
	var logs syncBuffer
	s := newSys(t, openSteps(30, 30)...)
	d, err := Open(&Options{Sys: s, Timeout: 30 * time.Second, Clock: clk, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mon := NewMonitor(clk, 10)
	cam := mon.Register("cam0", 100*time.Millisecond) // 10 fps: stalled after 1 s
	f := NewFeeder(d, mon.Check)
	if f.Period() != 10*time.Second {
		t.Fatalf("Period = %v, want timeout/3", f.Period())
	}

	var mu sync.Mutex
	var fed []time.Duration
	keepalive := func() ioctltest.Step {
		return ioctltest.Call(devFd, ioctlKeepalive, int32(0), int32(0)).Then(func(unsafe.Pointer) {
			mu.Lock()
			fed = append(fed, clk.Now()-time.Hour)
			mu.Unlock()
		})
	}
	// step advances the fake clock by d, the camera beating every 100 ms
	// if beating, and waits for the feeder to go back to sleep.
	step := func(d time.Duration, beating bool) {
		t.Helper()
		for end := clk.Now() + d; clk.Now() < end; {
			clk.WaitForSleepers(t, 1)
			next := min(end, clk.Now()+100*time.Millisecond)
			if beating {
				clk.Set(next - 1) // the frame arrives just before the tick
				cam.Beat()
			}
			clk.Set(next)
		}
		clk.WaitForSleepers(t, 1)
	}
	pos := len(openSteps(0, 0))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	s.Add(keepalive()) // at once
	go func() { done <- f.Run(ctx) }()
	pos++
	s.WaitPos(pos)

	// Healthy: fed at 10 s and 20 s.
	s.Add(keepalive(), keepalive())
	pos += 2
	step(20*time.Second, true)
	s.WaitPos(pos)

	// The camera stalls: at 30 s it has been silent for 10 s > 1 s, so no
	// keepalive (the fake fails on an unscripted one).
	step(10*time.Second, false)
	if !strings.Contains(logs.String(), "pipeline cam0 stalled") {
		t.Errorf("no reason logged:\n%s", logs.String())
	}

	// It recovers before the timeout (30 s after the keepalive at 20 s)
	// runs out: fed again at 40 s.
	cam.Beat()
	s.Add(keepalive())
	pos++
	step(10*time.Second, true)
	s.WaitPos(pos)
	if !strings.Contains(logs.String(), "feeding resumed") {
		t.Errorf("no resumption logged:\n%s", logs.String())
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	s.Add(ioctltest.CloseStep(devFd))
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if got := s.Events(); got != "write V, close" {
		t.Errorf("shutdown did %q", got)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []time.Duration{0, 10 * time.Second, 20 * time.Second, 40 * time.Second}
	if len(fed) != len(want) {
		t.Fatalf("fed at %v, want %v", fed, want)
	}
	for i := range want {
		if fed[i] != want[i] {
			t.Fatalf("fed at %v, want %v", fed, want)
		}
	}
}

func TestFeederStopsWhenClosed(t *testing.T) {
	clk := hwtest.NewClock(0)
	s := newSys(t, openSteps(3, 3)...)
	d, err := Open(&Options{Sys: s, Timeout: 3 * time.Second, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	s.Add(ioctltest.Call(devFd, ioctlKeepalive, int32(0), int32(0)))
	done := make(chan error)
	go func() { done <- NewFeeder(d, func() error { return nil }).Run(context.Background()) }()
	clk.WaitForSleepers(t, 1)
	s.Add(ioctltest.CloseStep(devFd))
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestMonitor(t *testing.T) {
	clk := hwtest.NewClock(0)
	m := NewMonitor(clk, 0)
	if err := m.Check(); err != nil {
		t.Errorf("no pipelines: %v", err)
	}
	a := m.Register("a", 40*time.Millisecond)
	b := m.Register("b", 100*time.Millisecond)
	clk.Advance(1200 * time.Millisecond) // a's limit is 30 × 40 ms
	if err := m.Check(); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	clk.Advance(time.Millisecond)
	if err := m.Check(); err == nil || !strings.Contains(err.Error(), "pipeline a stalled") {
		t.Errorf("a stalled: %v", err)
	}
	a.Beat()
	if err := m.Check(); err != nil {
		t.Errorf("a beat, b within 3 s: %v", err)
	}
	clk.Advance(2 * time.Second)
	a.Beat()
	if err := m.Check(); err == nil || !strings.Contains(err.Error(), "pipeline b stalled") {
		t.Errorf("b stalled: %v", err)
	}
	b.Unregister()
	if err := m.Check(); err != nil {
		t.Errorf("b unregistered: %v", err)
	}
	if n := testing.AllocsPerRun(100, a.Beat); n != 0 {
		t.Errorf("Beat allocates %v", n)
	}
}
