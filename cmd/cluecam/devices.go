package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cluecam/cluecam/board/appliance"
	"github.com/cluecam/cluecam/hw"
)

// cmdDevices lists what the inventory finds. With --config the synthetic
// devices are shaped as that configuration would shape them.
func cmdDevices(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "devices")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	path := fs.String("config", "", "configuration file whose captures shape the synthetic devices (default: the built-in demo configuration)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	_, cfg, err := loadRunConfig(*path)
	if err != nil {
		printConfigError(e, err)
		return exitFail
	}
	devs, scanErr := appliance.NewInventory(cfg, hw.SystemClock).Devices(ctx)
	if *asJSON {
		if err := writeDevicesJSON(e, devs); err != nil {
			fmt.Fprintf(e.stderr, "cluecam devices: %v\n", err)
			return exitFail
		}
	} else {
		writeDevicesTable(e, devs)
	}
	if scanErr != nil {
		fmt.Fprintf(e.stderr, "cluecam devices: scan incomplete: %v\n", scanErr)
		return exitFail
	}
	return exitOK
}

func writeDevicesTable(e *env, devs []hw.DeviceInfo) {
	for i, d := range devs {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stdout, "%s  (%s, %s)\n  %s\n", d.ID, d.Kind, d.Driver, d.Name)
		if d.Caps != 0 {
			fmt.Fprintf(e.stdout, "  capabilities: %s\n", d.Caps)
		}
		for _, m := range modeSummary(d) {
			fmt.Fprintf(e.stdout, "  %s\n", m)
		}
	}
}

// modeSummary groups modes by format and size: "H264 640x360 @ 30, 15 fps".
func modeSummary(d hw.DeviceInfo) []string {
	var out []string
	if len(d.Modes) > 0 {
		idx := map[string]int{}
		var rates [][]string
		for _, m := range d.Modes {
			key := fmt.Sprintf("%s %dx%d", m.Format, m.Width, m.Height)
			i, ok := idx[key]
			if !ok {
				i = len(out)
				idx[key] = i
				out = append(out, key)
				rates = append(rates, nil)
			}
			rates[i] = append(rates[i], m.FrameRate.String())
		}
		for i := range out {
			out[i] += " @ " + strings.Join(rates[i], ", ") + " fps"
		}
	}
	for _, f := range d.Formats {
		out = append(out, f.String())
	}
	return out
}

// jsonDevice is the stable JSON shape of a device for scripts.
type jsonDevice struct {
	ID       string      `json:"id"`
	Kind     string      `json:"kind"`
	Driver   string      `json:"driver"`
	Name     string      `json:"name"`
	Location string      `json:"location,omitempty"`
	Caps     string      `json:"capabilities,omitempty"`
	Modes    []jsonMode  `json:"video_modes,omitempty"`
	Formats  []jsonAudio `json:"audio_formats,omitempty"`
}

type jsonMode struct {
	Format    string  `json:"format"`
	Width     int     `json:"width"`
	Height    int     `json:"height"`
	FrameRate float64 `json:"fps"`
}

type jsonAudio struct {
	Encoding string `json:"encoding"`
	Rate     int    `json:"rate"`
	Channels int    `json:"channels"`
}

func writeDevicesJSON(e *env, devs []hw.DeviceInfo) error {
	out := make([]jsonDevice, 0, len(devs))
	for _, d := range devs {
		j := jsonDevice{ID: d.ID, Kind: d.Kind.String(), Driver: d.Driver, Name: d.Name, Location: d.Location}
		if d.Caps != 0 {
			j.Caps = d.Caps.String()
		}
		for _, m := range d.Modes {
			j.Modes = append(j.Modes, jsonMode{m.Format.String(), m.Width, m.Height, m.FrameRate.Float64()})
		}
		for _, f := range d.Formats {
			j.Formats = append(j.Formats, jsonAudio{f.Encoding.String(), f.Rate, f.Channels})
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
