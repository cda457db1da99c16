package appliance

import (
	"context"
	"errors"
	"fmt"

	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/clue/model"
	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/hw"
)

// AudioBitrate is the bit rate of an encoded microphone: the box encodes
// PCM in software with G.711 or G.722, both 64 kbit/s.
const AudioBitrate = 64_000

// Bind resolves each configured capture to a device and mode among devs,
// as Apply does, but without opening anything: what `cluecam
// advertisement` and the endpoint need to describe the box. Captures that
// cannot be bound are left out and reported in the joined error.
func Bind(cfg *config.Config, devs []hw.DeviceInfo) ([]Capture, error) {
	var problems []error
	out := make([]Capture, 0, len(cfg.Captures))
	for _, c := range cfg.Captures {
		bound, err := bindCapture(devs, c)
		if err != nil {
			problems = append(problems, fmt.Errorf("capture %q: %w", c.Name, err))
			continue
		}
		out = append(out, bound)
	}
	return out, errors.Join(problems...)
}

// Reference is the head position at which a PTZ camera's configured
// geometry is measured: pan 0, tilt 0, the widest zoom (docs/config.md).
func Reference(h config.PTZ) hw.Position {
	return hw.Position{Zoom: h.Limits.ZoomMin}
}

// HomePositions returns where each head rests after Apply: its home
// preset, or the reference position when it has none (the head stays
// where it is, which the box cannot know without opening it).
func HomePositions(cfg *config.Config) map[string]hw.Position {
	out := make(map[string]hw.Position, len(cfg.PTZ))
	for _, h := range cfg.PTZ {
		pos := Reference(h)
		for _, p := range h.Presets {
			if p.Name == h.Home {
				pos = hw.Position{Pan: p.Pan, Tilt: p.Tilt, Zoom: p.Zoom}
			}
		}
		out[h.Name] = pos
	}
	return out
}

// NewRoom maps a configuration, the captures bound to devices, the devices
// present and the heads' positions onto the provider's description of the
// box (clue/provider stays free of the configuration format):
//
//   - scenes, captures (name, media, scene, description, people, geometry
//     in the scene's unit) and MCCs as configured;
//   - a capture whose binding is missing from captures, or whose device is
//     not among devs (unplugged), is left out; the provider drops it from
//     MCCs too;
//   - a camera is passed through as the device encodes it: one encoding
//     per device, limited to its bound mode and max_bitrate_kbps; a
//     microphone is encoded in software at AudioBitrate;
//   - a camera on a head gets the head's position from positions (missing:
//     HomePositions) and Reference;
//   - the disclosure policy is security.disclose.
func NewRoom(cfg *config.Config, captures []Capture, devs []hw.DeviceInfo, positions map[string]hw.Position) provider.Room {
	sec := &cfg.Security
	r := provider.Room{
		DisplayName: cfg.Identity.DisplayName,
		Policy: provider.Policy{
			Descriptions: sec.Discloses(config.DiscloseDescriptions),
			People:       sec.Discloses(config.DisclosePeople),
			DisplayName:  sec.Discloses(config.DiscloseDisplayName),
		},
	}
	for _, s := range cfg.Scenes {
		r.Scenes = append(r.Scenes, provider.Scene{Name: s.Name, Description: s.Description, Scale: model.Scale(s.Scale)})
	}
	info := make(map[string]hw.DeviceInfo, len(devs))
	for _, d := range devs {
		info[d.ID] = d
	}
	bound := make(map[string]Capture, len(captures))
	for _, c := range captures {
		bound[c.Name] = c
	}
	heads := make(map[string]config.PTZ, len(cfg.PTZ))
	for _, h := range cfg.PTZ {
		heads[h.Name] = h
	}
	home := HomePositions(cfg)
	for _, c := range cfg.Captures {
		b, ok := bound[c.Name]
		if !ok {
			continue
		}
		d, ok := info[b.Device]
		if !ok {
			continue // the device went away
		}
		pc := provider.Capture{Name: c.Name, Media: c.Media, Scene: c.Scene, Description: c.Description, Geometry: geometry(c.Geometry)}
		for _, p := range c.People {
			pc.People = append(pc.People, provider.Person{Name: p.Name, Roles: p.Roles})
		}
		dev := provider.Device{ID: d.ID, Modes: d.Modes, Formats: d.Formats}
		if c.Media == config.MediaAudio {
			dev.Audio = b.Audio
			dev.Encoder = provider.Encoder{MaxEncodings: 1, MaxBitrate: AudioBitrate}
		} else {
			// Pass-through: the camera's bitstream is sent as it is, so the
			// device produces one encoding, in its bound mode.
			dev.Video = b.Video
			dev.Encoder = provider.Encoder{MaxEncodings: 1, MaxWidth: b.Video.Width, MaxHeight: b.Video.Height, MaxFrameRate: b.Video.FrameRate}
			pc.MaxBitrate = uint64(c.MaxBitrateKbps) * 1000
			if h, ok := heads[c.PTZ]; ok {
				pos, ok := positions[h.Name]
				if !ok {
					pos = home[h.Name]
				}
				pc.PTZ = &provider.PTZ{Head: h.Name, Reference: Reference(h), Position: pos}
			}
		}
		pc.Device = dev
		r.Captures = append(r.Captures, pc)
	}
	for _, m := range cfg.MCCs {
		r.MCCs = append(r.MCCs, provider.MCC{
			Name: m.Name, Scene: m.Scene, Description: m.Description, Captures: m.Captures,
			Policy: m.Policy, MaxCaptures: m.MaxCaptures, AllowSubsetChoice: m.AllowSubsetChoice,
			Microphones: m.Microphones, SwitchInterval: m.SwitchInterval,
		})
	}
	return r
}

func geometry(g *config.Geometry) *provider.Geometry {
	if g == nil {
		return nil
	}
	pt := func(p *config.Point) *model.Point {
		if p == nil {
			return nil
		}
		return &model.Point{X: p[0], Y: p[1], Z: p[2]}
	}
	out := &provider.Geometry{PointOfCapture: pt(g.PointOfCapture), PointOnLineOfCapture: pt(g.PointOnLineOfCapture)}
	if a := g.AreaOfCapture; a != nil {
		out.AreaOfCapture = &model.CaptureArea{
			BottomLeft: *pt(&a.BottomLeft), BottomRight: *pt(&a.BottomRight),
			TopLeft: *pt(&a.TopLeft), TopRight: *pt(&a.TopRight),
		}
	}
	return out
}

// Room describes the box as it is now, for the CLUE provider: the
// configuration in force, the captures Apply bound, the devices the
// inventory finds now (a camera unplugged since is left out) and where the
// heads point. Give the result to provider.Readvertise whenever a device
// comes or goes or a head comes to rest.
func (a *Appliance) Room(ctx context.Context) (provider.Room, error) {
	a.mu.Lock()
	cfg, inv, captures := a.cfg, a.inv, append([]Capture(nil), a.captures...)
	heads := a.heads
	positions := make(map[string]hw.Position, len(heads))
	for name, pos := range a.rest {
		positions[name] = pos
	}
	a.mu.Unlock()
	if cfg == nil {
		return provider.Room{}, errNotApplied
	}
	for _, h := range cfg.PTZ {
		if _, ok := positions[h.Name]; ok {
			continue
		}
		if head, ok := heads[h.Name]; ok {
			positions[h.Name] = restPosition(h, head.Position())
		}
	}
	devs, err := inv.Devices(ctx)
	if err != nil {
		a.log.Warn("device scan incomplete", "err", err)
	}
	return NewRoom(cfg, captures, devs, positions), nil
}
