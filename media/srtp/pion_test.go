package srtp

// Differential tests against pion/srtp v3: for the same keys, header, payload
// and ROC our bytes equal pion's, pion opens what we seal, and we open what
// pion seals.

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	pionsrtp "github.com/pion/srtp/v3"
)

var allProfiles = []Profile{ProfileAES128CMSHA1_80, ProfileAES128CMSHA1_32, ProfileAEADAES128GCM, ProfileAEADAES256GCM}

// diffCase is one differential scenario, built from fuzz or random input.
type diffCase struct {
	p       Profile
	key     []byte
	salt    []byte
	ssrc    uint32
	roc     uint32
	seq     uint16
	step    uint16 // sequence number step between packets
	npkts   int
	flags   uint8 // bit 0 marker, 1 padding, 2 extension, 3 two-byte extension profile, 4..7 CSRC count
	ext     []byte
	payload []byte
	rtcpIdx uint32
}

func newDiffCase(psel uint8, keymat []byte, ssrc uint32, seq uint16, roc uint32, step uint16, npkts uint8,
	flags uint8, ext, payload []byte, rtcpIdx uint32) diffCase {
	p := allProfiles[int(psel)%len(allProfiles)]
	km := make([]byte, p.KeyLen()+p.SaltLen())
	copy(km, keymat)
	if len(ext) > 64 {
		ext = ext[:64]
	}
	if len(payload) > 1500 {
		payload = payload[:1500]
	}
	return diffCase{
		p: p, key: km[:p.KeyLen()], salt: km[p.KeyLen():], ssrc: ssrc, roc: roc, seq: seq, step: step,
		npkts: 1 + int(npkts%4), flags: flags, ext: ext, payload: payload,
		rtcpIdx: 1 + rtcpIdx%(maxSRTCPIndex-1),
	}
}

// header builds the RTP header of packet k.
func (c *diffCase) header(k int) []byte {
	cc := int(c.flags >> 4)
	h := make([]byte, 12, 12+4*cc+4+len(c.ext)+3)
	h[0] = 0x80 | byte(cc)
	if c.flags&2 != 0 {
		h[0] |= 0x20
	}
	h[1] = 96
	if c.flags&1 != 0 {
		h[1] |= 0x80
	}
	binary.BigEndian.PutUint16(h[2:], c.seq+uint16(k)*c.step)
	binary.BigEndian.PutUint32(h[4:], 0x01020304+uint32(k)*3000)
	binary.BigEndian.PutUint32(h[8:], c.ssrc)
	for i := range cc {
		h = binary.BigEndian.AppendUint32(h, 0xc0000000+uint32(i))
	}
	if c.flags&4 != 0 {
		// Well-formed RFC 8285 elements (pion's parser insists), carrying
		// the fuzzer's bytes.
		h[0] |= 0x10
		var body []byte
		prof := uint16(0xBEDE)
		rest := c.ext
		for id := 1; len(rest) > 0; id = id%14 + 1 {
			n := min(len(rest), 16)
			if c.flags&8 != 0 {
				prof = 0x1000
				body = append(body, byte(id), byte(n))
			} else {
				body = append(body, byte(id<<4|(n-1)))
			}
			body = append(body, rest[:n]...)
			rest = rest[n:]
		}
		body = append(body, make([]byte, (4-len(body)%4)%4)...)
		h = binary.BigEndian.AppendUint16(h, prof)
		h = binary.BigEndian.AppendUint16(h, uint16(len(body)/4))
		h = append(h, body...)
	}
	return h
}

