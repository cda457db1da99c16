package srtp

import (
	"bytes"
	"errors"
	"sync"
	"testing"
)

// The fuzzed receivers know one key; the corpus is seeded with packets sealed
// with it (so the fuzzer starts from valid packets and mutates them) and
// with another key. Property: opening never panics, every failure is a typed
// rejection (or ErrShortBuffer, impossible here), and a packet is accepted
// only if it is byte for byte one that the genuine sender sealed.

var (
	fuzzOnce    sync.Once
	fuzzSealed  map[string]bool // every packet sealed with the genuine keys
	fuzzRTP     [][]byte
	fuzzRTCP    [][]byte
	fuzzProfile = []Profile{ProfileAES128CMSHA1_80, ProfileAES128CMSHA1_32, ProfileAEADAES128GCM, ProfileAEADAES256GCM}
)

func fuzzSetup() {
	fuzzSealed = make(map[string]bool)
	for _, p := range fuzzProfile {
		key, salt := testKeys(p)
		for k := range 2 {
			if k == 1 {
				key[0] ^= 0xff // another key: its packets must never open
			}
			s, _ := NewSender(p, key, salt)
			for _, ssrc := range []uint32{1, 2, 3} {
				st, _ := s.Stream(ssrc)
				for i, seq := range []uint16{0, 1, 65535, 3, 1000} {
					pkt, err := st.SealRTP(make([]byte, 0, 256), rtpHeader(ssrc, seq, i%3, i-2), bytes.Repeat([]byte{byte(i)}, 7*i))
					if err != nil {
						panic(err)
					}
					pkt2, err := st.SealRTCP(make([]byte, 0, 256), rtcpSR(ssrc, i))
					if err != nil {
						panic(err)
					}
					if k == 0 {
						fuzzSealed[string(pkt)] = true
						fuzzSealed[string(pkt2)] = true
					}
					fuzzRTP = append(fuzzRTP, pkt)
					fuzzRTCP = append(fuzzRTCP, pkt2)
				}
			}
			s.Close()
		}
	}
}

func fuzzReceiver(t *testing.T, psel uint8) *Receiver {
	p := fuzzProfile[int(psel)%len(fuzzProfile)]
	key, salt := testKeys(p)
	// SSRC 1 and 2 bound, 3 learnable.
	r, err := NewReceiver(p, key, salt, &ReceiverOpts{SSRCs: []uint32{1, 2}, LearnRTP: 1, LearnRTCP: 1})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func checkOpen(t *testing.T, pkt, out []byte, err error) {
	if err == nil {
		if !fuzzSealed[string(pkt)] {
			t.Fatalf("accepted a packet never sealed with the key: %X", pkt)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("untyped rejection: %v", err)
	}
}

func FuzzOpenRTP(f *testing.F) {
	fuzzOnce.Do(fuzzSetup)
	for i, pkt := range fuzzRTP {
		f.Add(uint8(i/30), pkt)
	}
	f.Add(uint8(0), []byte{})
	f.Add(uint8(0), []byte{0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, psel uint8, pkt []byte) {
		r := fuzzReceiver(t, psel)
		defer r.Close()
		in := bytes.Clone(pkt)
		out, err := r.OpenRTP(make([]byte, 0, len(pkt)), in)
		checkOpen(t, pkt, out, err)
		if !bytes.Equal(in, pkt) {
			t.Fatal("OpenRTP modified its input when not in place")
		}
		// Again in place on a fresh receiver: same verdict.
		r2 := fuzzReceiver(t, psel)
		defer r2.Close()
		out2, err2 := r2.OpenRTP(in[:0], in)
		checkOpen(t, pkt, out2, err2)
		if (err == nil) != (err2 == nil) || err == nil && !bytes.Equal(out, out2) {
			t.Fatalf("in place and not in place disagree: %v / %v", err, err2)
		}
	})
}

func FuzzOpenRTCP(f *testing.F) {
	fuzzOnce.Do(fuzzSetup)
	for i, pkt := range fuzzRTCP {
		f.Add(uint8(i/30), pkt)
	}
	f.Add(uint8(0), []byte{0x80, 200, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, psel uint8, pkt []byte) {
		r := fuzzReceiver(t, psel)
		defer r.Close()
		in := bytes.Clone(pkt)
		out, err := r.OpenRTCP(make([]byte, 0, len(pkt)), in)
		checkOpen(t, pkt, out, err)
		if !bytes.Equal(in, pkt) {
			t.Fatal("OpenRTCP modified its input when not in place")
		}
		r2 := fuzzReceiver(t, psel)
		defer r2.Close()
		out2, err2 := r2.OpenRTCP(in[:0], in)
		checkOpen(t, pkt, out2, err2)
		if (err == nil) != (err2 == nil) || err == nil && !bytes.Equal(out, out2) {
			t.Fatalf("in place and not in place disagree: %v / %v", err, err2)
		}
	})
}
