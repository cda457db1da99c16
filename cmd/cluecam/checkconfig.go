package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cluecam/cluecam/board/config"
)

// cmdCheckConfig validates a configuration file the way the box does at
// boot. Valid: the effective configuration (defaults filled in, secrets
// redacted) goes to stdout and warnings to stderr, exit 0. Invalid: every
// problem, one per line with file:line:col, goes to stderr, exit 1.
func cmdCheckConfig(_ context.Context, e *env, args []string) int {
	fs := newFlags(e, "check-config")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	cfg, err := config.Load(fs.Arg(0))
	if err != nil {
		printConfigError(e, err)
		return exitFail
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(e.stderr, "warning: %v\n", w)
	}
	if err := cfg.WriteEffective(e.stdout); err != nil {
		fmt.Fprintf(e.stderr, "cluecam: %v\n", err)
		return exitFail
	}
	return exitOK
}

// printConfigError prints one line per problem with a count, so a user
// fixing a card sees everything at once.
func printConfigError(e *env, err error) {
	var list config.Errors
	if errors.As(err, &list) {
		fmt.Fprintln(e.stderr, list.Error())
		fmt.Fprintf(e.stderr, "%d error(s); the file was not accepted\n", len(list))
		return
	}
	fmt.Fprintf(e.stderr, "cluecam: %v\n", err)
}
