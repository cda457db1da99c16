package sdp

import "strconv"

// Media types (RFC 4566 §5.14) this package gives meaning to.
const (
	Audio       = "audio"
	Video       = "video"
	Application = "application"
)

// Transport protocols (the m= <proto> field).
const (
	// ProtoSAVPF is DTLS-SRTP with RTCP feedback (RFC 5764 §8, RFC 5124):
	// what this package emits for every RTP m-line.
	ProtoSAVPF = "UDP/TLS/RTP/SAVPF"
	// ProtoSAVP is DTLS-SRTP without RTCP feedback (RFC 5764 §8); accepted.
	ProtoSAVP = "UDP/TLS/RTP/SAVP"
	// ProtoDTLSSCTP is SCTP over DTLS over UDP (RFC 8841 §4.2).
	ProtoDTLSSCTP = "UDP/DTLS/SCTP"
	// ProtoTCPDTLSSCTP is SCTP over DTLS over TCP (RFC 8841 §4.2); parsed,
	// never accepted (RFC 8850 §3.3.1.1: SHOULD NOT; the box is UDP only).
	ProtoTCPDTLSSCTP = "TCP/DTLS/SCTP"
	// FormatDataChannel is the only fmt of a data channel m-line
	// (RFC 8841 §4.4.2).
	FormatDataChannel = "webrtc-datachannel"
)

// Group semantics (RFC 5888 §5).
const (
	SemCLUE   = "CLUE"   // RFC 8848 §4
	SemBundle = "BUNDLE" // RFC 9143 §5
)

// Header extension URIs (RFC 8285).
const (
	// CaptIdURI is the IANA-registered name of the CLUE CaptureID header
	// extension (RFC 8849 §8). This is the one we send.
	CaptIdURI = "urn:ietf:params:rtp-hdrext:sdes:CaptId"
	// CaptureIDURI is the spelling of RFC 8849 §5.2's prose, accepted on
	// input as an alias (DIGEST §9 #3).
	CaptureIDURI = "urn:ietf:params:rtp-hdrext:sdes:CaptureID"
	// MIDURI is the BUNDLE MID header extension (RFC 9143 §9.1, §15.2).
	MIDURI = "urn:ietf:params:rtp-hdrext:sdes:mid"
)

// SubprotocolCLUE is the dcmap subprotocol of the CLUE data channel
// (RFC 8850 §3.3.2). RFC 8850 §5.1 registers it as "clue": we send "CLUE"
// and compare case-insensitively (DIGEST §9 #4).
const SubprotocolCLUE = "CLUE"

// Direction is a media direction attribute (RFC 3264 §5.1, §6.1). The zero
// value is SendRecv, the default when none is present (RFC 4566 §6).
type Direction uint8

// Directions, from the point of view of the SDP's author.
const (
	SendRecv Direction = iota
	SendOnly
	RecvOnly
	Inactive
)

var dirNames = [...]string{"sendrecv", "sendonly", "recvonly", "inactive"}

func (d Direction) String() string {
	if int(d) < len(dirNames) {
		return dirNames[d]
	}
	return "direction(" + strconv.Itoa(int(d)) + ")"
}

// Sends reports whether the author of the SDP sends in this direction.
func (d Direction) Sends() bool { return d == SendRecv || d == SendOnly }

// Receives reports whether the author of the SDP receives.
func (d Direction) Receives() bool { return d == SendRecv || d == RecvOnly }

// Reverse is the direction seen from the other side: sendonly ↔ recvonly.
func (d Direction) Reverse() Direction {
	switch d {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	}
	return d
}

func makeDirection(send, recv bool) Direction {
	switch {
	case send && recv:
		return SendRecv
	case send:
		return SendOnly
	case recv:
		return RecvOnly
	}
	return Inactive
}

// Setup is the a=setup attribute (RFC 4145 §4; RFC 8842 §5 for DTLS).
type Setup uint8

// Setup values. SetupNone means the attribute is absent.
const (
	SetupNone Setup = iota
	SetupActpass
	SetupActive
	SetupPassive
	SetupHoldconn // parsed, never accepted (RFC 8842 §5.1)
)

var setupNames = [...]string{"", "actpass", "active", "passive", "holdconn"}

func (s Setup) String() string {
	if int(s) < len(setupNames) {
		return setupNames[s]
	}
	return "setup(" + strconv.Itoa(int(s)) + ")"
}

// Origin is the o= line (RFC 4566 §5.2). AddrType is "IP4" or "IP6".
type Origin struct {
	Username  string
	SessionID uint64
	Version   uint64
	AddrType  string
	Address   string
}

