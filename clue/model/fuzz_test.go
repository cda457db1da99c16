package model

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// seeds returns every RFC example in testdata plus two local documents.
func seeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, dir := range []string{"examples", "examples/corrected"} {
		files, err := filepath.Glob(filepath.Join(testdata, dir, "*.xml"))
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, b)
		}
	}
	base, err := Marshal(&ClueInfo{ClueInfoID: "base", Advertisement: *baseAdv()})
	if err != nil {
		f.Fatal(err)
	}
	return append(out, []byte(minimal), base)
}

// FuzzDecode: no input panics the decoder or the checker; whatever
// decodes re-encodes, and the re-encoding decodes to the same value.
func FuzzDecode(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ci, err := Decode(bytes.NewReader(data), &DecodeOpts{MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		ci.Check()
		ci.CheckConfigure(CaptureEncodings{{ID: "c", CaptureID: "VC1", EncodingID: "E1",
			ConfiguredContent: &Content{MediaCaptureIDREFs: []string{"VC2"}, SceneViewIDREFs: []string{"SE1"}}}})
		out, err := Marshal(ci)
		if err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
		back, err := Decode(bytes.NewReader(out), &DecodeOpts{MaxBytes: 1 << 20})
		if err != nil {
			t.Fatalf("re-encoding does not decode: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(ci, back) {
			t.Fatalf("round trip differs\nfirst:  %+v\nsecond: %+v\n%s", ci, back, out)
		}
	})
}

// FuzzDecodeMessage drives the embedding API (DecodeGroup,
// DecodeCaptureEncodings) the way clue/protocol will, on RFC 8847 messages.
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		m, err := parseMessage(data, nil)
		if err != nil || (m.adv == nil && m.ces == nil) {
			return
		}
		if m.adv != nil {
			m.adv.Check()
			m.adv.CheckConfigure(m.ces)
		}
		out := encodeMessage(t, "p", Namespaces{Container: "p", XSI: "xsi"}, m.adv, m.ces)
		back, err := parseMessage(out, nil)
		if err != nil {
			t.Fatalf("re-encoding does not decode: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(m.adv, back.adv) || (m.adv == nil && !reflect.DeepEqual(m.ces, back.ces)) {
			t.Fatalf("round trip differs\n%s", out)
		}
	})
}
