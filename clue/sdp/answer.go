package sdp

import (
	"strconv"
	"strings"
)

// Answer computes our answer to a peer's offer, which must come from Parse
// (AsOffer). cur is the previous exchange of the dialog, nil for an initial
// offer. RFC 3264 §6: the answer has the offer's m-lines in the same order;
// a line we cannot or will not use gets port 0; mids are echoed (RFC 5888
// §9.1).
//
// Per m-line:
//   - the CLUE data channel (its mid in the offer's CLUE group) is accepted
//     when l.DataChannel is set and the channel is usable (UDP/DTLS/SCTP, a
//     CLUE dcmap, ordered and reliable, stream id parity not broken, the
//     peer's max-message-size large enough); the dcmap is echoed with the
//     same stream id (RFC 8864 §6.4) and the CLUE group names it (RFC 8848
//     §4.5.2.1). Other data channels are rejected.
//   - CLUE-controlled lines, only when the data channel is accepted:
//     offered recvonly (the peer wants one of our encodings) ⇒ sendonly
//     with one of l.Encodings (the one with the offered label, the one
//     this mid carried before, else the next free one of that media type),
//     remaining ones inactive (RFC 8848 §4.5.2.2); offered sendonly (a
//     peer encoding) ⇒ recvonly when l.Receive wants it, else inactive
//     (§4.5.2.2, §5.3); offered inactive ⇒ inactive (RFC 3264 §6.1).
//   - other audio/video lines ⇒ the first unused l.Fallback of that type,
//     the direction both sides can do (RFC 3264 §6.1).
//   - RTP lines not keyed by DTLS-SRTP, without rtcp-mux (the box has one
//     socket, RFC 5761) or without a common codec, and everything else,
//     are rejected.
//
// Codecs are intersected keeping the offer's payload types and order
// (RFC 3264 §6.1), H.264 per RFC 6184 §8.2.2. a=setup answers actpass with
// l.DTLS.AnswerSetup (active by default: the box becomes DTLS client and
// CLUE Channel Initiator), active with passive and passive with active
// (RFC 4145 §4.1); a re-offer that keeps the DTLS association keeps our
// role (RFC 8842 §5.3). A tls-id is sent only when the offer has one
// (RFC 8842 §5.3). With l.Bundle, the offered BUNDLE group is accepted with
// the first acceptable mid as tag, one port for the group and the
// transport attributes on the tag only (RFC 9143 §7.3); without it, the
// group is ignored and bundle-only lines are rejected.
//
// The error is an *Error when nothing can be accepted (ErrNoMedia or
// ErrNotDTLSSRTP, SIP 488), or ErrLocal when l is inconsistent.
func Answer(l *Local, offer *Session, cur *Negotiation) (*Session, *Negotiation, error) {
	if err := l.check(); err != nil {
		return nil, nil, err
	}
	a := &answerer{l: l, offer: offer, dc: -1}
	s := newSession(l)
	if cur != nil && cur.Local != nil {
		s.Origin.SessionID = cur.Local.Origin.SessionID
		s.Origin.Version = cur.Local.Origin.Version + 1
	}
	a.b = &builder{l: l, s: s, kind: AsAnswer, tag: -1, tagOnly: true}
	a.cur = cur
	return a.run()
}

type answerer struct {
	l     *Local
	offer *Session
	cur   *Negotiation
	b     *builder
	dc    int // offer index of the accepted CLUE data channel, -1
	warns []Warning
	// reasons[i]: why m-line i is rejected ("" when accepted).
	reasons []string
	notDTLS int
}

func (a *answerer) note(mi int, attr, section, format string, args ...any) {
	a.warns = append(a.warns, Warning{MLine: mi, Attr: attr, Msg: sprintf(format, args...), Section: section})
}

