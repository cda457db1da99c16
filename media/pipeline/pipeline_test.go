package pipeline

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/drivers/synthetic"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
	"github.com/cluecam/cluecam/media/rtp"
	"github.com/cluecam/cluecam/media/rtp/rtcp"
	"github.com/cluecam/cluecam/media/srtp"
)

// memSink records what it is sent; while gate is held, WriteBatch blocks
// (a stalled send path).
type memSink struct {
	Sealer
	mu      sync.Mutex
	batches [][][]byte
	rtcp    [][]byte
	gate    sync.Mutex
	discard bool
}

func (m *memSink) WriteBatch(pkts [][]byte) (int, error) {
	m.gate.Lock()
	m.gate.Unlock()
	if m.discard {
		return len(pkts), nil
	}
	var b [][]byte
	for _, p := range pkts {
		b = append(b, bytes.Clone(p))
	}
	m.mu.Lock()
	m.batches = append(m.batches, b)
	m.mu.Unlock()
	return len(pkts), nil
}

func (m *memSink) WriteRTCP(p []byte) error {
	m.mu.Lock()
	m.rtcp = append(m.rtcp, bytes.Clone(p))
	m.mu.Unlock()
	return nil
}

func (m *memSink) got() [][][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([][][]byte(nil), m.batches...)
}

