package codec

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os/exec"
	"testing"
	"time"

	"github.com/cluecam/cluecam/internal/testenv"
)

// ffmpegPipe runs ffmpeg with in on stdin and returns its stdout.
func ffmpegPipe(t testing.TB, in []byte, args ...string) []byte {
	t.Helper()
	ff := testenv.NeedCommand(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ff, append([]string{"-hide_banner", "-nostdin", "-loglevel", "error"}, args...)...)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

func s16le(pcm []int16) []byte {
	b := make([]byte, 2*len(pcm))
	for i, x := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(x))
	}
	return b
}

func fromS16le(b []byte) []int16 {
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return pcm
}

// Test signals (16 kHz unless noted).
func tone(rate, n int, hz, dBFS float64) []int16 {
	amp := 32767 * math.Pow(10, dBFS/20)
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(math.Round(amp * math.Sin(2*math.Pi*hz*float64(i)/float64(rate))))
	}
	return pcm
}

// sweep is a logarithmic sine sweep from f0 to f1 Hz.
func sweep(rate, n int, f0, f1, dBFS float64) []int16 {
	amp := 32767 * math.Pow(10, dBFS/20)
	pcm := make([]int16, n)
	T := float64(n) / float64(rate)
	k := math.Log(f1 / f0)
	for i := range pcm {
		t := float64(i) / float64(rate)
		phase := 2 * math.Pi * f0 * T / k * (math.Exp(t/T*k) - 1)
		pcm[i] = int16(math.Round(amp * math.Sin(phase)))
	}
	return pcm
}

func noise(n int, seed uint64, peak int) []int16 {
	r := rand.New(rand.NewPCG(seed, 1))
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(r.IntN(2*peak+1) - peak)
	}
	return pcm
}

func g722Encode(pcm []int16) []byte {
	var e G722Encoder
	out := make([]byte, e.EncodedLen(len(pcm)))
	n, err := e.Encode(out, pcm)
	if err != nil || n != len(out) {
		panic(err)
	}
	return out
}

// --- G.711 -------------------------------------------------------------

// TestG711ITUValues checks code points read off ITU-T G.711 Tables 1a and
// 2a (the decoder output values, in 16-bit units: A-law values ×8, µ-law
// values ×4) and the transmitted character signals.
func TestG711ITUValues(t *testing.T) {
	for _, tc := range []struct {
		law    string
		code   byte
		linear int16
	}{
		// µ-law: code 0xFF/0x7F is ±0; 0x80 is the largest positive level
		// 8031 (×4 = 32124), 0x00 the largest negative.
		{"u", 0xFF, 0}, {"u", 0x7F, 0}, {"u", 0x80, 32124}, {"u", 0x00, -32124},
		{"u", 0xFE, 8}, {"u", 0xEF, 132}, {"u", 0xF0, 120}, {"u", 0xDF, 396}, {"u", 0x6F, -132},
		// A-law: 0xD5/0x55 are ±1 (×8), 0xAA/0x2A the extremes ±4032.
		{"a", 0xD5, 8}, {"a", 0x55, -8}, {"a", 0xAA, 32256}, {"a", 0x2A, -32256},
		{"a", 0xD4, 24}, {"a", 0xC5, 264}, {"a", 0xF5, 528}, {"a", 0x80, 5504},
	} {
		dec, enc := MulawToLinear, MulawFromLinear
		if tc.law == "a" {
			dec, enc = AlawToLinear, AlawFromLinear
		}
		if got := dec(tc.code); got != tc.linear {
			t.Errorf("%s-law decode %#02x = %d, want %d", tc.law, tc.code, got, tc.linear)
		}
		// Every reconstruction level encodes to its own code (negative zero
		// excepted: 0 encodes as positive zero).
		if tc.linear == 0 {
			continue
		}
		if got := enc(tc.linear); got != tc.code {
			t.Errorf("%s-law encode %d = %#02x, want %#02x", tc.law, tc.linear, got, tc.code)
		}
	}
	// Silence and full scale.
	if MulawFromLinear(0) != MulawSilence || AlawFromLinear(0) != AlawSilence {
		t.Error("silence codes")
	}
	if MulawFromLinear(32767) != 0x80 || MulawFromLinear(-32768) != 0x00 || AlawFromLinear(32767) != 0xAA || AlawFromLinear(-32768) != 0x2A {
		t.Error("full-scale codes")
	}
}