func (a *answerer) run() (*Session, *Negotiation, error) {
	l, offer, s := a.l, a.offer, a.b.s
	a.reasons = make([]string, len(offer.Media))
	a.pickDataChannel()

	// The BUNDLE group we may accept (the first one offered).
	var og *Group
	if l.Bundle {
		og = offer.Group(SemBundle)
	}
	usedFB := make([]bool, len(l.Fallback))
	usedEnc := map[string]bool{}
	usedRx := make([]bool, len(l.Receive))
	prevLabel := map[string]string{} // mid → our encoding there last time
	if a.cur != nil && a.cur.Local != nil {
		for i := range a.cur.Local.Media {
			if m := &a.cur.Local.Media[i]; m.Label != "" && m.MID != "" {
				prevLabel[m.MID] = m.Label
			}
		}
	}
	// Labels the offer itself asks for come first.
	for i := range offer.Media {
		if om := &offer.Media[i]; om.Direction == RecvOnly && om.Label != "" && l.encoding(om.Label) != nil &&
			offer.CLUEControlled(i) {
			usedEnc[om.Label] = false
		}
	}
	for i := range offer.Media {
		om := &offer.Media[i]
		inBundle := og != nil && contains(og.MIDs, om.MID)
		m, reason := a.line(i, om, inBundle, usedFB, usedEnc, usedRx, prevLabel)
		if reason == "" && m.Port == 0 {
			return nil, nil, localErr("no port for m-line %d: set Local.Port", i)
		}
		m.MID = om.MID
		if reason != "" {
			a.reasons[i] = reason
			m = rejected(om)
		}
		s.Media = append(s.Media, m)
	}

	// BUNDLE tag: the first mid of the offered group that we accept and
	// that has a non-zero port in the offer (RFC 9143 §7.3.1).
	if og != nil {
		for _, mid := range og.MIDs {
			i := offer.MediaByMID(mid)
			if i >= 0 && offer.Media[i].Port != 0 && s.Media[i].Port != 0 {
				a.b.tag = i
				break
			}
		}
		if a.b.tag >= 0 {
			a.b.bundle = append(a.b.bundle, s.Media[a.b.tag].MID)
			for _, mid := range og.MIDs {
				i := offer.MediaByMID(mid)
				if i >= 0 && i != a.b.tag && s.Media[i].Port != 0 {
					a.b.bundle = append(a.b.bundle, mid)
				}
			}
			port := s.Media[a.b.tag].Port
			for _, mid := range a.b.bundle {
				s.Media[s.MediaByMID(mid)].Port = port
			}
		}
	}
	// Lines that only exist inside a BUNDLE group die without one.
	for i := range s.Media {
		if s.Media[i].Port != 0 && !contains(a.b.bundle, s.Media[i].MID) && offer.Media[i].Port == 0 {
			a.reasons[i] = "bundle-only and no BUNDLE group accepted"
			s.Media[i] = rejected(&offer.Media[i])
		}
	}
	// The CLUE group: the data channel and the accepted CLUE-controlled
	// lines, in the offer's group order (RFC 5888 §9.2).
	if a.dc >= 0 && s.Media[a.dc].Port != 0 {
		a.b.clue = []string{offer.Media[a.dc].MID}
		for _, mid := range offer.Group(SemCLUE).MIDs {
			i := offer.MediaByMID(mid)
			if i >= 0 && i != a.dc && s.Media[i].Port != 0 {
				a.b.clue = append(a.b.clue, mid)
			}
		}
	}
	a.b.setup = a.setup()
	a.b.setupOf = a.setupOf
	a.b.tlsID = firstDTLS(offer) != nil && firstDTLS(offer).TLSID != ""
	// RFC 8839 §4.2: without ICE attributes in the offer the peer does not
	// do ICE, and the answer carries none.
	a.b.noICE = !usesICE(offer)
	if a.b.noICE {
		s.ICELite = false
	}
	a.b.finishAnswer(a)

	accepted := 0
	for i := range s.Media {
		if s.Media[i].Port != 0 {
			accepted++
		}
	}
	if accepted == 0 && len(offer.Media) > 0 {
		return nil, nil, a.noMedia()
	}
	if l.ICE != nil && l.ICE.Lite && offer.ICELite {
		a.note(-1, "a=ice-lite", "RFC 8445 §6.1.1", "both sides are ICE-lite: no connectivity checks, media goes to the default candidates")
	}
	for i, r := range a.reasons {
		if r != "" {
			a.note(i, "m=", "RFC 3264 §6", "rejected: %s", r)
		}
	}
	n := negotiate(l, s, offer, false, a.warns)
	for i, r := range a.reasons {
		if r != "" && i < len(n.Streams) {
			n.Streams[i].Reason = r
		}
	}
	return s, n, nil
}

