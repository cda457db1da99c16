package ghash

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// paths runs f once per implementation this build has: on amd64 the AVX2
// path and the SSE one (when the CPU has the instructions), on arm64 the
// PMULL path, and everywhere the generic one.
func paths(t testing.TB, f func(t testing.TB)) {
	t.Helper()
	savedAsm, savedAVX2 := useAsm, useAVX2
	defer func() { useAsm, useAVX2 = savedAsm, savedAVX2 }()
	for _, p := range []struct{ asm, avx2 bool }{{true, true}, {true, false}, {false, false}} {
		if p.asm && !savedAsm || p.avx2 && !savedAVX2 {
			continue
		}
		useAsm, useAVX2 = p.asm, p.avx2
		f(t)
	}
}

// pathName names the implementation in use.
func pathName() string {
	switch {
	case useAVX2:
		return "avx2"
	case useAsm:
		return "asm"
	}
	return "generic"
}

func TestAssemblyPathInUse(t *testing.T) {
	t.Logf("assembly path: %v, AVX2 path: %v", useAsm, useAVX2)
}

// TestKeyLayout pins the offsets ghash_amd64.s and ghash_arm64.s use.
func TestKeyLayout(t *testing.T) {
	var k Key
	if off := unsafe.Offsetof(k.pw); off != 0 {
		t.Errorf("Key.pw at %d, want 0", off)
	}
	if off := unsafe.Offsetof(k.kar); off != 256 {
		t.Errorf("Key.kar at %d, want 256", off)
	}
	if unsafe.Sizeof(k) != 512 {
		t.Errorf("Key is %d bytes, want 512", unsafe.Sizeof(k))
	}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ghashGCM is GHASH_H(A ‖ pad ‖ C ‖ pad ‖ [len(A)]64 ‖ [len(C)]64).
func ghashGCM(k *Key, a, c []byte) [BlockSize]byte {
	var y, lens [BlockSize]byte
	k.UpdatePadded(&y, a)
	k.UpdatePadded(&y, c)
	binary.BigEndian.PutUint64(lens[:8], uint64(len(a))*8)
	binary.BigEndian.PutUint64(lens[8:], uint64(len(c))*8)
	k.Update(&y, lens[:])
	return y
}

// sealTag is GCM's tag for key, a 12-byte nonce, aad and ciphertext ct:
// E_K(J0) ⊕ GHASH with J0 = nonce ‖ 0^31 ‖ 1 and H = E_K(0^128).
func sealTag(t testing.TB, key, nonce, aad, ct []byte) []byte {
	t.Helper()
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	var h, j0 [BlockSize]byte
	b.Encrypt(h[:], h[:])
	copy(j0[:], nonce)
	j0[15] = 1
	b.Encrypt(j0[:], j0[:])
	var k Key
	k.Init(&h)
	y := ghashGCM(&k, aad, ct)
	for i := range y {
		y[i] ^= j0[i]
	}
	return y[:]
}

// The McGrew–Viega GCM specification's test cases: GHASH(H, A, C) for test
// cases 1-4 (AES-128) and 18 (AES-256), and the tags of 1-4.
func TestMcGrewViega(t *testing.T) {
	const (
		p4  = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
		c4  = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
		c3  = c4 + "473f5985"
		aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2"
	)
	for _, tc := range []struct {
		name, key, h, iv, a, p, c, ghash, tag string
	}{
		{"1", "00000000000000000000000000000000", "66e94bd4ef8a2c3b884cfa59ca342b2e", "000000000000000000000000",
			"", "", "", "00000000000000000000000000000000", "58e2fccefa7e3061367f1d57a4e7455a"},
		{"2", "00000000000000000000000000000000", "66e94bd4ef8a2c3b884cfa59ca342b2e", "000000000000000000000000",
			"", "00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78",
			"f38cbb1ad69223dcc3457ae5b6b0f885", "ab6e47d42cec13bdf53a67b21257bddf"},
		{"3", "feffe9928665731c6d6a8f9467308308", "b83b533708bf535d0aa6e52980d53b78", "cafebabefacedbaddecaf888",
			"", p4 + "1aafd255", c3, "7f1b32b81b820d02614f8895ac1d4eac", "4d5c2af327cd64a62cf35abd2ba6fab4"},
		{"4", "feffe9928665731c6d6a8f9467308308", "b83b533708bf535d0aa6e52980d53b78", "cafebabefacedbaddecaf888",
			aad, p4, c4, "698e57f70e6ecc7fd9463b7260a9ae5f", "5bc94fbc3221a5db94fae95ae7121a47"},
		{"18", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "acbef20579b4b8ebce889bac8732dad7", "",
			aad, "", "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf40fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f",
			"d5ffcf6fc5ac4d69722187421a7f170b", ""},
	} {
		paths(t, func(t testing.TB) {
			key := mustHex(t, tc.key)
			b, _ := aes.NewCipher(key)
			var h [BlockSize]byte
			b.Encrypt(h[:], h[:])
			if want := mustHex(t, tc.h); !bytes.Equal(h[:], want) {
				t.Fatalf("case %s: H = %x, want %x", tc.name, h, want)
			}
			var k Key
			k.Init(&h)
			a, c := mustHex(t, tc.a), mustHex(t, tc.c)
			if got, want := ghashGCM(&k, a, c), mustHex(t, tc.ghash); !bytes.Equal(got[:], want) {
				t.Errorf("case %s (%s): GHASH %x, want %x", tc.name, pathName(), got, want)
			}
			if tc.tag == "" {
				return
			}
			iv := mustHex(t, tc.iv)
			if got, want := sealTag(t, key, iv, a, c), mustHex(t, tc.tag); !bytes.Equal(got, want) {
				t.Errorf("case %s (%s): tag %x, want %x", tc.name, pathName(), got, want)
			}
			// And crypto/cipher agrees with the spec's ciphertext and tag.
			g, _ := cipher.NewGCM(b)
			if got, want := g.Seal(nil, iv, mustHex(t, tc.p), a), mustHex(t, tc.c+tc.tag); !bytes.Equal(got, want) {
				t.Errorf("case %s: crypto/cipher seals %x, want %x", tc.name, got, want)
			}
		})
	}
}

// testLengths are the plaintext lengths every differential test covers,
// around the 16-byte block and the 8-block stride.
var testLengths = []int{0, 1, 15, 16, 17, 31, 32, 33, 112, 127, 128, 129, 143, 144, 255, 256, 257, 1023, 1200, 1201, 4095, 4096}

// checkStdlib compares the tag of sealTag with crypto/cipher's Seal.
func checkStdlib(t testing.TB, key, nonce, aad, pt []byte) {
	t.Helper()
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		t.Fatal(err)
	}
	sealed := g.Seal(nil, nonce, pt, aad)
	ct, want := sealed[:len(pt)], sealed[len(pt):]
	if got := sealTag(t, key, nonce, aad, ct); !bytes.Equal(got, want) {
		t.Fatalf("%s: key %x nonce %x aad %x (len %d) pt len %d: tag %x, want %x",
			pathName(), key, nonce, aad, len(aad), len(pt), got, want)
	}
}

func TestMatchesStdlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := 3000
	if testing.Short() {
		cases = 300
	}
	buf := make([]byte, 4096+64)
	paths(t, func(t testing.TB) {
		for i := range cases {
			key := make([]byte, []int{16, 24, 32}[rng.IntN(3)])
			nonce := make([]byte, 12)
			fill(rng, key)
			fill(rng, nonce)
			aad := buf[:rng.IntN(65)]
			fill(rng, aad)
			var n int
			if i < len(testLengths) {
				n = testLengths[i]
			} else if i%2 == 0 {
				n = rng.IntN(4097)
			} else {
				n = 16*rng.IntN(257) + rng.IntN(3) - 1
				n = max(n, 0)
			}
			pt := make([]byte, n)
			fill(rng, pt)
			checkStdlib(t, key, nonce, aad, pt)
		}
	})
}

func fill(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}

// TestAsmMatchesGeneric runs both paths over the same keys, accumulators
// and data, whole and in pieces of random whole-block sizes.
func TestAsmMatchesGeneric(t *testing.T) {
	if !useAsm {
		t.Skip("no assembly path on this machine/build")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 64*BlockSize)
	for i := range 2000 {
		var h, y0 [BlockSize]byte
		fill(rng, h[:])
		fill(rng, y0[:])
		switch i {
		case 0:
			h = [BlockSize]byte{} // H = 0
		case 1:
			h = [BlockSize]byte{0: 0x80} // H = 1
		case 2:
			for j := range h {
				h[j] = 0xff
			}
		}
		var k Key
		k.Init(&h)
		n := i % 65
		blocks := data[:n*BlockSize]
		fill(rng, blocks)
		want := y0
		k.updateGeneric(&want, blocks)
		paths(t, func(t testing.TB) {
			got := y0
			k.Update(&got, blocks)
			if got != want {
				t.Fatalf("%s: H %x y %x, %d blocks: %x, generic %x", pathName(), h, y0, n, got, want)
			}
			// In pieces.
			got = y0
			for rest := blocks; len(rest) > 0; {
				m := BlockSize * (1 + rng.IntN(len(rest)/BlockSize))
				k.Update(&got, rest[:m])
				rest = rest[m:]
			}
			if got != want {
				t.Fatalf("%s: H %x y %x, %d blocks in pieces: %x, generic %x", pathName(), h, y0, n, got, want)
			}
		})
	}
}

