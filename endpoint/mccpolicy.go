package endpoint

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cluecam/cluecam/media/pipeline"
)

// MCC policies (RFC 8846 §7.2.1.1, §11.10): which constituent a switched
// MCC shows. The advertisement says the policy; these make it true.
const (
	policySoundLevel = "SoundLevel"
	policyRoundRobin = "RoundRobin"
)

// parsePolicy splits "SoundLevel:N" or "RoundRobin:N"; anything else (or
// "") is no policy.
func parsePolicy(p string) (token string, index int) {
	tok, idx, ok := strings.Cut(p, ":")
	n, err := strconv.Atoi(idx)
	if !ok || err != nil || n < 0 || (tok != policySoundLevel && tok != policyRoundRobin) {
		return "", 0
	}
	return tok, n
}

// Voice switching: how a SoundLevel MCC decides who speaks.
const (
	// speechLevel: a microphone quieter than -50 dBov hears nobody
	// speaking (room noise, or a microphone far from the talker).
	speechLevel = 50
	// switchMargin: another microphone takes over only when it is at
	// least this many dB louder than the current speaker's…
	switchMargin = 3
	// switchHold: …for this long, so that a cough or a word across the
	// table does not swing the camera.
	switchHold = 500 * time.Millisecond
	// levelPoll: how often the levels are read (each microphone period is
	// 20 ms); levelSmoothing weighs each new reading into the average.
	levelPoll      = 50 * time.Millisecond
	levelSmoothing = 0.4
)

// speakers tracks who speaks among the constituents of a SoundLevel MCC
// from their microphones' levels and remembers the order in which they
// last spoke. It is pure: time is passed in.
type speakers struct {
	smooth  []float64 // per constituent, -dBov, smoothed
	current int       // who speaks now, -1 before anyone has
	cand    int       // who is louder than current, -1 none
	since   time.Duration
	recent  []int // constituents, most recent speaker first
}

func newSpeakers(n int) *speakers {
	s := &speakers{smooth: make([]float64, n), current: -1, cand: -1}
	for i := range s.smooth {
		s.smooth[i] = pipeline.SilentLevel
	}
	return s
}

// update takes one reading of every constituent's level (-dBov; missing
// microphones read pipeline.SilentLevel) at now, and reports whether the
// current speaker changed.
func (s *speakers) update(now time.Duration, levels []uint8) bool {
	loudest := -1
	for i, l := range levels {
		s.smooth[i] += levelSmoothing * (float64(l) - s.smooth[i])
		if loudest < 0 || s.smooth[i] < s.smooth[loudest] {
			loudest = i
		}
	}
	if loudest < 0 || s.smooth[loudest] > speechLevel {
		s.cand = -1 // silence keeps the last speaker on screen
		return false
	}
	if s.current < 0 {
		s.take(loudest)
		return true
	}
	if loudest == s.current || s.smooth[loudest]+switchMargin > s.smooth[s.current] {
		s.cand = -1
		return false
	}
	if s.cand != loudest {
		s.cand, s.since = loudest, now
		return false
	}
	if now-s.since < switchHold {
		return false
	}
	s.take(loudest)
	return true
}

func (s *speakers) take(i int) {
	s.current, s.cand = i, -1
	if k := slices.Index(s.recent, i); k >= 0 {
		s.recent = slices.Delete(s.recent, k, k+1)
	}
	s.recent = slices.Insert(s.recent, 0, i)
}

// shown is the constituent "SoundLevel:index" shows (RFC 8846 §7.2.1.1: 0
// the current speaker, 1 the one before, …): the speakers in the order
// they last spoke, then those not heard yet in their configured order.
func (s *speakers) shown(index int) int {
	order := s.recent
	for i := range s.smooth {
		if !slices.Contains(s.recent, i) {
			order = append(order[:len(order):len(order)], i)
		}
	}
	return order[index%len(order)]
}
