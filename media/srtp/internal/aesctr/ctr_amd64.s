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
// remainder. Only SSE2 and AES-NI instructions are used on this path.
//
// Wide paths (VAES), chosen by ·ctrPath (cpu_amd64.go), kept in R12:
//
//	1 (pathVAES256): VEX VAESENC on YMM registers, two blocks per register:
//	  Y0-Y7 sixteen blocks in flight, Y8 the round key broadcast to both
//	  lanes (VBROADCASTI128), Y9 the counter as two little-endian qwords
//	  (low, high) in both lanes, Y10 the byte-reversal shuffle. A counter
//	  block is Y9 plus (i, 0) from ctrInc, byte-reversed per lane: the low
//	  qword alone is added, so a batch of k blocks is built this way only
//	  when the low 64 bits of its last counter do not wrap (low + k-1 has no
//	  carry); otherwise eight blocks go through one pass of loop8 (whose CTR
//	  carries into the high half) and the loop resumes. R10:R11 stays the counter
//	  of record, advanced with ADDQ/ADCQ after each batch. Fewer than
//	  sixteen blocks left are one more sixteen-block batch of which only
//	  the blocks that exist are loaded and stored: in that many rounds the
//	  extra blocks cost no time, as each round's latency dominates.
//	2 (pathVAES512): EVEX VAESENC on ZMM registers, four blocks per register:
//	  Z0-Z7 thirty-two blocks in flight, every round key broadcast to all
//	  four lanes once per call into Z16-Z30 (Z16 rk[0], Z17-Z20 rk[1..4] for
//	  the longer keys' extra rounds, Z21-Z30 the last ten, as for BX), Z31
//	  the byte-reversal shuffle, Z9 the counter. Fewer than thirty-two blocks
//	  left go to the YMM loop.
//
// Both end with VZEROUPPER, and run it before falling back to the SSE code,
// so no dirty upper state reaches legacy-SSE code (ours or the caller's).

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

// bswapMask is the VPSHUFB control that reverses the sixteen bytes of a lane
// (big-endian counter block <-> little-endian qwords low, high).
DATA bswapMask<>+0(SB)/8, $0x08090a0b0c0d0e0f
DATA bswapMask<>+8(SB)/8, $0x0001020304050607
GLOBL bswapMask<>(SB), RODATA|NOPTR, $16

