package srtp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sync"
	"testing"
)

func testKeys(p Profile) (key, salt []byte) {
	key = make([]byte, p.KeyLen())
	salt = make([]byte, p.SaltLen())
	for i := range key {
		key[i] = byte(i*7 + 1)
	}
	for i := range salt {
		salt[i] = byte(i*13 + 5)
	}
	return key, salt
}

func pair(t testing.TB, p Profile, opts *ReceiverOpts) (*Sender, *Receiver) {
	t.Helper()
	key, salt := testKeys(p)
	s, err := NewSender(p, key, salt)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReceiver(p, key, salt, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); r.Close() })
	return s, r
}

func rtpHeader(ssrc uint32, seq uint16, csrcs int, extWords int) []byte {
	h := make([]byte, 12)
	h[0] = 0x80 | byte(csrcs)
	h[1] = 96
	binary.BigEndian.PutUint16(h[2:], seq)
	binary.BigEndian.PutUint32(h[4:], 90000)
	binary.BigEndian.PutUint32(h[8:], ssrc)
	for i := range csrcs {
		h = binary.BigEndian.AppendUint32(h, uint32(i+1))
	}
	if extWords >= 0 {
		h[0] |= 0x10
		h = binary.BigEndian.AppendUint16(h, 0xBEDE)
		h = binary.BigEndian.AppendUint16(h, uint16(extWords))
		h = append(h, bytes.Repeat([]byte{0x22}, 4*extWords)...)
	}
	return h
}

func rtcpSR(ssrc uint32, n int) []byte {
	b := make([]byte, 8+4*n)
	b[0], b[1] = 0x80, 200
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)/4-1))
	binary.BigEndian.PutUint32(b[4:], ssrc)
	for i := 8; i < len(b); i++ {
		b[i] = byte(i)
	}
	return b
}

