package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cluecam/cluecam/board/appliance"
	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/drivers/synthetic"
	"github.com/cluecam/cluecam/hw"
)

// ptzHeads opens the non-synthetic heads; tests replace it with fakes.
var ptzHeads = appliance.Heads{}

// ptzClock drives the heads; tests use a fake clock.
var ptzClock hw.Clock = hw.SystemClock

// cmdPTZ moves one configured head from the command line: it opens only
// that head (not the cameras), does one action, prints where the head rests
// and closes it. Moves block until the head is at rest; Ctrl-C stops the
// head where it is.
func cmdPTZ(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "ptz")
	path := fs.String("config", "", "configuration file (default: the boot partition's cluecam.toml, else the built-in demo configuration)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() < 2 {
		fs.Usage()
		return exitUsage
	}
	name, action, rest := fs.Arg(0), fs.Arg(1), fs.Args()[2:]
	wantArgs := map[string][2]int{"goto": {2, 3}, "preset": {1, 1}, "home": {0, 0}, "status": {0, 0}, "stop": {0, 0}}
	n, ok := wantArgs[action]
	if !ok || len(rest) < n[0] || len(rest) > n[1] {
		if !ok {
			fmt.Fprintf(e.stderr, "cluecam ptz: unknown action %q: expected goto, preset, home, status or stop\n", action)
		} else {
			fmt.Fprintf(e.stderr, "cluecam ptz: %s takes %s\n", action, map[string]string{"goto": "PAN TILT [ZOOM]", "preset": "NAME", "home": "no arguments", "status": "no arguments", "stop": "no arguments"}[action])
		}
		fs.Usage()
		return exitUsage
	}
	var target []float64
	if action == "goto" {
		for i, s := range rest {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				fmt.Fprintf(e.stderr, "cluecam ptz: goto: %s %q is not a number\n", []string{"PAN", "TILT", "ZOOM"}[i], s)
				return exitUsage
			}
			target = append(target, v)
		}
	}

	src, cfg, err := loadRunConfig(*path)
	if err != nil {
		printConfigError(e, err)
		return exitFail
	}
	if src == "" {
		src = "the built-in demo configuration"
	}
	var h *config.PTZ
	var names []string
	for i := range cfg.PTZ {
		names = append(names, cfg.PTZ[i].Name)
		if cfg.PTZ[i].Name == name {
			h = &cfg.PTZ[i]
		}
	}
	if h == nil {
		known := "it has no [[ptz]] heads"
		if len(names) > 0 {
			known = "it has " + strings.Join(names, ", ")
		}
		fmt.Fprintf(e.stderr, "cluecam ptz: no head %q in %s (%s)\n", name, src, known)
		return exitFail
	}

	head, err := openPTZ(ctx, cfg, *h)
	if err != nil {
		fmt.Fprintf(e.stderr, "cluecam ptz: %s (driver %s): cannot open: %v\n", h.Name, h.Driver, err)
		return exitFail
	}
	defer head.Close()

	switch action {
	case "goto":
		// Without ZOOM the zoom stays; a head without zoom takes the
		// position at its own (driver) zoom value.
		pos := hw.Position{Pan: target[0], Tilt: target[1], Zoom: head.Position().Zoom}
		fixed := h.Limits.ZoomMin == h.Limits.ZoomMax
		switch {
		case len(target) == 3 && fixed && target[2] != h.Limits.ZoomMin:
			err = fmt.Errorf("zoom %g: the head has a fixed zoom of %g", target[2], h.Limits.ZoomMin)
		case len(target) == 3 && !fixed:
			pos.Zoom = target[2]
		}
		if err == nil {
			err = head.MoveAbsolute(ctx, pos)
		}
	case "preset":
		err = head.GotoPreset(ctx, rest[0])
		if errors.Is(err, hw.ErrNotFound) {
			var have []string
			for _, p := range head.Presets() {
				have = append(have, p.Name)
			}
			err = fmt.Errorf("%w (presets: %s)", err, strings.Join(have, ", "))
		}
	case "home":
		if h.Home != "" {
			err = head.GotoPreset(ctx, h.Home)
		} else {
			err = head.Home(ctx)
		}
	case "stop":
		err = head.Stop()
	case "status":
		for _, p := range head.Presets() {
			fmt.Fprintf(e.stdout, "preset %s: %v\n", p.Name, shownPosition(*h, p.Position))
		}
	}
	fmt.Fprintf(e.stdout, "%s: %v\n", h.Name, shownPosition(*h, head.Position()))
	if err != nil {
		fmt.Fprintf(e.stderr, "cluecam ptz: %s %s: %v\n", h.Name, action, err)
		return exitFail
	}
	return exitOK
}

// openPTZ opens one head: the synthetic one from the inventory (shaped by
// the configuration), the others from their configuration.
func openPTZ(ctx context.Context, cfg *config.Config, h config.PTZ) (hw.PTZ, error) {
	if h.Driver == config.DriverSynthetic {
		return appliance.NewInventory(cfg, ptzClock).OpenPTZ(ctx, synthetic.IDPTZ)
	}
	return ptzHeads.Open(ctx, h, ptzClock)
}

// shownPosition reports a head without zoom at its configured fixed zoom,
// as the advertisement does, rather than the driver's 0.
func shownPosition(h config.PTZ, p hw.Position) hw.Position {
	if h.Limits.ZoomMin == h.Limits.ZoomMax {
		p.Zoom = h.Limits.ZoomMin
	}
	return p
}
