package sdp

import (
	"strconv"
)

// Offer builds our SDP offer. cur is the state after the previous
// offer/answer exchange of the dialog, nil for the initial offer.
//
// Initial offer (RFC 8848 §4.5.1): the fallback lines, the data channel and
// a=group:CLUE naming it; encodings and receivers only if l lists them
// (which it should only do with evidence that the peer does CLUE, e.g. an
// offerless INVITE carrying sip.clue). With l.Bundle every m-line is in
// one BUNDLE group, each with its own port and transport attributes, the
// first line suggested as the tag (RFC 9143 §7.2).
//
// Subsequent offer (RFC 3264 §8): every m-line of the previous SDP keeps
// its place and mid (RFC 5888 §9.1); lines nothing in l wants any more get
// port 0 (RFC 3264 §8.2); new lines reuse a port-0 slot of the same media
// type with a fresh mid, or are appended. A negotiated BUNDLE group is kept
// with one address:port and the transport attributes only on the tagged
// line (RFC 9143 §7.5, §7.1.3). DTLS stays actpass with the same
// fingerprints and tls-id (RFC 8842 §5.5); the data channel keeps its
// stream id (RFC 8864 §6.6). Without l.DataChannel the CLUE group is
// removed, which disables CLUE (RFC 8848 §4.5.4.3).
func Offer(l *Local, cur *Negotiation) (*Session, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	b := &builder{l: l, kind: AsOffer, setup: SetupActpass, tlsID: true, tag: -1, live: map[int]bool{}}
	s := newSession(l)
	b.s = s
	if cur != nil && cur.Local != nil {
		s.Origin.SessionID = cur.Local.Origin.SessionID
		s.Origin.Version = cur.Local.Origin.Version + 1
		b.reoffer(cur)
	} else {
		b.initial()
		if err := b.uniqueBundlePorts(); err != nil {
			return nil, err
		}
	}
	if err := b.checkPorts(); err != nil {
		return nil, err
	}
	b.finish(cur)
	return s, nil
}

// checkPorts: a wanted line needs a port (its own, or Local.Port).
func (b *builder) checkPorts() error {
	for i := range b.s.Media {
		if b.live[i] && b.s.Media[i].Port == 0 && !b.s.Media[i].BundleOnly {
			return localErr("m-line %d (%s %s) has no port: set Local.Port or the item's Port", i, b.s.Media[i].Type, b.s.Media[i].Label)
		}
	}
	return nil
}

func newSession(l *Local) *Session {
	s := &Session{Origin: l.Origin, Name: "-", Addr: l.Addr, ICELite: l.ICE != nil && l.ICE.Lite}
	if s.Origin.Username == "" {
		s.Origin.Username = "-"
	}
	if s.Origin.Address == "" {
		s.Origin.Address = l.Addr
	}
	if s.Origin.AddrType == "" {
		s.Origin.AddrType = addrTypeOf(s.Origin.Address)
	}
	return s
}

// uniqueBundlePorts: RFC 9143 §7.2: an initial BUNDLE offer MUST give every
// bundled m-line (that is not bundle-only) its own address:port, so that a
// peer without BUNDLE support can use each of them.
func (b *builder) uniqueBundlePorts() error {
	seen := map[int]string{}
	for i := range b.s.Media {
		m := &b.s.Media[i]
		if m.Port == 0 || !contains(b.bundle, m.MID) {
			continue
		}
		if other, dup := seen[m.Port]; dup {
			return localErr("initial BUNDLE offer: m-lines %s and %s share port %d (RFC 9143 §7.2 wants one address:port each)",
				other, m.MID, m.Port)
		}
		seen[m.Port] = m.MID
	}
	return nil
}

// builder assembles an offer or an answer.
type builder struct {
	l     *Local
	s     *Session
	kind  Kind
	setup Setup
	tlsID bool
	// BUNDLE: the mids of the group, the tagged m-line, and whether only
	// the tag carries the transport attributes (answers, subsequent
	// offers: RFC 9143 §7.1.3).
	bundle  []string
	tag     int
	tagOnly bool
	// setupOf: per-line a=setup in answers (nil: setup for every line).
	setupOf func(i int) Setup
	// noICE: leave ICE attributes out (an answer to an offer without ICE).
	noICE bool
	// live[i]: m-line i is wanted (not disabled); its port must not be 0.
	live    map[int]bool
	nextMID int
	// clue: mids for the CLUE group (data channel first); nil: no group.
	clue []string
}

