package rtp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/cluecam/cluecam/media/codec"
)

func sine(rate, n int, hz, dBFS float64, phase int) []int16 {
	amp := 32767 * math.Pow(10, dBFS/20)
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(math.Round(amp * math.Sin(2*math.Pi*hz*float64(i+phase)/float64(rate))))
	}
	return pcm
}

func TestAudioPacketization(t *testing.T) {
	for _, tc := range []struct {
		codec    AudioCodec
		pt       uint8
		clock    int
		rate, ch int
		ptime    time.Duration
		period   int // samples per channel per Write
		bytes    int // payload bytes per packet
		ticks    uint32
		encode   func([]int16) []byte
	}{
		{PCMU, 0, 8000, 8000, 1, 20 * time.Millisecond, 160, 160, 160, func(p []int16) []byte {
			b := make([]byte, len(p))
			codec.EncodeMulaw(b, p)
			return b
		}},
		{PCMA, 8, 8000, 8000, 1, 20 * time.Millisecond, 80, 160, 160, func(p []int16) []byte {
			b := make([]byte, len(p))
			codec.EncodeAlaw(b, p)
			return b
		}},
		// G.722: 16 kHz audio, 8000 Hz RTP clock (RFC 3551 §4.5.2): 320
		// samples make 160 octets and 160 ticks.
		{G722, 9, 8000, 16000, 1, 20 * time.Millisecond, 480, 160, 160, nil},
		{L16, 96, 48000, 48000, 2, 5 * time.Millisecond, 960, 960, 240, func(p []int16) []byte {
			b := make([]byte, 2*len(p))
			codec.EncodeL16(b, p)
			return b
		}},
		{L16, 11, 44100, 44100, 1, 10 * time.Millisecond, 441, 882, 441, nil},
	} {
		t.Run(tc.codec.String(), func(t *testing.T) {
			s := newStream(t, StreamOptions{PayloadType: tc.pt, ClockRate: tc.clock, CaptID: "AC1", CaptIDExtID: 4})
			a, err := NewAudioPacketizer(s, AudioOptions{Codec: tc.codec, SampleRate: tc.rate, Channels: tc.ch, PTime: tc.ptime})
			if err != nil {
				t.Fatal(err)
			}
			pool := NewPool(nil)
			pcm := sine(tc.rate, 40*tc.period*tc.ch, 1000, -10, 0)
			var wire [][]byte
			capture := 10 * time.Second
			for off := 0; off < len(pcm); off += tc.period * tc.ch {
				if err := a.Write(pcm[off:off+tc.period*tc.ch], capture, false); err != nil {
					t.Fatal(err)
				}
				capture += time.Duration(tc.period) * time.Second / time.Duration(tc.rate)
				wire = append(wire, drain(t, a, pool)...)
			}
			per := a.SamplesPerPacket()
			if want := len(pcm) / (per * tc.ch); len(wire) != want {
				t.Fatalf("%d packets, want %d", len(wire), want)
			}
			var all []byte
			for i, b := range wire {
				p := parse(t, b)
				if len(p.Payload) != tc.bytes || p.PayloadType != tc.pt || string(p.GetExtension(4)) != "AC1" {
					t.Fatalf("packet %d: %d bytes, pt %d", i, len(p.Payload), p.PayloadType)
				}
				if want := parse(t, wire[0]).Timestamp + uint32(i)*tc.ticks; p.Timestamp != want {
					t.Fatalf("packet %d: ts %d, want %d", i, p.Timestamp, want)
				}
				if p.Marker != (i == 0) {
					t.Fatalf("packet %d: marker %v", i, p.Marker)
				}
				all = append(all, p.Payload...)
			}
			want := tc.encode
			if tc.codec == G722 {
				want = func(p []int16) []byte {
					var e codec.G722Encoder
					b := make([]byte, len(p)/2)
					e.Encode(b, p)
					return b
				}
			}
			if want != nil && !bytes.Equal(all, want(pcm[:len(wire)*per*tc.ch])) {
				t.Error("payloads differ from encoding the whole signal at once")
			}
			if tc.codec == L16 && tc.ch == 1 && binary.BigEndian.Uint16(all[2:]) != uint16(pcm[1]) {
				t.Error("L16 not in network byte order")
			}
		})
	}
}

func TestAudioDiscontinuity(t *testing.T) {
	s := newStream(t, StreamOptions{PayloadType: 0, ClockRate: 8000})
	a, _ := NewAudioPacketizer(s, AudioOptions{Codec: PCMU})
	pool := NewPool(nil)
	ts := func() (uint32, bool) {
		w := drain(t, a, pool)
		if len(w) != 1 {
			t.Fatalf("%d packets", len(w))
		}
		p := parse(t, w[0])
		return p.Timestamp, p.Marker
	}
	pcm := make([]int16, 160)
	a.Write(pcm, time.Second, false)
	t0, m0 := ts()
	a.Write(pcm, time.Second+20*time.Millisecond, false)
	t1, m1 := ts()
	// Half a packet, then an overrun: 100 ms lost.
	a.Write(pcm[:80], time.Second+40*time.Millisecond, false)
	if a.More() {
		t.Fatal("packet from half a period")
	}
	a.Write(pcm, time.Second+150*time.Millisecond, true)
	t2, m2 := ts()
	if t1-t0 != 160 || t2-t1 != 1040 || !m0 || m1 || !m2 {
		t.Errorf("steps %d, %d; markers %v %v %v", t1-t0, t2-t1, m0, m1, m2)
	}
}

func TestAudioErrors(t *testing.T) {
	s8 := newStream(t, StreamOptions{PayloadType: 0, ClockRate: 8000})
	s16 := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 16000})
	s48 := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 48000})
	for name, tc := range map[string]struct {
		s *Stream
		o AudioOptions
	}{
		"PCMU at 16 kHz":          {s8, AudioOptions{Codec: PCMU, SampleRate: 16000}},
		"G722 on a 16 kHz clock":  {s16, AudioOptions{Codec: G722}},
		"stereo PCMA":             {s8, AudioOptions{Codec: PCMA, Channels: 2}},
		"L16 48k stereo 20ms":     {s48, AudioOptions{Codec: L16, Channels: 2}},
		"ptime not whole samples": {s48, AudioOptions{Codec: L16, PTime: time.Second / 7}},
		"no codec":                {s8, AudioOptions{}},
	} {
		if _, err := NewAudioPacketizer(tc.s, tc.o); !errors.Is(err, ErrOptions) {
			t.Errorf("%s: %v", name, err)
		}
	}
	a, _ := NewAudioPacketizer(s8, AudioOptions{Codec: PCMU, Backlog: 160})
	if err := a.Write(make([]int16, 400), 0, false); err != ErrAudioBacklog {
		t.Errorf("backlog: %v", err)
	}
	if err := a.Next(NewPacket(1200)); err != ErrNoPacket {
		t.Errorf("empty: %v", err)
	}
}
