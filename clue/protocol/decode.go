package protocol

import (
	"encoding/xml"
	"io"
	"math"
)

// Parse decodes one CLUE message (one SCTP user message, RFC 8850 §3.2) and
// checks it against the protocol schema (RFC 8847 §9; §7: "Both the client and
// the server have to test the compliance of the received messages with the
// XML schema of the CLUE protocol. If the compliance is not verified, the
// message cannot be processed further.") and against the prose rules of §5.
//
// On failure the error is a *ParseError carrying the 3xx code to answer with
// and, when the root element was recognised, the partially decoded message.
// Parse never panics and never fetches anything: no DTD, no external
// entities, no schemaLocation.
//
// What is accepted beyond the schema, on purpose:
//   - the xsi prefix bound to "https://www.w3.org/2001/XMLSchema-instance"
//     (every RFC 8847 example, DIGEST §9 #1) is read as the real XSI
//     namespace;
//   - elements and attributes in namespaces other than clue-protocol are
//     ignored wherever they appear (RFC 8847 §7, §8);
//   - in a message whose "v" is not 1.0 (a newer minor, RFC 8847 §7, or a
//     major we do not speak, which the state machine answers with 401),
//     unknown clue-protocol elements and attributes are ignored too.
func Parse(data []byte, opts *ParseOpts) (Message, error) {
	o := opts.withDefaults()
	truncated := false
	if len(data) > o.MaxSize {
		// Read the prefix anyway: its header lets the state machine address
		// the 300 response.
		data, truncated = data[:o.MaxSize], true
	}
	r := newReader(data, o.MaxDepth)
	m, err := r.parseMessage()
	if truncated {
		line, col := r.xd.InputPos()
		return nil, &ParseError{Code: CodeLowLevelError, Line: line, Col: col, Msg: "message larger than the size limit", Partial: r.msg}
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (r *reader) parseMessage() (Message, error) {
	var root xml.StartElement
prolog:
	for {
		t, err := r.next()
		if err == io.EOF {
			return nil, r.fail(CodeBadSyntax, "no root element")
		}
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			root = t
			break prolog
		case xml.CharData:
			if !isSpace(t) {
				return nil, r.fail(CodeBadSyntax, "text before the root element")
			}
		}
	}
	if root.Name.Space != NamespaceProtocol {
		return nil, r.fail(CodeBadSyntax, "root element <%s> is not in the %s namespace", root.Name.Local, NamespaceProtocol)
	}
	k := kindOf(root.Name.Local)
	if k == KindUnknown {
		return nil, r.fail(CodeBadSyntax, "unknown message <%s>", root.Name.Local)
	}
	r.msg = newMessage(k)
	if err := r.rootAttrs(root); err != nil {
		return nil, err
	}
	if err := r.sequence(root, specs[k]); err != nil {
		return nil, err
	}
	for {
		t, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.CharData:
			if !isSpace(t) {
				return nil, r.fail(CodeBadSyntax, "text after the root element")
			}
		default:
			return nil, r.fail(CodeBadSyntax, "content after the root element")
		}
	}
	if err := validateMessage(r.msg); err != nil {
		line, col := r.xd.InputPos()
		err.Line, err.Col, err.Partial = line, col, r.msg
		return nil, err
	}
	return r.msg, nil
}

// rootAttrs reads protocol and v (RFC 8847 §5, Figure 1).
func (r *reader) rootAttrs(root xml.StartElement) error {
	var proto, v string
	var haveProto, haveV bool
	var unknown string
	for _, a := range root.Attr {
		if _, ok := isNSDecl(a); ok || a.Name.Space != "" {
			continue // declarations; xsi:* and foreign attributes (RFC 8847 §8)
		}
		switch a.Name.Local {
		case "protocol":
			proto, haveProto = a.Value, true
		case "v":
			v, haveV = a.Value, true
		default:
			unknown = a.Name.Local
		}
	}
	if !haveV {
		return r.fail(CodeBadSyntax, "attribute v missing")
	}
	ver, err := ParseVersion(v)
	if err != nil {
		return r.failErr(CodeInvalidValue, err, "attribute v=%q", v)
	}
	h := r.msg.MsgHeader()
	h.V = ver
	// RFC 8847 §7: a minor version newer than ours is read by ignoring what we
	// do not know; only a 1.0 message is held to the 1.0 schema exactly.
	r.strict = ver == Version10
	if !haveProto {
		return r.fail(CodeBadSyntax, "attribute protocol missing")
	}
	if proto != protocolName {
		return r.fail(CodeInvalidValue, "attribute protocol=%q, must be %q", proto, protocolName)
	}
	if unknown != "" && r.strict {
		return r.fail(CodeBadSyntax, "attribute %q not allowed on <%s>", unknown, root.Name.Local)
	}
	return nil
}

