// Package provider is the Media Provider's side of CLUE for a camera box:
// it describes the box in an advertisement (RFC 8847 §5.3, the data model
// of RFC 8846 with the semantics of RFC 8845 §6–§9), decides the answer to
// a configure (RFC 8847 §5.6, §5.7; RFC 8845 §10), turns an accepted
// configure into orders for the devices, and re-advertises when the box
// changes. It is pure: no I/O, no clock, no configuration format. The board
// describes the box as a [Room] (board/appliance.NewRoom maps cluecam.toml,
// the inventory and the heads' positions onto one).
//
// # Building the advertisement ([Build])
//
// Captures. One capture per camera and microphone and one per [MCC]. The
// captureID is the name, made an ASCII NCName ('_' for other characters, a
// leading '_' before a digit, '-' or '.') and unique ("-2", "-3"…);
// identifiers of other kinds get prefixes (scenes "CS-", scene views "SV-",
// encoding groups "EG-", sets "SS-", people "P") and share the one xs:ID
// space of the document (RFC 8846 §4). Individual captures carry
// <individual>true</individual> (RFC 8846 §11.12).
//
// Scenes. One capture scene per Room scene that has captures, with its
// scale (RFC 8845 §6: "mm" for measured rooms).
//
// Encoding groups (RFC 8845 §9). A group per device: the captures of one
// device share its encoder, so the group's encodings are what the device
// can produce at once ([Encoder].MaxEncodings: 1 for a camera whose H.264 or
// MJPEG is passed through), and never more than it has captures (a capture
// feeds at most one capture encoding, RFC 8845 §7.1). Each encoding is
// bounded by the largest mode of the device's captures and the bit-rate
// cap; the group by the sum of its encodings (or the encoder's group
// limit). encodingIDs are SDP a=label tokens (RFC 8848 §4.4.1):
// "<captureID of the device's first capture>.<n>", unique in the box
// because captureIDs are, and unchanged when other devices come and go.
// [Advertisement.Encodings] keeps each encoding's real limits for SDP and
// for the orders. An MCC gets a group with one encoding sized for its
// largest constituent (RFC 8845 §9.3).
//
// Simultaneous sets and scene views (RFC 8845 §7.3, §8). When no device has
// more captures than encodings, everything can be sent at once: no sets,
// and per scene one scene view of its video captures and one of its audio
// captures. When captures share a device beyond its encodings, every way
// of choosing which of them run (k of n per device) is a set, and the scene
// views are each set's captures in the scene (a view contained in another
// is dropped), so every view lies in a set and needs no more encodings of a
// group than it has (checked by clue/model). Where a set's part of a scene
// is a view, the set names the view (the RFC 8845 §8 shorthand). At most 32
// alternatives are listed (ErrUnsupported beyond). Each MCC has a scene
// view of its own and joins the sets that hold all its constituents
// (RFC 8845 §8: an MCC in a set means its capture encoding can be sent
// with the others).
//
// MCCs (RFC 8845 §7.2). The box switches by forwarding the constituent's
// bitstream, so constituents run together while the MCC is configured and
// must fit on their devices together; there is no compositor, so only
// maxCaptures 1 with exactNumber (switched, RFC 8845 §7.2.1.1) is built.
// Policy and allowSubsetChoice are passed through. The MCC's area covers
// its constituents' areas when they share its scene and one plane
// (RFC 8845 §7.1.1.3 "the larger potential area"); otherwise it is not
// spatially definable.
//
// Spatial information (RFC 8846 §11.5, RFC 8845 §7.1.1). Audio: the
// capture point and point on the line of capture, never an area. Video:
// the area, and the capture point when known. No geometry (or audio
// without a point, video without an area): nonSpatiallyDefinable. Mobility
// (RFC 8845 §7.1.1.4) is "dynamic" for a camera on a PTZ head, "static"
// otherwise. A head's position turns the configured area: see [AreaAt].
//
// Disclosure (RFC 8845 §14, RFC 8846 §25). Descriptions, <people> with
// xCards, <capturedPeople> and <sceneInformation> are sent only when the
// [Policy] says so; the zero Policy sends none of them, and nothing else
// the Room holds identifies anyone (device IDs are never sent). The policy
// is about what is sent; it never decides who may receive media.
//
// Size. The message is measured; above Policy.MaxMessageBytes (16 KiB by
// default, RFC 8831 §6.6) people, then descriptions, then the display name
// are withheld ([Advertisement].Withheld), and a minimal advertisement that
// still does not fit is ErrTooLarge.
//
// Every advertisement Build returns passes model.Validate (ErrInvalid
// otherwise) and is schema-valid as a message (tested with xmllint).
//
// # Answering a configure ([CheckConfigure], [Answer], [Advertisement.Accept])
//
// The data model's CheckConfigure, plus the encoding-group limit and the
// distinction between unknown and conflicting identifiers, decide one of
// 200, 301, 302, 303, 400, 405 (and 404 / 400 for the advertisement
// sequence number in Answer); the precedence and the reasons are listed at
// [CheckConfigure]. [ProtocolCheck] plugs the same decision
// into clue/protocol's state machine. Accept turns an accepted configure
// into [Order]s: the device to start and its mode, the encoding, the
// limits (the encoding's, narrowed by the capture's mode and bit rate, bit
// rates scaled down to fit the group, RFC 8845 §9.2), and for an MCC the
// constituents to switch between (the configured subset, RFC 8846 §11.9).
//
// # Re-advertising ([Readvertise])
//
// A new advertisement is built from the new Room and returned only when it
// differs; it must be a valid successor under model.CheckUpdate (a static
// capture that moved is ErrStaticMoved: restart the session).
package provider
