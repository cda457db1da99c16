package provider

import (
	"github.com/cluecam/cluecam/clue/model"
	"github.com/cluecam/cluecam/hw"
	"time"
)

// Room is everything the provider knows about the box at one moment: the
// capture scenes, the captures with their geometry and the device behind
// each, the Multiple Content Captures, and what may be disclosed. It is
// plain data, built by the board from its configuration and inventory;
// Build turns it into an advertisement.
type Room struct {
	Scenes   []Scene
	Captures []Capture
	MCCs     []MCC
	// DisplayName is the box's human name. It is sent, as the <fn> of each
	// scene's <sceneInformation> xCard (RFC 8845 §7.3.1.1), only when
	// Policy.DisplayName allows it.
	DisplayName string
	Policy      Policy
}

// Policy is the disclosure policy (RFC 8845 §14: "An implementation SHOULD
// give users control over what sensitive information is sent in an
// Advertisement") and the size budget. The zero value discloses nothing
// identifying: no descriptions, no people, no scene information. The
// policy decides what is sent, never who may receive it: descriptions and
// xCards are unauthenticated claims that "MUST NOT be used to make any
// authorization decisions" (RFC 8845 §14).
type Policy struct {
	// Descriptions sends the scene, capture and MCC descriptions
	// (RFC 8845 §7.1.1.6, §7.3.1).
	Descriptions bool
	// People sends <people> (an xCard with the name, and the roles as
	// <personType>) and each capture's <capturedPeople> (RFC 8845
	// §7.1.1.10, §7.1.1.11).
	People bool
	// DisplayName sends Room.DisplayName as <sceneInformation>.
	DisplayName bool
	// Lang is the language tag of the descriptions ("" leaves it unsaid).
	Lang string
	// MaxMessageBytes bounds the advertisement message (0:
	// DefaultMaxMessageBytes). See Build for what happens above it.
	MaxMessageBytes int
}

// DefaultMaxMessageBytes is the size an advertisement message is kept
// under: RFC 8831 §6.6 advises senders to keep user messages within 16 KiB
// when the SCTP association does not use message interleaving (RFC 8260),
// so that one large message does not block the others.
const DefaultMaxMessageBytes = 16 << 10

// Scene is a capture scene (RFC 8845 §7.3): a region with its own
// coordinate system.
type Scene struct {
	Name        string
	Description string      // disclosed only with Policy.Descriptions
	Scale       model.Scale // "" means model.ScaleMM (RFC 8845 §6)
}

// Capture is a camera or microphone and the device that serves it.
type Capture struct {
	// Name becomes the captureID, made a valid NCName (see CaptureID).
	Name  string
	Media string // model.MediaVideo or model.MediaAudio
	// Scene names a Scene; "" means the only scene, when there is one.
	Scene       string
	Description string   // disclosed only with Policy.Descriptions
	People      []Person // disclosed only with Policy.People
	// Geometry is the spatial information; nil means not spatially
	// definable (RFC 8846 §11.6).
	Geometry *Geometry
	// PTZ is the head that turns this camera; nil for a fixed camera.
	PTZ *PTZ
	// Device is what produces the media, with its limits.
	Device Device
	// MaxBitrate caps this capture's encoded bit rate, in bits per
	// second (0: only the encoder's limit applies).
	MaxBitrate uint64
}

// Person is someone a capture shows or hears.
type Person struct {
	Name  string   // the xCard <fn>
	Roles []string // RFC 8846 §21.1.3 person types
}

// Geometry is spatial information in the scene's coordinates (RFC 8845 §6:
// x left to right seen from the front of the room, y front to back, z up;
// millimetres with scale "mm").
type Geometry struct {
	// PointOfCapture is where the device is (RFC 8845 §7.1.1.1); required
	// for spatially definable audio and for a camera on a PTZ head.
	PointOfCapture *model.Point
	// PointOnLineOfCapture gives the device's axis (RFC 8845 §7.1.1.2).
	PointOnLineOfCapture *model.Point
	// AreaOfCapture is what a camera sees (RFC 8845 §7.1.1.3); required for
	// spatially definable video, not allowed for audio. For a camera on a
	// PTZ head it is the area seen at PTZ.Reference.
	AreaOfCapture *model.CaptureArea
}

