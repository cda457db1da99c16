package transport

import (
	"sync"
	"time"
)

// readDeadline is the read deadline of a net.Conn-like type whose readers
// block on channel receives: readers take a snapshot (deadline and a wake
// channel) and select on the wake channel, which is closed and replaced
// whenever the deadline changes or passes.
type readDeadline struct {
	mu       sync.Mutex
	deadline time.Time
	timer    *time.Timer
	wake     chan struct{}
}

func newReadDeadline() readDeadline { return readDeadline{wake: make(chan struct{})} }

// snapshot returns the deadline in force and the channel that closes when
// it changes or passes.
func (d *readDeadline) snapshot() (time.Time, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.deadline, d.wake
}

// set changes the deadline and wakes the blocked readers so they re-check;
// a zero t means none.
func (d *readDeadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.deadline = t
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.wakeLocked()
	if !t.IsZero() {
		d.timer = time.AfterFunc(time.Until(t), func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			d.wakeLocked()
		})
	}
}

func (d *readDeadline) wakeLocked() {
	close(d.wake)
	d.wake = make(chan struct{})
}
