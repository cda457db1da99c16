package model

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Decoding limits used when DecodeOpts leaves them zero.
const (
	// DefaultMaxBytes bounds a whole document read by Decode. RFC 8841 §6's
	// default a=max-message-size is 64 KiB; a data-model document is not
	// larger than the message that would carry it, so 256 KiB is generous.
	DefaultMaxBytes = 256 << 10
	// DefaultMaxDepth bounds element nesting below the element handed to a
	// decode function. The model itself nests at most 8 deep; the rest is
	// room for xCard and extension elements.
	DefaultMaxDepth = 48
)

// DecodeOpts configures decoding. A nil *DecodeOpts means the defaults.
type DecodeOpts struct {
	// MaxBytes bounds the input read by Decode (0: DefaultMaxBytes). The
	// embedded decoders read from the caller's xml.Decoder, whose reader the
	// caller bounds.
	MaxBytes int64
	// MaxDepth bounds element nesting (0: DefaultMaxDepth).
	MaxDepth int
	// NS holds the prefix → namespace bindings in scope at the start element
	// handed to an embedded decoder ("" is the default namespace), e.g.
	// those declared on a message's root. Only xsi:type QName values need
	// them; without a binding, the four clue-info type names are accepted by
	// their local part.
	NS map[string]string
	// Warn, if set, receives lenient acceptances: the https schema-instance
	// namespace of the RFC 8847 examples (DIGEST §9 #1), unknown clue-info
	// elements ignored (RFC 8847 §7), unresolvable xsi:type prefixes.
	Warn func(line int, msg string)
}

// Unmarshal decodes a <clueInfo> document with the default limits.
func Unmarshal(data []byte) (*ClueInfo, error) {
	return Decode(bytes.NewReader(data), nil)
}

// Decode reads one <clueInfo> document (RFC 8846 §23) from r. The input is
// UTF-8 (other declared encodings are refused), without DTD (RFC 8846 §25:
// no entity or schema fetching), at most opts.MaxBytes long. Decoding checks
// well-formedness, structure (schema order and cardinality) and lexical
// values; Check / Validate then check the rules the schema leaves to prose.
func Decode(r io.Reader, opts *DecodeOpts) (*ClueInfo, error) {
	o := withDefaults(opts)
	d := xml.NewDecoder(&limitReader{r: r, n: o.MaxBytes})
	d.Strict = true
	var ci *ClueInfo
	p := newDecoder(d, &o)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if ci == nil {
				return nil, &DecodeError{Msg: "no root element", Err: ErrNotClueInfo}
			}
			return ci, nil
		}
		if err != nil {
			return nil, p.wrap(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if ci != nil {
				return nil, p.errf(t, "second root element")
			}
			if t.Name.Space != NSInfo || t.Name.Local != "clueInfo" {
				return nil, p.errw(t, ErrNotClueInfo, "root element is {%s}%s", t.Name.Space, t.Name.Local)
			}
			if ci, err = p.clueInfoRoot(t); err != nil {
				return nil, err
			}
		case xml.CharData:
			if ci == nil {
				t = bytes.TrimPrefix(t, []byte("\ufeff")) // a UTF-8 byte order mark
			}
			if !isSpace(t) {
				return nil, p.errf(xml.StartElement{}, "text outside the root element")
			}
		case xml.Directive:
			return nil, p.errf(xml.StartElement{}, "DTD / directive not allowed (RFC 8846 §25)")
		}
	}
}

// DecodeClueInfo decodes a <clueInfo> element whose start tag the caller
// has read from d.
func DecodeClueInfo(d *xml.Decoder, start xml.StartElement, opts *DecodeOpts) (*ClueInfo, error) {
	o := withDefaults(opts)
	return newDecoder(d, &o).clueInfoRoot(start)
}

// DecodeGroup decodes one advertisement group container (<mediaCaptures>,
// <encodingGroups>, <captureScenes>, <simultaneousSets>, <globalViews> or
// <people>) whose start tag the caller has read from d, and stores it in
// the matching field of a. The container's own namespace is not checked
// (clue-protocol in messages, clue-info in <clueInfo>); its children must be
// clue-info elements. A group already filled in a is an error.
func (a *Advertisement) DecodeGroup(d *xml.Decoder, start xml.StartElement, opts *DecodeOpts) error {
	o := withDefaults(opts)
	p := newDecoder(d, &o)
	if err := p.enter(start); err != nil {
		return err
	}
	defer p.leave()
	return p.group(a, start)
}

// DecodeCaptureEncodings decodes a <captureEncodings> container whose start
// tag the caller has read from d (RFC 8847 §5.5, RFC 8846 §10).
func DecodeCaptureEncodings(d *xml.Decoder, start xml.StartElement, opts *DecodeOpts) (CaptureEncodings, error) {
	o := withDefaults(opts)
	p := newDecoder(d, &o)
	if err := p.enter(start); err != nil {
		return nil, err
	}
	defer p.leave()
	var out CaptureEncodings
	err := p.list(start, "captureEncoding", func(ch xml.StartElement) error {
		ce, err := p.captureEncoding(ch)
		out = append(out, ce)
		return err
	})
	return out, err
}

func withDefaults(opts *DecodeOpts) DecodeOpts {
	var o DecodeOpts
	if opts != nil {
		o = *opts
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	return o
}

// limitReader fails with ErrTooLarge once more than n bytes are available.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(b []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(b)) > l.n {
		b = b[:l.n]
	}
	n, err := l.r.Read(b)
	l.n -= int64(n)
	return n, err
}