func (a *answerer) noMedia() error {
	var why []string
	for i, r := range a.reasons {
		why = append(why, "m-line "+strconv.Itoa(i)+": "+r)
	}
	e := &Error{Class: NotAcceptable, Err: ErrNoMedia, MLine: -1, Section: "RFC 3264 §6",
		Msg: "nothing offered can be accepted (" + strings.Join(why, "; ") + ")"}
	rtp := 0
	for i := range a.offer.Media {
		if a.offer.Media[i].IsRTP() && a.offer.inUse(i) {
			rtp++
		}
	}
	if a.notDTLS > 0 && a.notDTLS == rtp {
		e.Err, e.Section = ErrNotDTLSSRTP, "RFC 8848 §11, RFC 5764 §8"
	}
	return Errors{e}
}

// rejected is the answer line refusing an offered one: port 0, the
// offer's proto and formats, the mid echoed (RFC 3264 §6).
func rejected(om *Media) Media {
	m := Media{Type: om.Type, Proto: om.Proto, Formats: append([]string(nil), om.Formats...), MID: om.MID}
	if len(m.Formats) == 0 {
		m.Formats = []string{"0"}
	}
	if om.RTP != nil {
		// Keep what the formats are (rtpmap), nothing else.
		m.RTP = &RTP{}
		for _, c := range om.RTP.Codecs {
			m.RTP.Codecs = append(m.RTP.Codecs, Codec{PT: c.PT, Name: c.Name, ClockRate: c.ClockRate, Channels: c.Channels})
		}
		m.Direction = Inactive
	}
	if om.SCTP != nil {
		m.SCTP = &SCTP{}
	}
	return m
}

// pickDataChannel decides whether the offered CLUE data channel is usable.
func (a *answerer) pickDataChannel() {
	offer, l := a.offer, a.l
	d := offer.DataChannel()
	if d < 0 || l.DataChannel == nil || !offer.inUse(d) {
		return
	}
	m := &offer.Media[d]
	if m.SCTP == nil {
		return
	}
	ch := m.CLUEChannel()
	t := offer.Transport(d)
	switch {
	case m.Proto != ProtoDTLSSCTP:
		a.reasons[d] = "the box does SCTP over DTLS over UDP only (RFC 8850 §3.3.1.1)"
	case ch == nil:
		a.reasons[d] = "no a=dcmap with subprotocol \"CLUE\" (RFC 8850 §3.3.2)"
	case !ch.Reliable():
		a.reasons[d] = "the CLUE channel must be ordered and fully reliable (RFC 8850 §3.2.3, §3.2.4)"
	case m.SCTP.MessageSizeLimit() != 0 && m.SCTP.MessageSizeLimit() < l.DataChannel.minPeer():
		a.reasons[d] = sprintf("a=max-message-size %d is below %d: CLUE messages would not fit (RFC 8841 §6)",
			m.SCTP.MessageSizeLimit(), l.DataChannel.minPeer())
	default:
		if ok, msg := dcParity(ch.StreamID, t.DTLS.Setup); !ok {
			a.reasons[d] = msg + " (RFC 8864 §6.1, §8)"
			return
		}
		a.dc = d
	}
}

func (a *answerer) line(i int, om *Media, inBundle bool, usedFB []bool, usedEnc map[string]bool,
	usedRx []bool, prevLabel map[string]string) (Media, string) {
	l, offer := a.l, a.offer
	if om.Port == 0 && !(om.BundleOnly && inBundle) {
		return Media{}, "port 0 in the offer"
	}
	if om.IsDataChannel() {
		if i != a.dc {
			if a.reasons[i] != "" {
				return Media{}, a.reasons[i]
			}
			return Media{}, "not the CLUE data channel"
		}
		return a.dcAnswer(om), ""
	}
	if !om.IsRTP() || om.RTP == nil || (om.Type != Audio && om.Type != Video) {
		return Media{}, "media " + om.Type + " " + om.Proto + " not supported"
	}
	if !isDTLSSRTP(om.Proto) {
		a.notDTLS++
		return Media{}, "proto " + om.Proto + " is not DTLS-SRTP (RFC 5764 §8); the box sends SRTP keyed by DTLS only"
	}
	if !strings.HasPrefix(om.Proto, "UDP/") {
		return Media{}, "the box does RTP over UDP only"
	}
	if !offer.Transport(i).RTCPMux {
		return Media{}, "no a=rtcp-mux: the box multiplexes RTP and RTCP on one port (RFC 5761)"
	}
	if offer.CLUEControlled(i) {
		if a.dc < 0 {
			return Media{}, "CLUE-controlled, and CLUE is not negotiated (RFC 8848 §4.3, §4.5.4.3)"
		}
		return a.clueLine(i, om, usedEnc, usedRx, prevLabel)
	}
	for k := range l.Fallback {
		f := &l.Fallback[k]
		if usedFB[k] || f.Type != om.Type || f.Disabled {
			continue
		}
		dir := makeDirection(om.Direction.Receives() && f.Direction.Sends(), om.Direction.Sends() && f.Direction.Receives())
		codecs := intersectCodecs(om.RTP.Codecs, f.Codecs, dir.Sends())
		if len(codecs) == 0 {
			return Media{}, "no codec in common (RFC 3264 §6)"
		}
		usedFB[k] = true
		m := answerRTP(om, l.port(f.Port), dir, codecs)
		m.Bandwidth = f.Bandwidth
		return m, ""
	}
	return Media{}, "no (further) " + om.Type + " line to offer"
}