// Group is an a=group line (RFC 5888 §5).
type Group struct {
	Semantics string
	MIDs      []string
}

// Fingerprint is one a=fingerprint (RFC 8122 §5). Hash is lower case
// ("sha-256"); Value is upper-case hex pairs joined by ':' — the form
// RFC 8122 requires, to which received values are normalised.
type Fingerprint struct {
	Hash  string
	Value string
}

// DTLS holds the attributes that negotiate a DTLS association
// (RFC 8842 §5.1): a=setup, a=fingerprint, a=tls-id.
type DTLS struct {
	Setup        Setup
	Fingerprints []Fingerprint
	TLSID        string // "" when absent (a legacy peer, RFC 8842 §4)
}

func (d *DTLS) empty() bool {
	return d.Setup == SetupNone && len(d.Fingerprints) == 0 && d.TLSID == ""
}

// Candidate is an a=candidate line (RFC 8839 §5.1).
type Candidate struct {
	Foundation string
	Component  uint16
	Transport  string // "UDP" (compared case-insensitively)
	Priority   uint32
	Address    string
	Port       uint16
	Type       string   // host, srflx, prflx, relay
	RelAddr    string   // raddr, "" when absent
	RelPort    uint16   // rport
	Ext        []string // extension name/value pairs, verbatim
}

// ICE holds a=ice-ufrag, a=ice-pwd (RFC 8839 §5.4) and the candidates.
type ICE struct {
	Ufrag      string
	Pwd        string
	Candidates []Candidate
}

func (i *ICE) empty() bool { return i.Ufrag == "" && i.Pwd == "" && len(i.Candidates) == 0 }

// Attribute is an a= line this package does not interpret, kept verbatim.
type Attribute struct {
	Key   string
	Value string // "" for a property attribute
}

// Bandwidth holds the b= lines (RFC 4566 §5.8, RFC 3890 §6.2). Zero means
// absent.
type Bandwidth struct {
	AS   uint64 // kbit/s, application specific
	TIAS uint64 // bit/s, transport independent (RFC 3890)
}

// Session is one SDP session description at the level of abstraction of a
// CLUE endpoint: the attributes this package understands are decoded into
// fields, all others are kept verbatim in Other so that nothing is lost.
//
// Which m-lines are CLUE-controlled is not a property of an m-line but of
// the CLUE group (RFC 8848 §4.3): see [Session.CLUEControlled].
type Session struct {
	Origin  Origin
	Name    string // s=
	Addr    string // session-level c= address ("" when absent)
	Groups  []Group
	ICELite bool // a=ice-lite (RFC 8839 §5.3)
	ICE     ICE  // session-level ufrag/pwd (candidates are media-level only)
	DTLS    DTLS // session-level setup/fingerprint (RFC 4145 §4, RFC 8122 §5)
	ExtMaps []ExtMap
	Other   []Attribute
	Media   []Media

	pos *srcMap // line numbers, set by Parse
}

// Media is one m-line and its attributes.
type Media struct {
	Type      string   // audio, video, application, …
	Port      int      // 0: rejected or disabled (RFC 3264 §6, §8.2)
	Proto     string   // UDP/TLS/RTP/SAVPF, UDP/DTLS/SCTP, …
	Formats   []string // the m= fmt list verbatim
	Addr      string   // media-level c= address ("" when absent)
	Bandwidth Bandwidth
	MID       string    // a=mid (RFC 5888 §4)
	Label     string    // a=label (RFC 4574); the encoding ID on CLUE lines
	Direction Direction // a=sendrecv/sendonly/recvonly/inactive
	// BundleOnly is a=bundle-only (RFC 9143 §6).
	BundleOnly bool
	RTCPMux    bool  // a=rtcp-mux (RFC 5761 §5.1.1)
	DTLS       DTLS  // media-level DTLS attributes (may be inherited)
	ICE        ICE   // media-level ICE attributes (may be inherited)
	RTP        *RTP  // non-nil for RTP m-lines
	SCTP       *SCTP // non-nil for SCTP-over-DTLS m-lines
	Other      []Attribute
}

// RTP holds what an RTP m-line negotiates.
type RTP struct {
	Codecs  []Codec // in m= order
	ExtMaps []ExtMap
	SSRCs   []SSRC
}

// Codec is one payload type with its rtpmap, fmtp and rtcp-fb lines.
type Codec struct {
	PT        uint8
	Name      string // encoding name, compared case-insensitively (RFC 4855 §3)
	ClockRate uint32
	Channels  uint8  // 0: absent (one channel for audio)
	Fmtp      string // a=fmtp parameters verbatim, "" when absent
	FB        []FB   // a=rtcp-fb (RFC 4585 §4.2); "*" lines are expanded
}

