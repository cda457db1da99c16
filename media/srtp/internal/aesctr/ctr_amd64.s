//go:build !purego

#include "textflag.h"

// func ctrBlocks(rk *byte, nr int, dst, src *byte, n int, ctr *[16]byte)
//
// AES-CTR over n whole blocks with AES-NI. Registers:
//
//	AX       rk: round key r at 16*r(AX)
//	CX       nr (10, 12 or 14)
//	BX       AX + 16*(nr-10): the last ten round keys rk[nr-9..nr] are at
//	         16(BX) … 160(BX) whatever the key size, so one unrolled tail of
//	         nine AESENC rounds and the AESENCLAST serves all three; AES-192
//	         and AES-256 first run their two or four extra rounds from
//	         16(AX) … 64(AX)
//	DI, SI   dst, src (advanced as blocks are done)
//	DX       blocks left
//	R10:R11  the counter, high:low 64 bits as integers (the block is their
//	         big-endian bytes), so the 128-bit increment is ADDQ/ADCQ
//	R8, R9   byte-swapped counter halves on their way into an XMM register
//	X0-X7    the counter blocks in flight, becoming keystream
//	X8       the current round key
//	X9       a block of src
//	X15      the low half of a counter block before PUNPCKLQDQ
//
// Pipelining: AESENC has a latency of several cycles but a throughput of one
// (or two) per cycle, so the main loop takes eight independent counter
// blocks through each round before the next round: the eight AESENCs of a
// round do not wait on each other, and by the time the next round reaches
// X0 its previous AESENC is done. Four-block and one-block loops finish the
// remainder. Only SSE2 and AES-NI instructions are used.

// CTR loads the next counter block into x and increments the counter.
#define CTR(x) \
	MOVQ       R10, R8  \
	BSWAPQ     R8       \
	MOVQ       R8, x    \
	MOVQ       R11, R9  \
	BSWAPQ     R9       \
	MOVQ       R9, X15  \
	PUNPCKLQDQ X15, x   \
	ADDQ       $1, R11  \
	ADCQ       $0, R10

// ROUND8, ROUND4 and ROUND1 run one middle round (key at address k) on
// X0-X7, X0-X3 and X0; LAST8, LAST4 and LAST1 the final one; WHITEN8 … the
// initial AddRoundKey.
#define ROUND8(k) \
	MOVOU  k, X8      \
	AESENC X8, X0     \
	AESENC X8, X1     \
	AESENC X8, X2     \
	AESENC X8, X3     \
	AESENC X8, X4     \
	AESENC X8, X5     \
	AESENC X8, X6     \
	AESENC X8, X7

#define LAST8(k) \
	MOVOU      k, X8  \
	AESENCLAST X8, X0 \
	AESENCLAST X8, X1 \
	AESENCLAST X8, X2 \
	AESENCLAST X8, X3 \
	AESENCLAST X8, X4 \
	AESENCLAST X8, X5 \
	AESENCLAST X8, X6 \
	AESENCLAST X8, X7

#define WHITEN8(k) \
	MOVOU k, X8       \
	PXOR  X8, X0      \
	PXOR  X8, X1      \
	PXOR  X8, X2      \
	PXOR  X8, X3      \
	PXOR  X8, X4      \
	PXOR  X8, X5      \
	PXOR  X8, X6      \
	PXOR  X8, X7

#define ROUND4(k) \
	MOVOU  k, X8      \
	AESENC X8, X0     \
	AESENC X8, X1     \
	AESENC X8, X2     \
	AESENC X8, X3

#define LAST4(k) \
	MOVOU      k, X8  \
	AESENCLAST X8, X0 \
	AESENCLAST X8, X1 \
	AESENCLAST X8, X2 \
	AESENCLAST X8, X3

#define WHITEN4(k) \
	MOVOU k, X8       \
	PXOR  X8, X0      \
	PXOR  X8, X1      \
	PXOR  X8, X2      \
	PXOR  X8, X3

#define ROUND1(k) \
	MOVOU  k, X8      \
	AESENC X8, X0

#define LAST1(k) \
	MOVOU      k, X8  \
	AESENCLAST X8, X0

#define WHITEN1(k) \
	MOVOU k, X8       \
	PXOR  X8, X0

// XORBLK XORs keystream block x with src block i and stores it as dst block i.
#define XORBLK(x, i) \
	MOVOU (i*16)(SI), X9 \
	PXOR  X9, x          \
	MOVOU x, (i*16)(DI)

// CIPHER runs all rounds for one of the widths: the extra rounds of the
// longer keys, selected on CX, then the ten common ones from BX. The labels
// are passed in because each expansion needs its own.
#define CIPHER(R, L, l10) \
	CMPQ CX, $12     \
	JB   l10         \
	R(16(AX))        \
	R(32(AX))        \
	JEQ  l10         \
	R(48(AX))        \
	R(64(AX))        \
l10:                     \
	R(16(BX))        \
	R(32(BX))        \
	R(48(BX))        \
	R(64(BX))        \
	R(80(BX))        \
	R(96(BX))        \
	R(112(BX))       \
	R(128(BX))       \
	R(144(BX))       \
	L(160(BX))

TEXT ·ctrBlocks(SB), NOSPLIT, $0-48
	MOVQ rk+0(FP), AX
	MOVQ nr+8(FP), CX
	MOVQ dst+16(FP), DI
	MOVQ src+24(FP), SI
	MOVQ n+32(FP), DX
	MOVQ ctr+40(FP), R8
	MOVQ 0(R8), R10
	BSWAPQ R10
	MOVQ 8(R8), R11
	BSWAPQ R11
	MOVQ CX, BX
	SHLQ $4, BX
	LEAQ -160(AX)(BX*1), BX

loop8:
	CMPQ DX, $8
	JB   loop4
	CTR(X0)
	CTR(X1)
	CTR(X2)
	CTR(X3)
	CTR(X4)
	CTR(X5)
	CTR(X6)
	CTR(X7)
	WHITEN8((AX))
	CIPHER(ROUND8, LAST8, r10x8)
	XORBLK(X0, 0)
	XORBLK(X1, 1)
	XORBLK(X2, 2)
	XORBLK(X3, 3)
	XORBLK(X4, 4)
	XORBLK(X5, 5)
	XORBLK(X6, 6)
	XORBLK(X7, 7)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $8, DX
	JMP  loop8

loop4:
	CMPQ DX, $4
	JB   loop1
	CTR(X0)
	CTR(X1)
	CTR(X2)
	CTR(X3)
	WHITEN4((AX))
	CIPHER(ROUND4, LAST4, r10x4)
	XORBLK(X0, 0)
	XORBLK(X1, 1)
	XORBLK(X2, 2)
	XORBLK(X3, 3)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $4, DX

loop1:
	TESTQ DX, DX
	JZ    done
	CTR(X0)
	WHITEN1((AX))
	CIPHER(ROUND1, LAST1, r10x1)
	XORBLK(X0, 0)
	ADDQ $16, SI
	ADDQ $16, DI
	DECQ DX
	JMP  loop1

done:
	RET
