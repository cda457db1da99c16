// Package config reads cluecam.toml, the one file a user edits on the FAT
// boot partition to configure the box: identity, SIP account, who may call,
// what is disclosed, the captures with their room geometry (RFC 8846
// spatial information), pan-tilt heads, network, SSH, logging and watchdog.
//
// The file is validated at boot, so every problem is reported in one pass
// with file, line, column and dotted key (see Errors): a user fixing an SD
// card on a laptop must not have to reboot once per typo. A bad file never
// panics the decoder; the board keeps the last good configuration running.
//
// Unset and empty are different where it matters (security.allowed_peers),
// and optional text that would be disclosed to callers (descriptions, display
// name, people) is only ever sent when the key is present and the disclosure
// policy allows it. docs/config.md is the reference for every key and default;
// cluecam.example.toml (exported as Example) is a commented, working file.
package config

import (
	_ "embed"
	"net/netip"
	"time"
)

// Example is the documented example configuration: a box with the synthetic
// devices (an H.264 and an MJPEG camera, a tone microphone, a synthetic PTZ
// head) and SIP on loopback with authentication on. `make run` uses it.
//
//go:embed cluecam.example.toml
var Example string

// MaxFileSize bounds the configuration file. Real files are a few KiB.
const MaxFileSize = 1 << 20

// Config is a decoded, validated cluecam.toml with every default filled in.
// The zero value is not useful; use Parse, Load or Default.
type Config struct {
	Identity Identity
	SIP      SIP
	Security Security
	Scenes   []Scene
	Captures []Capture
	MCCs     []MCC
	PTZ      []PTZ
	Network  Network
	SSH      SSH
	Log      Log
	Watchdog Watchdog

	// Warnings are non-fatal problems (a world-readable secret file,
	// authentication turned off, ...). The board logs them at warn level and
	// check-config prints them; they never stop the box from starting.
	Warnings []*FieldError
}

// Identity is who the box is on SIP.
type Identity struct {
	// DisplayName is the human name of the box; "" when unset. It goes into
	// SIP From/Contact headers only when Security.Disclose contains
	// "display_name", because a room name can identify people.
	DisplayName string
	// SIPURI is the box's address of record (sip: or sips:, with a user
	// part). Required.
	SIPURI string
}

// Transport values for SIP.Transport.
const (
	TransportUDP = "udp"
	TransportTCP = "tcp"
	TransportTLS = "tls"
)

// SIP is the SIP user agent's account and timers.
type SIP struct {
	Transport string // "udp" (default), "tcp" or "tls"
	// Listen is host:port for the SIP socket; default ":5060", or ":5061"
	// with TLS. The host, when given, must be an IP address.
	Listen string
	// Registrar is the registrar URI; "" means the box does not register
	// and is reached directly at Listen.
	Registrar string
	// Username for digest authentication towards the registrar and towards
	// peers that challenge our requests; defaults to the user part of
	// Identity.SIPURI.
	Username string
	Realm    string // expected digest realm; "" accepts the realm the server names
	Password Secret // from password or password_file
	// RegisterExpires is the Expires value asked for in REGISTER; only set
	// when Registrar is. Default 600 s, range 60 s..24 h.
	RegisterExpires time.Duration
	TLS             TLS
	// SessionExpires is the RFC 4028 session interval we ask for; a call
	// whose session is not refreshed in time is torn down so a vanished
	// peer does not keep receiving media. Default 1800 s, at least 90 s.
	SessionExpires time.Duration
	// MinSE is the smallest session interval we accept (RFC 4028 Min-SE).
	// Default 90 s; 90 s ≤ MinSE ≤ SessionExpires.
	MinSE time.Duration
}

// TLS configures SIP over TLS. Only valid with Transport "tls".
type TLS struct {
	// CAFile is a PEM bundle of CAs that sign the server's certificate; ""
	// means the system roots. Load makes it absolute and checks it holds
	// at least one certificate.
	CAFile string
	// ServerFingerprints pins the server certificate: when not empty, a
	// server whose certificate matches none of them is refused even if a CA
	// vouches for it.
	ServerFingerprints []Fingerprint
	// CertFile and KeyFile are the box's own certificate chain and key
	// (PEM), served to SIP peers over TLS; both or neither. Neither: the
	// box's self-signed identity (its DTLS certificate), whose fingerprint
	// `cluecam run` logs so that peers can pin it.
	CertFile, KeyFile string
}

