package pipeline

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cluecam/cluecam/drivers/synthetic"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
	"github.com/cluecam/cluecam/media/rtp"
	"github.com/cluecam/cluecam/media/rtp/rtcp"
	"github.com/cluecam/cluecam/media/srtp"
)

func TestAudioPipeline(t *testing.T) {
	for _, tc := range []struct {
		codec        rtp.AudioCodec
		pt           uint8
		rate, clock  int
		payload, inc int
	}{
		{rtp.PCMU, 0, 8000, 8000, 160, 160},
		{rtp.PCMA, 8, 8000, 8000, 160, 160},
		// RFC 3551 §4.5.2: 16 kHz audio, 8000 Hz RTP clock.
		{rtp.G722, 9, 16000, 8000, 160, 160},
		{rtp.L16, 97, 16000, 16000, 640, 320},
	} {
		t.Run(tc.codec.String(), func(t *testing.T) {
			clk := hwtest.NewAutoClock(time.Second)
			tone, err := synthetic.NewTone(clk, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tone.Close()
			if err := tone.Start(hw.AudioConfig{Format: hw.AudioFormat{Rate: tc.rate, Channels: 1, Encoding: hw.S16LE}}); err != nil {
				t.Fatal(err)
			}
			st, err := rtp.NewStream(rtp.StreamOptions{PayloadType: tc.pt, ClockRate: tc.clock, CaptID: "AC1", CaptIDExtID: 1})
			if err != nil {
				t.Fatal(err)
			}
			ap, err := rtp.NewAudioPacketizer(st, rtp.AudioOptions{Codec: tc.codec, SampleRate: tc.rate})
			if err != nil {
				t.Fatal(err)
			}
			p, err := NewAudio(tone, ap, &Options{Clock: clk, QueueFrames: 64})
			if err != nil {
				t.Fatal(err)
			}
			m := &memSink{Sealer: PlainRTP{}}
			h := p.AddSink(m)
			if err := p.Run(context.Background(), 50); err != nil {
				t.Fatal(err)
			}
			p.Close()
			pkts := flatten(m.got())
			if len(pkts) != 50 || h.Stats().Packets != 50 {
				t.Fatalf("%d packets for 50 periods of 20 ms", len(pkts))
			}
			for i, pk := range pkts {
				hl := 12 + 4 + 4*int(binary.BigEndian.Uint16(pk[14:]))
				if pk[1]&0x7f != tc.pt || len(pk)-hl != tc.payload || pk[0]&0x10 == 0 {
					t.Fatalf("packet %d: PT %d, payload %d bytes, X %v", i, pk[1]&0x7f, len(pk)-hl, pk[0]&0x10 != 0)
				}
				if (pk[1]&0x80 != 0) != (i == 0) {
					t.Fatalf("packet %d: marker %v", i, pk[1]&0x80 != 0)
				}
				if i > 0 {
					if d := binary.BigEndian.Uint32(pk[4:]) - binary.BigEndian.Uint32(pkts[i-1][4:]); d != uint32(tc.inc) {
						t.Fatalf("packet %d: timestamp step %d, want %d", i, d, tc.inc)
					}
				}
			}
		})
	}
}

func TestAudioPipelineRejectsFrames(t *testing.T) {
	st, _ := rtp.NewStream(rtp.StreamOptions{PayloadType: 0, ClockRate: 8000})
	ap, _ := rtp.NewAudioPacketizer(st, rtp.AudioOptions{Codec: rtp.PCMU})
	p, err := NewAudio(nil, ap, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := hw.NewFrame([]byte{0, 0, 1, 0x65}, 0, 0, 0, nil, 0, 0)
	if err := p.ProcessFrame(&f); err == nil {
		t.Fatal("an audio pipeline took a video frame")
	}
	if _, err := New(nil, ap, nil); err == nil {
		t.Fatal("New took an audio packetizer")
	}
}

// TestSenderReportsMapCaptureClock checks the sender reports the pipeline
// actually sends: for every packet, the wall-clock time that its RTP
// timestamp maps to through the SR's NTP/RTP pair (RFC 3550 §6.4.1) is its
// capture time on CLOCK_MONOTONIC mapped to the wall clock, within 1 ms,
// for video frames captured with jitter and for audio periods.
func TestSenderReportsMapCaptureClock(t *testing.T) {
	wall0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	mono0 := 5 * time.Second
	wallOf := func(d time.Duration) time.Time { return wall0.Add(d - mono0) }
	r := rand.New(rand.NewPCG(1, 2))

	check := func(t *testing.T, m *memSink, capture map[uint32]time.Duration, rate float64) {
		t.Helper()
		if len(m.rtcp) == 0 {
			t.Fatal("no sender reports")
		}
		for _, rep := range m.rtcp {
			rd := rtcp.NewReader(rep)
			q, _ := rd.Next()
			_, si, _, err := q.SenderReport()
			if err != nil {
				t.Fatal(err)
			}
			srWall := rtcp.NTPToTime(si.NTPTime)
			for ts, c := range capture {
				d := time.Duration(float64(int32(si.RTPTime-ts)) / rate * float64(time.Second))
				if e := srWall.Add(-d).Sub(wallOf(c)); e > time.Millisecond || e < -time.Millisecond {
					t.Fatalf("RTP timestamp %d captured at %v maps %v off", ts, c-mono0, e)
				}
			}
		}
	}

	t.Run("video", func(t *testing.T) {
		clk := hwtest.NewClock(mono0)
		p := newH264Pipeline(t, nil, clk, &Options{Wall: func() time.Time { return wallOf(clk.Now()) }, QueueFrames: 256, RTCPInterval: -1})
		m := &memSink{Sealer: PlainRTP{}}
		h := p.AddSink(m)
		data := benchFrame(t, false)
		capture := map[uint32]time.Duration{}
		var order []time.Duration
		for i := range 90 {
			// 30 fps with ±4 ms of capture jitter; the report goes out
			// 0..20 ms after the capture, as the pipeline lags.
			c := mono0 + time.Duration(i)*time.Second/30 + time.Duration(r.IntN(8000)-4000)*time.Microsecond
			clk.Set(c)
			order = append(order, c)
			f := hw.NewFrame(data, c, uint64(i), hw.FrameKeyframe, nil, 0, 0)
			if err := p.ProcessFrame(&f); err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Duration(r.IntN(20)) * time.Millisecond)
			if i%10 == 9 {
				p.SendReports()
			}
		}
		waitFor(t, "90 frames sent", func() bool { return h.Stats().Frames == 90 })
		p.Close()
		for i, b := range m.got() {
			capture[binary.BigEndian.Uint32(b[0][4:])] = order[i]
		}
		check(t, m, capture, 90000)
	})

	t.Run("audio", func(t *testing.T) {
		clk := hwtest.NewClock(mono0)
		st, _ := rtp.NewStream(rtp.StreamOptions{PayloadType: 9, ClockRate: 8000})
		ap, _ := rtp.NewAudioPacketizer(st, rtp.AudioOptions{Codec: rtp.G722})
		p, err := NewAudio(nil, ap, &Options{Clock: clk, Wall: func() time.Time { return wallOf(clk.Now()) }, QueueFrames: 256, RTCPInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		m := &memSink{Sealer: PlainRTP{}}
		h := p.AddSink(m)
		pcm := make([]int16, 320)
		var order []time.Duration
		for i := range 150 {
			// ALSA stamps periods from DELAY: a little jitter around the
			// sample clock, which the timestamps must not follow.
			c := mono0 + time.Duration(i)*20*time.Millisecond + time.Duration(r.IntN(400)-200)*time.Microsecond
			clk.Set(c + 20*time.Millisecond + time.Duration(r.IntN(5))*time.Millisecond)
			order = append(order, c)
			if err := p.ProcessPeriod(pcm, hw.Period{Frames: 320, Timestamp: c, Sequence: uint64(i)}); err != nil {
				t.Fatal(err)
			}
			if i%25 == 24 {
				p.SendReports()
			}
		}
		waitFor(t, "150 packets sent", func() bool { return h.Stats().Packets == 150 })
		p.Close()
		capture := map[uint32]time.Duration{}
		for i, pk := range flatten(m.got()) {
			capture[binary.BigEndian.Uint32(pk[4:])] = order[i]
		}
		check(t, m, capture, 8000)
	})
}

func TestProcessPeriodAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	for _, c := range []rtp.AudioCodec{rtp.PCMU, rtp.G722} {
		st, _ := rtp.NewStream(rtp.StreamOptions{PayloadType: 9, ClockRate: 8000, CaptID: "AC1", CaptIDExtID: 1})
		ap, _ := rtp.NewAudioPacketizer(st, rtp.AudioOptions{Codec: c})
		p, err := NewAudio(nil, ap, &Options{Clock: hwtest.NewClock(0), RTCPInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		snd, _ := srtp.NewSender(srtp.ProfileAES128CMSHA1_80, make([]byte, 16), make([]byte, 14))
		ss, _ := snd.Stream(st.SSRC())
		h := p.AddSink(&memSink{Sealer: SRTPSealer{Stream: ss, Profile: srtp.ProfileAES128CMSHA1_80}, discard: true})
		n := ap.SamplesPerPacket()
		pcm := make([]int16, n)
		ts := time.Duration(0)
		step := func() {
			ts += 20 * time.Millisecond
			if err := p.ProcessPeriod(pcm, hw.Period{Frames: n, Timestamp: ts}); err != nil {
				t.Fatal(err)
			}
		}
		for range 32 {
			step()
		}
		if a := testing.AllocsPerRun(200, step); a != 0 {
			t.Errorf("%v: %.1f allocs per period, want 0", c, a)
		}
		p.Close()
		if h.Stats().Packets == 0 {
			t.Fatal("nothing sent")
		}
	}
}
