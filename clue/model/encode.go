package model

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Namespaces tells the encoder which prefixes are bound where the model's
// elements are written. encoding/xml cannot choose prefixes (it would put an
// xmlns="…" on every element), so this package writes literal prefixed
// names through xml.Encoder.EncodeToken and relies on the caller having
// declared the bindings: put ns.Declarations() on the enclosing root element.
type Namespaces struct {
	// Container is the prefix of the group containers (<mediaCaptures>, …,
	// <captureEncodings>). In RFC 8847 messages they are clue-protocol
	// elements, so this is the caller's clue-protocol prefix ("" when
	// clue-protocol is the default namespace); in <clueInfo> it equals Info.
	Container string
	// Info is the prefix bound to NSInfo; "" means NSInfo is the default
	// namespace (the compact form the RFC examples use).
	Info string
	// XSI is the prefix bound to NSXSI. If "", each <mediaCapture> declares
	// xmlns:xsi itself (as the RFC examples do).
	XSI string
	// VCard is the prefix bound to NSVCard. If "", each xCard element
	// (<personInfo>, <sceneInformation>) declares xmlns:xcard itself.
	VCard string
}

// Declarations returns the namespace declarations for Info, XSI and VCard
// (when non-empty), to be added to the caller's root element. The caller
// declares its own Container namespace.
func (ns Namespaces) Declarations() []xml.Attr {
	var a []xml.Attr
	if ns.Info == "" {
		a = append(a, xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: NSInfo})
	} else {
		a = append(a, xml.Attr{Name: xml.Name{Local: "xmlns:" + ns.Info}, Value: NSInfo})
	}
	if ns.XSI != "" {
		// RFC 8847 examples bind https://…; we always emit http:// (DIGEST §9 #1).
		a = append(a, xml.Attr{Name: xml.Name{Local: "xmlns:" + ns.XSI}, Value: NSXSI})
	}
	if ns.VCard != "" {
		a = append(a, xml.Attr{Name: xml.Name{Local: "xmlns:" + ns.VCard}, Value: NSVCard})
	}
	return a
}

// Group names one of the element groups that RFC 8847 messages carry.
type Group uint8

// The six advertisement groups in schema order (RFC 8847 §5.3) and the
// configure's <captureEncodings> (RFC 8847 §5.5).
const (
	GroupMediaCaptures Group = iota + 1
	GroupEncodingGroups
	GroupCaptureScenes
	GroupSimultaneousSets
	GroupGlobalViews
	GroupPeople
	GroupCaptureEncodings
)

var groupNames = [...]string{
	GroupMediaCaptures:    "mediaCaptures",
	GroupEncodingGroups:   "encodingGroups",
	GroupCaptureScenes:    "captureScenes",
	GroupSimultaneousSets: "simultaneousSets",
	GroupGlobalViews:      "globalViews",
	GroupPeople:           "people",
	GroupCaptureEncodings: "captureEncodings",
}

// String returns the container's local name, e.g. "mediaCaptures".
func (g Group) String() string {
	if g >= GroupMediaCaptures && g <= GroupCaptureEncodings {
		return groupNames[g]
	}
	return "invalidGroup"
}

// GroupByName returns the group whose container has the local name.
func GroupByName(local string) (Group, bool) {
	for g := GroupMediaCaptures; g <= GroupCaptureEncodings; g++ {
		if groupNames[g] == local {
			return g, true
		}
	}
	return 0, false
}

// Marshal encodes a <clueInfo> document (XML declaration, no indentation),
// with clue-info as the default namespace and xsi (and xcard, when an xCard
// is present) declared on the root.
func Marshal(ci *ClueInfo) ([]byte, error) {
	var b bytes.Buffer
	if err := Encode(&b, ci); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Encode writes a <clueInfo> document to w, like Marshal.
func Encode(w io.Writer, ci *ClueInfo) error {
	if _, err := io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"); err != nil {
		return err
	}
	e := xml.NewEncoder(w)
	if err := EncodeClueInfo(e, ci); err != nil {
		return err
	}
	return e.Flush()
}