// Disclosure values for Security.Disclose.
const (
	DiscloseDisplayName  = "display_name" // Identity.DisplayName in SIP headers
	DiscloseDescriptions = "descriptions" // scene and capture descriptions in the advertisement
	DisclosePeople       = "people"       // Capture.People as RFC 8846 <people>/<capturedPeople>
)

// Security is who may call and what they learn.
type Security struct {
	// RequireAuth makes every incoming INVITE prove its identity with SIP
	// digest using the credentials of a Caller. Default true; turning it
	// off produces a warning.
	RequireAuth bool
	// AllowedPeers lists the SIP URIs that may call in. Unset (Set false)
	// means every Caller's URI; set to an empty list means nobody may call
	// in (outgoing calls still work).
	AllowedPeers PeerList
	Callers      []Caller
	// Disclose lists what identifying metadata the box may send; empty (the
	// default) sends nothing identifying, because descriptions and person
	// information reveal who and what is in the room (RFC 8846 §25).
	Disclose []string
	// MaxCalls bounds simultaneous calls; default 2, range 1..16.
	MaxCalls int
	// SIPRequestsPerSecond is the per-source-address rate of SIP requests
	// served before the rest are dropped; default 20, range 1..1000.
	SIPRequestsPerSecond int
	// CLUEMessagesPerSecond is the per-call rate of CLUE data channel
	// messages processed; default 10, range 1..1000.
	CLUEMessagesPerSecond int
	// DigestAlgorithms are offered in the challenges to callers, one
	// WWW-Authenticate each, preferred first (RFC 8760 §2.4). Default
	// SHA-256 then MD5; ["MD5"] alone suits peers that answer only the
	// first challenge and know only MD5.
	DigestAlgorithms []string
}

// Digest algorithms for Security.DigestAlgorithms (RFC 8760).
const (
	DigestSHA256 = "SHA-256"
	DigestMD5    = "MD5"
)

// PeerList is a list of SIP URIs that remembers whether the key was written
// at all: for allowed_peers an absent key and [] mean opposite things.
type PeerList struct {
	Set  bool
	URIs []string
}

// MayCall reports whether a caller identified as uri (already authenticated
// when RequireAuth is on) is allowed to call in. URIs compare exactly, after
// lowercasing the scheme.
func (s *Security) MayCall(uri string) bool {
	if !s.AllowedPeers.Set {
		return s.hasCaller(uri)
	}
	uri = canonicalScheme(uri)
	for _, u := range s.AllowedPeers.URIs {
		if canonicalScheme(u) == uri {
			return true
		}
	}
	return false
}

// hasCaller reports whether a [[security.caller]] has this uri.
func (s *Security) hasCaller(uri string) bool {
	uri = canonicalScheme(uri)
	for _, c := range s.Callers {
		if canonicalScheme(c.URI) == uri {
			return true
		}
	}
	return false
}

// Discloses reports whether what (one of the Disclose* constants) may be
// sent to a peer.
func (s *Security) Discloses(what string) bool {
	for _, d := range s.Disclose {
		if d == what {
			return true
		}
	}
	return false
}

// Caller is a peer known to the box, with the credentials it authenticates
// with.
type Caller struct {
	URI      string // SIP URI with a user part; unique
	Username string // digest username; defaults to the user part of URI
	Password Secret // required when Security.RequireAuth is on
	// DTLSFingerprints pins the certificates the peer may use for DTLS-SRTP
	// and the CLUE data channel; empty means whatever its SDP announces.
	DTLSFingerprints []Fingerprint
}

// Scale values for Scene.Scale (RFC 8846 §16.4).
const (
	ScaleMM      = "mm"
	ScaleUnknown = "unknown"
	ScaleNoScale = "noscale"
)

// Scene is an RFC 8845 capture scene: a room (or part of one) with its own
// coordinate system.
type Scene struct {
	Name        string // [A-Za-z0-9_-]{1,32}; unique
	Description string // "" when unset; disclosed only with "descriptions"
	Scale       string // "mm" (default), "unknown" or "noscale"
}

