package aesctr

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"math/rand/v2"
	"testing"
)

// The keystream equals crypto/cipher.NewCTR's for every length, key size and
// counter, including counters that carry across 64 and 128 bits.
func TestMatchesStdlibCTR(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, klen := range []int{16, 24, 32} {
		key := make([]byte, klen)
		for i := range key {
			key[i] = byte(rng.Uint32())
		}
		c, err := New(key)
		if err != nil {
			t.Fatal(err)
		}
		block, _ := aes.NewCipher(key)
		for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 1200, 1500} {
			var iv [16]byte
			for i := range iv {
				iv[i] = byte(rng.Uint32())
			}
			switch n % 3 {
			case 0:
				copy(iv[8:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd})
			case 1:
				iv = [16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}
			}
			src := make([]byte, n)
			for i := range src {
				src[i] = byte(rng.Uint32())
			}
			want := make([]byte, n)
			cipher.NewCTR(block, iv[:]).XORKeyStream(want, src)
			got := make([]byte, n)
			c.XORKeyStream(got, src, &iv)
			if !bytes.Equal(got, want) {
				t.Fatalf("key=%d len=%d: keystream differs from crypto/cipher", klen, n)
			}
			// In place.
			c.XORKeyStream(src, src, &iv)
			if !bytes.Equal(src, want) {
				t.Fatalf("key=%d len=%d: in-place result differs", klen, n)
			}
		}
	}
}

func TestNoAllocs(t *testing.T) {
	c, _ := New(make([]byte, 16))
	buf := make([]byte, 1200)
	var iv [16]byte
	if n := testing.AllocsPerRun(100, func() { iv[15]++; c.XORKeyStream(buf, buf, &iv) }); n != 0 {
		t.Fatalf("XORKeyStream allocates %v times", n)
	}
}

func TestWipe(t *testing.T) {
	c, _ := New(bytes.Repeat([]byte{0x42}, 16))
	c.Wipe()
	if c.block != nil {
		t.Fatal("Wipe left key material")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("use after Wipe did not panic")
		}
	}()
	var iv [16]byte
	c.XORKeyStream(make([]byte, 16), make([]byte, 16), &iv)
}

func BenchmarkXORKeyStream1200(b *testing.B) {
	c, _ := New(make([]byte, 16))
	buf := make([]byte, 1200)
	var iv [16]byte
	b.SetBytes(1200)
	b.ReportAllocs()
	for b.Loop() {
		c.XORKeyStream(buf, buf, &iv)
	}
}

func BenchmarkStdlibNewCTR1200(b *testing.B) {
	block, _ := aes.NewCipher(make([]byte, 16))
	buf := make([]byte, 1200)
	var iv [16]byte
	b.SetBytes(1200)
	b.ReportAllocs()
	for b.Loop() {
		cipher.NewCTR(block, iv[:]).XORKeyStream(buf, buf)
	}
}

// Encrypting a message piece by piece at its offsets gives the keystream of
// the whole message, for every split point, including counters that carry.
func TestXORKeyStreamAt(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	key := make([]byte, 16)
	c, _ := New(key)
	for _, n := range []int{1, 15, 16, 17, 100, 1200} {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(rng.Uint32())
		}
		var iv [16]byte
		for i := range iv {
			iv[i] = 0xff // every increment carries through all 16 bytes
		}
		iv[15] = 0xfd
		want := make([]byte, n)
		c.XORKeyStream(want, msg, &iv)
		for cut1 := 0; cut1 <= n; cut1 += 1 + n/7 {
			for cut2 := cut1; cut2 <= n; cut2 += 1 + n/5 {
				got := make([]byte, n)
				c.XORKeyStreamAt(got[:cut1], msg[:cut1], &iv, 0)
				c.XORKeyStreamAt(got[cut1:cut2], msg[cut1:cut2], &iv, cut1)
				c.XORKeyStreamAt(got[cut2:], msg[cut2:], &iv, cut2)
				if !bytes.Equal(got, want) {
					t.Fatalf("n=%d cuts %d,%d: pieces differ from the whole", n, cut1, cut2)
				}
			}
		}
	}
}
