package model

import (
	"bytes"
	"encoding/xml"
	"errors"
	"github.com/cluecam/cluecam/internal/testenv"
	"strings"
	"testing"
)

// minimal is a small valid <clueInfo>; the capture's body is at line 5.
const minimal = `<?xml version="1.0" encoding="UTF-8"?>
<clueInfo xmlns="urn:ietf:params:xml:ns:clue-info" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" clueInfoID="ci">
<mediaCaptures>
<mediaCapture xsi:type="videoCaptureType" captureID="VC1" mediaType="video">
<captureSceneIDREF>CS1</captureSceneIDREF><nonSpatiallyDefinable>true</nonSpatiallyDefinable><individual>true</individual><encGroupIDREF>EG1</encGroupIDREF>
</mediaCapture>
</mediaCaptures>
<encodingGroups><encodingGroup encodingGroupID="EG1"><maxGroupBandwidth>1000</maxGroupBandwidth><encodingIDList><encodingID>E1</encodingID></encodingIDList></encodingGroup></encodingGroups>
<captureScenes><captureScene sceneID="CS1" scale="mm"><sceneViews><sceneView sceneViewID="SE1"><mediaCaptureIDs><mediaCaptureIDREF>VC1</mediaCaptureIDREF></mediaCaptureIDs></sceneView></sceneViews></captureScene></captureScenes>
</clueInfo>
`

const captureLine5 = `<captureSceneIDREF>CS1</captureSceneIDREF><nonSpatiallyDefinable>true</nonSpatiallyDefinable><individual>true</individual><encGroupIDREF>EG1</encGroupIDREF>`

