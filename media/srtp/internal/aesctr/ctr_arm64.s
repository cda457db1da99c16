//go:build !purego

#include "textflag.h"

// func ctrBlocks(rk *byte, nr int, dst, src *byte, n int, ctr *[16]byte)
//
// AES-CTR over n whole blocks with the ARMv8 AES instructions. AESE k, v
// computes v = ShiftRows(SubBytes(v ^ k)) and AESMC v, v MixColumns, so a
// full round is AESE+AESMC with the previous round's key, and the last is
// AESE with rk[nr-1] followed by EOR with rk[nr]. Registers:
//
//	R0       rk, advanced while the round keys are loaded
//	R1       nr (10, 12 or 14)
//	R2, R3   dst, src (post-incremented by the loads and stores)
//	R4       blocks left
//	R6:R7    the counter, high:low 64 bits as integers (the block is their
//	         big-endian bytes), so the 128-bit increment is ADDS/ADC
//	R8, R9   byte-reversed counter halves on their way into a vector
//	V0-V7    the counter blocks in flight, becoming keystream
//	V8-V15   blocks of src
//	V16-V30  all round keys, held for the whole call, loaded so that rk[nr]
//	         is V30 whatever the key size: AES-128 uses V20-V30, AES-192
//	         V18-V30, AES-256 V16-V30. The rounds with V16-V19 run only for
//	         the longer keys and the ten rounds with V20-V30 for all.
//
// Pipelining: the main loop takes eight independent counter blocks through
// each round before the next, so the AESE/AESMC latency of one block is
// hidden behind the other seven; each AESE is immediately followed by the
// AESMC of the same register, the pair many cores fuse. A four-block and a
// one-block loop finish the remainder.

// CTR loads the next counter block into v and increments the counter.
#define CTR(v) \
	REV  R6, R8       \
	REV  R7, R9       \
	VMOV R8, v.D[0]   \
	VMOV R9, v.D[1]   \
	ADDS $1, R7, R7   \
	ADC  ZR, R6, R6

// ROUND8, ROUND4 and ROUND1 run one full round with key k on V0-V7, V0-V3
// and V0; LAST8 … the last round with keys V29 and V30.
#define ROUND1(k) \
	AESE  k.B16, V0.B16 \
	AESMC V0.B16, V0.B16

#define ROUND4(k) \
	ROUND1(k)            \
	AESE  k.B16, V1.B16  \
	AESMC V1.B16, V1.B16 \
	AESE  k.B16, V2.B16  \
	AESMC V2.B16, V2.B16 \
	AESE  k.B16, V3.B16  \
	AESMC V3.B16, V3.B16

#define ROUND8(k) \
	ROUND4(k)            \
	AESE  k.B16, V4.B16  \
	AESMC V4.B16, V4.B16 \
	AESE  k.B16, V5.B16  \
	AESMC V5.B16, V5.B16 \
	AESE  k.B16, V6.B16  \
	AESMC V6.B16, V6.B16 \
	AESE  k.B16, V7.B16  \
	AESMC V7.B16, V7.B16

#define LAST1 \
	AESE V29.B16, V0.B16         \
	VEOR V30.B16, V0.B16, V0.B16

#define LAST4 \
	LAST1                        \
	AESE V29.B16, V1.B16         \
	VEOR V30.B16, V1.B16, V1.B16 \
	AESE V29.B16, V2.B16         \
	VEOR V30.B16, V2.B16, V2.B16 \
	AESE V29.B16, V3.B16         \
	VEOR V30.B16, V3.B16, V3.B16

#define LAST8 \
	LAST4                        \
	AESE V29.B16, V4.B16         \
	VEOR V30.B16, V4.B16, V4.B16 \
	AESE V29.B16, V5.B16         \
	VEOR V30.B16, V5.B16, V5.B16 \
	AESE V29.B16, V6.B16         \
	VEOR V30.B16, V6.B16, V6.B16 \
	AESE V29.B16, V7.B16         \
	VEOR V30.B16, V7.B16, V7.B16

