package pipeline

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/cluecam/cluecam/drivers/synthetic"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
	"github.com/cluecam/cluecam/media/rtp"
)

// RFC 6464 §3: the level is the period's power in -dBov, a full-scale
// square wave being 0 dBov; so a full-scale sine is 3 (-3.01 dBov).
func TestLevelOf(t *testing.T) {
	sine := func(amp float64, n int) []int16 {
		s := make([]int16, n)
		for i := range s {
			s[i] = int16(math.Round(amp * math.Sin(2*math.Pi*float64(i)/32)))
		}
		return s
	}
	square := make([]int16, 320)
	for i := range square {
		square[i] = 32767
		if i%2 == 1 {
			square[i] = -32768
		}
	}
	for _, tc := range []struct {
		name string
		pcm  []int16
		want uint8
	}{
		{"empty", nil, SilentLevel},
		{"digital silence", make([]int16, 320), SilentLevel},
		{"full-scale square", square, 0},
		{"full-scale sine", sine(32767, 320), 3},
		{"sine at -20 dBFS", sine(32767*0.1, 320), 23},
		{"sine at -60 dBFS", sine(32767*0.001, 320), 63},
		{"one LSB of noise", []int16{1, -1, 1, -1}, SilentLevel - 37}, // 20·log10(32768) = 90.3
	} {
		if got := levelOf(tc.pcm); got != tc.want {
			t.Errorf("%s: level %d, want %d", tc.name, got, tc.want)
		}
	}
}

// The pipeline measures every period it processes: a tone at -20 dBFS
// reads 23 (-23 dBov), silence 127, and no period yet reads silent.
func TestPipelineAudioLevel(t *testing.T) {
	for _, tc := range []struct {
		dbfs float64
		want uint8
	}{{-20, 23}, {-6, 9}, {math.Inf(-1), SilentLevel}} {
		clk := hwtest.NewAutoClock(time.Second)
		level := tc.dbfs
		tone, err := synthetic.NewTone(clk, &synthetic.ToneOptions{Level: &level})
		if err != nil {
			t.Fatal(err)
		}
		if err := tone.Start(hw.AudioConfig{Format: hw.AudioFormat{Rate: 16000, Channels: 1, Encoding: hw.S16LE}}); err != nil {
			t.Fatal(err)
		}
		st, _ := rtp.NewStream(rtp.StreamOptions{PayloadType: 9, ClockRate: 8000})
		ap, err := rtp.NewAudioPacketizer(st, rtp.AudioOptions{Codec: rtp.G722, SampleRate: 16000})
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewAudio(tone, ap, &Options{Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.AudioLevel(); got != SilentLevel {
			t.Errorf("before any period: level %d, want %d", got, SilentLevel)
		}
		if err := p.Run(context.Background(), 3); err != nil {
			t.Fatal(err)
		}
		if got := p.AudioLevel(); got != tc.want {
			t.Errorf("tone at %v dBFS: level %d, want %d", tc.dbfs, got, tc.want)
		}
		p.Close()
		tone.Close()
	}
}
