package protocol

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ParseOpts bounds what Parse accepts from an untrusted peer (RFC 8846 §25,
// DIGEST §8: "XML parsers must be robust against malformed documents from
// untrusted peers (bound sizes/depth, no external entity or DTD resolution,
// no network fetch of schemaLocation)").
type ParseOpts struct {
	// MaxSize is the largest message accepted, in bytes. Default 65536: the
	// SDP a=max-message-size default of the data channel (RFC 8841 §6);
	// the RFC 8847 §10 advertisements are 14–19 KB. A larger message is
	// answered with 300.
	MaxSize int
	// MaxDepth is the deepest element nesting accepted. Default 32: the
	// deepest path in a CLUE advertisement (people/person/personInfo/xCard
	// property/parameters/…) is about 10 levels.
	MaxDepth int
}

// DefaultParseOpts returns the documented defaults.
func DefaultParseOpts() ParseOpts { return ParseOpts{MaxSize: 65536, MaxDepth: 32} }

func (o *ParseOpts) withDefaults() ParseOpts {
	d := DefaultParseOpts()
	if o != nil {
		if o.MaxSize > 0 {
			d.MaxSize = o.MaxSize
		}
		if o.MaxDepth > 0 {
			d.MaxDepth = o.MaxDepth
		}
	}
	return d
}

// nsScope tracks prefix bindings alongside encoding/xml (which translates
// names but does not expose its scope): to detect undeclared prefixes and to
// re-serialise captured clue-info fragments with the same bindings.
type nsScope struct {
	binds []nsBinding
	marks []int
}

type nsBinding struct{ prefix, uri string }

// normNS maps the https spelling of the XSI namespace used by the RFC 8847
// examples to the real one (DIGEST §9 #1).
func normNS(uri string) string {
	if uri == namespaceXSIBroken {
		return NamespaceXSI
	}
	return uri
}

func isNSDecl(a xml.Attr) (prefix string, ok bool) {
	if a.Name.Space == "xmlns" {
		return a.Name.Local, true
	}
	if a.Name.Space == "" && a.Name.Local == "xmlns" {
		return "", true
	}
	return "", false
}

func (s *nsScope) push(attrs []xml.Attr) {
	s.marks = append(s.marks, len(s.binds))
	for _, a := range attrs {
		if p, ok := isNSDecl(a); ok {
			s.binds = append(s.binds, nsBinding{p, normNS(a.Value)})
		}
	}
}

func (s *nsScope) pop() {
	n := len(s.marks) - 1
	s.binds = s.binds[:s.marks[n]]
	s.marks = s.marks[:n]
}

func (s *nsScope) lookup(prefix string) (string, bool) {
	for i := len(s.binds) - 1; i >= 0; i-- {
		if s.binds[i].prefix == prefix {
			return s.binds[i].uri, true
		}
	}
	switch prefix {
	case "":
		return "", true
	case "xml":
		return namespaceXML, true
	}
	return "", false
}

// prefixFor returns a prefix bound to uri in the current scope ("" only for
// element names, when uri is the default namespace).
func (s *nsScope) prefixFor(uri string, attr bool) (string, bool) {
	if uri == namespaceXML {
		return "xml", true
	}
	if !attr {
		if d, _ := s.lookup(""); d == uri {
			return "", true
		}
	}
	for i := len(s.binds) - 1; i >= 0; i-- {
		b := s.binds[i]
		if b.uri == uri && b.prefix != "" {
			if u, _ := s.lookup(b.prefix); u == uri {
				return b.prefix, true
			}
		}
	}
	return "", false
}

// bindings returns the effective prefix → namespace bindings in scope.
func (s *nsScope) bindings() map[string]string {
	m := make(map[string]string, len(s.binds))
	for _, b := range s.binds {
		m[b.prefix] = b.uri
	}
	return m
}

// reader wraps an encoding/xml Decoder (Token mode, strict, no entities
// beyond the predefined ones, no charset conversion) with depth and prefix
// checks, line-numbered errors, and the partial message for error reports.
type reader struct {
	xd       *xml.Decoder
	ns       nsScope
	depth    int
	maxDepth int
	ntok     int
	strict   bool
	msg      Message // partial result
}

func newReader(data []byte, maxDepth int) *reader {
	xd := xml.NewDecoder(bytes.NewReader(data))
	xd.Strict = true
	return &reader{xd: xd, maxDepth: maxDepth}
}

func (r *reader) fail(code Code, format string, args ...any) *ParseError {
	line, col := r.xd.InputPos()
	return &ParseError{Code: code, Line: line, Col: col, Msg: fmt.Sprintf(format, args...), Partial: r.msg}
}

// next returns the next token the parser must look at: StartElement,
// EndElement or CharData (copied). Comments and processing instructions are
// skipped; a DTD is refused. io.EOF is returned as is.
func (r *reader) next() (xml.Token, error) {
	for {
		t, err := r.xd.Token()
		if err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				_, col := r.xd.InputPos()
				return nil, &ParseError{Code: CodeBadSyntax, Line: se.Line, Col: col, Msg: "XML not well formed", Partial: r.msg, Err: err}
			}
			// Unsupported encoding or XML version: a low-level problem.
			return nil, r.failErr(CodeLowLevelError, err, "XML cannot be read")
		}
		r.ntok++
		switch t := t.(type) {
		case xml.StartElement:
			r.depth++
			if r.depth > r.maxDepth {
				return nil, r.fail(CodeLowLevelError, "elements nested deeper than %d", r.maxDepth)
			}
			r.ns.push(t.Attr)
			if err := r.checkNames(&t); err != nil {
				return nil, err
			}
			return t, nil
		case xml.EndElement:
			r.depth--
			r.ns.pop()
			t.Name.Space = normNS(t.Name.Space)
			return t, nil
		case xml.CharData:
			return t.Copy(), nil
		case xml.ProcInst:
			if t.Target == "xml" && r.ntok != 1 {
				return nil, r.fail(CodeBadSyntax, "XML declaration not at the start of the message")
			}
		case xml.Directive:
			return nil, r.fail(CodeLowLevelError, "DTD and other declarations are not accepted")
		}
	}
}