func (b *builder) freshMID() string {
	for {
		id := strconv.Itoa(b.nextMID)
		b.nextMID++
		if b.s.MediaByMID(id) < 0 {
			return id
		}
	}
}

func rtpLine(typ string, port int, dir Direction, codecs []Codec) Media {
	cs := cloneCodecs(codecs)
	m := Media{Type: typ, Port: port, Proto: ProtoSAVPF, Direction: dir, RTCPMux: true, RTP: &RTP{Codecs: cs}}
	for _, c := range cs {
		m.Formats = append(m.Formats, strconv.Itoa(int(c.PT)))
	}
	return m
}

func (b *builder) fallbackLine(f *Fallback) Media {
	port := b.l.port(f.Port)
	if f.Disabled {
		port = 0
	}
	m := rtpLine(f.Type, port, f.Direction, f.Codecs)
	m.Bandwidth = f.Bandwidth
	return m
}

func (b *builder) encodingLine(e *Encoding) Media {
	dir := SendOnly
	if e.Inactive {
		dir = Inactive
	}
	m := rtpLine(e.Type, b.l.port(e.Port), dir, e.Codecs)
	m.Label = e.ID
	if e.MaxBitrate != 0 {
		m.Bandwidth = Bandwidth{AS: (e.MaxBitrate + 999) / 1000, TIAS: e.MaxBitrate}
	}
	if e.CaptId {
		m.RTP.ExtMaps = append(m.RTP.ExtMaps, ExtMap{ID: b.l.captIdExt(), URI: CaptIdURI})
	}
	if e.SSRC != 0 {
		m.RTP.SSRCs = []SSRC{{ID: e.SSRC, CNAME: e.CNAME}}
	}
	return m
}

func (b *builder) receiveLine(r *Receive) Media {
	m := rtpLine(r.Type, b.l.port(r.Port), RecvOnly, r.Codecs)
	if r.CaptId {
		m.RTP.ExtMaps = append(m.RTP.ExtMaps, ExtMap{ID: b.l.captIdExt(), URI: CaptIdURI})
	}
	return m
}

func (b *builder) dcLine(streamID uint16) Media {
	d := b.l.DataChannel
	mms := d.maxMessageSize()
	return Media{Type: Application, Port: b.l.port(d.Port), Proto: ProtoDTLSSCTP, Formats: []string{FormatDataChannel},
		SCTP: &SCTP{Port: d.sctpPort(), MaxMessageSize: &mms,
			Channels: []DCMap{{StreamID: streamID, Subprotocol: SubprotocolCLUE, Label: d.Label, Ordered: true}}}}
}

// initialStreamID: odd, because the answerer is RECOMMENDED to answer
// active (RFC 5763 §5), which makes the offerer the DTLS server, and the
// server picks odd ids (RFC 8864 §6.1, RFC 8831 §6.5).
func (b *builder) streamID(cur *Negotiation) uint16 {
	if cur != nil && cur.Channel != nil {
		return cur.Channel.StreamID
	}
	if d := b.l.DataChannel; d.StreamID != nil {
		return *d.StreamID
	}
	if cur != nil && cur.dtlsKnown {
		if cur.DTLSClient {
			return 0
		}
		return 1
	}
	return 1
}

// add appends a wanted m-line.
func (b *builder) add(m Media) int {
	if m.MID == "" {
		m.MID = b.freshMID()
	}
	b.s.Media = append(b.s.Media, m)
	b.live[len(b.s.Media)-1] = true
	return len(b.s.Media) - 1
}

func (b *builder) initial() {
	l := b.l
	for i := range l.Fallback {
		k := b.add(b.fallbackLine(&l.Fallback[i]))
		b.live[k] = !l.Fallback[i].Disabled
	}
	if l.DataChannel != nil {
		dc := b.add(b.dcLine(b.streamID(nil)))
		b.clue = []string{b.s.Media[dc].MID}
	}
	for i := range l.Encodings {
		b.addCLUE(b.encodingLine(&l.Encodings[i]))
	}
	for i := range l.Receive {
		b.addCLUE(b.receiveLine(&l.Receive[i]))
	}
	if l.Bundle {
		for i := range b.s.Media {
			if b.live[i] {
				b.bundle = append(b.bundle, b.s.Media[i].MID)
				if b.tag < 0 {
					b.tag = i
				} else if l.BundleOnly {
					// RFC 9143 §7.2: port 0 and a=bundle-only; never the tag.
					b.s.Media[i].Port, b.s.Media[i].BundleOnly = 0, true
				}
			}
		}
	}
}

