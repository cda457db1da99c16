package endpoint

import (
	"testing"
	"time"

	"github.com/cluecam/cluecam/media/pipeline"
)

func TestParsePolicy(t *testing.T) {
	for _, tc := range []struct {
		in    string
		tok   string
		index int
	}{
		{"SoundLevel:0", policySoundLevel, 0}, {"SoundLevel:2", policySoundLevel, 2}, {"RoundRobin:1", policyRoundRobin, 1},
		{"", "", 0}, {"SoundLevel", "", 0}, {"Loudest:0", "", 0}, {"RoundRobin:-1", "", 0}, {"RoundRobin:x", "", 0},
	} {
		if tok, i := parsePolicy(tc.in); tok != tc.tok || i != tc.index {
			t.Errorf("%q: %q %d, want %q %d", tc.in, tok, i, tc.tok, tc.index)
		}
	}
}

// speakers: the first to speak is shown at once; another takes over only
// after leading by switchMargin for switchHold; silence keeps the last
// speaker; "SoundLevel:1" is the speaker before, then those not heard yet.
func TestSpeakers(t *testing.T) {
	const quiet = pipeline.SilentLevel
	type step struct {
		levels  []uint8
		dur     time.Duration // how long these levels last
		current int           // who speaks at the end (-1: nobody yet)
		shown1  int           // SoundLevel:1 at the end
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"silence shows the configured order", []step{
			{[]uint8{quiet, quiet, quiet}, time.Second, -1, 1},
		}},
		{"first speaker at once, then held through silence", []step{
			{[]uint8{quiet, 20, quiet}, 200 * time.Millisecond, 1, 0},
			{[]uint8{quiet, quiet, quiet}, 2 * time.Second, 1, 0},
		}},
		{"a louder voice takes over after the hold", []step{
			{[]uint8{20, quiet, quiet}, time.Second, 0, 1},
			{[]uint8{40, 20, quiet}, 300 * time.Millisecond, 0, 1},
			{[]uint8{40, 20, quiet}, time.Second, 1, 0},
		}},
		{"a word across the table does not switch", []step{
			{[]uint8{20, quiet, quiet}, time.Second, 0, 1},
			{[]uint8{20, 10, quiet}, 300 * time.Millisecond, 0, 1},
			{[]uint8{20, quiet, quiet}, time.Second, 0, 1},
		}},
		{"within the margin nobody takes over", []step{
			{[]uint8{20, quiet, quiet}, time.Second, 0, 1},
			{[]uint8{20, 18, quiet}, 3 * time.Second, 0, 1},
		}},
		{"room noise is nobody speaking", []step{
			{[]uint8{60, 70, 55}, 3 * time.Second, -1, 1},
		}},
		{"the one before is remembered", []step{
			{[]uint8{quiet, quiet, 20}, time.Second, 2, 0},
			{[]uint8{quiet, 20, 40}, 2 * time.Second, 1, 2},
			{[]uint8{20, 40, quiet}, 2 * time.Second, 0, 1},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSpeakers(3)
			now := time.Duration(0)
			for i, st := range tc.steps {
				for end := now + st.dur; now < end; now += levelPoll {
					s.update(now, st.levels)
				}
				if s.current != st.current || s.shown(1) != st.shown1 {
					t.Fatalf("step %d: current %d, SoundLevel:1 shows %d; want %d, %d", i, s.current, s.shown(1), st.current, st.shown1)
				}
				if want := max(st.current, 0); s.shown(0) != want {
					t.Fatalf("step %d: SoundLevel:0 shows %d, want %d", i, s.shown(0), want)
				}
			}
		})
	}
}
