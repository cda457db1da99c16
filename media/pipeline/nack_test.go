package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
	"github.com/cluecam/cluecam/media/rtp"
	"github.com/cluecam/cluecam/media/rtp/rtcp"
	"github.com/cluecam/cluecam/media/srtp"
)

// manualPipeline is an H.264 pipeline fed by hand (ProcessFrame) on a clock
// that moves only when the test says.
func manualPipeline(t testing.TB, o *Options) (*Pipeline, *hwtest.Clock, func(n int)) {
	t.Helper()
	clk := hwtest.NewClock(time.Second)
	if o == nil {
		o = &Options{}
	}
	o.QueueFrames = 64 // nothing dropped while the test waits
	o.RTCPInterval = -1
	p := newH264Pipeline(t, nil, clk, o)
	data := benchFrame(t, false)
	feed := func(n int) {
		for range n {
			clk.Advance(time.Second / 30)
			f := hw.NewFrame(data, clk.Now(), 0, hw.FrameKeyframe, nil, 0, 0)
			if err := p.ProcessFrame(&f); err != nil {
				t.Fatal(err)
			}
		}
	}
	return p, clk, feed
}

// waitFor polls cond until it holds; the bound only turns a hang into a
// failure, it asserts nothing about speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func seqOf(p []byte) uint16 { return binary.BigEndian.Uint16(p[2:]) }

func flatten(batches [][][]byte) [][]byte {
	var out [][]byte
	for _, b := range batches {
		out = append(out, b...)
	}
	return out
}

func TestNACKRetransmitsFromHistory(t *testing.T) {
	p, _, feed := manualPipeline(t, nil)
	defer p.Close()
	key, salt := bytes.Repeat([]byte{3}, 16), bytes.Repeat([]byte{5}, 14)
	snd, _ := srtp.NewSender(srtp.ProfileAES128CMSHA1_80, key, salt)
	ss, _ := snd.Stream(p.Stream().SSRC())
	enc := &memSink{Sealer: SRTPSealer{Stream: ss, Profile: srtp.ProfileAES128CMSHA1_80}}
	plain := &memSink{Sealer: PlainRTP{}}
	he, hp := p.AddSink(enc), p.AddSink(plain)
	feed(4)
	waitFor(t, "4 frames sent", func() bool { return he.Stats().Frames == 4 && hp.Stats().Frames == 4 })
	sent := flatten(enc.got())
	if len(sent) < 8 {
		t.Fatalf("only %d packets", len(sent))
	}
	// Lost: packets 2, 3 and 5 (PID 2, BLP bits 0 and 2), reported to the
	// SRTP sink only.
	pid := seqOf(sent[2])
	p.HandleRTCP(he, rtcp.AppendNACK(nil, 0xfeed, p.Stream().SSRC(), []rtcp.NACKPair{{PID: pid, BLP: 0b101}}))
	// Another stream's NACK is not ours.
	p.HandleRTCP(he, rtcp.AppendNACK(nil, 0xfeed, p.Stream().SSRC()+1, []rtcp.NACKPair{{PID: pid}}))
	waitFor(t, "3 retransmissions", func() bool { return he.Stats().Retransmitted == 3 })
	all := enc.got()
	re := all[len(all)-1]
	want := [][]byte{sent[2], sent[3], sent[5]}
	if len(re) != len(want) {
		t.Fatalf("retransmission batch of %d packets, want %d", len(re), len(want))
	}
	for i := range want {
		if !bytes.Equal(re[i], want[i]) {
			t.Fatalf("retransmission %d (seq %d) differs from the packet first sent", i, seqOf(want[i]))
		}
	}
	if s := hp.Stats(); s.Retransmitted != 0 || len(plain.got()) != 4 {
		t.Fatalf("the plain sink resent without a NACK: %+v", s)
	}
	if s := he.Stats(); s.RetransmittedBytes != uint64(len(want[0])+len(want[1])+len(want[2])) || s.NACKMissed != 0 {
		t.Fatalf("stats %+v", s)
	}

	// At the receiver: packet 3 really was lost, so its retransmission
	// opens; packet 2 had arrived, so its copy is a replay.
	rcv, _ := srtp.NewReceiver(srtp.ProfileAES128CMSHA1_80, key, salt, nil)
	rcv.AddSSRC(p.Stream().SSRC())
	buf := make([]byte, 0, 2048)
	for i, pkt := range sent {
		if i == 3 {
			continue
		}
		if _, err := rcv.OpenRTP(buf, pkt); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
	}
	if _, err := rcv.OpenRTP(buf, re[1]); err != nil {
		t.Fatalf("retransmission of the lost packet: %v", err)
	}
	if _, err := rcv.OpenRTP(buf, re[0]); !errors.Is(err, srtp.ErrReplay) {
		t.Fatalf("retransmission of a packet that arrived: %v, want a replay", err)
	}
}