type nsBinding struct{ prefix, uri string }

// decoder walks an xml.Decoder token stream with the model's structure.
type decoder struct {
	d     *xml.Decoder
	opts  *DecodeOpts
	depth int
	ns    []nsBinding // declarations seen in the subtree, innermost last
	marks []int
}

func newDecoder(d *xml.Decoder, o *DecodeOpts) *decoder {
	return &decoder{d: d, opts: o}
}

func (p *decoder) pos() (int, int) { return p.d.InputPos() }

func (p *decoder) errf(el xml.StartElement, format string, args ...any) error {
	line, col := p.pos()
	return &DecodeError{Line: line, Col: col, Elem: el.Name.Local, Msg: fmt.Sprintf(format, args...)}
}

func (p *decoder) errw(el xml.StartElement, err error, format string, args ...any) error {
	line, col := p.pos()
	return &DecodeError{Line: line, Col: col, Elem: el.Name.Local, Msg: fmt.Sprintf(format, args...), Err: err}
}

// wrap turns an xml.Decoder error into a *DecodeError.
func (p *decoder) wrap(err error) error {
	var de *DecodeError
	if errors.As(err, &de) {
		return err
	}
	line, col := p.pos()
	var se *xml.SyntaxError
	switch {
	case errors.As(err, &se):
		return &DecodeError{Line: se.Line, Msg: "XML syntax: " + se.Msg, Err: err}
	case errors.Is(err, ErrTooLarge):
		return &DecodeError{Line: line, Col: col, Msg: "document too large", Err: ErrTooLarge}
	case err == io.EOF:
		return &DecodeError{Line: line, Col: col, Msg: "unexpected end of document", Err: io.ErrUnexpectedEOF}
	}
	return &DecodeError{Line: line, Col: col, Msg: err.Error(), Err: err}
}

func (p *decoder) warn(format string, args ...any) {
	if p.opts.Warn != nil {
		line, _ := p.pos()
		p.opts.Warn(line, fmt.Sprintf(format, args...))
	}
}

// enter accounts for a start element that was just read: depth, namespace
// declarations, namespace well-formedness of names.
func (p *decoder) enter(el xml.StartElement) error {
	p.depth++
	p.marks = append(p.marks, len(p.ns))
	if p.depth > p.opts.MaxDepth {
		return p.errw(el, ErrTooDeep, "nesting deeper than %d", p.opts.MaxDepth)
	}
	if strings.IndexByte(el.Name.Local, ':') >= 0 {
		return p.errf(el, "element name with more than one colon")
	}
	for _, a := range el.Attr {
		switch {
		case a.Name.Space == "xmlns":
			p.ns = append(p.ns, nsBinding{a.Name.Local, a.Value})
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			p.ns = append(p.ns, nsBinding{"", a.Value})
		case strings.IndexByte(a.Name.Local, ':') >= 0:
			return p.errf(el, "attribute name with more than one colon")
		}
	}
	return nil
}

func (p *decoder) leave() {
	p.depth--
	if n := len(p.marks); n > 0 {
		p.ns = p.ns[:p.marks[n-1]]
		p.marks = p.marks[:n-1]
	}
}

