package synthetic

import (
	"context"
	"fmt"
	"sync"

	"github.com/cluecam/cluecam/hw"
)

const providerName = "synthetic"

// Options configure the synthetic devices a Provider opens.
type Options struct {
	H264  H264Options
	MJPEG MJPEGOptions
	Tone  ToneOptions
	PTZ   PTZOptions
}

// Provider offers the four synthetic devices to an hw.Inventory. Each
// device can be open once at a time; a second open gets hw.ErrBusy until
// the first is closed.
type Provider struct {
	clock hw.Clock
	opts  Options

	mu   sync.Mutex
	open map[string]bool
}

var _ hw.Provider = (*Provider)(nil)

// New returns a provider whose devices run on clock (nil: hw.SystemClock)
// with opts (nil: the defaults).
func New(clock hw.Clock, opts *Options) *Provider {
	if clock == nil {
		clock = hw.SystemClock
	}
	p := &Provider{clock: clock, open: map[string]bool{}}
	if opts != nil {
		p.opts = *opts
	}
	return p
}

// Name returns "synthetic".
func (p *Provider) Name() string { return providerName }

// Scan lists the four devices; they are always present.
func (p *Provider) Scan(ctx context.Context) ([]hw.DeviceInfo, error) {
	mj := p.opts.MJPEG.Modes
	if mj == nil {
		mj = mjpegModes
	}
	tf := p.opts.Tone.Formats
	if tf == nil {
		tf = toneFormats
	}
	return []hw.DeviceInfo{
		h264Info(),
		mjpegInfo(append([]hw.VideoMode(nil), mj...)),
		toneInfo(append([]hw.AudioFormat(nil), tf...)),
		ptzInfo(),
	}, nil
}

// claim marks id open, or fails with ErrBusy.
func (p *Provider) claim(id string) (release func(), err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.open[id] {
		return nil, wrap(id, hw.ErrBusy)
	}
	p.open[id] = true
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		delete(p.open, id)
	}, nil
}

func kindOf(id string) (hw.Kind, bool) {
	switch id {
	case IDH264, IDMJPEG:
		return hw.KindVideo, true
	case IDTone:
		return hw.KindAudio, true
	case IDPTZ:
		return hw.KindPTZ, true
	}
	return 0, false
}

// check returns an error unless id is a device of kind k.
func check(id string, k hw.Kind) error {
	got, ok := kindOf(id)
	if !ok {
		return fmt.Errorf("synthetic: %q: %w", id, hw.ErrNotFound)
	}
	if got != k {
		return fmt.Errorf("synthetic: %q is %v, not %v: %w", id, got, k, hw.ErrWrongKind)
	}
	return nil
}

// OpenVideo opens synthetic:h264 or synthetic:mjpeg.
func (p *Provider) OpenVideo(ctx context.Context, id string) (hw.VideoSource, error) {
	if err := check(id, hw.KindVideo); err != nil {
		return nil, err
	}
	release, err := p.claim(id)
	if err != nil {
		return nil, err
	}
	if id == IDH264 {
		c, err := NewH264Camera(p.clock, &p.opts.H264)
		if err != nil {
			release()
			return nil, err
		}
		c.closed = release
		return c, nil
	}
	c, err := NewMJPEGCamera(p.clock, &p.opts.MJPEG)
	if err != nil {
		release()
		return nil, err
	}
	c.closed = release
	return c, nil
}

// OpenAudio opens synthetic:tone.
func (p *Provider) OpenAudio(ctx context.Context, id string) (hw.AudioSource, error) {
	if err := check(id, hw.KindAudio); err != nil {
		return nil, err
	}
	release, err := p.claim(id)
	if err != nil {
		return nil, err
	}
	t, err := NewTone(p.clock, &p.opts.Tone)
	if err != nil {
		release()
		return nil, err
	}
	t.closed = release
	return t, nil
}

// OpenPTZ opens synthetic:ptz.
func (p *Provider) OpenPTZ(ctx context.Context, id string) (hw.PTZ, error) {
	if err := check(id, hw.KindPTZ); err != nil {
		return nil, err
	}
	release, err := p.claim(id)
	if err != nil {
		return nil, err
	}
	h, err := NewPTZ(p.clock, &p.opts.PTZ)
	if err != nil {
		release()
		return nil, err
	}
	h.closed = release
	return h, nil
}
