package hotplug

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
)

// fakeSource plays uevents pushed by the test; Read blocks until one comes
// or Close.
type fakeSource struct {
	in     chan msgOrErr
	closed chan struct{}
	once   sync.Once
}

type msgOrErr struct {
	b   []byte
	err error
}

func newFakeSource() *fakeSource {
	return &fakeSource{in: make(chan msgOrErr), closed: make(chan struct{})}
}

func (s *fakeSource) Read() (Uevent, error) {
	select {
	case m := <-s.in:
		if m.err != nil {
			return Uevent{}, m.err
		}
		return Parse(m.b)
	case <-s.closed:
		return Uevent{}, fmt.Errorf("fake: %w", hw.ErrClosed)
	}
}

func (s *fakeSource) Close() error { s.once.Do(func() { close(s.closed) }); return nil }

// send hands the watcher a message; the deadline only catches a hang.
func (s *fakeSource) send(t *testing.T, msg string) {
	t.Helper()
	select {
	case s.in <- msgOrErr{b: []byte(msg)}:
	case <-time.After(10 * time.Second):
		t.Fatal("watcher does not read")
	}
}

func (s *fakeSource) fail(t *testing.T, err error) {
	t.Helper()
	select {
	case s.in <- msgOrErr{err: err}:
	case <-time.After(10 * time.Second):
		t.Fatal("watcher does not read")
	}
}

// fakeDevices is a provider whose devices the test sets; each Scan takes
// the next scripted result if any, else the current set.
type fakeDevices struct {
	mu    sync.Mutex
	devs  []hw.DeviceInfo
	errs  []error // returned by the next scans, in order
	scans int
}

func (f *fakeDevices) set(devs ...hw.DeviceInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.devs = devs
}

func (f *fakeDevices) failNext(errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, errs...)
}

func (f *fakeDevices) scan(ctx context.Context) ([]hw.DeviceInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scans++
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return nil, err
	}
	return append([]hw.DeviceInfo(nil), f.devs...), nil
}

func cam(id string) hw.DeviceInfo {
	return hw.DeviceInfo{ID: id, Driver: "v4l2", Name: "vivid", Kind: hw.KindVideo}
}

// nodes maps "/dev/video0+/dev/video1" to its two nodes.
func nodes(id string) []string { return strings.Split(id, "+") }

type rig struct {
	t       *testing.T
	src     *fakeSource
	devs    *fakeDevices
	events  chan hw.Event
	cancel  context.CancelFunc
	done    chan error
	timers  chan chan time.Time
	exists  map[string]bool
	delays  []time.Duration
	delayMu sync.Mutex
}

func startWatch(t *testing.T, initial ...hw.DeviceInfo) *rig {
	r := &rig{t: t, src: newFakeSource(), devs: &fakeDevices{}, events: make(chan hw.Event, 16),
		done: make(chan error, 1), timers: make(chan chan time.Time, 8), exists: map[string]bool{}}
	r.devs.set(initial...)
	for _, d := range initial {
		for _, n := range nodes(d.ID) {
			r.exists[n] = true
		}
	}
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	opt := &Options{
		Open: func() (Source, error) { return r.src, nil },
		// exists is changed by the test only before it sends the next
		// message, which orders the change before this read.
		Exists: func(n string) bool { return r.exists[n] },
		After: func(d time.Duration) <-chan time.Time {
			r.delayMu.Lock()
			r.delays = append(r.delays, d)
			r.delayMu.Unlock()
			c := make(chan time.Time, 1)
			r.timers <- c
			return c
		},
		Ready: func() { close(ready) },
	}
	go func() {
		r.done <- Watch(ctx, Devices{Subsystem: "video4linux", Scan: r.devs.scan, Nodes: nodes}, opt, r.events)
	}()
	select {
	case <-ready:
	case err := <-r.done:
		t.Fatalf("Watch: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Watch not ready")
	}
	t.Cleanup(func() {
		r.cancel()
		select {
		case err := <-r.done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Watch ended with %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Watch did not end with its context")
		}
		select {
		case <-r.src.closed:
		default:
			t.Error("source not closed")
		}
	})
	return r
}

// want checks the next events, in order.
func (r *rig) want(evs ...string) {
	r.t.Helper()
	for _, w := range evs {
		select {
		case e := <-r.events:
			if got := e.Kind.String() + " " + e.Device.ID; got != w {
				r.t.Errorf("event %q, want %q", got, w)
			}
		case <-time.After(10 * time.Second):
			r.t.Fatalf("no event, want %q", w)
		}
	}
}

// quiet checks no event is pending after the watcher took the next message.
func (r *rig) quiet() {
	r.t.Helper()
	r.src.send(r.t, vividUnbind) // handled in order: once read, earlier ones are done
	select {
	case e := <-r.events:
		r.t.Errorf("unexpected event %v %s", e.Kind, e.Device.ID)
	default:
	}
}

func ev(action, subsystem, devname string, seq int) string {
	p := "/devices/virtual/x/" + strings.ReplaceAll(devname, "/", "_")
	s := fmt.Sprintf("%s@%s\x00ACTION=%s\x00DEVPATH=%s\x00SUBSYSTEM=%s\x00", action, p, action, p, subsystem)
	if devname != "" {
		s += "DEVNAME=" + devname + "\x00"
	}
	return s + fmt.Sprintf("SEQNUM=%d\x00", seq)
}