// answerRTP: the answer keeps the offer's proto (RFC 3264 §6); without
// the F(eedback) profile there is no rtcp-fb (RFC 4585 §4.2).
func answerRTP(om *Media, port int, dir Direction, codecs []Codec) Media {
	m := Media{Type: om.Type, Port: port, Proto: om.Proto, Direction: dir, RTCPMux: true, RTP: &RTP{Codecs: codecs}}
	feedback := strings.HasSuffix(om.Proto, "F")
	for i := range codecs {
		if !feedback {
			codecs[i].FB = nil
		}
		m.Formats = append(m.Formats, strconv.Itoa(int(codecs[i].PT)))
	}
	return m
}

func (a *answerer) clueLine(i int, om *Media, usedEnc map[string]bool, usedRx []bool, prevLabel map[string]string) (Media, string) {
	l := a.l
	switch om.Direction {
	case RecvOnly:
		// The peer wants one of our encodings: the one it names, else the
		// one this mid carried before, else the next free one. Encodings
		// some other offered line names explicitly are kept for it.
		var cands []*Encoding
		if e := l.encoding(om.Label); e != nil {
			cands = append(cands, e)
		}
		if e := l.encoding(prevLabel[om.MID]); e != nil {
			if _, reserved := usedEnc[e.ID]; !reserved {
				cands = append(cands, e)
			}
		}
		for k := range l.Encodings {
			if _, reserved := usedEnc[l.Encodings[k].ID]; !reserved {
				cands = append(cands, &l.Encodings[k])
			}
		}
		for _, e := range cands {
			if usedEnc[e.ID] || e.Type != om.Type {
				continue
			}
			codecs := intersectCodecs(om.RTP.Codecs, e.Codecs, true)
			if len(codecs) == 0 {
				continue
			}
			usedEnc[e.ID] = true
			dir := SendOnly
			if e.Inactive {
				dir = Inactive
			}
			m := answerRTP(om, l.port(e.Port), dir, codecs)
			m.Label = e.ID
			if e.MaxBitrate != 0 {
				m.Bandwidth = Bandwidth{AS: (e.MaxBitrate + 999) / 1000, TIAS: e.MaxBitrate}
			}
			if e.CaptId {
				a.echoCaptId(&m, om)
			}
			if e.SSRC != 0 {
				m.RTP.SSRCs = []SSRC{{ID: e.SSRC, CNAME: e.CNAME}}
			}
			return m, ""
		}
		return a.inactive(om)
	case SendOnly:
		// A peer encoding: receive it when asked to.
		if j := l.receiverFor(om.Label, om.Type, usedRx); j >= 0 {
			rx := &l.Receive[j]
			if codecs := intersectCodecs(om.RTP.Codecs, rx.Codecs, false); len(codecs) > 0 {
				usedRx[j] = true
				m := answerRTP(om, l.port(rx.Port), RecvOnly, codecs)
				if rx.CaptId {
					a.echoCaptId(&m, om)
				}
				return m, ""
			}
		}
		return a.inactive(om)
	}
	return a.inactive(om)
}