func TestNACKOutOfHistory(t *testing.T) {
	p, _, feed := manualPipeline(t, &Options{NACKHistory: 16})
	defer p.Close()
	m := &memSink{Sealer: PlainRTP{}}
	h := p.AddSink(m)
	feed(3)
	waitFor(t, "3 frames sent", func() bool { return h.Stats().Frames == 3 })
	sent := flatten(m.got())
	if len(sent) <= 16 {
		t.Fatalf("%d packets: too few to overflow the history", len(sent))
	}
	old, last := seqOf(sent[0]), seqOf(sent[len(sent)-1])
	p.HandleRTCP(h, rtcp.AppendNACK(nil, 1, p.Stream().SSRC(), []rtcp.NACKPair{
		{PID: old},      // left the history
		{PID: last + 1}, // never sent
		{PID: last},     // still there
	}))
	waitFor(t, "the NACK handled", func() bool { s := h.Stats(); return s.NACKMissed+s.Retransmitted == 3 })
	s := h.Stats()
	if s.NACKMissed != 2 || s.Retransmitted != 1 {
		t.Fatalf("stats %+v: want 2 missed, 1 resent", s)
	}
	b := m.got()
	if re := b[len(b)-1]; len(re) != 1 || !bytes.Equal(re[0], sent[len(sent)-1]) {
		t.Fatalf("resent %d packets, want only the last one", len(re))
	}
}

func TestNACKDisabled(t *testing.T) {
	p, _, feed := manualPipeline(t, &Options{NACKHistory: -1})
	defer p.Close()
	m := &memSink{Sealer: PlainRTP{}}
	h := p.AddSink(m)
	feed(1)
	waitFor(t, "1 frame sent", func() bool { return h.Stats().Frames == 1 })
	p.HandleRTCP(h, rtcp.AppendNACK(nil, 1, p.Stream().SSRC(), []rtcp.NACKPair{{PID: seqOf(m.got()[0][0])}}))
	p.Close()
	if s := h.Stats(); s.Retransmitted != 0 || len(m.got()) != 1 {
		t.Fatalf("resent with no history: %+v", s)
	}
}

