package model

import "encoding/xml"

// XML namespaces (RFC 8846 §4, §26.1; RFC 6351 §3; XML Schema Part 1 §2.6).
const (
	// NSInfo is the CLUE data model namespace (RFC 8846 §26.1).
	NSInfo = "urn:ietf:params:xml:ns:clue-info"
	// NSVCard is the xCard namespace used by <personInfo> and
	// <sceneInformation> (RFC 6351 §3, RFC 8846 §21.1.2).
	NSVCard = "urn:ietf:params:xml:ns:vcard-4.0"
	// NSXSI is the XML Schema instance namespace that xsi:type lives in.
	NSXSI = "http://www.w3.org/2001/XMLSchema-instance"
	// NSXSIHTTPS is the misspelt schema-instance namespace every RFC 8847
	// example binds (an RFC-production http→https rewrite; DIGEST §9 #1). It
	// is accepted on input as an alias of NSXSI and never emitted.
	NSXSIHTTPS = "https://www.w3.org/2001/XMLSchema-instance"
	// nsXML is the namespace bound to the reserved prefix "xml".
	nsXML = "http://www.w3.org/XML/1998/namespace"
	// nsXMLNS is the namespace of namespace declarations; never an element or
	// attribute namespace.
	nsXMLNS = "http://www.w3.org/2000/xmlns/"
)

// CaptureType is the concrete schema type of a <mediaCapture>, carried in its
// xsi:type attribute: mediaCaptureType is abstract (RFC 8846 §11), so every
// capture is one of the four derived types (RFC 8846 §12–§15).
type CaptureType uint8

// The four concrete capture types of RFC 8846 §12–§15.
const (
	AudioCapture CaptureType = iota + 1 // audioCaptureType (RFC 8846 §12)
	VideoCapture                        // videoCaptureType (RFC 8846 §13)
	TextCapture                         // textCaptureType (RFC 8846 §14)
	OtherCapture                        // otherCaptureType (RFC 8846 §15)
)

var captureTypeNames = [...]string{
	AudioCapture: "audioCaptureType",
	VideoCapture: "videoCaptureType",
	TextCapture:  "textCaptureType",
	OtherCapture: "otherCaptureType",
}

// String returns the schema type name, e.g. "videoCaptureType".
func (t CaptureType) String() string {
	if t >= AudioCapture && t <= OtherCapture {
		return captureTypeNames[t]
	}
	return "invalidCaptureType"
}

func captureTypeByName(local string) (CaptureType, bool) {
	for t := AudioCapture; t <= OtherCapture; t++ {
		if captureTypeNames[t] == local {
			return t, true
		}
	}
	return 0, false
}

// Common mediaType attribute values (RFC 8846 §11.2).
const (
	MediaAudio = "audio"
	MediaVideo = "video"
	MediaText  = "text"
)

// Mobility is the <mobility> value (RFC 8846 §11.16, RFC 8845 §7.1.1.4).
type Mobility string

// The three mobilityType values (RFC 8846 §11.16).
const (
	Static        Mobility = "static"
	Dynamic       Mobility = "dynamic"
	HighlyDynamic Mobility = "highly-dynamic"
)

// Scale is a capture scene's scale attribute (RFC 8846 §16.4, RFC 8845 §6).
type Scale string

// The three scaleType values (RFC 8846 §16.4).
const (
	ScaleMM      Scale = "mm"
	ScaleUnknown Scale = "unknown"
	ScaleNone    Scale = "noscale"
)

// Advertisement is the CLUE data model content of an RFC 8847 advertisement
// (RFC 8847 §5.3): the six element groups in schema order. Empty optional
// groups are omitted on output.
type Advertisement struct {
	MediaCaptures    []MediaCapture    // <mediaCaptures>, at least one (RFC 8846 §5)
	EncodingGroups   []EncodingGroup   // <encodingGroups>, at least one (RFC 8846 §6)
	CaptureScenes    []CaptureScene    // <captureScenes>, at least one (RFC 8846 §7)
	SimultaneousSets []SimultaneousSet // <simultaneousSets>, optional (RFC 8846 §8)
	GlobalViews      []GlobalView      // <globalViews>, optional (RFC 8846 §9)
	People           []Person          // <people>, optional (RFC 8846 §21)
}

