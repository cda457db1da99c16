package protocol

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const nsP = `xmlns="urn:ietf:params:xml:ns:clue-protocol"`

func doc(root, attrs, body string) string {
	if attrs == "" {
		attrs = `protocol="CLUE" v="1.0"`
	}
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n<" + root + " " + nsP + " " + attrs + ">\n" + body + "\n</" + root + ">"
}

const ackBody = `<sequenceNr>5</sequenceNr><responseCode>200</responseCode><advSequenceNr>3</advSequenceNr>`

func parseErr(t *testing.T, s string) *ParseError {
	t.Helper()
	m, err := Parse([]byte(s), nil)
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("parse succeeded (%+v) or failed without ParseError: %v\n%s", m, err, s)
	}
	if m != nil {
		t.Fatal("message returned with an error")
	}
	return pe
}

func TestParseErrors(t *testing.T) {
	big := strings.Repeat(" ", 70000)
	deep := strings.Repeat("<x:a xmlns:x=\"urn:x\">", 40) + strings.Repeat("</x:a>", 40)
	for _, tc := range []struct {
		name string
		in   string
		code Code
		line int
	}{
		// 300: limits and refused constructs (RFC 8846 §25 robustness).
		{"too large", doc("ack", "", ackBody+"<!--"+big+"-->"), CodeLowLevelError, 0},
		{"too deep", doc("ack", "", ackBody+deep), CodeLowLevelError, 3},
		{"DTD", `<?xml version="1.0"?><!DOCTYPE ack [<!ENTITY x "y">]>` + doc("ack", "", ackBody)[len(`<?xml version="1.0" encoding="UTF-8"?>`):], CodeLowLevelError, 1},
		{"not UTF-8", `<?xml version="1.0" encoding="ISO-8859-1"?><ack/>`, CodeLowLevelError, 1},
		// 301: not well formed, or a structure the schema does not allow.
		{"empty", "", CodeBadSyntax, 1},
		{"not XML", "hello", CodeBadSyntax, 1},
		{"unclosed", doc("ack", "", ackBody)[:60], CodeBadSyntax, 0},
		{"mismatched tags", doc("ack", "", "<sequenceNr>5</responseCode>"), CodeBadSyntax, 3},
		{"unknown entity", doc("ack", "", "<clueId>&foo;</clueId>"+ackBody), CodeBadSyntax, 3},
		{"wrong namespace", `<ack xmlns="urn:other" protocol="CLUE" v="1.0"/>`, CodeBadSyntax, 1},
		{"no namespace", `<ack protocol="CLUE" v="1.0"/>`, CodeBadSyntax, 1},
		{"unknown message", doc("hello", "", ackBody), CodeBadSyntax, 2},
		{"v missing", doc("ack", `protocol="CLUE"`, ackBody), CodeBadSyntax, 2},
		{"protocol missing", doc("ack", `v="1.0"`, ackBody), CodeBadSyntax, 2},
		{"unknown attribute", doc("ack", `protocol="CLUE" v="1.0" foo="x"`, ackBody), CodeBadSyntax, 2},
		{"sequenceNr missing", doc("ack", "", `<responseCode>200</responseCode><advSequenceNr>3</advSequenceNr>`), CodeBadSyntax, 3},
		{"advSequenceNr missing", doc("ack", "", `<sequenceNr>5</sequenceNr><responseCode>200</responseCode>`), CodeBadSyntax, 4},
		{"out of order", doc("ack", "", `<sequenceNr>5</sequenceNr><advSequenceNr>3</advSequenceNr><responseCode>200</responseCode>`), CodeBadSyntax, 3},
		{"repeated", doc("ack", "", `<sequenceNr>5</sequenceNr><sequenceNr>6</sequenceNr><responseCode>200</responseCode><advSequenceNr>3</advSequenceNr>`), CodeBadSyntax, 3},
		{"unknown element", doc("ack", "", ackBody+`<bogus/>`), CodeBadSyntax, 3},
		{"element without namespace", doc("ack", "", ackBody+`<bogus xmlns=""/>`), CodeBadSyntax, 3},
		{"text in message", doc("ack", "", "hello"+ackBody), CodeBadSyntax, 3},
		{"element in simple value", doc("ack", "", `<sequenceNr><b/>5</sequenceNr>`), CodeBadSyntax, 3},
		{"attribute on element", doc("ack", "", `<sequenceNr a="1">5</sequenceNr>`), CodeBadSyntax, 3},
		{"content after root", doc("ack", "", ackBody) + "<x/>", CodeBadSyntax, 4},
		{"text before root", "x" + doc("ack", "", ackBody), CodeBadSyntax, 1},
		{"undeclared prefix", doc("ack", "", ackBody+`<p:x/>`), CodeBadSyntax, 3},
		{"duplicate attribute", doc("ack", `protocol="CLUE" v="1.0" v="1.0"`, ackBody), CodeBadSyntax, 2},
		{"late XML declaration", "<!-- c -->" + doc("ack", "", ackBody), CodeBadSyntax, 1},
		{"advertisement without groups", doc("advertisement", "", `<sequenceNr>1</sequenceNr>`), CodeBadSyntax, 4},
		{"empty group", doc("advertisement", "", `<sequenceNr>1</sequenceNr><mediaCaptures/>`), CodeBadSyntax, 3},
		{"empty captureEncodings", doc("configure", "", `<sequenceNr>1</sequenceNr><advSequenceNr>1</advSequenceNr><captureEncodings/>`), CodeBadSyntax, 3},
		{"empty supportedVersions", doc("options", "", `<sequenceNr>1</sequenceNr><mediaProvider>true</mediaProvider><mediaConsumer>true</mediaConsumer><supportedVersions/>`), CodeBadSyntax, 3},
		// 302: a value outside its type.
		{"protocol not CLUE", doc("ack", `protocol="SIP" v="1.0"`, ackBody), CodeInvalidValue, 2},
		{"v with leading zero", doc("ack", `protocol="CLUE" v="01.0"`, ackBody), CodeInvalidValue, 2},
		{"v major 0", doc("ack", `protocol="CLUE" v="0.9"`, ackBody), CodeInvalidValue, 2},
		{"sequenceNr 0", doc("ack", "", `<sequenceNr>0</sequenceNr>`), CodeInvalidValue, 3},
		{"sequenceNr negative", doc("ack", "", `<sequenceNr>-1</sequenceNr>`), CodeInvalidValue, 3},
		{"sequenceNr text", doc("ack", "", `<sequenceNr>abc</sequenceNr>`), CodeInvalidValue, 3},
		{"sequenceNr beyond 2^64", doc("ack", "", `<sequenceNr>18446744073709551616</sequenceNr>`), CodeInvalidValue, 3},
		{"responseCode 2 digits", doc("ack", "", `<sequenceNr>5</sequenceNr><responseCode>20</responseCode>`), CodeInvalidValue, 3},
		{"responseCode 099", doc("ack", "", `<sequenceNr>5</sequenceNr><responseCode>099</responseCode>`), CodeInvalidValue, 3},
		{"responseCode 1xx in v1", doc("ack", "", `<sequenceNr>5</sequenceNr><responseCode>150</responseCode>`), CodeInvalidValue, 3},
		{"responseCode 5xx in v1", doc("ack", "", `<sequenceNr>5</sequenceNr><responseCode>500</responseCode>`), CodeInvalidValue, 3},
		{"configure ack not 2xx", doc("configure", "", `<sequenceNr>5</sequenceNr><advSequenceNr>3</advSequenceNr><ack>404</ack>`), CodeInvalidValue, 3},
		{"boolean", doc("options", "", `<sequenceNr>5</sequenceNr><mediaProvider>yes</mediaProvider>`), CodeInvalidValue, 3},
		{"version in list", doc("options", "", `<sequenceNr>5</sequenceNr><mediaProvider>1</mediaProvider><mediaConsumer>0</mediaConsumer><supportedVersions><version>1</version></supportedVersions>`), CodeInvalidValue, 3},
		// 303: values that cannot be used together.
		{"two versions of one major", doc("options", "", `<sequenceNr>5</sequenceNr><mediaProvider>true</mediaProvider><mediaConsumer>true</mediaConsumer><supportedVersions><version>1.0</version><version>1.2</version></supportedVersions>`), CodeConflictingValues, 4},
		{"v not among supportedVersions", doc("options", `protocol="CLUE" v="2.0"`, `<sequenceNr>5</sequenceNr><mediaProvider>true</mediaProvider><mediaConsumer>true</mediaConsumer><supportedVersions><version>1.0</version></supportedVersions>`), CodeConflictingValues, 4},
		{"extension of an unsupported major", doc("options", "", `<sequenceNr>5</sequenceNr><mediaProvider>true</mediaProvider><mediaConsumer>true</mediaConsumer><supportedExtensions><extension><name>E</name><schemaRef>u</schemaRef><version>2.0</version></extension></supportedExtensions>`), CodeConflictingValues, 4},
		{"2xx optionsResponse without version", doc("optionsResponse", "", `<sequenceNr>5</sequenceNr><responseCode>200</responseCode><mediaProvider>true</mediaProvider><mediaConsumer>true</mediaConsumer>`), CodeConflictingValues, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pe := parseErr(t, tc.in)
			if pe.Code != tc.code {
				t.Errorf("code %d, want %d: %v", pe.Code, tc.code, pe)
			}
			if tc.line != 0 && pe.Line != tc.line {
				t.Errorf("line %d, want %d: %v", pe.Line, tc.line, pe)
			}
			if !strings.Contains(pe.Error(), "line") || pe.Fatal() {
				t.Errorf("error text %q", pe)
			}
		})
	}
}