func (b *builder) addCLUE(m Media) {
	i := b.add(m)
	if b.clue != nil {
		b.clue = append(b.clue, b.s.Media[i].MID)
	}
}

// slot kinds of the previous SDP's m-lines.
const (
	slotDead     = iota // port 0 or unknown: reusable by a new line of the same type
	slotDC              // the CLUE data channel
	slotFallback        // non-CLUE RTP
	slotEncoding        // our encoding (local label)
	slotPeerEnc         // the peer's encoding (remote label): we may receive it
	slotFree            // a CLUE line nobody uses any more
)

func (b *builder) reoffer(cur *Negotiation) {
	l, prev := b.l, cur.Local
	for i := range prev.Media {
		if n, err := strconv.Atoi(prev.Media[i].MID); err == nil && n >= b.nextMID {
			b.nextMID = n + 1
		}
	}
	if l.DataChannel != nil {
		b.clue = []string{}
	}
	dcMID := ""
	usedFB := make([]bool, len(l.Fallback))
	usedEnc := map[string]bool{}
	usedRx := make([]bool, len(l.Receive))
	var reusable []int
	for i := range prev.Media {
		pm := &prev.Media[i]
		kind, label := cur.slot(i)
		keep := func(m Media) {
			m.MID = pm.MID
			b.s.Media = append(b.s.Media, m)
			b.live[len(b.s.Media)-1] = true
		}
		dead := func() {
			m := Media{Type: pm.Type, Proto: pm.Proto, Formats: pm.Formats, MID: pm.MID}
			if pm.RTP != nil {
				m.RTP = &RTP{Codecs: cloneCodecs(pm.RTP.Codecs)}
				m.Direction = pm.Direction
			}
			if pm.SCTP != nil {
				m.SCTP = &SCTP{Port: pm.SCTP.Port}
			}
			b.s.Media = append(b.s.Media, m)
			reusable = append(reusable, len(b.s.Media)-1)
		}
		switch kind {
		case slotDC:
			if l.DataChannel == nil {
				dead()
				continue
			}
			if dcMID != "" {
				dead() // a second data channel: not ours to keep
				continue
			}
			keep(b.dcLine(b.streamID(cur)))
			dcMID = pm.MID
		case slotFallback:
			j := -1
			for k := range l.Fallback {
				if !usedFB[k] && l.Fallback[k].Type == pm.Type {
					j = k
					break
				}
			}
			if j < 0 {
				dead()
				continue
			}
			usedFB[j] = true
			keep(b.fallbackLine(&l.Fallback[j]))
			b.live[len(b.s.Media)-1] = !l.Fallback[j].Disabled
		case slotEncoding:
			e := l.encoding(label)
			if e == nil || b.clue == nil || e.Type != pm.Type {
				dead()
				continue
			}
			usedEnc[label] = true
			keep(b.encodingLine(e))
			b.clue = append(b.clue, pm.MID)
		case slotPeerEnc, slotFree:
			if b.clue == nil {
				dead()
				continue
			}
			j := -1
			if kind == slotPeerEnc {
				j = l.receiverFor(label, pm.Type, usedRx)
			}
			if j >= 0 {
				usedRx[j] = true
				keep(b.receiveLine(&l.Receive[j]))
				b.clue = append(b.clue, pm.MID)
				continue
			}
			if kind == slotPeerEnc && pm.Port != 0 && pm.RTP != nil {
				// The peer still offers that encoding: stay inactive, so
				// that a later offer can turn it on (RFC 8848 §5.3).
				m := rtpLine(pm.Type, l.port(0), Inactive, pm.RTP.Codecs)
				keep(m)
				b.clue = append(b.clue, pm.MID)
				continue
			}
			dead()
		default:
			dead()
		}
	}
	// New lines: into a reusable slot of the same type (fresh mid,
	// RFC 9143 §7.5.3 / RFC 8843 reuse rules), else appended.
	place := func(m Media, clue bool) {
		for k, idx := range reusable {
			if idx >= 0 && b.s.Media[idx].Type == m.Type {
				m.MID = b.freshMID()
				b.s.Media[idx] = m
				b.live[idx] = true
				reusable[k] = -1
				if clue && b.clue != nil {
					b.clue = append(b.clue, m.MID)
				}
				return
			}
		}
		if clue {
			b.addCLUE(m)
		} else {
			b.add(m)
		}
	}
	for k := range l.Fallback {
		if !usedFB[k] && !l.Fallback[k].Disabled {
			place(b.fallbackLine(&l.Fallback[k]), false)
		}
	}
	if l.DataChannel != nil && dcMID == "" {
		// No data channel yet (the peer offered first without one, or it
		// was removed): add it, enabling CLUE mid-call (RFC 8848 §4.5.4.2).
		m := b.dcLine(b.streamID(cur))
		placed := false
		for k, idx := range reusable {
			if idx >= 0 && b.s.Media[idx].Type == Application {
				m.MID = b.freshMID()
				b.s.Media[idx] = m
				b.live[idx] = true
				reusable[k] = -1
				dcMID, placed = m.MID, true
				break
			}
		}
		if !placed {
			dcMID = b.s.Media[b.add(m)].MID
		}
	}
	if dcMID != "" {
		b.clue = append([]string{dcMID}, b.clue...)
	}
	if b.clue != nil {
		for k := range l.Encodings {
			if !usedEnc[l.Encodings[k].ID] {
				place(b.encodingLine(&l.Encodings[k]), true)
			}
		}
		for k := range l.Receive {
			if !usedRx[k] {
				place(b.receiveLine(&l.Receive[k]), true)
			}
		}
	}
	// BUNDLE: keep a negotiated group (RFC 9143 §7.5), tag unchanged when
	// possible; every in-use line joins it.
	if l.Bundle && cur.Bundle != nil {
		b.tagOnly = true
		for i := range b.s.Media {
			if b.live[i] {
				b.bundle = append(b.bundle, b.s.Media[i].MID)
			}
		}
		b.tag = b.s.MediaByMID(cur.Bundle.Tag)
		if b.tag < 0 || !b.live[b.tag] || b.s.Media[b.tag].Port == 0 {
			b.tag = -1
			if len(b.bundle) > 0 {
				b.tag = b.s.MediaByMID(b.bundle[0])
			}
		}
		if b.tag >= 0 {
			tm := b.s.MediaByMID(b.bundle[0])
			if tm != b.tag { // the tag goes first in the list
				for k, mid := range b.bundle {
					if mid == b.s.Media[b.tag].MID {
						b.bundle[0], b.bundle[k] = b.bundle[k], b.bundle[0]
					}
				}
			}
			port := b.s.Media[b.tag].Port
			if pt := prev.MediaByMID(cur.Bundle.Tag); pt >= 0 && prev.Media[pt].Port != 0 {
				port = prev.Media[pt].Port // keep the BUNDLE address:port
			}
			for _, mid := range b.bundle {
				b.s.Media[b.s.MediaByMID(mid)].Port = port
			}
		}
	}
}

