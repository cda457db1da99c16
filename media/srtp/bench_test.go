package srtp

// Benchmarks of the hot path and, in the same run, its floor: the cheapest
// way to do the same cryptography with the standard library (cipher.NewCTR
// and HMAC-SHA1 pre-created; AES-GCM Seal with a pre-created AEAD), and
// pion/srtp's own seal. The goal: ours within 1.2× the floor.
//
//	go test -run '^$' -bench . -benchmem ./media/srtp/

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // SRTP's HMAC-SHA1.
	"encoding/binary"
	"testing"

	"github.com/pion/rtp"
	pionsrtp "github.com/pion/srtp/v3"
)

const benchPayload = 1200

func BenchmarkSealRTP(b *testing.B) {
	for _, p := range allProfiles {
		b.Run(p.String(), func(b *testing.B) {
			key, salt := testKeys(p)
			s, _ := NewSender(p, key, salt)
			st, _ := s.Stream(1)
			hdr := rtpHeader(1, 0, 0, -1)
			payload := make([]byte, benchPayload)
			pkt := make([]byte, 12, 1500)
			copy(pkt, hdr)
			b.SetBytes(benchPayload)
			b.ReportAllocs()
			seq := uint16(0)
			for b.Loop() {
				seq++
				binary.BigEndian.PutUint16(pkt[2:], seq)
				if _, err := st.SealRTP(pkt[:0], pkt[:12], payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSealRTPInPlace(b *testing.B) {
	for _, p := range allProfiles {
		b.Run(p.String(), func(b *testing.B) {
			key, salt := testKeys(p)
			s, _ := NewSender(p, key, salt)
			st, _ := s.Stream(1)
			pkt := make([]byte, 12+benchPayload, 1500)
			copy(pkt, rtpHeader(1, 0, 0, -1))
			b.SetBytes(benchPayload)
			b.ReportAllocs()
			seq := uint16(0)
			for b.Loop() {
				seq++
				binary.BigEndian.PutUint16(pkt[2:], seq)
				if _, err := st.SealRTPInPlace(pkt[:12+benchPayload]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPionSeal(b *testing.B) {
	for _, p := range allProfiles {
		b.Run(p.String(), func(b *testing.B) {
			key, salt := testKeys(p)
			ctx, err := pionsrtp.CreateContext(key, salt, pionsrtp.ProtectionProfile(p))
			if err != nil {
				b.Fatal(err)
			}
			pkt := make([]byte, 12+benchPayload, 1500)
			copy(pkt, rtpHeader(1, 0, 0, -1))
			var hdr rtp.Header
			b.SetBytes(benchPayload)
			b.ReportAllocs()
			seq := uint16(0)
			for b.Loop() {
				seq++
				binary.BigEndian.PutUint16(pkt[2:], seq)
				if _, err := ctx.EncryptRTP(pkt[:0], pkt[:12+benchPayload], &hdr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFloor is the cryptography alone, as cheap as the standard library
// makes it: per packet one cipher.NewCTR over the payload plus HMAC-SHA1 of
// header and payload (AES-CM), or one AES-GCM Seal.
func BenchmarkFloor(b *testing.B) {
	pkt := make([]byte, 12+benchPayload, 1500)
	b.Run("AES_CM_128+HMAC_SHA1", func(b *testing.B) {
		block, _ := aes.NewCipher(make([]byte, 16))
		mac := hmac.New(sha1.New, make([]byte, 20))
		var iv [16]byte
		var tag [sha1.Size]byte
		b.SetBytes(benchPayload)
		b.ReportAllocs()
		for b.Loop() {
			iv[13]++
			cipher.NewCTR(block, iv[:]).XORKeyStream(pkt[12:], pkt[12:])
			mac.Reset()
			mac.Write(pkt)
			mac.Write(iv[:4])
			mac.Sum(tag[:0])
		}
	})
	for _, n := range []int{16, 32} {
		b.Run("AES_GCM_"+map[int]string{16: "128", 32: "256"}[n], func(b *testing.B) {
			block, _ := aes.NewCipher(make([]byte, n))
			aead, _ := cipher.NewGCM(block)
			var nonce [12]byte
			payload := make([]byte, benchPayload)
			b.SetBytes(benchPayload)
			b.ReportAllocs()
			for b.Loop() {
				nonce[11]++
				aead.Seal(pkt[:12], nonce[:], payload, pkt[:12])
			}
		})
	}
}

func BenchmarkOpenRTP(b *testing.B) {
	for _, p := range allProfiles {
		b.Run(p.String(), func(b *testing.B) {
			key, salt := testKeys(p)
			s, _ := NewSender(p, key, salt)
			st, _ := s.Stream(1)
			// A ring of sealed packets; the receiver is reset when it wraps
			// (outside the timer) so no packet counts as a replay.
			const ring = 1024
			pkts := make([][]byte, ring)
			for i := range pkts {
				pkts[i], _ = st.SealRTP(make([]byte, 0, 1500), rtpHeader(1, uint16(i), 0, -1), make([]byte, benchPayload))
			}
			work := make([]byte, 1500)
			newRecv := func() *Receiver {
				r, _ := NewReceiver(p, key, salt, &ReceiverOpts{SSRCs: []uint32{1}})
				return r
			}
			r := newRecv()
			b.SetBytes(benchPayload)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i == ring {
					b.StopTimer()
					r, i = newRecv(), 0
					b.StartTimer()
				}
				if _, err := r.OpenRTP(work[:0], pkts[i]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
