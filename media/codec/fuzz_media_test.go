package codec

import (
	"errors"
	"image"
	"testing"
)

func FuzzJPEGHeader(f *testing.F) {
	base := encodeJPEG(f, testImage(64, 48), 50)
	f.Add(base)
	f.Add(withoutSegments(base, jpegDHT))
	f.Add(insertBefore(base, jpegSOS, []byte{0xFF, jpegDRI, 0, 4, 0, 3}))
	f.Add(encodeJPEG(f, image.NewGray(image.Rect(0, 0, 16, 16)), 50))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xD9})
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseJPEG(b)
		if err != nil {
			var je *JPEGError
			if !errors.As(err, &je) || (!errors.Is(err, ErrJPEGMalformed) && !errors.Is(err, ErrJPEGUnsupported)) {
				t.Fatalf("untyped error %v", err)
			}
			if je.Offset < 0 || je.Offset > len(b) {
				t.Fatalf("offset %d out of range", je.Offset)
			}
			return
		}
		if h.Type&^64 > 1 || (h.Type&64 != 0) != (h.RestartInterval != 0) {
			t.Fatalf("type %d interval %d", h.Type, h.RestartInterval)
		}
		if h.Width < 1 || h.Height < 1 || h.Width > 2040 || h.Height > 2040 || h.Width8() == 0 || h.Height8() == 0 {
			t.Fatalf("size %dx%d", h.Width, h.Height)
		}
		for _, q := range []JPEGTable{h.Luma, h.Chroma} {
			if q.Len != 64 && q.Len != 128 || q.Off < 2 || q.Off+q.Len > h.ScanStart {
				t.Fatalf("table %+v, scan at %d", q, h.ScanStart)
			}
			_ = q.Bytes(b)
		}
		if h.ScanStart < 2 || h.ScanStart > h.ScanEnd || h.ScanEnd > len(b) {
			t.Fatalf("scan %d..%d of %d", h.ScanStart, h.ScanEnd, len(b))
		}
	})
}
