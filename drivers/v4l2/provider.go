package v4l2

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/cluecam/cluecam/drivers/hotplug"
	"github.com/cluecam/cluecam/drivers/internal/ioctl"
	"github.com/cluecam/cluecam/hw"
)

// Provider finds V4L2 devices for an hw.Inventory: every streaming video
// capture node ("/dev/video0"), and, for each camera with raw formats and
// each stateful encoder that takes one of them, the pair as one coded
// source ("/dev/video0+/dev/video11"). Metadata nodes, outputs and decoders
// are left out. A device (and each half of a pair) can be open once at a
// time; a second open gets hw.ErrBusy.
type Provider struct {
	cfg config

	mu   sync.Mutex
	open map[string]bool
}

var (
	_ hw.Provider = (*Provider)(nil)
	_ hw.Watcher  = (*Provider)(nil)
)

// NewProvider returns the V4L2 provider; nil opts means the defaults
// (the real kernel, the root file system, hw.SystemClock).
func NewProvider(opts *Options) *Provider {
	return &Provider{cfg: resolve(opts), open: map[string]bool{}}
}

// Name returns "v4l2".
func (p *Provider) Name() string { return providerName }

// devicePaths lists /dev/video* in numeric order.
func (p *Provider) devicePaths() ([]string, error) {
	names, err := fs.Glob(p.cfg.fsys, "dev/video*")
	if err != nil {
		return nil, err
	}
	num := func(s string) int {
		n, err := strconv.Atoi(strings.TrimPrefix(s, "dev/video"))
		if err != nil {
			return 1 << 30
		}
		return n
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := num(names[i]), num(names[j])
		if a != b {
			return a < b
		}
		return names[i] < names[j]
	})
	out := names[:0]
	for _, n := range names {
		if num(n) != 1<<30 {
			out = append(out, "/"+n)
		}
	}
	return out, nil
}

// probePath opens, probes and closes one node; with controls, a camera's
// or encoder's controls are listed too. A node whose controls fail to
// list is returned with those found, and the error.
func (p *Provider) probePath(path string, controls bool) (*node, error) {
	fd, err := p.cfg.sys.Open(path)
	if err != nil {
		return nil, wrap(path, ioctl.OpenError(err))
	}
	n, err := probe(p.cfg.sys, fd, path, p.cfg.formats)
	if err == nil && controls && (n.kind == nodeCamera && len(n.modes) > 0 || n.kind == nodeEncoder) {
		n.controls, err = newCtrlNode(p.cfg.sys, fd, path).list()
	}
	if cerr := p.cfg.sys.Close(fd); err == nil && cerr != nil {
		err = wrap(path, cerr)
	}
	return n, err
}

// nodes probes every device node; failures are joined, not fatal.
func (p *Provider) nodes(ctx context.Context, controls bool) (cams, encs []*node, err error) {
	paths, err := p.devicePaths()
	if err != nil {
		return nil, nil, err
	}
	var errs []error
	for _, path := range paths {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		n, err := p.probePath(path, controls)
		if err != nil {
			errs = append(errs, err)
			if n == nil {
				continue
			}
		}
		switch n.kind {
		case nodeCamera:
			if len(n.modes) > 0 {
				cams = append(cams, n)
			}
		case nodeEncoder:
			encs = append(encs, n)
		}
	}
	return cams, encs, errors.Join(errs...)
}

// Scan lists the cameras and camera+encoder pairs present now, with their
// controls (a pair's are the encoder's).
func (p *Provider) Scan(ctx context.Context) ([]hw.DeviceInfo, error) {
	return p.scan(ctx, true)
}

// scan is Scan, with or without the controls.
func (p *Provider) scan(ctx context.Context, controls bool) ([]hw.DeviceInfo, error) {
	cams, encs, err := p.nodes(ctx, controls)
	var out []hw.DeviceInfo
	for _, c := range cams {
		out = append(out, c.info())
	}
	if !p.cfg.noEnc {
		for _, c := range cams {
			for _, e := range encs {
				if comp := compose(c, e); len(comp.modes) > 0 {
					out = append(out, comp.info())
				}
			}
		}
	}
	return out, err
}

