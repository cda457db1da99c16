//go:build !purego

package ghash

import "golang.org/x/sys/cpu"

// useAsm: updateBlocks (ghash_amd64.s) needs PCLMULQDQ and SSSE3's PSHUFB;
// everything else it uses is SSE2.
var useAsm = cpu.X86.HasPCLMULQDQ && cpu.X86.HasSSSE3

// useAVX2: updateBlocksAVX2 (ghash_avx2_amd64.s) needs AVX2 and the
// 256-bit VPCLMULQDQ, which multiplies two pairs of 64-bit halves at once
// for the price of one PCLMULQDQ. That halves the time where PCLMULQDQ's
// throughput is the limit (one per two cycles on the AMD EPYC we measured,
// which made the SSE path ~120 ns per 1200 bytes, however scheduled).
//
// Tests switch both off in turn to cover every path.
var useAVX2 = useAsm && cpu.X86.HasAVX2 && cpuid7ECX()&(1<<10) != 0

// cpuid7ECX returns ECX of CPUID leaf 7, sub-leaf 0, where bit 10 is
// VPCLMULQDQ (golang.org/x/sys/cpu reports it only together with
// AVX-512). Only called when AVX2 is present, so leaf 7 exists; AVX2's
// flag also says the OS saves the YMM registers.
func cpuid7ECX() uint32

// updateBlocksAVX2 is updateBlocks with 256-bit VPCLMULQDQ.
//
//go:noescape
func updateBlocksAVX2(k *Key, y *[BlockSize]byte, p *byte, n int)
