package protocol

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cluecam/cluecam/internal/testenv"
)

const protocolXSD = "../../testdata/clue/xsd/clue-protocol.xsd"

// rfcMessageFiles lists every RFC 8847 message example, as published (with
// the https XSI namespace, DIGEST §9 #1) and corrected.
func rfcMessageFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"rfc8847-s10.*.xml", "corrected/rfc8847-s10.*.xml"} {
		m, err := filepath.Glob(filepath.Join(exampleDir, pat))
		must(t, err)
		files = append(files, m...)
	}
	if len(files) != 18 {
		t.Fatalf("found %d RFC 8847 examples, want 18 (9 published + 9 corrected)", len(files))
	}
	return files
}

// TestRFCExamples: every RFC 8847 example parses (the published §10.3 and
// §10.6 too, despite their xsi namespace, DIGEST §9 #1), its header matches
// the file, re-encoding it validates against the protocol schema, and the
// round trip is stable (parse ∘ marshal is the identity on parsed messages,
// marshal ∘ parse ∘ marshal on bytes).
func TestRFCExamples(t *testing.T) {
	out := map[string][]byte{}
	for _, f := range rfcMessageFiles(t) {
		name := strings.TrimPrefix(f, exampleDir+"/")
		in, err := os.ReadFile(f)
		must(t, err)
		m, err := Parse(in, nil)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		// The root element name is the message kind.
		if !bytes.Contains(in, []byte(":"+m.Kind().String()+" ")) && !bytes.Contains(in, []byte("<"+m.Kind().String()+" ")) {
			t.Errorf("%s parsed as %s", name, m.Kind())
		}
		b1, err := Marshal(m)
		if err != nil {
			t.Errorf("%s: marshal: %v", name, err)
			continue
		}
		if bytes.Contains(b1, []byte("https://www.w3.org")) {
			t.Errorf("%s: re-encoding emits the https XSI namespace", name)
		}
		m2, err := Parse(b1, nil)
		if err != nil {
			t.Errorf("%s: reparse: %v\n%s", name, err, b1)
			continue
		}
		if !reflect.DeepEqual(m, m2) {
			t.Errorf("%s: round trip changed the message", name)
		}
		b2, _ := Marshal(m2)
		if !bytes.Equal(b1, b2) {
			t.Errorf("%s: encoding not stable", name)
		}
		out[strings.ReplaceAll(name, "/", "-")] = b1
	}
	testenv.ValidateXML(t, protocolXSD, out)
}

// The published and the corrected examples are the same messages.
func TestRFCExamplesPublishedEqualCorrected(t *testing.T) {
	for _, s := range section10 {
		a := parseExample(t, s.file)
		b := parseExample(t, "corrected/"+s.file)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: published and corrected differ after parsing", s.file)
		}
	}
}

// TestRFCExampleHeaders pins what RFC 8847 §10 says about the messages.
func TestRFCExampleHeaders(t *testing.T) {
	o := parseExample(t, "rfc8847-s10.1-msg1-options.xml").(*Options)
	if o.V != (Version{1, 4}) || o.ClueID != "CP1" || o.SeqNr != 51 || !o.MediaProvider || !o.MediaConsumer ||
		len(o.SupportedVersions) != 2 || len(o.SupportedExtensions) != 5 || o.SupportedExtensions[4] != (Extension{"E5", "URL_E5", Version{2, 7}}) {
		t.Errorf("options %+v", o)
	}
	r := parseExample(t, "rfc8847-s10.2-msg2-optionsResponse.xml").(*OptionsResponse)
	if r.V != (Version{1, 4}) || r.SeqNr != 62 || r.Code != 200 || r.Reason != "Success" || r.Version != (Version{2, 7}) || r.CommonExtensions != nil {
		t.Errorf("optionsResponse %+v", r)
	}
	a := parseExample(t, "rfc8847-s10.3-msg3-advertisement.xml").(*Advertisement)
	if a.V != (Version{2, 7}) || a.SeqNr != 11 || len(a.Body.MediaCaptures) == 0 {
		t.Errorf("advertisement %+v", a.Header)
	}
	c := parseExample(t, "rfc8847-s10.4-msg4-configure-ack.xml").(*Configure)
	if c.SeqNr != 22 || c.AdvSeqNr != 11 || c.Ack != 200 || len(c.Body) != 2 {
		t.Errorf("configure+ack %+v", c)
	}
	k := parseExample(t, "rfc8847-s10.7-msg7-ack.xml").(*Ack)
	if k.SeqNr != 23 || k.AdvSeqNr != 13 || k.Code != 200 {
		t.Errorf("ack %+v", k)
	}
	cr := parseExample(t, "rfc8847-s10.9-msg9-configureResponse.xml").(*ConfigureResponse)
	if cr.SeqNr != 14 || cr.ConfSeqNr != 24 || cr.Code != 200 {
		t.Errorf("configureResponse %+v", cr)
	}
}

// TestMarshalValidates: every message the machines can build validates
// against the schema, with every optional element present and absent.
func TestMarshalValidates(t *testing.T) {
	docs := map[string][]byte{}
	for i, m := range sampleMessages(t) {
		docs[m.Kind().String()+string(rune('a'+i))+".xml"] = mustMarshal(t, m)
	}
	testenv.ValidateXML(t, protocolXSD, docs)
}

// TestDefaultChecksCatchRFCExampleDefects: with the default data-model
// checks, a consumer NACKs the RFC's §10.6 advertisement (its VC0 is a
// spatially definable video capture without captureArea, RFC 8846 §11.5.2)
// and a provider answers the RFC's §10.8 configure with 405 (VC7 forbids
// subset choice, RFC 8846 §11.9; DIGEST §9 #12), where §10.9 shows 200.
func TestDefaultChecksCatchRFCExampleDefects(t *testing.T) {
	a6 := parseExample(t, "rfc8847-s10.6-msg6-advertisement.xml").(*Advertisement)
	if code, why := CheckAdvertisement(a6); code != CodeSemanticErrors || !strings.Contains(why, "VC0") {
		t.Errorf("§10.6: %d %s", code, why)
	}
	a3 := parseExample(t, "rfc8847-s10.3-msg3-advertisement.xml").(*Advertisement)
	if code, why := CheckAdvertisement(a3); code != CodeSuccess {
		t.Errorf("§10.3: %d %s", code, why)
	}
	c4 := parseExample(t, "rfc8847-s10.4-msg4-configure-ack.xml").(*Configure)
	if code, why := CheckConfigure(&a3.Body, c4); code != CodeSuccess {
		t.Errorf("§10.4: %d %s", code, why)
	}
	c8 := parseExample(t, "rfc8847-s10.8-msg8-configure.xml").(*Configure)
	if code, why := CheckConfigure(&a6.Body, c8); code != CodeSubsetChoiceNotAllowed {
		t.Errorf("§10.8: %d %s", code, why)
	}
}