// ctrInc holds the lane increments (i, 0) for i = 0..31, little-endian
// qwords low then high, 16 bytes each: YMM register j of a batch adds the
// 32 bytes at 32*j (blocks 2j, 2j+1); ZMM register j the 64 bytes at 64*j.
DATA ctrInc<>+0(SB)/8, $0
DATA ctrInc<>+8(SB)/8, $0
DATA ctrInc<>+16(SB)/8, $1
DATA ctrInc<>+24(SB)/8, $0
DATA ctrInc<>+32(SB)/8, $2
DATA ctrInc<>+40(SB)/8, $0
DATA ctrInc<>+48(SB)/8, $3
DATA ctrInc<>+56(SB)/8, $0
DATA ctrInc<>+64(SB)/8, $4
DATA ctrInc<>+72(SB)/8, $0
DATA ctrInc<>+80(SB)/8, $5
DATA ctrInc<>+88(SB)/8, $0
DATA ctrInc<>+96(SB)/8, $6
DATA ctrInc<>+104(SB)/8, $0
DATA ctrInc<>+112(SB)/8, $7
DATA ctrInc<>+120(SB)/8, $0
DATA ctrInc<>+128(SB)/8, $8
DATA ctrInc<>+136(SB)/8, $0
DATA ctrInc<>+144(SB)/8, $9
DATA ctrInc<>+152(SB)/8, $0
DATA ctrInc<>+160(SB)/8, $10
DATA ctrInc<>+168(SB)/8, $0
DATA ctrInc<>+176(SB)/8, $11
DATA ctrInc<>+184(SB)/8, $0
DATA ctrInc<>+192(SB)/8, $12
DATA ctrInc<>+200(SB)/8, $0
DATA ctrInc<>+208(SB)/8, $13
DATA ctrInc<>+216(SB)/8, $0
DATA ctrInc<>+224(SB)/8, $14
DATA ctrInc<>+232(SB)/8, $0
DATA ctrInc<>+240(SB)/8, $15
DATA ctrInc<>+248(SB)/8, $0
DATA ctrInc<>+256(SB)/8, $16
DATA ctrInc<>+264(SB)/8, $0
DATA ctrInc<>+272(SB)/8, $17
DATA ctrInc<>+280(SB)/8, $0
DATA ctrInc<>+288(SB)/8, $18
DATA ctrInc<>+296(SB)/8, $0
DATA ctrInc<>+304(SB)/8, $19
DATA ctrInc<>+312(SB)/8, $0
DATA ctrInc<>+320(SB)/8, $20
DATA ctrInc<>+328(SB)/8, $0
DATA ctrInc<>+336(SB)/8, $21
DATA ctrInc<>+344(SB)/8, $0
DATA ctrInc<>+352(SB)/8, $22
DATA ctrInc<>+360(SB)/8, $0
DATA ctrInc<>+368(SB)/8, $23
DATA ctrInc<>+376(SB)/8, $0
DATA ctrInc<>+384(SB)/8, $24
DATA ctrInc<>+392(SB)/8, $0
DATA ctrInc<>+400(SB)/8, $25
DATA ctrInc<>+408(SB)/8, $0
DATA ctrInc<>+416(SB)/8, $26
DATA ctrInc<>+424(SB)/8, $0
DATA ctrInc<>+432(SB)/8, $27
DATA ctrInc<>+440(SB)/8, $0
DATA ctrInc<>+448(SB)/8, $28
DATA ctrInc<>+456(SB)/8, $0
DATA ctrInc<>+464(SB)/8, $29
DATA ctrInc<>+472(SB)/8, $0
DATA ctrInc<>+480(SB)/8, $30
DATA ctrInc<>+488(SB)/8, $0
DATA ctrInc<>+496(SB)/8, $31
DATA ctrInc<>+504(SB)/8, $0
GLOBL ctrInc<>(SB), RODATA|NOPTR, $512

// YCTRS builds sixteen counter blocks from R10:R11 in Y0-Y7 and XORs in
// round key 0 (the counter is known not to wrap its low 64 bits within
// them).
#define YCTR(off, y) \
	VPADDQ  ctrInc<>+off(SB), Y9, y \
	VPSHUFB Y10, y, y               \
	VPXOR   Y8, y, y

#define YCTRS \
	VMOVQ          R11, X9              \
	VPINSRQ        $1, R10, X9, X9      \
	VINSERTI128    $1, X9, Y9, Y9       \
	VBROADCASTI128 bswapMask<>(SB), Y10 \
	VBROADCASTI128 (AX), Y8             \
	YCTR(0, Y0)                         \
	YCTR(32, Y1)                        \
	YCTR(64, Y2)                        \
	YCTR(96, Y3)                        \
	YCTR(128, Y4)                       \
	YCTR(160, Y5)                       \
	YCTR(192, Y6)                       \
	YCTR(224, Y7)

// YROUND and YLAST are ROUND8 and LAST8 on Y0-Y7 (sixteen blocks).
#define YROUND(k) \
	VBROADCASTI128 k, Y8 \
	VAESENC        Y8, Y0, Y0 \
	VAESENC        Y8, Y1, Y1 \
	VAESENC        Y8, Y2, Y2 \
	VAESENC        Y8, Y3, Y3 \
	VAESENC        Y8, Y4, Y4 \
	VAESENC        Y8, Y5, Y5 \
	VAESENC        Y8, Y6, Y6 \
	VAESENC        Y8, Y7, Y7