// lookup resolves a prefix ("" = default namespace) to its namespace.
func (p *decoder) lookup(prefix string) (string, bool) {
	if prefix == "xml" {
		return nsXML, true
	}
	for i := len(p.ns) - 1; i >= 0; i-- {
		if p.ns[i].prefix == prefix {
			return p.ns[i].uri, true
		}
	}
	uri, ok := p.opts.NS[prefix]
	return uri, ok
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// trim applies the xs:token-like whitespace collapse at the ends (XML
// whitespace only, not Unicode spaces).
func trim(s string) string { return strings.Trim(s, " \t\r\n") }

// each calls fn for every child element of parent (whose start tag has been
// read), consuming everything up to parent's end tag. fn must consume the
// child completely. Non-whitespace text is an error (element-only content).
func (p *decoder) each(parent xml.StartElement, fn func(xml.StartElement) error) error {
	for {
		tok, err := p.d.Token()
		if err != nil {
			return p.wrap(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.enter(t); err != nil {
				return err
			}
			if err := fn(t); err != nil {
				return err
			}
			p.leave()
		case xml.EndElement:
			return nil
		case xml.CharData:
			if !isSpace(t) {
				return p.errf(parent, "unexpected text in element-only content")
			}
		case xml.Directive:
			return p.errf(parent, "directive not allowed")
		}
	}
}

// text reads the character content of a simple-content element.
func (p *decoder) text(el xml.StartElement) (string, error) {
	var buf []byte
	for {
		tok, err := p.d.Token()
		if err != nil {
			return "", p.wrap(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			buf = append(buf, t...)
		case xml.StartElement:
			return "", p.errf(el, "unexpected element <%s> in simple content", t.Name.Local)
		case xml.EndElement:
			return string(buf), nil
		case xml.Directive:
			return "", p.errf(el, "directive not allowed")
		}
	}
}

// skip consumes the rest of el.
func (p *decoder) skip(el xml.StartElement) error {
	return p.eachAny(el, func(ch xml.StartElement) error { return p.skip(ch) }, nil)
}

// eachAny is each for mixed content: text goes to onText (nil: dropped).
func (p *decoder) eachAny(parent xml.StartElement, onElem func(xml.StartElement) error, onText func([]byte)) error {
	for {
		tok, err := p.d.Token()
		if err != nil {
			return p.wrap(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.enter(t); err != nil {
				return err
			}
			if err := onElem(t); err != nil {
				return err
			}
			p.leave()
		case xml.EndElement:
			return nil
		case xml.CharData:
			if onText != nil {
				onText(t)
			}
		case xml.Directive:
			return p.errf(parent, "directive not allowed")
		}
	}
}

// raw captures el verbatim (an extension element or an unmodelled xCard
// property).
func (p *decoder) raw(el xml.StartElement) (Element, error) {
	e := Element{Name: el.Name}
	for _, a := range el.Attr {
		if isDeclOrXSI(a) {
			continue
		}
		e.Attr = append(e.Attr, a)
	}
	var text []byte
	err := p.eachAny(el, func(ch xml.StartElement) error {
		c, err := p.raw(ch)
		e.Children = append(e.Children, c)
		return err
	}, func(b []byte) { text = append(text, b...) })
	if len(e.Children) > 0 {
		e.Text = trim(string(text))
	} else {
		e.Text = string(text)
	}
	return e, err
}

func isDeclOrXSI(a xml.Attr) bool {
	switch a.Name.Space {
	case "xmlns", nsXMLNS, NSXSI, NSXSIHTTPS:
		return true
	case "":
		return a.Name.Local == "xmlns"
	}
	return false
}

// isExtAttr reports whether a is a qualified attribute from a namespace
// other than clue-info, i.e. one xs:anyAttribute namespace="##other" admits.
func isExtAttr(a xml.Attr) bool {
	return a.Name.Space != "" && a.Name.Space != NSInfo && !isDeclOrXSI(a)
}

// foreign handles a child element outside the clue-info namespace: kept in
// *dst where the schema has xs:any ##other, otherwise ignored (RFC 8846
// §24: elements from unknown namespaces MUST be ignored). Elements in no
// namespace are not admitted by ##other and are ignored too.
func (p *decoder) foreign(el xml.StartElement, dst *[]Element) error {
	if dst == nil || el.Name.Space == "" || el.Name.Space == "xmlns" || el.Name.Space == nsXMLNS {
		return p.skip(el)
	}
	e, err := p.raw(el)
	*dst = append(*dst, e)
	return err
}

// unknown skips a clue-info element this version does not know (RFC 8847
// §7: ignore elements not in the negotiated version).
func (p *decoder) unknown(parent string, el xml.StartElement) error {
	p.warn("ignoring unknown element <%s> in <%s>", el.Name.Local, parent)
	return p.skip(el)
}

// seq enforces the schema's element order within one parent.
type seq struct {
	p    *decoder
	last int
	name string
}

func (s *seq) at(el xml.StartElement, rank int, multi bool) error {
	if rank < s.last || (rank == s.last && !multi) {
		if rank == s.last && el.Name.Local == s.name {
			return s.p.errf(el, "repeated element")
		}
		return s.p.errf(el, "out of schema order (after <%s>)", s.name)
	}
	s.last, s.name = rank, el.Name.Local
	return nil
}

// attrs collects the unqualified attributes listed in names (value
// verbatim) and the extension attributes (into *ext when non-nil).
func attrMap(el xml.StartElement, ext *[]xml.Attr, names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, a := range el.Attr {
		if a.Name.Space == "" {
			for _, n := range names {
				if a.Name.Local == n {
					m[n] = a.Value
				}
			}
			continue
		}
		if ext != nil && isExtAttr(a) {
			*ext = append(*ext, a)
		}
	}
	return m
}

func (p *decoder) requireAttr(el xml.StartElement, m map[string]string, name string) (string, error) {
	v, ok := m[name]
	if !ok {
		return "", p.errf(el, "missing required attribute %q", name)
	}
	return v, nil
}

// --- lexical values ---

func (p *decoder) token(el xml.StartElement) (string, error) {
	s, err := p.text(el)
	return trim(s), err
}

func (p *decoder) boolean(el xml.StartElement) (bool, error) {
	s, err := p.text(el)
	if err != nil {
		return false, err
	}
	return p.parseBool(el, s)
}

func (p *decoder) parseBool(el xml.StartElement, s string) (bool, error) {
	switch trim(s) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, p.errf(el, "invalid xs:boolean %q", s)
}

// fixedTrue reads an xs:boolean element with fixed="true" (RFC 8846 §11.6,
// §11.12).
func (p *decoder) fixedTrue(el xml.StartElement) error {
	v, err := p.boolean(el)
	if err == nil && !v {
		err = p.errf(el, "value is fixed to true")
	}
	return err
}

func (p *decoder) parseUint(el xml.StartElement, s string, bits int) (uint64, error) {
	t := trim(s)
	switch {
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	case strings.HasPrefix(t, "-") && strings.Trim(t[1:], "0") == "" && len(t) > 1:
		t = "0" // "-0" is in the lexical space of xs:nonNegativeInteger
	}
	if t == "" || strings.Trim(t, "0123456789") != "" {
		return 0, p.errf(el, "invalid unsigned integer %q", s)
	}
	v, err := strconv.ParseUint(t, 10, bits)
	if err != nil {
		return 0, p.errw(el, err, "unsigned integer %q out of range", s)
	}
	return v, nil
}

func (p *decoder) uintElem(el xml.StartElement, bits int) (uint64, error) {
	s, err := p.text(el)
	if err != nil {
		return 0, err
	}
	return p.parseUint(el, s, bits)
}

// isDecimal checks the xs:decimal lexical form: [+-]?(d+(.d*)?|.d+).
func isDecimal(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

func (p *decoder) decimal(el xml.StartElement) (float64, error) {
	s, err := p.text(el)
	if err != nil {
		return 0, err
	}
	t := trim(s)
	if !isDecimal(t) {
		return 0, p.errf(el, "invalid xs:decimal %q", s)
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, p.errw(el, err, "xs:decimal %q out of range", s)
	}
	return v, nil
}

// xsiType resolves the QName value of xsi:type on a <mediaCapture>.
func (p *decoder) xsiType(el xml.StartElement, value string) (CaptureType, error) {
	v := trim(value)
	prefix, local := "", v
	if i := strings.IndexByte(v, ':'); i >= 0 {
		prefix, local = v[:i], v[i+1:]
	}
	t, ok := captureTypeByName(local)
	if !ok {
		return 0, p.errf(el, "unknown xsi:type %q", value)
	}
	uri, bound := p.lookup(prefix)
	switch {
	case bound && uri != NSInfo:
		return 0, p.errf(el, "xsi:type %q is in namespace %q, not clue-info", value, uri)
	case !bound && prefix != "":
		p.warn("xsi:type prefix %q not bound in the decoded part; accepted as clue-info", prefix)
	}
	return t, nil
}

// --- structure ---

func (p *decoder) clueInfoRoot(el xml.StartElement) (*ClueInfo, error) {
	if err := p.enter(el); err != nil {
		return nil, err
	}
	defer p.leave()
	ci := &ClueInfo{}
	m := attrMap(el, &ci.ExtAttr, "clueInfoID")
	id, err := p.requireAttr(el, m, "clueInfoID")
	if err != nil {
		return nil, err
	}
	ci.ClueInfoID = trim(id)
	s := seq{p: p}
	err = p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, &ci.Ext)
		}
		g, ok := GroupByName(ch.Name.Local)
		if !ok || g == GroupCaptureEncodings {
			return p.unknown("clueInfo", ch)
		}
		if err := s.at(ch, int(g), false); err != nil {
			return err
		}
		return p.group(&ci.Advertisement, ch)
	})
	if err != nil {
		return nil, err
	}
	a := &ci.Advertisement
	switch {
	case a.MediaCaptures == nil:
		return nil, p.errf(el, "missing <mediaCaptures>")
	case a.EncodingGroups == nil:
		return nil, p.errf(el, "missing <encodingGroups>")
	case a.CaptureScenes == nil:
		return nil, p.errf(el, "missing <captureScenes>")
	}
	return ci, nil
}

// group decodes a group container into a.
func (p *decoder) group(a *Advertisement, el xml.StartElement) error {
	g, _ := GroupByName(el.Name.Local)
	dup := func(n int) error {
		if n > 0 {
			return p.errf(el, "group already decoded")
		}
		return nil
	}
	switch g {
	case GroupMediaCaptures:
		if err := dup(len(a.MediaCaptures)); err != nil {
			return err
		}
		return p.list(el, "mediaCapture", func(ch xml.StartElement) error {
			c, err := p.mediaCapture(ch)
			a.MediaCaptures = append(a.MediaCaptures, c)
			return err
		})
	case GroupEncodingGroups:
		if err := dup(len(a.EncodingGroups)); err != nil {
			return err
		}
		return p.list(el, "encodingGroup", func(ch xml.StartElement) error {
			v, err := p.encodingGroup(ch)
			a.EncodingGroups = append(a.EncodingGroups, v)
			return err
		})
	case GroupCaptureScenes:
		if err := dup(len(a.CaptureScenes)); err != nil {
			return err
		}
		return p.list(el, "captureScene", func(ch xml.StartElement) error {
			v, err := p.captureScene(ch)
			a.CaptureScenes = append(a.CaptureScenes, v)
			return err
		})
	case GroupSimultaneousSets:
		if err := dup(len(a.SimultaneousSets)); err != nil {
			return err
		}
		return p.list(el, "simultaneousSet", func(ch xml.StartElement) error {
			v, err := p.simultaneousSet(ch)
			a.SimultaneousSets = append(a.SimultaneousSets, v)
			return err
		})
	case GroupGlobalViews:
		if err := dup(len(a.GlobalViews)); err != nil {
			return err
		}
		return p.list(el, "globalView", func(ch xml.StartElement) error {
			v, err := p.globalView(ch)
			a.GlobalViews = append(a.GlobalViews, v)
			return err
		})
	case GroupPeople:
		if err := dup(len(a.People)); err != nil {
			return err
		}
		return p.list(el, "person", func(ch xml.StartElement) error {
			v, err := p.person(ch)
			a.People = append(a.People, v)
			return err
		})
	}
	return p.errf(el, "not an advertisement group")
}

// list decodes a container of one or more clue-info <item> elements.
func (p *decoder) list(el xml.StartElement, item string, fn func(xml.StartElement) error) error {
	n := 0
	err := p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, nil)
		}
		if ch.Name.Local != item {
			return p.unknown(el.Name.Local, ch)
		}
		n++
		return fn(ch)
	})
	if err == nil && n == 0 {
		err = p.errf(el, "needs at least one <%s>", item)
	}
	return err
}

