//go:build !purego

#include "textflag.h"

// func zeroPairBlock(p *byte, n int) int
//
// Returns the offset of the first 64-byte block of p[0:n] (n a multiple of
// 64) in which some byte i has p[i] == 0 and p[i+1] == 0, or n if none has.
// p[n] must be readable: the last pair of each block looks one byte past
// it. SSE2 only: four 16-byte loads at i and four at i+1, ORed pairwise
// (p[i]|p[i+1] is zero exactly where a pair starts), the byte-wise minimum
// of the four compared with zero, one branch per 64 bytes.
TEXT ·zeroPairBlock(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	XORQ AX, AX
	PXOR X15, X15

loop:
	CMPQ AX, CX
	JAE  none
	MOVOU 0(SI)(AX*1), X0
	MOVOU 16(SI)(AX*1), X1
	MOVOU 32(SI)(AX*1), X2
	MOVOU 48(SI)(AX*1), X3
	MOVOU 1(SI)(AX*1), X4
	MOVOU 17(SI)(AX*1), X5
	MOVOU 33(SI)(AX*1), X6
	MOVOU 49(SI)(AX*1), X7
	POR     X4, X0
	POR     X5, X1
	POR     X6, X2
	POR     X7, X3
	PMINUB  X1, X0
	PMINUB  X3, X2
	PMINUB  X2, X0
	PCMPEQB X15, X0
	PMOVMSKB X0, DX
	TESTL DX, DX
	JNZ   found
	ADDQ  $64, AX
	JMP   loop

none:
	MOVQ CX, ret+16(FP)
	RET

found:
	MOVQ AX, ret+16(FP)
	RET
