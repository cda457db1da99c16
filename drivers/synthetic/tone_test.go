package synthetic

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

// goertzel returns the (unnormalised) power of x at frequency f for sample
// rate rate; the test only compares it between frequencies.
func goertzel(x []float64, f, rate float64) float64 {
	w := 2 * math.Pi * f / rate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+c*s1-s2, s1
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

func startTone(t testing.TB, opts *ToneOptions, cfg hw.AudioConfig) *Tone {
	t.Helper()
	tn, err := NewTone(hwtest.NewAutoClock(5*time.Second), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tn.Close() })
	if err := tn.Start(cfg); err != nil {
		t.Fatal(err)
	}
	return tn
}

func TestToneFrequencyLevelPhase(t *testing.T) {
	for _, tc := range []struct {
		format hw.AudioFormat
		hz     float64
		level  float64
	}{
		{hw.AudioFormat{Rate: 48000, Channels: 2, Encoding: hw.S16LE}, 0, 0}, // defaults: 1 kHz, -20 dBFS
		{hw.AudioFormat{Rate: 8000, Channels: 1, Encoding: hw.S16LE}, 0, 0},
		{hw.AudioFormat{Rate: 16000, Channels: 1, Encoding: hw.S16LE}, 440, -6},
	} {
		t.Run(tc.format.String(), func(t *testing.T) {
			opts := &ToneOptions{Frequency: tc.hz}
			hz, level := 1000.0, -20.0
			if tc.hz != 0 {
				hz, level = tc.hz, tc.level
				opts.Level = &tc.level
			}
			tn := startTone(t, opts, hw.AudioConfig{Format: tc.format})
			rate, ch := tc.format.Rate, tc.format.Channels
			per := tn.PeriodFrames()
			if per != rate/50 {
				t.Fatalf("period %d frames, want 20 ms", per)
			}
			dst := make([]int16, per*ch)
			var mono []float64
			amp := 32767 * math.Pow(10, level/20)
			for k := 0; k < 50; k++ { // one second
				p, err := tn.ReadPeriod(context.Background(), dst)
				if err != nil {
					t.Fatal(err)
				}
				if p.Frames != per || p.Sequence != uint64(k) || p.Flags != 0 {
					t.Fatalf("period %d: %+v", k, p)
				}
				if want := 5*time.Second + time.Duration(k)*20*time.Millisecond; p.Timestamp != want {
					t.Fatalf("period %d stamped %v, want %v", k, p.Timestamp, want)
				}
				for i := 0; i < per; i++ {
					n := k*per + i
					// Phase-continuous across periods: every sample is the
					// sine at its global index.
					want := math.Round(amp * math.Sin(2*math.Pi*hz*float64(n)/float64(rate)))
					for c := 0; c < ch; c++ {
						if got := float64(dst[i*ch+c]); math.Abs(got-want) > 1 {
							t.Fatalf("sample %d ch %d = %v, want %v", n, c, got, want)
						}
					}
					mono = append(mono, float64(dst[i*ch]))
				}
			}
			// Frequency: the energy is at hz, not beside it.
			on := goertzel(mono, hz, float64(rate))
			for _, off := range []float64{hz * 0.9, hz * 1.1, hz * 2} {
				if g := goertzel(mono, off, float64(rate)); g > on/1000 {
					t.Errorf("energy at %v Hz is %.1f dB below %v Hz, want 30+", off, 10*math.Log10(on/g), hz)
				}
			}
			// Zero crossings: 2·hz per second.
			cross := 0
			for i := 1; i < len(mono); i++ {
				if (mono[i-1] < 0) != (mono[i] < 0) {
					cross++
				}
			}
			if want := int(2 * hz); cross < want-2 || cross > want+2 {
				t.Errorf("%d zero crossings in 1 s, want %d", cross, want)
			}
			// Level: RMS of a sine is peak/√2.
			var sum float64
			for _, v := range mono {
				sum += v * v
			}
			rms := math.Sqrt(sum / float64(len(mono)))
			if got := 20 * math.Log10(rms*math.Sqrt2/32767); math.Abs(got-level) > 0.1 {
				t.Errorf("level %.2f dBFS, want %v", got, level)
			}
		})
	}
}

