package ghash

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"testing"

	"github.com/cluecam/cluecam/media/srtp/internal/aesctr"
)

func BenchmarkUpdate1200(b *testing.B) {
	var k Key
	h := [BlockSize]byte{0x66, 0xe9, 0x4b, 0xd4}
	k.Init(&h)
	data := make([]byte, 1200)
	paths(b, func(tb testing.TB) {
		b.Run(pathName(), func(b *testing.B) {
			var y [BlockSize]byte
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				k.Update(&y, data)
			}
		})
	})
}

// sealer is AES-GCM built from aesctr and this package, as media/srtp
// uses them: the payload is encrypted in place and hashed where it lies.
type sealer struct {
	ctr *aesctr.Cipher
	key Key
}

func newSealer(key []byte) *sealer {
	c, err := aesctr.New(key)
	if err != nil {
		panic(err)
	}
	s := &sealer{ctr: c}
	var h [BlockSize]byte
	c.XORKeyStream(h[:], h[:], &h) // E_K(0): counter block 0 encrypts 0
	s.key.Init(&h)
	return s
}

// seal encrypts p in place and writes the tag of aad and p to tag.
func (s *sealer) seal(tag *[BlockSize]byte, nonce *[12]byte, aad, p []byte) {
	var j0 [BlockSize]byte
	copy(j0[:], nonce[:])
	j0[15] = 1
	var ekj0 [BlockSize]byte
	s.ctr.XORKeyStreamAt(ekj0[:], ekj0[:], &j0, 0)
	s.ctr.XORKeyStreamAt(p, p, &j0, BlockSize) // counter J0+1 onwards
	var y, lens [BlockSize]byte
	s.key.UpdatePadded(&y, aad)
	s.key.UpdatePadded(&y, p)
	binary.BigEndian.PutUint64(lens[:8], uint64(len(aad))*8)
	binary.BigEndian.PutUint64(lens[8:], uint64(len(p))*8)
	s.key.Update(&y, lens[:])
	for i := range tag {
		tag[i] = y[i] ^ ekj0[i]
	}
}

// TestSealer checks the benchmark's sealer against crypto/cipher.
func TestSealer(t *testing.T) {
	key := []byte("0123456789abcdef")
	nonce := [12]byte{1, 2, 3}
	aad := []byte("twelve bytes")
	for _, n := range testLengths {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(i)
		}
		blk, _ := aes.NewCipher(key)
		g, _ := cipher.NewGCM(blk)
		want := g.Seal(nil, nonce[:], p, aad)
		var tag [BlockSize]byte
		newSealer(key).seal(&tag, &nonce, aad, p)
		if got := append(p, tag[:]...); string(got) != string(want) {
			t.Fatalf("len %d: sealer %x, want %x", n, got, want)
		}
	}
}

// BenchmarkSeal1200 compares the aesctr+ghash seal of a 1200-byte payload
// (12 bytes of AAD, as an RTP header) with crypto/cipher's AES-GCM Seal.
func BenchmarkSeal1200(b *testing.B) {
	key := []byte("0123456789abcdef")
	nonce := [12]byte{1, 2, 3}
	aad := make([]byte, 12)
	p := make([]byte, 1200)
	b.Run("aesctr+ghash", func(b *testing.B) {
		s := newSealer(key)
		var tag [BlockSize]byte
		b.SetBytes(int64(len(p)))
		b.ReportAllocs()
		for b.Loop() {
			s.seal(&tag, &nonce, aad, p)
		}
	})
	b.Run("crypto-cipher", func(b *testing.B) {
		blk, _ := aes.NewCipher(key)
		g, _ := cipher.NewGCM(blk)
		dst := make([]byte, 0, len(p)+16)
		b.SetBytes(int64(len(p)))
		b.ReportAllocs()
		for b.Loop() {
			dst = g.Seal(dst[:0], nonce[:], p, aad)
		}
	})
}