// CIPHER runs all rounds of one width: the extra rounds of AES-256 (V16,
// V17) and AES-192 (V18, V19), selected on R1, then the common ten. The
// labels are passed in because each expansion needs its own.
#define CIPHER(R, L, l12, l10) \
	CMP  $12, R1 \
	BLT  l10     \
	BEQ  l12     \
	R(V16)       \
	R(V17)       \
l12:                 \
	R(V18)       \
	R(V19)       \
l10:                 \
	R(V20)       \
	R(V21)       \
	R(V22)       \
	R(V23)       \
	R(V24)       \
	R(V25)       \
	R(V26)       \
	R(V27)       \
	R(V28)       \
	L

TEXT ·ctrBlocks(SB), NOSPLIT, $0-48
	MOVD rk+0(FP), R0
	MOVD nr+8(FP), R1
	MOVD dst+16(FP), R2
	MOVD src+24(FP), R3
	MOVD n+32(FP), R4
	MOVD ctr+40(FP), R5
	MOVD 0(R5), R6
	REV  R6, R6
	MOVD 8(R5), R7
	REV  R7, R7

	// Round keys: rk[nr] must land in V30.
	CMP $12, R1
	BLT keys10
	BEQ keys12
	VLD1.P 64(R0), [V16.B16, V17.B16, V18.B16, V19.B16]
	B      keys10

keys12:
	VLD1.P 32(R0), [V18.B16, V19.B16]

keys10:
	VLD1.P 64(R0), [V20.B16, V21.B16, V22.B16, V23.B16]
	VLD1.P 64(R0), [V24.B16, V25.B16, V26.B16, V27.B16]
	VLD1   (R0), [V28.B16, V29.B16, V30.B16]

loop8:
	CMP $8, R4
	BLT loop4
	CTR(V0)
	CTR(V1)
	CTR(V2)
	CTR(V3)
	CTR(V4)
	CTR(V5)
	CTR(V6)
	CTR(V7)
	CIPHER(ROUND8, LAST8, r12x8, r10x8)
	VLD1.P 64(R3), [V8.B16, V9.B16, V10.B16, V11.B16]
	VLD1.P 64(R3), [V12.B16, V13.B16, V14.B16, V15.B16]
	VEOR   V8.B16, V0.B16, V0.B16
	VEOR   V9.B16, V1.B16, V1.B16
	VEOR   V10.B16, V2.B16, V2.B16
	VEOR   V11.B16, V3.B16, V3.B16
	VEOR   V12.B16, V4.B16, V4.B16
	VEOR   V13.B16, V5.B16, V5.B16
	VEOR   V14.B16, V6.B16, V6.B16
	VEOR   V15.B16, V7.B16, V7.B16
	VST1.P [V0.B16, V1.B16, V2.B16, V3.B16], 64(R2)
	VST1.P [V4.B16, V5.B16, V6.B16, V7.B16], 64(R2)
	SUB    $8, R4
	B      loop8

loop4:
	CMP $4, R4
	BLT loop1
	CTR(V0)
	CTR(V1)
	CTR(V2)
	CTR(V3)
	CIPHER(ROUND4, LAST4, r12x4, r10x4)
	VLD1.P 64(R3), [V8.B16, V9.B16, V10.B16, V11.B16]
	VEOR   V8.B16, V0.B16, V0.B16
	VEOR   V9.B16, V1.B16, V1.B16
	VEOR   V10.B16, V2.B16, V2.B16
	VEOR   V11.B16, V3.B16, V3.B16
	VST1.P [V0.B16, V1.B16, V2.B16, V3.B16], 64(R2)
	SUB    $4, R4

loop1:
	CBZ R4, done
	CTR(V0)
	CIPHER(ROUND1, LAST1, r12x1, r10x1)
	VLD1.P 16(R3), [V8.B16]
	VEOR   V8.B16, V0.B16, V0.B16
	VST1.P [V0.B16], 16(R2)
	SUB    $1, R4
	B      loop1

done:
	RET
