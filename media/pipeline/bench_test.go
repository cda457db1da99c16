package pipeline

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/cluecam/cluecam/drivers/synthetic"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
	"github.com/cluecam/cluecam/media/rtp"
	"github.com/cluecam/cluecam/media/srtp"
)

// benchFrame returns a copy of the first frame of a synthetic camera: an
// H.264 IDR access unit with SPS and PPS, or a JPEG image.
func benchFrame(tb testing.TB, mjpeg bool) []byte {
	tb.Helper()
	clk := hwtest.NewAutoClock(time.Second)
	var src hw.VideoSource
	var err error
	if mjpeg {
		src, err = synthetic.NewMJPEGCamera(clk, nil)
	} else {
		src, err = synthetic.NewH264Camera(clk, nil)
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	if err := src.Start(src.Modes()[0]); err != nil {
		tb.Fatal(err)
	}
	f, err := src.ReadFrame(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Release()
	if !f.Keyframe() {
		tb.Fatal("first frame is not a keyframe")
	}
	return bytes.Clone(f.Data)
}

// benchPipeline is a pipeline with two SRTP sinks that discard what they
// are sent, warmed up so every queue buffer has grown to the frame.
func benchPipeline(tb testing.TB, mjpeg bool, data []byte) (*Pipeline, func()) {
	tb.Helper()
	st, err := rtp.NewStream(rtp.StreamOptions{PayloadType: 96, ClockRate: 90000, CaptID: "VC1", CaptIDExtID: 1})
	if err != nil {
		tb.Fatal(err)
	}
	var pz Packetizer
	if mjpeg {
		pz, err = rtp.NewJPEGPacketizer(st, nil)
	} else {
		pz, err = rtp.NewH264Packetizer(st, nil)
	}
	if err != nil {
		tb.Fatal(err)
	}
	p, err := New(nil, pz, &Options{Clock: hwtest.NewClock(0), QueueFrames: 4})
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		snd, err := srtp.NewSender(srtp.ProfileAES128CMSHA1_80, bytes.Repeat([]byte{byte(i + 1)}, 16), make([]byte, 14))
		if err != nil {
			tb.Fatal(err)
		}
		ss, _ := snd.Stream(st.SSRC())
		p.AddSink(&memSink{Sealer: SRTPSealer{Stream: ss, Profile: srtp.ProfileAES128CMSHA1_80}, discard: true})
	}
	ts := time.Duration(0)
	step := func() {
		ts += time.Second / 30
		f := hw.NewFrame(data, ts, 0, hw.FrameKeyframe, nil, 0, 0)
		if err := p.ProcessFrame(&f); err != nil {
			tb.Fatal(err)
		}
	}
	for i := 0; i < 32; i++ {
		step()
	}
	tb.Cleanup(func() { p.Close() })
	return p, step
}

func TestProcessFrameAllocs(t *testing.T) {
	if raceEnabled {
		// Under -race sync.Pool drops items at random, and media/srtp's
		// AES-CTR keystream state comes from one: the count is not 0 there.
		t.Skip("allocation counts are meaningless under -race")
	}
	for _, mjpeg := range []bool{false, true} {
		data := benchFrame(t, mjpeg)
		p, step := benchPipeline(t, mjpeg, data)
		if n := testing.AllocsPerRun(200, step); n != 0 {
			t.Errorf("mjpeg=%v: %.1f allocs per frame, want 0", mjpeg, n)
		}
		if s := p.Stats(); s.Packets == 0 {
			t.Fatalf("no packets: %+v", s)
		}
	}
}

func benchmarkFrame(b *testing.B, mjpeg bool) {
	data := benchFrame(b, mjpeg)
	p, step := benchPipeline(b, mjpeg, data)
	before := p.Stats()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step()
	}
	b.StopTimer()
	s := p.Stats()
	b.ReportMetric(float64(s.Packets-before.Packets)/float64(b.N), "packets/frame")
}

// BenchmarkH264Keyframe: packetize + seal for two SRTP sinks + queue, one
// 640x360 IDR access unit (SPS, PPS, IDR slices) per op.
func BenchmarkH264Keyframe(b *testing.B) { benchmarkFrame(b, false) }

// BenchmarkMJPEGFrame: the same for one synthetic MJPEG frame.
func BenchmarkMJPEGFrame(b *testing.B) { benchmarkFrame(b, true) }
