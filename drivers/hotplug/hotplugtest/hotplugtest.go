// Package hotplugtest runs a provider's hotplug Watch in a kernel test:
// started before the test acts, waited on until ready, stopped (and
// checked to end with the context) when the test ends.
package hotplugtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cluecam/cluecam/drivers/hotplug"
	"github.com/cluecam/cluecam/hw"
)

// Ready returns hotplug options whose Ready hook closes the channel: give
// them to the provider under test.
func Ready() (*hotplug.Options, <-chan struct{}) {
	ch := make(chan struct{})
	return &hotplug.Options{Ready: func() { close(ch) }}, ch
}

// Watch is a running Watch.
type Watch struct {
	t      testing.TB
	events chan hw.Event
}

// Start runs watch (a provider's Watch method) until the test ends and
// returns once it is ready (listening before its first scan), failing the
// test when it errs or is not ready within 30 s.
func Start(t testing.TB, watch func(context.Context, chan<- hw.Event) error, ready <-chan struct{}) *Watch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &Watch{t: t, events: make(chan hw.Event, 32)}
	errc := make(chan error, 1)
	go func() { errc <- watch(ctx, w.events) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("Watch ended with %v, want context.Canceled", err)
		}
	})
	select {
	case <-ready:
	case err := <-errc:
		errc <- err // for the cleanup
		t.Fatalf("Watch: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("Watch never ready")
	}
	return w
}

// Wait logs events until one satisfies ok, failing the test after 30 s.
func (w *Watch) Wait(what string, ok func(hw.Event) bool) hw.Event {
	w.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case e := <-w.events:
			w.t.Logf("hotplug: %v %s (%s)", e.Kind, e.Device.ID, e.Device.Name)
			if ok(e) {
				return e
			}
		case <-deadline:
			w.t.Fatalf("no hotplug event: %s", what)
		}
	}
}

// ExpectGone waits for a reader's error after its device was removed: it
// must be hw.ErrGone, and it must come (a read still blocked after 30 s
// fails the test).
func ExpectGone(t testing.TB, what string, readErr <-chan error) {
	t.Helper()
	select {
	case err := <-readErr:
		t.Logf("%s after the removal: %v", what, err)
		if !errors.Is(err, hw.ErrGone) {
			t.Errorf("%s after the removal: %v, want hw.ErrGone", what, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s still blocked after the removal", what)
	}
}
