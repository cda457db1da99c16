//go:build race

package pipeline

// raceEnabled: the race detector is on (see TestProcessFrameAllocs).

const raceEnabled = true