// A parse error keeps what the state machines need to address the response.
func TestParseErrorPartial(t *testing.T) {
	pe := parseErr(t, doc("configure", "", `<clueId>CP2</clueId><sequenceNr>24</sequenceNr><advSequenceNr>13</advSequenceNr><ack>200</ack><bogus/>`))
	c, ok := pe.Partial.(*Configure)
	if !ok || c.SeqNr != 24 || c.AdvSeqNr != 13 || c.Ack != 200 || c.ClueID != "CP2" || c.V != Version10 {
		t.Fatalf("partial %#v", pe.Partial)
	}
	// Too large: the header of the prefix is still there.
	big := doc("advertisement", "", `<sequenceNr>7</sequenceNr>`+strings.Repeat("<!-- padding -->", 5000))
	pe = parseErr(t, big)
	if pe.Code != CodeLowLevelError || pe.Partial == nil || pe.Partial.MsgHeader().SeqNr != 7 {
		t.Fatalf("%v %#v", pe, pe.Partial)
	}
	pe = parseErr(t, "<nope/>")
	if pe.Partial != nil {
		t.Fatal("partial for an unknown root")
	}
}

func TestParseLenient(t *testing.T) {
	// RFC 8847 §8: elements and attributes from unknown namespaces MUST be
	// ignored, wherever they are.
	in := doc("ack", `protocol="CLUE" v="1.0" xmlns:e="urn:ext" e:flag="1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="x y"`,
		`<e:before><deep>x</deep></e:before><sequenceNr e:a="1">+005</sequenceNr><e:mid/><responseCode> 200 </responseCode><reasonString>  ok &amp; fine  </reasonString><advSequenceNr>0003</advSequenceNr><e:last/>`)
	m, err := Parse([]byte(in), nil)
	must(t, err)
	want := &Ack{Header: hdr(Version10, 5), Response: Response{200, "  ok & fine  "}, AdvSeqNr: 3}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("%+v", m)
	}
	// RFC 8847 §7: a newer minor version is read by ignoring what we do not
	// know, also in the clue-protocol namespace.
	in = doc("ack", `protocol="CLUE" v="1.3" newAttr="x"`, `<sequenceNr>5</sequenceNr><newThing>x</newThing><responseCode>200</responseCode><advSequenceNr>3</advSequenceNr>`)
	m, err = Parse([]byte(in), nil)
	must(t, err)
	if m.MsgHeader().V != (Version{1, 3}) {
		t.Fatal(m)
	}
	// The same in a 1.0 message is a schema violation.
	if pe := parseErr(t, strings.Replace(in, `v="1.3"`, `v="1.0"`, 1)); pe.Code != CodeBadSyntax {
		t.Fatal(pe)
	}
	// An empty clueId identifies nothing: read as absent.
	m, err = Parse([]byte(doc("ack", "", `<clueId></clueId>`+ackBody)), nil)
	must(t, err)
	if m.MsgHeader().ClueID != "" {
		t.Fatal(m)
	}
	// A prefixed root (as in RFC 8847 §10.3) and a comment before it.
	m, err = Parse([]byte(`<?xml version="1.0"?><!-- hi --><p:ack xmlns:p="urn:ietf:params:xml:ns:clue-protocol" protocol="CLUE" v="1.0"><p:sequenceNr>5</p:sequenceNr><p:responseCode>302</p:responseCode><p:advSequenceNr>3</p:advSequenceNr></p:ack>`), nil)
	must(t, err)
	if m.(*Ack).Code != CodeInvalidValue {
		t.Fatal(m)
	}
}

