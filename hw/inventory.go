package hw

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Provider is one driver's view of the devices it can drive: V4L2 nodes,
// ALSA cards, PTZ controllers, the synthetic devices.
type Provider interface {
	// Name is the driver name, the Driver field of the DeviceInfo it
	// returns ("v4l2", "alsa", "synthetic").
	Name() string

	// Scan lists the devices present now. It may take a moment (probing),
	// honours ctx, and returns what it found even when some devices failed
	// to probe (with an error saying which).
	Scan(ctx context.Context) ([]DeviceInfo, error)

	// OpenVideo, OpenAudio and OpenPTZ open a device by ID. An ID the
	// provider does not know gives ErrNotFound; a device of another kind
	// ErrWrongKind; a device open elsewhere ErrBusy (all wrapped).
	OpenVideo(ctx context.Context, id string) (VideoSource, error)
	OpenAudio(ctx context.Context, id string) (AudioSource, error)
	OpenPTZ(ctx context.Context, id string) (PTZ, error)
}

// EventKind says what happened to a device.
type EventKind uint8

// Hotplug event kinds.
const (
	DeviceAdded EventKind = 1 + iota
	DeviceRemoved
)

func (k EventKind) String() string {
	switch k {
	case DeviceAdded:
		return "added"
	case DeviceRemoved:
		return "removed"
	}
	return "unknown"
}

// Event reports a device that appeared or went away.
type Event struct {
	Kind   EventKind
	Device DeviceInfo // for DeviceRemoved, at least ID, Driver and Kind
}

// Watcher is implemented by providers that notice hotplug (udev/netlink for
// V4L2 and ALSA). Watch sends events on events until ctx is done, then
// returns ctx.Err(); it must select on ctx.Done() while sending so it never
// blocks past cancellation. Providers without hotplug do not implement it.
type Watcher interface {
	Watch(ctx context.Context, events chan<- Event) error
}

// Inventory combines providers: it lists every device, opens any device by
// ID, and merges hotplug events. Providers are asked in the order given;
// when two claim the same ID the first wins. It is safe for concurrent use.
type Inventory struct {
	providers []Provider
}

// NewInventory combines providers.
func NewInventory(providers ...Provider) *Inventory {
	return &Inventory{providers: append([]Provider(nil), providers...)}
}

// Providers returns the providers in order.
func (inv *Inventory) Providers() []Provider { return append([]Provider(nil), inv.providers...) }

// Devices scans every provider and returns all devices found, in provider
// order, duplicates (an ID seen from an earlier provider) dropped. A
// provider's failure does not hide the others' devices: the error joins the
// failures, each prefixed with the provider name.
func (inv *Inventory) Devices(ctx context.Context) ([]DeviceInfo, error) {
	var (
		all  []DeviceInfo
		errs []error
		seen = map[string]bool{}
	)
	for _, p := range inv.providers {
		devs, err := p.Scan(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("hw: provider %s: %w", p.Name(), err))
		}
		for _, d := range devs {
			if !seen[d.ID] {
				seen[d.ID] = true
				all = append(all, d)
			}
		}
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
	}
	return all, errors.Join(errs...)
}

// Lookup finds a device by ID and the provider that owns it, or returns an
// error wrapping ErrNotFound.
func (inv *Inventory) Lookup(ctx context.Context, id string) (DeviceInfo, Provider, error) {
	var errs []error
	for _, p := range inv.providers {
		devs, err := p.Scan(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("hw: provider %s: %w", p.Name(), err))
		}
		for _, d := range devs {
			if d.ID == id {
				return d, p, nil
			}
		}
		if ctx.Err() != nil {
			return DeviceInfo{}, nil, ctx.Err()
		}
	}
	errs = append([]error{fmt.Errorf("hw: device %q: %w", id, ErrNotFound)}, errs...)
	return DeviceInfo{}, nil, errors.Join(errs...)
}

func (inv *Inventory) lookupKind(ctx context.Context, id string, k Kind) (Provider, error) {
	d, p, err := inv.Lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.Kind != k {
		return nil, fmt.Errorf("hw: device %q is %v, not %v: %w", id, d.Kind, k, ErrWrongKind)
	}
	return p, nil
}

// OpenVideo opens the video device with that ID.
func (inv *Inventory) OpenVideo(ctx context.Context, id string) (VideoSource, error) {
	p, err := inv.lookupKind(ctx, id, KindVideo)
	if err != nil {
		return nil, err
	}
	return p.OpenVideo(ctx, id)
}

// OpenAudio opens the audio device with that ID.
func (inv *Inventory) OpenAudio(ctx context.Context, id string) (AudioSource, error) {
	p, err := inv.lookupKind(ctx, id, KindAudio)
	if err != nil {
		return nil, err
	}
	return p.OpenAudio(ctx, id)
}

// OpenPTZ opens the PTZ head with that ID.
func (inv *Inventory) OpenPTZ(ctx context.Context, id string) (PTZ, error) {
	p, err := inv.lookupKind(ctx, id, KindPTZ)
	if err != nil {
		return nil, err
	}
	return p.OpenPTZ(ctx, id)
}

// Watch merges the hotplug events of every provider that implements
// Watcher into the returned channel, which is closed after ctx is done and
// every watcher has returned. Events from one provider arrive in the order
// it sent them. A watcher that fails early is simply done: with no watching
// providers the channel closes when ctx is done. The channel has a small
// buffer; a consumer that stops reading stalls the watchers, not the
// drivers' capture paths.
func (inv *Inventory) Watch(ctx context.Context) <-chan Event {
	out := make(chan Event, 16)
	var wg sync.WaitGroup
	for _, p := range inv.providers {
		w, ok := p.(Watcher)
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = w.Watch(ctx, out)
		}()
	}
	go func() {
		wg.Wait()
		<-ctx.Done()
		close(out)
	}()
	return out
}
