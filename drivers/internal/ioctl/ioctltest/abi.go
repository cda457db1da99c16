package ioctltest

import (
	"runtime"
	"testing"
)

// ABI returns a check of one size, offset or ioctl number of a uapi header
// against the value the C compiler gives it on the two ABIs cluecam runs
// on: b64 for 64-bit (amd64, arm64: LP64), b32 for 32-bit ARM (ILP32,
// EABI). Only the ABIs cluecam ships for are known; on others (386, mips,
// ppc: other ioctl encodings or alignments) ABI skips the test rather than
// guess.
func ABI(t testing.TB) func(name string, got, b64, b32 uintptr) {
	t.Helper()
	var col int
	switch runtime.GOARCH {
	case "amd64", "arm64":
		col = 64
	case "arm":
		col = 32
	default:
		t.Skipf("no reference values for GOARCH=%s", runtime.GOARCH)
	}
	return func(name string, got, b64, b32 uintptr) {
		t.Helper()
		want := b64
		if col == 32 {
			want = b32
		}
		if got != want {
			t.Errorf("%s on %s: got %#x (%d), want %#x (%d)", name, runtime.GOARCH, got, got, want, want)
		}
	}
}