// FB is one a=rtcp-fb value: Type "nack", "ccm", "goog-remb", …; Param
// "pli", "fir", "tmmbr", … or "".
type FB struct {
	Type  string
	Param string
}

// ExtMap is an a=extmap line (RFC 8285 §5, §8). Direction SendRecv means no
// direction qualifier (the stream's direction applies, RFC 8285 §7).
type ExtMap struct {
	ID        uint16
	Direction Direction
	URI       string
	Attr      string // extension attributes, "" when absent
}

// SSRC is an a=ssrc line with the cname source attribute (RFC 5576 §4.1).
// Other ssrc attributes are kept in Media.Other.
type SSRC struct {
	ID    uint32
	CNAME string
}

// SCTP holds the attributes of an SCTP-over-DTLS m-line.
type SCTP struct {
	Port           uint16  // a=sctp-port, mandatory (RFC 8841 §5.1)
	MaxMessageSize *uint64 // a=max-message-size; nil: absent ⇒ 65536 (RFC 8841 §6.1)
	Channels       []DCMap // a=dcmap (RFC 8864 §5.1), with their a=dcsa
}

// MessageSizeLimit is the largest SCTP user message the author of the SDP
// accepts: 0 means no limit (RFC 8841 §6.1).
func (s *SCTP) MessageSizeLimit() uint64 {
	if s.MaxMessageSize == nil {
		return DefaultMaxMessageSize
	}
	return *s.MaxMessageSize
}

// DefaultMaxMessageSize applies when a=max-message-size is absent
// (RFC 8841 §6.1: "the default value is 64K").
const DefaultMaxMessageSize = 65536

// DCMap is an a=dcmap line (RFC 8864 §5.1.1). Label and Subprotocol are
// unescaped. Absent parameters take the RFC's defaults: ordered=true,
// priority 256, fully reliable.
type DCMap struct {
	StreamID    uint16
	Label       string
	Subprotocol string
	Ordered     bool
	MaxRetr     *uint32
	MaxTime     *uint32
	Priority    *uint16
	DCSA        []string // a=dcsa:<id> attributes for this stream, verbatim (RFC 8864 §5.2)
}

// IsCLUE reports whether the channel is the CLUE channel (RFC 8850 §3.3.2):
// subprotocol "CLUE", compared case-insensitively (DIGEST §9 #4).
func (c *DCMap) IsCLUE() bool { return equalFold(c.Subprotocol, SubprotocolCLUE) }

// Reliable reports whether the channel is fully reliable and ordered, as
// RFC 8850 §3.2.3–§3.2.4 require of the CLUE channel.
func (c *DCMap) Reliable() bool { return c.Ordered && c.MaxRetr == nil && c.MaxTime == nil }

// Group returns the first group with the given semantics, or nil.
func (s *Session) Group(semantics string) *Group {
	for i := range s.Groups {
		if s.Groups[i].Semantics == semantics {
			return &s.Groups[i]
		}
	}
	return nil
}

// MediaByMID returns the index of the m-line with that mid, or -1.
func (s *Session) MediaByMID(mid string) int {
	if mid == "" {
		return -1
	}
	for i := range s.Media {
		if s.Media[i].MID == mid {
			return i
		}
	}
	return -1
}

// IsDataChannel reports whether the m-line describes an SCTP-over-DTLS
// association for WebRTC data channels (RFC 8841 §4).
func (m *Media) IsDataChannel() bool {
	return m.Type == Application && (m.Proto == ProtoDTLSSCTP || m.Proto == ProtoTCPDTLSSCTP) &&
		len(m.Formats) == 1 && m.Formats[0] == FormatDataChannel
}

// IsRTP reports whether the m-line is RTP-based (its proto names RTP).
func (m *Media) IsRTP() bool { return isRTPProto(m.Proto) }

// CLUEChannel returns the CLUE dcmap of a data channel m-line, or nil.
func (m *Media) CLUEChannel() *DCMap {
	if m.SCTP == nil {
		return nil
	}
	for i := range m.SCTP.Channels {
		if m.SCTP.Channels[i].IsCLUE() {
			return &m.SCTP.Channels[i]
		}
	}
	return nil
}