// camera starts a synthetic camera on a fake clock that advances when the
// camera sleeps.
func h264Camera(t testing.TB) (*synthetic.H264Camera, *hwtest.Clock) {
	t.Helper()
	clk := hwtest.NewAutoClock(time.Second)
	c, err := synthetic.NewH264Camera(clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(c.Modes()[0]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, clk
}

func newH264Pipeline(t testing.TB, src hw.VideoSource, clk hw.Clock, o *Options) *Pipeline {
	t.Helper()
	st, err := rtp.NewStream(rtp.StreamOptions{PayloadType: 96, ClockRate: 90000, SSRC: 0x1234, CaptID: "VC1", CaptIDExtID: 1})
	if err != nil {
		t.Fatal(err)
	}
	h, err := rtp.NewH264Packetizer(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o == nil {
		o = &Options{}
	}
	o.Clock = clk
	p, err := New(src, h, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFanOutOnePacketization(t *testing.T) {
	cam, clk := h264Camera(t)
	// Queues deeper than the run: in fake time the capture may outrun
	// the senders, and nothing may be dropped here.
	p := newH264Pipeline(t, cam, clk, &Options{QueueFrames: 16})
	a, b := &memSink{Sealer: PlainRTP{}}, &memSink{Sealer: PlainRTP{}}
	p.AddSink(a)
	p.AddSink(b)
	if err := p.Run(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	p.Close()
	if n := cam.OutstandingFrames(); n != 0 {
		t.Fatalf("%d frames not released", n)
	}
	ga, gb := a.got(), b.got()
	if len(ga) != 10 || len(gb) != 10 {
		t.Fatalf("frames: %d and %d, want 10", len(ga), len(gb))
	}
	s := p.Stats()
	var n uint64
	for i := range ga {
		if len(ga[i]) != len(gb[i]) {
			t.Fatalf("frame %d: %d and %d packets", i, len(ga[i]), len(gb[i]))
		}
		for j := range ga[i] {
			if !bytes.Equal(ga[i][j], gb[i][j]) {
				t.Fatalf("frame %d packet %d differs between sinks", i, j)
			}
			n++
		}
		last := ga[i][len(ga[i])-1]
		if last[1]&0x80 == 0 {
			t.Fatalf("frame %d: last packet without marker", i)
		}
	}
	if s.Frames != 10 || s.Packets != n {
		t.Fatalf("stats %+v, want 10 frames and %d packets (one packetization for both sinks)", s, n)
	}
}

func TestSRTPSinkDecrypts(t *testing.T) {
	cam, clk := h264Camera(t)
	p := newH264Pipeline(t, cam, clk, nil)
	key, salt := bytes.Repeat([]byte{7}, 16), bytes.Repeat([]byte{9}, 14)
	snd, err := srtp.NewSender(srtp.ProfileAES128CMSHA1_80, key, salt)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := snd.Stream(p.Stream().SSRC())
	if err != nil {
		t.Fatal(err)
	}
	m := &memSink{Sealer: SRTPSealer{Stream: ss, Profile: srtp.ProfileAES128CMSHA1_80}}
	plain := &memSink{Sealer: PlainRTP{}}
	p.AddSink(m)
	p.AddSink(plain)
	if err := p.Run(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	p.SendReports()
	p.Close()
	rcv, err := srtp.NewReceiver(srtp.ProfileAES128CMSHA1_80, key, salt, nil)
	if err != nil {
		t.Fatal(err)
	}
	rcv.AddSSRC(p.Stream().SSRC())
	enc, dec := m.got(), plain.got()
	for i := range enc {
		for j := range enc[i] {
			out, err := rcv.OpenRTP(make([]byte, 0, 2048), enc[i][j])
			if err != nil {
				t.Fatalf("frame %d packet %d: %v", i, j, err)
			}
			if !bytes.Equal(out, dec[i][j]) {
				t.Fatalf("frame %d packet %d: decrypted differs from plain", i, j)
			}
		}
	}
	if len(m.rtcp) != 2 { // after the first frame, then SendReports
		t.Fatalf("%d RTCP packets", len(m.rtcp))
	}
	r, err := rcv.OpenRTCP(make([]byte, 0, 2048), m.rtcp[1])
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, r, p.Stream().SSRC())
}

func checkReport(t *testing.T, b []byte, ssrc uint32) {
	t.Helper()
	rd := rtcp.NewReader(b)
	q, ok := rd.Next()
	if !ok || q.Type != rtcp.TypeSR {
		t.Fatalf("first packet %v, want SR", q.Type)
	}
	if s, si, _, err := q.SenderReport(); err != nil || s != ssrc || si.PacketCount == 0 {
		t.Fatalf("SR ssrc %x %+v %v", s, si, err)
	}
	q, ok = rd.Next()
	if !ok || q.Type != rtcp.TypeSDES {
		t.Fatalf("second packet %v, want SDES", q.Type)
	}
	sd, err := q.SDES()
	if err != nil {
		t.Fatal(err)
	}
	var cname, capt string
	for it, ok := sd.Next(); ok; it, ok = sd.Next() {
		switch it.Type {
		case rtcp.SDESCNAME:
			cname = string(it.Text)
		case rtcp.SDESCaptID:
			capt = string(it.Text)
		}
	}
	if cname != "cluecam" || capt != "VC1" {
		t.Fatalf("SDES CNAME %q CaptId %q", cname, capt)
	}
}

func TestStalledSinkDropsWholeFrames(t *testing.T) {
	cam, clk := h264Camera(t)
	p := newH264Pipeline(t, cam, clk, &Options{QueueFrames: 2})
	slow, fast := &memSink{Sealer: PlainRTP{}}, &memSink{Sealer: PlainRTP{}}
	slow.gate.Lock()
	hs := p.AddSink(slow)
	hf := p.AddSink(fast)
	if err := p.Run(context.Background(), 20); err != nil {
		t.Fatal(err)
	}
	slow.gate.Unlock()
	p.Close()
	if cam.OutstandingFrames() != 0 {
		t.Fatal("frames not released")
	}
	ss, fs := hs.Stats(), hf.Stats()
	t.Logf("slow %+v fast %+v", ss, fs)
	// In fake time the capture outruns even the fast sink's goroutine
	// now and then; every frame is either sent or dropped whole.
	if fs.Frames+fs.DroppedFrames != 20 {
		t.Fatalf("fast sink: %+v", fs)
	}
	if ss.DroppedFrames == 0 || ss.Frames+ss.DroppedFrames != 20 || ss.Frames > 4 {
		t.Fatalf("slow sink: %+v", ss)
	}
	// Whatever the slow sink got are whole frames: each batch ends with
	// the marker and the sequence numbers inside it are contiguous.
	for i, b := range slow.got() {
		for j := 1; j < len(b); j++ {
			if uint16(b[j][2])<<8|uint16(b[j][3]) != uint16(b[j-1][2])<<8|uint16(b[j-1][3])+1 {
				t.Fatalf("batch %d: gap at packet %d", i, j)
			}
		}
		if b[len(b)-1][1]&0x80 == 0 {
			t.Fatalf("batch %d ends without marker", i)
		}
	}
	if p.Stats().DroppedFrames != ss.DroppedFrames+fs.DroppedFrames {
		t.Fatalf("stream drops %d, sink drops %d+%d", p.Stats().DroppedFrames, ss.DroppedFrames, fs.DroppedFrames)
	}
}

// feedbackSource counts keyframe requests and bitrate targets.
type feedbackSource struct {
	hw.VideoSource
	mu      sync.Mutex
	keys    int
	targets []int
}

func (f *feedbackSource) RequestKeyframe() error { f.mu.Lock(); f.keys++; f.mu.Unlock(); return nil }
func (f *feedbackSource) SetTargetBitrate(bps int) error {
	f.mu.Lock()
	f.targets = append(f.targets, bps)
	f.mu.Unlock()
	return nil
}
func (f *feedbackSource) TargetBitrate() int { return 0 }

func TestKeyframeRequestsCoalesced(t *testing.T) {
	clk := hwtest.NewClock(10 * time.Second)
	src := &feedbackSource{}
	p := newH264Pipeline(t, src, clk, nil)
	a, b := p.AddSink(&memSink{Sealer: PlainRTP{}}), p.AddSink(&memSink{Sealer: PlainRTP{}})
	defer p.Close()
	ssrc := p.Stream().SSRC()
	p.HandleRTCP(a, rtcp.AppendPLI(nil, 0xa, ssrc))
	clk.Advance(100 * time.Millisecond)
	p.HandleRTCP(b, rtcp.AppendPLI(nil, 0xb, ssrc))
	if src.keys != 1 {
		t.Fatalf("two PLIs within 100 ms: %d requests, want 1", src.keys)
	}
	p.HandleRTCP(b, rtcp.AppendPLI(nil, 0xb, ssrc+1)) // another stream's
	clk.Advance(450 * time.Millisecond)
	p.HandleRTCP(a, rtcp.AppendFIR(nil, 0xa, []rtcp.FIREntry{{SSRC: ssrc, Seq: 1}}))
	if src.keys != 2 {
		t.Fatalf("FIR 550 ms after the first PLI: %d requests, want 2", src.keys)
	}
	if s := p.Stats(); s.KeyframeRequests != 2 || s.KeyframeCoalesced != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// TestLimitSink: a call's negotiated maximum caps the source like
// feedback does, and feedback above it does not lift it.
func TestLimitSink(t *testing.T) {
	src := &feedbackSource{}
	p := newH264Pipeline(t, src, hwtest.NewClock(0), nil)
	a := p.AddSink(&memSink{Sealer: PlainRTP{}})
	defer p.Close()
	p.LimitSink(a, 2_000_000)
	p.HandleRTCP(a, rtcp.AppendREMB(nil, 0xa, 5_000_000, []uint32{p.Stream().SSRC()}))
	p.HandleRTCP(a, rtcp.AppendREMB(nil, 0xa, 600_000, []uint32{p.Stream().SSRC()}))
	want := []int{2_000_000, 600_000}
	if len(src.targets) != len(want) || src.targets[0] != want[0] || src.targets[1] != want[1] {
		t.Fatalf("targets %v, want %v", src.targets, want)
	}
}

func TestBitrateMinimumAcrossSinks(t *testing.T) {
	clk := hwtest.NewClock(0)
	src := &feedbackSource{}
	p := newH264Pipeline(t, src, clk, nil)
	a, b := p.AddSink(&memSink{Sealer: PlainRTP{}}), p.AddSink(&memSink{Sealer: PlainRTP{}})
	defer p.Close()
	ssrc := p.Stream().SSRC()
	p.HandleRTCP(a, rtcp.AppendREMB(nil, 0xa, 1_000_000, []uint32{ssrc}))
	p.HandleRTCP(b, rtcp.AppendTMMBR(nil, 0xb, []rtcp.TMMBEntry{{SSRC: ssrc, Bitrate: 400_000, Overhead: 40}}))
	p.HandleRTCP(a, rtcp.AppendREMB(nil, 0xa, 800_000, []uint32{ssrc}))
	p.RemoveSink(b)
	want := []int{1_000_000, 400_000, 800_000}
	if len(src.targets) != len(want) {
		t.Fatalf("targets %v, want %v", src.targets, want)
	}
	for i := range want {
		if src.targets[i] != want[i] {
			t.Fatalf("targets %v, want %v", src.targets, want)
		}
	}
}