func TestMinimalDecodes(t *testing.T) {
	ci, err := Unmarshal([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if err := ci.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeErrors: hostile and schema-invalid input fails with a
// positioned error and never panics.
func TestDecodeErrors(t *testing.T) {
	deep := strings.Repeat("<x:a xmlns:x='urn:x'>", 100) + strings.Repeat("</x:a>", 100)
	cases := []struct {
		name      string
		old, new  string // replacement in minimal ("" old: whole input is new)
		msg       string // substring of the error
		is        error
		wantLine5 bool
	}{
		{"not well-formed", "</mediaCapture>", "</mediaCaptur>", "XML syntax", nil, false},
		{"unknown entity", "VC1</mediaCaptureIDREF>", "&foo;</mediaCaptureIDREF>", "XML syntax", nil, false},
		{"DTD", `<?xml version="1.0" encoding="UTF-8"?>`, `<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE clueInfo [<!ENTITY a "aaaa">]>`, "DTD", nil, false},
		{"other encoding", `encoding="UTF-8"`, `encoding="ISO-8859-1"`, "ISO-8859-1", nil, false},
		{"too deep", captureLine5, captureLine5 + deep, "nesting", ErrTooDeep, true},
		{"wrong root", "", `<clueInfo xmlns="urn:other"/>`, "root element", ErrNotClueInfo, false},
		{"no root", "", `<?xml version="1.0"?>`, "no root", ErrNotClueInfo, false},
		{"second root", "", minimal + "<clueInfo/>", "second root", nil, false},
		{"text outside root", "", minimal + "junk", "outside the root", nil, false},
		{"missing xsi:type", `xsi:type="videoCaptureType" `, "", "missing xsi:type", nil, false},
		{"unknown xsi:type", `videoCaptureType"`, `movieCaptureType"`, "unknown xsi:type", nil, false},
		{"xsi:type in another namespace", `xsi:type="videoCaptureType"`, `xmlns:o="urn:other" xsi:type="o:videoCaptureType"`, "not clue-info", nil, false},
		{"xsi:type unqualified attribute", `xsi:type=`, `type=`, "missing xsi:type", nil, false},
		{"missing captureID", `captureID="VC1" `, "", `"captureID"`, nil, false},
		{"missing captureSceneIDREF", `<captureSceneIDREF>CS1</captureSceneIDREF>`, "", "captureSceneIDREF", nil, false},
		{"missing spatial choice", `<nonSpatiallyDefinable>true</nonSpatiallyDefinable>`, "", "nonSpatiallyDefinable", nil, false},
		{"out of order", `<individual>true</individual><encGroupIDREF>EG1</encGroupIDREF>`, `<encGroupIDREF>EG1</encGroupIDREF><individual>true</individual>`, "out of schema order", nil, true},
		{"repeated", `<encGroupIDREF>EG1</encGroupIDREF>`, `<encGroupIDREF>EG1</encGroupIDREF><encGroupIDREF>EG1</encGroupIDREF>`, "repeated", nil, true},
		{"both spatial choices", `<nonSpatiallyDefinable>true</nonSpatiallyDefinable>`, `<spatialInformation/><nonSpatiallyDefinable>true</nonSpatiallyDefinable>`, "out of schema order", nil, true},
		{"individual and MCC", `<individual>true</individual>`, `<policy>SoundLevel:0</policy><individual>true</individual>`, "mutually exclusive", nil, false},
		{"fixed true is false", `<individual>true</individual>`, `<individual>false</individual>`, "fixed", nil, true},
		{"bad boolean", `<individual>true</individual>`, `<individual>yes</individual>`, "xs:boolean", nil, true},
		{"bad decimal", `<nonSpatiallyDefinable>true</nonSpatiallyDefinable>`, `<spatialInformation><captureOrigin><capturePoint><x>1e3</x><y>0</y><z>0</z></capturePoint></captureOrigin></spatialInformation>`, "xs:decimal", nil, true},
		{"decimal overflow", `<nonSpatiallyDefinable>true</nonSpatiallyDefinable>`, `<spatialInformation><captureOrigin><capturePoint><x>1` + strings.Repeat("0", 400) + `</x><y>0</y><z>0</z></capturePoint></captureOrigin></spatialInformation>`, "out of range", nil, true},
		{"missing coordinate", `<nonSpatiallyDefinable>true</nonSpatiallyDefinable>`, `<spatialInformation><captureOrigin><capturePoint><x>1</x><z>0</z></capturePoint></captureOrigin></spatialInformation>`, "out of schema order", nil, true},
		{"maxCaptures zero", `<individual>true</individual>`, `<maxCaptures>0</maxCaptures>`, "at least 1", nil, true},
		{"maxCaptures too big", `<individual>true</individual>`, `<maxCaptures>70000</maxCaptures>`, "out of range", nil, true},
		{"priority negative", `<encGroupIDREF>EG1</encGroupIDREF>`, `<encGroupIDREF>EG1</encGroupIDREF><priority>-1</priority>`, "unsigned integer", nil, true},
		{"sensitivityPattern in video", `<encGroupIDREF>EG1</encGroupIDREF>`, `<encGroupIDREF>EG1</encGroupIDREF><sensitivityPattern>omni</sensitivityPattern>`, "audio only", nil, true},
		{"text in element-only content", `<individual>true</individual>`, `<individual>true</individual>hello`, "unexpected text", nil, true},
		{"element in simple content", `<encGroupIDREF>EG1</encGroupIDREF>`, `<encGroupIDREF>EG<b/>1</encGroupIDREF>`, "simple content", nil, true},
		{"empty mediaCaptures", "", strings.Replace(minimal, minimal[strings.Index(minimal, "<mediaCapture "):strings.Index(minimal, "</mediaCaptures>")], "", 1), "at least one <mediaCapture>", nil, false},
		{"missing encodingGroups", "", strings.Replace(minimal, minimal[strings.Index(minimal, "<encodingGroups>"):strings.Index(minimal, "<captureScenes>")], "", 1), "missing <encodingGroups>", nil, false},
		{"missing maxGroupBandwidth", `<maxGroupBandwidth>1000</maxGroupBandwidth>`, "", "maxGroupBandwidth", nil, false},
		{"xCard without fn", `<captureScene sceneID="CS1" scale="mm">`, `<captureScene sceneID="CS1" scale="mm"><sceneInformation><n xmlns="urn:ietf:params:xml:ns:vcard-4.0"/></sceneInformation>`, "without <fn>", nil, false},
		{"colon in local name", `<mediaCaptures>`, `<mediaCaptures><a:b:c xmlns:a="urn:a"/>`, "XML syntax", nil, false},
		{"truncated", "", minimal[:len(minimal)/2], "XML syntax", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.new
			if tc.old != "" || tc.new == "" {
				if !strings.Contains(minimal, tc.old) {
					t.Fatalf("bad test: %q not in minimal", tc.old)
				}
				in = strings.Replace(minimal, tc.old, tc.new, 1)
			}
			_, err := Unmarshal([]byte(in))
			if err == nil {
				t.Fatal("decoded")
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", err, tc.msg)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("not a *DecodeError: %T", err)
			}
			if tc.wantLine5 && de.Line != 5 {
				t.Errorf("line %d, want 5 (%v)", de.Line, err)
			}
			if !strings.HasPrefix(err.Error(), "model: ") {
				t.Errorf("error not package-prefixed: %v", err)
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	_, err := Decode(strings.NewReader(minimal), &DecodeOpts{MaxBytes: 100})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if _, err := Decode(strings.NewReader(minimal), &DecodeOpts{MaxBytes: int64(len(minimal))}); err != nil {
		t.Fatalf("exact size: %v", err)
	}
}

// TestLenient: RFC 8846 §24 (unknown namespaces ignored), RFC 8847 §7
// (unknown elements of the negotiated namespace ignored), DIGEST §9 #1, #9.
func TestLenient(t *testing.T) {
	in := strings.NewReplacer(
		// an unknown clue-info element (a later minor version) is ignored
		captureLine5, captureLine5+`<futureElement>x</futureElement>`,
		// a foreign element where the schema has no xs:any is ignored
		`<mediaCaptureIDs>`, `<mediaCaptureIDs><e:note xmlns:e="urn:example:ext">dropped</e:note>`,
		// foreign attributes kept where xs:anyAttribute allows, with the
		// xsi binding spelt https (RFC 8847 examples)
		`<encodingGroup encodingGroupID="EG1">`, `<encodingGroup xmlns:e="urn:example:ext" e:hint="fast" encodingGroupID="EG1">`,
		`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`, `xmlns:xsi="https://www.w3.org/2001/XMLSchema-instance"`,
		// a scene without <sceneViews>
		`<sceneViews><sceneView sceneViewID="SE1"><mediaCaptureIDs><e:note xmlns:e="urn:example:ext">dropped</e:note><mediaCaptureIDREF>VC1</mediaCaptureIDREF></mediaCaptureIDs></sceneView></sceneViews>`, ``,
	).Replace(strings.Replace(minimal, `<mediaCaptureIDs>`, `<mediaCaptureIDs><e:note xmlns:e="urn:example:ext">dropped</e:note>`, 1))
	var warnings []string
	ci, err := Decode(strings.NewReader(in), &DecodeOpts{Warn: func(line int, msg string) { warnings = append(warnings, msg) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], NSXSIHTTPS) || !strings.Contains(warnings[1], "futureElement") {
		t.Errorf("warnings: %q", warnings)
	}
	if a := ci.EncodingGroups[0].ExtAttr; len(a) != 1 || a[0].Value != "fast" {
		t.Errorf("extension attribute: %+v", a)
	}
	ps := ci.Check()
	if len(ps.Errors()) != 0 || !ps.Has(RuleSceneViews, "CS1") {
		t.Errorf("problems: %v", ps)
	}
	out, err := Marshal(ci)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("https:")) || !bytes.Contains(out, []byte(`x0:hint="fast"`)) {
		t.Errorf("output: %s", out)
	}
	testenv.ValidateXML(t, infoXSD, map[string][]byte{"lenient": out})
}

// TestXSITypeResolution: the QName of xsi:type is resolved against the
// bindings in scope, including those handed in by the embedding caller.
func TestXSITypeResolution(t *testing.T) {
	body := `<dm:mediaCaptures xmlns:dm="urn:ietf:params:xml:ns:clue-info"><dm:mediaCapture xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="%s" captureID="AC1" mediaType="audio"><dm:captureSceneIDREF>CS1</dm:captureSceneIDREF><dm:nonSpatiallyDefinable>true</dm:nonSpatiallyDefinable></dm:mediaCapture></dm:mediaCaptures>`
	cases := []struct {
		typ  string
		ns   map[string]string
		ok   bool
		warn bool
	}{
		{"dm:audioCaptureType", nil, true, false},
		{"audioCaptureType", map[string]string{"": NSInfo}, true, false},
		{"audioCaptureType", map[string]string{"": "urn:other"}, false, false},
		{"audioCaptureType", nil, true, false}, // default unknown here: accepted by local name
		{"q:audioCaptureType", nil, true, true},
		{"q:audioCaptureType", map[string]string{"q": NSInfo}, true, false},
		{"q:audioCaptureType", map[string]string{"q": "urn:other"}, false, false},
	}
	for _, tc := range cases {
		d := xml.NewDecoder(strings.NewReader(strings.Replace(body, "%s", tc.typ, 1)))
		tok, _ := d.Token()
		warned := false
		var a Advertisement
		err := a.DecodeGroup(d, tok.(xml.StartElement), &DecodeOpts{NS: tc.ns, Warn: func(int, string) { warned = true }})
		if (err == nil) != tc.ok || warned != tc.warn {
			t.Errorf("%s with %v: err %v, warned %v", tc.typ, tc.ns, err, warned)
		}
		if err == nil && a.MediaCaptures[0].Type != AudioCapture {
			t.Errorf("%s: type %v", tc.typ, a.MediaCaptures[0].Type)
		}
	}
}

func TestDecodeGroupTwice(t *testing.T) {
	var a Advertisement
	doc := `<r xmlns="urn:ietf:params:xml:ns:clue-info"><encodingGroups><encodingGroup encodingGroupID="EG1"><maxGroupBandwidth>1</maxGroupBandwidth><encodingIDList><encodingID>E</encodingID></encodingIDList></encodingGroup></encodingGroups><encodingGroups><encodingGroup encodingGroupID="EG2"><maxGroupBandwidth>1</maxGroupBandwidth><encodingIDList><encodingID>F</encodingID></encodingIDList></encodingGroup></encodingGroups></r>`
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Token()
	var errs []error
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			err := a.DecodeGroup(d, se, nil)
			errs = append(errs, err)
			if err != nil {
				break // a decode error leaves d inside the group: the message is lost
			}
		}
	}
	if len(errs) != 2 || errs[0] != nil || errs[1] == nil {
		t.Fatalf("errors: %v", errs)
	}
}