// EncodeClueInfo writes the <clueInfo> element into e (no XML declaration,
// no Flush).
func EncodeClueInfo(e *xml.Encoder, ci *ClueInfo) error {
	ns := Namespaces{XSI: "xsi"}
	if ci.hasXCard() {
		ns.VCard = "xcard"
	}
	w := newWriter(e, ns)
	attrs := ns.Declarations()
	attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "clueInfoID"}, Value: ci.ClueInfoID})
	attrs = w.extAttrs(attrs, ci.ExtAttr)
	w.start("clueInfo", attrs)
	for g := GroupMediaCaptures; g <= GroupPeople; g++ {
		w.group(&ci.Advertisement, g)
	}
	w.elements(ci.Ext)
	w.end("clueInfo")
	return w.err
}

func (ci *ClueInfo) hasXCard() bool {
	for i := range ci.CaptureScenes {
		if ci.CaptureScenes[i].SceneInformation != nil {
			return true
		}
	}
	for i := range ci.People {
		if ci.People[i].PersonInfo != nil {
			return true
		}
	}
	return false
}

// EncodeGroups writes the advertisement's groups into e in schema order
// (RFC 8847 §5.3): the three mandatory containers always, the optional ones
// when non-empty. The caller has declared ns's prefixes (see Namespaces).
func (a *Advertisement) EncodeGroups(e *xml.Encoder, ns Namespaces) error {
	w := newWriter(e, ns)
	for g := GroupMediaCaptures; g <= GroupPeople; g++ {
		w.group(a, g)
	}
	return w.err
}

// EncodeGroup writes one group container (and its children) into e. An
// optional group that is empty writes nothing; GroupCaptureEncodings is
// not part of an Advertisement (use CaptureEncodings.Encode).
func (a *Advertisement) EncodeGroup(e *xml.Encoder, ns Namespaces, g Group) error {
	if g < GroupMediaCaptures || g > GroupPeople {
		return fmt.Errorf("model: %v is not an advertisement group", g)
	}
	w := newWriter(e, ns)
	w.group(a, g)
	return w.err
}

// Encode writes <captureEncodings> (container named with ns.Container) into
// e. The schema requires at least one <captureEncoding>; for "request
// nothing" leave the element out of the configure (DIGEST §3.3).
func (c CaptureEncodings) Encode(e *xml.Encoder, ns Namespaces) error {
	if len(c) == 0 {
		return errors.New("model: <captureEncodings> needs at least one captureEncoding (omit it to request nothing)")
	}
	w := newWriter(e, ns)
	name := w.qc("captureEncodings")
	w.start(name, nil)
	for i := range c {
		w.captureEncoding(&c[i])
	}
	w.end(name)
	return w.err
}

// writer emits model elements as tokens with literal prefixes.
type writer struct {
	e     *xml.Encoder
	ns    Namespaces
	names map[string]string // local → prefixed (only when ns.Info != "")
	vcard string            // vcard prefix in scope, "" if none

	// default namespace in scope (tracked for verbatim elements)
	dflt      string
	dfltKnown bool

	num []byte
	err error
}

func newWriter(e *xml.Encoder, ns Namespaces) *writer {
	w := &writer{e: e, ns: ns, vcard: ns.VCard}
	if ns.Info == "" {
		w.dflt, w.dfltKnown = NSInfo, true
	}
	return w
}

// q returns the qualified name of a clue-info element.
func (w *writer) q(local string) string {
	if w.ns.Info == "" {
		return local
	}
	if n, ok := w.names[local]; ok {
		return n
	}
	if w.names == nil {
		w.names = make(map[string]string)
	}
	n := w.ns.Info + ":" + local
	w.names[local] = n
	return n
}

// qc returns the qualified name of a group container.
func (w *writer) qc(local string) string {
	if w.ns.Container == "" {
		return local
	}
	return w.ns.Container + ":" + local
}

