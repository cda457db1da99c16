package codec

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/cluecam/cluecam/internal/testenv"
)

// media/codec parses untrusted bytes on the hot path: standard library
// only, no cgo.
func TestStdlibOnly(t *testing.T) {
	goTool := testenv.NeedCommand(t, "go")
	const pkg = "github.com/cluecam/cluecam/media/codec"
	out, err := exec.Command(goTool, "list", "-deps",
		"-f", `{{if not .Standard}}{{.ImportPath}}{{end}}{{if .CgoFiles}} cgo:{{.ImportPath}}{{end}}`, pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep != pkg {
			t.Errorf("%s depends on %s", pkg, dep)
		}
	}
}
