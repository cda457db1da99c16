// Package appliance applies a validated configuration to the box's hardware:
// it resolves each capture to a device, proves the device delivers media in
// the configured mode, and holds the PTZ heads. A configuration is only taken
// once all of that worked, so a bad reload leaves the last good one running
// (ARCHITECTURE.md, "Operating the box").
//
// The CLUE endpoint, SIP and media pipelines attach here in later stages; the
// appliance stays the one owner of opened devices.
package appliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/drivers/synthetic"
	"github.com/cluecam/cluecam/drivers/watchdog"
	"github.com/cluecam/cluecam/hw"
)

// Options tune an Appliance. The zero value gives the defaults.
type Options struct {
	// Clock drives the devices; nil means hw.SystemClock.
	Clock hw.Clock
	// ProbeTimeout bounds the wait for a capture's first frame or period
	// (default 5 s: a USB camera may take a second or two to start).
	ProbeTimeout time.Duration
	// NewInventory builds the device inventory for a configuration;
	// nil means NewInventory (synthetic devices, later real drivers).
	NewInventory func(*config.Config, hw.Clock) *hw.Inventory
	// OpenHead opens a configured head of a driver other than synthetic
	// (those heads cannot be enumerated, only named in the configuration);
	// nil means Heads{}.Open, the real hardware.
	OpenHead func(ctx context.Context, h config.PTZ, clock hw.Clock) (hw.PTZ, error)
	// Monitor, when set, watches every capture source opened through the
	// appliance: each registers while started and beats per frame or
	// period read, so the watchdog is fed only while they deliver.
	Monitor *watchdog.Monitor
}

// Capture is a configured capture bound to the device that serves it.
type Capture struct {
	Name   string
	Media  string
	Device string // the resolved device ID ("auto" never appears here)
	Video  hw.VideoMode
	Audio  hw.AudioFormat
}

// Appliance owns the configuration in force and the devices it opened.
// Its methods are safe for concurrent use.
type Appliance struct {
	log  *slog.Logger
	opts Options

	mu       sync.Mutex
	cfg      *config.Config
	inv      *hw.Inventory
	captures []Capture
	heads    map[string]hw.PTZ
	// rest is where each head last came to rest (from its subscription);
	// the room is described from it rather than from a moving head.
	rest  map[string]hw.Position
	moved chan struct{}
}

// New returns an appliance with no configuration applied yet.
func New(log *slog.Logger, opts *Options) *Appliance {
	a := &Appliance{log: log, moved: make(chan struct{}, 1)}
	if opts != nil {
		a.opts = *opts
	}
	if a.opts.Clock == nil {
		a.opts.Clock = hw.SystemClock
	}
	if a.opts.ProbeTimeout <= 0 {
		a.opts.ProbeTimeout = 5 * time.Second
	}
	if a.opts.NewInventory == nil {
		a.opts.NewInventory = NewInventory
	}
	if a.opts.OpenHead == nil {
		a.opts.OpenHead = Heads{}.Open
	}
	return a
}

// Moved delivers a value after a head came to rest somewhere (a move ended,
// was stopped or interrupted): then Room describes the capture areas the
// head turned, for provider.Readvertise. Values do not queue up: one
// pending value stands for any number of moves.
func (a *Appliance) Moved() <-chan struct{} { return a.moved }

// Watch reports cameras and microphones that come and go (hotplug) on the
// inventory in force, until ctx ends; after an Apply, watch again. Nil
// before the first Apply.
func (a *Appliance) Watch(ctx context.Context) <-chan hw.Event {
	a.mu.Lock()
	inv := a.inv
	a.mu.Unlock()
	if inv == nil {
		return nil
	}
	return inv.Watch(ctx)
}

// Config returns the configuration in force, nil before the first Apply.
func (a *Appliance) Config() *config.Config {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg
}

// Captures returns the captures in force with their resolved devices.
func (a *Appliance) Captures() []Capture {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Capture(nil), a.captures...)
}

// Head returns the opened PTZ head of that name.
func (a *Appliance) Head(name string) (hw.PTZ, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	h, ok := a.heads[name]
	return h, ok
}

