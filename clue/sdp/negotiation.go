package sdp

// Negotiation is the outcome of one offer/answer exchange: what the two
// SDPs agreed on, m-line by m-line, from the box's point of view. The
// endpoint keeps the latest one: it is the "most recent SDP exchange" of
// RFC 8848 §5.2, and the cur argument of the next Offer or Answer.
type Negotiation struct {
	Local, Remote *Session
	Offerer       bool // the box made the offer
	// CLUE is RFC 8848 §4.5.3: both SDPs have a data channel m-line in
	// their CLUE group, and the channel is usable (accepted, a CLUE dcmap
	// with the same stream id on both sides, ordered and reliable, a peer
	// max-message-size CLUE messages fit in). Then the data channel must be
	// started (RFC 8850) and, once up, the CLUE protocol.
	CLUE    bool
	Channel *Channel // the CLUE channel when CLUE is true
	// DTLSClient: the box is the DTLS client (its side is a=setup:active)
	// and so the CLUE Channel Initiator (DIGEST §9 #6).
	DTLSClient bool
	dtlsKnown  bool
	Bundle     *Bundle  // the negotiated BUNDLE group, nil without one
	Streams    []Stream // one per m-line, in m-line order
	Warnings   []Warning
}

// Channel describes the negotiated CLUE data channel.
type Channel struct {
	MLine          int
	MID            string
	StreamID       uint16
	Label          string
	LocalSCTPPort  uint16
	RemoteSCTPPort uint16
	// Largest user message each side accepts; 0: no limit. Never send more
	// than RemoteMaxMessageSize (RFC 8841 §6.1).
	LocalMaxMessageSize  uint64
	RemoteMaxMessageSize uint64
	Remote               Transport
}

// Bundle is a negotiated BUNDLE group: its mids with the tag first (the
// m-line whose transport the whole group uses, RFC 9143 §7.4).
type Bundle struct {
	MIDs []string
	Tag  string
}

// Stream is the outcome for one m-line.
type Stream struct {
	MLine int
	MID   string
	Type  string
	// Active: accepted by both sides (RFC 3264 §6: a port-0 m-line is
	// rejected or disabled).
	Active bool
	// CLUE: a CLUE-controlled m-line of a CLUE-enabled session. Media on it
	// flows only once a configure assigns a capture (RFC 8848 §5.2).
	CLUE bool
	// Direction from the box's point of view.
	Direction Direction
	// LocalLabel is our encoding ID when we send on a CLUE line;
	// RemoteLabel the peer's encoding ID when we receive one.
	LocalLabel  string
	RemoteLabel string
	// Codecs: the agreed payload formats, with the offer's payload types
	// (RFC 3264 §6.1) and the answer's parameters (e.g. the H.264 level);
	// the first is the preferred one.
	Codecs []Codec
	// CaptIdExt and MIDExt are the negotiated header extension IDs, 0 when
	// not negotiated (RFC 8285 §7; RFC 8849 §5.2; RFC 9143 §9.1).
	CaptIdExt uint16
	MIDExt    uint16
	Remote    Transport // where and how to reach the peer for this m-line
	Reason    string    // why the m-line is not active, when it is not
}

// CanSend reports whether the latest exchange has an active CLUE m-line on
// which we send the encoding with this label: half of RFC 8848 §5.2's
// condition; the other half is a configure assigning a capture to it.
func (n *Negotiation) CanSend(label string) bool {
	for i := range n.Streams {
		st := &n.Streams[i]
		if st.Active && st.CLUE && st.LocalLabel == label && st.Direction.Sends() {
			return true
		}
	}
	return false
}

// ChannelInitiator reports whether the box is the CLUE Channel Initiator,
// i.e. the DTLS client (DIGEST §9 #6, RFC 8848 §8).
func (n *Negotiation) ChannelInitiator() bool { return n.CLUE && n.DTLSClient }

