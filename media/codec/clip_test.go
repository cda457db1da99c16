package codec

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cluecam/cluecam/internal/testenv"
)

// The clips the synthetic camera embeds (drivers/synthetic/clips/gen.sh):
// real x264 output, so the scanner and SPS parser are checked against an
// encoder and against ffprobe.
var clips = []string{"hi.h264", "lo.h264"}

func readClip(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "drivers", "synthetic", "clips", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestClipAccessUnits(t *testing.T) {
	for _, name := range clips {
		t.Run(name, func(t *testing.T) {
			b := readClip(t, name)
			var aus []AccessUnit
			s := NewAccessUnitScanner(b)
			for au, ok := s.Next(); ok; au, ok = s.Next() {
				aus = append(aus, au)
			}
			if len(aus) != 60 {
				t.Fatalf("%d access units, want 60", len(aus))
			}
			checkAUs(t, b, aus)
			checkNALs(t, b, scanAll(b))
			if aus[0].Start != 0 || aus[59].End != len(b) {
				t.Errorf("AUs cover %d..%d of %d", aus[0].Start, aus[59].End, len(b))
			}
			for i, au := range aus {
				key := i%30 == 0
				if au.Keyframe != key || au.HasSPS != key || au.HasPPS != key {
					t.Errorf("AU %d: keyframe %v sps %v pps %v", i, au.Keyframe, au.HasSPS, au.HasPPS)
				}
			}
		})
	}
}

func TestClipSPSMatchesFFprobe(t *testing.T) {
	ffprobe := testenv.NeedCommand(t, "ffprobe")
	for _, name := range clips {
		t.Run(name, func(t *testing.T) {
			b := readClip(t, name)
			sps, pps := ParameterSets(b)
			if sps == nil || pps == nil {
				t.Fatal("no parameter sets")
			}
			s, err := ParseSPS(sps)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("..", "..", "drivers", "synthetic", "clips", name)
			out, err := exec.Command(ffprobe, "-v", "error", "-select_streams", "v:0",
				"-show_entries", "stream=width,height,profile,level,r_frame_rate", "-of", "default=nw=1", path).Output()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				k, v, _ := strings.Cut(l, "=")
				got[k] = v
			}
			n, d, _ := s.FrameRate()
			want := map[string]string{
				"width":        strconv.Itoa(s.Width),
				"height":       strconv.Itoa(s.Height),
				"profile":      s.ProfileName(),
				"level":        strconv.Itoa(int(s.LevelIDC)),
				"r_frame_rate": strconv.Itoa(int(n)) + "/" + strconv.Itoa(int(d)),
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: ffprobe says %q, ParseSPS %q", k, got[k], v)
				}
			}
			if s.Width != 640 || s.Height != 360 || s.ProfileLevelID() != "42c01e" {
				t.Errorf("clip is %dx%d %s, want 640x360 42c01e", s.Width, s.Height, s.ProfileLevelID())
			}
		})
	}
}