// Apply makes cfg the configuration in force. It builds the inventory,
// checks every capture against a real device (one frame or audio period in
// the configured mode), opens every PTZ head (the synthetic one from the
// inventory, the others through Options.OpenHead) and, once everything
// worked, moves each to its home preset and follows where it comes to rest
// (see Moved). If any
// step fails, everything Apply opened is closed again, the previous
// configuration stays in force with its devices, and the error lists every
// problem found.
func (a *Appliance) Apply(ctx context.Context, cfg *config.Config) error {
	inv := a.opts.NewInventory(cfg, a.opts.Clock)
	devs, err := inv.Devices(ctx)
	if err != nil {
		// Some provider failed; the others' devices are still usable, and a
		// capture that needed the failed one fails below with its name.
		a.log.Warn("device scan incomplete", "err", err)
	}

	// The previous configuration's heads are released first: the new one
	// may name the same device, and each device opens once.
	a.mu.Lock()
	old := a.heads
	a.heads = nil
	a.mu.Unlock()
	closeHeads(old)

	var problems []error
	captures := make([]Capture, 0, len(cfg.Captures))
	for _, c := range cfg.Captures {
		bound, err := a.probeCapture(ctx, inv, devs, c)
		if err != nil {
			problems = append(problems, fmt.Errorf("capture %q: %w", c.Name, err))
			continue
		}
		captures = append(captures, bound)
	}
	heads := map[string]hw.PTZ{}
	for _, h := range cfg.PTZ {
		head, err := a.openHeadDevice(ctx, inv, h)
		if err != nil {
			problems = append(problems, fmt.Errorf("ptz %q: %w", h.Name, err))
			continue
		}
		heads[h.Name] = head
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	if len(problems) > 0 {
		closeHeads(heads)
		// Put the previous heads back: reopen with the old configuration.
		if a.cfg != nil {
			a.heads = a.reopenHeads(ctx, a.inv, a.cfg)
			a.rest = map[string]hw.Position{}
			for _, h := range a.cfg.PTZ {
				if head, ok := a.heads[h.Name]; ok {
					a.follow(h, head)
				}
			}
		}
		return fmt.Errorf("appliance: configuration not applied: %w", errors.Join(problems...))
	}
	a.cfg, a.inv, a.captures, a.heads = cfg, inv, captures, heads
	a.rest = map[string]hw.Position{}
	for _, h := range cfg.PTZ {
		a.follow(h, heads[h.Name])
		a.home(h, heads[h.Name])
	}
	return nil
}

// home moves a head to its home preset, if it has one and is not there
// already (servo heads start there). The head moves in the background: a
// slow head must not delay the box answering calls.
func (a *Appliance) home(h config.PTZ, head hw.PTZ) {
	if h.Home == "" {
		return
	}
	for _, p := range head.Presets() {
		if p.Name == h.Home && p.Position == head.Position() {
			return
		}
	}
	go func() {
		if err := head.GotoPreset(context.Background(), h.Home); err != nil && !errors.Is(err, hw.ErrClosed) && !errors.Is(err, hw.ErrInterrupted) {
			a.log.Warn("ptz: moving home failed", "ptz", h.Name, "preset", h.Home, "err", err)
		}
	}()
}

// follow records where head comes to rest until it is closed (which ends
// the subscription) and tells Moved.
func (a *Appliance) follow(h config.PTZ, head hw.PTZ) {
	updates, _ := head.Subscribe()
	go func() {
		for pos := range updates {
			pos = restPosition(h, pos)
			a.mu.Lock()
			current := a.heads[h.Name] == head
			if current {
				a.rest[h.Name] = pos
			}
			a.mu.Unlock()
			if !current {
				continue // a head of a replaced configuration
			}
			a.log.Info("ptz at rest", "ptz", h.Name, "position", pos.String())
			select {
			case a.moved <- struct{}{}:
			default:
			}
		}
	}()
}

// restPosition reports a head without a zoom axis at the configured fixed
// zoom (its driver reports 0), the zoom its camera's geometry assumes.
func restPosition(h config.PTZ, pos hw.Position) hw.Position {
	if h.Limits.ZoomMin == h.Limits.ZoomMax {
		pos.Zoom = h.Limits.ZoomMin
	}
	return pos
}

// Close releases every device the appliance holds.
func (a *Appliance) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	closeHeads(a.heads)
	a.heads = nil
	return nil
}

// resolveDevice picks the device for a capture: its configured ID, or for
// "auto" the first device of the capture's media type that offers the
// configured mode.
func resolveDevice(devs []hw.DeviceInfo, c config.Capture) (hw.DeviceInfo, error) {
	kind := hw.KindVideo
	if c.Media == config.MediaAudio {
		kind = hw.KindAudio
	}
	for _, d := range devs {
		if c.Device != "auto" {
			if d.ID == c.Device {
				if d.Kind != kind {
					return hw.DeviceInfo{}, fmt.Errorf("device %q is a %v device, not %v: %w", d.ID, d.Kind, kind, hw.ErrWrongKind)
				}
				return d, nil
			}
			continue
		}
		if d.Kind != kind {
			continue
		}
		if kind == hw.KindAudio {
			if _, ok := audioFormat(d.Formats, c); ok {
				return d, nil
			}
		} else if _, ok := videoMode(d.Modes, c); ok {
			return d, nil
		}
	}
	if c.Device == "auto" {
		return hw.DeviceInfo{}, fmt.Errorf("no %v device offers the configured mode: %w", kind, hw.ErrNotFound)
	}
	return hw.DeviceInfo{}, fmt.Errorf("device %q: %w", c.Device, hw.ErrNotFound)
}

