// Package model is the CLUE data model of RFC 8846 (semantics from RFC 8845):
// Go types, XML encoding and decoding with exact namespace handling, and
// semantic validation beyond the XML schema. It is pure and stdlib-only.
//
// # Types
//
//   - [Advertisement]: the six element groups an RFC 8847 advertisement
//     carries, in schema order: MediaCaptures, EncodingGroups, CaptureScenes
//     (mandatory), SimultaneousSets, GlobalViews, People (optional).
//   - [CaptureEncodings]: the content of a configure's <captureEncodings>.
//   - [ClueInfo]: the test-only <clueInfo> document (RFC 8846 §23): an ID
//     plus an Advertisement.
//   - [MediaCapture] (audio, video, text, other: [CaptureType] is the
//     xsi:type), [SpatialInformation], [Content], [CaptureScene],
//     [SceneView], [EncodingGroup], [SimultaneousSet], [GlobalView],
//     [Person], [XCard], [CaptureEncoding].
//   - [Element]: an XML element kept verbatim — extension elements (RFC 8846
//     §24) in the Ext fields, unmodelled xCard properties in XCard.Other.
//     Extension attributes live in the ExtAttr fields. Both are kept only
//     where the schema has xs:any / xs:anyAttribute; elsewhere elements and
//     attributes from other namespaces are ignored, as RFC 8846 §24 requires.
//
// Field names follow the schema; optional single values are pointers or
// zero values ("" for an absent string), lists are nil when empty.
//
// # Embedding in protocol messages (the API clue/protocol uses)
//
// In RFC 8847 messages the group containers (<mediaCaptures>, …,
// <captureEncodings>) are clue-protocol elements whose children are
// clue-info elements (RFC 8847 §9). The groups are therefore read from and
// written into a caller-owned encoding/xml stream.
//
// Writing: encoding/xml cannot choose namespace prefixes, so this package
// writes literal prefixed names through xml.Encoder.EncodeToken and the
// caller declares the bindings on its root element. [Namespaces] names the
// prefixes; [Namespaces.Declarations] returns the xmlns attributes for the
// clue-info, xsi and vcard ones. The compact layout of the RFC examples is
// clue-protocol prefixed and clue-info as the default namespace:
//
//	ns := model.Namespaces{Container: "p", XSI: "xsi"} // Info "": default namespace
//	attrs := append([]xml.Attr{
//		{Name: xml.Name{Local: "xmlns:p"}, Value: "urn:ietf:params:xml:ns:clue-protocol"},
//	}, ns.Declarations()...)
//	attrs = append(attrs, protocolAttr, vAttr)
//	enc.EncodeToken(xml.StartElement{Name: xml.Name{Local: "p:advertisement"}, Attr: attrs})
//	// … <p:clueId>, <p:sequenceNr> …
//	err := adv.EncodeGroups(enc, ns) // <p:mediaCaptures><mediaCapture xsi:type="videoCaptureType" …
//	enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: "p:advertisement"}})
//
// and for a configure, `ces.Encode(enc, ns)` writes <p:captureEncodings>
// (it refuses an empty list: omit the element to request nothing).
// [Advertisement.EncodeGroup] writes a single group. xsi:type is written as a
// QName with the Info prefix, the schema-instance namespace is always
// "http://www.w3.org/2001/XMLSchema-instance" (DIGEST §9 #1), and when XSI or
// VCard is "" the declaration is made locally on each <mediaCapture> /
// xCard element instead. Output is deterministic. It validates against the
// working schemas whenever Check reports no error and no shared
// synchronizationID (a schema defect, DIGEST §9 #8: providers do not emit
// synchronizationID), provided extension content (Ext, ExtAttr,
// XCard.Other) is itself valid; the encoder fails only on what has no XML
// form at all (no capture type, a non-finite coordinate).
//
// Reading: on each StartElement of a group container, call
//
//	err := adv.DecodeGroup(dec, start, opts)             // any of the six groups
//	ces, err := model.DecodeCaptureEncodings(dec, start, opts)
//
// ([GroupByName] maps the local name to a [Group]). These consume the
// element up to its end tag; on error the message is lost (the decoder is
// left inside it). Pass the namespace bindings of the enclosing elements in
// [DecodeOpts].NS so that xsi:type QNames resolve exactly; without them the
// four clue-info type names are accepted by local name. The container's own
// namespace is the caller's business; its children must be clue-info.
//
// Whole <clueInfo> documents: [Marshal], [Encode], [EncodeClueInfo],
// [Unmarshal], [Decode], [DecodeClueInfo].
//
// # Decoding and hostile input
//
// Decoding checks well-formedness (encoding/xml, Strict), structure (schema
// order, cardinality, required attributes and elements, the two xs:choice
// groups of a media capture) and lexical values (xs:boolean, xs:decimal
// without NaN/INF/exponent, unsigned ranges, fixed="true"). It refuses DTDs
// and non-UTF-8 encodings and never resolves entities or fetches schemas
// (RFC 8846 §25); it bounds input size ([DecodeOpts].MaxBytes, for [Decode])
// and element depth (MaxDepth). Errors are *[DecodeError] with line and
// column (RFC 8847 §5.7 maps such XML-level failures to 3xx codes);
// [ErrTooLarge], [ErrTooDeep] and [ErrNotClueInfo] can be tested with
// errors.Is.
//
// Lenient where the RFCs are broken or ask for it, each reported through
// [DecodeOpts].Warn: xsi bound to "https://www.w3.org/2001/XMLSchema-instance"
// as in every RFC 8847 example (DIGEST §9 #1); unknown clue-info elements
// are skipped (RFC 8847 §7: ignore what the negotiated version does not
// know); a scene without <sceneViews> is accepted (DIGEST §9 #9); xCard
// properties are accepted in any order and unknown vCard elements ignored
// (RFC 6351 §5.1; DIGEST §9 #19). A shared synchronizationID decodes (it is
// reported by Check as a warning, DIGEST §9 #8).
//
// # Validation
//
// [Advertisement.Check] (and [ClueInfo.Check], [CaptureEncodings.Check])
// return [Problems]: every finding with a [Severity], a stable [Rule], the
// element and ID it concerns, and the RFC section it comes from. Validate
// returns only the errors, as an error, or nil. [Advertisement.CheckConfigure]
// checks a configure against the advertisement it names (RFC 8845 §10;
// [RuleSubsetChoice] is response code 405), [CheckUpdate] a new advertisement
// against the one it replaces (static captures must not move). The rules
// are listed with the Rule constants; decoding followed by Check covers
// every constraint of the schema plus the prose rules of RFC 8845/8846.
//
// Note: RFC 8846 §28's example (and RFC 8847 §10.6, which carries it)
// has a spatially definable video capture VC0 without a captureArea, which
// RFC 8846 §11.5.2 forbids; Check reports exactly that one error for them.
package model