// Watch reports cameras and pairs that come and go (uevents of the
// video4linux subsystem, see drivers/hotplug) until ctx is done. A camera
// removed takes its pairs with it. A source open on a removed node fails
// its reads with hw.ErrGone. The devices in events have no Controls: a
// changed value is no new device.
func (p *Provider) Watch(ctx context.Context, events chan<- hw.Event) error {
	return hotplug.Watch(ctx, hotplug.Devices{
		Subsystem: "video4linux",
		Scan:      func(ctx context.Context) ([]hw.DeviceInfo, error) { return p.scan(ctx, false) },
		Nodes: func(id string) []string {
			cam, enc, ok := splitID(id)
			switch {
			case !ok:
				return nil
			case enc == "":
				return []string{cam}
			}
			return []string{cam, enc}
		},
	}, p.cfg.hotplug, events)
}

// claim marks paths open, or fails with ErrBusy.
func (p *Provider) claim(id string, paths ...string) (func(), error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, path := range paths {
		if p.open[path] {
			return nil, fmt.Errorf("v4l2: %s: %s is open: %w", id, path, hw.ErrBusy)
		}
	}
	for _, path := range paths {
		p.open[path] = true
	}
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, path := range paths {
			delete(p.open, path)
		}
	}, nil
}

// splitID returns the camera and (for a pair) encoder paths of an ID, or
// ok false for IDs that are not this provider's.
func splitID(id string) (cam, enc string, ok bool) {
	cam, enc, pair := strings.Cut(id, "+")
	if pair && enc == "" {
		return "", "", false
	}
	isNode := func(s string) bool {
		n, err := strconv.Atoi(strings.TrimPrefix(s, "/dev/video"))
		return strings.HasPrefix(s, "/dev/video") && err == nil && n >= 0
	}
	if !isNode(cam) || (enc != "" && !isNode(enc)) || strings.Count(id, "+") > 1 {
		return "", "", false
	}
	return cam, enc, true
}

// OpenVideo opens a camera or a camera+encoder pair. The source returned
// implements hw.KeyframeRequester and hw.BitrateController when the device
// has the controls (DeviceInfo.Caps says so).
func (p *Provider) OpenVideo(ctx context.Context, id string) (hw.VideoSource, error) {
	cam, enc, ok := splitID(id)
	if !ok {
		return nil, fmt.Errorf("v4l2: %q: %w", id, hw.ErrNotFound)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	paths := []string{cam}
	if enc != "" {
		paths = append(paths, enc)
	}
	release, err := p.claim(id, paths...)
	if err != nil {
		return nil, err
	}
	if enc == "" {
		c, err := openCamera(p.cfg, cam)
		if err != nil {
			release()
			return nil, err
		}
		c.onClose = release
		return c.Source(), nil
	}
	e, err := openEncodedCamera(p.cfg, cam, enc)
	if err != nil {
		release()
		return nil, err
	}
	e.onClose = release
	return e.Source(), nil
}

// OpenAudio fails: V4L2 devices are video.
func (p *Provider) OpenAudio(ctx context.Context, id string) (hw.AudioSource, error) {
	return nil, p.notKind(id, hw.KindAudio)
}

// OpenPTZ fails: V4L2 devices are video. (UVC pan/tilt/zoom controls are
// a later addition.)
func (p *Provider) OpenPTZ(ctx context.Context, id string) (hw.PTZ, error) {
	return nil, p.notKind(id, hw.KindPTZ)
}

func (p *Provider) notKind(id string, k hw.Kind) error {
	if _, _, ok := splitID(id); ok {
		return fmt.Errorf("v4l2: %q is video, not %v: %w", id, k, hw.ErrWrongKind)
	}
	return fmt.Errorf("v4l2: %q: %w", id, hw.ErrNotFound)
}

// Controls lists a device's controls and their values (for `cluecam
// devices`); for a pair, the encoder's. It opens the node briefly, which
// V4L2 allows while another handle streams.
func (p *Provider) Controls(ctx context.Context, id string) ([]Control, error) {
	cam, enc, ok := splitID(id)
	if !ok {
		return nil, fmt.Errorf("v4l2: %q: %w", id, hw.ErrNotFound)
	}
	path := cam
	if enc != "" {
		path = enc
	}
	fd, err := p.cfg.sys.Open(path)
	if err != nil {
		return nil, wrap(path, ioctl.OpenError(err))
	}
	cs, err := newCtrlNode(p.cfg.sys, fd, path).list()
	if cerr := p.cfg.sys.Close(fd); err == nil && cerr != nil {
		err = wrap(path, cerr)
	}
	return cs, err
}
