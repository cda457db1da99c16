//go:build !purego

package aesctr

import "golang.org/x/sys/cpu"

// useAsm: ctr_amd64.s needs AES-NI (AESENC, AESENCLAST); everything else it
// uses is SSE2, which every amd64 CPU has. Tests switch it off to cover the
// generic path too.
var useAsm = cpu.X86.HasAES