// inactive accepts a CLUE line without media for now (RFC 8848 §4.5.2.2:
// MUST set the remaining lines to inactive), with the offered formats we
// know, so that a later exchange can turn it on.
func (a *answerer) inactive(om *Media) (Media, string) {
	var ours []Codec
	for _, f := range a.l.Fallback {
		if f.Type == om.Type {
			ours = append(ours, f.Codecs...)
		}
	}
	for _, e := range a.l.Encodings {
		if e.Type == om.Type {
			ours = append(ours, e.Codecs...)
		}
	}
	for _, r := range a.l.Receive {
		if r.Type == om.Type {
			ours = append(ours, r.Codecs...)
		}
	}
	codecs := intersectCodecs(om.RTP.Codecs, ours, false)
	if len(codecs) == 0 {
		return Media{}, "no codec in common (RFC 3264 §6)"
	}
	return answerRTP(om, a.l.port(0), Inactive, codecs), ""
}

// echoCaptId answers an offered CaptId extension with the same ID
// (RFC 8285 §7), remapping one from the negotiation range 4096..4351.
func (a *answerer) echoCaptId(m *Media, om *Media) {
	for _, e := range extmaps(a.offer, mediaIndex(a.offer, om)) {
		if !isCaptIdURI(e.URI) || e.Direction == Inactive {
			continue
		}
		id := e.ID
		if id >= 4096 {
			id = a.l.captIdExt()
		}
		m.RTP.ExtMaps = append(m.RTP.ExtMaps, ExtMap{ID: id, URI: e.URI})
		return
	}
}

func mediaIndex(s *Session, m *Media) int {
	for i := range s.Media {
		if &s.Media[i] == m {
			return i
		}
	}
	return 0
}

func (a *answerer) dcAnswer(om *Media) Media {
	d := a.l.DataChannel
	ch := om.CLUEChannel()
	mms := d.maxMessageSize()
	return Media{Type: Application, Port: a.l.port(d.Port), Proto: om.Proto, Formats: []string{FormatDataChannel},
		SCTP: &SCTP{Port: a.sctpPort(), MaxMessageSize: &mms,
			Channels: []DCMap{{StreamID: ch.StreamID, Subprotocol: SubprotocolCLUE, Label: ch.Label, Ordered: true}}}}
}

// sctpPort keeps the SCTP port of the running association unless the peer
// changed its own, which asks for a new association (RFC 8841 §10.3).
func (a *answerer) sctpPort() uint16 {
	p := a.l.DataChannel.sctpPort()
	cur := a.cur
	if cur == nil || cur.Channel == nil {
		return p
	}
	if om := &a.offer.Media[a.dc]; om.SCTP != nil && om.SCTP.Port != cur.Channel.RemoteSCTPPort {
		if p == cur.Channel.LocalSCTPPort {
			p++ // "MUST also associate a new SCTP port value"
			if p == 0 {
				p = 5000
			}
		}
		return p
	}
	return cur.Channel.LocalSCTPPort
}

// setup chooses our a=setup (RFC 4145 §4.1, RFC 5763 §5, RFC 8842 §5.3).
func (a *answerer) setup() Setup {
	d := firstDTLS(a.offer)
	if a.dc >= 0 {
		t := a.offer.Transport(a.dc)
		d = &t.DTLS
	}
	offered := SetupActpass
	if d != nil {
		offered = d.Setup
	}
	switch offered {
	case SetupActive:
		return SetupPassive
	case SetupPassive:
		return SetupActive
	case SetupNone:
		return SetupPassive // RFC 4145 §4: an offer without a=setup means active
	}
	if a.cur != nil && a.cur.dtlsKnown && !a.cur.NewAssociation(a.offer) {
		if a.cur.DTLSClient {
			return SetupActive
		}
		return SetupPassive
	}
	if a.l.DTLS.AnswerSetup == SetupPassive {
		return SetupPassive
	}
	return SetupActive
}

// setupOf answers each line's own a=setup (RFC 4145 §4.1): actpass with
// our choice, active with passive, passive (or none, RFC 4145's offer
// default being active) with the complement.
func (a *answerer) setupOf(i int) Setup {
	switch a.offer.Transport(i).DTLS.Setup {
	case SetupActive, SetupNone:
		return SetupPassive
	case SetupPassive:
		return SetupActive
	}
	return a.b.setup
}

func usesICE(s *Session) bool {
	for i := range s.Media {
		if s.inUse(i) {
			if t := s.Transport(i); !t.ICE.empty() {
				return true
			}
		}
	}
	return false
}

