package model

import (
	"bytes"
	"encoding/xml"
	"github.com/cluecam/cluecam/internal/testenv"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestXCard: xCard properties arrive in any order (RFC 6351 interleave),
// FN and N are modelled, everything else is kept verbatim, and the output
// follows the XSD's property order (DIGEST §9 #19) so it validates.
func TestXCard(t *testing.T) {
	doc := strings.Replace(minimal, `<captureScene sceneID="CS1" scale="mm">`, `<captureScene sceneID="CS1" scale="mm"><sceneInformation xmlns:v="urn:ietf:params:xml:ns:vcard-4.0">
  <v:title><v:text>Room 12</v:text></v:title>
  <v:n><v:surname>Rossi</v:surname><v:given>Mario</v:given><v:additional/><v:prefix/><v:suffix/></v:n>
  <v:fn><v:parameters><v:language><v:language-tag>it</v:language-tag></v:language></v:parameters><v:text>Sala 12</v:text></v:fn>
  <v:email><v:text>room12@example.org</v:text></v:email>
  <v:unknownProperty>ignored (RFC 6351 §5.1)</v:unknownProperty>
  <v:adr><v:parameters><v:label><v:text>Via Roma 1</v:text></v:label></v:parameters><v:pobox/><v:ext/><v:street>Via Roma 1</v:street><v:locality>Napoli</v:locality><v:region/><v:code>80100</v:code><v:country>IT</v:country></v:adr>
  <e:hint xmlns:e="urn:example:ext">extension</e:hint>
</sceneInformation>`, 1)
	ci, err := Unmarshal([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	x := ci.CaptureScenes[0].SceneInformation
	if len(x.FN) != 1 || x.FN[0].Text != "Sala 12" || x.FN[0].Params == nil {
		t.Errorf("fn: %+v", x.FN)
	}
	if x.N == nil || x.N.Surname[0] != "Rossi" || x.N.Given[0] != "Mario" || len(x.N.Additional) != 1 {
		t.Errorf("n: %+v", x.N)
	}
	var names []string
	for _, e := range x.Other {
		names = append(names, e.Name.Local)
	}
	if want := []string{"adr", "email", "title", "hint"}; !slices.Equal(names, want) {
		t.Errorf("other properties %q, want %q (schema order, unknown vCard element dropped)", names, want)
	}
	if err := ci.Validate(); err != nil {
		t.Error(err)
	}
	out, err := Marshal(ci)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unmarshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ci, back) {
		t.Errorf("round trip differs:\n%s", out)
	}
	testenv.ValidateXML(t, infoXSD, map[string][]byte{"xcard": out})
}

// TestEmbeddingAPI: EncodeGroup per group adds up to EncodeGroups, group
// names map both ways, Declarations match the prefixes, and an empty
// <captureEncodings> is refused.
func TestEmbeddingAPI(t *testing.T) {
	a := baseAdv()
	ns := Namespaces{Container: "p", Info: "i", XSI: "s", VCard: "v"}
	var all, parts bytes.Buffer
	e := xml.NewEncoder(&all)
	if err := a.EncodeGroups(e, ns); err != nil {
		t.Fatal(err)
	}
	e.Flush()
	e = xml.NewEncoder(&parts)
	for g := GroupMediaCaptures; g <= GroupPeople; g++ {
		if err := a.EncodeGroup(e, ns, g); err != nil {
			t.Fatal(err)
		}
		if got, ok := GroupByName(g.String()); !ok || got != g {
			t.Errorf("GroupByName(%q) = %v", g.String(), got)
		}
	}
	e.Flush()
	if all.String() != parts.String() {
		t.Errorf("EncodeGroup parts differ from EncodeGroups")
	}
	if err := a.EncodeGroup(e, ns, GroupCaptureEncodings); err == nil {
		t.Errorf("EncodeGroup accepted captureEncodings")
	}
	if !strings.Contains(all.String(), `<i:mediaCapture s:type="i:videoCaptureType"`) ||
		!strings.HasPrefix(all.String(), "<p:mediaCaptures>") {
		t.Errorf("prefixes not used: %.200s", all.String())
	}
	decl := ns.Declarations()
	if len(decl) != 3 || decl[0].Name.Local != "xmlns:i" || decl[1].Value != NSXSI || decl[2].Value != NSVCard {
		t.Errorf("declarations: %+v", decl)
	}
	if err := (CaptureEncodings{}).Encode(xml.NewEncoder(&all), ns); err == nil {
		t.Errorf("empty captureEncodings encoded")
	}
	if c := a.Capture("VC3"); c == nil || !c.IsMCC() {
		t.Errorf("Capture(VC3) = %+v", c)
	}
	if v, s := a.SceneView("SE2"); v == nil || s.SceneID != "CS1" {
		t.Errorf("SceneView(SE2)")
	}
	if g := a.EncodingGroup("EG2"); g == nil || g.MaxGroupBandwidth != 200000 {
		t.Errorf("EncodingGroup(EG2)")
	}
	got := a.Expand(&Content{MediaCaptureIDREFs: []string{"VC2", "nope"}, SceneViewIDREFs: []string{"SE1", "SE1"}})
	if want := []string{"VC2", "VC1"}; !slices.Equal(got, want) {
		t.Errorf("Expand = %q, want %q", got, want)
	}
}

// TestByteOrderMark: a UTF-8 BOM before the declaration is allowed (XML 1.0 §4.3.3).
func TestByteOrderMark(t *testing.T) {
	if _, err := Unmarshal(append([]byte("\ufeff"), minimal...)); err != nil {
		t.Fatal(err)
	}
}