// NewAssociation reports whether a new offer from the peer asks for a new
// DTLS association (RFC 8842 §3.1, §4): a changed tls-id, or, without
// tls-id, a changed fingerprint set or setup role. Call it before Answer
// and, when true, give Local a fresh tls-id (RFC 8842 §5.3).
func (n *Negotiation) NewAssociation(offer *Session) bool {
	if n == nil || n.Remote == nil {
		return true
	}
	old, nw := firstDTLS(n.Remote), firstDTLS(offer)
	if old == nil || nw == nil {
		return nw != nil
	}
	if nw.TLSID != "" || old.TLSID != "" {
		if nw.TLSID != old.TLSID {
			return true
		}
	} else if nw.Setup != SetupActpass && nw.Setup != old.Setup {
		return true
	}
	if len(nw.Fingerprints) != len(old.Fingerprints) {
		return true
	}
	for i := range nw.Fingerprints {
		if nw.Fingerprints[i] != old.Fingerprints[i] {
			return true
		}
	}
	return false
}

func firstDTLS(s *Session) *DTLS {
	for i := range s.Media {
		m := &s.Media[i]
		if s.inUse(i) && (m.IsDataChannel() || (m.IsRTP() && isDTLSSRTP(m.Proto))) {
			t := s.Transport(i)
			return &t.DTLS
		}
	}
	return nil
}

// slot classifies m-line i of the previous exchange for a re-offer.
func (n *Negotiation) slot(i int) (kind int, label string) {
	lm := &n.Local.Media[i]
	if !n.Local.inUse(i) || i >= len(n.Remote.Media) || !n.Remote.inUse(i) {
		return slotDead, ""
	}
	rm := &n.Remote.Media[i]
	if lm.IsDataChannel() {
		return slotDC, ""
	}
	if !lm.IsRTP() || (lm.Type != Audio && lm.Type != Video) {
		return slotDead, ""
	}
	if !n.Local.CLUEControlled(i) && !n.Remote.CLUEControlled(i) {
		return slotFallback, ""
	}
	if lm.Label != "" && (lm.Direction == SendOnly || lm.Direction == Inactive) {
		return slotEncoding, lm.Label
	}
	if rm.Label != "" && (rm.Direction == SendOnly || rm.Direction == Inactive) {
		return slotPeerEnc, rm.Label
	}
	return slotFree, ""
}

// negotiate computes the outcome of an exchange whose answer has been
// checked against its offer.
func negotiate(l *Local, local, remote *Session, offerer bool, warns []Warning) *Negotiation {
	n := &Negotiation{Local: local, Remote: remote, Offerer: offerer, Warnings: warns}
	offer, answer := local, remote
	if !offerer {
		offer, answer = remote, local
	}
	grouped := midsEchoed(offer, answer)
	if grouped {
		if ab := answer.Group(SemBundle); ab != nil && len(ab.MIDs) > 0 && offer.Group(SemBundle) != nil {
			n.Bundle = &Bundle{MIDs: append([]string(nil), ab.MIDs...), Tag: ab.MIDs[0]}
		}
	}
	// DTLS roles: the answer's a=setup decides (RFC 4145 §4.1); absent,
	// RFC 4145's answer default is passive.
	for i := range answer.Media {
		am := &answer.Media[i]
		if i < len(offer.Media) && offer.inUse(i) && answer.inUse(i) && (am.IsDataChannel() || (am.IsRTP() && isDTLSSRTP(am.Proto))) {
			answererClient := answer.Transport(i).DTLS.Setup == SetupActive
			n.DTLSClient = answererClient != offerer
			n.dtlsKnown = true
			if am.IsDataChannel() {
				break // the CLUE channel's role is the one that matters
			}
		}
	}
	clueOK := grouped && l != nil && l.DataChannel != nil
	od, ad := offer.DataChannel(), -1
	if grouped {
		ad = answer.DataChannel()
	}
	if clueOK && od >= 0 && od == ad && offer.inUse(od) && answer.inUse(od) {
		oc, ac := offer.Media[od].CLUEChannel(), answer.Media[od].CLUEChannel()
		switch {
		case oc == nil || ac == nil:
			n.warn(od, "a=dcmap", "RFC 8864 §6.5", "no CLUE dcmap on both sides: the CLUE channel is closed")
		case oc.StreamID != ac.StreamID || !oc.Reliable() || !ac.Reliable():
			n.warn(od, "a=dcmap", "RFC 8864 §6.4, RFC 8850 §3.2", "CLUE dcmap differs or is not ordered and reliable")
		default:
			lm, rm := &local.Media[od], &remote.Media[od]
			peerMax := rm.SCTP.MessageSizeLimit()
			if peerMax != 0 && peerMax < l.DataChannel.minPeer() {
				n.warn(od, "a=max-message-size", "RFC 8841 §6", "the peer accepts messages of %d bytes only (need %d): CLUE unusable",
					peerMax, l.DataChannel.minPeer())
				break
			}
			n.CLUE = true
			n.Channel = &Channel{MLine: od, MID: lm.MID, StreamID: oc.StreamID, Label: oc.Label,
				LocalSCTPPort: lm.SCTP.Port, RemoteSCTPPort: rm.SCTP.Port,
				LocalMaxMessageSize: lm.SCTP.MessageSizeLimit(), RemoteMaxMessageSize: peerMax,
				Remote: remote.Transport(od)}
		}
	}
	for i := range offer.Media {
		n.Streams = append(n.Streams, n.stream(i, offer, answer, grouped))
	}
	return n
}