func TestWatchRemoveAndAdd(t *testing.T) {
	pair := cam("/dev/video0+/dev/video1")
	r := startWatch(t, cam("/dev/video0"), pair, cam("/dev/video2"))
	// The kernel removes the node before it sends the uevent.
	r.devs.set(cam("/dev/video2"))
	r.src.send(t, vividRemove)
	r.want("removed /dev/video0", "removed /dev/video0+/dev/video1")
	// Other subsystems, nodeless and malformed messages are ignored.
	r.src.send(t, pcmAdd)
	r.src.send(t, ev(ActionRemove, "video4linux", "", 7))
	r.src.send(t, "garbage")
	r.quiet()
	// Back: a rescan reports what is new.
	r.devs.set(cam("/dev/video0"), pair, cam("/dev/video2"))
	r.src.send(t, vividAdd)
	r.want("added /dev/video0", "added /dev/video0+/dev/video1")
	// A change that leaves the description alone reports nothing; one
	// that changes it reports the device removed and added.
	r.src.send(t, ev(ActionChange, "video4linux", "video2", 8))
	r.quiet()
	changed := cam("/dev/video2")
	changed.Name = "vivid v2"
	r.devs.set(cam("/dev/video0"), pair, changed)
	r.src.send(t, ev(ActionChange, "video4linux", "video2", 9))
	r.want("removed /dev/video2", "added /dev/video2")
	// A remove of a node nobody uses, and one already reported: nothing.
	r.src.send(t, ev(ActionRemove, "video4linux", "video9", 10))
	r.quiet()
}

// TestWatchRetriesFailedScans: a node whose add uevent came may not open
// yet; the scan's error schedules rescans with the configured backoff,
// and the device is reported once a scan finds it.
func TestWatchRetriesFailedScans(t *testing.T) {
	r := startWatch(t)
	r.devs.failNext(errors.New("open /dev/video0: ENODEV"), errors.New("again"))
	r.src.send(t, vividAdd)
	for i := range 2 {
		select {
		case c := <-r.timers:
			if i == 1 {
				r.devs.set(cam("/dev/video0"))
			}
			c <- time.Time{}
		case <-time.After(10 * time.Second):
			t.Fatalf("no retry %d", i)
		}
	}
	r.want("added /dev/video0")
	r.delayMu.Lock()
	if len(r.delays) != 2 || r.delays[0] != defaultRetry[0] || r.delays[1] != defaultRetry[1] {
		t.Errorf("retry delays %v", r.delays)
	}
	r.delayMu.Unlock()
	r.quiet()
}

func TestWatchRetryGivesUp(t *testing.T) {
	r := startWatch(t)
	for range len(defaultRetry) + 1 {
		r.devs.failNext(errors.New("still failing"))
	}
	r.src.send(t, vividAdd)
	for range defaultRetry {
		select {
		case c := <-r.timers:
			c <- time.Time{}
		case <-time.After(10 * time.Second):
			t.Fatal("retry missing")
		}
	}
	r.quiet()
	select {
	case <-r.timers:
		t.Error("a retry beyond the schedule")
	default:
	}
}

// TestWatchOverflow: after lost uevents the watcher scans; devices gone
// with their nodes are reported removed, new ones added, and one missing
// from the scan whose node is still there (an ALSA PCM busy elsewhere) is
// kept.
func TestWatchOverflow(t *testing.T) {
	r := startWatch(t, cam("/dev/video0"), cam("/dev/video1"))
	r.devs.set(cam("/dev/video3"))
	r.exists["/dev/video0"] = false
	r.src.fail(t, ErrOverflow)
	r.want("removed /dev/video0", "added /dev/video3")
	r.quiet()
}

func TestWatchSourceFailure(t *testing.T) {
	devs := &fakeDevices{}
	boom := errors.New("boom")
	if err := Watch(context.Background(), Devices{Subsystem: "sound", Scan: devs.scan, Nodes: nodes},
		&Options{Open: func() (Source, error) { return nil, boom }}, nil); !errors.Is(err, boom) {
		t.Errorf("Watch with a failing open: %v", err)
	}
	src := newFakeSource()
	done := make(chan error, 1)
	go func() {
		done <- Watch(context.Background(), Devices{Subsystem: "sound", Scan: devs.scan, Nodes: nodes},
			&Options{Open: func() (Source, error) { return src, nil }}, nil)
	}()
	src.fail(t, boom)
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Errorf("Watch after a read failure: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not end on a read failure")
	}
}

// TestWatchCancelWhileSending: a consumer that stops reading does not keep
// Watch past its context.
func TestWatchCancelWhileSending(t *testing.T) {
	src := newFakeSource()
	devs := &fakeDevices{}
	devs.set(cam("/dev/video0"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		done <- Watch(ctx, Devices{Subsystem: "video4linux", Scan: devs.scan, Nodes: nodes},
			&Options{Open: func() (Source, error) { return src, nil }, Ready: func() { close(ready) }}, make(chan hw.Event))
	}()
	<-ready
	devs.set()
	src.send(t, vividRemove) // the removal blocks on the unbuffered, unread channel
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Watch: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Watch blocked past cancellation")
	}
}
