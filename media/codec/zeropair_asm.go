//go:build (amd64 || arm64) && !purego

package codec

// zeroPairBlock returns the offset of the first 64-byte block of p[0:n]
// (n a multiple of 64) holding the start of a pair of zero bytes, or n if
// none does; p[n] must be readable (zeropair_amd64.s, zeropair_arm64.s).
//
//go:noescape
func zeroPairBlock(p *byte, n int) int

const haveZeroPairBlock = true
