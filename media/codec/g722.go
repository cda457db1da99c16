package codec

// G.722 encoder: ITU-T G.722 (09/2012) "7 kHz audio-coding within 64
// kbit/s", sub-band ADPCM, mode 1 (64 kbit/s: 6 bits for the lower band, 2
// for the higher band). Written from the block descriptions of G.722 §3
// (encoder principles) and §6 (the computational blocks, named here as the
// ITU names them: QUANTL, INVQAL, LOGSCL, SCALEL, QUANTH, INVQAH, LOGSCH,
// SCALEH, and the adaptive predictor PARREC, RECONS, UPPOL1, UPPOL2,
// UPZERO, DELAYA, FILTEP, FILTEZ, PREDIC), in 16-bit fixed point with the
// ITU's saturation rules.
//
// RTP carriage (RFC 3551 §4.5.2): the sampling rate is 16 kHz but the RTP
// clock rate is 8000 Hz, a historical error the RFC keeps for
// compatibility; one octet carries two 16 kHz input samples, so the RTP
// timestamp advances by one per octet.

// G722Encoder holds the state of one G.722 encoder. The zero value is an
// encoder in its reset state (G.722 §6.1: all variables zero except the
// scale factors). It is not safe for concurrent use.
type G722Encoder struct {
	// x is the transmit QMF's delay line, oldest sample first (24 taps).
	x          [24]int32
	low, high  g722Band
	init       bool
	pending    int16 // an odd sample waiting for its pair
	hasPending bool
}

// g722Band is the state of one sub-band ADPCM coder.
type g722Band struct {
	s, sz int32    // predictor output sL, and its zero section szL
	r     [3]int32 // reconstructed signal r(n), r(n-1), r(n-2)
	p     [3]int32 // partially reconstructed signal p(n), p(n-1), p(n-2)
	a     [3]int32 // pole coefficients a1, a2 (index 0 unused)
	b     [7]int32 // zero coefficients b1..b6 (index 0 unused)
	d     [7]int32 // quantised difference d(n)..d(n-6)
	nb    int32    // logarithmic scale factor nabla
	det   int32    // scale factor (step size) delta
}

// Reset returns the encoder to its initial state.
func (e *G722Encoder) Reset() {
	*e = G722Encoder{}
	e.reset()
}

func (e *G722Encoder) reset() {
	e.low.det = 32 // G.722 §6.1: DETL = 32
	e.high.det = 8 //            DETH = 8
	e.init = true
}

// EncodedLen returns the number of octets Encode writes for n more input
// samples, counting a sample held back from the previous call.
func (e *G722Encoder) EncodedLen(n int) int {
	if e.hasPending {
		n++
	}
	return n / 2
}

// Encode encodes 16 kHz mono 16-bit samples into dst, one octet per two
// samples, and returns the number of octets written (EncodedLen(len(pcm))).
// An odd sample at the end is kept and paired with the first sample of the
// next call, so a stream cut into arbitrary pieces encodes exactly as if it
// were encoded in one piece. When dst is too short it returns
// ErrShortBuffer and consumes nothing. It allocates nothing.
func (e *G722Encoder) Encode(dst []byte, pcm []int16) (int, error) {
	n := e.EncodedLen(len(pcm))
	if len(dst) < n {
		return 0, ErrShortBuffer
	}
	if !e.init {
		e.reset()
	}
	dst = dst[:n]
	i := 0
	if e.hasPending && len(pcm) > 0 {
		dst[0] = e.encodePair(e.pending, pcm[0])
		e.hasPending = false
		dst = dst[1:]
		pcm = pcm[1:]
	}
	for ; 2*i+1 < len(pcm); i++ {
		dst[i] = e.encodePair(pcm[2*i], pcm[2*i+1])
	}
	if 2*i < len(pcm) {
		e.pending, e.hasPending = pcm[2*i], true
	}
	return n, nil
}

