package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
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
		for _, c := range d.Controls {
			fmt.Fprintf(e.stdout, "  control %s\n", controlLine(c))
		}
	}
}

// controlLine describes a control in one line: "brightness int 0..255
// step 1 default 128 = 128", "power_line_frequency menu {Disabled, 50 Hz,
// 60 Hz} default 60 Hz = 60 Hz", flags last in parentheses.
func controlLine(c hw.Control) string {
	var b strings.Builder
	key := c.Key()
	if key == "" {
		key = fmt.Sprintf("%#x", c.ID)
	}
	fmt.Fprintf(&b, "%s %s", key, c.Type)
	value := func(v int64) string { return strconv.FormatInt(v, 10) }
	scalar := true
	switch c.Type {
	case hw.ControlInteger, hw.ControlInteger64:
		fmt.Fprintf(&b, " %d..%d step %d", c.Min, c.Max, c.Step)
	case hw.ControlBoolean:
		value = func(v int64) string { return strconv.FormatBool(v != 0) }
	case hw.ControlMenu, hw.ControlIntMenu:
		b.WriteString(" " + menuList(c))
		value = func(v int64) string {
			if n := c.MenuName(v); n != "" {
				return n
			}
			return strconv.FormatInt(v, 10)
		}
	case hw.ControlBitmask:
		fmt.Fprintf(&b, " mask %#x", c.Max)
		value = func(v int64) string { return fmt.Sprintf("%#x", v) }
	case hw.ControlString:
		fmt.Fprintf(&b, " length %d..%d", c.Min, c.Max)
		scalar = false
	default: // buttons, compound controls
		scalar = false
	}
	if scalar {
		b.WriteString(" default " + value(c.Default))
		switch {
		case c.HasValue:
			b.WriteString(" = " + value(c.Value))
		case c.Flags&hw.ControlWriteOnly == 0:
			b.WriteString(" = ?") // reading it failed
		}
	}
	flags := c.Flags
	if c.Type == hw.ControlButton {
		flags &^= hw.ControlWriteOnly // as every button is
	}
	if flags != 0 {
		fmt.Fprintf(&b, " (%s)", strings.ReplaceAll(flags.String(), ",", ", "))
	}
	return b.String()
}

// maxMenuShown bounds the menu items a table line shows (vivid's DV
// timings menu has 110); --json has them all.
const maxMenuShown = 24

// menuList lists a menu's items, "{Disabled, 50 Hz, 60 Hz}"; with the
// values ("{1: Item 1, 3: Item 3}") unless they count from 0 without gaps;
// beyond maxMenuShown, how many more there are.
func menuList(c hw.Control) string {
	plain, gap := true, false
	for _, n := range c.Menu {
		if n == "" {
			gap = true
		} else if gap {
			plain = false
		}
	}
	var items []string
	more := 0
	for i, n := range c.Menu {
		switch {
		case n == "":
		case len(items) == maxMenuShown:
			more++
		case plain:
			items = append(items, n)
		default:
			items = append(items, fmt.Sprintf("%d: %s", i, n))
		}
	}
	if more > 0 {
		items = append(items, fmt.Sprintf("… %d more", more))
	}
	return "{" + strings.Join(items, ", ") + "}"
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
	ID       string        `json:"id"`
	Kind     string        `json:"kind"`
	Driver   string        `json:"driver"`
	Name     string        `json:"name"`
	Location string        `json:"location,omitempty"`
	Caps     string        `json:"capabilities,omitempty"`
	Modes    []jsonMode    `json:"video_modes,omitempty"`
	Formats  []jsonAudio   `json:"audio_formats,omitempty"`
	Controls []jsonControl `json:"controls,omitempty"`
}

// jsonControl is a control; value is absent when the control has none.
type jsonControl struct {
	ID      uint32     `json:"id"`
	Key     string     `json:"key"`
	Name    string     `json:"name"`
	Type    string     `json:"type"`
	Min     int64      `json:"min"`
	Max     int64      `json:"max"`
	Step    int64      `json:"step"`
	Default int64      `json:"default"`
	Value   *int64     `json:"value,omitempty"`
	Menu    []jsonItem `json:"menu,omitempty"`
	Flags   []string   `json:"flags,omitempty"`
}

// jsonItem is a menu item: the value and its name.
type jsonItem struct {
	Value int64  `json:"value"`
	Name  string `json:"name"`
}

func jsonControlOf(c hw.Control) jsonControl {
	j := jsonControl{ID: c.ID, Key: c.Key(), Name: c.Name, Type: c.Type.String(), Min: c.Min, Max: c.Max, Step: c.Step, Default: c.Default}
	if c.HasValue {
		v := c.Value
		j.Value = &v
	}
	for i, n := range c.Menu {
		if n != "" {
			j.Menu = append(j.Menu, jsonItem{int64(i), n})
		}
	}
	if c.Flags != 0 {
		j.Flags = strings.Split(c.Flags.String(), ",")
	}
	return j
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
		for _, c := range d.Controls {
			j.Controls = append(j.Controls, jsonControlOf(c))
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
