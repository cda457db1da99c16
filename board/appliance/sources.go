package appliance

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cluecam/cluecam/drivers/watchdog"
	"github.com/cluecam/cluecam/hw"
)

// OpenVideo opens the device of a video capture in force. With
// Options.Monitor set, the source registers with it while started (at the
// frame interval of its mode) and beats once per frame read, so a pipeline
// that stops getting frames stops the watchdog being fed. The optional
// controls of the device (hw.KeyframeRequester, hw.BitrateController) are
// kept.
func (a *Appliance) OpenVideo(ctx context.Context, capture string) (hw.VideoSource, error) {
	c, inv, err := a.bound(capture)
	if err != nil {
		return nil, err
	}
	src, err := inv.OpenVideo(ctx, c.Device)
	if err != nil {
		return nil, fmt.Errorf("capture %q: %w", capture, err)
	}
	return watchVideo(src, a.opts.Monitor, capture), nil
}

// OpenAudio opens the device of an audio capture in force, watched as
// OpenVideo's sources are (one beat per period).
func (a *Appliance) OpenAudio(ctx context.Context, capture string) (hw.AudioSource, error) {
	c, inv, err := a.bound(capture)
	if err != nil {
		return nil, err
	}
	src, err := inv.OpenAudio(ctx, c.Device)
	if err != nil {
		return nil, fmt.Errorf("capture %q: %w", capture, err)
	}
	if a.opts.Monitor == nil {
		return src, nil
	}
	return &watchedAudio{AudioSource: src, beat: beat{m: a.opts.Monitor, name: capture}}, nil
}

func (a *Appliance) bound(capture string) (Capture, *hw.Inventory, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cfg == nil {
		return Capture{}, nil, errNotApplied
	}
	for _, c := range a.captures {
		if c.Name == capture {
			return c, a.inv, nil
		}
	}
	return Capture{}, nil, fmt.Errorf("capture %q: %w", capture, hw.ErrNotFound)
}

// beat is a source's registration with a Monitor, present while started.
type beat struct {
	m    *watchdog.Monitor
	name string
	mu   sync.Mutex
	p    *watchdog.Pipeline
}

func (b *beat) start(interval time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.p == nil && interval > 0 {
		b.p = b.m.Register(b.name, interval)
	}
}

func (b *beat) beat() {
	b.mu.Lock()
	p := b.p
	b.mu.Unlock()
	if p != nil {
		p.Beat()
	}
}

// stop unregisters: a source stopped on purpose cannot stall.
func (b *beat) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.p != nil {
		b.p.Unregister()
		b.p = nil
	}
}

// watchedVideo beats per frame read.
type watchedVideo struct {
	hw.VideoSource
	beat beat
}

func (w *watchedVideo) Start(m hw.VideoMode) error {
	if err := w.VideoSource.Start(m); err != nil {
		return err
	}
	var interval time.Duration
	if r := m.FrameRate; r.Num > 0 {
		interval = time.Duration(float64(time.Second) * float64(r.Den) / float64(r.Num))
	}
	w.beat.start(interval)
	return nil
}

func (w *watchedVideo) ReadFrame(ctx context.Context) (hw.Frame, error) {
	f, err := w.VideoSource.ReadFrame(ctx)
	if err == nil {
		w.beat.beat()
	}
	return f, err
}

func (w *watchedVideo) Stop() error {
	w.beat.stop()
	return w.VideoSource.Stop()
}

func (w *watchedVideo) Close() error {
	w.beat.stop()
	return w.VideoSource.Close()
}

// The wrapper must not hide the device's optional controls from the
// pipeline, which finds them by type assertion: one type per combination.
type (
	watchedKeyframe struct {
		*watchedVideo
		hw.KeyframeRequester
	}
	watchedBitrate struct {
		*watchedVideo
		hw.BitrateController
	}
	watchedBoth struct {
		*watchedVideo
		hw.KeyframeRequester
		hw.BitrateController
	}
)

func watchVideo(src hw.VideoSource, m *watchdog.Monitor, name string) hw.VideoSource {
	if m == nil {
		return src
	}
	w := &watchedVideo{VideoSource: src, beat: beat{m: m, name: name}}
	kr, isKR := src.(hw.KeyframeRequester)
	bc, isBC := src.(hw.BitrateController)
	switch {
	case isKR && isBC:
		return watchedBoth{w, kr, bc}
	case isKR:
		return watchedKeyframe{w, kr}
	case isBC:
		return watchedBitrate{w, bc}
	}
	return w
}

// watchedAudio beats per period read.
type watchedAudio struct {
	hw.AudioSource
	beat beat
}

func (w *watchedAudio) Start(cfg hw.AudioConfig) error {
	if err := w.AudioSource.Start(cfg); err != nil {
		return err
	}
	var interval time.Duration
	if rate := cfg.Format.Rate; rate > 0 {
		interval = time.Duration(w.AudioSource.PeriodFrames()) * time.Second / time.Duration(rate)
	}
	w.beat.start(interval)
	return nil
}

func (w *watchedAudio) ReadPeriod(ctx context.Context, dst []int16) (hw.Period, error) {
	p, err := w.AudioSource.ReadPeriod(ctx, dst)
	if err == nil {
		w.beat.beat()
	}
	return p, err
}

func (w *watchedAudio) Stop() error {
	w.beat.stop()
	return w.AudioSource.Stop()
}

func (w *watchedAudio) Close() error {
	w.beat.stop()
	return w.AudioSource.Close()
}