// qmfCoef are the transmit QMF coefficients h(0), h(2), ... h(22) (G.722
// §3.2, Table 11 lists all 24; the filter is symmetric, h(23-i) = h(i), so
// the odd taps are these in reverse order: h(2i+1) = qmfCoef[11-i]).
var qmfCoef = [12]int32{3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11}

// encodePair runs the transmit QMF over two new input samples (first, then
// second in time) and codes one octet.
func (e *G722Encoder) encodePair(first, second int16) byte {
	copy(e.x[:22], e.x[2:])
	e.x[22], e.x[23] = int32(first), int32(second)
	// G.722 §3.2: xA = Σ h(2i)·x(j-2i), xB = Σ h(2i+1)·x(j-2i-1), with
	// x(j) the newest sample (e.x[23]).
	var xa, xb int32
	for i := 0; i < 12; i++ {
		xa += qmfCoef[i] * e.x[23-2*i]
		xb += qmfCoef[11-i] * e.x[22-2*i]
	}
	// The coefficients sum to 2^13; the shift by 14 halves the 16-bit input
	// into the 15-bit sub-band range the ADPCM quantisers are scaled for.
	xl := (xa + xb) >> 14
	xh := (xa - xb) >> 14

	il := e.low.encodeLow(xl)
	ih := e.high.encodeHigh(xh)
	return byte(ih<<6 | il)
}

// Lower sub-band tables (G.722 §6.2).
var (
	// q6: decision levels of the 6-bit quantiser (QUANTL), scaled by 2^-12
	// with DETL.
	q6 = [30]int32{0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650,
		714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919}
	// qm4: output levels of the 4-bit inverse quantiser (INVQAL) that feeds
	// the predictor, indexed by the code's four most significant bits.
	qm4 = [16]int32{0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
		20456, 12896, 8968, 6288, 4240, 2584, 1200, 0}
	// wl and rl42: log scale factor multipliers (LOGSCL) by quantiser
	// interval.
	wl   = [8]int32{-60, -30, 58, 172, 334, 538, 1198, 3042}
	rl42 = [16]int32{0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0}
	// ila: 2048·2^(i/32), the antilog table of SCALEL and SCALEH.
	ila = [32]int32{2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599,
		2656, 2714, 2774, 2834, 2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520,
		3597, 3676, 3756, 3838, 3922, 4008}
)

// Higher sub-band tables (G.722 §6.3).
var (
	qm2 = [4]int32{-7408, -1616, 7408, 1616} // INVQAH output levels
	wh  = [3]int32{0, -214, 798}             // LOGSCH multipliers
	ih2 = [4]int32{2, 1, 2, 1}               // code to multiplier index
)

// encodeLow codes one lower sub-band sample: 6 bits.
func (b *g722Band) encodeLow(xl int32) int32 {
	el := sat16(xl - b.s) // SUBTRA
	// QUANTL: find the interval of |el| among the decision levels scaled
	// by DETL; the magnitude is taken in one's complement (-1 maps to 0),
	// as the ITU does.
	wd := el
	if el < 0 {
		wd = ^el
	}
	k := int32(0) // number of decision levels at or below wd
	for k < 29 && wd >= (q6[k+1]*b.det)>>12 {
		k++
	}
	// The code table (ILP/ILN): positive intervals 0..29 map to 61..32,
	// negative ones to 63, 62, then 31..4.
	var il int32
	switch {
	case el >= 0:
		il = 61 - k
	case k < 2:
		il = 63 - k
	default:
		il = 33 - k
	}
	// INVQAL on the four most significant bits: the predictor sees what a
	// decoder of any mode (64, 56, 48 kbit/s) can reconstruct.
	ril := il >> 2
	d := (b.det * qm4[ril]) >> 15
	// LOGSCL: nabla = nabla·127/128 + W, limited to [0, 18432].
	b.nb = clamp((b.nb*127)>>7+wl[rl42[ril]], 0, 18432)
	// SCALEL.
	b.det = scale(b.nb, 8)
	b.adapt(d)
	return il
}

