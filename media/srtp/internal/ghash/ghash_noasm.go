//go:build (!amd64 && !arm64) || purego

package ghash

// useAsm, useAVX2: no assembly for this GOARCH (or built with -tags
// purego); every Key runs the generic path.
var useAsm, useAVX2 = false, false

func updateBlocks(*Key, *[BlockSize]byte, *byte, int) {
	panic("ghash: no assembly path")
}

func updateBlocksAVX2(*Key, *[BlockSize]byte, *byte, int) {
	panic("ghash: no assembly path")
}
