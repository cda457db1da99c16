package appliance

import (
	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/drivers/alsa"
	"github.com/cluecam/cluecam/drivers/synthetic"
	"github.com/cluecam/cluecam/drivers/v4l2"
	"github.com/cluecam/cluecam/hw"
)

// NewInventory returns the devices the box can use under cfg: the V4L2
// cameras and ALSA microphones the kernel has, then the synthetic devices.
// Real devices come first so that a capture with device = "auto" takes the
// real camera when there is one. The synthetic devices are always offered
// (they cost nothing until opened) and are shaped by the captures and heads
// that name them, so a demo box delivers exactly the sizes, rates and travel
// its configuration asks for.
func NewInventory(cfg *config.Config, clock hw.Clock) *hw.Inventory {
	return hw.NewInventory(
		v4l2.NewProvider(&v4l2.Options{Clock: clock}),
		alsa.NewProvider(&alsa.Options{Clock: clock}),
		synthetic.New(clock, syntheticOptions(cfg)),
	)
}

// syntheticOptions maps the configuration onto the synthetic provider.
func syntheticOptions(cfg *config.Config) *synthetic.Options {
	opts := &synthetic.Options{}
	for _, c := range cfg.Captures {
		switch c.Device {
		case synthetic.IDMJPEG:
			// The pattern is drawn at any size: offer the configured mode
			// alongside the defaults.
			m := hw.VideoMode{Format: hw.FormatMJPEG, Width: c.Width, Height: c.Height, FrameRate: hw.Rational{Num: uint32(c.Framerate), Den: 1}}
			if opts.MJPEG.Modes == nil {
				opts.MJPEG.Modes = synthetic.DefaultMJPEGModes()
			}
			if _, ok := hw.FindMode(opts.MJPEG.Modes, m); !ok {
				opts.MJPEG.Modes = append(opts.MJPEG.Modes, m)
			}
			opts.MJPEG.Bitrate = c.MaxBitrateKbps * 1000
		case synthetic.IDH264:
			opts.H264.Bitrate = c.MaxBitrateKbps * 1000
		}
	}
	for _, h := range cfg.PTZ {
		if h.Driver != config.DriverSynthetic {
			continue
		}
		l := hw.PTZLimits{
			Pan:       hw.Range{Min: h.Limits.PanMin, Max: h.Limits.PanMax},
			Tilt:      hw.Range{Min: h.Limits.TiltMin, Max: h.Limits.TiltMax},
			Zoom:      hw.Range{Min: h.Limits.ZoomMin, Max: h.Limits.ZoomMax},
			PanSpeed:  h.SpeedDegPerS,
			TiltSpeed: h.SpeedDegPerS,
			// A motor zoom crosses its whole range in about two seconds.
			ZoomSpeed: max((h.Limits.ZoomMax-h.Limits.ZoomMin)/2, 0.5),
			Home:      hw.Position{Zoom: h.Limits.ZoomMin},
		}
		l.Home = l.Clamp(l.Home)
		for _, p := range h.Presets {
			pos := hw.Position{Pan: p.Pan, Tilt: p.Tilt, Zoom: p.Zoom}
			opts.PTZ.Presets = append(opts.PTZ.Presets, hw.Preset{Name: p.Name, Position: pos})
			if p.Name == h.Home {
				l.Home = pos
			}
		}
		opts.PTZ.Limits = l
		break // the synthetic provider has one head
	}
	return opts
}
