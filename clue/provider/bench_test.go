package provider

import (
	"testing"

	"github.com/cluecam/cluecam/clue/model"
)

// BenchmarkBuild44 builds the 4-camera, 4-microphone box's advertisement
// (validated and measured as a message, as on every re-advertisement).
func BenchmarkBuild44(b *testing.B) {
	r := room44()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckConfigure decides a configure asking for everything the
// 4+4 box offers (four cameras, the MCC, four microphones).
func BenchmarkCheckConfigure(b *testing.B) {
	a := mustBuild(b, room44())
	var ces model.CaptureEncodings
	for _, c := range a.Body.MediaCaptures {
		g := a.Body.EncodingGroup(c.EncGroupIDREF)
		ces = append(ces, model.CaptureEncoding{ID: "ce-" + c.CaptureID, CaptureID: c.CaptureID, EncodingID: g.EncodingIDs[0]})
	}
	if d := CheckConfigure(&a.Body, ces); !d.OK() {
		b.Fatal(d)
	}
	b.ReportAllocs()
	for b.Loop() {
		CheckConfigure(&a.Body, ces)
	}
}

// BenchmarkAccept is CheckConfigure plus the orders.
func BenchmarkAccept(b *testing.B) {
	a := mustBuild(b, room44())
	var ces model.CaptureEncodings
	for _, c := range a.Body.MediaCaptures {
		g := a.Body.EncodingGroup(c.EncGroupIDREF)
		ces = append(ces, model.CaptureEncoding{ID: "ce-" + c.CaptureID, CaptureID: c.CaptureID, EncodingID: g.EncodingIDs[0]})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, orders := a.Accept(ces); len(orders) != len(ces) {
			b.Fatal(len(orders))
		}
	}
}