// clmulRef is a bit-by-bit carry-less product.
func clmulRef(x, y uint64) (hi, lo uint64) {
	for i := range 64 {
		if y>>i&1 == 1 {
			lo ^= x << i
			if i > 0 {
				hi ^= x >> (64 - i)
			}
		}
	}
	return hi, lo
}

func TestClmul64(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	special := []uint64{0, 1, 2, 1<<63 | 1, ^uint64(0), ^uint64(0) >> 1, 0x8000000000000000, polyHigh,
		0x1084210842108421, 0x8421084210842108, 0x5555555555555555, 0xaaaaaaaaaaaaaaaa}
	check := func(x, y uint64) {
		gh, gl := clmul64(x, y)
		wh, wl := clmulRef(x, y)
		if gh != wh || gl != wl {
			t.Fatalf("clmul64(%#x, %#x) = %#x:%#x, want %#x:%#x", x, y, gh, gl, wh, wl)
		}
	}
	for _, x := range special {
		for _, y := range special {
			check(x, y)
		}
	}
	for range 100000 {
		check(rng.Uint64(), rng.Uint64())
	}
	for x := range uint64(64) {
		ph, pl := mulPoly(1 << x)
		wh, wl := clmulRef(1<<x, polyHigh)
		if ph != wh || pl != wl {
			t.Fatalf("mulPoly(1<<%d) = %#x:%#x, want %#x:%#x", x, ph, pl, wh, wl)
		}
	}
	for x := range 5 {
		for i := range 64 {
			if got := classMask[x]>>i&1 == 1; got != (i%5 == x) {
				t.Fatalf("classMask[%d] bit %d = %v", x, i, got)
			}
		}
	}
}

func TestUpdatePanicsOnPartialBlock(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Update of 17 bytes did not panic")
		}
	}()
	var k Key
	var y [BlockSize]byte
	k.Update(&y, make([]byte, 17))
}

func TestWipe(t *testing.T) {
	var k Key
	h := [BlockSize]byte{1, 2, 3}
	k.Init(&h)
	k.Wipe()
	if k != (Key{}) {
		t.Fatal("Wipe left key material")
	}
}

func TestNoAllocs(t *testing.T) {
	var k Key
	h := [BlockSize]byte{1, 2, 3}
	k.Init(&h)
	data := make([]byte, 1203)
	paths(t, func(t testing.TB) {
		var y [BlockSize]byte
		if n := testing.AllocsPerRun(100, func() {
			k.UpdatePadded(&y, data)
			k.Update(&y, data[:1200])
		}); n != 0 {
			t.Errorf("%s: %v allocations per run", pathName(), n)
		}
	})
}

func FuzzDifferentialStdlib(f *testing.F) {
	f.Add(make([]byte, 16), []byte{}, []byte{})
	f.Add(make([]byte, 32), []byte("aad"), make([]byte, 1200))
	f.Add(make([]byte, 24), make([]byte, 20), make([]byte, 129))
	f.Fuzz(func(t *testing.T, key, aad, pt []byte) {
		switch {
		case len(key) >= 32:
			key = key[:32]
		case len(key) >= 24:
			key = key[:24]
		case len(key) >= 16:
			key = key[:16]
		default:
			return
		}
		nonce := make([]byte, 12)
		copy(nonce, pt)
		paths(t, func(t testing.TB) { checkStdlib(t, key, nonce, aad, pt) })
	})
}
