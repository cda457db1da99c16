package rtcp

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	pion "github.com/pion/rtcp"
)

var testReports = []ReceptionReport{
	{SSRC: 0x01020304, FractionLost: 64, TotalLost: 1000, HighestSeq: 0x0001ffff, Jitter: 450, LSR: 0xaabbccdd, DLSR: 0x00018000},
	{SSRC: 0x05060708, FractionLost: 0, TotalLost: -3, HighestSeq: 12, Jitter: 0},
}

// TestBuildersParsedByPion: what we build, pion/rtcp (an independent
// implementation) reads back field for field.
func TestBuildersParsedByPion(t *testing.T) {
	si := SenderInfo{NTPTime: 0xe9a1b2c3_80000000, RTPTime: 123456789, PacketCount: 77, OctetCount: 77000}
	var b []byte
	b = AppendSR(b, 0xcafe, si, testReports)
	b = AppendSDES(b, 0xcafe, "cluecam@room1", "VC3")
	b = AppendRR(b, 0xbeef, testReports[:1])
	b = AppendBYE(b, 0xcafe, "end of call")
	b = AppendPLI(b, 0xbeef, 0xcafe)
	b = AppendFIR(b, 0xbeef, []FIREntry{{0xcafe, 7}, {0xf00d, 200}})
	b = AppendNACK(b, 0xbeef, 0xcafe, []NACKPair{{1000, 0b101}, {65535, 0x8000}})
	b = AppendREMB(b, 0xbeef, 2_500_000, []uint32{0xcafe, 0xf00d})
	pkts, err := pion.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkts) != 8 {
		t.Fatalf("%d packets", len(pkts))
	}
	sr := pkts[0].(*pion.SenderReport)
	if sr.SSRC != 0xcafe || sr.NTPTime != si.NTPTime || sr.RTPTime != si.RTPTime || sr.PacketCount != 77 || sr.OctetCount != 77000 || len(sr.Reports) != 2 {
		t.Errorf("SR %+v", sr)
	}
	r0, r1 := sr.Reports[0], sr.Reports[1]
	if r0.SSRC != 0x01020304 || r0.FractionLost != 64 || r0.TotalLost != 1000 || r0.LastSequenceNumber != 0x0001ffff ||
		r0.Jitter != 450 || r0.LastSenderReport != 0xaabbccdd || r0.Delay != 0x00018000 {
		t.Errorf("report 0 %+v", r0)
	}
	if r1.TotalLost != 0xfffffd { // -3 in 24-bit two's complement
		t.Errorf("report 1 total lost %#x", r1.TotalLost)
	}
	sdes := pkts[1].(*pion.SourceDescription)
	if len(sdes.Chunks) != 1 || sdes.Chunks[0].Source != 0xcafe || len(sdes.Chunks[0].Items) != 2 ||
		sdes.Chunks[0].Items[0] != (pion.SourceDescriptionItem{Type: pion.SDESCNAME, Text: "cluecam@room1"}) ||
		sdes.Chunks[0].Items[1] != (pion.SourceDescriptionItem{Type: 14, Text: "VC3"}) {
		t.Errorf("SDES %+v", sdes)
	}
	if rr := pkts[2].(*pion.ReceiverReport); rr.SSRC != 0xbeef || len(rr.Reports) != 1 {
		t.Errorf("RR %+v", rr)
	}
	if bye := pkts[3].(*pion.Goodbye); !slices.Equal(bye.Sources, []uint32{0xcafe}) || bye.Reason != "end of call" {
		t.Errorf("BYE %+v", bye)
	}
	if pli := pkts[4].(*pion.PictureLossIndication); pli.SenderSSRC != 0xbeef || pli.MediaSSRC != 0xcafe {
		t.Errorf("PLI %+v", pli)
	}
	if fir := pkts[5].(*pion.FullIntraRequest); fir.MediaSSRC != 0 ||
		!reflect.DeepEqual(fir.FIR, []pion.FIREntry{{SSRC: 0xcafe, SequenceNumber: 7}, {SSRC: 0xf00d, SequenceNumber: 200}}) {
		t.Errorf("FIR %+v", fir)
	}
	nack := pkts[6].(*pion.TransportLayerNack)
	if nack.MediaSSRC != 0xcafe || !reflect.DeepEqual(nack.Nacks, []pion.NackPair{{PacketID: 1000, LostPackets: 0b101}, {PacketID: 65535, LostPackets: 0x8000}}) {
		t.Errorf("NACK %+v", nack)
	}
	if remb := pkts[7].(*pion.ReceiverEstimatedMaximumBitrate); remb.Bitrate != 2_500_000 || !slices.Equal(remb.SSRCs, []uint32{0xcafe, 0xf00d}) {
		t.Errorf("REMB %+v", remb)
	}
}

