package model

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"github.com/cluecam/cluecam/internal/testenv"
	"strings"
	"testing"
)

// box44 is what a cluecam box with four cameras and four microphones
// advertises under the default minimal-disclosure policy: no descriptions,
// no xCards, no people (RFC 8845 §14). Positions are in millimetres: the
// cameras sit side by side on the front wall at 1.4 m height looking into
// the room, each covering a 1.5 m wide slice of a plane 3 m away; the
// microphones hang from the table line. Scene views: the four cameras, a
// loudest-speaker switched MCC over them, the four microphones, and a mixed
// room-audio MCC.
func box44() *Advertisement {
	a := &Advertisement{}
	var cams, mics []string
	for i := range 4 {
		x := float64(i)*1500 - 2250
		id := fmt.Sprintf("VC%d", i)
		cams = append(cams, id)
		a.MediaCaptures = append(a.MediaCaptures, MediaCapture{
			Type: VideoCapture, CaptureID: id, MediaType: MediaVideo, CaptureSceneIDREF: "CS1",
			Spatial: &SpatialInformation{
				CaptureOrigin: &CaptureOrigin{CapturePoint: pt(x, 0, 1400), LineOfCapturePoint: ptr(pt(x, 1000, 1300))},
				CaptureArea:   area(x-750, x+750, 3000, 700, 1700),
			},
			Individual: true, EncGroupIDREF: "EG0", Mobility: Static, View: "individual",
		})
	}
	for i := range 4 {
		x := float64(i)*1500 - 2250
		id := fmt.Sprintf("AC%d", i)
		mics = append(mics, id)
		a.MediaCaptures = append(a.MediaCaptures, MediaCapture{
			Type: AudioCapture, CaptureID: id, MediaType: MediaAudio, CaptureSceneIDREF: "CS1",
			Spatial: &SpatialInformation{CaptureOrigin: &CaptureOrigin{
				CapturePoint: pt(x, 1500, 750), LineOfCapturePoint: ptr(pt(x, 2500, 750)),
			}},
			Individual: true, EncGroupIDREF: "EG1", Mobility: Static, SensitivityPattern: "cardioid",
		})
	}
	a.MediaCaptures = append(a.MediaCaptures,
		MediaCapture{
			Type: VideoCapture, CaptureID: "VC4", MediaType: MediaVideo, CaptureSceneIDREF: "CS1",
			Spatial:     &SpatialInformation{CaptureArea: area(-3000, 3000, 3000, 700, 1700)},
			Content:     &Content{SceneViewIDREFs: []string{"SE0"}},
			Policy:      "SoundLevel:0",
			MaxCaptures: &MaxCaptures{N: 1, ExactNumber: true}, EncGroupIDREF: "EG0", View: "individual",
		},
		MediaCapture{
			Type: AudioCapture, CaptureID: "AC4", MediaType: MediaAudio, CaptureSceneIDREF: "CS1",
			Spatial: &SpatialInformation{CaptureOrigin: &CaptureOrigin{CapturePoint: pt(0, 1500, 750)}},
			Content: &Content{SceneViewIDREFs: []string{"SE2"}}, EncGroupIDREF: "EG1", View: "room",
		},
	)
	a.EncodingGroups = []EncodingGroup{
		{EncodingGroupID: "EG0", MaxGroupBandwidth: 8000000, EncodingIDs: []string{"v0", "v1", "v2", "v3", "v4"}},
		{EncodingGroupID: "EG1", MaxGroupBandwidth: 512000, EncodingIDs: []string{"a0", "a1", "a2", "a3", "a4"}},
	}
	a.CaptureScenes = []CaptureScene{{SceneID: "CS1", Scale: ScaleMM, SceneViews: []SceneView{
		{SceneViewID: "SE0", MediaCaptureIDREFs: cams},
		{SceneViewID: "SE1", MediaCaptureIDREFs: []string{"VC4"}},
		{SceneViewID: "SE2", MediaCaptureIDREFs: mics},
		{SceneViewID: "SE3", MediaCaptureIDREFs: []string{"AC4"}},
	}}}
	return a
}

