package provider

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cluecam/cluecam/clue/protocol"
)

// FuzzCheckConfigure: a configure message from an untrusted peer, parsed
// and decided against a fixed advertisement (the shared-devices room:
// simultaneous sets, a two-encoding group, an MCC allowing subset choice),
// never panics; an accepted one yields one order per capture encoding, a
// rejected one a 3xx or 4xx code and a reason.
func FuzzCheckConfigure(f *testing.F) {
	a := mustBuild(f, shared())
	adv := &protocol.Advertisement{Header: protocol.Header{V: protocol.Version10, SeqNr: 5}, Body: a.Body}
	head := `<?xml version="1.0"?><configure xmlns="urn:ietf:params:xml:ns:clue-protocol" xmlns:dm="urn:ietf:params:xml:ns:clue-info" protocol="CLUE" v="1.0"><sequenceNr>9</sequenceNr><advSequenceNr>5</advSequenceNr>`
	for _, body := range []string{
		``,
		`<captureEncodings><dm:captureEncoding ID="x"><dm:captureID>a</dm:captureID><dm:encodingID>a.0</dm:encodingID></dm:captureEncoding></captureEncodings>`,
		`<captureEncodings><dm:captureEncoding ID="x"><dm:captureID>c</dm:captureID><dm:encodingID>c.0</dm:encodingID></dm:captureEncoding><dm:captureEncoding ID="y"><dm:captureID>d</dm:captureID><dm:encodingID>c.1</dm:encodingID></dm:captureEncoding></captureEncodings>`,
		`<captureEncodings><dm:captureEncoding ID="x"><dm:captureID>mcc</dm:captureID><dm:encodingID>mcc.0</dm:encodingID><dm:configuredContent><dm:mediaCaptureIDREF>f</dm:mediaCaptureIDREF><dm:sceneViewIDREF>SV-room-video-1</dm:sceneViewIDREF></dm:configuredContent></dm:captureEncoding></captureEncodings>`,
		`<captureEncodings><dm:captureEncoding ID="x"><dm:captureID>b</dm:captureID><dm:encodingID>a.0</dm:encodingID></dm:captureEncoding><dm:captureEncoding ID="x"><dm:captureID>mcc</dm:captureID><dm:encodingID>a.0</dm:encodingID></dm:captureEncoding></captureEncodings>`,
	} {
		f.Add([]byte(head + body + `</configure>`))
	}
	for _, name := range []string{"rfc8847-s10.4-msg4-configure-ack.xml", "rfc8847-s10.8-msg8-configure.xml"} {
		if data, err := os.ReadFile(filepath.Join("../../testdata/clue/examples/corrected", name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := protocol.Parse(data, nil)
		if err != nil {
			return
		}
		c, ok := m.(*protocol.Configure)
		if !ok {
			return
		}
		d := Answer(adv, c)
		if d.Code.IsSuccess() != (d.Reason == "") || !d.Code.ValidFor(1) {
			t.Fatalf("decision %v %q", d.Code, d.Reason)
		}
		d2, orders := a.Accept(c.Body)
		if d2.OK() != (len(orders) == len(c.Body)) {
			t.Fatalf("accepted %v with %d orders for %d capture encodings", d2.Code, len(orders), len(c.Body))
		}
	})
}
