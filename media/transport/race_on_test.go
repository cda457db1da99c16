//go:build race

package transport

// raceEnabled: under -race sync.Pool drops items at random, so x/net's
// pooled sendmmsg scratch space is sometimes reallocated.
const raceEnabled = true
