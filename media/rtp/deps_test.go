package rtp

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/cluecam/cluecam/internal/testenv"
)

// The hot path depends on the standard library and our own codec and rtcp
// packages only. pion/rtp and pion/rtcp serve the tests as independent
// parsers; they must not become runtime dependencies (their send-side
// packetizers allocate per fragment).
func TestDeps(t *testing.T) {
	goTool := testenv.NeedCommand(t, "go")
	allowed := map[string]bool{
		"github.com/cluecam/cluecam/media/rtp":      true,
		"github.com/cluecam/cluecam/media/rtp/rtcp": true,
		"github.com/cluecam/cluecam/media/codec":    true,
	}
	for pkg := range allowed {
		out, err := exec.Command(goTool, "list", "-deps",
			"-f", `{{if not .Standard}}{{.ImportPath}}{{end}}{{if .CgoFiles}} cgo:{{.ImportPath}}{{end}}`, pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if !allowed[dep] {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
