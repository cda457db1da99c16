//go:build !purego

package aesctr

import "golang.org/x/sys/cpu"

// useAsm: ctr_amd64.s needs AES-NI (AESENC, AESENCLAST); everything else its
// baseline path uses is SSE2, which every amd64 CPU has. Tests switch it off
// to cover the generic path too.
var useAsm = cpu.X86.HasAES

// The amd64 assembly has three paths; ctrBlocks reads ctrPath on every call
// to pick one.
const (
	// pathAESNI: AES-NI on XMM registers, eight blocks in flight.
	pathAESNI = iota
	// pathVAES256: VEX-encoded VAESENC on YMM registers (two blocks per
	// register), sixteen blocks in flight.
	pathVAES256
	// pathVAES512: EVEX-encoded VAESENC on ZMM registers (four blocks per
	// register), thirty-two blocks in flight.
	pathVAES512
)

// pathNames are the paths' names in tests and benchmarks.
var pathNames = [...]string{pathAESNI: "aesni", pathVAES256: "vaes256", pathVAES512: "vaes512"}

// cpuid returns the registers CPUID leaves for the leaf and sub-leaf (ctr_amd64.s).
func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)

// cpuidVAES is CPUID.(EAX=7,ECX=0):ECX bit 9, VAES: the AES instructions
// on YMM (VEX) and, with AVX-512F, ZMM (EVEX) registers.
const cpuidVAES = 1 << 9

// hasVAES256 reports whether the CPU runs VEX-encoded VAESENC on YMM
// registers and the OS saves them: AVX2 (which x/sys/cpu reports only when
// the OS enables the YMM state in XCR0, and only when CPUID has leaf 7) plus
// the VAES bit. golang.org/x/sys/cpu has no flag for the VEX form; its
// HasAVX512VAES is the same bit but only set when AVX-512 is usable.
func hasVAES256() bool {
	if !cpu.X86.HasAES || !cpu.X86.HasAVX2 {
		return false
	}
	if maxLeaf, _, _, _ := cpuid(0, 0); maxLeaf < 7 {
		return false
	}
	_, _, ecx, _ := cpuid(7, 0)
	return ecx&cpuidVAES != 0
}

// hasVAES512 reports whether the ZMM path can run: the YMM path's
// requirements (its tail uses that path's code) and AVX-512F with VAES and
// BW (VPSHUFB on ZMM), which x/sys/cpu reports only when the OS enables
// the ZMM state.
func hasVAES512() bool {
	return hasVAES256() && cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VAES
}

// bestPath is the widest path this CPU and OS support.
var bestPath = func() int {
	switch {
	case hasVAES512():
		return pathVAES512
	case hasVAES256():
		return pathVAES256
	}
	return pathAESNI
}()

// ctrPath is the path ctrBlocks takes (ctr_amd64.s reads it). Tests and
// benchmarks switch it to cover each path the CPU supports; it must never
// be set above bestPath.
var ctrPath = bestPath