// g711Reference builds the encoding law literally from the segment
// structure of G.711 Tables 1a/2a: for each segment its first decision
// value and its step, 16 intervals each, every decision value belonging to
// the interval above it; magnitudes are the 12-bit (A-law) or 13-bit
// (µ-law) uniform code values, negative samples taken in one's complement
// as the ITU reference software does. It returns the code for a 16-bit
// sample by table lookup.
func g711Reference(law string) func(int16) byte {
	type seg struct{ start, step int }
	var segs []seg
	var shift uint
	var code func(sign bool, interval int) byte
	if law == "u" {
		// µ-law in 14-bit units: the first interval [0,1) is narrower,
		// then 16 intervals of 2, 4, ... 256.
		shift = 2
		start := -1
		for s := 0; s < 8; s++ {
			segs = append(segs, seg{start, 2 << s})
			start += 16 * (2 << s)
		}
		code = func(pos bool, n int) byte { // n: 0 = smallest magnitude
			c := byte(0x7F - n)
			if pos {
				c |= 0x80
			}
			return c
		}
	} else {
		// A-law in 12-bit units shifted once (the step of segments 0 and 1
		// is 2, the LSB of the 13-bit code); steps 2, 2, 4, ... 128.
		shift = 4
		start := 0
		for s := 0; s < 8; s++ {
			step := 1 << max(0, s-1)
			segs = append(segs, seg{start, step})
			start += 16 * step
		}
		code = func(pos bool, n int) byte {
			c := byte(n)
			if pos {
				c |= 0x80
			}
			return c ^ 0x55
		}
	}
	limit := 1 << (15 - shift)
	table := make([]int, limit) // magnitude -> interval number
	n := 0
	for _, s := range segs {
		for k := 0; k < 16; k++ {
			lo := s.start + k*s.step
			if law == "u" && n == 0 {
				lo = 0
			}
			for m := max(lo, 0); m < s.start+(k+1)*s.step && m < limit; m++ {
				table[m] = n
			}
			n++
		}
	}
	last := segs[7].start + 16*segs[7].step
	for m := max(last, 0); m < limit; m++ {
		table[m] = 127
	}
	if law == "u" {
		// µ-law: the 14-bit magnitude saturates at 8158 with the bias.
		for m := 8159; m < limit; m++ {
			table[m] = 127
		}
	}
	return func(x int16) byte {
		if x < 0 {
			return code(false, table[int(^x)>>shift])
		}
		return code(true, table[int(x)>>shift])
	}
}

func TestG711MatchesITUDecisionTables(t *testing.T) {
	for _, law := range []string{"u", "a"} {
		ref := g711Reference(law)
		enc := MulawFromLinear
		if law == "a" {
			enc = AlawFromLinear
		}
		bad := 0
		for i := -32768; i <= 32767; i++ {
			if got, want := enc(int16(i)), ref(int16(i)); got != want {
				if bad++; bad < 10 {
					t.Errorf("%s-law: %d encodes to %#02x, table says %#02x", law, i, got, want)
				}
			}
		}
	}
}

// TestG711DecodeMatchesFFmpeg decodes all 256 codes with ffmpeg's pcm_mulaw
// and pcm_alaw decoders: the reconstruction levels are unambiguous.
func TestG711DecodeMatchesFFmpeg(t *testing.T) {
	codes := make([]byte, 256)
	for i := range codes {
		codes[i] = byte(i)
	}
	for _, law := range []struct {
		fmt string
		dec func(byte) int16
	}{{"mulaw", MulawToLinear}, {"alaw", AlawToLinear}} {
		got := fromS16le(ffmpegPipe(t, codes, "-f", law.fmt, "-ar", "8000", "-ac", "1", "-i", "-", "-f", "s16le", "-"))
		if len(got) != 256 {
			t.Fatalf("%s: ffmpeg decoded %d samples", law.fmt, len(got))
		}
		for i, v := range got {
			if w := law.dec(byte(i)); v != w {
				t.Errorf("%s %#02x: ffmpeg %d, ours %d", law.fmt, i, v, w)
			}
		}
	}
}