func TestRoundTripShapes(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(p.String(), func(t *testing.T) {
			s, r := pair(t, p, &ReceiverOpts{SSRCs: []uint32{42}})
			st, _ := s.Stream(42)
			seq := uint16(100)
			for _, csrcs := range []int{0, 1, 15} {
				for _, ext := range []int{-1, 0, 1, 5} {
					for _, n := range []int{0, 1, 16, 17, 1200, 1400} {
						seq++
						hdr := rtpHeader(42, seq, csrcs, ext)
						payload := bytes.Repeat([]byte{byte(n)}, n)
						plain := append(bytes.Clone(hdr), payload...)
						// Separate header and payload.
						srtp, err := st.SealRTP(make([]byte, 0, 2000), hdr, payload)
						if err != nil {
							t.Fatal(err)
						}
						if len(srtp) != len(plain)+p.RTPOverhead() || !bytes.Equal(srtp[:len(hdr)], hdr) {
							t.Fatalf("sealed length %d or header changed", len(srtp))
						}
						if n > 0 && bytes.Equal(srtp[len(hdr):len(plain)], payload) {
							t.Fatal("payload not encrypted")
						}
						got, err := r.OpenRTP(make([]byte, 0, 2000), srtp)
						if err != nil || !bytes.Equal(got, plain) {
							t.Fatalf("open: %v", err)
						}
						// In place, from an assembled packet with tag room.
						seq++
						binary.BigEndian.PutUint16(plain[2:], seq)
						buf := make([]byte, len(plain), len(plain)+p.RTPOverhead())
						copy(buf, plain)
						srtp, err = st.SealRTPInPlace(buf)
						if err != nil || &srtp[0] != &buf[0] {
							t.Fatalf("in place: %v", err)
						}
						got, err = r.OpenRTP(srtp[:0], srtp)
						if err != nil || !bytes.Equal(got, plain) {
							t.Fatalf("open in place: %v", err)
						}
						// Header already in the packet buffer, payload elsewhere:
						// the packetizer's layout.
						seq++
						binary.BigEndian.PutUint16(hdr[2:], seq)
						pb := make([]byte, len(hdr), 2000)
						copy(pb, hdr)
						srtp, err = st.SealRTP(pb[:0], pb[:len(hdr)], payload)
						if err != nil {
							t.Fatal(err)
						}
						if _, err = r.OpenRTP(make([]byte, 0, 2000), srtp); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			for _, n := range []int{0, 1, 4, 100, 300} {
				pkt := rtcpSR(42, n)
				srtcp, err := st.SealRTCP(make([]byte, 0, 2000), pkt)
				if err != nil {
					t.Fatal(err)
				}
				if len(srtcp) != len(pkt)+p.RTCPOverhead() {
					t.Fatalf("SRTCP length %d", len(srtcp))
				}
				got, err := r.OpenRTCP(srtcp[:0], srtcp)
				if err != nil || !bytes.Equal(got, pkt) {
					t.Fatalf("open RTCP: %v", err)
				}
			}
		})
	}
}

// The sender's ROC counts sequence number wraps (RFC 3711 §3.3.1), and the
// receiver follows, including reordering across the wrap.
func TestROCWrap(t *testing.T) {
	for _, p := range allProfiles {
		s, r := pair(t, p, &ReceiverOpts{SSRCs: []uint32{7}})
		st, _ := s.Stream(7)
		var pkts [][]byte
		for i := range 12 {
			seq := uint16(65530 + i) // 65530..65535, 0..5
			pkt, err := st.SealRTP(make([]byte, 0, 100), rtpHeader(7, seq, 0, -1), []byte("payload"))
			if err != nil {
				t.Fatal(err)
			}
			pkts = append(pkts, pkt)
		}
		if st.top != 1<<16|5 {
			t.Fatalf("%v: sender index %#x after the wrap, want ROC 1 seq 5", p, st.top)
		}
		// Deliver 0 (ROC 1) before 65535 (ROC 0), and the rest shuffled.
		for _, i := range []int{0, 1, 2, 3, 4, 6, 5, 7, 11, 9, 8, 10} {
			if _, err := r.OpenRTP(make([]byte, 0, 100), pkts[i]); err != nil {
				t.Fatalf("%v: packet %d: %v", p, i, err)
			}
		}
		if w := r.rtpSSRC[7]; w.top != 1<<16|5 {
			t.Fatalf("%v: receiver index %#x", p, w.top)
		}
	}
}

func TestReplay(t *testing.T) {
	for _, p := range allProfiles {
		s, r := pair(t, p, &ReceiverOpts{SSRCs: []uint32{9}})
		st, _ := s.Stream(9)
		var pkts [][]byte
		for seq := range uint16(ReplayWindow + 10) {
			pkt, _ := st.SealRTP(make([]byte, 0, 100), rtpHeader(9, seq, 0, -1), []byte{1, 2, 3})
			pkts = append(pkts, pkt)
		}
		open := func(i int) error {
			_, err := r.OpenRTP(make([]byte, 0, 100), pkts[i])
			return err
		}
		if err := open(ReplayWindow + 9); err != nil {
			t.Fatal(err)
		}
		if err := open(ReplayWindow + 9); err != ErrReplay {
			t.Fatalf("%v: duplicate: %v", p, err)
		}
		if err := open(10); err != nil { // exactly at the window's edge
			t.Fatalf("%v: oldest in window: %v", p, err)
		}
		if err := open(9); err != ErrReplay { // behind the window
			t.Fatalf("%v: behind window: %v", p, err)
		}
		if err := open(100); err != nil {
			t.Fatal(err)
		}
		if err := open(100); err != ErrReplay {
			t.Fatal(err)
		}
		// SRTCP: per-packet index.
		sr := rtcpSR(9, 2)
		a, _ := st.SealRTCP(make([]byte, 0, 100), sr)
		b, _ := st.SealRTCP(make([]byte, 0, 100), sr)
		if _, err := r.OpenRTCP(make([]byte, 0, 100), b); err != nil {
			t.Fatal(err)
		}
		if _, err := r.OpenRTCP(make([]byte, 0, 100), a); err != nil {
			t.Fatalf("%v: reordered SRTCP: %v", p, err)
		}
		if _, err := r.OpenRTCP(make([]byte, 0, 100), a); err != ErrReplay {
			t.Fatalf("%v: replayed SRTCP: %v", p, err)
		}
		if st := r.Stats(); st.Replayed != 4 {
			t.Fatalf("%v: %d replays counted, want 4", p, st.Replayed)
		}
	}
}

// Every rejected packet gets its typed error, is counted, and leaves the
// state untouched: the genuine packet still opens afterwards.
func TestRejections(t *testing.T) {
	for _, p := range allProfiles {
		s, r := pair(t, p, &ReceiverOpts{SSRCs: []uint32{5}})
		st, _ := s.Stream(5)
		good, _ := st.SealRTP(make([]byte, 0, 200), rtpHeader(5, 1000, 2, 1), bytes.Repeat([]byte{9}, 50))
		goodRTCP, _ := st.SealRTCP(make([]byte, 0, 200), rtcpSR(5, 6))
		other, _ := s.Stream(6)
		unknown, _ := other.SealRTP(make([]byte, 0, 200), rtpHeader(6, 1, 0, -1), []byte{1})
		unknownRTCP, _ := other.SealRTCP(make([]byte, 0, 200), rtcpSR(6, 1))

		check := func(name string, pkt []byte, rtcp bool, want *Error) {
			t.Helper()
			var err error
			if rtcp {
				_, err = r.OpenRTCP(make([]byte, 0, 300), pkt)
			} else {
				_, err = r.OpenRTP(make([]byte, 0, 300), pkt)
			}
			var e *Error
			if !errors.As(err, &e) || e != want {
				t.Errorf("%v %s: %v, want %v", p, name, err, want)
			}
		}
		// Every single-bit flip anywhere is an authentication failure,
		// unless it breaks the header parse first.
		for i := range len(good) * 8 {
			bad := bytes.Clone(good)
			bad[i/8] ^= 1 << (i % 8)
			_, err := r.OpenRTP(make([]byte, 0, 300), bad)
			if err == nil {
				t.Fatalf("%v: bit %d flipped and accepted", p, i)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%v: untyped error %v", p, err)
			}
		}
		for i := range len(goodRTCP) * 8 {
			bad := bytes.Clone(goodRTCP)
			bad[i/8] ^= 1 << (i % 8)
			if _, err := r.OpenRTCP(make([]byte, 0, 300), bad); err == nil {
				t.Fatalf("%v: RTCP bit %d flipped and accepted", p, i)
			}
		}
		check("tag cut", good[:len(good)-1], false, ErrAuth)
		check("only header", good[:12+8+8], false, ErrTooShort)
		check("short", good[:11], false, ErrTooShort)
		check("empty", nil, false, ErrTooShort)
		check("version 1", append([]byte{0x40}, good[1:]...), false, ErrMalformed)
		check("unknown ssrc", unknown, false, ErrUnknownSSRC)
		check("rtcp unknown ssrc", unknownRTCP, true, ErrUnknownSSRC)
		check("rtcp short", goodRTCP[:8+3], true, ErrTooShort)
		check("rtcp version 0", append([]byte{0x00}, goodRTCP[1:]...), true, ErrMalformed)
		check("rtcp tag cut", goodRTCP[:len(goodRTCP)-1], true, ErrAuth)
		// A packet sealed with another key.
		key, salt := testKeys(p)
		key[0] ^= 1
		s2, _ := NewSender(p, key, salt)
		st2, _ := s2.Stream(5)
		forged, _ := st2.SealRTP(make([]byte, 0, 200), rtpHeader(5, 1001, 0, -1), []byte("forged"))
		check("other key", forged, false, ErrAuth)

		if _, err := r.OpenRTP(make([]byte, 0, 300), good); err != nil {
			t.Fatalf("%v: genuine packet after rejections: %v", p, err)
		}
		if _, err := r.OpenRTCP(make([]byte, 0, 300), goodRTCP); err != nil {
			t.Fatalf("%v: genuine RTCP after rejections: %v", p, err)
		}
		got := r.Stats()
		if got.RTP != 1 || got.RTCP != 1 || got.UnknownSSRC < 2 || got.AuthFailed == 0 ||
			got.TooShort < 4 || got.Malformed < 2 || got.Rejected() == 0 {
			t.Errorf("%v: stats %+v", p, got)
		}
	}
}

// Unannounced SSRCs: refused without a learning budget; with one, adopted
// only after authentication and never beyond the budget.
func TestLearnSSRC(t *testing.T) {
	s, r := pair(t, ProfileAES128CMSHA1_80, &ReceiverOpts{LearnRTCP: 1})
	for _, ssrc := range []uint32{1, 2} {
		st, _ := s.Stream(ssrc)
		pkt, _ := st.SealRTCP(make([]byte, 0, 100), rtcpSR(ssrc, 1))
		forged := bytes.Clone(pkt)
		forged[len(forged)-1] ^= 1
		if _, err := r.OpenRTCP(make([]byte, 0, 100), forged); err != ErrAuth && ssrc == 1 {
			t.Fatalf("forged RTCP from a new SSRC: %v", err)
		}
		_, err := r.OpenRTCP(make([]byte, 0, 100), pkt)
		if ssrc == 1 && err != nil {
			t.Fatalf("first unannounced RTCP SSRC: %v", err)
		}
		if ssrc == 2 && err != ErrUnknownSSRC {
			t.Fatalf("second unannounced SSRC past the budget: %v", err)
		}
		rtp, _ := st.SealRTP(make([]byte, 0, 100), rtpHeader(ssrc, 1, 0, -1), []byte{1})
		if _, err := r.OpenRTP(make([]byte, 0, 100), rtp); err != ErrUnknownSSRC {
			t.Fatalf("RTP from unannounced SSRC: %v", err)
		}
	}
	if len(r.rtcpSSRC) != 1 {
		t.Fatalf("%d SRTCP states, want 1", len(r.rtcpSSRC))
	}
	r.AddSSRC(2)
	st, _ := s.Stream(2)
	rtp, _ := st.SealRTP(make([]byte, 0, 100), rtpHeader(2, 2, 0, -1), []byte{1})
	if _, err := r.OpenRTP(make([]byte, 0, 100), rtp); err != nil {
		t.Fatal(err)
	}
	r.RemoveSSRC(2)
	rtp, _ = st.SealRTP(make([]byte, 0, 100), rtpHeader(2, 3, 0, -1), []byte{1})
	if _, err := r.OpenRTP(make([]byte, 0, 100), rtp); err != ErrUnknownSSRC {
		t.Fatal(err)
	}
}

func TestSealErrors(t *testing.T) {
	s, _ := pair(t, ProfileAES128CMSHA1_80, nil)
	st, _ := s.Stream(1)
	hdr := rtpHeader(1, 1, 0, -1)
	payload := make([]byte, 100)
	if _, err := st.SealRTP(make([]byte, 0, 121), hdr, payload); err != ErrShortBuffer {
		t.Errorf("short buffer: %v", err)
	}
	if _, err := st.SealRTP(make([]byte, 0, 200), rtpHeader(2, 1, 0, -1), payload); err != ErrSSRCMismatch {
		t.Errorf("ssrc: %v", err)
	}
	if _, err := st.SealRTP(make([]byte, 0, 200), hdr[:11], payload); err != ErrTooShort {
		t.Errorf("short header: %v", err)
	}
	if _, err := st.SealRTP(make([]byte, 0, 200), append(hdr, 0, 0, 0, 0), payload); err != ErrMalformed {
		t.Errorf("header longer than it says: %v", err)
	}
	buf := make([]byte, 300)
	copy(buf[1:], hdr)
	if _, err := st.SealRTP(buf[:0], buf[1:13], payload); err != ErrOverlap {
		t.Errorf("header overlapping inexactly: %v", err)
	}
	copy(buf, hdr)
	if _, err := st.SealRTP(buf[:0], buf[:12], buf[13:113]); err != ErrOverlap {
		t.Errorf("payload overlapping inexactly: %v", err)
	}
	if _, err := st.SealRTCP(make([]byte, 0, 100), rtcpSR(2, 1)); err != ErrSSRCMismatch {
		t.Errorf("rtcp ssrc: %v", err)
	}
	if _, err := st.SealRTCP(make([]byte, 0, 100), rtcpSR(1, 1)[:7]); err != ErrTooShort {
		t.Errorf("rtcp short: %v", err)
	}
	if got := s.Stats(); got.Failed != 8 || got.RTP != 0 {
		t.Errorf("stats %+v", got)
	}
	if _, err := NewSender(ProfileAES128CMSHA1_80, make([]byte, 15), make([]byte, 14)); err != ErrKeyLength {
		t.Errorf("short key: %v", err)
	}
	if _, err := NewSender(Profile(5), make([]byte, 16), make([]byte, 14)); err != ErrProfile {
		t.Errorf("NULL profile: %v", err)
	}
}

// RFC 3711 §9.2: no more than 2^48 SRTP and 2^31 SRTCP packets per key.
func TestIndexExhaustion(t *testing.T) {
	s, _ := pair(t, ProfileAEADAES128GCM, nil)
	st, _ := s.Stream(1)
	st.setROC(0xffffffff)
	if _, err := st.SealRTP(make([]byte, 0, 100), rtpHeader(1, 65535, 0, -1), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SealRTP(make([]byte, 0, 100), rtpHeader(1, 0, 0, -1), nil); err != ErrKeyExhausted {
		t.Fatalf("past index 2^48-1: %v", err)
	}
	st.setRTCPIndex(maxSRTCPIndex)
	if _, err := st.SealRTCP(make([]byte, 0, 100), rtcpSR(1, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SealRTCP(make([]byte, 0, 100), rtcpSR(1, 0)); err != ErrKeyExhausted {
		t.Fatalf("past SRTCP index 2^31-1: %v", err)
	}
}

// Close zeroes every key byte the package holds and stops all use.
func TestCloseDestroysKeys(t *testing.T) {
	for _, p := range allProfiles {
		s, r := pair(t, p, &ReceiverOpts{SSRCs: []uint32{1}})
		st, _ := s.Stream(1)
		keys := s.keys
		if _, err := st.SealRTP(make([]byte, 0, 100), rtpHeader(1, 1, 0, -1), []byte{1}); err != nil {
			t.Fatal(err)
		}
		inner := st.rtp.mac.inner
		s.Close()
		r.Close()
		for _, b := range [][]byte{keys.rtpKey, keys.rtpSalt, keys.rtpAuth, keys.rtcpKey, keys.rtcpSalt, keys.rtcpAuth, inner} {
			if len(b) > 0 && !bytes.Equal(b, make([]byte, len(b))) {
				t.Errorf("%v: key bytes survive Close: %x", p, b)
			}
		}
		for _, tr := range []*transform{&st.rtp, &st.rtcp, &r.rtp, &r.rtcp} {
			if tr.salt != [14]byte{} || tr.ctr != (transform{}).ctr || tr.gcm != nil || tr.mac.inner != nil {
				t.Errorf("%v: transform not wiped", p)
			}
		}
		if _, err := st.SealRTP(make([]byte, 0, 100), rtpHeader(1, 2, 0, -1), []byte{1}); err != ErrClosed {
			t.Errorf("%v: seal after Close: %v", p, err)
		}
		if _, err := s.Stream(2); err != ErrClosed {
			t.Errorf("%v: Stream after Close: %v", p, err)
		}
		if _, err := r.OpenRTP(make([]byte, 0, 100), make([]byte, 40)); err == nil {
			t.Errorf("%v: open after Close succeeded", p)
		}
	}
}

// Streams seal concurrently; Stats and Close may run alongside (-race).
func TestConcurrentStreams(t *testing.T) {
	s, _ := pair(t, ProfileAES128CMSHA1_80, nil)
	var wg sync.WaitGroup
	for ssrc := range uint32(4) {
		st, _ := s.Stream(ssrc)
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 1500)
			for seq := range uint16(500) {
				if _, err := st.SealRTP(buf, rtpHeader(ssrc, seq, 0, -1), make([]byte, 1000)); err == ErrClosed {
					return
				}
			}
		}()
	}
	for range 10 {
		_ = s.Stats()
	}
	s.Close()
	wg.Wait()
}

func TestPreferredProfiles(t *testing.T) {
	if got := preferredProfiles(true); got[0] != ProfileAEADAES128GCM || len(got) != 4 {
		t.Errorf("with AES and carry-less multiply: %v", got)
	}
	if got := preferredProfiles(false); got[0] != ProfileAES128CMSHA1_80 || len(got) != 4 {
		t.Errorf("without: %v", got)
	}
	for _, arch := range []string{"arm", "386", "riscv64", "mips"} {
		if gcmAccelerated(arch) {
			t.Errorf("GOARCH=%s reports hardware GCM", arch)
		}
	}
	got := PreferredProfiles()
	got[0] = 0 // the caller owns the slice
	if PreferredProfiles()[0] == 0 {
		t.Error("PreferredProfiles shares its slice")
	}
	t.Logf("this machine: %v", PreferredProfiles())
	for _, p := range PreferredProfiles() {
		if !p.Valid() || p.String() == "" || p.KeyingMaterialLen() != 2*(p.KeyLen()+p.SaltLen()) {
			t.Errorf("%v", p)
		}
	}
	if ProfileAES128CMSHA1_80.KeyingMaterialLen() != 60 || ProfileAEADAES128GCM.KeyingMaterialLen() != 56 || ProfileAEADAES256GCM.KeyingMaterialLen() != 88 {
		t.Error("keying material lengths differ from RFC 5764 §4.2 / RFC 7714 §12")
	}
}

func TestReplayWindowUnit(t *testing.T) {
	var w replayWindow
	if !w.check(1000) {
		t.Fatal("fresh window refuses")
	}
	w.accept(1000)
	for _, tc := range []struct {
		i    uint64
		want bool
	}{{1000, false}, {999, true}, {1000 - ReplayWindow + 1, true}, {1000 - ReplayWindow, false}, {1001, true}, {5000, true}} {
		if got := w.check(tc.i); got != tc.want {
			t.Errorf("check(%d) = %v, want %v", tc.i, got, tc.want)
		}
	}
	w.accept(1000 + ReplayWindow - 1) // slide almost a full window
	if w.check(1000 + ReplayWindow - 1) {
		t.Error("new top accepted twice")
	}
	if w.check(1000) {
		// 1000 is still inside the window and was accepted.
		t.Error("accepted index forgotten after a slide within the window")
	}
	if !w.check(1001) {
		t.Error("unseen index inside the window refused")
	}
	w.accept(1 << 40) // a jump clears everything
	if w.check(1<<40) || w.check(1<<40-ReplayWindow) || !w.check(1<<40-1) {
		t.Error("jump")
	}
}