// Media values for Capture.Media.
const (
	MediaVideo = "video"
	MediaAudio = "audio"
)

// Capture is one media capture (RFC 8846 §11) the box can send.
type Capture struct {
	Name  string // [A-Za-z0-9_-]{1,32}; unique; becomes the captureID
	Media string // "video" or "audio"; required
	// Device is "auto" (default: the first device of the media type),
	// synthetic:h264, synthetic:mjpeg, synthetic:tone, a path under /dev/
	// (video) or an ALSA name such as hw:0,0 (audio).
	Device string
	// Scene names a Scene; defaults to the only scene when there is one.
	Scene       string
	Description string // "" when unset; disclosed only with "descriptions"

	// Video only.
	Format         string // "auto" (default), "h264" or "mjpeg"
	Width, Height  int    // default 1280x720; even, 16..4096 x 16..2160
	Framerate      int    // default 30; 1..120
	MaxBitrateKbps int    // default 2000; 32..100000

	// Audio only.
	Rate     int // default 48000; 8000, 16000, 32000, 44100 or 48000
	Channels int // default 1; 1 or 2

	// Geometry is the capture's spatial information; nil when unset, and
	// the advertisement then marks it non-spatially-definable.
	Geometry *Geometry
	// PTZ names the PTZ head that moves this (video) capture; "" for none.
	PTZ string
	// People shown by (or heard in) this capture; disclosed only with
	// "people".
	People []Person
}

// Point is an (x, y, z) position in the scene's coordinate system (RFC 8845
// §6: x left to right, y front to back, z floor to ceiling; millimetres
// when the scene's scale is "mm").
type Point [3]float64

// Geometry is RFC 8846 §11.5 spatial information.
type Geometry struct {
	// PointOfCapture is the camera or microphone position (RFC 8846
	// capturePoint); required for audio.
	PointOfCapture *Point
	// PointOnLineOfCapture gives the pointing direction (lineOfCapturePoint);
	// it must differ from PointOfCapture, which it requires.
	PointOnLineOfCapture *Point
	// AreaOfCapture is what a video capture sees (captureArea); required
	// for video, forbidden for audio.
	AreaOfCapture *Area
}

// Area is the four coplanar corners of a capture area, from the capture
// device's point of view (RFC 8846 §11.5.2).
type Area struct {
	BottomLeft, BottomRight, TopLeft, TopRight Point
}

// personTypes are the RFC 8846 §21.1.3 <personType> values (the IANA
// registry's initial content).
var personTypes = []string{"presenter", "timekeeper", "attendee", "minute taker", "translator", "chairman", "vice-chairman", "observer"}

// Person is someone a capture shows; RFC 8846 <person>.
type Person struct {
	Name  string   // xCard fn; required
	Roles []string // RFC 8846 §21.1.3 person types: "presenter", "attendee", ...
}

// MCC policy tokens (RFC 8846 §11.10, RFC 8845 §7.2.1.2); others would
// need an out-of-band agreement with the peer.
const (
	PolicySoundLevel = "SoundLevel" // the loudest speaker (index 0), the previous one (1), …
	PolicyRoundRobin = "RoundRobin" // one source after the other, by time
)

// DefaultSwitchInterval is how long a RoundRobin MCC shows each camera.
const DefaultSwitchInterval = 10 * time.Second