// ClueInfo is the <clueInfo> document (RFC 8846 §23). It exists only to test
// the data model: it is never sent in the protocol.
type ClueInfo struct {
	ClueInfoID string // required xs:ID
	Advertisement
	Ext     []Element  // extension elements (xs:any ##other)
	ExtAttr []xml.Attr // extension attributes (xs:anyAttribute ##other)
}

// MediaCapture is a <mediaCapture> (RFC 8846 §11). Fields are in schema order.
type MediaCapture struct {
	Type      CaptureType // xsi:type
	CaptureID string      // captureID attribute, xs:ID (§11.1)
	MediaType string      // mediaType attribute, e.g. "audio" (§11.2)

	CaptureSceneIDREF string // the scene that defines this capture (§11.3)

	// Exactly one of Spatial and NonSpatiallyDefinable (§11.5, §11.6).
	Spatial               *SpatialInformation
	NonSpatiallyDefinable bool

	// The MCC group (§11.7–§11.11); mutually exclusive with Individual (§11.12).
	SynchronizationID string       // xs:ID in the schema (DIGEST §9 #8: do not emit)
	Content           *Content     // nil: absent; empty: present without references
	Policy            string       // "token:index", e.g. "SoundLevel:0"
	MaxCaptures       *MaxCaptures // nil: all content may appear at once
	AllowSubsetChoice bool         // default false (§11.9); emitted only when true

	Individual bool // <individual>true</individual>: not an MCC (§11.12)

	EncGroupIDREF      string        // encoding group; without it not configurable (§11.4)
	Descriptions       []Description // one per language (§11.13)
	Priority           *uint32       // lower value = more important (§11.14)
	Lang               []string      // xs:language (§11.15)
	Mobility           Mobility      // "" when absent (§11.16)
	Presentation       string        // "" when absent (§11.19)
	EmbeddedText       *EmbeddedText // (§11.20)
	View               string        // "" when absent (§11.18)
	CapturedPeople     []string      // personIDREFs (§11.21)
	RelatedTo          string        // captureID of the related capture (§11.17)
	SensitivityPattern string        // audio captures only (§12.1)

	Ext     []Element  // extension elements of the concrete type (xs:any ##other)
	ExtAttr []xml.Attr // extension attributes of the concrete type (xs:anyAttribute ##other)
}

// IsMCC reports whether the capture is a Multiple Content Capture: it is
// not marked <individual> (RFC 8846 §11.12).
func (c *MediaCapture) IsMCC() bool { return !c.Individual }

// hasMCCFields reports whether any element of the MCC group is present.
func (c *MediaCapture) hasMCCFields() bool {
	return c.SynchronizationID != "" || c.Content != nil || c.Policy != "" ||
		c.MaxCaptures != nil || c.AllowSubsetChoice
}

// Point is a pointType: coordinates in the scene's coordinate system
// (RFC 8846 §11.5.1, RFC 8845 §6). They are xs:decimal on the wire, so they
// must be finite.
type Point struct{ X, Y, Z float64 }

// SpatialInformation is <spatialInformation> (RFC 8846 §11.5).
type SpatialInformation struct {
	CaptureOrigin *CaptureOrigin // mandatory for audio, optional for video (§11.5.1)
	CaptureArea   *CaptureArea   // mandatory for video, forbidden for audio (§11.5.2)
	Ext           []Element
	ExtAttr       []xml.Attr
}

// CaptureOrigin is <captureOrigin> (RFC 8846 §11.5.1, RFC 8845 §7.1.1.1–2).
type CaptureOrigin struct {
	CapturePoint       Point
	LineOfCapturePoint *Point // point on the line of capture; nil: absent
	ExtAttr            []xml.Attr
}

// CaptureArea is <captureArea>: four coplanar corners seen from the capture
// device (RFC 8846 §11.5.2, RFC 8845 §7.1.1.3).
type CaptureArea struct {
	BottomLeft, BottomRight, TopLeft, TopRight Point
}

// Content is <content> of an MCC (RFC 8846 §11.7) and <configuredContent>
// of a capture encoding (RFC 8846 §22.3).
type Content struct {
	MediaCaptureIDREFs []string // captureIDs
	SceneViewIDREFs    []string // shorthand for all captures of a scene view
	Ext                []Element
	ExtAttr            []xml.Attr
}