// field is one element of a schema sequence.
type field struct {
	name     string
	min, max int // max 0 = unbounded
	read     func(r *reader, se xml.StartElement) error
}

// sequence reads the children of parent against an xs:sequence of
// clue-protocol elements (each message type ends with xs:any ##other, which
// is where foreign elements are allowed; we ignore them anywhere).
func (r *reader) sequence(parent xml.StartElement, fields []field) error {
	if len(fields) > 16 {
		panic("protocol: sequence too long") // programming error, specs are static
	}
	var counts [16]int
	i := 0
	for {
		t, err := r.nextIn()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.CharData:
			if !isSpace(t) {
				return r.fail(CodeBadSyntax, "text not allowed in <%s>", parent.Name.Local)
			}
		case xml.EndElement:
			for k := i; k < len(fields); k++ {
				if counts[k] < fields[k].min {
					return r.fail(CodeBadSyntax, "<%s> missing in <%s>", fields[k].name, parent.Name.Local)
				}
			}
			return nil
		case xml.StartElement:
			switch t.Name.Space {
			case NamespaceProtocol:
			case "":
				if r.strict {
					return r.fail(CodeBadSyntax, "element <%s> has no namespace", t.Name.Local)
				}
				if err := r.skip(); err != nil {
					return err
				}
				continue
			default:
				// RFC 8847 §8: "Elements or attributes from unknown
				// namespaces MUST be ignored."
				if err := r.skip(); err != nil {
					return err
				}
				continue
			}
			j := -1
			for k := range fields {
				if fields[k].name == t.Name.Local {
					j = k
					break
				}
			}
			if j < 0 {
				if r.strict {
					return r.fail(CodeBadSyntax, "unknown element <%s> in <%s>", t.Name.Local, parent.Name.Local)
				}
				if err := r.skip(); err != nil {
					return err
				}
				continue
			}
			if j < i {
				return r.fail(CodeBadSyntax, "<%s> out of order in <%s>", t.Name.Local, parent.Name.Local)
			}
			for k := i; k < j; k++ {
				if counts[k] < fields[k].min {
					return r.fail(CodeBadSyntax, "<%s> missing before <%s>", fields[k].name, t.Name.Local)
				}
			}
			i = j
			counts[j]++
			if fields[j].max > 0 && counts[j] > fields[j].max {
				return r.fail(CodeBadSyntax, "<%s> repeated in <%s>", t.Name.Local, parent.Name.Local)
			}
			if err := fields[j].read(r, t); err != nil {
				return err
			}
		}
	}
}

// ---- typed values ----

// positiveInteger reads xs:positiveInteger: optional "+", digits (leading
// zeros allowed), value ≥ 1. Values above 2^64-1 are valid XML but beyond this
// implementation: rejected with 302 (see Counter for why they cannot occur
// with a conforming peer that starts below 2^63).
func (r *reader) positiveInteger(se xml.StartElement) (uint64, error) {
	s, err := r.text(se)
	if err != nil {
		return 0, err
	}
	n, ok := parsePositive(collapse(s))
	if !ok {
		return 0, r.fail(CodeInvalidValue, "<%s>%s</%s> is not a positive integer below 2^64", se.Name.Local, s, se.Name.Local)
	}
	return n, nil
}

func parsePositive(s string) (uint64, bool) {
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, n > 0
}

// boolean reads xs:boolean: true, false, 1, 0.
func (r *reader) boolean(se xml.StartElement) (bool, error) {
	s, err := r.text(se)
	if err != nil {
		return false, err
	}
	switch collapse(s) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, r.fail(CodeInvalidValue, "<%s>%s</%s> is not a boolean", se.Name.Local, s, se.Name.Local)
}

func (r *reader) version(se xml.StartElement) (Version, error) {
	s, err := r.text(se)
	if err != nil {
		return Version{}, err
	}
	v, err := ParseVersion(s)
	if err != nil {
		return Version{}, r.failErr(CodeInvalidValue, err, "<%s>%s</%s>", se.Name.Local, s, se.Name.Local)
	}
	return v, nil
}

