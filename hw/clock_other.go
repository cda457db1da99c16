//go:build !linux

package hw

import "time"

// monotonicNow has no kernel clock to follow outside Linux: time starts at
// zero when the process starts.
func monotonicNow() time.Duration { return 0 }