// MaxCaptures is <maxCaptures> (RFC 8846 §11.11, RFC 8845 §7.2.1.1).
type MaxCaptures struct {
	N           uint16 // at least 1
	ExactNumber bool   // exactNumber="true": always exactly N; emitted only when true
}

// Description is a human-readable <description> (RFC 8846 §11.13).
type Description struct {
	Lang string // xs:language, optional
	Text string // kept verbatim (xs:string)
}

// EmbeddedText is <embeddedText> (RFC 8846 §11.20).
type EmbeddedText struct {
	Value bool
	Lang  string
}

// CaptureScene is <captureScene> (RFC 8846 §16, RFC 8845 §7.3).
type CaptureScene struct {
	SceneID          string // xs:ID (§16.3)
	Scale            Scale  // required (§16.4)
	Descriptions     []Description
	SceneInformation *XCard      // (§16.1)
	SceneViews       []SceneView // always send at least one (§16.2; DIGEST §9 #9)
	Ext              []Element
	ExtAttr          []xml.Attr
}

// SceneView is <sceneView>, a capture scene view (RFC 8846 §17).
type SceneView struct {
	SceneViewID        string // xs:ID (§17.2)
	Descriptions       []Description
	MediaCaptureIDREFs []string // captures of one media type (§17.1)
}

// EncodingGroup is <encodingGroup> (RFC 8846 §18, RFC 8845 §9.2).
type EncodingGroup struct {
	EncodingGroupID   string   // xs:ID (§18.3)
	MaxGroupBandwidth uint64   // bits per second (§18.1)
	EncodingIDs       []string // <encodingIDList>: SDP a=label values (§18.2, RFC 8848 §4.4.1)
	Ext               []Element
	ExtAttr           []xml.Attr
}

// SimultaneousSet is <simultaneousSet> (RFC 8846 §19, RFC 8845 §8).
type SimultaneousSet struct {
	SetID              string // xs:ID (§19.1)
	MediaType          string // optional; required with scene references only (§19.2)
	MediaCaptureIDREFs []string
	SceneViewIDREFs    []string
	CaptureSceneIDREFs []string
	Ext                []Element
	ExtAttr            []xml.Attr
}

// GlobalView is <globalView> (RFC 8846 §20, RFC 8845 §7.4).
type GlobalView struct {
	GlobalViewID    string // optional xs:ID
	SceneViewIDREFs []string
	Ext             []Element
	ExtAttr         []xml.Attr
}

// Person is <person> (RFC 8846 §21.1).
type Person struct {
	PersonID    string   // xs:ID (§21.1.1)
	PersonInfo  *XCard   // (§21.1.2)
	PersonTypes []string // roles, no repeats (§21.1.3, RFC 8845 §7.1.1.11)
	Ext         []Element
	ExtAttr     []xml.Attr
}

// Registered <personType> values (RFC 8846 §21.1.3; RFC 8845 §7.1.1.11 also
// allows custom strings).
const (
	PersonPresenter   = "presenter"
	PersonTimekeeper  = "timekeeper"
	PersonAttendee    = "attendee"
	PersonMinuteTaker = "minute taker"
	PersonTranslator  = "translator"
	PersonChairman    = "chairman"
	PersonViceChair   = "vice-chairman"
	PersonObserver    = "observer"
)

// CaptureEncoding is <captureEncoding>, one requested stream in a configure
// (RFC 8846 §22, RFC 8845 §10).
type CaptureEncoding struct {
	ID                string   // xs:ID attribute "ID"
	CaptureID         string   // an advertised captureID (§22.1)
	EncodingID        string   // an advertised encodingID (§22.2)
	ConfiguredContent *Content // MCC subset (§22.3); nil: everything in the MCC
	Ext               []Element
	ExtAttr           []xml.Attr
}

// CaptureEncodings is the content of <captureEncodings> (RFC 8846 §10).
type CaptureEncodings []CaptureEncoding

// Element is an XML element kept verbatim: an extension element from another
// namespace (RFC 8846 §24) or an xCard property this package does not model.
// Text holds the character data; when the element has child elements, text
// is whitespace-trimmed and written before the children (mixed content is
// not preserved).
type Element struct {
	Name     xml.Name   // Space is the namespace URI
	Attr     []xml.Attr // no namespace declarations
	Text     string
	Children []Element
}