// encodeHigh codes one higher sub-band sample: 2 bits.
func (b *g722Band) encodeHigh(xh int32) int32 {
	eh := sat16(xh - b.s)
	// QUANTH: one decision level, 564·DETH·2^-12.
	wd := eh
	if eh < 0 {
		wd = ^eh
	}
	large := wd >= (564*b.det)>>12
	var ih int32
	switch {
	case eh < 0 && large:
		ih = 0
	case eh < 0:
		ih = 1
	case large:
		ih = 2
	default:
		ih = 3
	}
	d := (b.det * qm2[ih]) >> 15                      // INVQAH
	b.nb = clamp((b.nb*127)>>7+wh[ih2[ih]], 0, 22528) // LOGSCH
	b.det = scale(b.nb, 10)                           // SCALEH
	b.adapt(d)
	return ih
}

// scale converts the log scale factor to the linear step size (SCALEL with
// bias 8, SCALEH with bias 10): ila[(nb>>6)&31] shifted by (nb>>11)-bias,
// then times four.
func scale(nb, bias int32) int32 {
	m := ila[(nb>>6)&31]
	sh := (nb >> 11) - bias
	if sh < 0 {
		m >>= -sh
	} else {
		m <<= sh
	}
	return m << 2
}

// adapt runs the adaptive predictor (G.722 §6.2.3, the same for both bands)
// with the new quantised difference d, leaving the next prediction in b.s.
func (b *g722Band) adapt(d int32) {
	// PARREC and RECONS.
	b.p[0] = sat16(d + b.sz)
	b.r[0] = sat16(b.s + d)
	sg0, sg1, sg2 := b.p[0]>>15, b.p[1]>>15, b.p[2]>>15 // -1 negative, 0 otherwise

	// UPPOL2: a2' = a2·127/128 ± 2^-7·f(a1) ± 128, limited to ±12288.
	wd := sat16(b.a[1] << 2)
	if sg0 == sg1 {
		wd = -wd
		if wd > 32767 {
			wd = 32767
		}
	}
	wd >>= 7
	if sg0 == sg2 {
		wd += 128
	} else {
		wd -= 128
	}
	a2 := clamp(wd+(b.a[2]*32512)>>15, -12288, 12288)

	// UPPOL1: a1' = a1·255/256 ± 192, limited to ±(15360 - a2').
	wd = -192
	if sg0 == sg1 {
		wd = 192
	}
	lim := 15360 - a2
	a1 := clamp(sat16(wd+(b.a[1]*32640)>>15), -lim, lim)

	// UPZERO: b_i' = b_i·255/256 ± 128 by the sign agreement of d and
	// d(n-i); no change when d is zero.
	var step int32
	if d != 0 {
		step = 128
	}
	sgd := d >> 15
	var bp [7]int32
	for i := 1; i <= 6; i++ {
		wd := step
		if b.d[i]>>15 != sgd {
			wd = -step
		}
		bp[i] = sat16(wd + (b.b[i]*32640)>>15)
	}

	// DELAYA.
	copy(b.d[2:], b.d[1:6])
	b.d[1] = d
	b.b = bp
	b.r[2], b.r[1] = b.r[1], b.r[0]
	b.p[2], b.p[1] = b.p[1], b.p[0]
	b.a[1], b.a[2] = a1, a2

	// FILTEP: pole section over r(n-1), r(n-2).
	sp := sat16((b.a[1]*sat16(2*b.r[1]))>>15 + (b.a[2]*sat16(2*b.r[2]))>>15)
	// FILTEZ: zero section over d(n-1)..d(n-6), saturating each sum.
	var sz int32
	for i := 6; i >= 1; i-- {
		sz = sat16(sz + (b.b[i]*sat16(2*b.d[i]))>>15)
	}
	b.sz = sz
	// PREDIC.
	b.s = sat16(sp + sz)
}

func sat16(v int32) int32 {
	if v > 32767 {
		return 32767
	}
	if v < -32768 {
		return -32768
	}
	return v
}

func clamp(v, lo, hi int32) int32 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