func TestParseAllMessages(t *testing.T) {
	for _, m := range sampleMessages(t) {
		b := mustMarshal(t, m)
		got, err := Parse(b, nil)
		if err != nil {
			t.Fatalf("%s: %v\n%s", m.Kind(), err, b)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("%s round trip:\n got %#v\nwant %#v", m.Kind(), got, m)
		}
	}
}

// sampleMessages has one message of each type with every optional field set.
func sampleMessages(t testing.TB) []Message {
	v := Version10
	ext := []Extension{{"E1", "http://example.com/e1.xsd", v}, {"E2 <&>", "urn:x", v}}
	return []Message{
		&Options{Header: Header{V: v, ClueID: "CP1", SeqNr: 51}, MediaProvider: true, SupportedVersions: []Version{v, {2, 3}}, SupportedExtensions: ext},
		&Options{Header: hdr(v, 1), MediaConsumer: true},
		&OptionsResponse{Header: Header{V: v, ClueID: "CP2", SeqNr: 62}, Response: Response{200, "Success"}, MediaProvider: boolp(true), MediaConsumer: boolp(false), Version: v, CommonExtensions: ext},
		&OptionsResponse{Header: hdr(v, 9), Response: Response{Code: 401}},
		&Advertisement{Header: Header{V: v, ClueID: "CP1", SeqNr: 11}, Body: adv3Body(t)},
		&Ack{Header: hdr(v, 23), Response: Response{302, "bad <value> & \"more\"\r\n"}, AdvSeqNr: 13},
		&Configure{Header: hdr(v, 22), AdvSeqNr: 11, Ack: 200, Body: conf4Body(t)},
		&Configure{Header: hdr(v, 24), AdvSeqNr: 13},
		&ConfigureResponse{Header: hdr(v, 14), Response: Response{Code: 405}, ConfSeqNr: 24},
	}
}

