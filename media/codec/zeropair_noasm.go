//go:build (!amd64 && !arm64) || purego

package codec

func zeroPairBlock(*byte, int) int { panic("codec: no assembly") }

const haveZeroPairBlock = false