// finishAnswer adds groups and transport attributes to an answer; the
// BUNDLE MID extension echoes the offer's ID (RFC 9143 §9.1, RFC 8285 §7).
func (b *builder) finishAnswer(a *answerer) {
	b.finish(nil)
	s := b.s
	for i := range s.Media {
		m := &s.Media[i]
		if m.RTP == nil || m.Port == 0 {
			continue
		}
		// finish() appended our MID ext ID; use the offer's instead.
		var kept []ExtMap
		for _, e := range m.RTP.ExtMaps {
			if e.URI != MIDURI {
				kept = append(kept, e)
			}
		}
		m.RTP.ExtMaps = kept
		if !contains(b.bundle, m.MID) {
			continue
		}
		for _, e := range extmaps(a.offer, i) {
			if equalFold(e.URI, MIDURI) && e.ID < 4096 {
				m.RTP.ExtMaps = append(m.RTP.ExtMaps, ExtMap{ID: e.ID, URI: e.URI})
				break
			}
		}
	}
}

// ApplyAnswer checks the peer's answer (from Parse, AsAnswer) against our
// offer and returns what was negotiated. The checks (ErrAnswerMismatch,
// Malformed): the same number of m-lines with the same media types and
// protos (RFC 3264 §6); a line offered with port 0 stays 0; directions
// compatible with the offer (RFC 3264 §6.1); an accepted RTP line shares a
// format with the offer (§6.1); a=setup is the complement of ours (RFC 4145
// §4.1); the BUNDLE group is a subset of the offered one (RFC 9143 §7.3,
// §7.4); the CLUE dcmap keeps our stream id (RFC 8864 §6.4). Tolerated with
// a warning: changed mids (RFC 5888 §9.1: then the answer's mid and group
// lines are ignored, so neither CLUE nor BUNDLE is negotiated), extra mids
// in the answer's CLUE group (ignored, RFC 5888 §9.2), a tls-id answering
// an offer without one (RFC 8842 §5.3).
//
// There is no SIP response to an answer: on error the SIP layer ends the
// session or sends a new offer (RFC 3261 §13.2.1).
func ApplyAnswer(l *Local, offer, answer *Session) (*Negotiation, error) {
	// The check may drop ignored group entries: work on a copy.
	a := *answer
	a.Groups = make([]Group, len(answer.Groups))
	for i, g := range answer.Groups {
		a.Groups[i] = Group{Semantics: g.Semantics, MIDs: append([]string(nil), g.MIDs...)}
	}
	c := &answerCheck{offer: offer, answer: &a, r: &reader{kind: AsAnswer, pos: answer.pos, keep: true}}
	c.run()
	if len(c.r.errs) > 0 {
		return nil, c.r.errs
	}
	return negotiate(l, offer, &a, true, c.r.warns), nil
}

type answerCheck struct {
	offer, answer *Session
	r             *reader
}

func (c *answerCheck) fail(mi int, attr, section, format string, args ...any) {
	line := c.r.mLine(mi)
	if strings.HasPrefix(attr, "a=") {
		if l := c.r.attrLine(mi, strings.TrimPrefix(attr, "a="), 0); l != 0 {
			line = l
		}
	}
	c.r.fail(Malformed, ErrAnswerMismatch, line, mi, attr, section, format, args...)
}

