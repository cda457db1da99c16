package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/cluecam/cluecam/board/appliance"
	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/hw"
)

// defaultConfigPaths are where the boot partition is mounted on the
// supported images (Buildroot: /boot; Raspberry Pi OS: /boot/firmware).
var defaultConfigPaths = []string{"/boot/cluecam.toml", "/boot/firmware/cluecam.toml"}

// cmdRun runs the appliance until SIGINT or SIGTERM. SIGHUP reloads the
// configuration file; a file that does not validate, or whose devices do not
// work, is reported and the configuration in force stays.
func cmdRun(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "run")
	path := fs.String("config", "", "configuration file (default: the boot partition's cluecam.toml, else the built-in demo configuration)")
	stateFlag := fs.String("state-dir", "", "directory keeping the box's DTLS certificate (default "+defaultStateDir+" when writable, else the user cache directory)")
	var lf logFlags
	lf.register(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	if err := lf.validate(); err != nil {
		fmt.Fprintf(e.stderr, "cluecam run: %v\n", err)
		return exitUsage
	}

	src, cfg, err := loadRunConfig(*path)
	if err != nil {
		printConfigError(e, err)
		return exitFail
	}
	log, err := lf.logger(e.stderr, cfg.Log.Format, cfg.Log.Level)
	if err != nil {
		fmt.Fprintf(e.stderr, "cluecam run: %v\n", err)
		return exitFail
	}
	log.Info("cluecam starting", "version", version, "config", src)
	logConfig(log, cfg)

	// SIGHUP is caught before the first Apply so a reload sent early is
	// not lost and does not kill the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	wd := newWatchdog(cfg.Watchdog)
	app := appliance.New(log, &appliance.Options{Monitor: wd.monitor})
	defer app.Close()
	if err := app.Apply(ctx, cfg); err != nil {
		log.Error("cannot start", "err", err)
		return exitFail
	}
	logInventory(ctx, log, cfg)
	logCaptures(log, app)
	stateDir := stateDirOr(*stateFlag)
	calls, err := startCallService(ctx, log, cfg, app, stateDir)
	if err != nil {
		log.Error("cannot answer calls", "err", err)
		return exitFail
	}
	defer func() { calls.Close() }()
	devices, stopWatching := watchDevices(ctx, app)
	defer func() { stopWatching() }()
	wd.start(ctx, log)
	log.Info("ready", "captures", len(cfg.Captures), "ptz", len(cfg.PTZ))

	for {
		select {
		case <-ctx.Done():
			log.Info("stopping", "reason", context.Cause(ctx))
			calls.Close() // media stops before the devices close
			calls = nil
			wd.stop(log)
			if err := app.Close(); err != nil {
				log.Error("stopping", "err", err)
				return exitFail
			}
			log.Info("stopped")
			return exitOK
		case <-hup:
			if cfg := reload(ctx, log, app, src); cfg != nil {
				calls = reloadCalls(ctx, log, calls, cfg, app, stateDir)
				stopWatching()
				devices, stopWatching = watchDevices(ctx, app)
			}
		case ev, ok := <-devices:
			if !ok {
				devices = nil // no provider watches: nothing more will come
				continue
			}
			// A camera or microphone came or went: streams of a removed
			// device have ended (hw.ErrGone); peers get the room as it is
			// now and configure again.
			log.Info("device "+ev.Kind.String(), "id", ev.Device.ID, "name", ev.Device.Name)
			calls.readvertise(ctx)
		case <-app.Moved():
			calls.readvertise(ctx)
		}
	}
}

// loadRunConfig loads the configuration: the named file, else the first
// boot-partition file that exists, else the embedded demo configuration.
func loadRunConfig(path string) (string, *config.Config, error) {
	if path != "" {
		cfg, err := config.Load(path)
		return path, cfg, err
	}
	for _, p := range defaultConfigPaths {
		if _, err := os.Stat(p); err == nil {
			cfg, err := config.Load(p)
			return p, cfg, err
		}
	}
	cfg, err := config.Parse("(built-in demo configuration)", []byte(config.Example))
	return "", cfg, err
}

// reload re-reads the configuration file and applies it, or says why not.
func reload(ctx context.Context, log *slog.Logger, app *appliance.Appliance, path string) *config.Config {
	if path == "" {
		log.Warn("reload ignored: running the built-in demo configuration, there is no file to re-read")
		return nil
	}
	cfg, err := config.Load(path)
	if err != nil {
		var list config.Errors
		if errors.As(err, &list) {
			for _, fe := range list {
				log.Error("configuration error", "file", fe.File, "line", fe.Line, "col", fe.Col, "key", fe.Key, "msg", fe.Msg)
			}
		} else {
			log.Error("configuration error", "err", err)
		}
		log.Error("reload rejected: keeping the last good configuration", "config", path)
		return nil
	}
	if err := app.Apply(ctx, cfg); err != nil {
		log.Error("reload rejected: keeping the last good configuration", "config", path, "err", err)
		return nil
	}
	// Logging follows the file from now on only for what slog can change
	// in place; format and level changes take effect at the next start.
	logConfig(log, cfg)
	logCaptures(log, app)
	log.Info("configuration reloaded", "config", path)
	return cfg
}

// logConfig logs the warnings and the effective configuration.
func logConfig(log *slog.Logger, cfg *config.Config) {
	for _, w := range cfg.Warnings {
		log.Warn("configuration warning", "file", w.File, "line", w.Line, "key", w.Key, "msg", w.Msg)
	}
	var b bytes.Buffer
	if err := cfg.WriteEffective(&b); err != nil {
		log.Error("cannot print the effective configuration", "err", err)
		return
	}
	log.Info("effective configuration", "toml", b.String())
}

// logInventory logs every device found, one record each.
func logInventory(ctx context.Context, log *slog.Logger, cfg *config.Config) {
	devs, err := appliance.NewInventory(cfg, hw.SystemClock).Devices(ctx)
	if err != nil {
		log.Warn("device scan incomplete", "err", err)
	}
	for _, d := range devs {
		log.Info("device", "id", d.ID, "kind", d.Kind.String(), "driver", d.Driver, "name", d.Name, "modes", modeSummary(d))
	}
}

func logCaptures(log *slog.Logger, app *appliance.Appliance) {
	for _, c := range app.Captures() {
		mode := c.Video.String()
		if c.Media == config.MediaAudio {
			mode = c.Audio.String()
		}
		log.Info("capture ready", "capture", c.Name, "media", c.Media, "device", c.Device, "mode", mode)
	}
}

// watchDevices follows hotplug on the appliance's inventory until the
// returned stop is called (before the next Apply replaces it).
func watchDevices(ctx context.Context, app *appliance.Appliance) (<-chan hw.Event, func()) {
	wctx, cancel := context.WithCancel(ctx)
	return app.Watch(wctx), cancel
}