// PTZ is the state of the pan-tilt-zoom head that turns a camera. See
// AreaAt for the geometry.
type PTZ struct {
	Head string // the head's name, for messages
	// Reference is the position at which Geometry was measured.
	Reference hw.Position
	// Position is where the head points now.
	Position hw.Position
}

// Device is the device behind a capture: what it can deliver, the mode
// this capture runs it in, and the limits of its encoder. Captures naming
// the same device ID share it (and share its encoder: see Encoder).
type Device struct {
	// ID identifies the device; "" means a device of its own. It is never
	// sent (device names can identify an endpoint, RFC 8845 §14).
	ID string
	// Modes and Formats are what the device offers (hw.DeviceInfo).
	Modes   []hw.VideoMode
	Formats []hw.AudioFormat
	// Video is the mode this capture runs the device in; the zero value
	// means the largest of Modes. Audio likewise, zero meaning Formats[0].
	Video hw.VideoMode
	Audio hw.AudioFormat
	// Encoder is what the device's encoder can produce. Captures of one
	// device should give the same Encoder; the first capture's counts.
	Encoder Encoder
}

// Encoder is the encoding capacity of one device.
//
// A camera that delivers H.264 or MJPEG and is passed through without
// re-encoding produces exactly one bitstream: MaxEncodings 1. A hardware
// encoder that can produce several streams from one sensor, or a software
// audio encoder run more than once, has MaxEncodings > 1.
type Encoder struct {
	// MaxEncodings is how many capture encodings the device can produce at
	// once (0 means 1).
	MaxEncodings int
	// MaxWidth, MaxHeight and MaxFrameRate bound one encoding (video; zero:
	// no limit beyond the mode). A mode beyond them cannot be passed
	// through and is an error.
	MaxWidth, MaxHeight int
	MaxFrameRate        hw.Rational
	// MaxBitrate bounds one encoding, in bits per second (0: no limit
	// beyond Capture.MaxBitrate; one of the two must be set).
	MaxBitrate uint64
	// MaxGroupBitrate bounds all encodings of the device together
	// (0: the sum of the encodings' limits), RFC 8845 §9.2.
	MaxGroupBitrate uint64
}

// MCC is a Multiple Content Capture (RFC 8845 §7.2) that switches between
// other captures.
//
// The box switches by forwarding the bitstream of the constituent that is
// on at the moment (no re-encoding, a keyframe requested at each switch),
// so every constituent runs while the MCC is configured: together they must
// fit on their devices. With pass-through devices there is no compositor,
// so only switched MCCs (MaxCaptures 1, RFC 8845 §7.2.1.1) can be built.
type MCC struct {
	// Name becomes the captureID, like a capture's.
	Name string
	// Scene is where the MCC is defined; "" means the scene of its first
	// constituent.
	Scene       string
	Description string // disclosed only with Policy.Descriptions
	// Captures are the constituents, by name, all of one media type.
	// Names of captures not in the room (a camera that went away) are
	// dropped; an MCC left with no constituent is not advertised.
	Captures []string
	// Policy is the RFC 8846 §11.10 policy, e.g. "SoundLevel:0"; "" omits
	// it.
	Policy string
	// Microphones name, for each of Captures in order, the audio capture
	// that hears the people that camera sees: SoundLevel compares their
	// levels. "" or a name not in the room: that camera has none.
	Microphones []string
	// SwitchInterval is how long RoundRobin shows each constituent.
	SwitchInterval time.Duration
	// MaxCaptures is the most constituents shown at once (0 means 1).
	MaxCaptures int
	// AllowSubsetChoice lets the consumer choose a subset of Captures
	// (RFC 8846 §11.9).
	AllowSubsetChoice bool
}