func (c *answerCheck) run() {
	o, a, r := c.offer, c.answer, c.r
	if len(o.Media) != len(a.Media) {
		r.fail(Malformed, ErrAnswerMismatch, 0, -1, "m=", "RFC 3264 §6", "%d m-lines, the offer has %d", len(a.Media), len(o.Media))
		return
	}
	echoed := midsEchoed(o, a)
	if !echoed {
		r.warn(0, -1, "a=mid", "RFC 5888 §9.1", "the answer changes mids: its mid and group lines are ignored")
	}
	for i := range o.Media {
		om, am := &o.Media[i], &a.Media[i]
		if om.Type != am.Type {
			c.fail(i, "m=", "RFC 3264 §6", "media %s answers %s", am.Type, om.Type)
			continue
		}
		if !a.inUse(i) {
			continue
		}
		if !o.inUse(i) {
			c.fail(i, "m=", "RFC 3264 §6", "a non-zero port answers a port-0 line")
			continue
		}
		if om.Proto != am.Proto {
			c.fail(i, "m=", "RFC 3264 §6", "proto %s answers %s", am.Proto, om.Proto)
			continue
		}
		if om.IsRTP() {
			if !om.IsDataChannel() && !directionAnswers(om.Direction, am.Direction) {
				c.fail(i, "a="+am.Direction.String(), "RFC 3264 §6.1", "%s does not answer %s", am.Direction, om.Direction)
			}
			common := false
			if om.RTP != nil && am.RTP != nil {
				for _, ac := range am.RTP.Codecs {
					if oc := findCodec(om.RTP.Codecs, ac.PT); oc != nil && sameFormat(oc, &ac) {
						common = true
					} else {
						for _, oc := range om.RTP.Codecs {
							if sameFormat(&oc, &ac) && ac.Name != "" {
								r.warn(r.mLine(i), i, "m=", "RFC 3264 §6.1", "%s uses payload type %d, the offer %d", ac.Name, ac.PT, oc.PT)
							}
						}
					}
				}
			}
			if !common {
				c.fail(i, "m=", "RFC 3264 §6.1", "no payload format of the offer")
			}
		}
		if (om.IsRTP() && isDTLSSRTP(om.Proto)) || om.IsDataChannel() {
			ot, at := o.Transport(i), a.Transport(i)
			want := map[Setup]Setup{SetupActpass: SetupNone, SetupActive: SetupPassive, SetupPassive: SetupActive}[ot.DTLS.Setup]
			if at.DTLS.Setup != SetupNone && want != SetupNone && at.DTLS.Setup != want {
				c.fail(i, "a=setup", "RFC 4145 §4.1", "%s answers %s", at.DTLS.Setup, ot.DTLS.Setup)
			}
			if ot.DTLS.TLSID == "" && at.DTLS.TLSID != "" {
				r.warn(r.attrLine(i, "tls-id", 0), i, "a=tls-id", "RFC 8842 §5.3", "sent in answer to an offer without one")
			}
		}
		if om.IsDataChannel() && echoed {
			oc, ac := om.CLUEChannel(), am.CLUEChannel()
			if oc != nil && ac != nil && oc.StreamID != ac.StreamID {
				c.fail(i, "a=dcmap", "RFC 8864 §6.4", "stream id %d answers %d", ac.StreamID, oc.StreamID)
			}
			if oc != nil && ac != nil && (!equalRetr(oc.MaxRetr, ac.MaxRetr) || !equalRetr(oc.MaxTime, ac.MaxTime)) {
				c.fail(i, "a=dcmap", "RFC 8864 §6.4", "max-retr/max-time differ from the offer")
			}
		}
	}
	if !echoed {
		return
	}
	if ab := a.Group(SemBundle); ab != nil {
		ob := o.Group(SemBundle)
		for _, mid := range ab.MIDs {
			if ob == nil || !contains(ob.MIDs, mid) {
				r.fail(Malformed, ErrAnswerMismatch, r.sessLine("group", 0), -1, "a=group:BUNDLE", "RFC 9143 §7.3, §7.4",
					"mid %q was not offered as bundled", mid)
			}
		}
		if len(ab.MIDs) > 0 {
			if t := a.MediaByMID(ab.MIDs[0]); t >= 0 && a.Media[t].Port == 0 {
				r.fail(Malformed, ErrAnswerMismatch, 0, t, "a=group:BUNDLE", "RFC 9143 §7.3.1", "the answerer-tagged m-line has port 0")
			}
		}
	}
	if ag := a.Group(SemCLUE); ag != nil {
		og := o.Group(SemCLUE)
		var kept []string
		for _, mid := range ag.MIDs {
			i := a.MediaByMID(mid)
			switch {
			case og == nil || !contains(og.MIDs, mid):
				r.warn(0, -1, "a=group:CLUE", "RFC 5888 §9.2", "mid %q was not in the offered CLUE group; ignored", mid)
			case i >= 0 && !a.inUse(i):
				r.warn(0, i, "a=group:CLUE", "RFC 5888 §9.2", "mid %q has port 0; ignored", mid)
			default:
				kept = append(kept, mid)
			}
		}
		ag.MIDs = kept
	}
}

func equalRetr(a, b *uint32) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// directionAnswers: RFC 3264 §6.1: sendonly is answered by recvonly or
// inactive, recvonly by sendonly or inactive, inactive by inactive,
// sendrecv by anything.
func directionAnswers(offered, answered Direction) bool {
	switch offered {
	case SendOnly:
		return answered == RecvOnly || answered == Inactive
	case RecvOnly:
		return answered == SendOnly || answered == Inactive
	case Inactive:
		return answered == Inactive
	}
	return true
}