// DataChannel returns the index of the CLUE data channel m-line: the one
// data channel m-line whose mid is in the CLUE group (RFC 8848 §4.2), or -1
// when there is no CLUE group or it names no data channel.
func (s *Session) DataChannel() int {
	g := s.Group(SemCLUE)
	if g == nil {
		return -1
	}
	for _, mid := range g.MIDs {
		if i := s.MediaByMID(mid); i >= 0 && s.Media[i].IsDataChannel() {
			return i
		}
	}
	return -1
}

// CLUEControlled reports whether m-line i is a CLUE-controlled media line:
// an RTP m-line whose mid is in the CLUE group (RFC 8848 §4.3).
func (s *Session) CLUEControlled(i int) bool {
	m := &s.Media[i]
	if m.MID == "" || !m.IsRTP() {
		return false
	}
	g := s.Group(SemCLUE)
	return g != nil && contains(g.MIDs, m.MID)
}

// EncodingLabels returns the labels of the CLUE encodings this SDP
// describes: CLUE-controlled sendonly or inactive m-lines with a non-zero
// port (RFC 8848 §4.4.1). A configure's encodingIDs must name one of the
// labels of the most recent SDP its sender received (§4.4.1.1).
func (s *Session) EncodingLabels() []string {
	var out []string
	for i := range s.Media {
		m := &s.Media[i]
		if m.Port != 0 && m.Label != "" && (m.Direction == SendOnly || m.Direction == Inactive) &&
			s.CLUEControlled(i) && !contains(out, m.Label) {
			out = append(out, m.Label)
		}
	}
	return out
}

// bundleGroupOf returns the BUNDLE group holding mid, or nil.
func (s *Session) bundleGroupOf(mid string) *Group {
	if mid == "" {
		return nil
	}
	for i := range s.Groups {
		if s.Groups[i].Semantics == SemBundle && contains(s.Groups[i].MIDs, mid) {
			return &s.Groups[i]
		}
	}
	return nil
}

// Transport is the effective transport of an m-line: its own attributes,
// completed from the BUNDLE-tagged m-line (RFC 9143 §7.1.3) and from the
// session level (RFC 8839 §5.4, RFC 8122 §5, RFC 4145 §4).
type Transport struct {
	Addr    string
	Port    int
	RTCPMux bool
	DTLS    DTLS
	ICE     ICE
	Bundled bool // the m-line is in a BUNDLE group
}

// Transport returns the effective transport of m-line i.
func (s *Session) Transport(i int) Transport {
	m := &s.Media[i]
	t := Transport{Addr: m.Addr, Port: m.Port, RTCPMux: m.RTCPMux, DTLS: m.DTLS, ICE: m.ICE}
	if g := s.bundleGroupOf(m.MID); g != nil && len(g.MIDs) > 0 {
		t.Bundled = true
		if tag := s.MediaByMID(g.MIDs[0]); tag >= 0 && tag != i {
			tm := &s.Media[tag]
			if t.Port == 0 {
				t.Port = tm.Port
			}
			if t.Addr == "" {
				t.Addr = tm.Addr
			}
			t.RTCPMux = t.RTCPMux || tm.RTCPMux
			inheritDTLS(&t.DTLS, &tm.DTLS)
			inheritICE(&t.ICE, &tm.ICE)
		}
	}
	if t.Addr == "" {
		t.Addr = s.Addr
	}
	inheritDTLS(&t.DTLS, &s.DTLS)
	inheritICE(&t.ICE, &s.ICE)
	return t
}

func inheritDTLS(d, from *DTLS) {
	if d.Setup == SetupNone {
		d.Setup = from.Setup
	}
	if len(d.Fingerprints) == 0 {
		d.Fingerprints = from.Fingerprints
	}
	if d.TLSID == "" {
		d.TLSID = from.TLSID
	}
}

func inheritICE(c, from *ICE) {
	if c.Ufrag == "" && c.Pwd == "" {
		c.Ufrag, c.Pwd = from.Ufrag, from.Pwd
	}
	if len(c.Candidates) == 0 {
		c.Candidates = from.Candidates
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func isRTPProto(p string) bool {
	for i := 0; i+4 <= len(p); i++ {
		if p[i:i+4] == "RTP/" && (i == 0 || p[i-1] == '/') {
			return true
		}
	}
	return false
}

// isDTLSSRTP reports whether an RTP proto is keyed by DTLS-SRTP
// (RFC 5764 §8; RFC 7850 for the TCP variants).
func isDTLSSRTP(p string) bool {
	switch p {
	case ProtoSAVPF, ProtoSAVP, "TCP/DTLS/RTP/SAVPF", "TCP/DTLS/RTP/SAVP":
		return true
	}
	return false
}