func (n *Negotiation) warn(mi int, attr, section, format string, args ...any) {
	n.Warnings = append(n.Warnings, Warning{MLine: mi, Attr: attr, Msg: sprintf(format, args...), Section: section})
}

// midsEchoed: RFC 5888 §9.1: when an answer changes a mid, all its mid and
// group lines are ignored.
func midsEchoed(offer, answer *Session) bool {
	for i := range offer.Media {
		if i < len(answer.Media) && offer.Media[i].MID != answer.Media[i].MID {
			return false
		}
	}
	return true
}

func (n *Negotiation) stream(i int, offer, answer *Session, grouped bool) Stream {
	om := &offer.Media[i]
	st := Stream{MLine: i, MID: om.MID, Type: om.Type}
	if i >= len(answer.Media) {
		st.Reason = "missing in the answer"
		return st
	}
	am := &answer.Media[i]
	local, remote := n.Local, n.Remote
	lm, rm := &local.Media[i], &remote.Media[i]
	switch {
	case !offer.inUse(i):
		st.Reason = "port 0 in the offer"
		return st
	case !answer.inUse(i):
		st.Reason = "rejected by the answer (port 0)"
		if !n.Offerer {
			st.Reason = "rejected (port 0)"
		}
		return st
	}
	st.Active = true
	st.Remote = remote.Transport(i)
	if n.Offerer {
		st.Direction = am.Direction.Reverse()
	} else {
		st.Direction = am.Direction
	}
	if om.IsRTP() {
		st.CLUE = n.CLUE && grouped && offer.CLUEControlled(i) && answer.CLUEControlled(i)
		if st.CLUE {
			if st.Direction.Sends() || st.Direction == Inactive {
				st.LocalLabel = lm.Label
			}
			if st.Direction.Receives() || st.Direction == Inactive {
				st.RemoteLabel = rm.Label
			}
		}
		if om.RTP != nil && am.RTP != nil {
			for _, ac := range am.RTP.Codecs {
				oc := findCodec(om.RTP.Codecs, ac.PT)
				if oc == nil || !sameFormat(oc, &ac) {
					continue
				}
				c := ac
				c.FB = nil
				for _, fb := range ac.FB {
					if hasFB(oc.FB, fb) {
						c.FB = append(c.FB, fb)
					}
				}
				st.Codecs = append(st.Codecs, c)
			}
			st.CaptIdExt = agreedExt(offer, answer, i, isCaptIdURI)
			st.MIDExt = agreedExt(offer, answer, i, func(u string) bool { return equalFold(u, MIDURI) })
		}
	}
	return st
}

// agreedExt: the ID of an extension both the offer and the answer list for
// m-line i (media-level, else session-level extmaps).
func agreedExt(offer, answer *Session, i int, is func(string) bool) uint16 {
	oe, ae := extmaps(offer, i), extmaps(answer, i)
	for _, a := range ae {
		if !is(a.URI) || a.Direction == Inactive {
			continue
		}
		for _, o := range oe {
			if is(o.URI) && (o.ID == a.ID || o.ID >= 4096) && o.Direction != Inactive {
				return a.ID
			}
		}
	}
	return 0
}

func extmaps(s *Session, i int) []ExtMap {
	if r := s.Media[i].RTP; r != nil && len(r.ExtMaps) > 0 {
		return r.ExtMaps
	}
	return s.ExtMaps
}
