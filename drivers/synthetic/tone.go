package synthetic

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/cluecam/cluecam/hw"
)

// IDTone is the device ID of the synthetic microphone.
const IDTone = "synthetic:tone"

// ToneOptions configure the microphone. The zero value is the default.
type ToneOptions struct {
	// Frequency of the sine in Hz (default 1000).
	Frequency float64
	// Level is the sine's peak in dBFS, <= 0 (default -20 dBFS; a
	// full-scale sine is 0 dBFS). Use math.Inf(-1) for silence.
	Level *float64
	// Formats replaces the default list (S16LE at 8, 16 and 48 kHz, mono
	// and stereo).
	Formats []hw.AudioFormat
	// MaxLag is how many periods may be waiting before the oldest are
	// dropped, as an ALSA overrun drops them (default 4).
	MaxLag int
}

var toneFormats = func() []hw.AudioFormat {
	var fs []hw.AudioFormat
	for _, r := range []int{48000, 16000, 8000} {
		for _, ch := range []int{1, 2} {
			fs = append(fs, hw.AudioFormat{Rate: r, Channels: ch, Encoding: hw.S16LE})
		}
	}
	return fs
}()

const (
	defaultToneHz    = 1000
	defaultToneLevel = -20
	defaultPeriod    = 20 // milliseconds
)

// Tone is a microphone that hears a pure sine: S16LE PCM at the requested
// rate and channel count (every channel the same), delivered in periods
// paced by the clock, stamped with the capture time of their first sample
// on the same clock as video frames. The phase runs on across periods (and
// across dropped periods, as the real tone would have).
type Tone struct {
	clock hw.Clock
	opts  ToneOptions
	amp   float64
	step  float64 // phase step per sample, in cycles
	info  hw.DeviceInfo

	lifecycle // mu guards lifecycle and the fields below
	pace      pacer
	cfg       hw.AudioConfig
	phase     float64 // in cycles, [0, 1)
}

var _ hw.AudioSource = (*Tone)(nil)

func toneInfo(formats []hw.AudioFormat) hw.DeviceInfo {
	return hw.DeviceInfo{ID: IDTone, Driver: providerName, Name: "Synthetic microphone (sine tone)", Kind: hw.KindAudio, Formats: formats}
}

// NewTone returns the microphone, stopped. A nil clock means
// hw.SystemClock; nil opts the defaults.
func NewTone(clock hw.Clock, opts *ToneOptions) (*Tone, error) {
	if clock == nil {
		clock = hw.SystemClock
	}
	var o ToneOptions
	if opts != nil {
		o = *opts
	}
	if o.Frequency == 0 {
		o.Frequency = defaultToneHz
	}
	level := float64(defaultToneLevel)
	if o.Level != nil {
		level = *o.Level
	}
	if o.Formats == nil {
		o.Formats = toneFormats
	}
	o.Formats = append([]hw.AudioFormat(nil), o.Formats...)
	if o.MaxLag <= 0 {
		o.MaxLag = 4
	}
	if o.Frequency < 0 || math.IsNaN(o.Frequency) || level > 0 || math.IsNaN(level) {
		return nil, fmt.Errorf("synthetic: %s: frequency %v Hz, level %v dBFS: want frequency >= 0 and level <= 0", IDTone, o.Frequency, level)
	}
	for _, f := range o.Formats {
		if !f.Valid() || f.Encoding != hw.S16LE {
			return nil, wrap(IDTone, fmt.Errorf("format %v: %w", f, hw.ErrUnsupportedMode))
		}
	}
	return &Tone{clock: clock, lifecycle: lifecycle{id: IDTone, timer: clock.NewTimer()}, opts: o, amp: 32767 * math.Pow(10, level/20), info: toneInfo(o.Formats)}, nil
}

// Info describes the device.
func (t *Tone) Info() hw.DeviceInfo { return t.info }

// Formats lists the formats Start accepts.
func (t *Tone) Formats() []hw.AudioFormat { return t.info.Formats }

// Start begins capture; PeriodFrames 0 means 20 ms.
func (t *Tone) Start(cfg hw.AudioConfig) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.isClosed:
		return wrap(IDTone, hw.ErrClosed)
	case t.streaming:
		return wrap(IDTone, hw.ErrBusy)
	}
	ok := false
	for _, f := range t.info.Formats {
		ok = ok || f == cfg.Format
	}
	if !ok || cfg.PeriodFrames < 0 {
		return wrap(IDTone, fmt.Errorf("%v, period %d: %w", cfg.Format, cfg.PeriodFrames, hw.ErrUnsupportedMode))
	}
	if cfg.PeriodFrames == 0 {
		cfg.PeriodFrames = cfg.Format.Rate * defaultPeriod / 1000
	}
	t.cfg = cfg
	t.step = t.opts.Frequency / float64(cfg.Format.Rate)
	t.phase = 0
	// Periods per second: Rate/PeriodFrames; a period is readable once its
	// last sample is in (delay 1).
	rate := hw.Rational{Num: uint32(cfg.Format.Rate), Den: uint32(cfg.PeriodFrames)}
	t.pace.reset(rate, t.clock.Now(), 1, uint64(t.opts.MaxLag))
	t.streaming = true
	return nil
}

// PeriodFrames returns the period size in effect, 0 when stopped.
func (t *Tone) PeriodFrames() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.streaming {
		return 0
	}
	return t.cfg.PeriodFrames
}

// ReadPeriod waits for the next period and writes it into dst.
func (t *Tone) ReadPeriod(ctx context.Context, dst []int16) (hw.Period, error) {
	for {
		t.mu.Lock()
		switch {
		case t.isClosed:
			t.mu.Unlock()
			return hw.Period{}, wrap(IDTone, hw.ErrClosed)
		case !t.streaming:
			t.mu.Unlock()
			return hw.Period{}, wrap(IDTone, hw.ErrNotStreaming)
		case len(dst) < t.cfg.PeriodFrames*t.cfg.Format.Channels:
			t.mu.Unlock()
			return hw.Period{}, wrap(IDTone, hw.ErrShortBuffer)
		}
		now := t.clock.Now()
		at, dropped := t.pace.due(now)
		if dropped > 0 {
			// The lost periods' samples went by: keep the phase where the
			// real tone would be.
			t.phase = math.Mod(t.phase+float64(dropped)*float64(t.cfg.PeriodFrames)*t.step, 1)
		}
		if now < at {
			t.mu.Unlock()
			if err := t.timer.SleepUntil(ctx, at); err != nil && !errors.Is(err, hw.ErrWoken) {
				return hw.Period{}, err
			}
			continue
		}
		seq, ts := t.pace.take()
		p := hw.Period{Frames: t.cfg.PeriodFrames, Timestamp: ts, Sequence: seq}
		if dropped > 0 { // dropping leaves the next period due: no sleep in between
			p.Flags = hw.PeriodDiscontinuity
		}
		t.fillLocked(dst)
		t.mu.Unlock()
		return p, nil
	}
}

// fillLocked writes one period of the sine into dst.
func (t *Tone) fillLocked(dst []int16) {
	ch := t.cfg.Format.Channels
	ph := t.phase
	for i := 0; i < t.cfg.PeriodFrames; i++ {
		v := int16(math.Round(t.amp * math.Sin(2*math.Pi*ph)))
		for c := 0; c < ch; c++ {
			dst[i*ch+c] = v
		}
		ph += t.step
		if ph >= 1 {
			ph -= math.Floor(ph)
		}
	}
	t.phase = ph
}
