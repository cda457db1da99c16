// Package jpegtest writes small baseline JPEG images that image/jpeg cannot:
// 4:2:2 sampled as RFC 2435 type 0 describes it (Y 2x1, Cb and Cr 1x1) and
// images with restart markers (types 64 and 65). The images are DC-only
// (every 8x8 block is flat), which keeps the encoder a page long while the
// result is a fully valid JPEG any decoder reads. No Huffman tables are
// written: like UVC Motion-JPEG, the images rely on the standard tables of
// ITU-T T.81 Annex K.3, which is what RFC 2435 receivers assume.
package jpegtest

import (
	"encoding/binary"
	"math/bits"
)

// Sampling selects the chroma subsampling.
type Sampling int

const (
	S422 Sampling = iota // Y 2x1, Cb 1x1, Cr 1x1: RFC 2435 type 0
	S420                 // Y 2x2, Cb 1x1, Cr 1x1: RFC 2435 type 1
)

// Standard DC Huffman tables (T.81 Tables K.3, K.4) as code counts by
// length; the values are 0..11 in order.
var (
	dcLumCounts   = [16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1}
	dcChromCounts = [16]byte{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}
)

// End-of-block codes of the standard AC tables (T.81 Tables K.5, K.6).
const (
	eobLum, eobLumLen     = 0b1010, 4
	eobChrom, eobChromLen = 0b00, 2
)

type code struct {
	bits uint32
	n    uint
}

// canonical builds the codes of a Huffman table from its counts (T.81
// Annex C).
func canonical(counts [16]byte) []code {
	var out []code
	c := uint32(0)
	for l := 1; l <= 16; l++ {
		for i := 0; i < int(counts[l-1]); i++ {
			out = append(out, code{c, uint(l)})
			c++
		}
		c <<= 1
	}
	return out
}

type bitWriter struct {
	out  []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) put(v uint32, n uint) {
	w.acc = w.acc<<n | uint64(v)&(1<<n-1)
	w.nacc += n
	for w.nacc >= 8 {
		b := byte(w.acc >> (w.nacc - 8))
		w.out = append(w.out, b)
		if b == 0xFF {
			w.out = append(w.out, 0) // byte stuffing, T.81 B.1.1.5
		}
		w.nacc -= 8
	}
}

// flush pads the last byte with one bits (T.81 F.1.2.3).
func (w *bitWriter) flush() {
	if w.nacc > 0 {
		w.put(1<<(8-w.nacc)-1, 8-w.nacc)
	}
}

// Encode returns a width x height JPEG with the given sampling and, when
// restartInterval > 0, a DRI segment and a restart marker every
// restartInterval MCUs. The picture is a pattern of flat 8x8 blocks that
// depends on seed, so consecutive frames differ.
func Encode(width, height int, s Sampling, restartInterval int, seed int) []byte {
	vy := 1
	if s == S420 {
		vy = 2
	}
	b := []byte{0xFF, 0xD8}
	// DQT: table 0 (luma) and 1 (chroma), 8-bit, all entries 16 but a
	// different DC step each.
	b = append(b, 0xFF, 0xDB, 0, 2+2*65)
	for t := 0; t < 2; t++ {
		b = append(b, byte(t))
		for k := 0; k < 64; k++ {
			q := byte(16)
			if k == 0 {
				q = byte(4 + 4*t)
			}
			b = append(b, q)
		}
	}
	// SOF0.
	b = append(b, 0xFF, 0xC0, 0, 17, 8)
	b = binary.BigEndian.AppendUint16(b, uint16(height))
	b = binary.BigEndian.AppendUint16(b, uint16(width))
	b = append(b, 3, 1, byte(2<<4|vy), 0, 2, 0x11, 1, 3, 0x11, 1)
	if restartInterval > 0 {
		b = append(b, 0xFF, 0xDD, 0, 4)
		b = binary.BigEndian.AppendUint16(b, uint16(restartInterval))
	}
	// SOS: Y on tables 0/0, chroma on 1/1, full spectral range.
	b = append(b, 0xFF, 0xDA, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0)

	dcCodes := [2][]code{canonical(dcLumCounts), canonical(dcChromCounts)}
	w := bitWriter{out: b}
	mcuW, mcuH := 16, 8*vy
	mcusX, mcusY := (width+mcuW-1)/mcuW, (height+mcuH-1)/mcuH
	var pred [3]int
	block := func(comp int, dc int) {
		t := min(comp, 1)
		d := dc - pred[comp]
		pred[comp] = dc
		mag := d
		if d < 0 {
			mag = -d
		}
		cat := uint(bits.Len(uint(mag)))
		c := dcCodes[t][cat]
		w.put(c.bits, c.n)
		if cat > 0 {
			v := d
			if d < 0 {
				v = d + 1<<cat - 1
			}
			w.put(uint32(v), cat)
		}
		if t == 0 {
			w.put(eobLum, eobLumLen)
		} else {
			w.put(eobChrom, eobChromLen)
		}
	}
	rst := 0
	for m := 0; m < mcusX*mcusY; m++ {
		if restartInterval > 0 && m > 0 && m%restartInterval == 0 {
			w.flush()
			w.out = append(w.out, 0xFF, byte(0xD0+rst%8))
			rst++
			pred = [3]int{}
		}
		mx, my := m%mcusX, m/mcusX
		for k := 0; k < 2*vy; k++ {
			// Luma DC levels in quantised units: a moving gradient.
			block(0, ((mx*2+k%2)*7+(my*vy+k/2)*5+seed*3)%120-60)
		}
		block(1, (mx*3+seed)%40-20)
		block(2, (my*3-seed)%40+5)
	}
	w.flush()
	return append(w.out, 0xFF, 0xD9)
}