func (l *Local) encoding(id string) *Encoding {
	for i := range l.Encodings {
		if l.Encodings[i].ID == id {
			return &l.Encodings[i]
		}
	}
	return nil
}

// receiverFor picks the Receive entry for a peer encoding: one naming its
// label, else an unlabelled one of the same media type.
func (l *Local) receiverFor(label, typ string, used []bool) int {
	for j := range l.Receive {
		if !used[j] && l.Receive[j].Label != "" && l.Receive[j].Label == label && l.Receive[j].Type == typ {
			return j
		}
	}
	for j := range l.Receive {
		if !used[j] && l.Receive[j].Label == "" && l.Receive[j].Type == typ {
			return j
		}
	}
	return -1
}

// finish adds the groups and the transport attributes.
func (b *builder) finish(cur *Negotiation) {
	s, l := b.s, b.l
	if len(b.bundle) > 0 {
		s.Groups = append(s.Groups, Group{Semantics: SemBundle, MIDs: b.bundle})
	}
	if b.clue != nil && len(b.clue) > 0 {
		s.Groups = append(s.Groups, Group{Semantics: SemCLUE, MIDs: b.clue})
	}
	if b.kind == AsOffer && len(b.bundle) > 0 {
		b.unifyPTs()
	}
	for i := range s.Media {
		m := &s.Media[i]
		if m.Port == 0 && !m.BundleOnly {
			// A rejected or disabled line carries nothing but its mid.
			m.RTCPMux, m.DTLS, m.ICE, m.Bandwidth, m.Label = false, DTLS{}, ICE{}, Bandwidth{}, ""
			if m.RTP != nil {
				m.RTP.ExtMaps, m.RTP.SSRCs = nil, nil
				for k := range m.RTP.Codecs {
					m.RTP.Codecs[k].FB = nil
				}
			}
			if m.SCTP != nil {
				m.SCTP.MaxMessageSize, m.SCTP.Channels = nil, nil
			}
			continue
		}
		bundled := contains(b.bundle, m.MID)
		if m.RTP != nil && bundled {
			m.RTP.ExtMaps = append(m.RTP.ExtMaps, ExtMap{ID: l.midExt(), URI: MIDURI})
		}
		if bundled && (b.tagOnly || m.BundleOnly) && i != b.tag {
			// RFC 9143 §7.1.3: IDENTICAL and TRANSPORT attributes only on
			// the tag (subsequent offers), never on bundle-only lines.
			m.RTCPMux = false // IDENTICAL: on the tag only (RFC 9143 §7.1.3)
			continue
		}
		if bundled && i == b.tag {
			m.RTCPMux = true // RFC 9143 §9.3.1: for the whole group
		}
		setup := b.setup
		if b.setupOf != nil {
			setup = b.setupOf(i)
		}
		m.DTLS = DTLS{Setup: setup, Fingerprints: canonicalFingerprints(l.DTLS.Fingerprints)}
		if b.tlsID {
			m.DTLS.TLSID = l.DTLS.TLSID
		}
		if l.ICE != nil && !b.noICE {
			m.ICE = ICE{Ufrag: l.ICE.Ufrag, Pwd: l.ICE.Pwd, Candidates: hostCandidates(l.ICE.HostAddrs, m.Port)}
		}
	}
}