// TestParsePionBuilt: what pion/rtcp builds, we read back.
func TestParsePionBuilt(t *testing.T) {
	in := []pion.Packet{
		&pion.SenderReport{SSRC: 1, NTPTime: 0xdeadbeef_12345678, RTPTime: 99, PacketCount: 3, OctetCount: 4,
			Reports: []pion.ReceptionReport{{SSRC: 2, FractionLost: 25, TotalLost: 0xfffffe, LastSequenceNumber: 70000, Jitter: 9, LastSenderReport: 5, Delay: 6}}},
		&pion.SourceDescription{Chunks: []pion.SourceDescriptionChunk{
			{Source: 1, Items: []pion.SourceDescriptionItem{{Type: pion.SDESCNAME, Text: "a"}, {Type: 14, Text: "VC1"}}},
			{Source: 7, Items: []pion.SourceDescriptionItem{{Type: pion.SDESCNAME, Text: "bcdefgh"}}},
		}},
		&pion.ReceiverReport{SSRC: 8, Reports: []pion.ReceptionReport{{SSRC: 1}, {SSRC: 3, FractionLost: 255}}},
		&pion.PictureLossIndication{SenderSSRC: 8, MediaSSRC: 1},
		&pion.FullIntraRequest{SenderSSRC: 8, FIR: []pion.FIREntry{{SSRC: 1, SequenceNumber: 42}}},
		&pion.TransportLayerNack{SenderSSRC: 8, MediaSSRC: 1, Nacks: pion.NackPairsFromSequenceNumbers([]uint16{10, 11, 13, 40})},
		&pion.ReceiverEstimatedMaximumBitrate{SenderSSRC: 8, Bitrate: 800_000, SSRCs: []uint32{1}},
		&pion.Goodbye{Sources: []uint32{1, 7}, Reason: "bye"},
	}
	b, err := pion.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(b); err != nil {
		t.Fatal(err)
	}
	r := NewReader(b)
	var p Packet
	next := func(want PacketType) {
		t.Helper()
		var ok bool
		if p, ok = r.Next(); !ok || p.Type != want {
			t.Fatalf("packet type %d, want %d (%v)", p.Type, want, r.Err())
		}
	}
	next(TypeSR)
	ssrc, si, rr, err := p.SenderReport()
	if err != nil || ssrc != 1 || si != (SenderInfo{0xdeadbeef_12345678, 99, 3, 4}) || rr.Len() != 1 {
		t.Fatalf("SR %v %+v", err, si)
	}
	if got := rr.At(0); got != (ReceptionReport{SSRC: 2, FractionLost: 25, TotalLost: -2, HighestSeq: 70000, Jitter: 9, LSR: 5, DLSR: 6}) {
		t.Errorf("report %+v", got)
	}
	next(TypeSDES)
	sd, _ := p.SDES()
	var items []SDESItem
	for it, ok := sd.Next(); ok; it, ok = sd.Next() {
		items = append(items, it)
	}
	if sd.Err() != nil || len(items) != 3 || items[1].Type != SDESCaptID || string(items[1].Text) != "VC1" || items[2].SSRC != 7 || string(items[2].Text) != "bcdefgh" {
		t.Fatalf("SDES %v %+v", sd.Err(), items)
	}
	next(TypeRR)
	if ssrc, rr, err := p.ReceiverReport(); err != nil || ssrc != 8 || rr.Len() != 2 || rr.At(1).FractionLost != 255 {
		t.Fatalf("RR %v", err)
	}
	next(TypePSFB)
	if s, m, err := p.PLI(); err != nil || s != 8 || m != 1 {
		t.Fatalf("PLI %v", err)
	}
	next(TypePSFB)
	if s, e, err := p.FIR(); err != nil || s != 8 || e.Len() != 1 || e.At(0) != (FIREntry{1, 42}) {
		t.Fatalf("FIR %v", err)
	}
	next(TypeRTPFB)
	_, m, pairs, err := p.NACK()
	var lost []uint16
	for i := 0; i < pairs.Len(); i++ {
		lost = pairs.At(i).Lost(lost)
	}
	if err != nil || m != 1 || !slices.Equal(lost, []uint16{10, 11, 13, 40}) {
		t.Fatalf("NACK %v %v", err, lost)
	}
	next(TypePSFB)
	if s, br, ssrcs, err := p.REMB(); err != nil || s != 8 || br != 800_000 || ssrcs.Len() != 1 || ssrcs.At(0) != 1 {
		t.Fatalf("REMB %v %d", err, br)
	}
	next(TypeBYE)
	if ssrcs, reason, err := p.BYE(); err != nil || ssrcs.Len() != 2 || ssrcs.At(1) != 7 || string(reason) != "bye" {
		t.Fatalf("BYE %v", err)
	}
	if _, ok := r.Next(); ok || r.Err() != nil {
		t.Fatal("trailing packet or error")
	}
}