// Ranks of <mediaCapture> children in the schema sequence (RFC 8846 §11).
const (
	rCaptureScene = iota + 1
	rSpatial      // spatialInformation | nonSpatiallyDefinable
	rSyncID
	rContent
	rPolicy
	rMaxCaptures
	rAllowSubset
	rIndividual
	rEncGroup
	rDescription
	rPriority
	rLang
	rMobility
	rPresentation
	rEmbeddedText
	rView
	rCapturedPeople
	rRelatedTo
	rSensitivity
)

func (p *decoder) mediaCapture(el xml.StartElement) (MediaCapture, error) {
	var c MediaCapture
	m := attrMap(el, &c.ExtAttr, "captureID", "mediaType")
	id, err := p.requireAttr(el, m, "captureID")
	if err != nil {
		return c, err
	}
	c.CaptureID = trim(id)
	if c.MediaType, err = p.requireAttr(el, m, "mediaType"); err != nil {
		return c, err
	}
	for _, a := range el.Attr {
		if a.Name.Local != "type" || (a.Name.Space != NSXSI && a.Name.Space != NSXSIHTTPS) {
			continue
		}
		if a.Name.Space == NSXSIHTTPS {
			// DIGEST §9 #1: every RFC 8847 example binds xsi to https://.
			p.warn("mediaCapture %q: xsi bound to %s (RFC 8847 example defect), accepted", c.CaptureID, NSXSIHTTPS)
		}
		if c.Type, err = p.xsiType(el, a.Value); err != nil {
			return c, err
		}
	}
	if c.Type == 0 {
		return c, p.errf(el, "mediaCapture %q: missing xsi:type (mediaCaptureType is abstract, RFC 8846 §11)", c.CaptureID)
	}
	var haveScene, haveSpatial bool
	s := seq{p: p}
	err = p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, &c.Ext)
		}
		var err error
		switch ch.Name.Local {
		case "captureSceneIDREF":
			if err = s.at(ch, rCaptureScene, false); err == nil {
				haveScene = true
				c.CaptureSceneIDREF, err = p.token(ch)
			}
		case "spatialInformation":
			if err = s.at(ch, rSpatial, false); err == nil {
				haveSpatial = true
				c.Spatial, err = p.spatial(ch)
			}
		case "nonSpatiallyDefinable":
			if err = s.at(ch, rSpatial, false); err == nil {
				haveSpatial = true
				c.NonSpatiallyDefinable = true
				err = p.fixedTrue(ch)
			}
		case "synchronizationID":
			if err = s.at(ch, rSyncID, false); err == nil {
				c.SynchronizationID, err = p.token(ch)
			}
		case "content":
			if err = s.at(ch, rContent, false); err == nil {
				c.Content, err = p.content(ch)
			}
		case "policy":
			if err = s.at(ch, rPolicy, false); err == nil {
				c.Policy, err = p.text(ch)
			}
		case "maxCaptures":
			if err = s.at(ch, rMaxCaptures, false); err == nil {
				c.MaxCaptures, err = p.maxCaptures(ch)
			}
		case "allowSubsetChoice":
			if err = s.at(ch, rAllowSubset, false); err == nil {
				c.AllowSubsetChoice, err = p.boolean(ch)
			}
		case "individual":
			if err = s.at(ch, rIndividual, false); err == nil {
				c.Individual = true
				err = p.fixedTrue(ch)
			}
		case "encGroupIDREF":
			if err = s.at(ch, rEncGroup, false); err == nil {
				c.EncGroupIDREF, err = p.token(ch)
			}
		case "description":
			if err = s.at(ch, rDescription, true); err == nil {
				var d Description
				d, err = p.description(ch)
				c.Descriptions = append(c.Descriptions, d)
			}
		case "priority":
			if err = s.at(ch, rPriority, false); err == nil {
				var v uint64
				v, err = p.uintElem(ch, 32)
				u := uint32(v)
				c.Priority = &u
			}
		case "lang":
			if err = s.at(ch, rLang, true); err == nil {
				var v string
				v, err = p.token(ch)
				c.Lang = append(c.Lang, v)
			}
		case "mobility":
			if err = s.at(ch, rMobility, false); err == nil {
				var v string
				v, err = p.text(ch)
				c.Mobility = Mobility(v)
			}
		case "presentation":
			if err = s.at(ch, rPresentation, false); err == nil {
				c.Presentation, err = p.text(ch)
			}
		case "embeddedText":
			if err = s.at(ch, rEmbeddedText, false); err == nil {
				c.EmbeddedText, err = p.embeddedText(ch)
			}
		case "view":
			if err = s.at(ch, rView, false); err == nil {
				c.View, err = p.text(ch)
			}
		case "capturedPeople":
			if err = s.at(ch, rCapturedPeople, false); err == nil {
				err = p.list(ch, "personIDREF", func(pe xml.StartElement) error {
					v, err := p.token(pe)
					c.CapturedPeople = append(c.CapturedPeople, v)
					return err
				})
			}
		case "relatedTo":
			if err = s.at(ch, rRelatedTo, false); err == nil {
				c.RelatedTo, err = p.token(ch)
			}
		case "sensitivityPattern":
			// Only audioCaptureType declares it (RFC 8846 §12.1).
			if c.Type != AudioCapture {
				return p.errf(ch, "sensitivityPattern in a %v (audio only, RFC 8846 §12.1)", c.Type)
			}
			if err = s.at(ch, rSensitivity, false); err == nil {
				c.SensitivityPattern, err = p.text(ch)
			}
		default:
			return p.unknown("mediaCapture", ch)
		}
		return err
	})
	if err != nil {
		return c, err
	}
	switch {
	case !haveScene:
		return c, p.errf(el, "mediaCapture %q: missing <captureSceneIDREF>", c.CaptureID)
	case !haveSpatial:
		return c, p.errf(el, "mediaCapture %q: needs <spatialInformation> or <nonSpatiallyDefinable> (RFC 8846 §11.6)", c.CaptureID)
	case c.Individual && c.hasMCCFields():
		return c, p.errf(el, "mediaCapture %q: <individual> and MCC elements are mutually exclusive (RFC 8846 §11.12)", c.CaptureID)
	}
	return c, nil
}