func canonicalFingerprints(in []Fingerprint) []Fingerprint {
	out := make([]Fingerprint, 0, len(in))
	for _, fp := range in {
		if c, _, err := parseFingerprint(fp.Hash + " " + fp.Value); err == nil {
			fp = c
		}
		out = append(out, fp)
	}
	return out
}

// hostCandidates: RFC 8445 §5.1.2.1 priority with type preference 126
// (host), local preference decreasing with the address index, component 1
// (RTP and RTCP are multiplexed; SCTP has one component).
func hostCandidates(addrs []string, port int) []Candidate {
	var out []Candidate
	for i, a := range addrs {
		prio := uint32(126)<<24 | uint32(65535-i)<<8 | uint32(256-1)
		out = append(out, Candidate{Foundation: strconv.Itoa(i + 1), Component: 1, Transport: "UDP",
			Priority: prio, Address: a, Port: uint16(port), Type: "host"})
	}
	return out
}

// unifyPTs: in one BUNDLE group all RTP lines are one RTP session, so a
// payload type may appear on several lines only with an identical codec
// configuration (RFC 9143 §9.1.1). Dynamic types whose configuration
// differs (e.g. per-camera sprop-parameter-sets) move to a free dynamic
// type.
func (b *builder) unifyPTs() {
	type cfg struct {
		name, fmtp string
		rate       uint32
		ch         uint8
	}
	used := map[uint8]cfg{}
	for i := range b.s.Media {
		m := &b.s.Media[i]
		if m.RTP == nil || m.Port == 0 || !contains(b.bundle, m.MID) {
			continue
		}
		for k := range m.RTP.Codecs {
			c := &m.RTP.Codecs[k]
			want := cfg{c.Name, c.Fmtp, c.ClockRate, c.channels()}
			if have, ok := used[c.PT]; !ok || have == want {
				used[c.PT] = want
				continue
			}
			if c.PT < 96 {
				continue // static types have one meaning
			}
			for pt := uint8(96); pt <= 127; pt++ {
				if have, ok := used[pt]; !ok || have == want {
					used[pt] = want
					m.Formats[k] = strconv.Itoa(int(pt))
					c.PT = pt
					break
				}
			}
		}
	}
}