#define YLAST(k) \
	VBROADCASTI128 k, Y8 \
	VAESENCLAST    Y8, Y0, Y0 \
	VAESENCLAST    Y8, Y1, Y1 \
	VAESENCLAST    Y8, Y2, Y2 \
	VAESENCLAST    Y8, Y3, Y3 \
	VAESENCLAST    Y8, Y4, Y4 \
	VAESENCLAST    Y8, Y5, Y5 \
	VAESENCLAST    Y8, Y6, Y6 \
	VAESENCLAST    Y8, Y7, Y7

// YXOR XORs two keystream blocks with src and stores them to dst, at byte off.
#define YXOR(off, y) \
	VPXOR   off(SI), y, y \
	VMOVDQU y, off(DI)

// In the last, partial batch: YPAIR stores blocks 2j and 2j+1 (Y register j,
// at byte off) if there are at least lim = 2j+2 blocks left, else jumps to
// odd; YODD stores block 2j alone (the low lane, x) if the count is odd.
#define YPAIR(lim, off, y, odd) \
	CMPQ DX, $lim \
	JB   odd      \
	YXOR(off, y)

#define YODD(off, x) \
	TESTQ   $1, DX        \
	JZ      wdone         \
	VPXOR   off(SI), x, x \
	VMOVDQU x, off(DI)    \
	JMP     wdone

// ZCTRS, ZROUND, ZLAST, ZCIPHER and ZXOR: the same for thirty-two blocks in
// Z0-Z7, with the round keys in Z16-Z30.
#define ZCTR(off, z) \
	VPADDQ  ctrInc<>+off(SB), Z9, z \
	VPSHUFB Z31, z, z               \
	VPXORQ  Z16, z, z

#define ZCTRS \
	VMOVQ      R11, X9          \
	VPINSRQ    $1, R10, X9, X9  \
	VSHUFI64X2 $0, Z9, Z9, Z9   \
	ZCTR(0, Z0)                 \
	ZCTR(64, Z1)                \
	ZCTR(128, Z2)               \
	ZCTR(192, Z3)               \
	ZCTR(256, Z4)               \
	ZCTR(320, Z5)               \
	ZCTR(384, Z6)               \
	ZCTR(448, Z7)

#define ZROUND(k) \
	VAESENC k, Z0, Z0 \
	VAESENC k, Z1, Z1 \
	VAESENC k, Z2, Z2 \
	VAESENC k, Z3, Z3 \
	VAESENC k, Z4, Z4 \
	VAESENC k, Z5, Z5 \
	VAESENC k, Z6, Z6 \
	VAESENC k, Z7, Z7

#define ZLAST(k) \
	VAESENCLAST k, Z0, Z0 \
	VAESENCLAST k, Z1, Z1 \
	VAESENCLAST k, Z2, Z2 \
	VAESENCLAST k, Z3, Z3 \
	VAESENCLAST k, Z4, Z4 \
	VAESENCLAST k, Z5, Z5 \
	VAESENCLAST k, Z6, Z6 \
	VAESENCLAST k, Z7, Z7

#define ZCIPHER(l10) \
	CMPQ CX, $12 \
	JB   l10     \
	ZROUND(Z17)  \
	ZROUND(Z18)  \
	JEQ  l10     \
	ZROUND(Z19)  \
	ZROUND(Z20)  \
l10:                 \
	ZROUND(Z21)  \
	ZROUND(Z22)  \
	ZROUND(Z23)  \
	ZROUND(Z24)  \
	ZROUND(Z25)  \
	ZROUND(Z26)  \
	ZROUND(Z27)  \
	ZROUND(Z28)  \
	ZROUND(Z29)  \
	ZLAST(Z30)

#define ZXOR(off, z) \
	VPXORQ    off(SI), z, z \
	VMOVDQU64 z, off(DI)