func TestToneReadPeriodAllocs(t *testing.T) {
	tn := startTone(t, nil, hw.AudioConfig{Format: hw.AudioFormat{Rate: 48000, Channels: 2, Encoding: hw.S16LE}, PeriodFrames: 240})
	dst := make([]int16, 480)
	if n := testing.AllocsPerRun(200, func() {
		if _, err := tn.ReadPeriod(context.Background(), dst); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("ReadPeriod allocates %v", n)
	}
	if tn.PeriodFrames() != 240 {
		t.Error(tn.PeriodFrames())
	}
}

func TestTonePacingAndOverrun(t *testing.T) {
	clk := hwtest.NewClock(time.Second)
	tn, err := NewTone(clk, &ToneOptions{MaxLag: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer tn.Close()
	f := hw.AudioFormat{Rate: 8000, Channels: 1, Encoding: hw.S16LE}
	if err := tn.Start(hw.AudioConfig{Format: f}); err != nil {
		t.Fatal(err)
	}
	dst := make([]int16, 160)
	got := make(chan hw.Period)
	go func() {
		p, err := tn.ReadPeriod(context.Background(), dst)
		if err != nil {
			t.Error(err)
		}
		got <- p
	}()
	clk.WaitForSleepers(t, 1)
	clk.Advance(19 * time.Millisecond)
	select {
	case <-got:
		t.Fatal("period 0 delivered before its last sample")
	case <-time.After(10 * time.Millisecond):
	}
	clk.Advance(time.Millisecond)
	if p := <-got; p.Timestamp != time.Second || p.Sequence != 0 {
		t.Errorf("period 0: %+v", p)
	}
	// 1 s without reading: the oldest periods are lost.
	clk.Advance(time.Second)
	p, err := tn.ReadPeriod(context.Background(), dst)
	if err != nil {
		t.Fatal(err)
	}
	// Periods 1..50 are complete; with 2 kept, 49 and 50 remain.
	if p.Sequence != 49 || p.Flags != hw.PeriodDiscontinuity || p.Timestamp != time.Second+49*20*time.Millisecond {
		t.Errorf("after overrun: %+v", p)
	}
	// The phase is where the real tone would be: sample 49·160 onwards.
	amp := 32767 * math.Pow(10, -20.0/20)
	for i := 0; i < 160; i++ {
		want := math.Round(amp * math.Sin(2*math.Pi*1000*float64(49*160+i)/8000))
		if math.Abs(float64(dst[i])-want) > 1 {
			t.Fatalf("sample %d after overrun = %d, want %v", i, dst[i], want)
		}
	}
	if p, _ := tn.ReadPeriod(context.Background(), dst); p.Sequence != 50 || p.Flags != 0 {
		t.Errorf("next period %+v", p)
	}
	// Stop wakes a blocked reader.
	errc := make(chan error)
	go func() {
		_, err := tn.ReadPeriod(context.Background(), dst)
		errc <- err
	}()
	clk.WaitForSleepers(t, 1)
	_ = tn.Stop()
	if err := <-errc; !errors.Is(err, hw.ErrNotStreaming) {
		t.Errorf("blocked read after Stop: %v", err)
	}
}

func TestToneErrors(t *testing.T) {
	tn, _ := NewTone(hwtest.NewAutoClock(0), nil)
	if _, err := tn.ReadPeriod(context.Background(), nil); !errors.Is(err, hw.ErrNotStreaming) {
		t.Error(err)
	}
	if err := tn.Start(hw.AudioConfig{Format: hw.AudioFormat{Rate: 44100, Channels: 2, Encoding: hw.S16LE}}); !errors.Is(err, hw.ErrUnsupportedMode) {
		t.Error(err)
	}
	f := hw.AudioFormat{Rate: 16000, Channels: 2, Encoding: hw.S16LE}
	if err := tn.Start(hw.AudioConfig{Format: f}); err != nil {
		t.Fatal(err)
	}
	if err := tn.Start(hw.AudioConfig{Format: f}); !errors.Is(err, hw.ErrBusy) {
		t.Error(err)
	}
	if _, err := tn.ReadPeriod(context.Background(), make([]int16, 639)); !errors.Is(err, hw.ErrShortBuffer) {
		t.Error(err)
	}
	_ = tn.Close()
	if _, err := tn.ReadPeriod(context.Background(), make([]int16, 640)); !errors.Is(err, hw.ErrClosed) {
		t.Error(err)
	}
	if tn.PeriodFrames() != 0 {
		t.Error("period after close")
	}
	bad := 3.0
	if _, err := NewTone(nil, &ToneOptions{Level: &bad}); err == nil {
		t.Error("+3 dBFS accepted")
	}
	silence := math.Inf(-1)
	s, err := NewTone(hwtest.NewAutoClock(0), &ToneOptions{Level: &silence})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Start(hw.AudioConfig{Format: f})
	dst := make([]int16, 640)
	dst[7] = 99
	if _, err := s.ReadPeriod(context.Background(), dst); err != nil || dst[7] != 0 {
		t.Errorf("silence: %v %d", err, dst[7])
	}
}

func BenchmarkToneReadPeriod(b *testing.B) {
	tn := startTone(b, nil, hw.AudioConfig{Format: hw.AudioFormat{Rate: 48000, Channels: 2, Encoding: hw.S16LE}})
	dst := make([]int16, 1920)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := tn.ReadPeriod(context.Background(), dst); err != nil {
			b.Fatal(err)
		}
	}
}