// videoMode finds the mode a video capture asks for: its size and rate, in
// its format unless that is "auto" (then compressed formats first, because
// the box sends what the camera encodes without re-encoding).
func videoMode(modes []hw.VideoMode, c config.Capture) (hw.VideoMode, bool) {
	want := hw.Rational{Num: uint32(c.Framerate), Den: 1}
	formats := []hw.PixelFormat{hw.FormatH264, hw.FormatMJPEG}
	switch c.Format {
	case "h264":
		formats = formats[:1]
	case "mjpeg":
		formats = formats[1:]
	}
	for _, f := range formats {
		for _, m := range modes {
			if m.Format == f && m.Width == c.Width && m.Height == c.Height && m.FrameRate.Equal(want) {
				return m, true
			}
		}
	}
	return hw.VideoMode{}, false
}

func audioFormat(formats []hw.AudioFormat, c config.Capture) (hw.AudioFormat, bool) {
	for _, f := range formats {
		if f.Rate == c.Rate && f.Channels == c.Channels && f.Encoding == hw.S16LE {
			return f, true
		}
	}
	return hw.AudioFormat{}, false
}

// probeCapture binds c to a device and proves it delivers media.
func (a *Appliance) probeCapture(ctx context.Context, inv *hw.Inventory, devs []hw.DeviceInfo, c config.Capture) (Capture, error) {
	bound, err := bindCapture(devs, c)
	if err != nil {
		return Capture{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.ProbeTimeout)
	defer cancel()
	if c.Media == config.MediaAudio {
		return bound, probeAudio(ctx, inv, bound.Device, bound.Audio)
	}
	return bound, probeVideo(ctx, inv, bound.Device, bound.Video)
}

// bindCapture picks c's device among devs and the mode it runs in.
func bindCapture(devs []hw.DeviceInfo, c config.Capture) (Capture, error) {
	d, err := resolveDevice(devs, c)
	if err != nil {
		return Capture{}, err
	}
	bound := Capture{Name: c.Name, Media: c.Media, Device: d.ID}
	if c.Media == config.MediaAudio {
		f, ok := audioFormat(d.Formats, c)
		if !ok {
			return Capture{}, fmt.Errorf("device %q has no S16LE %d Hz × %d format (it offers %v): %w", d.ID, c.Rate, c.Channels, d.Formats, hw.ErrUnsupportedMode)
		}
		bound.Audio = f
		return bound, nil
	}
	m, ok := videoMode(d.Modes, c)
	if !ok {
		return Capture{}, fmt.Errorf("device %q has no %s %dx%d@%d mode (it offers %v): %w", d.ID, c.Format, c.Width, c.Height, c.Framerate, d.Modes, hw.ErrUnsupportedMode)
	}
	bound.Video = m
	return bound, nil
}

// probeVideo starts the source and waits for one frame.
func probeVideo(ctx context.Context, inv *hw.Inventory, id string, m hw.VideoMode) (err error) {
	src, err := inv.OpenVideo(ctx, id)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, src.Close()) }()
	if err := src.Start(m); err != nil {
		return err
	}
	f, err := src.ReadFrame(ctx)
	if err != nil {
		return fmt.Errorf("no frame from %q: %w", id, err)
	}
	empty := len(f.Data) == 0
	f.Release()
	if empty {
		return fmt.Errorf("device %q delivered an empty frame", id)
	}
	return src.Stop()
}

// probeAudio starts the source and waits for one period.
func probeAudio(ctx context.Context, inv *hw.Inventory, id string, f hw.AudioFormat) (err error) {
	src, err := inv.OpenAudio(ctx, id)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, src.Close()) }()
	if err := src.Start(hw.AudioConfig{Format: f}); err != nil {
		return err
	}
	buf := make([]int16, src.PeriodFrames()*f.Channels)
	if _, err := src.ReadPeriod(ctx, buf); err != nil {
		return fmt.Errorf("no audio from %q: %w", id, err)
	}
	return src.Stop()
}

// openHeadDevice opens a configured head: the synthetic one from the
// inventory, the others from their configuration.
func (a *Appliance) openHeadDevice(ctx context.Context, inv *hw.Inventory, h config.PTZ) (hw.PTZ, error) {
	if h.Driver == config.DriverSynthetic {
		return inv.OpenPTZ(ctx, synthetic.IDPTZ)
	}
	return a.opts.OpenHead(ctx, h, a.opts.Clock)
}

// reopenHeads reopens the heads of the configuration in force after a
// failed Apply; failures are logged, the box keeps running.
func (a *Appliance) reopenHeads(ctx context.Context, inv *hw.Inventory, cfg *config.Config) map[string]hw.PTZ {
	heads := map[string]hw.PTZ{}
	for _, h := range cfg.PTZ {
		head, err := a.openHeadDevice(ctx, inv, h)
		if err != nil {
			a.log.Error("ptz: could not reopen head after a failed reload", "ptz", h.Name, "err", err)
			continue
		}
		heads[h.Name] = head
	}
	return heads
}

func closeHeads(heads map[string]hw.PTZ) {
	for _, h := range heads {
		_ = h.Close()
	}
}