func (w *writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *writer) start(name string, attrs []xml.Attr) {
	if w.err != nil {
		return
	}
	w.fail(w.e.EncodeToken(xml.StartElement{Name: xml.Name{Local: name}, Attr: attrs}))
}

func (w *writer) end(name string) {
	if w.err != nil {
		return
	}
	w.fail(w.e.EncodeToken(xml.EndElement{Name: xml.Name{Local: name}}))
}

func (w *writer) chars(b []byte) {
	if w.err != nil || len(b) == 0 {
		return
	}
	w.fail(w.e.EncodeToken(xml.CharData(b)))
}

// simple writes a clue-info element with text content.
func (w *writer) simple(local, text string) {
	n := w.q(local)
	w.start(n, nil)
	w.chars([]byte(text))
	w.end(n)
}

func (w *writer) optSimple(local, text string) {
	if text != "" {
		w.simple(local, text)
	}
}

func (w *writer) list(local string, vals []string) {
	for _, v := range vals {
		w.simple(local, v)
	}
}

func (w *writer) boolean(local string, v bool) {
	if v {
		w.simple(local, "true")
	} else {
		w.simple(local, "false")
	}
}

func (w *writer) uint(local string, v uint64) {
	w.num = strconv.AppendUint(w.num[:0], v, 10)
	n := w.q(local)
	w.start(n, nil)
	w.chars(w.num)
	w.end(n)
}

// decimal writes an xs:decimal (no exponent; NaN and infinities have no
// lexical form, RFC 8846 §11.5.1 pointType).
func (w *writer) decimal(local string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		w.fail(fmt.Errorf("model: <%s>: %v is not an xs:decimal", local, v))
		return
	}
	w.num = strconv.AppendFloat(w.num[:0], v, 'f', -1, 64)
	n := w.q(local)
	w.start(n, nil)
	w.chars(w.num)
	w.end(n)
}

func attr(local, value string) xml.Attr {
	return xml.Attr{Name: xml.Name{Local: local}, Value: value}
}

// extAttrs appends namespaced extension attributes with the declarations
// their prefixes need.
func (w *writer) extAttrs(dst []xml.Attr, ext []xml.Attr) []xml.Attr {
	var decl []string // uri per generated prefix index
	for _, a := range ext {
		switch {
		case a.Name.Local == "":
			continue
		case a.Name.Space == "":
			dst = append(dst, a)
		case a.Name.Space == nsXML:
			dst = append(dst, attr("xml:"+a.Name.Local, a.Value))
		case a.Name.Space == NSXSI && w.ns.XSI != "":
			dst = append(dst, attr(w.ns.XSI+":"+a.Name.Local, a.Value))
		default:
			i := 0
			for i < len(decl) && decl[i] != a.Name.Space {
				i++
			}
			if i == len(decl) {
				decl = append(decl, a.Name.Space)
				dst = append(dst, attr("xmlns:"+w.genPrefix(i), a.Name.Space))
			}
			dst = append(dst, attr(w.genPrefix(i)+":"+a.Name.Local, a.Value))
		}
	}
	return dst
}

// genPrefix returns the i-th prefix for locally declared extension
// namespaces, avoiding the prefixes in ns.
func (w *writer) genPrefix(i int) string {
	for n := 0; ; n++ {
		p := "x" + strconv.Itoa(n)
		if p == w.ns.Info || p == w.ns.XSI || p == w.ns.VCard || p == w.ns.Container || p == w.vcard {
			continue
		}
		if i == 0 {
			return p
		}
		i--
	}
}

// elements writes verbatim elements.
func (w *writer) elements(els []Element) {
	for i := range els {
		w.element(&els[i])
	}
}

func (w *writer) element(el *Element) {
	if w.err != nil {
		return
	}
	var attrs []xml.Attr
	name := el.Name.Local
	saveDflt, saveKnown := w.dflt, w.dfltKnown
	switch {
	case el.Name.Space == NSInfo && w.ns.Info != "":
		name = w.ns.Info + ":" + name
	case el.Name.Space == NSVCard && w.vcard != "":
		name = w.vcard + ":" + name
	case w.dfltKnown && el.Name.Space == w.dflt:
	default:
		attrs = append(attrs, attr("xmlns", el.Name.Space))
		w.dflt, w.dfltKnown = el.Name.Space, true
	}
	attrs = w.extAttrs(attrs, el.Attr)
	w.start(name, attrs)
	w.chars([]byte(el.Text))
	w.elements(el.Children)
	w.end(name)
	w.dflt, w.dfltKnown = saveDflt, saveKnown
}

