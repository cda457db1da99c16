package sdp

import (
	"net/netip"
	"strconv"

	"github.com/cluecam/cluecam/clue/model"
)

// Local is the box's side of a session: identity, keys, transport and the
// media it can send and receive. Offer and Answer read it; they never
// modify it. One Local describes one dialog; keep SessionID, Fingerprints
// and TLSID stable across its offers (RFC 8842 §5.5: same tls-id and
// fingerprints keep the DTLS association).
type Local struct {
	// Origin: Username ("-" when empty), SessionID, Version (of the first
	// SDP; later ones increment it, RFC 3264 §8), Address.
	Origin Origin
	// Addr is the c= address (and host candidate address when ICE is on).
	Addr string
	// Port is the default m= port for items whose own Port is 0. The box
	// uses one UDP socket (RFC 7983 demultiplexing), so usually only this
	// is set.
	Port int
	DTLS LocalDTLS
	// ICE: nil means no ICE attributes at all.
	ICE *LocalICE
	// Bundle: offer a BUNDLE group (RFC 9143 §7.2) and accept one in
	// answers (§7.3). Without it, offered BUNDLE groups are ignored and
	// every m-line keeps its own transport.
	Bundle bool
	// BundleOnly, with Bundle, makes an initial offer carry the whole
	// session on one address:port: every bundled m-line but the first is
	// a=bundle-only with port 0 (RFC 9143 §7.2, as WebRTC's max-bundle
	// does). A peer without BUNDLE then gets only the first line.
	BundleOnly bool
	// DataChannel: nil means the box does not offer or accept CLUE.
	DataChannel *DataChannel
	// Fallback: ordinary (non-CLUE) audio and video lines, so that a plain
	// SIP endpoint still gets one camera and one microphone (RFC 8848
	// §4.5.1: at least one non-CLUE line SHOULD be offered).
	Fallback []Fallback
	// Encodings: the box's CLUE encodings, one sendonly CLUE-controlled
	// m-line each (RFC 8848 §4.4.1). Their IDs are the encodingIDs of the
	// advertisement's encoding groups (see CheckEncodingGroups).
	Encodings []Encoding
	// Receive: CLUE-controlled recvonly lines for the peer's encodings
	// (RFC 8848 §4.4.2): offered as new recvonly m-lines, and used in
	// answers to accept the peer's sendonly encodings.
	Receive []Receive
	// CaptIdExtID and MIDExtID are the extmap IDs of the CaptId (RFC 8849)
	// and BUNDLE MID (RFC 9143 §9.1) header extensions; 0 means 1 and 2.
	CaptIdExtID uint8
	MIDExtID    uint8
}

// LocalDTLS: our certificate fingerprints and tls-id (RFC 8842 §4: ≥ 120
// random bits, 20..255 characters of [A-Za-z0-9+/_-]).
type LocalDTLS struct {
	Fingerprints []Fingerprint
	TLSID        string
	// AnswerSetup is the role chosen when answering an actpass offer:
	// SetupActive (the default, RECOMMENDED by RFC 5763 §5) makes the box
	// the DTLS client and so the CLUE Channel Initiator (DIGEST §9 #6), or
	// SetupPassive.
	AnswerSetup Setup
}

// LocalICE: ICE-lite credentials and the host addresses to announce
// (RFC 8445 §2.5 lite agents only gather host candidates).
type LocalICE struct {
	Ufrag, Pwd string
	Lite       bool
	HostAddrs  []string // one host candidate per address per m-line port
}

// DataChannel configures the CLUE data channel m-line (RFC 8850 §3.3,
// RFC 8841, RFC 8864).
type DataChannel struct {
	Port           int    // m= port; 0: Local.Port
	SCTPPort       uint16 // a=sctp-port; 0: 5000
	MaxMessageSize uint64 // what we accept; 0: DefaultMaxMessageSize. "No limit" is never offered.
	// StreamID forces the dcmap stream id of a new CLUE channel in our
	// offers; nil picks by DTLS role: odd in an initial offer (the
	// answerer is expected to answer active, making us DTLS server,
	// RFC 5763 §5), by parity of the known role in re-offers (RFC 8864
	// §6.1, RFC 8831 §6.5). An existing channel keeps its id (§6.6).
	StreamID *uint16
	Label    string // dcmap label, optional (RFC 8850 §3.3.2)
	// MinPeerMessageSize: a peer whose a=max-message-size is non-zero and
	// smaller than this cannot take CLUE messages; its data channel is
	// refused. 0: 4096.
	MinPeerMessageSize uint64
}