func (p *decoder) description(el xml.StartElement) (Description, error) {
	m := attrMap(el, nil, "lang")
	d := Description{Lang: trim(m["lang"])}
	var err error
	d.Text, err = p.text(el)
	return d, err
}

func (p *decoder) embeddedText(el xml.StartElement) (*EmbeddedText, error) {
	m := attrMap(el, nil, "lang")
	t := &EmbeddedText{Lang: trim(m["lang"])}
	var err error
	t.Value, err = p.boolean(el)
	return t, err
}

func (p *decoder) maxCaptures(el xml.StartElement) (*MaxCaptures, error) {
	m := attrMap(el, nil, "exactNumber")
	mc := &MaxCaptures{}
	if v, ok := m["exactNumber"]; ok {
		b, err := p.parseBool(el, v)
		if err != nil {
			return nil, err
		}
		mc.ExactNumber = b
	}
	n, err := p.uintElem(el, 16)
	if err != nil {
		return nil, err
	}
	if n < 1 {
		// positiveShort (RFC 8846 §11.11).
		return nil, p.errf(el, "maxCaptures must be at least 1")
	}
	mc.N = uint16(n)
	return mc, nil
}

func (p *decoder) spatial(el xml.StartElement) (*SpatialInformation, error) {
	si := &SpatialInformation{}
	attrMap(el, &si.ExtAttr)
	s := seq{p: p}
	err := p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, &si.Ext)
		}
		var err error
		switch ch.Name.Local {
		case "captureOrigin":
			if err = s.at(ch, 1, false); err == nil {
				si.CaptureOrigin, err = p.captureOrigin(ch)
			}
		case "captureArea":
			if err = s.at(ch, 2, false); err == nil {
				si.CaptureArea, err = p.captureArea(ch)
			}
		default:
			return p.unknown("spatialInformation", ch)
		}
		return err
	})
	return si, err
}

