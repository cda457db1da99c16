package sdp

import (
	"go/build"
	"strings"
	"testing"

	"github.com/cluecam/cluecam/clue/model"
)

// ARCHITECTURE.md: clue/sdp may import clue/model and pion/sdp; it is pure
// (no I/O). The standard library packages below would mean I/O or process
// state.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	forbidden := map[string]bool{"os": true, "os/exec": true, "net": true, "net/http": true, "io/ioutil": true,
		"syscall": true, "unsafe": true, "log": true, "time": true, "math/rand": true, "crypto/rand": true}
	for _, imp := range pkg.Imports {
		switch {
		case imp == "github.com/pion/sdp/v3", imp == "github.com/cluecam/cluecam/clue/model":
		case strings.Contains(strings.SplitN(imp, "/", 2)[0], "."):
			t.Errorf("imports %s: only clue/model and pion/sdp are allowed", imp)
		case forbidden[imp]:
			t.Errorf("imports %s: clue/sdp is pure", imp)
		}
	}
}

func TestCheckEncodingGroups(t *testing.T) {
	l := twoCamBox()
	l.Encodings = twoCamEncodings()
	ok := []model.EncodingGroup{{EncodingGroupID: "EG0", MaxGroupBandwidth: 5_064_000, EncodingIDs: []string{"vid0", "vid1", "aud0"}}}
	if err := l.CheckEncodingGroups(ok); err != nil {
		t.Errorf("valid groups: %v", err)
	}
	for name, g := range map[string][]model.EncodingGroup{
		"unknown encoding": {{EncodingGroupID: "EG0", EncodingIDs: []string{"vid0", "vid1", "aud0", "vid9"}}},
		"not a token":      {{EncodingGroupID: "EG0", EncodingIDs: []string{"vid 0"}}},
		"unlisted":         {{EncodingGroupID: "EG0", EncodingIDs: []string{"vid0", "vid1"}}},
	} {
		if err := l.CheckEncodingGroups(g); err == nil || Status(err) != 500 {
			t.Errorf("%s: %v", name, err)
		}
	}
}
