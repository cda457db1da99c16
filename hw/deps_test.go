package hw_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/cluecam/cluecam/internal/testenv"
)

// hw and hw/hwtest are the bottom of the dependency graph: the standard
// library only, and no cgo (the firmware is built with CGO_ENABLED=0).
func TestStdlibOnly(t *testing.T) {
	goTool := testenv.NeedCommand(t, "go")
	for _, pkg := range []string{"github.com/cluecam/cluecam/hw", "github.com/cluecam/cluecam/hw/hwtest"} {
		out, err := exec.Command(goTool, "list", "-deps",
			"-f", `{{if not .Standard}}{{.ImportPath}}{{end}}{{if .CgoFiles}} cgo:{{.ImportPath}}{{end}}`, pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if !strings.HasPrefix(dep, "github.com/cluecam/cluecam/hw") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
