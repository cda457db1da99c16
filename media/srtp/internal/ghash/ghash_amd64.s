//go:build !purego

#include "textflag.h"

// func updateBlocks(k *Key, y *[16]byte, p *byte, n int)
//
// GHASH over n ≥ 1 whole blocks with PCLMULQDQ. Values are held as 128-bit
// little-endian integers in XMM registers: a block is byte-reversed by
// PSHUFB on load (see the package comment), y on the way in and out.
//
// Registers:
//
//	AX       &k.pw[8]: r(H^(8-i))·x at 16*i(AX) (i = 0…7), the Karatsuba
//	         operand lo^hi of that power at 256+16*i(AX)
//	BX       y
//	SI       p (advanced as blocks are done)
//	CX       blocks left
//	DI       tail: the power for the next block (its Karatsuba operand at
//	         256(DI))
//	X0       the accumulator y
//	X1-X3    the sums of the low, high and middle Karatsuba products
//	X4-X8    one block's work
//	X14      polyHigh in its low qword
//	X15      the byte-reversing PSHUFB mask
//
// Eight blocks B1…B8 are folded as (y⊕B1)·H^8 ⊕ B2·H^7 ⊕ … ⊕ B8·H: their
// 256-bit carry-less products (Karatsuba: three PCLMULQDQ each) are summed
// and reduced once. The n mod 8 blocks left at the end are folded the same
// way with H^(n mod 8) … H^1, one loop iteration per block.

// FIRST starts a sum with block src ⊕ y times the power at h (Karatsuba
// operand at kk).
#define FIRST(src, h, kk) \
	MOVOU     src, X4         \
	PSHUFB    X15, X4         \
	PXOR      X0, X4          \
	MOVOU     h, X6           \
	MOVQ      kk, X7          \
	PSHUFD    $0x4e, X4, X5   \
	PXOR      X4, X5          \
	MOVOU     X4, X1          \
	MOVOU     X4, X2          \
	PCLMULQDQ $0x00, X6, X1   \
	PCLMULQDQ $0x11, X6, X2   \
	PCLMULQDQ $0x00, X7, X5   \
	MOVOU     X5, X3

// START starts a sum with block src times the power at h (Karatsuba
// operand at kk).
#define START(src, h, kk) \
	MOVOU     src, X1         \
	PSHUFB    X15, X1         \
	MOVOU     h, X6           \
	MOVQ      kk, X7          \
	PSHUFD    $0x4e, X1, X3   \
	PXOR      X1, X3          \
	MOVOU     X1, X2          \
	PCLMULQDQ $0x00, X6, X1   \
	PCLMULQDQ $0x11, X6, X2   \
	PCLMULQDQ $0x00, X7, X3

// MULACC adds the block in X4 (byte-reversed) times the power at h
// (Karatsuba operand at kk) to the sum.
#define MULACC(h, kk) \
	MOVOU     h, X6           \
	MOVQ      kk, X7          \
	PSHUFD    $0x4e, X4, X5   \
	PXOR      X4, X5          \
	MOVOU     X4, X8          \
	PCLMULQDQ $0x00, X6, X4   \
	PCLMULQDQ $0x11, X6, X8   \
	PCLMULQDQ $0x00, X7, X5   \
	PXOR      X4, X1          \
	PXOR      X8, X2          \
	PXOR      X5, X3

// LASTY adds block src ⊕ y times the power at h (Karatsuba operand at kk)
// to the sum. The main loop does the block with y last, so that the chain
// of dependencies from one iteration's y to the next is as short as it can
// be: the other seven products are summed meanwhile.
#define LASTY(src, h, kk) \
	MOVOU     src, X4         \
	PSHUFB    X15, X4         \
	PXOR      X0, X4          \
	MULACC(h, kk)

// NEXT adds block src times the power at h (Karatsuba operand at kk) to
// the sum.
#define NEXT(src, h, kk) \
	MOVOU     src, X4         \
	PSHUFB    X15, X4         \
	MULACC(h, kk)

// REDUCE finishes the Karatsuba sum into the 256-bit X2:X1 and reduces it
// into X0: two Montgomery steps, each T = low qword · polyHigh, then the
// register divided by x^64 (qwords swapped) plus T; finally the high half.
#define REDUCE \
	PXOR      X1, X3          \
	PXOR      X2, X3          \
	MOVOU     X3, X4          \
	PSLLDQ    $8, X3          \
	PSRLDQ    $8, X4          \
	PXOR      X3, X1          \
	PXOR      X4, X2          \
	MOVOU     X1, X4          \
	PCLMULQDQ $0x00, X14, X4  \
	PSHUFD    $0x4e, X1, X1   \
	PXOR      X4, X1          \
	MOVOU     X1, X4          \
	PCLMULQDQ $0x00, X14, X4  \
	PSHUFD    $0x4e, X1, X1   \
	PXOR      X4, X1          \
	PXOR      X2, X1          \
	MOVOU     X1, X0

TEXT ·updateBlocks(SB), NOSPLIT, $0-32
	MOVQ  k+0(FP), AX
	ADDQ  $128, AX // the last eight powers, H^8 … H^1
	MOVQ  y+8(FP), BX
	MOVQ  p+16(FP), SI
	MOVQ  n+24(FP), CX
	MOVOU bswapMask<>(SB), X15
	MOVQ  $0xC200000000000000, DX
	MOVQ  DX, X14
	MOVOU (BX), X0
	PSHUFB X15, X0

	CMPQ CX, $8
	JB   tail

loop8:
	START(16(SI), 16(AX), 272(AX))
	NEXT(32(SI), 32(AX), 288(AX))
	NEXT(48(SI), 48(AX), 304(AX))
	NEXT(64(SI), 64(AX), 320(AX))
	NEXT(80(SI), 80(AX), 336(AX))
	NEXT(96(SI), 96(AX), 352(AX))
	NEXT(112(SI), 112(AX), 368(AX))
	LASTY((SI), (AX), 256(AX))
	REDUCE
	ADDQ $128, SI
	SUBQ $8, CX
	CMPQ CX, $8
	JAE  loop8

tail:
	TESTQ CX, CX
	JZ    done
	// DI = &pw[8-CX]: the CX blocks left take H^CX … H^1.
	MOVQ  $8, DI
	SUBQ  CX, DI
	SHLQ  $4, DI
	ADDQ  AX, DI
	FIRST((SI), (DI), 256(DI))
	ADDQ  $16, SI
	ADDQ  $16, DI
	DECQ  CX
	JZ    tailreduce

tailloop:
	NEXT((SI), (DI), 256(DI))
	ADDQ $16, SI
	ADDQ $16, DI
	DECQ CX
	JNZ  tailloop

tailreduce:
	REDUCE

done:
	PSHUFB X15, X0
	MOVOU  X0, (BX)
	RET

// bswapMask reverses the 16 bytes of a register under PSHUFB.
DATA bswapMask<>+0(SB)/8, $0x08090a0b0c0d0e0f
DATA bswapMask<>+8(SB)/8, $0x0001020304050607
GLOBL bswapMask<>(SB), RODATA|NOPTR, $16