// Fallback is an ordinary audio or video m-line.
type Fallback struct {
	Type   string // Audio or Video
	Port   int
	Codecs []Codec
	// Direction the box can handle on this line: SendRecv (the zero
	// value), SendOnly for a box without speaker or screen, …
	Direction Direction
	// Disabled offers the line with port 0: RFC 8848 §4.5.4.1 asks to
	// turn fallback lines off once CLUE media of that type flows.
	Disabled  bool
	Bandwidth Bandwidth
}

// Encoding is one of the box's CLUE encodings (RFC 8845 §9.1).
type Encoding struct {
	// ID is the a=label and the advertisement's encodingID: an SDP token.
	ID     string
	Type   string // Audio or Video
	Port   int
	Codecs []Codec
	// Inactive offers a=inactive instead of a=sendonly (the encoder is not
	// available now). Either way no RTP flows until a configure assigns a
	// capture (RFC 8848 §4.4.1, §5.2): that is the media layer's rule.
	Inactive bool
	// CaptId offers the CaptureID header extension, needed when switched
	// MCCs are sent on this encoding (RFC 8849 §5, RFC 8848 §6).
	CaptId bool
	// MaxBitrate is the encoding's limit in bit/s (RFC 8845 §9.1),
	// signalled as b=TIAS and b=AS (RFC 3890); 0: none.
	MaxBitrate uint64
	SSRC       uint32 // a=ssrc with CNAME when non-zero (RFC 5576)
	CNAME      string
}

// Receive is a wish to receive one of the peer's CLUE encodings.
type Receive struct {
	// Label names the peer encoding (its a=label) this receiver is for,
	// when answering an offer; "" accepts any peer encoding of the Type.
	// Labels are never written on our recvonly lines (RFC 8848 §4.4.2
	// makes them optional there, and the peer's labels may collide with
	// ours).
	Label  string
	Type   string
	Port   int
	Codecs []Codec
	CaptId bool // want the CaptId header extension
}

// port resolves an item's port: its own, else Local.Port, else the first
// port configured anywhere (for lines that belong to no item, such as an
// inactive CLUE line in an answer).
func (l *Local) port(p int) int {
	if p != 0 {
		return p
	}
	if l.Port != 0 {
		return l.Port
	}
	if l.DataChannel != nil && l.DataChannel.Port != 0 {
		return l.DataChannel.Port
	}
	for _, f := range l.Fallback {
		if f.Port != 0 {
			return f.Port
		}
	}
	for _, e := range l.Encodings {
		if e.Port != 0 {
			return e.Port
		}
	}
	for _, r := range l.Receive {
		if r.Port != 0 {
			return r.Port
		}
	}
	return 0
}

func (l *Local) captIdExt() uint16 {
	if l.CaptIdExtID == 0 {
		return 1
	}
	return uint16(l.CaptIdExtID)
}

func (l *Local) midExt() uint16 {
	if l.MIDExtID == 0 {
		return 2
	}
	return uint16(l.MIDExtID)
}

func (d *DataChannel) sctpPort() uint16 {
	if d.SCTPPort == 0 {
		return 5000
	}
	return d.SCTPPort
}

func (d *DataChannel) maxMessageSize() uint64 {
	if d.MaxMessageSize == 0 {
		return DefaultMaxMessageSize
	}
	return d.MaxMessageSize
}

func (d *DataChannel) minPeer() uint64 {
	if d.MinPeerMessageSize == 0 {
		return 4096
	}
	return d.MinPeerMessageSize
}