// TestTMMBR checks the FCI of RFC 5104 §4.2.1.1 bit by bit: SSRC, then
// MxTBR exponent (6 bits), mantissa (17 bits), measured overhead (9 bits).
func TestTMMBR(t *testing.T) {
	b := AppendTMMBR(nil, 0x11, []TMMBEntry{{SSRC: 0x22, Bitrate: 1_000_000, Overhead: 40}})
	// 1 000 000 needs 20 bits: exponent 3 and mantissa 125 000 (exact).
	want := []byte{0x83, 205, 0, 4, 0, 0, 0, 0x11, 0, 0, 0, 0, 0, 0, 0, 0x22}
	v := uint32(3)<<26 | 125000<<9 | 40
	want = append(want, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	if !bytes.Equal(b, want) {
		t.Fatalf("TMMBR\n got % x\nwant % x", b, want)
	}
	r := NewReader(b)
	p, _ := r.Next()
	s, e, err := p.TMMBR()
	if err != nil || s != 0x11 || e.Len() != 1 || e.At(0) != (TMMBEntry{0x22, 1_000_000, 40}) {
		t.Fatalf("%v %+v", err, e.At(0))
	}
	if _, _, err := p.TMMBN(); !errors.Is(err, ErrType) {
		t.Error("TMMBR read as TMMBN")
	}
	n := AppendTMMBN(nil, 0x22, []TMMBEntry{{SSRC: 0x22, Bitrate: 1 << 40}})
	r = NewReader(n)
	p, _ = r.Next()
	if _, e, err := p.TMMBN(); err != nil || e.At(0).Bitrate != 1<<40 || p.Count != FmtTMMBN {
		t.Fatal(err)
	}
	// Rates that do not fit the mantissa are rounded down, never up.
	for _, br := range []uint64{0, 1, 131071, 131072, 131073, 999_999_999, 1<<63 + 12345} {
		b := AppendREMB(nil, 1, br, nil)
		r := NewReader(b)
		p, _ := r.Next()
		_, got, _, _ := p.REMB()
		if got > br || (br > 0 && float64(br-got)/float64(br) > 1.0/(1<<17)) {
			t.Errorf("REMB %d encodes as %d", br, got)
		}
	}
}

// TestRTT: RFC 3550 §6.4.1 example in spirit: an SR sent at NTP time T
// reported back with DLSR d arrives at T + d + rtt.
func TestRTT(t *testing.T) {
	srWall := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	lsr := Middle32(NTPTime(srWall))
	for _, rtt := range []time.Duration{0, 250 * time.Microsecond, 42 * time.Millisecond, 3 * time.Second} {
		delay := 1234 * time.Millisecond
		arrival := srWall.Add(delay + rtt)
		r := ReceptionReport{LSR: lsr, DLSR: DLSR(delay)}
		got, ok := r.RTT(arrival)
		if !ok || (got-rtt).Abs() > 50*time.Microsecond {
			t.Errorf("rtt %v: got %v %v", rtt, got, ok)
		}
	}
	if _, ok := (ReceptionReport{LSR: 0}).RTT(srWall); ok {
		t.Error("RTT without an SR")
	}
	if _, ok := (ReceptionReport{LSR: lsr, DLSR: DLSR(time.Second)}).RTT(srWall); ok {
		t.Error("negative RTT accepted")
	}
	r := ReceptionReport{FractionLost: 64, Jitter: 900}
	if r.LossRatio() != 0.25 || r.JitterDuration(90000) != 10*time.Millisecond {
		t.Errorf("loss %v jitter %v", r.LossRatio(), r.JitterDuration(90000))
	}
}

func TestReaderErrors(t *testing.T) {
	good := AppendRR(nil, 1, nil)
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"short header", []byte{0x80, 201}, ErrTruncated},
		{"version 1", []byte{0x40, 201, 0, 1, 0, 0, 0, 1}, ErrVersion},
		{"length past the end", []byte{0x80, 201, 0, 5, 0, 0, 0, 1}, ErrTruncated},
		{"zero padding count", []byte{0xa0, 201, 0, 1, 0, 0, 0, 0}, ErrPadding},
		{"padding larger than the packet", []byte{0xa0, 201, 0, 1, 0, 0, 0, 9}, ErrPadding},
		{"second packet truncated", append(append([]byte(nil), good...), 0x80), ErrTruncated},
	} {
		r := NewReader(tc.b)
		for _, ok := r.Next(); ok; _, ok = r.Next() {
		}
		if !errors.Is(r.Err(), tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, r.Err(), tc.want)
		}
		if Validate(tc.b) == nil {
			t.Errorf("%s: Validate accepts it", tc.name)
		}
	}
	// Padding on the last packet is removed from the body.
	padded := []byte{0xa1, 201, 0, 8, 0, 0, 0, 9}
	padded = append(padded, make([]byte, 24)...)
	padded = append(padded, 0, 0, 0, 4)
	r := NewReader(padded)
	p, ok := r.Next()
	if !ok || len(p.Body) != 28 {
		t.Fatalf("padded body %d %v", len(p.Body), r.Err())
	}
	// A report count larger than the body.
	bad := []byte{0x82, 201, 0, 1, 0, 0, 0, 1}
	r = NewReader(bad)
	p, _ = r.Next()
	if _, _, err := p.ReceiverReport(); !errors.Is(err, ErrFormat) {
		t.Errorf("report count: %v", err)
	}
	if err := Validate(AppendBYE(nil, 1, "")); err == nil {
		t.Error("Validate accepts a compound starting with BYE")
	}
	if _, _, err := p.PLI(); !errors.Is(err, ErrType) {
		t.Errorf("PLI on an RR: %v", err)
	}
}

