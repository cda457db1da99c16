package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// forbiddenDeps are packages the firmware binary must never link: cgo breaks
// the static cross-build, and the others either expose internals over the
// network or pull in a large, reflective runtime a box has no use for.
var forbiddenDeps = map[string]string{
	"runtime/cgo":    "the binary must be CGO_ENABLED=0 static",
	"net/http/pprof": "exposes profiling endpoints",
	"expvar":         "exposes process internals over HTTP",
	"text/template":  "reflective templating is not needed on the box",
	"html/template":  "reflective templating is not needed on the box",
	"plugin":         "the firmware is one static binary",
}

// TestFirmwareDeps lists the packages the arm64 firmware build links and
// fails on any forbidden one or any package with cgo files.
func TestFirmwareDeps(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go tool not in PATH: %v", err)
	}
	cmd := exec.Command(gobin, "list", "-deps", "-f", "{{.ImportPath}} {{len .CgoFiles}}", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, cgo, _ := strings.Cut(line, " ")
		n++
		if why, bad := forbiddenDeps[path]; bad {
			t.Errorf("firmware links %s: %s", path, why)
		}
		if cgo != "0" {
			t.Errorf("firmware links %s, which has cgo files", path)
		}
	}
	if n < 10 {
		t.Fatalf("go list returned only %d packages; the check would prove nothing:\n%s", n, out)
	}
}
