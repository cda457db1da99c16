package model

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"testing"
)

const (
	testdata   = "../../testdata/clue"
	infoXSD    = testdata + "/xsd/clue-info.xsd"
	protoXSD   = testdata + "/xsd/clue-protocol.xsd"
	nsProtocol = "urn:ietf:params:xml:ns:clue-protocol"
)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// message is a test-only envelope parse of an RFC 8847 message: the real
// parsing belongs to clue/protocol; here we only pull out the clue-info
// parts through the embedding API.
type message struct {
	root string
	adv  *Advertisement
	ces  CaptureEncodings
}

func parseMessage(data []byte, warn func(int, string)) (*message, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var m message
	var opts DecodeOpts
	opts.Warn = warn
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return &m, nil
		}
		if err != nil {
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if m.root == "" {
			m.root = se.Name.Local
			// Bindings on the root, for xsi:type QNames.
			opts.NS = map[string]string{}
			for _, a := range se.Attr {
				switch {
				case a.Name.Space == "xmlns":
					opts.NS[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					opts.NS[""] = a.Value
				}
			}
			continue
		}
		g, isGroup := GroupByName(se.Name.Local)
		switch {
		case se.Name.Space != nsProtocol:
			err = d.Skip()
		case isGroup && g == GroupCaptureEncodings:
			m.ces, err = DecodeCaptureEncodings(d, se, &opts)
		case isGroup:
			if m.adv == nil {
				m.adv = &Advertisement{}
			}
			err = m.adv.DecodeGroup(d, se, &opts)
		default:
			err = d.Skip()
		}
		if err != nil {
			return nil, err
		}
	}
}

// encodeMessage wraps model groups into a minimal RFC 8847 message (test
// envelope) using the given namespace layout. protoPrefix "" makes
// clue-protocol the default namespace (then ns.Info must be a prefix).
func encodeMessage(t testing.TB, protoPrefix string, ns Namespaces, adv *Advertisement, ces CaptureEncodings) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(xml.Header)
	e := xml.NewEncoder(&b)
	e.Indent("", " ")
	q := func(l string) string {
		if protoPrefix == "" {
			return l
		}
		return protoPrefix + ":" + l
	}
	decl := "xmlns"
	if protoPrefix != "" {
		decl += ":" + protoPrefix
	}
	root := "advertisement"
	if adv == nil {
		root = "configure"
	}
	attrs := append([]xml.Attr{{Name: xml.Name{Local: decl}, Value: nsProtocol}}, ns.Declarations()...)
	attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "protocol"}, Value: "CLUE"}, xml.Attr{Name: xml.Name{Local: "v"}, Value: "1.0"})
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	simple := func(n, v string) {
		must(e.EncodeToken(xml.StartElement{Name: xml.Name{Local: q(n)}}))
		must(e.EncodeToken(xml.CharData(v)))
		must(e.EncodeToken(xml.EndElement{Name: xml.Name{Local: q(n)}}))
	}
	must(e.EncodeToken(xml.StartElement{Name: xml.Name{Local: q(root)}, Attr: attrs}))
	simple("sequenceNr", "7")
	if adv != nil {
		must(adv.EncodeGroups(e, ns))
	} else {
		simple("advSequenceNr", "6")
		if len(ces) > 0 {
			must(ces.Encode(e, ns))
		}
	}
	must(e.EncodeToken(xml.EndElement{Name: xml.Name{Local: q(root)}}))
	must(e.Flush())
	return b.Bytes()
}