// run seals c's packets with both implementations and compares. It returns
// false when pion refuses the input (a header its parser rejects).
func (c *diffCase) run(t testing.TB) bool {
	t.Helper()
	snd, err := NewSender(c.p, c.key, c.salt)
	if err != nil {
		t.Fatal(err)
	}
	defer snd.Close()
	st, err := snd.Stream(c.ssrc)
	if err != nil {
		t.Fatal(err)
	}
	st.setROC(c.roc)
	pEnc, err := pionsrtp.CreateContext(c.key, c.salt, pionsrtp.ProtectionProfile(c.p))
	if err != nil {
		t.Fatal(err)
	}
	pEnc.SetROC(c.ssrc, c.roc)
	pDec, err := pionsrtp.CreateContext(c.key, c.salt, pionsrtp.ProtectionProfile(c.p))
	if err != nil {
		t.Fatal(err)
	}
	pDec.SetROC(c.ssrc, c.roc)
	rcv, err := NewReceiver(c.p, c.key, c.salt, &ReceiverOpts{SSRCs: []uint32{c.ssrc}})
	if err != nil {
		t.Fatal(err)
	}
	defer rcv.Close()
	rcv.rtpSSRC[c.ssrc].top = uint64(c.roc) << 16

	var recvTop uint64
	seen := make(map[uint64]bool)
	for k := range c.npkts {
		hdr := c.header(k)
		plain := append(bytes.Clone(hdr), c.payload...)
		want, err := pEnc.EncryptRTP(nil, plain, nil)
		if err != nil {
			if k == 0 {
				t.Logf("pion refused %X: %v", hdr, err)
				return false
			}
			// pion's ROC overflow check; ours must refuse too.
			if _, err2 := st.SealRTP(make([]byte, 0, 2048), hdr, c.payload); err2 == nil {
				t.Fatalf("packet %d: pion refused (%v), we sealed", k, err)
			}
			return true
		}
		index, _ := estimateIndex(st.started, st.top, binary.BigEndian.Uint16(hdr[2:]))
		if k == 0 {
			recvTop = index
		}
		// Separate header and payload, as the packetizer calls it; every
		// other packet with the payload in pieces (a short head, as an FU-A
		// header, then the rest cut once more).
		var got []byte
		if k%2 == 0 {
			got, err = st.SealRTP(make([]byte, 0, 2048), hdr, c.payload)
		} else {
			a := min(len(c.payload), k%5)
			b := a + (len(c.payload)-a)*(k%7)/7
			got, err = st.SealRTPSegments(make([]byte, 0, 2048), hdr, [][]byte{c.payload[:a], c.payload[a:b], c.payload[b:]})
		}
		if err != nil {
			t.Fatalf("packet %d: SealRTP: %v", k, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%v packet %d (seq %d roc %d): ours\n%X\npion's\n%X", c.p, k, binary.BigEndian.Uint16(hdr[2:]), c.roc, got, want)
		}
		// pion opens ours.
		dec, err := pDec.DecryptRTP(nil, got, nil)
		if err != nil || !bytes.Equal(dec, plain) {
			t.Fatalf("%v packet %d: pion cannot open ours: %v", c.p, k, err)
		}
		// We open pion's, in place, unless its index is too far behind the
		// highest one (pion's decrypt context has no replay check).
		if behind := int64(recvTop) - int64(index); k > 0 && (behind >= ReplayWindow || seen[index]) {
			if _, err := rcv.OpenRTP(want[:0], want); err != ErrReplay {
				t.Fatalf("%v packet %d, %d behind: %v, want ErrReplay", c.p, k, behind, err)
			}
			continue
		}
		recvTop = max(recvTop, index)
		seen[index] = true
		opened, err := rcv.OpenRTP(want[:0], want)
		if err != nil || !bytes.Equal(opened, plain) {
			t.Fatalf("%v packet %d (seq %d roc %d step %d): we cannot open pion's: %v", c.p, k, binary.BigEndian.Uint16(hdr[2:]), c.roc, c.step, err)
		}
	}

	// SRTCP: an SR-shaped packet with the payload as report blocks.
	rtcpPkt := make([]byte, 8, 8+len(c.payload)+4)
	rtcpPkt[0], rtcpPkt[1] = 0x80, 200
	rtcpPkt = append(rtcpPkt, c.payload...)
	rtcpPkt = append(rtcpPkt, make([]byte, (4-len(rtcpPkt)%4)%4)...)
	binary.BigEndian.PutUint16(rtcpPkt[2:], uint16(len(rtcpPkt)/4-1))
	binary.BigEndian.PutUint32(rtcpPkt[4:], c.ssrc)
	pEnc.SetIndex(c.ssrc, c.rtcpIdx-1) // pion increments before sealing
	want, err := pEnc.EncryptRTCP(nil, rtcpPkt, nil)
	if err != nil {
		t.Fatalf("pion EncryptRTCP: %v", err)
	}
	st.setRTCPIndex(c.rtcpIdx)
	got, err := st.SealRTCP(make([]byte, 0, 2048), rtcpPkt)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%v SRTCP index %d: ours\n%X\npion's\n%X", c.p, c.rtcpIdx, got, want)
	}
	if dec, err := pDec.DecryptRTCP(nil, got, nil); err != nil || !bytes.Equal(dec, rtcpPkt) {
		t.Fatalf("%v: pion cannot open our SRTCP: %v", c.p, err)
	}
	if opened, err := rcv.OpenRTCP(make([]byte, 0, 2048), want); err != nil || !bytes.Equal(opened, rtcpPkt) {
		t.Fatalf("%v: we cannot open pion's SRTCP: %v", c.p, err)
	}
	return true
}

