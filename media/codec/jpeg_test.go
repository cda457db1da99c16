package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/cluecam/cluecam/media/codec/jpegtest"
)

// testImage draws colour bars with a gradient, enough detail for a JPEG
// encoder to produce realistic scan data.
func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	bars := []color.RGBA{{255, 255, 255, 255}, {255, 255, 0, 255}, {0, 255, 255, 255}, {0, 255, 0, 255},
		{255, 0, 255, 255}, {255, 0, 0, 255}, {0, 0, 255, 255}, {0, 0, 0, 255}}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := bars[x*len(bars)/w]
			g := uint8(y * 255 / h)
			img.SetRGBA(x, y, color.RGBA{c.R ^ g>>2, c.G ^ uint8(x), c.B ^ g, 255})
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// segments lists the marker segments of a JPEG up to SOS: marker code and
// offset of the 0xFF.
func segments(b []byte) (codes []byte, offs []int) {
	for i := 2; i+4 <= len(b); {
		m := b[i+1]
		codes, offs = append(codes, m), append(offs, i)
		if m == jpegSOS {
			break
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	return
}

// withoutSegments returns a copy of b without the segments of marker m.
func withoutSegments(b []byte, m byte) []byte {
	codes, offs := segments(b)
	out := append([]byte(nil), b[:2]...)
	for k, c := range codes {
		end := len(b)
		if k+1 < len(codes) {
			end = offs[k+1]
		}
		if c != m {
			out = append(out, b[offs[k]:end]...)
		}
	}
	return out
}

// insertBefore inserts seg before the first segment of marker m.
func insertBefore(b []byte, m byte, seg []byte) []byte {
	codes, offs := segments(b)
	for k, c := range codes {
		if c == m {
			return append(append(append([]byte(nil), b[:offs[k]]...), seg...), b[offs[k]:]...)
		}
	}
	panic("no such marker")
}

func segmentAt(b []byte, m byte) int {
	codes, offs := segments(b)
	for k, c := range codes {
		if c == m {
			return offs[k]
		}
	}
	return -1
}

func TestParseJPEGImageJPEG(t *testing.T) {
	b := encodeJPEG(t, testImage(640, 360), 75)
	h, err := ParseJPEG(b)
	if err != nil {
		t.Fatal(err)
	}
	// image/jpeg writes 4:2:0, one DQT with tables 0 (luma) and 1
	// (chroma), the four standard Huffman tables, no DRI.
	if h.Type != 1 || h.Width != 640 || h.Height != 360 || h.Width8() != 80 || h.Height8() != 45 || h.RestartInterval != 0 {
		t.Fatalf("%+v", h)
	}
	dqt := segmentAt(b, jpegDQT)
	if h.Luma != (JPEGTable{dqt + 5, 64}) || h.Chroma != (JPEGTable{dqt + 5 + 65, 64}) || h.Precision() != 0 || h.QTableLen() != 128 {
		t.Fatalf("tables %+v %+v (DQT at %d)", h.Luma, h.Chroma, dqt)
	}
	sos := segmentAt(b, jpegSOS)
	if h.ScanStart != sos+2+12 || h.ScanEnd != len(b)-2 || h.ScanLen() <= 0 {
		t.Fatalf("scan %d..%d, SOS at %d, len %d", h.ScanStart, h.ScanEnd, sos, len(b))
	}
	if !bytes.Equal(b[h.ScanEnd:], []byte{0xFF, 0xD9}) {
		t.Fatal("scan does not end at EOI")
	}
	// The stdHuffman tables are what image/jpeg writes (T.81 Annex K.3).
	dht := segmentAt(b, jpegDHT)
	seg := b[dht+4 : dht+2+int(binary.BigEndian.Uint16(b[dht+2:]))]
	for _, want := range []struct{ tc, th int }{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
		if seg[0] != byte(want.tc<<4|want.th) {
			t.Fatalf("DHT order: %#x", seg[0])
		}
		n := 17
		for _, c := range seg[1:17] {
			n += int(c)
		}
		if !bytes.Equal(seg[1:n], stdHuffman[want.tc][want.th]) {
			t.Errorf("stdHuffman[%d][%d] differs from image/jpeg's table", want.tc, want.th)
		}
		seg = seg[n:]
	}
	if n := testing.AllocsPerRun(100, func() { ParseJPEG(b) }); n != 0 {
		t.Errorf("ParseJPEG: %v allocs", n)
	}
}

func TestParseJPEGVariants(t *testing.T) {
	base := encodeJPEG(t, testImage(320, 240), 80)
	dri := []byte{0xFF, jpegDRI, 0, 4, 0, 10}
	for _, tc := range []struct {
		name  string
		b     []byte
		check func(t *testing.T, h JPEGHeader)
	}{
		{"restart interval makes type 65", insertBefore(base, jpegSOS, dri), func(t *testing.T, h JPEGHeader) {
			if h.Type != 65 || h.RestartInterval != 10 {
				t.Errorf("type %d interval %d", h.Type, h.RestartInterval)
			}
		}},
		{"DRI of zero disables restart", insertBefore(base, jpegSOS, []byte{0xFF, jpegDRI, 0, 4, 0, 0}), func(t *testing.T, h JPEGHeader) {
			if h.Type != 1 {
				t.Errorf("type %d", h.Type)
			}
		}},
		{"no Huffman tables (UVC Motion-JPEG)", withoutSegments(base, jpegDHT), nil},
		{"APP and COM segments and fill bytes", insertBefore(base, jpegDQT, []byte{0xFF, 0xE1, 0, 4, 'x', 'y', 0xFF, 0xFE, 0, 3, 'c', 0xFF, 0xFF}), nil},
		{"padding after EOI", append(append([]byte(nil), base...), 0, 0, 0, 0), func(t *testing.T, h JPEGHeader) {
			if h.ScanEnd != len(base)-2 {
				t.Errorf("ScanEnd %d", h.ScanEnd)
			}
		}},
		{"truncated scan without EOI", base[:len(base)-100], func(t *testing.T, h JPEGHeader) {
			if h.ScanEnd != len(base)-100 {
				t.Errorf("ScanEnd %d", h.ScanEnd)
			}
		}},
		{"16-bit luma table", func() []byte {
			b := withoutSegments(base, jpegDQT)
			seg := []byte{0xFF, jpegDQT, 0, 2 + 129 + 65, 0x10}
			seg = append(seg, make([]byte, 128)...)
			seg = append(seg, 0x01)
			seg = append(seg, make([]byte, 64)...)
			return insertBefore(b, jpegSOF0, seg)
		}(), func(t *testing.T, h JPEGHeader) {
			if h.Precision() != 1 || h.Luma.Len != 128 || h.QTableLen() != 192 {
				t.Errorf("%+v", h)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseJPEG(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if h.Width != 320 || h.Height != 240 {
				t.Errorf("%dx%d", h.Width, h.Height)
			}
			if tc.check != nil {
				tc.check(t, h)
			}
		})
	}
}

func TestParseJPEGErrors(t *testing.T) {
	base := encodeJPEG(t, testImage(64, 48), 80)
	gray := func() []byte {
		img := image.NewGray(image.Rect(0, 0, 64, 48))
		return encodeJPEG(t, img, 80)
	}()
	sof := segmentAt(base, jpegSOF0)
	sos := segmentAt(base, jpegSOS)
	dht := segmentAt(base, jpegDHT)
	dqt := segmentAt(base, jpegDQT)
	patch := func(off int, v ...byte) []byte {
		b := append([]byte(nil), base...)
		copy(b[off:], v)
		return b
	}
	for _, tc := range []struct {
		name   string
		b      []byte
		marker byte
		off    int
		want   error
	}{
		{"empty", nil, 0, 0, ErrJPEGMalformed},
		{"no SOI", base[2:], 0, 0, ErrJPEGMalformed},
		{"truncated segment", base[:sof+10], jpegSOF0, sof, ErrJPEGMalformed},
		{"segment length past end", patch(sof+2, 0xFF, 0xFF), jpegSOF0, sof, ErrJPEGMalformed},
		{"garbage where a marker belongs", patch(sof, 0x12), 0, sof, ErrJPEGMalformed},
		{"progressive (SOF2)", patch(sof+1, 0xC2), 0xC2, sof, ErrJPEGUnsupported},
		{"lossless (SOF3)", patch(sof+1, 0xC3), 0xC3, sof, ErrJPEGUnsupported},
		{"arithmetic (SOF9)", patch(sof+1, 0xC9), 0xC9, sof, ErrJPEGUnsupported},
		{"12-bit samples", patch(sof+4, 12), jpegSOF0, sof, ErrJPEGUnsupported},
		{"width above 2040", patch(sof+7, 0x08, 0x00), jpegSOF0, sof, ErrJPEGUnsupported},
		{"zero height", patch(sof+5, 0, 0), jpegSOF0, sof, ErrJPEGUnsupported},
		{"grayscale", gray, jpegSOF0, segmentAt(gray, jpegSOF0), ErrJPEGUnsupported},
		{"4:4:4", patch(sof+11, 0x11), jpegSOF0, sof, ErrJPEGUnsupported},
		{"4:1:1", patch(sof+11, 0x41), jpegSOF0, sof, ErrJPEGUnsupported},
		{"subsampled Cb", patch(sof+14, 0x21), jpegSOF0, sof, ErrJPEGUnsupported},
		{"Cb and Cr on different tables", patch(sof+18, 0), jpegSOF0, sof, ErrJPEGUnsupported},
		{"undefined quantisation table", patch(sof+12, 3), jpegSOF0, sof, ErrJPEGMalformed},
		{"no DQT", withoutSegments(base, jpegDQT), jpegSOF0, segmentAt(withoutSegments(base, jpegDQT), jpegSOF0), ErrJPEGMalformed},
		{"no SOF", withoutSegments(base, jpegSOF0), jpegSOS, segmentAt(withoutSegments(base, jpegSOF0), jpegSOS), ErrJPEGMalformed},
		{"bad DQT precision", patch(dqt+4, 0x20), jpegDQT, dqt, ErrJPEGMalformed},
		{"non-standard Huffman table", patch(dht+22, 0x05), jpegDHT, dht, ErrJPEGUnsupported},
		{"Y on Huffman table 1", patch(sos+6, 0x11), jpegSOS, sos, ErrJPEGUnsupported},
		{"scan of one component", patch(sos+4, 1), jpegSOS, sos, ErrJPEGMalformed},
		{"progressive scan parameters", patch(sos+12, 5), jpegSOS, sos, ErrJPEGUnsupported},
		{"EOI before the scan", patch(sof, 0xFF, 0xD9), jpegEOI, sof, ErrJPEGMalformed},
		{"two frame headers", insertBefore(base, jpegSOS, base[sof:sof+19]), jpegSOF0, sos, ErrJPEGMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseJPEG(tc.b)
			var je *JPEGError
			if !errors.As(err, &je) {
				t.Fatalf("error %v (%T), want a *JPEGError", err, err)
			}
			if !errors.Is(err, tc.want) || je.Marker != tc.marker || je.Offset != tc.off {
				t.Errorf("got %v (marker %#x at %d), want %v for marker %#x at %d", err, je.Marker, je.Offset, tc.want, tc.marker, tc.off)
			}
			if je.Error() == "" {
				t.Error("empty message")
			}
		})
	}
}

// TestParseJPEGFFmpeg parses what ffmpeg's MJPEG encoder writes: 4:2:0
// with the standard Huffman tables (type 1); 4:2:2, which ffmpeg samples Y
// 2x2 and chroma 1x2, an MCU layout RFC 2435 type 0 (Y 2x1, chroma 1x1)
// does not describe; 4:4:4 (no RFC 2435 type); and its default per-frame
// optimal Huffman tables, which RFC 2435 cannot carry.
func TestParseJPEGFFmpeg(t *testing.T) {
	src := encodeJPEG(t, testImage(320, 240), 90)
	for _, tc := range []struct {
		pixfmt, huffman string
		typ             int // -1: unsupported
	}{
		{"yuvj422p", "default", -1},
		{"yuvj420p", "default", 1},
		{"yuvj444p", "default", -1},
		{"yuvj420p", "optimal", -1},
	} {
		t.Run(tc.pixfmt+"/"+tc.huffman, func(t *testing.T) {
			b := ffmpegPipe(t, src, "-f", "jpeg_pipe", "-i", "-", "-pix_fmt", tc.pixfmt, "-huffman", tc.huffman,
				"-c:v", "mjpeg", "-q:v", "3", "-f", "mjpeg", "-")
			h, err := ParseJPEG(b)
			if tc.typ < 0 {
				if !errors.Is(err, ErrJPEGUnsupported) {
					t.Fatalf("err %v, want ErrJPEGUnsupported", err)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if int(h.Type) != tc.typ || h.Width != 320 || h.Height != 240 {
				t.Errorf("%+v", h)
			}
		})
	}
}

// TestParseJPEGTypes covers types 0, 1, 64 and 65 with the DC-only writer
// of jpegtest, and checks that ffmpeg decodes those images.
func TestParseJPEGTypes(t *testing.T) {
	for _, tc := range []struct {
		s        jpegtest.Sampling
		restart  int
		wantType uint8
	}{
		{jpegtest.S422, 0, 0}, {jpegtest.S420, 0, 1}, {jpegtest.S422, 4, 64}, {jpegtest.S420, 3, 65},
	} {
		b := jpegtest.Encode(176, 144, tc.s, tc.restart, 1)
		h, err := ParseJPEG(b)
		if err != nil {
			t.Fatal(err)
		}
		if h.Type != tc.wantType || int(h.RestartInterval) != tc.restart || h.Width != 176 || h.Height != 144 {
			t.Errorf("%+v", h)
		}
		out := ffmpegPipe(t, b, "-f", "jpeg_pipe", "-i", "-", "-f", "rawvideo", "-")
		if len(out) == 0 {
			t.Errorf("type %d: ffmpeg decoded nothing", tc.wantType)
		}
	}
}

func BenchmarkParseJPEG(b *testing.B) {
	buf := encodeJPEG(b, testImage(1280, 720), 75)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseJPEG(buf); err != nil {
			b.Fatal(err)
		}
	}
}
