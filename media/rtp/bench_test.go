package rtp

import (
	"math/rand/v2"
	"testing"
	"time"
)

// keyframe1080p synthesises an H.264 IDR access unit as a 1080p encoder
// at ~8 Mbit/s produces it: AUD, SPS, PPS, SEI and four IDR slices, about
// 150 KB in all. Slice payload bytes are random but never zero, so no
// start code appears inside (real slices are emulation-prevented).
func keyframe1080p() []byte {
	r := rand.New(rand.NewPCG(1080, 1920))
	rnd := func(hdr byte, n int) []byte {
		b := make([]byte, n)
		b[0] = hdr
		for i := 1; i < n; i++ {
			b[i] = byte(1 + r.IntN(255))
		}
		return b
	}
	return annexB(
		[]byte{0x09, 0xf0},
		[]byte{0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02, 0x27, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c, 0x60, 0xc6, 0x58},
		[]byte{0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0},
		rnd(0x06, 40),
		rnd(0x65, 41_000), rnd(0x65, 37_500), rnd(0x65, 36_000), rnd(0x65, 35_500),
	)
}

// packetizeFrame is the hot loop: every packet from the pool, assembled
// (the plain path's one copy) and released, as the pipeline does with a
// sealer in place of Assemble.
func packetizeFrame(pz packetizer, pool *Pool) (packets, bytes int) {
	for pz.More() {
		p := pool.Get()
		if err := pz.Next(p); err != nil {
			panic(err)
		}
		bytes += len(p.Assemble())
		packets++
		p.Release()
	}
	return
}

func BenchmarkH264Keyframe1080p(b *testing.B) {
	au := keyframe1080p()
	s := newStream(b, StreamOptions{PayloadType: 96, ClockRate: 90000, CaptID: "VC1", CaptIDExtID: 1})
	h, _ := NewH264Packetizer(s, nil)
	pool := NewPool(&PoolOptions{Buffers: 8})
	b.SetBytes(int64(len(au)))
	b.ReportAllocs()
	var packets int
	capture := time.Duration(0)
	for b.Loop() {
		capture += time.Second / 30
		h.SetFrame(au, capture)
		packets, _ = packetizeFrame(h, pool)
	}
	b.ReportMetric(float64(packets), "packets/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*packets), "ns/packet")
}

// BenchmarkH264Keyframe1080pDescribe measures packetisation alone: the
// packets are described (headers written, segments referenced) but not
// assembled, which is what the SRTP sealer receives.
func BenchmarkH264Keyframe1080pDescribe(b *testing.B) {
	au := keyframe1080p()
	s := newStream(b, StreamOptions{PayloadType: 96, ClockRate: 90000, CaptID: "VC1", CaptIDExtID: 1})
	h, _ := NewH264Packetizer(s, nil)
	pool := NewPool(&PoolOptions{Buffers: 8})
	b.SetBytes(int64(len(au)))
	b.ReportAllocs()
	for b.Loop() {
		h.SetFrame(au, 0)
		for h.More() {
			p := pool.Get()
			h.Next(p)
			p.Release()
		}
	}
}

func BenchmarkJPEG1080p(b *testing.B) {
	frame := testJPEG(b, 1920, 1080, 85, 1)
	s := newStream(b, StreamOptions{PayloadType: 26, ClockRate: 90000, CaptID: "VC1", CaptIDExtID: 1})
	j, _ := NewJPEGPacketizer(s, nil)
	pool := NewPool(&PoolOptions{Buffers: 8})
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	var packets int
	for b.Loop() {
		if err := j.SetFrame(frame, 0); err != nil {
			b.Fatal(err)
		}
		packets, _ = packetizeFrame(j, pool)
	}
	b.ReportMetric(float64(packets), "packets/op")
	b.ReportMetric(float64(len(frame)), "frame-bytes")
}

func BenchmarkAudio20ms(b *testing.B) {
	for _, c := range []struct {
		codec       AudioCodec
		clock, rate int
	}{{PCMU, 8000, 8000}, {G722, 8000, 16000}, {L16, 16000, 16000}} {
		b.Run(c.codec.String(), func(b *testing.B) {
			s := newStream(b, StreamOptions{PayloadType: 0, ClockRate: c.clock, CaptID: "AC1", CaptIDExtID: 1})
			a, _ := NewAudioPacketizer(s, AudioOptions{Codec: c.codec, SampleRate: c.rate})
			pool := NewPool(&PoolOptions{Buffers: 4})
			pcm := sine(c.rate, c.rate/50, 1000, -20, 0)
			b.ReportAllocs()
			capture := time.Duration(0)
			for b.Loop() {
				capture += 20 * time.Millisecond
				a.Write(pcm, capture, false)
				packetizeFrame(a, pool)
			}
		})
	}
}

// TestHotPathAllocs: once warm, packetising a frame, an audio period and
// building the RTCP report allocate nothing.
func TestHotPathAllocs(t *testing.T) {
	pool := NewPool(&PoolOptions{Buffers: 8})
	au := keyframe1080p()
	sv := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 90000, CaptID: "VC1", CaptIDExtID: 1})
	h, _ := NewH264Packetizer(sv, &H264Options{RepeatParameterSets: true})
	idrOnly := annexB(nalu(0x65, 5000))
	jpg := testJPEG(t, 640, 360, 80, 2)
	sj := newStream(t, StreamOptions{PayloadType: 26, ClockRate: 90000, CaptID: "VC2", CaptIDExtID: 2, CaptIDRepeat: 3})
	j, _ := NewJPEGPacketizer(sj, nil)
	type aud struct {
		a   *AudioPacketizer
		pcm []int16
	}
	var auds []aud
	for _, c := range []struct {
		codec       AudioCodec
		clock, rate int
	}{{PCMU, 8000, 8000}, {PCMA, 8000, 8000}, {G722, 8000, 16000}, {L16, 48000, 48000}} {
		s := newStream(t, StreamOptions{PayloadType: 0, ClockRate: c.clock, CaptID: "AC1", CaptIDExtID: 15})
		a, err := NewAudioPacketizer(s, AudioOptions{Codec: c.codec, SampleRate: c.rate, PTime: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		auds = append(auds, aud{a, sine(c.rate, c.rate/100, 440, -6, 0)})
	}
	rtcpBuf := make([]byte, 0, 1500)
	capture := time.Duration(0)
	run := func() {
		capture += time.Second / 30
		h.SetFrame(au, capture)
		packetizeFrame(h, pool)
		h.SetFrame(idrOnly, capture) // parameter sets repeated from the cache
		packetizeFrame(h, pool)
		if err := j.SetFrame(jpg, capture); err != nil {
			t.Fatal(err)
		}
		packetizeFrame(j, pool)
		for _, a := range auds {
			a.a.Write(a.pcm, capture, false)
			packetizeFrame(a.a, pool)
		}
		rtcpBuf = sv.AppendReport(rtcpBuf[:0], capture, time.Unix(1e9, 0), "cluecam@box", nil)
	}
	run() // warm the pool
	if n := testing.AllocsPerRun(20, run); n != 0 {
		t.Errorf("%v allocs per frame", n)
	}
	if pool.Outstanding() != 0 {
		t.Errorf("%d packets not released", pool.Outstanding())
	}
}
