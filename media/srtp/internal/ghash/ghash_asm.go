//go:build (amd64 || arm64) && !purego

package ghash

// updateBlocks folds n ≥ 1 whole blocks at p into the accumulator *y (GCM
// byte order) with the powers of H in k: Update's work on the assembly
// path. Written per GOARCH (ghash_amd64.s: PCLMULQDQ; ghash_arm64.s:
// PMULL), eight blocks per reduction.
//
//go:noescape
func updateBlocks(k *Key, y *[BlockSize]byte, p *byte, n int)