func TestSealEqualsPion(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	compared := 0
	bytesN := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	for i := range 2000 {
		var roc uint32
		switch i % 4 {
		case 1:
			roc = rng.Uint32()
		case 2:
			roc = 0xffffffff // the last ROC: sealing past it must fail
		}
		seq := uint16(rng.Uint32())
		if i%3 == 0 {
			seq = 0xfffe // wrap during the run
		}
		step := []uint16{1, 1, 2, 0x7fff, 0x8001, 0xffff}[i%6]
		n := []int{0, 1, 15, 16, 17, 100, 1200, 1500}[i%8]
		c := newDiffCase(uint8(i), bytesN(48), rng.Uint32(), seq, roc, step, uint8(i/7),
			uint8(rng.Uint32()), bytesN(i%13), bytesN(n), rng.Uint32())
		if c.run(t) {
			compared++
		}
	}
	if compared < 1900 {
		t.Errorf("only %d of 2000 cases compared: pion refused the rest", compared)
	}
}

// FuzzSealEqualsPion: random keys, headers (CSRCs, one- and two-byte
// extensions, padding bit), payloads, sequence numbers and ROCs; our bytes
// equal pion's, pion opens ours, we open pion's, for RTP and RTCP.
func FuzzSealEqualsPion(f *testing.F) {
	f.Add(uint8(0), []byte("0123456789abcdef0123456789abcdef"), uint32(0xcafebabe), uint16(0x1234), uint32(0), uint16(1), uint8(0), uint8(0), []byte{}, []byte("hello"), uint32(1))
	f.Add(uint8(1), []byte{1, 2, 3}, uint32(1), uint16(0xffff), uint32(7), uint16(1), uint8(3), uint8(0x35), []byte{0x10, 0xaa}, make([]byte, 1200), uint32(0x7ffffffe))
	f.Add(uint8(2), []byte("key"), uint32(2), uint16(0), uint32(0xffffffff), uint16(0xffff), uint8(2), uint8(0xfc), []byte{1, 2, 3, 4, 5}, []byte{}, uint32(5))
	f.Add(uint8(3), bytes.Repeat([]byte{0xff}, 44), uint32(3), uint16(0x8000), uint32(1), uint16(0x8001), uint8(3), uint8(0x0e), []byte{0, 1, 2}, make([]byte, 17), uint32(9))
	f.Fuzz(func(t *testing.T, psel uint8, keymat []byte, ssrc uint32, seq uint16, roc uint32, step uint16, npkts uint8,
		flags uint8, ext, payload []byte, rtcpIdx uint32) {
		c := newDiffCase(psel, keymat, ssrc, seq, roc, step, npkts, flags, ext, payload, rtcpIdx)
		c.run(t)
	})
}

// Our first SRTCP packet carries index 0 (RFC 3711 §3.4; pion and libsrtp
// start at 1): pion opens it with its replay protection on, and a stream of
// them in order.
func TestPionOpensSRTCPFromIndexZero(t *testing.T) {
	for _, p := range allProfiles {
		key, salt := testKeys(p)
		s, _ := NewSender(p, key, salt)
		st, _ := s.Stream(77)
		dec, err := pionsrtp.CreateContext(key, salt, pionsrtp.ProtectionProfile(p), pionsrtp.SRTCPReplayProtection(64))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			pkt, err := st.SealRTCP(make([]byte, 0, 200), rtcpSR(77, 3))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := dec.DecryptRTCP(nil, pkt, nil); err != nil {
				t.Fatalf("%v: pion refuses our SRTCP packet %d: %v", p, i, err)
			}
		}
	}
}