// TestG711EncodeVsFFmpeg encodes every 16-bit value with ffmpeg's
// pcm_mulaw/pcm_alaw encoders and with ours. They are byte-identical except
// where ffmpeg deviates from the G.711 decision tables: ffmpeg quantises to
// the nearest reconstruction level and reduces negative samples in two's
// complement (for A-law as well, at 14-bit resolution), G.711 (and its
// reference software G.191) puts each decision value into the interval
// above it and takes negative samples in one's complement. The test proves
// that every difference is of that kind: the two codes are neighbours and
// ffmpeg's level is at least as near to the sample floored to 14 bits; and
// reconstruction levels encode identically.
func TestG711EncodeVsFFmpeg(t *testing.T) {
	all := make([]int16, 65536)
	for i := range all {
		all[i] = int16(i - 32768)
	}
	in := s16le(all)
	for _, law := range []struct {
		fmt, codec string
		enc        func([]byte, []int16) (int, error)
		dec        func(byte) int16
		encOne     func(int16) byte
	}{
		{"mulaw", "pcm_mulaw", EncodeMulaw, MulawToLinear, MulawFromLinear},
		{"alaw", "pcm_alaw", EncodeAlaw, AlawToLinear, AlawFromLinear},
	} {
		theirs := ffmpegPipe(t, in, "-f", "s16le", "-ar", "8000", "-ac", "1", "-i", "-", "-c:a", law.codec, "-f", law.fmt, "-")
		ours := make([]byte, len(all))
		if _, err := law.enc(ours, all); err != nil {
			t.Fatal(err)
		}
		if len(theirs) != len(ours) {
			t.Fatalf("%s: ffmpeg wrote %d bytes", law.fmt, len(theirs))
		}
		diffs, onLevels := 0, 0
		levels := map[int16]bool{}
		for c := 0; c < 256; c++ {
			levels[law.dec(byte(c))] = true
		}
		for i, x := range all {
			if ours[i] == theirs[i] {
				continue
			}
			diffs++
			if levels[x] {
				onLevels++
			}
			// ffmpeg first floors the sample to 14 bits, then picks the
			// nearest level to that.
			yo, yf := int(law.dec(ours[i])), int(law.dec(theirs[i]))
			xr := int(x) >> 2 << 2
			if abs(xr-yf) > abs(xr-yo) {
				t.Errorf("%s %d: ffmpeg %#02x (%d) is farther than ours %#02x (%d)", law.fmt, x, theirs[i], yf, ours[i], yo)
			}
			if !adjacent(law.dec, ours[i], theirs[i]) {
				t.Errorf("%s %d: ffmpeg %#02x and ours %#02x are not neighbouring levels", law.fmt, x, theirs[i], ours[i])
			}
		}
		if onLevels > 0 {
			t.Errorf("%s: %d reconstruction levels encode differently", law.fmt, onLevels)
		}
		t.Logf("%s: %d of 65536 inputs differ from ffmpeg, all by one step at a decision value", law.fmt, diffs)
		// A G.711-quantised signal (every sample a reconstruction level) is
		// byte-identical.
		quant := tone(8000, 8000, 1000, -3)
		for i, x := range quant {
			quant[i] = law.dec(law.encOne(x))
		}
		theirs = ffmpegPipe(t, s16le(quant), "-f", "s16le", "-ar", "8000", "-ac", "1", "-i", "-", "-c:a", law.codec, "-f", law.fmt, "-")
		ours = make([]byte, len(quant))
		law.enc(ours, quant)
		if !bytes.Equal(ours, theirs) {
			t.Errorf("%s: quantised tone not byte-identical", law.fmt)
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func adjacent(dec func(byte) int16, a, b byte) bool {
	ya, yb := dec(a), dec(b)
	lo, hi := min(ya, yb), max(ya, yb)
	for c := 0; c < 256; c++ {
		if y := dec(byte(c)); y > lo && y < hi {
			return false
		}
	}
	return true
}

func TestL16(t *testing.T) {
	dst := make([]byte, 6)
	n, err := EncodeL16(dst, []int16{1, -2, 0x1234})
	if err != nil || n != 6 || !bytes.Equal(dst, []byte{0, 1, 0xff, 0xfe, 0x12, 0x34}) {
		t.Fatalf("%d %v % x", n, err, dst)
	}
	// Against ffmpeg's pcm_s16be.
	pcm := noise(1000, 3, 32767)
	ours := make([]byte, 2000)
	EncodeL16(ours, pcm)
	if theirs := ffmpegPipe(t, s16le(pcm), "-f", "s16le", "-ar", "16000", "-ac", "1", "-i", "-", "-f", "s16be", "-"); !bytes.Equal(ours, theirs) {
		t.Error("L16 differs from ffmpeg s16be")
	}
}

func TestAudioShortBuffer(t *testing.T) {
	pcm := make([]int16, 10)
	for name, f := range map[string]func([]byte, []int16) (int, error){
		"mulaw": EncodeMulaw, "alaw": EncodeAlaw, "l16": EncodeL16,
		"g722": new(G722Encoder).Encode,
	} {
		if n, err := f(make([]byte, 4), pcm); err != ErrShortBuffer || n != 0 {
			t.Errorf("%s: %d, %v", name, n, err)
		}
	}
}

// --- G.722 ---------------------------------------------------------------

func TestG722TablesAreITU(t *testing.T) {
	for i, v := range ila {
		if w := int32(math.Round(2048 * math.Exp2(float64(i)/32))); v != w {
			t.Errorf("ila[%d] = %d, 2048·2^(%d/32) = %d", i, v, i, w)
		}
	}
}

// g722Signals are the inputs of the ffmpeg comparisons: speech-band tones
// and sweeps, full-band noise, and the extremes where 16-bit saturation in
// the predictor matters.
func g722Signals() map[string][]int16 {
	square := make([]int16, 32000)
	nyquist := make([]int16, 32000)
	impulses := make([]int16, 32000)
	for i := range square {
		square[i] = 32767
		if (i/40)%2 == 1 {
			square[i] = -32768
		}
		nyquist[i] = 32767
		if i%2 == 1 {
			nyquist[i] = -32768
		}
		if i%97 == 0 {
			impulses[i] = 32767
		}
	}
	return map[string][]int16{
		"1kHz -20dBFS":     tone(16000, 32000, 1000, -20),
		"440Hz 0dBFS":      tone(16000, 32000, 440, 0),
		"sweep 50-7900Hz":  sweep(16000, 64000, 50, 7900, -6),
		"full-scale sweep": sweep(16000, 64000, 20, 8000, 0),
		"white noise":      noise(32000, 1, 32767),
		"quiet noise":      noise(32000, 2, 40),
		"silence":          make([]int16, 3200),
		"square":           square,
		"nyquist":          nyquist,
		"impulses":         impulses,
	}
}

// TestG722MatchesFFmpeg: our encoder and ffmpeg's g722 encoder (its default,
// non-trellis path) produce the same octets. Both follow the ITU
// algorithm; they differ only in where 16-bit saturation is applied inside
// the predictor (we saturate as the ITU does, ffmpeg computes some sums
// unsaturated), and no input reaches a value where that shows: even the
// full-scale square, Nyquist and impulse signals are identical.
func TestG722MatchesFFmpeg(t *testing.T) {
	for name, pcm := range g722Signals() {
		t.Run(name, func(t *testing.T) {
			ours := g722Encode(pcm)
			theirs := ffmpegPipe(t, s16le(pcm), "-f", "s16le", "-ar", "16000", "-ac", "1", "-i", "-", "-c:a", "g722", "-f", "g722", "-")
			if len(ours) != len(theirs) {
				t.Fatalf("ours %d octets, ffmpeg %d", len(ours), len(theirs))
			}
			for i := range ours {
				if ours[i] != theirs[i] {
					t.Fatalf("first difference at octet %d of %d: ours %#02x, ffmpeg %#02x", i, len(ours), ours[i], theirs[i])
				}
			}
		})
	}
}

// TestG722DecodedSNR decodes our output with ffmpeg's G.722 decoder and
// compares with the input. The codec's delay (the two QMFs) is measured on
// a sweep, where it is unambiguous, and the tones are compared at it.
func TestG722DecodedSNR(t *testing.T) {
	decode := func(pcm []int16) []int16 {
		return fromS16le(ffmpegPipe(t, g722Encode(pcm), "-f", "g722", "-i", "-", "-f", "s16le", "-"))
	}
	sw := sweep(16000, 64000, 100, 6000, -10)
	delay, snr := alignSNR(sw, decode(sw), 0, 100, 1600)
	t.Logf("sweep 100-6000 Hz: delay %d samples, SNR %.1f dB", delay, snr)
	if snr < 30 {
		t.Errorf("sweep SNR %.1f dB < 30 dB", snr)
	}
	for _, tc := range []struct {
		name string
		pcm  []int16
	}{
		{"1kHz -20dBFS", tone(16000, 32000, 1000, -20)},
		{"1kHz -6dBFS", tone(16000, 32000, 1000, -6)},
	} {
		_, snr := alignSNR(tc.pcm, decode(tc.pcm), delay, delay, 1600)
		t.Logf("%s: SNR %.1f dB", tc.name, snr)
		if snr < 30 {
			t.Errorf("%s: SNR %.1f dB < 30 dB", tc.name, snr)
		}
	}
}

// alignSNR finds the delay (minLag..maxLag) of out against in that
// maximises the SNR and returns it, skipping the first skip samples (the
// adaptation at the start).
func alignSNR(in, out []int16, minLag, maxLag, skip int) (int, float64) {
	best, bestLag := math.Inf(-1), 0
	for lag := minLag; lag <= maxLag; lag++ {
		var sig, errE float64
		for i := skip; i+lag < len(out) && i < len(in); i++ {
			s := float64(in[i])
			d := float64(out[i+lag]) - s
			sig += s * s
			errE += d * d
		}
		if snr := 10 * math.Log10(sig/errE); snr > best {
			best, bestLag = snr, lag
		}
	}
	return bestLag, best
}

// TestG722Pieces: a stream fed in arbitrary pieces, odd sizes included,
// encodes exactly as in one call.
func TestG722Pieces(t *testing.T) {
	pcm := sweep(16000, 16000, 100, 7000, -10)
	want := g722Encode(pcm)
	r := rand.New(rand.NewPCG(7, 7))
	var e G722Encoder
	var got []byte
	buf := make([]byte, 1000)
	for rest := pcm; len(rest) > 0; {
		k := min(len(rest), r.IntN(333))
		n, err := e.Encode(buf, rest[:k])
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
		rest = rest[k:]
	}
	if !bytes.Equal(got, want) {
		t.Fatal("piecewise encoding differs")
	}
	e.Reset()
	n, _ := e.Encode(buf, pcm[:320])
	if !bytes.Equal(buf[:n], want[:160]) {
		t.Fatal("Reset does not restart the encoder")
	}
}

func TestAudioEncodersAllocs(t *testing.T) {
	pcm := tone(16000, 320, 1000, -20)
	dst := make([]byte, 640)
	var e G722Encoder
	if n := testing.AllocsPerRun(100, func() {
		EncodeMulaw(dst, pcm)
		EncodeAlaw(dst, pcm)
		EncodeL16(dst, pcm)
		e.Encode(dst, pcm)
	}); n != 0 {
		t.Errorf("%v allocs", n)
	}
}

func BenchmarkG722Encode20ms(b *testing.B) {
	pcm := tone(16000, 320, 1000, -20)
	dst := make([]byte, 160)
	var e G722Encoder
	b.SetBytes(int64(2 * len(pcm)))
	b.ReportAllocs()
	for b.Loop() {
		e.Encode(dst, pcm)
	}
}

func BenchmarkMulawEncode20ms(b *testing.B) {
	pcm := tone(8000, 160, 1000, -20)
	dst := make([]byte, 160)
	b.SetBytes(int64(2 * len(pcm)))
	b.ReportAllocs()
	for b.Loop() {
		EncodeMulaw(dst, pcm)
	}
}
