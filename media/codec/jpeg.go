package codec

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// JPEG interchange format (ITU-T T.81 Annex B) as far as RTP/JPEG (RFC
// 2435) needs it. RFC 2435 does not send the JPEG headers: the receiver
// rebuilds them from the RTP/JPEG header (type, width, height, Q, restart
// interval) and, for Q >= 128, from quantisation tables sent in-band; the
// Huffman tables are always the example tables of T.81 Annex K.3. What a
// sender needs from a frame is therefore a handful of numbers and the
// offsets of the quantisation tables and of the entropy-coded data, which
// ParseJPEG finds without copying anything.

// JPEG marker codes (T.81 Table B.1).
const (
	jpegSOF0 = 0xC0 // baseline DCT
	jpegSOF1 = 0xC1 // extended sequential DCT, Huffman
	jpegDHT  = 0xC4
	jpegSOI  = 0xD8
	jpegEOI  = 0xD9
	jpegSOS  = 0xDA
	jpegDQT  = 0xDB
	jpegDNL  = 0xDC
	jpegDRI  = 0xDD
	jpegTEM  = 0x01
)

// RFC 2435 §3.1.5, §3.1.6: width and height travel in 8-pixel units in one
// byte each.
const maxJPEGDim = 2040

// JPEGHeader describes a JPEG frame for RFC 2435 packetisation. Offsets are
// into the frame passed to ParseJPEG.
type JPEGHeader struct {
	// Type is the RFC 2435 type (§3.1.3, §4.1): 0 for 4:2:2 (luma sampled
	// 2x1 relative to chroma), 1 for 4:2:0 (2x2); plus 64 when the frame
	// uses restart markers (§3.1.7).
	Type uint8
	// Width and Height are the picture size in pixels (SOF).
	Width, Height int
	// RestartInterval is the DRI value in MCUs, 0 without restart markers.
	RestartInterval uint16
	// Luma and Chroma locate the quantisation tables the Y and the Cb/Cr
	// components use: 64 one-byte entries, or 128 bytes for 16-bit
	// entries, in the zig-zag order that RFC 2435 §3.1.8 also uses. They
	// may be the same table.
	Luma, Chroma JPEGTable
	// ScanStart and ScanEnd bound the entropy-coded data after the SOS
	// header: frame[ScanStart:ScanEnd] is the RFC 2435 §3.1.9 payload,
	// restart markers included, the EOI marker (and anything after it)
	// excluded. A frame cut short without an EOI ends at len(frame).
	ScanStart, ScanEnd int
}

// JPEGTable locates one quantisation table in a frame.
type JPEGTable struct {
	Off, Len int
}

// Bytes returns the table's entries within frame, the buffer it was found
// in.
func (t JPEGTable) Bytes(frame []byte) []byte { return frame[t.Off : t.Off+t.Len : t.Off+t.Len] }

// Width8 returns the RFC 2435 §3.1.5 Width field: the width in 8-pixel
// units, rounded up (the receiver decodes whole MCUs, which are at least
// 8 pixels, so the rounding changes no MCU count).
func (h *JPEGHeader) Width8() uint8 { return uint8((h.Width + 7) / 8) }

// Height8 returns the RFC 2435 §3.1.6 Height field.
func (h *JPEGHeader) Height8() uint8 { return uint8((h.Height + 7) / 8) }

// Precision returns the RFC 2435 §3.1.8 Precision field: bit 0 set when the
// first table (luma) has 16-bit entries, bit 1 for the second (chroma).
func (h *JPEGHeader) Precision() uint8 {
	var p uint8
	if h.Luma.Len == 128 {
		p |= 1
	}
	if h.Chroma.Len == 128 {
		p |= 2
	}
	return p
}

// QTableLen returns the RFC 2435 §3.1.8 Length field: the size of both
// tables as they are sent, luma then chroma.
func (h *JPEGHeader) QTableLen() int { return h.Luma.Len + h.Chroma.Len }

// ScanLen returns the size of the entropy-coded data.
func (h *JPEGHeader) ScanLen() int { return h.ScanEnd - h.ScanStart }

