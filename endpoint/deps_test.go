package endpoint

import (
	"go/build"
	"strings"
	"testing"
)

// docs/architecture.md: endpoint composes clue/* and media/* over hw; the
// configuration format and the drivers stay out (the board layer wires
// them in).
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "github.com/cluecam/cluecam/board") || strings.HasPrefix(imp, "github.com/cluecam/cluecam/drivers") ||
			strings.HasPrefix(imp, "github.com/cluecam/cluecam/cmd") {
			t.Errorf("imports %s", imp)
		}
	}
}