func (p *decoder) captureOrigin(el xml.StartElement) (*CaptureOrigin, error) {
	o := &CaptureOrigin{}
	attrMap(el, &o.ExtAttr)
	s := seq{p: p}
	var have bool
	err := p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, nil)
		}
		var err error
		switch ch.Name.Local {
		case "capturePoint":
			if err = s.at(ch, 1, false); err == nil {
				have = true
				o.CapturePoint, err = p.point(ch)
			}
		case "lineOfCapturePoint":
			if err = s.at(ch, 2, false); err == nil {
				var pt Point
				pt, err = p.point(ch)
				o.LineOfCapturePoint = &pt
			}
		default:
			return p.unknown("captureOrigin", ch)
		}
		return err
	})
	if err == nil && !have {
		err = p.errf(el, "missing <capturePoint>")
	}
	return o, err
}

func (p *decoder) captureArea(el xml.StartElement) (*CaptureArea, error) {
	a := &CaptureArea{}
	corners := []struct {
		name string
		pt   *Point
	}{{"bottomLeft", &a.BottomLeft}, {"bottomRight", &a.BottomRight}, {"topLeft", &a.TopLeft}, {"topRight", &a.TopRight}}
	next := 0
	err := p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, nil)
		}
		if next < len(corners) && ch.Name.Local == corners[next].name {
			var err error
			*corners[next].pt, err = p.point(ch)
			next++
			return err
		}
		for _, c := range corners {
			if c.name == ch.Name.Local {
				return p.errf(ch, "out of schema order or repeated (bottomLeft, bottomRight, topLeft, topRight)")
			}
		}
		return p.unknown("captureArea", ch)
	})
	if err == nil && next < len(corners) {
		err = p.errf(el, "missing <%s>", corners[next].name)
	}
	return a, err
}

func (p *decoder) point(el xml.StartElement) (Point, error) {
	var pt Point
	coords := []*float64{&pt.X, &pt.Y, &pt.Z}
	names := []string{"x", "y", "z"}
	next := 0
	err := p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, nil)
		}
		if next < 3 && ch.Name.Local == names[next] {
			var err error
			*coords[next], err = p.decimal(ch)
			next++
			return err
		}
		if ch.Name.Local == "x" || ch.Name.Local == "y" || ch.Name.Local == "z" {
			return p.errf(ch, "out of schema order or repeated (x, y, z)")
		}
		return p.unknown(el.Name.Local, ch)
	})
	if err == nil && next < 3 {
		err = p.errf(el, "missing <%s>", names[next])
	}
	return pt, err
}

func (p *decoder) content(el xml.StartElement) (*Content, error) {
	c := &Content{}
	attrMap(el, &c.ExtAttr)
	s := seq{p: p}
	err := p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, &c.Ext)
		}
		var err error
		switch ch.Name.Local {
		case "mediaCaptureIDREF":
			if err = s.at(ch, 1, true); err == nil {
				var v string
				v, err = p.token(ch)
				c.MediaCaptureIDREFs = append(c.MediaCaptureIDREFs, v)
			}
		case "sceneViewIDREF":
			if err = s.at(ch, 2, true); err == nil {
				var v string
				v, err = p.token(ch)
				c.SceneViewIDREFs = append(c.SceneViewIDREFs, v)
			}
		default:
			return p.unknown(el.Name.Local, ch)
		}
		return err
	})
	return c, err
}