// The limits are checked on a sink state driven synchronously: no sender
// goroutine, the fake clock the only time.
func TestNACKRateLimit(t *testing.T) {
	clk := hwtest.NewClock(0)
	pool := rtp.NewPool(nil)
	slot := pool.BufferSize()
	// Refill of 2 slots a second; the burst is one slot.
	o := &Options{QueueFrames: 1, Clock: clk, Pool: pool, NACKHistory: 64, RetransmitBitrate: 8 * 2 * slot}
	m := &memSink{Sealer: PlainRTP{}}
	st := newSinkState(m, o)
	for i := range 64 {
		pkt := make([]byte, slot-100)
		pkt[0] = 0x80
		binary.BigEndian.PutUint16(pkt[2:], uint16(1000+i))
		st.nack.hist.put(pkt)
	}
	nack := func(pairs ...rtcp.NACKPair) {
		b := rtcp.AppendNACK(nil, 1, 2, pairs)
		r := rtcp.NewReader(b)
		q, _ := r.Next()
		_, _, ps, err := q.NACK()
		if err != nil {
			t.Fatal(err)
		}
		st.nack.request(ps)
		<-st.nack.kick
		st.retransmit()
	}
	nack(rtcp.NACKPair{PID: 1000, BLP: 0b111}) // 4 packets, budget for 1
	if s := st.stats(); s.Retransmitted != 1 || s.NACKLimited != 3 {
		t.Fatalf("burst: %+v", s)
	}
	clk.Advance(50 * time.Millisecond)
	nack(rtcp.NACKPair{PID: 1000}) // resent 50 ms ago
	if s := st.stats(); s.Retransmitted != 1 || s.NACKLimited != 4 {
		t.Fatalf("repeat within %v: %+v", resendGap, s)
	}
	clk.Advance(time.Second)
	nack(rtcp.NACKPair{PID: 1001})
	if s := st.stats(); s.Retransmitted != 2 {
		t.Fatalf("after a second of refill: %+v", s)
	}
	if got := m.got(); len(got) != 2 || seqOf(got[0][0]) != 1000 || seqOf(got[1][0]) != 1001 {
		t.Fatalf("sent %v", got)
	}
}

// nackBench is a sink state with a full history and a NACK naming 17 of
// its packets (PID and all 16 BLP bits).
func nackBench(t testing.TB) (*sinkState, rtcp.NACKPairs) {
	pool := rtp.NewPool(nil)
	o := &Options{QueueFrames: 1, Clock: hwtest.NewClock(0), Pool: pool, NACKHistory: 512, RetransmitBitrate: 1 << 30}
	st := newSinkState(&memSink{Sealer: PlainRTP{}, discard: true}, o)
	pkt := make([]byte, 1200+28)
	for i := range 512 {
		binary.BigEndian.PutUint16(pkt[2:], uint16(i))
		st.nack.hist.put(pkt)
	}
	r := rtcp.NewReader(rtcp.AppendNACK(nil, 1, 2, []rtcp.NACKPair{{PID: 100, BLP: 0xffff}}))
	q, _ := r.Next()
	_, _, ps, _ := q.NACK()
	return st, ps
}

func TestNACKAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	st, ps := nackBench(t)
	clk := st.clock.(*hwtest.Clock)
	n := testing.AllocsPerRun(100, func() {
		clk.Advance(resendGap)
		st.nack.request(ps)
		<-st.nack.kick
		st.retransmit()
	})
	if n != 0 {
		t.Fatalf("%.1f allocs per NACK round, want 0", n)
	}
	if s := st.stats(); s.Retransmitted == 0 || s.NACKLimited != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// BenchmarkNACKRetransmit: one generic NACK for 17 packets handled end to
// end on the sink's side (queue, look up, budget, one WriteBatch).
func BenchmarkNACKRetransmit(b *testing.B) {
	st, ps := nackBench(b)
	clk := st.clock.(*hwtest.Clock)
	b.ReportAllocs()
	for b.Loop() {
		clk.Advance(resendGap)
		st.nack.request(ps)
		<-st.nack.kick
		st.retransmit()
	}
	b.ReportMetric(float64(st.stats().Retransmitted)/float64(b.N), "packets/op")
}

// BenchmarkHistoryPut: recording one 1228-byte sent packet.
func BenchmarkHistoryPut(b *testing.B) {
	h := newHistory(512, rtp.NewPool(nil).BufferSize())
	pkt := make([]byte, 1228)
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	s := uint16(0)
	for b.Loop() {
		s++
		binary.BigEndian.PutUint16(pkt[2:], s)
		h.put(pkt)
	}
}