func (r *reader) failErr(code Code, err error, format string, args ...any) *ParseError {
	e := r.fail(code, format, args...)
	e.Err = err
	return e
}

// checkNames rejects undeclared prefixes and duplicate attributes (which
// encoding/xml lets through) and normalises the XSI namespace.
func (r *reader) checkNames(t *xml.StartElement) error {
	t.Name.Space = normNS(t.Name.Space)
	if t.Name.Space != "" {
		if _, ok := r.ns.prefixFor(t.Name.Space, false); !ok {
			return r.fail(CodeBadSyntax, "element <%s:%s> uses an undeclared prefix", t.Name.Space, t.Name.Local)
		}
	}
	for i := range t.Attr {
		a := &t.Attr[i]
		if _, ok := isNSDecl(*a); ok {
			a.Value = normNS(a.Value)
			continue
		}
		a.Name.Space = normNS(a.Name.Space)
		if a.Name.Space != "" {
			if _, ok := r.ns.prefixFor(a.Name.Space, true); !ok {
				return r.fail(CodeBadSyntax, "attribute %s:%s uses an undeclared prefix", a.Name.Space, a.Name.Local)
			}
		}
	}
	if dupAttr(t.Attr) {
		return r.fail(CodeBadSyntax, "duplicate attribute on <%s>", t.Name.Local)
	}
	return nil
}

func dupAttr(attrs []xml.Attr) bool {
	if len(attrs) < 2 {
		return false
	}
	if len(attrs) <= 8 {
		for i := range attrs {
			for j := i + 1; j < len(attrs); j++ {
				if attrs[i].Name == attrs[j].Name {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[xml.Name]struct{}, len(attrs))
	for _, a := range attrs {
		if _, ok := seen[a.Name]; ok {
			return true
		}
		seen[a.Name] = struct{}{}
	}
	return false
}

// nextOrEOF is next with io.EOF turned into a syntax error (a document ended
// inside an element).
func (r *reader) nextIn() (xml.Token, error) {
	t, err := r.next()
	if err == io.EOF {
		return nil, r.fail(CodeBadSyntax, "unexpected end of message")
	}
	return t, err
}

// skip consumes the rest of the element whose StartElement was just read.
func (r *reader) skip() error {
	for level := 1; level > 0; {
		t, err := r.nextIn()
		if err != nil {
			return err
		}
		switch t.(type) {
		case xml.StartElement:
			level++
		case xml.EndElement:
			level--
		}
	}
	return nil
}

// checkAttrs applies the schema to the attributes of a clue-protocol element
// that declares none: unqualified attributes are schema errors (301) in
// strict mode; attributes in other namespaces are ignored (RFC 8847 §8:
// "Elements or attributes from unknown namespaces MUST be ignored").
func (r *reader) checkAttrs(se xml.StartElement) error {
	if !r.strict {
		return nil
	}
	for _, a := range se.Attr {
		if _, ok := isNSDecl(a); ok {
			continue
		}
		if a.Name.Space == "" {
			return r.fail(CodeBadSyntax, "attribute %q not allowed on <%s>", a.Name.Local, se.Name.Local)
		}
	}
	return nil
}

// text reads the character content of a simple-typed element.
func (r *reader) text(se xml.StartElement) (string, error) {
	if err := r.checkAttrs(se); err != nil {
		return "", err
	}
	var s string
	var b []byte
	n := 0
	for {
		t, err := r.nextIn()
		if err != nil {
			return "", err
		}
		switch t := t.(type) {
		case xml.CharData:
			switch n {
			case 0:
				s = string(t)
			case 1:
				b = append([]byte(s), t...)
			default:
				b = append(b, t...)
			}
			n++
		case xml.StartElement:
			return "", r.fail(CodeBadSyntax, "element <%s> not allowed inside <%s>", t.Name.Local, se.Name.Local)
		case xml.EndElement:
			if n > 1 {
				s = string(b)
			}
			return s, nil
		}
	}
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// collapse applies whiteSpace="collapse" for the token-like types we read
// (integers, booleans, anyURI): leading and trailing XML space removed; inner
// space is left, so the value then fails its lexical check if it had any.
func collapse(s string) string { return strings.Trim(s, " \t\n\r") }

// ---- escaping ----

func appendEscText[T ~string | ~[]byte](dst []byte, s T) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		dst = append(dst, s[last:i]...)
		dst = append(dst, esc...)
		last = i + 1
	}
	return append(dst, s[last:]...)
}
