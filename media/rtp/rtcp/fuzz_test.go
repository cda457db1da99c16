package rtcp

import (
	"testing"
	"time"

	pion "github.com/pion/rtcp"
)

// FuzzRTCP feeds arbitrary datagrams to Validate, the reader and every
// accessor: nothing may panic or loop, Validate never accepts what the
// reader rejects, and pion/rtcp accepts the common header of whatever we
// validate.
func FuzzRTCP(f *testing.F) {
	f.Add(AppendSDES(AppendSR(nil, 1, SenderInfo{NTPTime: 1 << 40}, testReports), 1, "cname", "VC1"))
	f.Add(AppendRR(nil, 1, testReports[:1]))
	f.Add(AppendBYE(nil, 3, "reason"))
	f.Add(AppendPLI(nil, 1, 2))
	f.Add(AppendFIR(nil, 1, []FIREntry{{2, 3}}))
	f.Add(AppendNACK(nil, 1, 2, []NACKPair{{4, 5}}))
	f.Add(AppendTMMBR(nil, 1, []TMMBEntry{{2, 1e6, 40}}))
	f.Add(AppendTMMBN(nil, 1, nil))
	f.Add(AppendREMB(nil, 1, 1e6, []uint32{2, 3}))
	f.Add([]byte{0xa0, 202, 0, 1, 0, 0, 0, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		valid := Validate(b) == nil
		r := NewReader(b)
		n := 0
		var lost []uint16
		for p, ok := r.Next(); ok; p, ok = r.Next() {
			if n++; n > len(b) {
				t.Fatal("more packets than bytes")
			}
			p.SSRC()
			if _, _, rr, err := p.SenderReport(); err == nil {
				for i := 0; i < rr.Len(); i++ {
					rr.At(i).RTT(time.Unix(1e9, 0))
					rr.At(i).JitterDuration(90000)
				}
			}
			if _, rr, err := p.ReceiverReport(); err == nil {
				for i := 0; i < rr.Len(); i++ {
					_ = rr.At(i)
				}
			}
			if sd, err := p.SDES(); err == nil {
				for it, ok := sd.Next(); ok; it, ok = sd.Next() {
					if len(it.Text) > 255 {
						t.Fatal("SDES item longer than 255")
					}
				}
			}
			if ssrcs, _, err := p.BYE(); err == nil {
				for i := 0; i < ssrcs.Len(); i++ {
					ssrcs.At(i)
				}
			}
			p.Feedback()
			p.PLI()
			if _, e, err := p.FIR(); err == nil {
				for i := 0; i < e.Len(); i++ {
					e.At(i)
				}
			}
			if _, _, pairs, err := p.NACK(); err == nil {
				for i := 0; i < pairs.Len(); i++ {
					lost = pairs.At(i).Lost(lost[:0])
				}
			}
			for _, get := range []func() (uint32, TMMBEntries, error){p.TMMBR, p.TMMBN} {
				if _, e, err := get(); err == nil {
					for i := 0; i < e.Len(); i++ {
						e.At(i)
					}
				}
			}
			if _, _, ssrcs, err := p.REMB(); err == nil {
				for i := 0; i < ssrcs.Len(); i++ {
					ssrcs.At(i)
				}
			}
		}
		if valid && r.Err() != nil {
			t.Fatal("Validate accepted what the reader rejects")
		}
		// Differential: a datagram we validate as SR/RR-led compound with
		// sane headers, pion parses without error too (pion is stricter
		// about some bodies, so only the header walk is compared).
		if valid {
			if _, err := pion.Unmarshal(b); err != nil {
				var h pion.Header
				if h.Unmarshal(b) != nil {
					t.Fatalf("we accept a header pion rejects: %v", err)
				}
			}
		}
	})
}