func TestParseAllocs(t *testing.T) {
	b := AppendSR(nil, 1, SenderInfo{}, testReports)
	b = AppendSDES(b, 1, "cname", "VC1")
	b = AppendPLI(b, 2, 1)
	b = AppendFIR(b, 2, []FIREntry{{1, 1}})
	b = AppendNACK(b, 2, 1, []NACKPair{{1, 1}})
	b = AppendTMMBR(b, 2, []TMMBEntry{{1, 1e6, 0}})
	b = AppendREMB(b, 2, 1e6, []uint32{1})
	buf := make([]byte, 0, 512)
	var lost [17]uint16
	if n := testing.AllocsPerRun(100, func() {
		if err := Validate(b); err != nil {
			t.Fatal(err)
		}
		r := NewReader(b)
		for p, ok := r.Next(); ok; p, ok = r.Next() {
			switch p.Type {
			case TypeSR:
				_, _, rr, _ := p.SenderReport()
				for i := 0; i < rr.Len(); i++ {
					rr.At(i).RTT(time.Time{})
				}
			case TypePSFB:
				p.PLI()
				p.FIR()
				p.REMB()
			case TypeRTPFB:
				_, _, pairs, _ := p.NACK()
				for i := 0; i < pairs.Len(); i++ {
					pairs.At(i).Lost(lost[:0])
				}
				p.TMMBR()
			}
		}
		buf = AppendSR(buf[:0], 1, SenderInfo{}, testReports)
		buf = AppendSDES(buf, 1, "cname", "VC1")
	}); n != 0 {
		t.Errorf("%v allocs", n)
	}
}