func (p *decoder) captureScene(el xml.StartElement) (CaptureScene, error) {
	var cs CaptureScene
	m := attrMap(el, &cs.ExtAttr, "sceneID", "scale")
	id, err := p.requireAttr(el, m, "sceneID")
	if err != nil {
		return cs, err
	}
	cs.SceneID = trim(id)
	sc, err := p.requireAttr(el, m, "scale")
	if err != nil {
		return cs, err
	}
	cs.Scale = Scale(sc)
	s := seq{p: p}
	err = p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, &cs.Ext)
		}
		var err error
		switch ch.Name.Local {
		case "description":
			if err = s.at(ch, 1, true); err == nil {
				var d Description
				d, err = p.description(ch)
				cs.Descriptions = append(cs.Descriptions, d)
			}
		case "sceneInformation":
			if err = s.at(ch, 2, false); err == nil {
				cs.SceneInformation, err = p.xcard(ch)
			}
		case "sceneViews":
			if err = s.at(ch, 3, false); err == nil {
				err = p.list(ch, "sceneView", func(v xml.StartElement) error {
					sv, err := p.sceneView(v)
					cs.SceneViews = append(cs.SceneViews, sv)
					return err
				})
			}
		default:
			return p.unknown("captureScene", ch)
		}
		return err
	})
	return cs, err
}

func (p *decoder) sceneView(el xml.StartElement) (SceneView, error) {
	var sv SceneView
	m := attrMap(el, nil, "sceneViewID")
	id, err := p.requireAttr(el, m, "sceneViewID")
	if err != nil {
		return sv, err
	}
	sv.SceneViewID = trim(id)
	s := seq{p: p}
	var have bool
	err = p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, nil)
		}
		var err error
		switch ch.Name.Local {
		case "description":
			if err = s.at(ch, 1, true); err == nil {
				var d Description
				d, err = p.description(ch)
				sv.Descriptions = append(sv.Descriptions, d)
			}
		case "mediaCaptureIDs":
			if err = s.at(ch, 2, false); err == nil {
				have = true
				err = p.list(ch, "mediaCaptureIDREF", func(r xml.StartElement) error {
					v, err := p.token(r)
					sv.MediaCaptureIDREFs = append(sv.MediaCaptureIDREFs, v)
					return err
				})
			}
		default:
			return p.unknown("sceneView", ch)
		}
		return err
	})
	if err == nil && !have {
		err = p.errf(el, "sceneView %q: missing <mediaCaptureIDs>", sv.SceneViewID)
	}
	return sv, err
}

func (p *decoder) encodingGroup(el xml.StartElement) (EncodingGroup, error) {
	var g EncodingGroup
	m := attrMap(el, &g.ExtAttr, "encodingGroupID")
	id, err := p.requireAttr(el, m, "encodingGroupID")
	if err != nil {
		return g, err
	}
	g.EncodingGroupID = trim(id)
	s := seq{p: p}
	var haveBW, haveList bool
	err = p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, &g.Ext)
		}
		var err error
		switch ch.Name.Local {
		case "maxGroupBandwidth":
			if err = s.at(ch, 1, false); err == nil {
				haveBW = true
				g.MaxGroupBandwidth, err = p.uintElem(ch, 64)
			}
		case "encodingIDList":
			if err = s.at(ch, 2, false); err == nil {
				haveList = true
				err = p.list(ch, "encodingID", func(r xml.StartElement) error {
					v, err := p.token(r)
					g.EncodingIDs = append(g.EncodingIDs, v)
					return err
				})
			}
		default:
			return p.unknown("encodingGroup", ch)
		}
		return err
	})
	switch {
	case err != nil:
	case !haveBW:
		// Mandatory in the schema though RFC 8846 §18.1 calls it optional
		// (DIGEST §9 #9).
		err = p.errf(el, "encodingGroup %q: missing <maxGroupBandwidth>", g.EncodingGroupID)
	case !haveList:
		err = p.errf(el, "encodingGroup %q: missing <encodingIDList>", g.EncodingGroupID)
	}
	return g, err
}

func (p *decoder) simultaneousSet(el xml.StartElement) (SimultaneousSet, error) {
	var ss SimultaneousSet
	m := attrMap(el, &ss.ExtAttr, "setID", "mediaType")
	id, err := p.requireAttr(el, m, "setID")
	if err != nil {
		return ss, err
	}
	ss.SetID = trim(id)
	ss.MediaType = m["mediaType"]
	s := seq{p: p}
	err = p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, &ss.Ext)
		}
		var dst *[]string
		var rank int
		switch ch.Name.Local {
		case "mediaCaptureIDREF":
			dst, rank = &ss.MediaCaptureIDREFs, 1
		case "sceneViewIDREF":
			dst, rank = &ss.SceneViewIDREFs, 2
		case "captureSceneIDREF":
			dst, rank = &ss.CaptureSceneIDREFs, 3
		default:
			return p.unknown("simultaneousSet", ch)
		}
		if err := s.at(ch, rank, true); err != nil {
			return err
		}
		v, err := p.token(ch)
		*dst = append(*dst, v)
		return err
	})
	return ss, err
}

func (p *decoder) globalView(el xml.StartElement) (GlobalView, error) {
	var gv GlobalView
	m := attrMap(el, &gv.ExtAttr, "globalViewID")
	gv.GlobalViewID = trim(m["globalViewID"])
	err := p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, &gv.Ext)
		}
		if ch.Name.Local != "sceneViewIDREF" {
			return p.unknown("globalView", ch)
		}
		v, err := p.token(ch)
		gv.SceneViewIDREFs = append(gv.SceneViewIDREFs, v)
		return err
	})
	if err == nil && len(gv.SceneViewIDREFs) == 0 {
		err = p.errf(el, "globalView needs at least one <sceneViewIDREF>")
	}
	return gv, err
}

