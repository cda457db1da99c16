package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// newFlags returns a flag set that reports errors instead of exiting, so
// every subcommand answers bad flags with its usage and exit status 2.
func newFlags(e *env, name string) *flag.FlagSet {
	c := commands()[name]
	return newUsageFlags(e, name, c.usage, c.summary)
}

// newUsageFlags is newFlags for a command that is not in commands(), such
// as the sub-subcommand "clue check".
func newUsageFlags(e *env, name, usage, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: cluecam %s %s\n%s\n", name, usage, summary)
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintln(fs.Output(), "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args; ok is false when the caller must return code.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return exitOK, true
}

// logFlags are the logging flags every long-running subcommand accepts. An
// empty value means "not given", so the config file's setting applies.
type logFlags struct {
	format string
	level  string
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.format, "log-format", "", `log format: "text" or "json" (default: the config's, else text)`)
	fs.StringVar(&l.level, "log-level", "", `log level: "debug", "info", "warn" or "error" (default: the config's, else info)`)
}

// validate checks the flag values before anything starts.
func (l *logFlags) validate() error {
	switch l.format {
	case "", "text", "json":
	default:
		return fmt.Errorf("--log-format %q: expected \"text\" or \"json\"", l.format)
	}
	if l.level != "" {
		if _, err := parseLevel(l.level); err != nil {
			return err
		}
	}
	return nil
}

// logger builds the process logger; flags override the config's values.
func (l *logFlags) logger(w io.Writer, cfgFormat, cfgLevel string) (*slog.Logger, error) {
	format, level := pick(l.format, cfgFormat, "text"), pick(l.level, cfgLevel, "info")
	lv, err := parseLevel(level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("log level %q: expected \"debug\", \"info\", \"warn\" or \"error\"", s)
}

// pick returns the first non-empty value.
func pick(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