// code reads responseCodeType ([1-9][0-9][0-9], RFC 8847 §9) or, with
// success, successResponseCodeType (2[0-9][0-9]). RFC 8847 §5.7: in major
// version 1 only the classes 2, 3 and 4 may appear.
func (r *reader) code(se xml.StartElement, success bool) (Code, error) {
	s, err := r.text(se)
	if err != nil {
		return 0, err
	}
	c := collapse(s)
	ok := len(c) == 3 && c[0] >= '1' && c[0] <= '9' && c[1] >= '0' && c[1] <= '9' && c[2] >= '0' && c[2] <= '9'
	if !ok {
		return 0, r.fail(CodeInvalidValue, "<%s>%s</%s> is not a three-digit response code", se.Name.Local, s, se.Name.Local)
	}
	code := Code(int(c[0]-'0')*100 + int(c[1]-'0')*10 + int(c[2]-'0'))
	if success && !code.IsSuccess() {
		return 0, r.fail(CodeInvalidValue, "<%s>%s</%s> is not a success code (2xx)", se.Name.Local, s, se.Name.Local)
	}
	if v := r.msg.MsgHeader().V; !code.ValidFor(v.Major) {
		return 0, r.fail(CodeInvalidValue, "response code %d is not allowed in major version %d", code, v.Major)
	}
	return code, nil
}

// ---- the schema, RFC 8847 §9 ----

var headerFields = []field{
	{"clueId", 0, 1, func(r *reader, se xml.StartElement) error {
		s, err := r.text(se)
		r.msg.MsgHeader().ClueID = s
		return err
	}},
	{"sequenceNr", 1, 1, func(r *reader, se xml.StartElement) error {
		n, err := r.positiveInteger(se)
		r.msg.MsgHeader().SeqNr = n
		return err
	}},
}

func responseFields(resp func(Message) *Response) []field {
	return []field{
		{"responseCode", 1, 1, func(r *reader, se xml.StartElement) error {
			c, err := r.code(se, false)
			resp(r.msg).Code = c
			return err
		}},
		{"reasonString", 0, 1, func(r *reader, se xml.StartElement) error {
			s, err := r.text(se)
			resp(r.msg).Reason = s
			return err
		}},
	}
}

