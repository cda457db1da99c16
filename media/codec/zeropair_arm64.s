//go:build !purego

#include "textflag.h"

// func zeroPairBlock(p *byte, n int) int
//
// Returns the offset of the first 64-byte block of p[0:n] (n a multiple of
// 64) in which some byte i has p[i] == 0 and p[i+1] == 0, or n if none has.
// p[n] must be readable: the last pair of each block looks one byte past
// it. NEON (ASIMD, baseline on arm64), one branch per 64 bytes:
//
//   - four 16-byte loads at i (R0) and four at i+1 (R1), post-incremented;
//   - p[i] == 0 && p[i+1] == 0 is (p[i] | p[i+1]) == 0, so the pairs are
//     ORed (VORR) instead of each compared with zero and then ANDed;
//   - a block holds a pair iff some lane of the four ORs is zero, i.e. iff
//     their lane-wise unsigned minimum (VUMIN) has a zero lane;
//   - VCMEQ against a zero vector turns that into 0xFF/0x00 lanes, and one
//     VADDP folds the 16 lanes into the low 8 (a sum of two lanes each 0 or
//     0xFF is zero only if both are), which VMOV brings to a general
//     register for CBNZ. (The Go assembler has no UMAXV/UMINV.)
TEXT ·zeroPairBlock(SB), NOSPLIT, $0-24
	MOVD	p+0(FP), R0
	MOVD	n+8(FP), R2
	MOVD	R0, R5         // start of p, for the offset
	ADD	R0, R2, R4     // end of the blocks
	ADD	$1, R0, R1     // p+1
	VEOR	V30.B16, V30.B16, V30.B16
	CBZ	R2, none

loop:
	VLD1.P	64(R0), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P	64(R1), [V4.B16, V5.B16, V6.B16, V7.B16]
	VORR	V4.B16, V0.B16, V0.B16
	VORR	V5.B16, V1.B16, V1.B16
	VORR	V6.B16, V2.B16, V2.B16
	VORR	V7.B16, V3.B16, V3.B16
	VUMIN	V1.B16, V0.B16, V0.B16
	VUMIN	V3.B16, V2.B16, V2.B16
	VUMIN	V2.B16, V0.B16, V0.B16
	VCMEQ	V30.B16, V0.B16, V0.B16
	VADDP	V0.B16, V0.B16, V0.B16
	VMOV	V0.D[0], R6
	CBNZ	R6, found
	CMP	R4, R0
	BLO	loop

none:
	MOVD	R2, ret+16(FP)
	RET

found:
	SUB	R5, R0, R0     // R0 is one block past the one that matched
	SUB	$64, R0, R0
	MOVD	R0, ret+16(FP)
	RET