// MCC is a Multiple Content Capture (RFC 8845 §7.2): one stream that
// switches between video captures, e.g. to the camera of whoever speaks.
// The box switches by forwarding the running camera's stream, so it needs
// no encoder of its own; it cannot compose several cameras into one
// picture.
type MCC struct {
	// Name is [A-Za-z0-9_-]{1,32}, unique among captures and MCCs (it
	// becomes the captureID).
	Name string
	// Scene names the [[scene]] the MCC belongs to; defaults to the scene
	// of its captures when they share one, else to the only scene.
	Scene       string
	Description string // "" when unset; disclosed only with "descriptions"
	// Captures names at least two video [[capture]]s, each once.
	Captures []string
	// Policy is "SoundLevel:N" or "RoundRobin:N"; "" leaves it unsaid
	// (the box then shows the first constituent that works).
	Policy string
	// Microphones names, for each of Captures in order, the audio
	// [[capture]] that hears the people that camera sees. The SoundLevel
	// policy needs them: it shows the camera whose microphone is loudest.
	Microphones []string
	// SwitchInterval is how long RoundRobin shows each camera (default
	// DefaultSwitchInterval).
	SwitchInterval time.Duration
	// MaxCaptures is how many captures are shown at once; default 1.
	// Only 1 (switching) is supported: showing several at once would need
	// a compositor.
	MaxCaptures int
	// AllowSubsetChoice lets the far end pick which of Captures it wants
	// (RFC 8846 §11.9); with MaxCaptures 1 that pins one camera.
	AllowSubsetChoice bool
}

// PTZ driver names.
const (
	DriverSynthetic   = "synthetic"
	DriverPWM         = "pwm"
	DriverGPIO        = "gpio"
	DriverPCA9685     = "pca9685"
	DriverVISCASerial = "visca-serial"
	DriverVISCAIP     = "visca-ip"
)

// PTZ is a pan-tilt(-zoom) head.
type PTZ struct {
	Name   string // [A-Za-z0-9_-]{1,32}; unique
	Driver string // one of the Driver* constants
	// Exactly the settings of Driver are non-nil (none for synthetic).
	PWM         *PWM
	GPIO        *GPIO
	PCA9685     *PCA9685
	VISCASerial *VISCASerial
	VISCAIP     *VISCAIP

	Limits       Limits
	SpeedDegPerS float64  // default 60; 1..360
	Presets      []Preset // names unique within the head
	Home         string   // preset moved to at boot; "" leaves the head where it is
}

// PWM drives two hobby servos from a kernel PWM chip (/sys/class/pwm).
type PWM struct {
	Chip        int // pwmchipN; default 0
	PanChannel  int // required; 0..63
	TiltChannel int // required; 0..63, different from PanChannel
	PulseMinUS  int // default 500
	PulseMaxUS  int // default 2500; > PulseMinUS, ≤ PeriodUS
	PeriodUS    int // default 20000; 1000..100000
	// ServoRangeDeg is the servos' travel from PulseMinUS to PulseMaxUS,
	// centred on 0° (default 180: 500 µs is -90°, 2500 µs +90°). The
	// limits must lie within it: a pulse beyond it would hit the stop.
	ServoRangeDeg float64
}

// GPIOLine names a GPIO line by label (Name) or by offset (Name "").
type GPIOLine struct {
	Name   string
	Offset int
}

// GPIO drives two stepper motors through step/dir lines.
type GPIO struct {
	Chip           string // gpiochip name or label; default "gpiochip0"
	PanStep        GPIOLine
	PanDir         GPIOLine
	TiltStep       GPIOLine
	TiltDir        GPIOLine
	StepsPerDegree float64 // required; > 0, ≤ 10000
}

// PCA9685 drives servos from an I²C PWM controller.
type PCA9685 struct {
	Bus         string // default "/dev/i2c-1"
	Address     int    // default 0x40; 0x03..0x77
	PanChannel  int    // required; 0..15
	TiltChannel int    // required; 0..15, different from PanChannel
	PulseMinUS  int    // default 500
	PulseMaxUS  int    // default 2500
	FrequencyHz int    // default 50; 24..1526 (the chip's prescaler range)
	// ServoRangeDeg is as PWM.ServoRangeDeg (default 180).
	ServoRangeDeg float64
}

// VISCASerial drives a VISCA camera over RS-232/RS-422.
type VISCASerial struct {
	Device        string // required; a path under /dev/
	Baud          int    // default 9600; 9600, 19200, 38400 or 115200
	CameraAddress int    // default 1; 1..7
}

// VISCAIP drives a VISCA-over-IP camera (UDP, port 52381 by convention).
type VISCAIP struct {
	Address       string // required; host:port
	CameraAddress int    // default 1; 1..7 (cameras answer as 1 over IP)
}

