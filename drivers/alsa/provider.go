package alsa

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"sync"

	"github.com/cluecam/cluecam/drivers/hotplug"
	"github.com/cluecam/cluecam/drivers/internal/ioctl"
	"github.com/cluecam/cluecam/hw"
)

// Provider finds ALSA capture PCMs for an hw.Inventory: one device
// "hw:<card>,<device>" per /dev/snd/pcmC<card>D<device>c node, named from
// /proc/asound/cards and the PCM's own info. Each can be open once at a
// time through the provider; a PCM open in another process answers
// hw.ErrBusy (ALSA PCMs are exclusive).
type Provider struct {
	cfg config

	mu   sync.Mutex
	open map[string]bool
	// held describes the PCMs open through this provider: Scan lists them
	// from here, since opening them again fails with EBUSY, and a Watch
	// must not take them for gone.
	held map[string]hw.DeviceInfo
}

var (
	_ hw.Provider = (*Provider)(nil)
	_ hw.Watcher  = (*Provider)(nil)
)

// NewProvider returns the ALSA provider; nil opts means the defaults.
func NewProvider(opts *Options) *Provider {
	return &Provider{cfg: resolve(opts), open: map[string]bool{}, held: map[string]hw.DeviceInfo{}}
}

// Name returns "alsa".
func (p *Provider) Name() string { return providerName }

// cards reads /proc/asound/cards; nil when it cannot be read.
func (p *Provider) cards() map[int]*Card {
	b, err := fs.ReadFile(p.cfg.fsys, "proc/asound/cards")
	if err != nil {
		return nil
	}
	out := map[int]*Card{}
	for _, c := range ParseCards(b) {
		out[c.Index] = &c
	}
	return out
}

// nodes lists the capture PCM nodes in card, device order.
func (p *Provider) nodes() ([]pcmNode, error) {
	names, err := fs.Glob(p.cfg.fsys, "dev/snd/pcmC*D*c")
	if err != nil {
		return nil, err
	}
	var out []pcmNode
	for _, n := range names {
		if pn, ok := parsePCMNode(path.Base(n)); ok {
			out = append(out, pn)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].card != out[j].card {
			return out[i].card < out[j].card
		}
		return out[i].device < out[j].device
	})
	return out, nil
}

// Scan lists the capture PCMs present now with the formats they take. A
// PCM busy in another process is reported in the error, not listed.
func (p *Provider) Scan(ctx context.Context) ([]hw.DeviceInfo, error) {
	nodes, err := p.nodes()
	if err != nil {
		return nil, err
	}
	cards := p.cards()
	var (
		out  []hw.DeviceInfo
		errs []error
	)
	for _, n := range nodes {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		p.mu.Lock()
		info, held := p.held[n.id()]
		p.mu.Unlock()
		if held {
			out = append(out, info)
			continue
		}
		if cards != nil && cards[n.card] == nil {
			// The kernel sends a PCM's add uevent before it lists the card
			// (snd_card_register registers the devices first): not ready.
			errs = append(errs, wrap(n.id(), fmt.Errorf("card %d not in /proc/asound/cards yet: %w", n.card, hw.ErrNotFound)))
			continue
		}
		fd, err := p.cfg.sys.Open(n.path())
		if err != nil {
			errs = append(errs, wrap(n.id(), ioctl.OpenError(err)))
			continue
		}
		pr, err := probePCM(p.cfg, fd, n, cards[n.card])
		if cerr := p.cfg.sys.Close(fd); err == nil && cerr != nil {
			err = wrap(n.id(), cerr)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(pr.info.Formats) > 0 {
			out = append(out, pr.info)
		}
	}
	return out, errors.Join(errs...)
}

// Watch reports capture PCMs that come and go (uevents of the sound
// subsystem, see drivers/hotplug) until ctx is done. A PCM open here or
// elsewhere is left out of scans (busy) but not reported removed while its
// node exists. A capture open on a removed card fails its reads with
// hw.ErrGone.
func (p *Provider) Watch(ctx context.Context, events chan<- hw.Event) error {
	return hotplug.Watch(ctx, hotplug.Devices{
		Subsystem: "sound",
		Scan:      p.Scan,
		Nodes: func(id string) []string {
			if n, ok := parseID(id); ok {
				return []string{n.path()}
			}
			return nil
		},
	}, p.cfg.hotplug, events)
}

// OpenAudio opens a capture PCM by ID ("hw:0,0").
func (p *Provider) OpenAudio(ctx context.Context, id string) (hw.AudioSource, error) {
	n, ok := parseID(id)
	if !ok {
		return nil, fmt.Errorf("alsa: %q: %w", id, hw.ErrNotFound)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.open[n.id()] {
		p.mu.Unlock()
		return nil, wrap(n.id(), hw.ErrBusy)
	}
	p.open[n.id()] = true
	p.mu.Unlock()
	release := func() {
		p.mu.Lock()
		delete(p.open, n.id())
		delete(p.held, n.id())
		p.mu.Unlock()
	}
	c, err := openCapture(p.cfg, n, p.cards()[n.card])
	if err != nil {
		release()
		return nil, err
	}
	if info := c.Info(); len(info.Formats) > 0 {
		p.mu.Lock()
		p.held[n.id()] = info
		p.mu.Unlock()
	}
	c.onClose = release
	return c, nil
}

// OpenVideo fails: ALSA devices are audio.
func (p *Provider) OpenVideo(ctx context.Context, id string) (hw.VideoSource, error) {
	return nil, p.notKind(id, hw.KindVideo)
}

// OpenPTZ fails: ALSA devices are audio.
func (p *Provider) OpenPTZ(ctx context.Context, id string) (hw.PTZ, error) {
	return nil, p.notKind(id, hw.KindPTZ)
}

func (p *Provider) notKind(id string, k hw.Kind) error {
	if _, ok := parseID(id); ok {
		return fmt.Errorf("alsa: %q is audio, not %v: %w", id, k, hw.ErrWrongKind)
	}
	return fmt.Errorf("alsa: %q: %w", id, hw.ErrNotFound)
}
