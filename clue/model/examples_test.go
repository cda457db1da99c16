package model

import (
	"github.com/cluecam/cluecam/internal/testenv"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The <clueInfo> documents of RFC 8846 and what Check must say about them.
var clueInfoExamples = []struct {
	file string
	// errors expected from Check (rule, where); nil: semantically valid.
	errs [][2]string
}{
	{"rfc8846-s24.1-clueInfo-with-extension.xml", nil},
	{"rfc8846-s27-sample-clueInfo.xml", nil},
	// §28's VC0 gained a line of capture and lost its captureArea
	// compared with §27: a spatially definable video capture without an
	// area of capture, which RFC 8846 §11.5.2 forbids.
	{"rfc8846-s28-mcc-example-clueInfo.xml", [][2]string{{string(RuleVideoArea), `"VC0"`}}},
}

func TestClueInfoExamples(t *testing.T) {
	docs := map[string][]byte{}
	for _, ex := range clueInfoExamples {
		t.Run(ex.file, func(t *testing.T) {
			data := readFile(t, filepath.Join(testdata, "examples", ex.file))
			ci, err := Unmarshal(data)
			if err != nil {
				t.Fatal(err)
			}
			checkProblems(t, ci.Check(), ex.errs)
			out, err := Marshal(ci)
			if err != nil {
				t.Fatal(err)
			}
			docs[ex.file] = out
			ci2, err := Unmarshal(out)
			if err != nil {
				t.Fatalf("re-decode: %v\n%s", err, out)
			}
			if !reflect.DeepEqual(ci, ci2) {
				t.Errorf("round trip differs:\n%+v\n%+v", ci, ci2)
			}
			out2, _ := Marshal(ci2)
			if string(out) != string(out2) {
				t.Errorf("encoding is not deterministic")
			}
		})
	}
	testenv.ValidateXML(t, infoXSD, docs)
}

// TestExtensionKept: RFC 8846 §24.1's extension elements survive a round
// trip and still validate strictly against the extension schema.
func TestExtensionKept(t *testing.T) {
	ci, err := Unmarshal(readFile(t, filepath.Join(testdata, "examples", "rfc8846-s24.1-clueInfo-with-extension.xml")))
	if err != nil {
		t.Fatal(err)
	}
	ext := ci.MediaCaptures[0].Ext
	if len(ext) != 1 || ext[0].Name.Local != "newAudioFeature" || ext[0].Name.Space != "urn:ietf:params:xml:ns:clue-info-ext" ||
		strings.TrimSpace(ext[0].Text) != "newAudioFeatureValue" {
		t.Fatalf("extension element not kept: %+v", ext)
	}
	if ci.MediaCaptures[1].Type != OtherCapture || ci.MediaCaptures[1].MediaType != "other media type" {
		t.Errorf("other capture: %+v", ci.MediaCaptures[1])
	}
	out, err := Marshal(ci)
	if err != nil {
		t.Fatal(err)
	}
	testenv.ValidateXML(t, testdata+"/examples/corrected/rfc8846-s24.1-extension-driver.xsd", map[string][]byte{"s24.1 re-encoded": out})
}

// The RFC 8847 §10 messages: the clue-info parts of the advertisements and
// configures, published (xsi bound to https://) and corrected.
func TestProtocolExamples(t *testing.T) {
	advErrs := map[string][][2]string{
		"rfc8847-s10.3-msg3-advertisement.xml": nil,
		// §10.6 carries the §28 model, with the same VC0 defect.
		"rfc8847-s10.6-msg6-advertisement.xml": {{string(RuleVideoArea), `"VC0"`}},
	}
	// Each configure refers to the advertisement before it.
	confErrs := map[string]struct {
		adv  string
		errs [][2]string
		warn [][2]string
	}{
		// §10.4 names VC3's full content without allowSubsetChoice: harmless.
		"rfc8847-s10.4-msg4-configure-ack.xml": {"rfc8847-s10.3-msg3-advertisement.xml", nil,
			[][2]string{{string(RuleSubsetChoice), `"ce223"`}}},
		// §10.8 selects SE5 for VC7: a forbidden subset (405) that is also a
		// self-reference (DIGEST §9 #12).
		"rfc8847-s10.8-msg8-configure.xml": {"rfc8847-s10.6-msg6-advertisement.xml",
			[][2]string{{string(RuleSubsetChoice), `"ce456"`}, {string(RuleMCCCycle), `"ce456"`}}, nil},
	}
	for _, dir := range []string{"examples", "examples/corrected"} {
		published := dir == "examples"
		advs := map[string]*Advertisement{}
		protoDocs := map[string][]byte{}
		for _, f := range []string{
			"rfc8847-s10.3-msg3-advertisement.xml", "rfc8847-s10.4-msg4-configure-ack.xml",
			"rfc8847-s10.6-msg6-advertisement.xml", "rfc8847-s10.8-msg8-configure.xml",
		} {
			t.Run(dir+"/"+f, func(t *testing.T) {
				var warnings []string
				m, err := parseMessage(readFile(t, filepath.Join(testdata, dir, f)), func(line int, msg string) {
					warnings = append(warnings, msg)
				})
				if err != nil {
					t.Fatal(err)
				}
				httpsWarned := false
				for _, w := range warnings {
					httpsWarned = httpsWarned || strings.Contains(w, NSXSIHTTPS)
				}
				if m.adv != nil {
					// The published advertisements bind xsi to https:// (DIGEST
					// §9 #1): the captures still parse, with a warning.
					if published != httpsWarned {
						t.Errorf("https xsi warning = %v, published = %v", httpsWarned, published)
					}
					if len(m.adv.MediaCaptures) == 0 || m.adv.MediaCaptures[0].Type != AudioCapture {
						t.Fatalf("captures not decoded: %+v", m.adv.MediaCaptures)
					}
					advs[f] = m.adv
					checkProblems(t, m.adv.Check(), advErrs[f])
					roundTripAdv(t, m.adv, protoDocs, f)
					return
				}
				cw := confErrs[f]
				adv := advs[cw.adv]
				if adv == nil {
					t.Fatalf("advertisement %s not decoded", cw.adv)
				}
				ps := adv.CheckConfigure(m.ces)
				checkProblems(t, ps, cw.errs)
				for _, w := range cw.warn {
					if !ps.Has(Rule(w[0]), w[1]) {
						t.Errorf("missing warning %v in %v", w, ps)
					}
				}
				out := encodeMessage(t, "p", Namespaces{Container: "p", XSI: "xsi"}, nil, m.ces)
				protoDocs[f] = out
				m2, err := parseMessage(out, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(m.ces, m2.ces) {
					t.Errorf("captureEncodings round trip differs:\n%+v\n%+v", m.ces, m2.ces)
				}
			})
		}
		testenv.ValidateXML(t, protoXSD, protoDocs)
	}
}

// roundTripAdv re-encodes an advertisement in two namespace layouts (the
// RFC examples' one: clue-info default, protocol prefixed; and protocol
// default with a clue-info prefix, which makes xsi:type a prefixed QName),
// decodes it again and compares.
func roundTripAdv(t *testing.T, adv *Advertisement, docs map[string][]byte, name string) {
	t.Helper()
	layouts := []struct {
		proto string
		ns    Namespaces
	}{
		{"p", Namespaces{Container: "p", XSI: "xsi", VCard: "v"}},
		{"", Namespaces{Info: "dm", XSI: "xsi"}},
	}
	for i, l := range layouts {
		out := encodeMessage(t, l.proto, l.ns, adv, nil)
		docs[name+"#"+string(rune('A'+i))] = out
		m, err := parseMessage(out, func(int, string) { t.Errorf("unexpected warning decoding our own output") })
		if err != nil {
			t.Fatalf("layout %d: %v\n%s", i, err, out)
		}
		if !reflect.DeepEqual(adv, m.adv) {
			t.Errorf("layout %d: round trip differs", i)
		}
	}
}

// checkProblems asserts that ps has exactly the expected errors (each a
// rule and a substring of Where).
func checkProblems(t *testing.T, ps Problems, want [][2]string) {
	t.Helper()
	errs := ps.Errors()
	for _, w := range want {
		if !errs.Has(Rule(w[0]), w[1]) {
			t.Errorf("missing problem %s at %s; got %v", w[0], w[1], ps)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("got %d errors, want %d: %v", len(errs), len(want), errs)
	}
}