func (p *decoder) person(el xml.StartElement) (Person, error) {
	var pe Person
	m := attrMap(el, &pe.ExtAttr, "personID")
	id, err := p.requireAttr(el, m, "personID")
	if err != nil {
		return pe, err
	}
	pe.PersonID = trim(id)
	s := seq{p: p}
	err = p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, &pe.Ext)
		}
		var err error
		switch ch.Name.Local {
		case "personInfo":
			if err = s.at(ch, 1, false); err == nil {
				pe.PersonInfo, err = p.xcard(ch)
			}
		case "personType":
			if err = s.at(ch, 2, true); err == nil {
				var v string
				v, err = p.text(ch)
				pe.PersonTypes = append(pe.PersonTypes, v)
			}
		default:
			return p.unknown("person", ch)
		}
		return err
	})
	return pe, err
}

func (p *decoder) captureEncoding(el xml.StartElement) (CaptureEncoding, error) {
	var ce CaptureEncoding
	m := attrMap(el, &ce.ExtAttr, "ID")
	id, err := p.requireAttr(el, m, "ID")
	if err != nil {
		return ce, err
	}
	ce.ID = trim(id)
	s := seq{p: p}
	var haveCap, haveEnc bool
	err = p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSInfo {
			return p.foreign(ch, &ce.Ext)
		}
		var err error
		switch ch.Name.Local {
		case "captureID":
			if err = s.at(ch, 1, false); err == nil {
				haveCap = true
				ce.CaptureID, err = p.token(ch)
			}
		case "encodingID":
			if err = s.at(ch, 2, false); err == nil {
				haveEnc = true
				ce.EncodingID, err = p.token(ch)
			}
		case "configuredContent":
			if err = s.at(ch, 3, false); err == nil {
				ce.ConfiguredContent, err = p.content(ch)
			}
		default:
			return p.unknown("captureEncoding", ch)
		}
		return err
	})
	switch {
	case err != nil:
	case !haveCap:
		err = p.errf(el, "captureEncoding %q: missing <captureID>", ce.ID)
	case !haveEnc:
		err = p.errf(el, "captureEncoding %q: missing <encodingID>", ce.ID)
	}
	return ce, err
}

// xcard decodes an xcard:vcardType element. Property order is not checked
// (RFC 6351 interleave; DIGEST §9 #19); unknown vCard-namespace elements
// are ignored (RFC 6351 §5.1).
func (p *decoder) xcard(el xml.StartElement) (*XCard, error) {
	c := &XCard{}
	err := p.each(el, func(ch xml.StartElement) error {
		switch {
		case ch.Name.Space == NSVCard && ch.Name.Local == "fn":
			fn, err := p.fn(ch)
			c.FN = append(c.FN, fn)
			return err
		case ch.Name.Space == NSVCard && ch.Name.Local == "n":
			if c.N != nil {
				return p.errf(ch, "repeated <n> (cardinality *1, RFC 6350 §6.2.2)")
			}
			var err error
			c.N, err = p.n(ch)
			return err
		case ch.Name.Space == NSVCard:
			if _, ok := vcardRank[ch.Name.Local]; !ok {
				return p.skip(ch)
			}
		case ch.Name.Space == "" || ch.Name.Space == "xmlns" || ch.Name.Space == nsXMLNS:
			return p.skip(ch)
		}
		e, err := p.raw(ch)
		c.Other = append(c.Other, e)
		return err
	})
	if err == nil && len(c.FN) == 0 {
		err = p.errf(el, "xCard without <fn> (RFC 8846 §21.1.2)")
	}
	// Keep Other in the order the encoder writes (the XSD sequence), so
	// that decoding is canonical.
	sort.SliceStable(c.Other, func(i, j int) bool {
		ri, _ := xcardRank(c.Other[i].Name.Space, c.Other[i].Name.Local)
		rj, _ := xcardRank(c.Other[j].Name.Space, c.Other[j].Name.Local)
		return ri < rj
	})
	return c, err
}

func (p *decoder) fn(el xml.StartElement) (FN, error) {
	var fn FN
	var have bool
	err := p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSVCard {
			return p.skip(ch)
		}
		switch ch.Name.Local {
		case "parameters":
			e, err := p.raw(ch)
			fn.Params = &e
			return err
		case "text":
			if have {
				return p.errf(ch, "repeated <text>")
			}
			have = true
			var err error
			fn.Text, err = p.text(ch)
			return err
		}
		return p.skip(ch)
	})
	if err == nil && !have {
		err = p.errf(el, "missing <text>")
	}
	return fn, err
}

func (p *decoder) n(el xml.StartElement) (*N, error) {
	n := &N{}
	err := p.each(el, func(ch xml.StartElement) error {
		if ch.Name.Space != NSVCard {
			return p.skip(ch)
		}
		var dst *[]string
		switch ch.Name.Local {
		case "parameters":
			e, err := p.raw(ch)
			n.Params = &e
			return err
		case "surname":
			dst = &n.Surname
		case "given":
			dst = &n.Given
		case "additional":
			dst = &n.Additional
		case "prefix":
			dst = &n.Prefix
		case "suffix":
			dst = &n.Suffix
		default:
			return p.skip(ch)
		}
		v, err := p.text(ch)
		*dst = append(*dst, v)
		return err
	})
	return n, err
}
