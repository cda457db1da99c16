package srtp

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// The hot path allocates nothing: sealing (both layouts), SRTCP, opening, and
// rejecting a forged packet.
func TestZeroAllocs(t *testing.T) {
	const runs = 200
	for _, p := range allProfiles {
		s, r := pair(t, p, &ReceiverOpts{SSRCs: []uint32{1}})
		st, _ := s.Stream(1)
		hdr := rtpHeader(1, 0, 1, 2)
		payload := make([]byte, 1200)
		pkt := make([]byte, 0, 1500)
		seq := uint16(0)
		if n := testing.AllocsPerRun(runs, func() {
			seq++
			binary.BigEndian.PutUint16(hdr[2:], seq)
			if _, err := st.SealRTP(pkt, hdr, payload); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%v SealRTP: %v allocs", p, n)
		}
		// Header already in the pooled buffer.
		if n := testing.AllocsPerRun(runs, func() {
			seq++
			copy(pkt[:len(hdr)], hdr)
			binary.BigEndian.PutUint16(pkt[2:len(hdr)], seq)
			if _, err := st.SealRTP(pkt, pkt[:len(hdr)], payload); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%v SealRTP, header in place: %v allocs", p, n)
		}
		assembled := append(bytes.Clone(hdr), payload...)
		buf := make([]byte, len(assembled), len(assembled)+p.RTPOverhead())
		if n := testing.AllocsPerRun(runs, func() {
			seq++
			copy(buf, assembled)
			binary.BigEndian.PutUint16(buf[2:], seq)
			if _, err := st.SealRTPInPlace(buf[:len(assembled)]); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%v SealRTPInPlace: %v allocs", p, n)
		}
		sr := rtcpSR(1, 10)
		if n := testing.AllocsPerRun(runs, func() {
			if _, err := st.SealRTCP(pkt, sr); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%v SealRTCP: %v allocs", p, n)
		}

		// Open: a fresh valid packet per run.
		var srtp, srtcp [][]byte
		for range runs + 1 {
			seq++
			binary.BigEndian.PutUint16(hdr[2:], seq)
			a, _ := st.SealRTP(make([]byte, 0, 1500), hdr, payload)
			b, _ := st.SealRTCP(make([]byte, 0, 200), sr)
			srtp, srtcp = append(srtp, a), append(srtcp, b)
		}
		i := 0
		if n := testing.AllocsPerRun(runs, func() {
			if _, err := r.OpenRTP(srtp[i][:0], srtp[i]); err != nil {
				t.Fatal(err)
			}
			if _, err := r.OpenRTCP(srtcp[i][:0], srtcp[i]); err != nil {
				t.Fatal(err)
			}
			i++
		}); n != 0 {
			t.Errorf("%v OpenRTP+OpenRTCP: %v allocs", p, n)
		}
		forged := bytes.Clone(srtp[0])
		binary.BigEndian.PutUint16(forged[2:], seq+1)
		if n := testing.AllocsPerRun(runs, func() {
			if _, err := r.OpenRTP(make([]byte, 0, 1500)[:0], forged); err != ErrAuth {
				t.Fatal(err)
			}
		}); n > 1 { // the make above
			t.Errorf("%v rejecting a forgery: %v allocs", p, n)
		}
	}
}
