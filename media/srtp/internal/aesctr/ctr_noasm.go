//go:build (!amd64 && !arm64) || purego

package aesctr

// useAsm: no assembly for this GOARCH (or built with -tags purego); every
// Cipher runs the generic path over crypto/aes.
var useAsm = false

func (c *Cipher) initAsm([]byte) bool { return false }

func (c *Cipher) xorAsm([]byte, []byte, *[BlockSize]byte, int) {
	panic("aesctr: no assembly path")
}