func (w *writer) group(a *Advertisement, g Group) {
	name := w.qc(g.String())
	switch g {
	case GroupMediaCaptures:
		w.start(name, nil)
		for i := range a.MediaCaptures {
			w.mediaCapture(&a.MediaCaptures[i])
		}
	case GroupEncodingGroups:
		w.start(name, nil)
		for i := range a.EncodingGroups {
			w.encodingGroup(&a.EncodingGroups[i])
		}
	case GroupCaptureScenes:
		w.start(name, nil)
		for i := range a.CaptureScenes {
			w.captureScene(&a.CaptureScenes[i])
		}
	case GroupSimultaneousSets:
		if len(a.SimultaneousSets) == 0 {
			return
		}
		w.start(name, nil)
		for i := range a.SimultaneousSets {
			w.simultaneousSet(&a.SimultaneousSets[i])
		}
	case GroupGlobalViews:
		if len(a.GlobalViews) == 0 {
			return
		}
		w.start(name, nil)
		for i := range a.GlobalViews {
			w.globalView(&a.GlobalViews[i])
		}
	case GroupPeople:
		if len(a.People) == 0 {
			return
		}
		w.start(name, nil)
		for i := range a.People {
			w.person(&a.People[i])
		}
	}
	w.end(name)
}

func (w *writer) mediaCapture(c *MediaCapture) {
	if c.Type < AudioCapture || c.Type > OtherCapture {
		w.fail(fmt.Errorf("model: mediaCapture %q: no capture type (xsi:type is required, RFC 8846 §11)", c.CaptureID))
		return
	}
	attrs := make([]xml.Attr, 0, 4+len(c.ExtAttr))
	xsi := w.ns.XSI
	if xsi == "" {
		xsi = "xsi"
		attrs = append(attrs, attr("xmlns:xsi", NSXSI))
	}
	// xsi:type is a QName: its prefix must be the one bound to clue-info.
	typ := c.Type.String()
	if w.ns.Info != "" {
		typ = w.ns.Info + ":" + typ
	}
	attrs = append(attrs, attr(xsi+":type", typ), attr("captureID", c.CaptureID), attr("mediaType", c.MediaType))
	attrs = w.extAttrs(attrs, c.ExtAttr)
	name := w.q("mediaCapture")
	w.start(name, attrs)

	w.simple("captureSceneIDREF", c.CaptureSceneIDREF)
	if c.Spatial != nil {
		w.spatial(c.Spatial)
	}
	if c.NonSpatiallyDefinable {
		w.simple("nonSpatiallyDefinable", "true")
	}
	w.optSimple("synchronizationID", c.SynchronizationID)
	if c.Content != nil {
		w.content("content", c.Content)
	}
	w.optSimple("policy", c.Policy)
	if m := c.MaxCaptures; m != nil {
		var a []xml.Attr
		if m.ExactNumber {
			a = []xml.Attr{attr("exactNumber", "true")}
		}
		n := w.q("maxCaptures")
		w.start(n, a)
		w.num = strconv.AppendUint(w.num[:0], uint64(m.N), 10)
		w.chars(w.num)
		w.end(n)
	}
	if c.AllowSubsetChoice {
		w.simple("allowSubsetChoice", "true")
	}
	if c.Individual {
		w.simple("individual", "true")
	}
	w.optSimple("encGroupIDREF", c.EncGroupIDREF)
	w.descriptions(c.Descriptions)
	if c.Priority != nil {
		w.uint("priority", uint64(*c.Priority))
	}
	w.list("lang", c.Lang)
	w.optSimple("mobility", string(c.Mobility))
	w.optSimple("presentation", c.Presentation)
	if t := c.EmbeddedText; t != nil {
		var a []xml.Attr
		if t.Lang != "" {
			a = []xml.Attr{attr("lang", t.Lang)}
		}
		n := w.q("embeddedText")
		w.start(n, a)
		if t.Value {
			w.chars([]byte("true"))
		} else {
			w.chars([]byte("false"))
		}
		w.end(n)
	}
	w.optSimple("view", c.View)
	if len(c.CapturedPeople) > 0 {
		n := w.q("capturedPeople")
		w.start(n, nil)
		w.list("personIDREF", c.CapturedPeople)
		w.end(n)
	}
	w.optSimple("relatedTo", c.RelatedTo)
	w.optSimple("sensitivityPattern", c.SensitivityPattern)
	w.elements(c.Ext)
	w.end(name)
}

