package hwtest

import (
	"context"
	"fmt"

	"github.com/cluecam/cluecam/hw"
)

// Provider is a static hw.Provider for inventory tests: Scan returns
// Devices (and ScanErr), the Open methods hand out the sources in the maps
// by ID.
type Provider struct {
	ProviderName string
	Devices      []hw.DeviceInfo
	ScanErr      error
	Video        map[string]hw.VideoSource
	Audio        map[string]hw.AudioSource
	PTZ          map[string]hw.PTZ
}

var _ hw.Provider = (*Provider)(nil)

// Name returns ProviderName.
func (p *Provider) Name() string { return p.ProviderName }

// Scan returns Devices and ScanErr.
func (p *Provider) Scan(ctx context.Context) ([]hw.DeviceInfo, error) {
	return append([]hw.DeviceInfo(nil), p.Devices...), p.ScanErr
}

func (p *Provider) kindOf(id string) (hw.Kind, error) {
	for _, d := range p.Devices {
		if d.ID == id {
			return d.Kind, nil
		}
	}
	return 0, fmt.Errorf("hwtest: %s: %q: %w", p.ProviderName, id, hw.ErrNotFound)
}

func open[T any](p *Provider, id string, want hw.Kind, m map[string]T) (T, error) {
	var zero T
	k, err := p.kindOf(id)
	if err != nil {
		return zero, err
	}
	if k != want {
		return zero, fmt.Errorf("hwtest: %s: %q is %v: %w", p.ProviderName, id, k, hw.ErrWrongKind)
	}
	s, ok := m[id]
	if !ok {
		return zero, fmt.Errorf("hwtest: %s: %q has no fake: %w", p.ProviderName, id, hw.ErrNotFound)
	}
	return s, nil
}

// OpenVideo returns Video[id].
func (p *Provider) OpenVideo(ctx context.Context, id string) (hw.VideoSource, error) {
	return open(p, id, hw.KindVideo, p.Video)
}

// OpenAudio returns Audio[id].
func (p *Provider) OpenAudio(ctx context.Context, id string) (hw.AudioSource, error) {
	return open(p, id, hw.KindAudio, p.Audio)
}

// OpenPTZ returns PTZ[id].
func (p *Provider) OpenPTZ(ctx context.Context, id string) (hw.PTZ, error) {
	return open(p, id, hw.KindPTZ, p.PTZ)
}

// HotplugProvider is a Provider that also implements hw.Watcher: Watch
// forwards what the test sends on Events until ctx is done.
type HotplugProvider struct {
	Provider
	Events chan hw.Event
}

var _ hw.Watcher = (*HotplugProvider)(nil)

// Watch forwards Events to events until ctx is done.
func (p *HotplugProvider) Watch(ctx context.Context, events chan<- hw.Event) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e := <-p.Events:
			select {
			case events <- e:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}