// TestBox44Size: RFC 8831 §6.6 advises messages ≤ 16 KiB without message
// interleaving; the RFC's own advertisements are 14–19 KB (DIGEST §6.3).
func TestBox44Size(t *testing.T) {
	a := box44()
	if ps := a.Check(); len(ps) != 0 {
		t.Fatalf("box44: %v", ps)
	}
	msg := encodeMessage(t, "p", Namespaces{Container: "p", XSI: "xsi"}, a, nil)
	compact := compactMessage(t, a)
	t.Logf("4 cameras + 4 microphones, minimal disclosure: groups %d bytes, whole advertisement %d bytes (indented test envelope %d)",
		len(groupBytes(t, a)), len(compact), len(msg))
	if len(compact) > 16*1024 {
		t.Errorf("advertisement is %d bytes, over 16 KiB", len(compact))
	}
	// The same box disclosing everything the model can say: descriptions in
	// two languages on every capture, scene and view, four people with
	// xCards: the 16 KiB budget is what a disclosure policy spends.
	rich := box44()
	for i := range rich.MediaCaptures {
		c := &rich.MediaCaptures[i]
		c.Descriptions = []Description{{Lang: "en", Text: "camera or microphone " + c.CaptureID + " of the meeting room"},
			{Lang: "it", Text: "telecamera o microfono " + c.CaptureID + " della sala riunioni"}}
		c.Lang = []string{"en", "it"}
		c.Priority = ptr(uint32(1))
	}
	for i, name := range []string{"Alice Liddell", "Bob Builder", "Carol Danvers", "Dave Bowman"} {
		id := fmt.Sprintf("p%d", i)
		rich.People = append(rich.People, Person{PersonID: id, PersonTypes: []string{PersonAttendee},
			PersonInfo: &XCard{FN: []FN{{Text: name}}, N: &N{Surname: strings.Fields(name)[1:], Given: strings.Fields(name)[:1]},
				Other: []Element{{Name: xmlName(NSVCard, "email"), Children: []Element{{Name: xmlName(NSVCard, "text"), Text: id + "@example.org"}}}}}})
		rich.MediaCaptures[i].CapturedPeople = []string{id}
	}
	if err := rich.Validate(); err != nil {
		t.Fatal(err)
	}
	richMsg := compactMessage(t, rich)
	t.Logf("same box with descriptions in two languages and four xCards: %d bytes", len(richMsg))
	testenv.ValidateXML(t, protoXSD, map[string][]byte{"box44": compact, "box44 indented": msg, "box44 rich": richMsg})
}

// groupBytes encodes just the advertisement groups (no envelope).
func groupBytes(t testing.TB, a *Advertisement) []byte {
	var b bytes.Buffer
	e := xml.NewEncoder(&b)
	if err := a.EncodeGroups(e, Namespaces{Container: "p", XSI: "xsi"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// compactMessage is the advertisement as clue/protocol would send it: no
// indentation, protocol prefixed, clue-info default (the RFC layout).
func compactMessage(t testing.TB, a *Advertisement) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<p:advertisement xmlns:p="urn:ietf:params:xml:ns:clue-protocol" xmlns="urn:ietf:params:xml:ns:clue-info" ` +
		`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" protocol="CLUE" v="1.0"><p:sequenceNr>1</p:sequenceNr>`)
	b.Write(groupBytes(t, a))
	b.WriteString(`</p:advertisement>`)
	return b.Bytes()
}

func BenchmarkEncodeAdvertisement(b *testing.B) {
	a := box44()
	var buf bytes.Buffer
	ns := Namespaces{Container: "p", XSI: "xsi"}
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		e := xml.NewEncoder(&buf)
		if err := a.EncodeGroups(e, ns); err != nil {
			b.Fatal(err)
		}
		if err := e.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/adv")
}

func BenchmarkDecode(b *testing.B) {
	doc, err := Marshal(&ClueInfo{ClueInfoID: "box", Advertisement: *box44()})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unmarshal(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeAdvertisementGroups(b *testing.B) {
	msg := compactMessage(b, box44())
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseMessage(msg, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	a := box44()
	b.ReportAllocs()
	for b.Loop() {
		if ps := a.Check(); len(ps) != 0 {
			b.Fatal(ps)
		}
	}
}

// hostileDocument is a 64 KiB-class advertisement made of repeated
// references, each costing a few bytes and fanning out to many captures.
func hostileDocument() *Advertisement {
	a := box44()
	var refs []string
	for range 1500 {
		refs = append(refs, "SE0")
	}
	a.GlobalViews = []GlobalView{{GlobalViewID: "GV", SceneViewIDREFs: refs}}
	var scenes []string
	for range 1500 {
		scenes = append(scenes, "CS1")
	}
	for i := range 200 {
		a.SimultaneousSets = append(a.SimultaneousSets, SimultaneousSet{SetID: fmt.Sprintf("S%d", i), MediaType: MediaVideo, CaptureSceneIDREFs: scenes})
	}
	capByID(a, "VC4").Content.SceneViewIDREFs = refs
	return a
}

// TestCheckHostileDocument: repeated references are reported as warnings,
// not errors. How fast Check gets through them (near-linear) is measured by
// BenchmarkCheckHostileDocument, not asserted here.
func TestCheckHostileDocument(t *testing.T) {
	ps := hostileDocument().Check()
	if !ps.Has(RuleDuplicateRef, `"GV"`) || len(ps.Errors()) != 0 {
		t.Errorf("problems: %d, errors %v", len(ps), ps.Errors())
	}
}

// BenchmarkCheckHostileDocument: compare with BenchmarkCheck (the same box
// without the repetitions); a quadratic Check shows as a ratio in the
// hundreds, a near-linear one as the ratio of the documents' sizes.
func BenchmarkCheckHostileDocument(b *testing.B) {
	a := hostileDocument()
	b.ReportAllocs()
	for b.Loop() {
		a.Check()
	}
}
