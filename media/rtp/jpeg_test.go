package rtp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
	"time"

	"github.com/cluecam/cluecam/media/codec"
	"github.com/cluecam/cluecam/media/codec/jpegtest"
)

func testJPEG(t testing.TB, w, h, q, seed int) []byte {
	t.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// Gradients, bars and a little texture: about 150 KB at 1080p
			// and quality 85, like a UVC camera's MJPEG.
			img.Y[y*img.YStride+x] = uint8(x/4+y/3+seed*5) + uint8(x/240*24) + uint8((x^y)&7)
		}
	}
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			img.Cb[y*img.CStride+x] = uint8(x*4 + seed)
			img.Cr[y*img.CStride+x] = uint8(y*4 - seed)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rtpJPEG is one parsed RTP/JPEG payload.
type rtpJPEG struct {
	typeSpecific, typ, q, w, h uint8
	off                        int
	restart                    []byte
	qtHdr                      []byte
	tables                     []byte
	data                       []byte
}

func parseRTPJPEG(t *testing.T, pl []byte) rtpJPEG {
	t.Helper()
	var r rtpJPEG
	r.typeSpecific, r.off = pl[0], int(pl[1])<<16|int(pl[2])<<8|int(pl[3])
	r.typ, r.q, r.w, r.h = pl[4], pl[5], pl[6], pl[7]
	pl = pl[8:]
	if r.typ >= 64 {
		r.restart, pl = pl[:4], pl[4:]
	}
	if r.off == 0 && r.q >= 128 {
		r.qtHdr = pl[:4]
		n := int(binary.BigEndian.Uint16(pl[2:]))
		r.tables, pl = pl[4:4+n], pl[4+n:]
	}
	r.data = pl
	return r
}

func TestJPEGPacketization(t *testing.T) {
	frame := testJPEG(t, 640, 360, 80, 1)
	hdr, err := codec.ParseJPEG(frame)
	if err != nil {
		t.Fatal(err)
	}
	s := newStream(t, StreamOptions{PayloadType: 26, ClockRate: 90000, CaptID: "VC2", CaptIDExtID: 2})
	j, err := NewJPEGPacketizer(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.SetFrame(frame, time.Second); err != nil {
		t.Fatal(err)
	}
	wire := drain(t, j, NewPool(nil))
	var scan []byte
	for i, b := range wire {
		p := parse(t, b)
		if len(p.Payload) > DefaultMaxPayload {
			t.Fatalf("packet %d: payload %d", i, len(p.Payload))
		}
		if p.Marker != (i == len(wire)-1) || p.Timestamp != parse(t, wire[0]).Timestamp || p.PayloadType != 26 {
			t.Fatalf("packet %d: marker %v ts %d", i, p.Marker, p.Timestamp)
		}
		r := parseRTPJPEG(t, p.Payload)
		// RFC 2435 §3.1: type 1 (4:2:0), Q 255, 640/8, 360/8.
		if r.typeSpecific != 0 || r.typ != 1 || r.q != 255 || r.w != 80 || r.h != 45 {
			t.Fatalf("packet %d: main header % x", i, p.Payload[:8])
		}
		if r.off != len(scan) {
			t.Fatalf("packet %d: fragment offset %d, want %d", i, r.off, len(scan))
		}
		if i == 0 {
			// §3.1.8: MBZ 0, precision 0 (8-bit), length 128, luma then
			// chroma table exactly as in the DQT.
			if !bytes.Equal(r.qtHdr, []byte{0, 0, 0, 128}) ||
				!bytes.Equal(r.tables, append(hdr.Luma.Bytes(frame), hdr.Chroma.Bytes(frame)...)) {
				t.Fatalf("quantisation table header % x", r.qtHdr)
			}
			// The tables are referenced in the frame, not copied.
			pz := NewPacket(DefaultMaxPayload)
			j.SetFrame(frame, time.Second)
			j.Next(pz)
			if segs := pz.Segments(); len(segs) != 4 || &segs[1][0] != &frame[hdr.Luma.Off] || &segs[3][0] != &frame[hdr.ScanStart] {
				t.Fatal("tables or scan not borrowed from the frame")
			}
		} else if r.qtHdr != nil {
			t.Fatalf("packet %d repeats the tables", i)
		}
		scan = append(scan, r.data...)
	}
	if !bytes.Equal(scan, frame[hdr.ScanStart:hdr.ScanEnd]) {
		t.Fatal("reassembled scan differs")
	}
	// Fragment sizes: full packets but the last.
	if n := len(parse(t, wire[1]).Payload); n != DefaultMaxPayload {
		t.Errorf("second packet payload %d", n)
	}
}

func TestJPEGRestartAndTypes(t *testing.T) {
	for _, tc := range []struct {
		s       jpegtest.Sampling
		restart int
		typ     uint8
	}{{jpegtest.S422, 0, 0}, {jpegtest.S420, 0, 1}, {jpegtest.S422, 5, 64}, {jpegtest.S420, 7, 65}} {
		frame := jpegtest.Encode(320, 240, tc.s, tc.restart, 3)
		s := newStream(t, StreamOptions{PayloadType: 26, ClockRate: 90000})
		j, _ := NewJPEGPacketizer(s, &JPEGOptions{MaxPayload: 300})
		if err := j.SetFrame(frame, 0); err != nil {
			t.Fatal(err)
		}
		wire := drain(t, j, NewPool(nil))
		if len(wire) < 2 {
			t.Fatalf("type %d: %d packets", tc.typ, len(wire))
		}
		for _, b := range wire {
			r := parseRTPJPEG(t, parse(t, b).Payload)
			if r.typ != tc.typ || r.w != 40 || r.h != 30 {
				t.Fatalf("type %d: header type %d %dx%d", tc.typ, r.typ, r.w, r.h)
			}
			if tc.restart > 0 {
				// §3.1.7: interval, F=L=1, count 0x3FFF.
				if want := []byte{0, byte(tc.restart), 0xff, 0xff}; !bytes.Equal(r.restart, want) {
					t.Fatalf("restart header % x, want % x", r.restart, want)
				}
			}
		}
	}
}

func TestJPEGErrors(t *testing.T) {
	s := newStream(t, StreamOptions{PayloadType: 26, ClockRate: 90000})
	j, _ := NewJPEGPacketizer(s, nil)
	var gray bytes.Buffer
	jpeg.Encode(&gray, image.NewGray(image.Rect(0, 0, 16, 16)), nil)
	err := j.SetFrame(gray.Bytes(), 0)
	var je *codec.JPEGError
	if !errors.Is(err, codec.ErrJPEGUnsupported) || !errors.As(err, &je) || j.More() {
		t.Fatalf("grayscale: %v", err)
	}
	if err := j.SetFrame([]byte("not a jpeg"), 0); !errors.Is(err, codec.ErrJPEGMalformed) {
		t.Fatalf("garbage: %v", err)
	}
	if _, err := NewJPEGPacketizer(s, &JPEGOptions{MaxPayload: 200}); err == nil {
		t.Error("MaxPayload 200 accepted")
	}
	// A frame cut short still goes out, as far as it goes.
	frame := testJPEG(t, 256, 256, 50, 0)
	if err := j.SetFrame(frame[:len(frame)/2], 0); err != nil || !j.More() {
		t.Fatal(err)
	}
	_ = color.Gray{}
}