func TestMarshalRefuses(t *testing.T) {
	v := Version10
	for i, m := range []Message{
		nil,
		&Ack{Header: Header{SeqNr: 1}, AdvSeqNr: 1, Response: Response{Code: 200}},
		&Ack{Header: hdr(v, 0), AdvSeqNr: 1, Response: Response{Code: 200}},
		&Ack{Header: hdr(v, 1), Response: Response{Code: 200}},
		&Ack{Header: hdr(v, 1), AdvSeqNr: 1, Response: Response{Code: 500}},
		&Ack{Header: hdr(v, 1), AdvSeqNr: 1, Response: Response{Code: 200, Reason: "\x01"}},
		&Ack{Header: Header{V: v, SeqNr: 1, ClueID: "\xff"}, AdvSeqNr: 1, Response: Response{Code: 200}},
		&Configure{Header: hdr(v, 1)},
		&Configure{Header: hdr(v, 1), AdvSeqNr: 1, Ack: 300},
		&ConfigureResponse{Header: hdr(v, 1), Response: Response{Code: 200}},
		&OptionsResponse{Header: hdr(v, 1), Response: Response{Code: 200}},
		&Options{Header: hdr(v, 1), SupportedVersions: []Version{{}}},
		&Options{Header: hdr(v, 1), SupportedExtensions: []Extension{{Name: "x"}}},
		&Advertisement{Header: hdr(v, 1)},
	} {
		if _, err := Marshal(m); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%d: %v", i, err)
		}
	}
	// AppendMarshal leaves dst alone on error.
	dst := []byte("keep")
	out, err := AppendMarshal(dst, &Ack{Header: hdr(v, 1)})
	if err == nil || string(out) != "keep" {
		t.Error(string(out), err)
	}
}

func TestCleanReason(t *testing.T) {
	if got := cleanReason("a\x00b"); got != "a\uFFFDb" {
		t.Errorf("%q", got)
	}
	if got := cleanReason(strings.Repeat("é", 300)); len(got) > 210 || !strings.HasSuffix(got, "…") {
		t.Errorf("%d %q", len(got), got[len(got)-5:])
	}
}
