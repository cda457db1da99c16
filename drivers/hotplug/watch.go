package hotplug

import (
	"context"
	"errors"
	"os"
	"reflect"
	"slices"
	"time"

	"github.com/cluecam/cluecam/hw"
)

// Source delivers uevents: *Socket is the kernel's; tests script one. Read
// blocks; Close makes a blocked Read return an error.
type Source interface {
	Read() (Uevent, error)
	Close() error
}

// Devices is what a provider tells Watch about its devices.
type Devices struct {
	// Subsystem whose uevents concern the provider ("video4linux",
	// "sound").
	Subsystem string
	// Scan lists the provider's devices now (its hw.Provider.Scan).
	Scan func(context.Context) ([]hw.DeviceInfo, error)
	// Nodes lists the device nodes a device ID uses ("/dev/video0" for
	// "/dev/video0", both for "/dev/video0+/dev/video11"); the device is
	// gone when any of them is removed.
	Nodes func(id string) []string
}

// Options tune Watch; nil means the defaults.
type Options struct {
	// Open returns the uevent source (nil: Open, the kernel's socket).
	Open func() (Source, error)
	// Exists tells whether a device node is there, to decide after an
	// overrun which devices went away unseen (nil: os.Stat).
	Exists func(node string) bool
	// Retry are the delays before scanning again after a scan reported an
	// error (nil: 100 ms doubling to 1.6 s, five tries): a node whose add
	// uevent came may not open yet (V4L2 marks it registered after the
	// uevent, drivers/media/v4l2-core/v4l2-dev.c).
	Retry []time.Duration
	// After makes the timers (nil: time.After).
	After func(time.Duration) <-chan time.Time
	// Ready, when set, is called once Watch listens and has taken the
	// devices present as known: changes from then on are reported.
	Ready func()
}

var defaultRetry = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond}

// Watch implements hw.Watcher for a provider: it starts listening, takes
// the devices present as known, then sends an hw.Event for every device of
// d that goes or comes until ctx is done, when it returns ctx.Err(). It
// fails early only when the source cannot be opened or fails for good.
func Watch(ctx context.Context, d Devices, o *Options, events chan<- hw.Event) error {
	var opt Options
	if o != nil {
		opt = *o
	}
	if opt.Open == nil {
		opt.Open = func() (Source, error) { return Open() }
	}
	if opt.Exists == nil {
		opt.Exists = func(node string) bool { _, err := os.Stat(node); return err == nil }
	}
	if opt.Retry == nil {
		opt.Retry = defaultRetry
	}
	if opt.After == nil {
		opt.After = time.After
	}
	src, err := opt.Open()
	if err != nil {
		return err
	}
	// The reader runs on its own so the loop below can wait for ctx and
	// retry timers too; closing the source ends it.
	type msg struct {
		u   Uevent
		err error
	}
	in := make(chan msg)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			u, err := src.Read()
			if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrOverflow) {
				select {
				case in <- msg{err: err}:
				case <-stop:
				}
				return
			}
			select {
			case in <- msg{u, err}:
			case <-stop:
				return
			}
		}
	}()
	defer func() {
		close(stop)
		_ = src.Close()
		<-done
	}()

	w := &watch{d: d, opt: opt, known: map[string]hw.DeviceInfo{}, events: events}
	// Listening before the first scan: nothing that happens after it is
	// missed.
	devs, err := d.Scan(ctx)
	for _, dev := range devs {
		w.known[dev.ID] = dev
	}
	if opt.Ready != nil {
		opt.Ready()
	}
	var retry <-chan time.Time
	tries := 0
	if err != nil && len(opt.Retry) > 0 {
		retry = opt.After(opt.Retry[0])
		tries = 1
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case m := <-in:
			var rescan, resync bool
			switch {
			case errors.Is(m.err, ErrOverflow):
				rescan, resync = true, true
			case m.err != nil && !errors.Is(m.err, ErrMalformed):
				return m.err
			case m.err != nil:
				continue // not a kernel uevent: nothing to act on
			case m.u.Subsystem != d.Subsystem || m.u.DevName == "":
				continue
			case m.u.Action == ActionRemove:
				if !w.removed(ctx, m.u.Node()) {
					return ctx.Err()
				}
				continue
			case m.u.Action == ActionAdd || m.u.Action == ActionChange:
				rescan = true
			}
			if !rescan {
				continue
			}
			err, ok := w.rescan(ctx, resync)
			if !ok {
				return ctx.Err()
			}
			retry, tries = nil, 0
			if err != nil && len(opt.Retry) > 0 {
				retry, tries = opt.After(opt.Retry[0]), 1
			}
		case <-retry:
			err, ok := w.rescan(ctx, false)
			if !ok {
				return ctx.Err()
			}
			retry = nil
			if err != nil && tries < len(opt.Retry) {
				retry = opt.After(opt.Retry[tries])
				tries++
			}
		}
	}
}

// watch is the state of one Watch: the devices known to be there.
type watch struct {
	d      Devices
	opt    Options
	known  map[string]hw.DeviceInfo
	events chan<- hw.Event
}

// send delivers an event unless ctx ends first.
func (w *watch) send(ctx context.Context, e hw.Event) bool {
	select {
	case w.events <- e:
		return true
	case <-ctx.Done():
		return false
	}
}

// removed reports every known device using node as gone, in ID order.
func (w *watch) removed(ctx context.Context, node string) bool {
	for _, id := range w.ids() {
		if slices.Contains(w.d.Nodes(id), node) {
			dev := w.known[id]
			delete(w.known, id)
			if !w.send(ctx, hw.Event{Kind: hw.DeviceRemoved, Device: dev}) {
				return false
			}
		}
	}
	return true
}

// rescan scans and reports the devices that are new, and those whose
// description changed (as removed, then added). With resync (after lost
// uevents) known devices missing from the scan whose nodes are gone are
// reported removed too; a device missing from a scan but with its nodes
// present (busy elsewhere, failing to probe) is kept. The scan's error is
// returned for the caller to retry; ok is false when ctx ended.
func (w *watch) rescan(ctx context.Context, resync bool) (err error, ok bool) {
	devs, err := w.d.Scan(ctx)
	seen := map[string]bool{}
	for _, dev := range devs {
		seen[dev.ID] = true
	}
	if resync {
		for _, id := range w.ids() {
			if seen[id] {
				continue
			}
			gone := false
			for _, n := range w.d.Nodes(id) {
				gone = gone || !w.opt.Exists(n)
			}
			if gone {
				dev := w.known[id]
				delete(w.known, id)
				if !w.send(ctx, hw.Event{Kind: hw.DeviceRemoved, Device: dev}) {
					return err, false
				}
			}
		}
	}
	for _, dev := range devs {
		old, had := w.known[dev.ID]
		if had && reflect.DeepEqual(old, dev) {
			continue
		}
		w.known[dev.ID] = dev
		if had && !w.send(ctx, hw.Event{Kind: hw.DeviceRemoved, Device: old}) {
			return err, false
		}
		if !w.send(ctx, hw.Event{Kind: hw.DeviceAdded, Device: dev}) {
			return err, false
		}
	}
	return err, true
}

func (w *watch) ids() []string {
	ids := make([]string, 0, len(w.known))
	for id := range w.known {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
