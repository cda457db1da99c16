//go:build !purego

#include "textflag.h"

// func cpuid7ECX() uint32
TEXT ·cpuid7ECX(SB), NOSPLIT, $0-4
	MOVL  $7, AX
	XORL  CX, CX
	CPUID
	MOVL  CX, ret+0(FP)
	RET

// func updateBlocksAVX2(k *Key, y *[16]byte, p *byte, n int)
//
// updateBlocks (ghash_amd64.s) with VEX-encoded 256-bit VPCLMULQDQ: each
// YMM register holds two consecutive blocks, one per 128-bit lane, and a
// 32-byte load of Key.pw (Key.kar) gives their two powers (Karatsuba
// operands) in the same lanes, so one VPCLMULQDQ makes a product for each
// of two blocks. Sixteen blocks go into each reduction (H^16 … H^1), so
// that the dependency chain from one reduction to the next (a multiply and
// the two of the reduction) hides behind the eight pairs' multiplies. The
// two lanes of the sums are folded together before the reduction, which is
// the same as in updateBlocks.
//
// Registers:
//
//	AX       k (pw at 0(AX), kar at 256(AX))
//	BX       y
//	SI       p (advanced as blocks are done)
//	CX       blocks left
//	DI       tail: the powers for the next blocks (Karatsuba operands at
//	         256(DI))
//	X0       the accumulator y; its upper lane is always zero (VEX.128
//	         instructions clear it), so Y0 can be XORed into a pair of
//	         blocks to add y to the first
//	Y1-Y3    the sums of the low, high and middle Karatsuba products
//	Y4-Y8    one pair's work
//	X14      polyHigh in its low qword
//	Y15      the byte-reversing VPSHUFB mask in both lanes

// PAIRMUL multiplies the blocks in Y4 (byte-reversed) by the powers at h
// (Karatsuba operands at kk): low, high and middle products in Y4, Y5, Y6.
#define PAIRMUL(h, kk) \
	VMOVDQU    h, Y7            \
	VPSHUFD    $0x4e, Y4, Y6    \
	VPXOR      Y4, Y6, Y6       \
	VPCLMULQDQ $0x11, Y7, Y4, Y5 \
	VPCLMULQDQ $0x00, Y7, Y4, Y4 \
	VPCLMULQDQ $0x00, kk, Y6, Y6

// PAIR multiplies the blocks at src, plus Y0, by the powers at h
// (Karatsuba operands at kk): low, high and middle products in Y4, Y5, Y6.
#define PAIR(src, h, kk) \
	VMOVDQU    src, Y4          \
	VPSHUFB    Y15, Y4, Y4      \
	VPXOR      Y0, Y4, Y4       \
	PAIRMUL(h, kk)

// PAIRNOY is PAIR without adding Y0.
#define PAIRNOY(src, h, kk) \
	VMOVDQU    src, Y4          \
	VPSHUFB    Y15, Y4, Y4      \
	PAIRMUL(h, kk)

// SINGLE is PAIR for one block, in the low lanes (the upper ones cleared).
#define SINGLE(src, h, kk) \
	VMOVDQU    src, X4          \
	VPSHUFB    X15, X4, X4      \
	VPXOR      X0, X4, X4       \
	VMOVDQU    h, X7            \
	VPSHUFD    $0x4e, X4, X6    \
	VPXOR      X4, X6, X6       \
	VPCLMULQDQ $0x11, X7, X4, X5 \
	VPCLMULQDQ $0x00, X7, X4, X4 \
	VPCLMULQDQ $0x00, kk, X6, X6

// ACC adds the products of PAIR to the sums.
#define ACC \
	VPXOR Y4, Y1, Y1 \
	VPXOR Y5, Y2, Y2 \
	VPXOR Y6, Y3, Y3

