//go:build !amd64 || purego

package codec

func zeroPairBlock(*byte, int) int { panic("codec: no assembly") }

const haveZeroPairBlock = false
