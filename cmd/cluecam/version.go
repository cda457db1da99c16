package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// cmdVersion prints the version and the exact build target, which matters on
// a box: an armv6 binary runs on a Pi 4 but slower, and support needs to know.
func cmdVersion(_ context.Context, e *env, args []string) int {
	fs := newFlags(e, "version")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	fmt.Fprintf(e.stdout, "cluecam %s %s %s/%s%s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, armVariant())
	return exitOK
}

// armVariant returns " GOARM=N" for 32-bit ARM builds, from the build info.
func armVariant() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range bi.Settings {
		if s.Key == "GOARM" {
			return " GOARM=" + s.Value
		}
	}
	return ""
}