func concat(parts ...[]field) []field {
	var out []field
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// versionsListType: version+ (then xs:any).
var versionsListFields = []field{
	{"version", 1, 0, func(r *reader, se xml.StartElement) error {
		v, err := r.version(se)
		if err == nil {
			o := r.msg.(*Options)
			o.SupportedVersions = append(o.SupportedVersions, v)
		}
		return err
	}},
}

// extensionsListType / extensionType (RFC 8847 §8, Figure 12).
func extensionsList(list func(Message) *[]Extension) []field {
	return []field{
		{"extension", 1, 0, func(r *reader, se xml.StartElement) error {
			if err := r.checkAttrs(se); err != nil {
				return err
			}
			l := list(r.msg)
			*l = append(*l, Extension{})
			ext := &(*l)[len(*l)-1]
			return r.sequence(se, []field{
				{"name", 1, 1, func(r *reader, se xml.StartElement) error {
					s, err := r.text(se)
					ext.Name = s
					return err
				}},
				{"schemaRef", 1, 1, func(r *reader, se xml.StartElement) error {
					s, err := r.text(se)
					ext.SchemaRef = collapse(s) // xs:anyURI collapses whitespace
					return err
				}},
				{"version", 1, 1, func(r *reader, se xml.StartElement) error {
					v, err := r.version(se)
					ext.Version = v
					return err
				}},
			})
		}},
	}
}

func listField(name string, min int, inner []field) field {
	return field{name, min, 1, func(r *reader, se xml.StartElement) error {
		if err := r.checkAttrs(se); err != nil {
			return err
		}
		return r.sequence(se, inner)
	}}
}

var specs [KindConfigureResponse + 1][]field

func init() {
	optExt := extensionsList(func(m Message) *[]Extension { return &m.(*Options).SupportedExtensions })
	respExt := extensionsList(func(m Message) *[]Extension { return &m.(*OptionsResponse).CommonExtensions })

	specs[KindOptions] = concat(headerFields, []field{
		{"mediaProvider", 1, 1, func(r *reader, se xml.StartElement) error {
			b, err := r.boolean(se)
			r.msg.(*Options).MediaProvider = b
			return err
		}},
		{"mediaConsumer", 1, 1, func(r *reader, se xml.StartElement) error {
			b, err := r.boolean(se)
			r.msg.(*Options).MediaConsumer = b
			return err
		}},
		listField("supportedVersions", 0, versionsListFields),
		listField("supportedExtensions", 0, optExt),
	})

	specs[KindOptionsResponse] = concat(headerFields,
		responseFields(func(m Message) *Response { return &m.(*OptionsResponse).Response }),
		[]field{
			{"mediaProvider", 0, 1, func(r *reader, se xml.StartElement) error {
				b, err := r.boolean(se)
				if err == nil {
					r.msg.(*OptionsResponse).MediaProvider = &b
				}
				return err
			}},
			{"mediaConsumer", 0, 1, func(r *reader, se xml.StartElement) error {
				b, err := r.boolean(se)
				if err == nil {
					r.msg.(*OptionsResponse).MediaConsumer = &b
				}
				return err
			}},
			{"version", 0, 1, func(r *reader, se xml.StartElement) error {
				v, err := r.version(se)
				r.msg.(*OptionsResponse).Version = v
				return err
			}},
			listField("commonExtensions", 0, respExt),
		})

	adv := []field{}
	for i, g := range advGroups {
		min := 0
		if g.mandatory {
			min = 1
		}
		adv = append(adv, field{g.container, min, 1, func(r *reader, se xml.StartElement) error {
			if err := r.checkAttrs(se); err != nil {
				return err
			}
			return decodeAdvertisementGroup(r, se, &r.msg.(*Advertisement).Body, i)
		}})
	}
	specs[KindAdvertisement] = concat(headerFields, adv)

	specs[KindAck] = concat(headerFields,
		responseFields(func(m Message) *Response { return &m.(*Ack).Response }),
		[]field{{"advSequenceNr", 1, 1, func(r *reader, se xml.StartElement) error {
			n, err := r.positiveInteger(se)
			r.msg.(*Ack).AdvSeqNr = n
			return err
		}}})

	specs[KindConfigure] = concat(headerFields, []field{
		{"advSequenceNr", 1, 1, func(r *reader, se xml.StartElement) error {
			n, err := r.positiveInteger(se)
			r.msg.(*Configure).AdvSeqNr = n
			return err
		}},
		{"ack", 0, 1, func(r *reader, se xml.StartElement) error {
			c, err := r.code(se, true)
			r.msg.(*Configure).Ack = c
			return err
		}},
		{"captureEncodings", 0, 1, func(r *reader, se xml.StartElement) error {
			if err := r.checkAttrs(se); err != nil {
				return err
			}
			return decodeCaptureEncodings(r, se, &r.msg.(*Configure).Body)
		}},
	})

	specs[KindConfigureResponse] = concat(headerFields,
		responseFields(func(m Message) *Response { return &m.(*ConfigureResponse).Response }),
		[]field{{"confSequenceNr", 1, 1, func(r *reader, se xml.StartElement) error {
			n, err := r.positiveInteger(se)
			r.msg.(*ConfigureResponse).ConfSeqNr = n
			return err
		}}})
}

// validateMessage checks the prose rules of RFC 8847 §5 that the schema
// cannot express. Violations are 303 (values that cannot be used together).
func validateMessage(m Message) *ParseError {
	switch m := m.(type) {
	case *Options:
		// RFC 8847 §5.1: "Exactly one <version> element MUST be provided for
		// each major version supported".
		for i, v := range m.SupportedVersions {
			for _, w := range m.SupportedVersions[:i] {
				if v.Major == w.Major {
					return &ParseError{Code: CodeConflictingValues, Msg: "supportedVersions lists major " + v.String() + " twice"}
				}
			}
		}
		// The "v" of the options message is a version the CI speaks: with a
		// list, it must be covered by the list (§5.1 "SHOULD be set to the
		// largest minor version of the smallest major version").
		if len(m.SupportedVersions) > 0 && !supports(m.SupportedVersions, m.V) {
			return &ParseError{Code: CodeConflictingValues, Msg: "v=" + m.V.String() + " is not among supportedVersions"}
		}
		// RFC 8847 §8: an extension names "the major standard version of the
		// protocol that the extension refers to": one the CI supports.
		declared := DeclaredVersions(m.V, m.SupportedVersions)
		for _, e := range m.SupportedExtensions {
			if !supportsMajor(declared, e.Version.Major) {
				return &ParseError{Code: CodeConflictingValues, Msg: "extension " + e.Name + " refers to version " + e.Version.String() + ", which the options do not support"}
			}
		}
	case *OptionsResponse:
		// RFC 8847 §5.2: "If the responseCode is between 200 and 299
		// inclusive, the response MUST also include <mediaProvider>,
		// <mediaConsumer>, <version>, and <commonExtensions> elements".
		// commonExtensions is not required: its type needs at least one
		// <extension>, so an empty set can only be expressed by leaving it
		// out (as RFC 8847 §10.2 does).
		if m.Code.IsSuccess() && (m.MediaProvider == nil || m.MediaConsumer == nil || m.Version.IsZero()) {
			return &ParseError{Code: CodeConflictingValues, Msg: "successful optionsResponse without mediaProvider, mediaConsumer and version"}
		}
	}
	return nil
}

func supportsMajor(list []Version, major uint32) bool {
	for _, v := range list {
		if v.Major == major {
			return true
		}
	}
	return false
}