// func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL subleaf+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

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
	MOVQ ·ctrPath(SB), R12
	TESTQ R12, R12
	JNZ  wide

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
	TESTQ R12, R12
	JNZ  wide // a wide path's batch that carried: back to it
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

wide:
	CMPQ R12, $2
	JNE  wide16

	// pathVAES512: the round keys and the shuffle into Z16-Z31.
	VBROADCASTI32X4 (AX), Z16
	VBROADCASTI32X4 16(AX), Z17
	VBROADCASTI32X4 32(AX), Z18
	VBROADCASTI32X4 48(AX), Z19
	VBROADCASTI32X4 64(AX), Z20
	VBROADCASTI32X4 16(BX), Z21
	VBROADCASTI32X4 32(BX), Z22
	VBROADCASTI32X4 48(BX), Z23
	VBROADCASTI32X4 64(BX), Z24
	VBROADCASTI32X4 80(BX), Z25
	VBROADCASTI32X4 96(BX), Z26
	VBROADCASTI32X4 112(BX), Z27
	VBROADCASTI32X4 128(BX), Z28
	VBROADCASTI32X4 144(BX), Z29
	VBROADCASTI32X4 160(BX), Z30
	VBROADCASTI32X4 bswapMask<>(SB), Z31

wide32:
	CMPQ DX, $32
	JB   wide16
	MOVQ R11, R8
	ADDQ $31, R8
	JC   wcarry
	ZCTRS
	ZCIPHER(r10z32)
	ZXOR(0, Z0)
	ZXOR(64, Z1)
	ZXOR(128, Z2)
	ZXOR(192, Z3)
	ZXOR(256, Z4)
	ZXOR(320, Z5)
	ZXOR(384, Z6)
	ZXOR(448, Z7)
	ADDQ $512, SI
	ADDQ $512, DI
	SUBQ $32, DX
	ADDQ $32, R11
	ADCQ $0, R10
	JMP  wide32

	// pathVAES256, and pathVAES512's last fewer than 32 blocks.
wide16:
	CMPQ DX, $16
	JB   tail16
	MOVQ R11, R8
	ADDQ $15, R8
	JC   wcarry
	YCTRS
	CIPHER(YROUND, YLAST, r10y16)
	YXOR(0, Y0)
	YXOR(32, Y1)
	YXOR(64, Y2)
	YXOR(96, Y3)
	YXOR(128, Y4)
	YXOR(160, Y5)
	YXOR(192, Y6)
	YXOR(224, Y7)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $16, DX
	ADDQ $16, R11
	ADCQ $0, R10
	JMP  wide16

tail16:
	// 0 < DX < 16 blocks left: one more batch, of which blocks 0..DX-1 are
	// loaded and stored. Its counters must not wrap the low 64 bits either:
	// low + DX-1 without carry.
	TESTQ DX, DX
	JZ    wdone
	LEAQ  -1(DX), R8
	ADDQ  R11, R8
	JC    wcarry
	YCTRS
	CIPHER(YROUND, YLAST, r10yt)
	YPAIR(2, 0, Y0, odd0)
	YPAIR(4, 32, Y1, odd1)
	YPAIR(6, 64, Y2, odd2)
	YPAIR(8, 96, Y3, odd3)
	YPAIR(10, 128, Y4, odd4)
	YPAIR(12, 160, Y5, odd5)
	YPAIR(14, 192, Y6, odd6)
	YODD(224, X7)
odd0:
	YODD(0, X0)
odd1:
	YODD(32, X1)
odd2:
	YODD(64, X2)
odd3:
	YODD(96, X3)
odd4:
	YODD(128, X4)
odd5:
	YODD(160, X5)
odd6:
	YODD(192, X6)

wdone:
	VZEROUPPER
	RET

wcarry:
	// The batch's counters wrap the low 64 bits: eight blocks (or what is
	// left, if fewer) through the SSE loops, which carry into the high half.
	VZEROUPPER
	JMP loop8