// REDUCE folds the two lanes of the sums, finishes the Karatsuba sum into
// the 256-bit X2:X1 and reduces it into X0 by two Montgomery steps.
#define REDUCE \
	VPXOR        Y1, Y3, Y3       \
	VPXOR        Y2, Y3, Y3       \
	VEXTRACTI128 $1, Y1, X4       \
	VEXTRACTI128 $1, Y2, X5       \
	VEXTRACTI128 $1, Y3, X6       \
	VPXOR        X4, X1, X1       \
	VPXOR        X5, X2, X2       \
	VPXOR        X6, X3, X3       \
	VPSLLDQ      $8, X3, X4       \
	VPSRLDQ      $8, X3, X3       \
	VPXOR        X4, X1, X1       \
	VPXOR        X3, X2, X2       \
	VPCLMULQDQ   $0x00, X14, X1, X4 \
	VPSHUFD      $0x4e, X1, X1    \
	VPXOR        X4, X1, X1       \
	VPCLMULQDQ   $0x00, X14, X1, X4 \
	VPSHUFD      $0x4e, X1, X1    \
	VPXOR        X4, X1, X1       \
	VPXOR        X2, X1, X0

TEXT ·updateBlocksAVX2(SB), NOSPLIT, $0-32
	MOVQ           k+0(FP), AX
	MOVQ           y+8(FP), BX
	MOVQ           p+16(FP), SI
	MOVQ           n+24(FP), CX
	VBROADCASTI128 bswapMaskAVX2<>(SB), Y15
	MOVQ           $0xC200000000000000, DX
	VMOVQ          DX, X14
	VMOVDQU        (BX), X0
	VPSHUFB        X15, X0, X0

	CMPQ CX, $16
	JB   tail

loop16:
	// Blocks 3-16 first and the pair with y last, so that the dependency
	// chain from y to the next y is short.
	PAIRNOY(32(SI), 32(AX), 288(AX))
	VMOVDQU Y4, Y1
	VMOVDQU Y5, Y2
	VMOVDQU Y6, Y3
	PAIRNOY(64(SI), 64(AX), 320(AX))
	ACC
	PAIRNOY(96(SI), 96(AX), 352(AX))
	ACC
	PAIRNOY(128(SI), 128(AX), 384(AX))
	ACC
	PAIRNOY(160(SI), 160(AX), 416(AX))
	ACC
	PAIRNOY(192(SI), 192(AX), 448(AX))
	ACC
	PAIRNOY(224(SI), 224(AX), 480(AX))
	ACC
	PAIR((SI), (AX), 256(AX))
	ACC
	REDUCE
	ADDQ $256, SI
	SUBQ $16, CX
	CMPQ CX, $16
	JAE  loop16

tail:
	TESTQ CX, CX
	JZ    done
	// DI = &pw[16-CX]: the CX blocks left take H^CX … H^1.
	MOVQ  $16, DI
	SUBQ  CX, DI
	SHLQ  $4, DI
	ADDQ  AX, DI
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	CMPQ  CX, $2
	JB    tail1

tail2:
	PAIR((SI), (DI), 256(DI))
	ACC
	VPXOR Y0, Y0, Y0 // y is in the sum now
	ADDQ  $32, SI
	ADDQ  $32, DI
	SUBQ  $2, CX
	CMPQ  CX, $2
	JAE   tail2
	TESTQ CX, CX
	JZ    tailreduce

tail1:
	SINGLE((SI), (DI), 256(DI))
	ACC

tailreduce:
	REDUCE

done:
	VPSHUFB    X15, X0, X0
	VMOVDQU    X0, (BX)
	VZEROUPPER
	RET

// bswapMaskAVX2 reverses the 16 bytes of a lane under VPSHUFB.
DATA bswapMaskAVX2<>+0(SB)/8, $0x08090a0b0c0d0e0f
DATA bswapMaskAVX2<>+8(SB)/8, $0x0001020304050607
GLOBL bswapMaskAVX2<>(SB), RODATA|NOPTR, $16
