package pipeline

import (
	"math"
	"sync/atomic"
)

// SilentLevel is the audio level of silence, and of a microphone not heard
// yet: -127 dBov, the floor of RFC 6464 §3's 7-bit level.
const SilentLevel = 127

// audioLevel holds the level of the last audio period in -dBov, as RFC
// 6464 §3 counts it: 0 is a full-scale square wave, 3 a full-scale sine,
// 127 silence. It stores level+1, so that its zero value means "none yet".
type audioLevel struct{ v atomic.Uint32 }

// measure sets the level from one period of interleaved samples: its mean
// power relative to full scale. It allocates nothing.
func (l *audioLevel) measure(pcm []int16) { l.v.Store(uint32(levelOf(pcm)) + 1) }

func (l *audioLevel) load() uint8 {
	if v := l.v.Load(); v != 0 {
		return uint8(v - 1)
	}
	return SilentLevel
}

// levelOf returns the -dBov level of pcm.
func levelOf(pcm []int16) uint8 {
	var sum uint64
	for _, s := range pcm {
		v := int64(s)
		sum += uint64(v * v)
	}
	if sum == 0 {
		return SilentLevel
	}
	mean := float64(sum) / float64(len(pcm))
	db := -10 * math.Log10(mean/(32768*32768)) // full scale: a square wave at ±32768
	return uint8(min(SilentLevel, max(0, math.Round(db))))
}