// Limits bound the head's movement, in degrees and zoom factor.
type Limits struct {
	PanMin, PanMax   float64 // default -90, 90; within -180..180, min < max
	TiltMin, TiltMax float64 // default -30, 30; within -90..90, min < max
	ZoomMin, ZoomMax float64 // default 1, 1; 1 ≤ min ≤ max ≤ 100
}

// Preset is a named head position.
type Preset struct {
	Name string
	Pan  float64 // required; within Limits
	Tilt float64 // required; within Limits
	Zoom float64 // default Limits.ZoomMin; within Limits
}

// Network modes.
const (
	NetworkDHCP   = "dhcp"
	NetworkStatic = "static"
)

// Network is the box's IP configuration.
type Network struct {
	Hostname string // RFC 1123 host name; default "cluecam"
	Mode     string // "dhcp" (default) or "static"
	// Static only.
	Address netip.Prefix // required with static: address and prefix length
	Gateway netip.Addr   // optional; inside Address's prefix
	DNS     []netip.Addr
	// RTPPortMin..RTPPortMax is the inclusive range media sockets bind in;
	// both even, default 20000..20998.
	RTPPortMin, RTPPortMax int
}

// SSH is the management console.
type SSH struct {
	Enabled bool   // default true
	Listen  string // default ":22"
	// AuthorizedKeys is the public-key file; default "authorized_keys"
	// beside cluecam.toml. There are no passwords.
	AuthorizedKeys string
}

// Log configures logging.
type Log struct {
	Level  string // "debug", "info" (default), "warn" or "error"
	Format string // "text" (default) or "json"
}

// Watchdog configures the hardware watchdog.
type Watchdog struct {
	Enabled bool          // default true
	Device  string        // default "/dev/watchdog"
	Timeout time.Duration // default 15 s; 1 s..600 s
	// StaleFrames is how many frame intervals a running capture may go
	// without delivering a frame before the box stops feeding the
	// watchdog; default 30, 1..1000.
	StaleFrames int
}

// Default returns the configuration an empty file would describe if it
// were allowed to be empty: every section at its defaults, no captures,
// scenes or PTZ heads, and no identity. Parse starts from these values.
func Default() *Config {
	return &Config{
		SIP: SIP{
			Transport:       TransportUDP,
			RegisterExpires: 600 * time.Second,
			SessionExpires:  1800 * time.Second,
			MinSE:           90 * time.Second,
		},
		Security: Security{
			RequireAuth:           true,
			MaxCalls:              2,
			SIPRequestsPerSecond:  20,
			CLUEMessagesPerSecond: 10,
			DigestAlgorithms:      []string{DigestSHA256, DigestMD5},
		},
		Network: Network{
			Hostname:   "cluecam",
			Mode:       NetworkDHCP,
			RTPPortMin: 20000,
			RTPPortMax: 20998,
		},
		SSH: SSH{
			Enabled:        true,
			Listen:         ":22",
			AuthorizedKeys: "authorized_keys",
		},
		Log: Log{Level: "info", Format: "text"},
		Watchdog: Watchdog{
			Enabled:     true,
			Device:      "/dev/watchdog",
			Timeout:     15 * time.Second,
			StaleFrames: 30,
		},
	}
}

// Secret is a password read from the file or from a password_file. It
// prints as <redacted> with every fmt verb so that logging a Config, or a
// part of it, cannot leak it.
type Secret struct {
	value string
	// File is password_file as written, made absolute by Load; "" when the
	// password was written inline.
	File string
}

// NewSecret returns a Secret holding v, for callers building a Config in
// code (tests, the CLI).
func NewSecret(v string) Secret { return Secret{value: v} }

// Reveal returns the password. Parse leaves secrets that come from a
// password_file empty; Load reads them.
func (s Secret) Reveal() string { return s.value }

// IsSet reports whether a password or a password file was configured.
func (s Secret) IsSet() bool { return s.value != "" || s.File != "" }

// String returns "<redacted>".
func (s Secret) String() string { return redacted }

// GoString returns "<redacted>", so %#v is safe too.
func (s Secret) GoString() string { return redacted }

// redacted replaces secrets in output. Parse accepts it as a password (so
// effective output re-parses) but warns, because it is never a real one.
const redacted = "<redacted>"