// check validates the local description: our own mistakes are ErrLocal.
func (l *Local) check() error {
	if len(l.DTLS.Fingerprints) == 0 {
		return localErr("no DTLS fingerprint")
	}
	for _, fp := range l.DTLS.Fingerprints {
		if _, _, err := parseFingerprint(fp.Hash + " " + fp.Value); err != nil || hashLen[fp.Hash] == 0 || weakHash(fp.Hash) {
			return localErr("fingerprint %s %q is not a usable RFC 8122 fingerprint", fp.Hash, fp.Value)
		}
	}
	if l.DTLS.TLSID != "" {
		if err := checkTLSID(l.DTLS.TLSID); err != nil {
			return localErr("tls-id: %s", err.Msg)
		}
	}
	switch l.DTLS.AnswerSetup {
	case SetupNone, SetupActive, SetupPassive:
	default:
		return localErr("AnswerSetup %s: want active or passive", l.DTLS.AnswerSetup)
	}
	if l.Addr == "" {
		return localErr("no address")
	}
	if l.ICE != nil {
		if checkICEString("ufrag", l.ICE.Ufrag, 4, 256) != nil || checkICEString("pwd", l.ICE.Pwd, 22, 256) != nil {
			return localErr("ICE credentials do not match RFC 8839 §5.4")
		}
		for _, a := range l.ICE.HostAddrs {
			if _, err := netip.ParseAddr(a); err != nil {
				return localErr("ICE host address %q: %v", a, err)
			}
		}
	}
	seen := map[string]bool{}
	for _, e := range l.Encodings {
		if !IsToken(e.ID) {
			return localErr("encoding ID %q is not an SDP token (RFC 4574 §4)", e.ID)
		}
		if seen[e.ID] {
			return localErr("encoding ID %q used twice (RFC 8848 §4.4.1)", e.ID)
		}
		seen[e.ID] = true
		if err := checkItem("encoding "+e.ID, e.Type, e.Codecs); err != nil {
			return err
		}
	}
	for i, f := range l.Fallback {
		if err := checkItem("fallback "+strconv.Itoa(i), f.Type, f.Codecs); err != nil {
			return err
		}
	}
	for i, r := range l.Receive {
		if err := checkItem("receive "+strconv.Itoa(i), r.Type, r.Codecs); err != nil {
			return err
		}
	}
	return nil
}

func checkItem(what, typ string, codecs []Codec) error {
	if typ != Audio && typ != Video {
		return localErr("%s: media type %q, want audio or video", what, typ)
	}
	if len(codecs) == 0 {
		return localErr("%s: no codecs", what)
	}
	for _, c := range codecs {
		if c.Name == "" || c.ClockRate == 0 || c.PT > 127 {
			return localErr("%s: codec %d %q incomplete", what, c.PT, c.Name)
		}
		if c.PT >= 64 && c.PT <= 95 {
			return localErr("%s: payload type %d collides with RTCP under rtcp-mux (RFC 5761 §4)", what, c.PT)
		}
	}
	return nil
}

// CheckEncodingGroups checks an advertisement's encoding groups against the
// local encodings: every encodingID is an SDP token (it becomes an a=label,
// RFC 4574 §4) and is one of l.Encodings (RFC 8848 §4.4.1.1: an encID
// names a CLUE-controlled m-line of our most recent SDP, or one we are
// about to send). Encodings no group lists cannot be configured and are
// reported too.
func (l *Local) CheckEncodingGroups(groups []model.EncodingGroup) error {
	ours := map[string]bool{}
	for _, e := range l.Encodings {
		ours[e.ID] = true
	}
	listed := map[string]bool{}
	for _, g := range groups {
		for _, id := range g.EncodingIDs {
			if !IsToken(id) {
				return localErr("encoding group %q: encodingID %q is not an SDP token", g.EncodingGroupID, id)
			}
			if !ours[id] {
				return localErr("encoding group %q: encodingID %q has no local encoding", g.EncodingGroupID, id)
			}
			listed[id] = true
		}
	}
	for _, e := range l.Encodings {
		if !listed[e.ID] {
			return localErr("encoding %q is in no encoding group", e.ID)
		}
	}
	return nil
}
