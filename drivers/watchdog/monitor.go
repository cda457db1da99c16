package watchdog

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cluecam/cluecam/hw"
)

// DefaultMissed is the number of frame intervals a pipeline may go without
// a frame before a Monitor calls it stalled, when NewMonitor is given 0.
const DefaultMissed = 30

// Monitor is the usual health check of a Feeder: the capture pipelines
// register with it and beat once per frame dequeued, and Check passes
// while every registered pipeline beat within Missed frame intervals.
// With no pipeline registered (a box without cameras, or between calls)
// Check passes: only a pipeline that runs can stall.
type Monitor struct {
	clock  hw.Clock
	missed int

	mu    sync.Mutex
	pipes []*Pipeline
}

// NewMonitor returns a Monitor on clock (nil: hw.SystemClock) that calls a
// pipeline stalled after missed frame intervals without a beat (0:
// DefaultMissed).
func NewMonitor(clock hw.Clock, missed int) *Monitor {
	if clock == nil {
		clock = hw.SystemClock
	}
	if missed <= 0 {
		missed = DefaultMissed
	}
	return &Monitor{clock: clock, missed: missed}
}

// Pipeline is one registered pipeline's heart. Beat is safe from any
// goroutine and allocates nothing.
type Pipeline struct {
	m        *Monitor
	name     string
	interval time.Duration
	last     atomic.Int64 // clock time of the last beat
}

// Register adds a pipeline producing a frame every interval (1/fps). It
// counts as having beaten now, so it has Missed intervals to deliver its
// first frame.
func (m *Monitor) Register(name string, interval time.Duration) *Pipeline {
	p := &Pipeline{m: m, name: name, interval: interval}
	p.last.Store(int64(m.clock.Now()))
	m.mu.Lock()
	m.pipes = append(m.pipes, p)
	m.mu.Unlock()
	return p
}

// Beat records that the pipeline dequeued a frame.
func (p *Pipeline) Beat() { p.last.Store(int64(p.m.clock.Now())) }

// Unregister removes the pipeline (it stopped on purpose). Further beats
// are ignored.
func (p *Pipeline) Unregister() {
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, q := range m.pipes {
		if q == p {
			m.pipes = append(m.pipes[:i], m.pipes[i+1:]...)
			return
		}
	}
}

// Check returns nil while every registered pipeline beat within Missed
// frame intervals, and otherwise an error naming the first stalled one and
// how long it has been silent. It is the health check to give NewFeeder.
func (m *Monitor) Check() error {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.pipes {
		silent := now - time.Duration(p.last.Load())
		if limit := time.Duration(m.missed) * p.interval; silent > limit {
			return fmt.Errorf("pipeline %s stalled: no frame for %v (limit %d × %v)", p.name, silent, m.missed, p.interval)
		}
	}
	return nil
}