func (w *writer) descriptions(ds []Description) {
	for _, d := range ds {
		var a []xml.Attr
		if d.Lang != "" {
			a = []xml.Attr{attr("lang", d.Lang)}
		}
		n := w.q("description")
		w.start(n, a)
		w.chars([]byte(d.Text))
		w.end(n)
	}
}

func (w *writer) spatial(s *SpatialInformation) {
	n := w.q("spatialInformation")
	w.start(n, w.extAttrs(nil, s.ExtAttr))
	if o := s.CaptureOrigin; o != nil {
		on := w.q("captureOrigin")
		w.start(on, w.extAttrs(nil, o.ExtAttr))
		w.point("capturePoint", &o.CapturePoint)
		if o.LineOfCapturePoint != nil {
			w.point("lineOfCapturePoint", o.LineOfCapturePoint)
		}
		w.end(on)
	}
	if a := s.CaptureArea; a != nil {
		an := w.q("captureArea")
		w.start(an, nil)
		w.point("bottomLeft", &a.BottomLeft)
		w.point("bottomRight", &a.BottomRight)
		w.point("topLeft", &a.TopLeft)
		w.point("topRight", &a.TopRight)
		w.end(an)
	}
	w.elements(s.Ext)
	w.end(n)
}

func (w *writer) point(local string, p *Point) {
	n := w.q(local)
	w.start(n, nil)
	w.decimal("x", p.X)
	w.decimal("y", p.Y)
	w.decimal("z", p.Z)
	w.end(n)
}

func (w *writer) content(local string, c *Content) {
	n := w.q(local)
	w.start(n, w.extAttrs(nil, c.ExtAttr))
	w.list("mediaCaptureIDREF", c.MediaCaptureIDREFs)
	w.list("sceneViewIDREF", c.SceneViewIDREFs)
	w.elements(c.Ext)
	w.end(n)
}

func (w *writer) captureScene(s *CaptureScene) {
	attrs := []xml.Attr{attr("sceneID", s.SceneID), attr("scale", string(s.Scale))}
	attrs = w.extAttrs(attrs, s.ExtAttr)
	n := w.q("captureScene")
	w.start(n, attrs)
	w.descriptions(s.Descriptions)
	if s.SceneInformation != nil {
		w.xcard("sceneInformation", s.SceneInformation)
	}
	if len(s.SceneViews) > 0 {
		vn := w.q("sceneViews")
		w.start(vn, nil)
		for i := range s.SceneViews {
			v := &s.SceneViews[i]
			sn := w.q("sceneView")
			w.start(sn, []xml.Attr{attr("sceneViewID", v.SceneViewID)})
			w.descriptions(v.Descriptions)
			ln := w.q("mediaCaptureIDs")
			w.start(ln, nil)
			w.list("mediaCaptureIDREF", v.MediaCaptureIDREFs)
			w.end(ln)
			w.end(sn)
		}
		w.end(vn)
	}
	w.elements(s.Ext)
	w.end(n)
}

