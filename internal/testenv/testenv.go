// Package testenv lets tests depend on real external peers (ffprobe, xmllint,
// qemu-user, GStreamer...) without turning into tests that cannot fail.
//
// A missing tool skips the test on a developer's machine, but fails it when the
// CI environment variable is set: `make deps` installs every tool the suite
// names, so in CI a missing tool is a broken setup, not a reason to pass.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// NeedCommand returns the absolute path of the named program, or stops the
// test: skipped locally, failed in CI.
func NeedCommand(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if InCI() {
		t.Fatalf("required tool %q not found in CI (make deps installs it): %v", name, err)
	}
	t.Skipf("%s not installed (run `make deps`): %v", name, err)
	return ""
}

// InCI reports whether the suite runs under CI, where nothing may be skipped
// for want of a tool.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "0" && v != "false"
}
