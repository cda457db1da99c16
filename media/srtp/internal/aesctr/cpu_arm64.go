//go:build !purego

package aesctr

import "golang.org/x/sys/cpu"

// useAsm: ctr_arm64.s needs the ARMv8 Cryptography Extensions' AES
// instructions (AESE, AESMC), which e.g. the Pi 5's Cortex-A76 has and the
// Pi 3/4's Cortex-A53/A72 lack. Tests switch it off to cover the generic
// path too.
var useAsm = cpu.ARM64.HasAES