func (w *writer) encodingGroup(g *EncodingGroup) {
	attrs := w.extAttrs([]xml.Attr{attr("encodingGroupID", g.EncodingGroupID)}, g.ExtAttr)
	n := w.q("encodingGroup")
	w.start(n, attrs)
	w.uint("maxGroupBandwidth", g.MaxGroupBandwidth)
	ln := w.q("encodingIDList")
	w.start(ln, nil)
	w.list("encodingID", g.EncodingIDs)
	w.end(ln)
	w.elements(g.Ext)
	w.end(n)
}

func (w *writer) simultaneousSet(s *SimultaneousSet) {
	attrs := []xml.Attr{attr("setID", s.SetID)}
	if s.MediaType != "" {
		attrs = append(attrs, attr("mediaType", s.MediaType))
	}
	attrs = w.extAttrs(attrs, s.ExtAttr)
	n := w.q("simultaneousSet")
	w.start(n, attrs)
	w.list("mediaCaptureIDREF", s.MediaCaptureIDREFs)
	w.list("sceneViewIDREF", s.SceneViewIDREFs)
	w.list("captureSceneIDREF", s.CaptureSceneIDREFs)
	w.elements(s.Ext)
	w.end(n)
}

func (w *writer) globalView(g *GlobalView) {
	var attrs []xml.Attr
	if g.GlobalViewID != "" {
		attrs = append(attrs, attr("globalViewID", g.GlobalViewID))
	}
	attrs = w.extAttrs(attrs, g.ExtAttr)
	n := w.q("globalView")
	w.start(n, attrs)
	w.list("sceneViewIDREF", g.SceneViewIDREFs)
	w.elements(g.Ext)
	w.end(n)
}

func (w *writer) person(p *Person) {
	attrs := w.extAttrs([]xml.Attr{attr("personID", p.PersonID)}, p.ExtAttr)
	n := w.q("person")
	w.start(n, attrs)
	if p.PersonInfo != nil {
		w.xcard("personInfo", p.PersonInfo)
	}
	w.list("personType", p.PersonTypes)
	w.elements(p.Ext)
	w.end(n)
}

func (w *writer) captureEncoding(c *CaptureEncoding) {
	attrs := w.extAttrs([]xml.Attr{attr("ID", c.ID)}, c.ExtAttr)
	n := w.q("captureEncoding")
	w.start(n, attrs)
	w.simple("captureID", c.CaptureID)
	w.simple("encodingID", c.EncodingID)
	if c.ConfiguredContent != nil {
		w.content("configuredContent", c.ConfiguredContent)
	}
	w.elements(c.Ext)
	w.end(n)
}

// xcard writes an xcard:vcardType element; properties in XSD order
// (DIGEST §9 #19).
func (w *writer) xcard(local string, c *XCard) {
	var attrs []xml.Attr
	save := w.vcard
	if w.vcard == "" {
		w.vcard = "xcard"
		attrs = []xml.Attr{attr("xmlns:xcard", NSVCard)}
	}
	n := w.q(local)
	w.start(n, attrs)
	p := w.vcard + ":"
	for _, it := range c.items() {
		switch {
		case it.fn != nil:
			w.start(p+"fn", nil)
			if it.fn.Params != nil {
				w.element(it.fn.Params)
			}
			w.vtext(p+"text", it.fn.Text)
			w.end(p + "fn")
		case it.n != nil:
			w.start(p+"n", nil)
			if it.n.Params != nil {
				w.element(it.n.Params)
			}
			for _, s := range it.n.Surname {
				w.vtext(p+"surname", s)
			}
			for _, s := range it.n.Given {
				w.vtext(p+"given", s)
			}
			for _, s := range it.n.Additional {
				w.vtext(p+"additional", s)
			}
			for _, s := range it.n.Prefix {
				w.vtext(p+"prefix", s)
			}
			for _, s := range it.n.Suffix {
				w.vtext(p+"suffix", s)
			}
			w.end(p + "n")
		default:
			w.element(it.el)
		}
	}
	w.end(n)
	w.vcard = save
}

func (w *writer) vtext(name, text string) {
	w.start(name, nil)
	w.chars([]byte(text))
	w.end(name)
}
