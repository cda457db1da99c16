//go:build !purego

#include "textflag.h"

// func updateBlocks(k *Key, y *[16]byte, p *byte, n int)
//
// GHASH over n ≥ 1 whole blocks with the ARMv8 Crypto Extensions' 64-bit
// polynomial multiply: PMULL (low doublewords) and PMULL2 (high ones).
// Values are held as 128-bit little-endian integers (D[0] the low half); a
// block is byte-reversed by TBL on load (see the package comment), y on the
// way in and out.
//
// Registers:
//
//	R0       k
//	R1       y
//	R2       p (advanced as blocks are done)
//	R3       blocks left
//	R4-R6    scratch; in the tail R5 and R6 point at the next power and
//	         Karatsuba operand
//	V0       the accumulator y
//	V1-V3    the sums of the low, high and middle Karatsuba products
//	V4-V11   eight blocks of data
//	V12      the byte-reversing TBL index
//	V13      polyHigh in D[0]
//	V14-V15  scratch
//	V16-V23  r(H^8)·x … r(H)·x (Key.pw[8:16])
//	V24-V31  their Karatsuba operands lo^hi in both halves (Key.kar[8:16])
//
// Eight blocks B1…B8 are folded as (y⊕B1)·H^8 ⊕ B2·H^7 ⊕ … ⊕ B8·H: their
// 256-bit carry-less products (Karatsuba: three multiplies each) are summed
// and reduced once; the block with y goes last, so that the other seven
// are multiplied while the previous reduction finishes. The n mod 8 blocks
// left are folded the same way with H^(n mod 8) … H^1, one block per loop
// iteration.

// MULACC adds block dd times power hh (Karatsuba operand kk) to the sums.
// dd is destroyed.
#define MULACC(dd, hh, kk) \
	VEXT    $8, dd.B16, dd.B16, V14.B16 \
	VEOR    dd.B16, V14.B16, V14.B16    \
	VPMULL2 hh.D2, dd.D2, V15.Q1        \
	VPMULL  hh.D1, dd.D1, dd.Q1         \
	VPMULL  kk.D1, V14.D1, V14.Q1       \
	VEOR    dd.B16, V1.B16, V1.B16      \
	VEOR    V15.B16, V2.B16, V2.B16     \
	VEOR    V14.B16, V3.B16, V3.B16

// REV byte-reverses dd.
#define REV(dd) \
	VTBL V12.B16, [dd.B16], dd.B16

// ZEROSUMS clears the sums.
#define ZEROSUMS \
	VEOR V1.B16, V1.B16, V1.B16 \
	VEOR V2.B16, V2.B16, V2.B16 \
	VEOR V3.B16, V3.B16, V3.B16

// REDUCE finishes the Karatsuba sum into the 256-bit V2:V1 and reduces it
// into V0: two Montgomery steps, each T = D[0] · polyHigh, then the register
// divided by x^64 (halves swapped) plus T; finally the high half.
#define REDUCE \
	VEOR   V1.B16, V3.B16, V3.B16        \
	VEOR   V2.B16, V3.B16, V3.B16        \
	VEOR   V14.B16, V14.B16, V14.B16     \
	VEXT   $8, V3.B16, V14.B16, V15.B16  \
	VEXT   $8, V14.B16, V3.B16, V3.B16   \
	VEOR   V15.B16, V1.B16, V1.B16       \
	VEOR   V3.B16, V2.B16, V2.B16        \
	VPMULL V13.D1, V1.D1, V14.Q1         \
	VEXT   $8, V1.B16, V1.B16, V1.B16    \
	VEOR   V14.B16, V1.B16, V1.B16       \
	VPMULL V13.D1, V1.D1, V14.Q1         \
	VEXT   $8, V1.B16, V1.B16, V1.B16    \
	VEOR   V14.B16, V1.B16, V1.B16       \
	VEOR   V2.B16, V1.B16, V0.B16

TEXT ·updateBlocks(SB), NOSPLIT, $0-32
	MOVD k+0(FP), R0
	MOVD y+8(FP), R1
	MOVD p+16(FP), R2
	MOVD n+24(FP), R3

	MOVD $revIndex<>(SB), R4
	VLD1 (R4), [V12.B16]
	MOVD $0xC200000000000000, R4
	VMOV R4, V13.D[0]
	VLD1 (R1), [V0.B16]
	REV(V0)

	CMP $8, R3
	BLT tail

	ADD    $128, R0, R4 // &k.pw[8]
	VLD1.P 64(R4), [V16.B16, V17.B16, V18.B16, V19.B16]
	VLD1.P 64(R4), [V20.B16, V21.B16, V22.B16, V23.B16]
	ADD    $128, R4 // &k.kar[8]
	VLD1.P 64(R4), [V24.B16, V25.B16, V26.B16, V27.B16]
	VLD1   (R4), [V28.B16, V29.B16, V30.B16, V31.B16]

loop8:
	VLD1.P 64(R2), [V4.B16, V5.B16, V6.B16, V7.B16]
	VLD1.P 64(R2), [V8.B16, V9.B16, V10.B16, V11.B16]
	ZEROSUMS
	REV(V5)
	MULACC(V5, V17, V25)
	REV(V6)
	MULACC(V6, V18, V26)
	REV(V7)
	MULACC(V7, V19, V27)
	REV(V8)
	MULACC(V8, V20, V28)
	REV(V9)
	MULACC(V9, V21, V29)
	REV(V10)
	MULACC(V10, V22, V30)
	REV(V11)
	MULACC(V11, V23, V31)
	REV(V4)
	VEOR V0.B16, V4.B16, V4.B16
	MULACC(V4, V16, V24)
	REDUCE
	SUB $8, R3
	CMP $8, R3
	BGE loop8

tail:
	CBZ R3, done
	// R5 = &k.pw[16-R3], R6 = &k.kar[16-R3]: the R3 blocks left take
	// H^R3 … H^1.
	MOVD $16, R5
	SUB  R3, R5
	LSL  $4, R5
	ADD  R0, R5
	ADD  $256, R5, R6
	ZEROSUMS

tailloop:
	VLD1.P 16(R2), [V4.B16]
	VLD1.P 16(R5), [V16.B16]
	VLD1.P 16(R6), [V24.B16]
	REV(V4)
	VEOR   V0.B16, V4.B16, V4.B16
	VEOR   V0.B16, V0.B16, V0.B16 // y is in the sum now
	MULACC(V4, V16, V24)
	SUB    $1, R3
	CBNZ   R3, tailloop
	REDUCE

done:
	REV(V0)
	VST1 [V0.B16], (R1)
	RET

// revIndex reverses the 16 bytes of a register under TBL.
DATA revIndex<>+0(SB)/8, $0x08090a0b0c0d0e0f
DATA revIndex<>+8(SB)/8, $0x0001020304050607
GLOBL revIndex<>(SB), RODATA|NOPTR, $16