// ParseJPEG reads the headers of a baseline JFIF/JPEG frame, as a UVC
// camera in MJPEG mode or image/jpeg produces it, up to the start of the
// scan. It accepts what RFC 2435 types 0, 1, 64 and 65 can carry:
// baseline (or 8-bit extended sequential Huffman) coding, three components
// Y, Cb, Cr in one interleaved scan, Y sampled 2x1 or 2x2 and Cb, Cr 1x1,
// Cb and Cr sharing one quantisation table, and either no Huffman tables
// (Motion-JPEG as UVC sends it) or exactly the T.81 Annex K.3 tables, Y
// using tables 0 and the chroma tables 1. Anything else is a *JPEGError
// wrapping ErrJPEGUnsupported (or ErrJPEGMalformed for broken syntax)
// naming the marker and offset. It copies nothing and, on success,
// allocates nothing.
func ParseJPEG(b []byte) (JPEGHeader, error) {
	var h JPEGHeader
	if len(b) < 2 || b[0] != 0xFF || b[1] != jpegSOI {
		return h, jpegErr(0, 0, "no SOI marker at the start", ErrJPEGMalformed)
	}
	var (
		qt       [4]JPEGTable // quantisation tables by destination Tq
		huff     [2][4]int8   // by class (DC, AC) and destination: 0 undefined, 1 standard, -1 other
		huffAt   [2][4]int    // offset of the DHT segment defining each
		sof      []byte       // the SOF segment's body
		sofAt    int
		sofCode  byte
		sofCount int
	)
	i := 2
	for {
		// Each segment starts with a marker: 0xFF, optional fill bytes
		// 0xFF (T.81 B.1.1.2), then the code.
		at := i
		if i >= len(b) || b[i] != 0xFF {
			return h, jpegErr(0, i, "expected a marker", ErrJPEGMalformed)
		}
		for i < len(b) && b[i] == 0xFF {
			i++
		}
		if i >= len(b) {
			return h, jpegErr(0, at, "truncated marker", ErrJPEGMalformed)
		}
		m := b[i]
		i++
		switch {
		case m == 0 || m == jpegSOI || m == jpegEOI || (m >= 0xD0 && m <= 0xD7):
			return h, jpegErr(m, at, "unexpected before the scan", ErrJPEGMalformed)
		case m == jpegTEM:
			continue // standalone, no length
		}
		if i+2 > len(b) {
			return h, jpegErr(m, at, "segment length truncated", ErrJPEGMalformed)
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 || i+n > len(b) {
			return h, jpegErr(m, at, "segment length "+strconv.Itoa(n)+" runs past the end of the frame", ErrJPEGMalformed)
		}
		body := b[i+2 : i+n]
		bodyAt := i + 2
		i += n
		switch {
		case m == jpegDQT:
			// T.81 B.2.4.1: (Pq<<4 | Tq, 64 or 128 entries)+
			for j := 0; j < len(body); {
				pq, tq := body[j]>>4, body[j]&15
				size := 64
				if pq == 1 {
					size = 128
				}
				if pq > 1 || tq > 3 {
					return h, jpegErr(m, at, "bad table precision or destination", ErrJPEGMalformed)
				}
				if j+1+size > len(body) {
					return h, jpegErr(m, at, "table runs past the segment", ErrJPEGMalformed)
				}
				qt[tq] = JPEGTable{Off: bodyAt + j + 1, Len: size}
				j += 1 + size
			}
		case m == jpegDHT:
			// T.81 B.2.4.2: (Tc<<4 | Th, 16 counts, values)+
			for j := 0; j < len(body); {
				if j+17 > len(body) {
					return h, jpegErr(m, at, "table runs past the segment", ErrJPEGMalformed)
				}
				tc, th := body[j]>>4, body[j]&15
				if tc > 1 || th > 3 {
					return h, jpegErr(m, at, "bad table class or destination", ErrJPEGMalformed)
				}
				total := 0
				for _, c := range body[j+1 : j+17] {
					total += int(c)
				}
				end := j + 17 + total
				if end > len(body) {
					return h, jpegErr(m, at, "table runs past the segment", ErrJPEGMalformed)
				}
				huff[tc][th], huffAt[tc][th] = -1, at
				if th < 2 && bytes.Equal(body[j+1:end], stdHuffman[tc][th]) {
					huff[tc][th] = 1
				}
				j = end
			}
		case m == jpegDRI:
			if len(body) != 2 {
				return h, jpegErr(m, at, "DRI length is not 4", ErrJPEGMalformed)
			}
			h.RestartInterval = binary.BigEndian.Uint16(body)
		case m == jpegSOF0 || m == jpegSOF1:
			sof, sofAt, sofCode = body, at, m
			sofCount++
		case m >= 0xC2 && m <= 0xCF && m != jpegDHT && m != 0xC8 && m != 0xCC:
			// SOF2..SOF15 except DHT, JPG and DAC: progressive, lossless,
			// hierarchical or arithmetic coding.
			return h, jpegErr(m, at, "not baseline or extended sequential Huffman coding", ErrJPEGUnsupported)
		case m == jpegDNL:
			return h, jpegErr(m, at, "DNL before the scan", ErrJPEGMalformed)
		case m == jpegSOS:
			if err := h.frameHeader(sof, sofCode, sofAt, sofCount, &qt, at); err != nil {
				return h, err
			}
			if err := checkScan(body, sof, &huff, &huffAt, at); err != nil {
				return h, err
			}
			h.ScanStart = i
			h.ScanEnd = scanEnd(b, i)
			if h.RestartInterval > 0 {
				h.Type += 64
			}
			return h, nil
		}
		// APPn, COM, DAC, JPGn and reserved markers carry nothing we need.
	}
}

// frameHeader checks the SOF body (T.81 B.2.2) against what RFC 2435 can
// describe and fills type, size and quantisation tables.
func (h *JPEGHeader) frameHeader(sof []byte, code byte, sofAt, count int, qt *[4]JPEGTable, sosAt int) error {
	if count == 0 {
		return jpegErr(jpegSOS, sosAt, "scan without a frame header (SOF)", ErrJPEGMalformed)
	}
	if count > 1 {
		return jpegErr(code, sofAt, "more than one frame header", ErrJPEGMalformed)
	}
	if len(sof) < 6 || len(sof) != 6+3*int(sof[5]) {
		return jpegErr(code, sofAt, "frame header length does not match its component count", ErrJPEGMalformed)
	}
	if sof[0] != 8 {
		return jpegErr(code, sofAt, strconv.Itoa(int(sof[0]))+"-bit samples (RFC 2435 carries 8-bit)", ErrJPEGUnsupported)
	}
	h.Height = int(binary.BigEndian.Uint16(sof[1:]))
	h.Width = int(binary.BigEndian.Uint16(sof[3:]))
	if h.Width == 0 || h.Height == 0 {
		return jpegErr(code, sofAt, "zero width or height (DNL-defined height is not supported)", ErrJPEGUnsupported)
	}
	if h.Width > maxJPEGDim || h.Height > maxJPEGDim {
		return jpegErr(code, sofAt, strconv.Itoa(h.Width)+"x"+strconv.Itoa(h.Height)+
			" is larger than RFC 2435's 2040x2040", ErrJPEGUnsupported)
	}
	if sof[5] != 3 {
		return jpegErr(code, sofAt, strconv.Itoa(int(sof[5]))+" components (RFC 2435 types 0 and 1 need Y, Cb, Cr)", ErrJPEGUnsupported)
	}
	c := sof[6:]
	// RFC 2435 §4.1: type 0 is Y 2x1 (4:2:2), type 1 is Y 2x2 (4:2:0);
	// Cb and Cr 1x1 in both.
	switch {
	case c[1] == 0x21:
		h.Type = 0
	case c[1] == 0x22:
		h.Type = 1
	default:
		return jpegErr(code, sofAt, "luma sampling "+samplingName(c[1])+" (RFC 2435 has 2x1 for 4:2:2 and 2x2 for 4:2:0)", ErrJPEGUnsupported)
	}
	if c[4] != 0x11 || c[7] != 0x11 {
		return jpegErr(code, sofAt, "chroma sampling "+samplingName(c[4])+", "+samplingName(c[7])+" (must be 1x1)", ErrJPEGUnsupported)
	}
	if c[5] != c[8] {
		return jpegErr(code, sofAt, "Cb and Cr use different quantisation tables (RFC 2435 sends one chroma table)", ErrJPEGUnsupported)
	}
	if c[2] > 3 || c[5] > 3 {
		return jpegErr(code, sofAt, "quantisation table destination above 3", ErrJPEGMalformed)
	}
	h.Luma, h.Chroma = qt[c[2]], qt[c[5]]
	if h.Luma.Len == 0 || h.Chroma.Len == 0 {
		return jpegErr(code, sofAt, "references a quantisation table no DQT defined", ErrJPEGMalformed)
	}
	return nil
}

// checkScan checks the SOS body (T.81 B.2.3): one interleaved scan of the
// three frame components in frame order, full spectral range, with Y on
// Huffman tables 0 and Cb, Cr on tables 1, each either undefined or
// standard.
func checkScan(sos, sof []byte, huff *[2][4]int8, huffAt *[2][4]int, at int) error {
	if len(sos) < 1 || len(sos) != 4+2*int(sos[0]) {
		return jpegErr(jpegSOS, at, "scan header length does not match its component count", ErrJPEGMalformed)
	}
	if sos[0] != 3 {
		return jpegErr(jpegSOS, at, "scan of "+strconv.Itoa(int(sos[0]))+" components (need one interleaved scan of all three)", ErrJPEGUnsupported)
	}
	for k := 0; k < 3; k++ {
		if sos[1+2*k] != sof[6+3*k] {
			return jpegErr(jpegSOS, at, "scan components differ from the frame's", ErrJPEGMalformed)
		}
		want := byte(0x00)
		if k > 0 {
			want = 0x11
		}
		if sos[2+2*k] != want {
			return jpegErr(jpegSOS, at, "component "+strconv.Itoa(k)+" uses Huffman tables "+
				strconv.Itoa(int(sos[2+2*k]>>4))+"/"+strconv.Itoa(int(sos[2+2*k]&15))+
				" (RFC 2435 decoders use 0/0 for Y, 1/1 for chroma)", ErrJPEGUnsupported)
		}
	}
	for tc := 0; tc < 2; tc++ {
		for th := 0; th < 2; th++ {
			if huff[tc][th] < 0 {
				return jpegErr(jpegDHT, huffAt[tc][th], "Huffman table "+[2]string{"DC", "AC"}[tc]+strconv.Itoa(th)+
					" is not the standard table of T.81 Annex K.3 that RFC 2435 receivers assume", ErrJPEGUnsupported)
			}
		}
	}
	p := sos[len(sos)-3:]
	if p[0] != 0 || p[1] != 63 || p[2] != 0 {
		return jpegErr(jpegSOS, at, "spectral selection or successive approximation of a progressive scan", ErrJPEGUnsupported)
	}
	return nil
}

// scanEnd finds the end of the entropy-coded data that starts at from: the
// last EOI marker. Inside entropy-coded data 0xFF is always followed by a
// stuffed 0x00 or a restart marker (T.81 B.1.1.5), so the last 0xFFD9 in
// the frame is the EOI; bytes after it (padding some cameras append) are
// not part of the image.
func scanEnd(b []byte, from int) int {
	if j := bytes.LastIndex(b[from:], eoi[:]); j >= 0 {
		return from + j
	}
	return len(b)
}

var eoi = [2]byte{0xFF, jpegEOI}

func jpegErr(m byte, at int, reason string, err error) error {
	return &JPEGError{Marker: m, Offset: at, Reason: reason, Err: err}
}

func samplingName(hv byte) string {
	return strconv.Itoa(int(hv>>4)) + "x" + strconv.Itoa(int(hv&15))
}

func markerName(m byte) string {
	switch {
	case m == jpegSOF0:
		return "SOF0"
	case m == jpegSOF1:
		return "SOF1"
	case m == jpegDHT:
		return "DHT"
	case m >= 0xC0 && m <= 0xCF && m != 0xC8 && m != 0xCC:
		return "SOF" + strconv.Itoa(int(m-0xC0))
	case m >= 0xD0 && m <= 0xD7:
		return "RST" + strconv.Itoa(int(m-0xD0))
	case m == jpegSOI:
		return "SOI"
	case m == jpegEOI:
		return "EOI"
	case m == jpegSOS:
		return "SOS"
	case m == jpegDQT:
		return "DQT"
	case m == jpegDNL:
		return "DNL"
	case m == jpegDRI:
		return "DRI"
	case m >= 0xE0 && m <= 0xEF:
		return "APP" + strconv.Itoa(int(m-0xE0))
	case m == 0xFE:
		return "COM"
	}
	return "unknown"
}

// stdHuffman holds the Huffman tables of T.81 Annex K.3 (Tables K.3 to
// K.6) as a DHT segment carries them after the Tc/Th byte: 16 code counts
// by length, then the values. RFC 2435 receivers build their decoders from
// these; indexed by class (DC, AC) and destination (0 luminance, 1
// chrominance).
var stdHuffman = [2][2][]byte{
	{
		append([]byte{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
		append([]byte{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
	},
	{
		append([]byte{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d},
			0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
			0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
			0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
			0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
			0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
			0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
			0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
			0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
			0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
			0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa),
		append([]byte{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77},
			0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
			0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
			0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
			0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
			0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
			0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
			0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
			0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
			0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
			0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa),
	},
}
