package aesctr

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"testing"
)

// paths runs f once per implementation this build has: each assembly path
// the CPU supports (on amd64 AES-NI, then VAES on YMM and on ZMM registers
// when the CPU has them; see asmPaths) and the generic one over crypto/aes.
// Ciphers must be created inside f.
func paths(t testing.TB, f func(t testing.TB)) {
	t.Helper()
	saved := useAsm
	defer func() {
		useAsm = saved
		setAsmPath(-1)
	}()
	if saved {
		for i := range asmPaths() {
			useAsm = true
			setAsmPath(i)
			f(t)
			if c, _ := New(make([]byte, 16)); c.nr == 0 {
				t.Fatalf("path %s: the assembly path is not in use", pathName())
			}
		}
	}
	useAsm = false
	setAsmPath(-1)
	f(t)
	if c, _ := New(make([]byte, 16)); c.nr != 0 {
		t.Fatal("generic path: the assembly path is in use")
	}
}

// pathName names the implementation New now selects.
func pathName() string {
	if !useAsm {
		return "generic"
	}
	return asmPathName()
}

func TestAssemblyPathInUse(t *testing.T) {
	t.Logf("assembly path: %v; paths tested: %v", useAsm, asmPaths())
	if useAsm {
		t.Logf("default: %s", asmPathName())
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

// FIPS-197 Appendix C: the block function, here the first keystream block
// of the counter block equal to the plaintext.
func TestFIPS197AppendixC(t *testing.T) {
	for _, tc := range []struct{ key, ct string }{
		{"000102030405060708090a0b0c0d0e0f", "69c4e0d86a7b0430d8cdb78070b4c55a"},                                 // C.1 AES-128
		{"000102030405060708090a0b0c0d0e0f1011121314151617", "dda97ca4864cdfe06eaf70a0ec0d7191"},                 // C.2 AES-192
		{"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "8ea2b7ca516745bfeafc49904b496089"}, // C.3 AES-256
	} {
		paths(t, func(t testing.TB) {
			c, err := New(mustHex(t, tc.key))
			if err != nil {
				t.Fatal(err)
			}
			var pt [16]byte
			copy(pt[:], mustHex(t, "00112233445566778899aabbccddeeff"))
			got := make([]byte, 16)
			c.XORKeyStream(got, got, &pt)
			if want := mustHex(t, tc.ct); !bytes.Equal(got, want) {
				t.Errorf("key %s (path %s): %x, want %x", tc.key, pathName(), got, want)
			}
		})
	}
}

// RFC 3711 Appendix B.2: the AES-CM keystream, blocks 0-2 and 0xfeff-0xff01
// (the counter runs through the whole low 16 bits of the IV).
func TestRFC3711KeystreamB2(t *testing.T) {
	paths(t, func(t testing.TB) {
		c, _ := New(mustHex(t, "2B7E151628AED2A6ABF7158809CF4F3C"))
		var iv [16]byte
		copy(iv[:], mustHex(t, "F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"))
		ks := make([]byte, 0xff02*16)
		c.XORKeyStream(ks, ks, &iv)
		for _, tc := range []struct {
			block int
			want  string
		}{
			{0x0000, "E03EAD0935C95E80E166B16DD92B4EB4"},
			{0x0001, "D23513162B02D0F72A43A2FE4A5F97AB"},
			{0x0002, "41E95B3BB0A2E8DD477901E4FCA894C0"},
			{0xfeff, "EC8CDF7398607CB0F2D21675EA9EA1E4"},
			{0xff00, "362B7C3C6773516318A077D7FC5073AE"},
			{0xff01, "6A2CC3787889374FBEB4C81B17BA6C44"},
		} {
			if got := ks[tc.block*16 : tc.block*16+16]; !bytes.Equal(got, mustHex(t, tc.want)) {
				t.Errorf("path %s: keystream block %#04x = %X, want %s", pathName(), tc.block, got, tc.want)
			}
		}
	})
}

// diffCase checks one XORKeyStreamAt call against crypto/cipher.NewCTR:
// into a separate buffer and in place, with src and dst at the given
// misalignments. The expected output is the stdlib stream's bytes
// off..off+n of the message.
func diffCase(t testing.TB, key []byte, iv [16]byte, n, off, align int, data []byte) {
	t.Helper()
	c, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	src := make([]byte, align+n)[align:]
	copy(src, data)
	full := make([]byte, off+n)
	copy(full[off:], src)
	cipher.NewCTR(block, iv[:]).XORKeyStream(full, full)
	want := full[off:]

	dst := make([]byte, (align+1)%16+n+8)[(align+1)%16:]
	guard := bytes.Clone(dst[n:])
	c.XORKeyStreamAt(dst, src, &iv, off)
	if !bytes.Equal(dst[:n], want) {
		t.Fatalf("path %s key %d iv %x n %d off %d: differs from crypto/cipher", pathName(), len(key), iv, n, off)
	}
	if !bytes.Equal(dst[n:], guard) {
		t.Fatalf("path %s n %d off %d: wrote past len(src)", pathName(), n, off)
	}
	c.XORKeyStreamAt(src, src, &iv, off)
	if !bytes.Equal(src, want) {
		t.Fatalf("path %s key %d iv %x n %d off %d: in place differs from crypto/cipher", pathName(), len(key), iv, n, off)
	}
}

// randIV returns a random counter block, often with the low 16 bits near
// 0xffff (the SRTP block counter wrapping) or all low bytes 0xff so the
// increment carries across 64 bits or all 128.
func randIV(rng *rand.Rand) [16]byte {
	var iv [16]byte
	binary.BigEndian.PutUint64(iv[:8], rng.Uint64())
	binary.BigEndian.PutUint64(iv[8:], rng.Uint64())
	switch rng.IntN(5) {
	case 0:
		binary.BigEndian.PutUint16(iv[14:], uint16(0xffff-rng.IntN(300)))
	case 1:
		binary.BigEndian.PutUint64(iv[8:], ^uint64(rng.IntN(300)))
	case 2:
		iv = [16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		iv[15] -= byte(rng.IntN(256))
	}
	return iv
}

// Random keys of every size, counters (wrapping ones included), lengths
// 0..4096, offsets and alignments, on every path.
func TestDifferentialStdlib(t *testing.T) {
	iters := 3000
	if testing.Short() {
		iters = 300
	}
	paths(t, func(t testing.TB) {
		rng := rand.New(rand.NewPCG(5, 6))
		data := make([]byte, 4096)
		for i := range iters {
			key := make([]byte, []int{16, 24, 32}[i%3])
			for j := range key {
				key[j] = byte(rng.Uint32())
			}
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
			n := rng.IntN(4097)
			if i%4 == 0 {
				n = rng.IntN(300) // short ones often: every tail shape
			}
			off := 0
			if i%2 == 1 {
				off = rng.IntN(100)
			}
			diffCase(t, key, randIV(rng), n, off, rng.IntN(16), data[:n])
		}
		// Every length around the 1-, 4- and 8-block loop boundaries.
		key := make([]byte, 16)
		for n := range 300 {
			for _, off := range []int{0, 5, 16, 31} {
				diffCase(t, key, randIV(rng), n, off, n%16, data[:n])
			}
		}
	})
}

// Every whole-block count 0..300 (so every remainder of every path's 32-,
// 16-, 8-, 4- and 1-block loops), with and without a partial last block and
// a partial first one, from counters whose low 64 bits wrap at every
// position within the first batches, and from counters that wrap all 128
// bits, on every path and key size.
func TestWrapsEveryLength(t *testing.T) {
	step := 1
	if testing.Short() {
		step = 7
	}
	paths(t, func(t testing.TB) {
		rng := rand.New(rand.NewPCG(7, 8))
		data := make([]byte, 301*16+15)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		keys := [][]byte{make([]byte, 16), make([]byte, 24), make([]byte, 32)}
		for _, k := range keys {
			for j := range k {
				k[j] = byte(rng.Uint32())
			}
		}
		var ivs [][16]byte
		for d := range 40 { // low 64 bits 2^64-1-d: they wrap after d+1 blocks
			var iv [16]byte
			binary.BigEndian.PutUint64(iv[:8], rng.Uint64())
			binary.BigEndian.PutUint64(iv[8:], ^uint64(d))
			ivs = append(ivs, iv)
			binary.BigEndian.PutUint64(iv[:8], ^uint64(0)) // and all 128 bits
			ivs = append(ivs, iv)
		}
		for _, d := range []uint64{47, 63, 64, 65, 95, 127, 200, 299} {
			var iv [16]byte
			binary.BigEndian.PutUint64(iv[:8], ^uint64(0))
			binary.BigEndian.PutUint64(iv[8:], ^d)
			ivs = append(ivs, iv)
		}
		for range 4 {
			var iv [16]byte
			binary.BigEndian.PutUint64(iv[:8], rng.Uint64())
			binary.BigEndian.PutUint64(iv[8:], rng.Uint64())
			ivs = append(ivs, iv)
		}
		for blocks := 0; blocks <= 300; blocks++ {
			for _, tail := range []int{0, 7} {
				n := blocks*16 + tail
				for i := (blocks + tail) % step; i < len(ivs); i += step {
					off := []int{0, 0, 9, 16}[i%4]
					diffCase(t, keys[i%3], ivs[i], n, off, i%16, data[:n])
				}
			}
		}
	})
}

func FuzzDifferentialStdlib(f *testing.F) {
	f.Add(make([]byte, 16), make([]byte, 16), uint16(1200), uint8(0), uint8(0), []byte("seed"))
	f.Add(make([]byte, 32), bytes.Repeat([]byte{0xff}, 16), uint16(4096), uint8(17), uint8(3), []byte{1, 2, 3})
	f.Add(make([]byte, 24), append(make([]byte, 14), 0xff, 0xf0), uint16(333), uint8(5), uint8(1), []byte{})
	f.Fuzz(func(t *testing.T, key, ivb []byte, n uint16, off, align uint8, data []byte) {
		switch len(key) {
		case 16, 24, 32:
		default:
			return
		}
		var iv [16]byte
		copy(iv[:], ivb)
		ln := int(n) % 4097
		msg := make([]byte, ln)
		copy(msg, data)
		paths(t, func(t testing.TB) {
			diffCase(t, key, iv, ln, int(off), int(align)%16, msg)
		})
	})
}

func TestWipeZeroesSchedule(t *testing.T) {
	paths(t, func(t testing.TB) {
		c, _ := New(bytes.Repeat([]byte{0x42}, 32))
		c.Wipe()
		if c.block != nil || c.nr != 0 || c.rk != [len(c.rk)]byte{} {
			t.Fatal("Wipe left key material")
		}
	})
}

func TestNoAllocsEveryShape(t *testing.T) {
	paths(t, func(t testing.TB) {
		c, _ := New(make([]byte, 32))
		buf := make([]byte, 1300)
		var iv [16]byte
		for _, tc := range []struct{ lo, hi, off int }{{0, 1200, 0}, {3, 1203, 7}, {1, 18, 0}, {0, 5, 9}} {
			if n := testing.AllocsPerRun(50, func() {
				iv[15]++
				c.XORKeyStreamAt(buf[tc.lo:tc.hi], buf[tc.lo:tc.hi], &iv, tc.off)
			}); n != 0 {
				t.Fatalf("path %s %+v: allocates %v times", pathName(), tc, n)
			}
		}
	})
}

// benchPaths times XORKeyStream of a 1200-byte packet and of 16 KB on every
// path (see paths), as sub-benchmarks path/size.
func benchPaths(b *testing.B, keyLen int) {
	saved := useAsm
	defer func() {
		useAsm = saved
		setAsmPath(-1)
	}()
	var names []string
	if saved {
		names = asmPaths()
	}
	for i := -1; i < len(names); i++ {
		name := "generic"
		useAsm = i >= 0
		setAsmPath(i)
		if i >= 0 {
			name = names[i]
		}
		c, _ := New(make([]byte, keyLen))
		b.Run(name, func(b *testing.B) {
			for _, size := range []int{1200, 16384} {
				b.Run(strconv.Itoa(size), func(b *testing.B) {
					buf := make([]byte, size)
					var iv [16]byte
					b.SetBytes(int64(size))
					b.ReportAllocs()
					for b.Loop() {
						iv[13]++
						c.XORKeyStream(buf, buf, &iv)
					}
				})
			}
		})
	}
}

// Ours, per path, for the SRTP key size and AES-256.
func BenchmarkPathsAES128(b *testing.B) { benchPaths(b, 16) }
func BenchmarkPathsAES256(b *testing.B) { benchPaths(b, 32) }

// The stdlib with one stream for every call (no per-packet IV, so not
// usable for SRTP): the pipelined CTR without NewCTR's setup and allocation.
func BenchmarkStdlibReusedCTR1200(b *testing.B) {
	block, _ := aes.NewCipher(make([]byte, 16))
	var iv [16]byte
	s := cipher.NewCTR(block, iv[:])
	buf := make([]byte, 1200)
	b.SetBytes(1200)
	b.ReportAllocs()
	for b.Loop() {
		s.XORKeyStream(buf, buf)
	}
}

// Key setup: the assembly path's arithmetic (table-free) key schedule
// against crypto/aes's.
func BenchmarkInit(b *testing.B) {
	for _, n := range []int{16, 32} {
		b.Run(map[int]string{16: "AES128", 32: "AES256"}[n], func(b *testing.B) {
			key := make([]byte, n)
			var c Cipher
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Init(key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
