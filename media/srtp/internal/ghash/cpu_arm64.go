//go:build !purego

package ghash

import "golang.org/x/sys/cpu"

// useAsm: ghash_arm64.s needs the ARMv8 Cryptography Extensions' 64-bit
// polynomial multiply (PMULL, PMULL2), which e.g. the Pi 5's Cortex-A76 has
// and the Pi 3/4's Cortex-A53/A72 lack. Tests switch it off to cover the
// generic path too.
var useAsm = cpu.ARM64.HasPMULL

// useAVX2: amd64 only.
var useAVX2 = false

func updateBlocksAVX2(*Key, *[BlockSize]byte, *byte, int) {
	panic("ghash: no AVX2 path on arm64")
}
