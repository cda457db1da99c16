package sdp

// Validation of a received SDP beyond attribute grammar. Every rule names
// its source. Classes: a broken MUST of the SDP's structure is Malformed
// (SIP 400); valid SDP the box refuses (no DTLS-SRTP, no usable
// fingerprint, forbidden setup value) is NotAcceptable (SIP 488). Things
// that make a single m-line unusable without making the SDP wrong are not
// errors: the answerer rejects that m-line (see answer.go).
//
// Rules (session level):
//   - a=mid values are unique (RFC 5888 §4).
//   - groups naming an unknown mid, and all groups when some m-line has no
//     mid, are ignored with a warning (RFC 5888 §6); they are moved to Other.
//   - at most one CLUE group (RFC 8848 §4.1); it names exactly one data
//     channel m-line (§4.2).
//   - a mid is in at most one BUNDLE group (RFC 9143 §5); an offerer's
//     BUNDLE tag is not bundle-only (§7.2.1); bundle-only outside a BUNDLE
//     group is discarded (§6).
//
// Rules (each m-line in use):
//   - CLUE-controlled RTP m-lines use DTLS-SRTP (RFC 8848 §11), are
//     sendonly, recvonly or inactive (§4.4.1, §4.4.2); a sendonly one has
//     an a=label (§4.4.1); labels are unique in the CLUE group unless the
//     m-lines are grouped as dependent streams (FEC, FEC-FR, DDP) (§4.4.1).
//   - DTLS m-lines have a usable a=fingerprint (RFC 5763 §5, RFC 8841
//     §10.1; md2/md5 refused, RFC 8122 §5); a=setup is not holdconn
//     (RFC 8842 §5.1) and not actpass in an answer (RFC 5763 §5); a missing
//     a=setup takes RFC 4145 §4's default with a warning.
//   - ICE in use (a candidate, a ufrag or a pwd) needs both a=ice-ufrag and
//     a=ice-pwd (RFC 8839 §5.4).
//   - extmap IDs are unique per m-line (RFC 8285 §7); 4096..4351 only in
//     offers (§7).
//   - the CLUE dcmap's stream id parity (RFC 8864 §6.1, RFC 8831 §6.5: the
//     DTLS client picks even ids, the server odd) is checked when the
//     offerer fixed its role (a=setup active/passive); see dcParity.

func (r *reader) validate(s *Session) {
	r.checkMIDs(s)
	r.checkGroups(s)
	clue := s.Group(SemCLUE)
	labels := map[string]int{}
	for i := range s.Media {
		m := &s.Media[i]
		if m.BundleOnly && s.bundleGroupOf(m.MID) == nil {
			r.warn(r.attrLine(i, "bundle-only", 0), i, "a=bundle-only", "RFC 9143 §6", "outside a BUNDLE group; discarded")
			m.BundleOnly = false
		}
		if !s.inUse(i) {
			continue
		}
		ctrl := s.CLUEControlled(i)
		if m.IsRTP() {
			if ctrl && !isDTLSSRTP(m.Proto) {
				r.fail(NotAcceptable, ErrNotDTLSSRTP, r.mLine(i), i, "m=", "RFC 8848 §11",
					"CLUE-controlled media with proto %s; DTLS-SRTP (UDP/TLS/RTP/SAVPF) is required", m.Proto)
			}
			if ctrl {
				r.checkCLUEMedia(s, i, labels)
			}
			r.checkExtMaps(s, i)
			if m.RTCPMux {
				for _, c := range m.RTP.Codecs {
					if c.PT >= 64 && c.PT <= 95 {
						r.warn(r.mLine(i), i, "m=", "RFC 5761 §4", "payload type %d collides with RTCP under rtcp-mux", c.PT)
					}
				}
			}
		}
		if (m.IsRTP() && isDTLSSRTP(m.Proto)) || m.IsDataChannel() {
			r.checkDTLS(s, i)
			r.checkICE(s, i)
		}
		if m.IsDataChannel() && clue != nil && contains(clue.MIDs, m.MID) {
			r.checkCLUEChannel(s, i)
		}
	}
	if len(s.ExtMaps) > 0 {
		for i := range s.Media {
			if s.Media[i].RTP != nil && len(s.Media[i].RTP.ExtMaps) > 0 {
				r.warn(r.sessLine("extmap", 0), -1, "a=extmap", "RFC 8285 §5",
					"session- and media-level extmaps mixed; the media-level ones apply where present")
				break
			}
		}
	}
}

// inUse: the m-line is not rejected/disabled: a non-zero port, or
// bundle-only in a BUNDLE group (RFC 9143 §6).
func (s *Session) inUse(i int) bool {
	m := &s.Media[i]
	return m.Port != 0 || (m.BundleOnly && s.bundleGroupOf(m.MID) != nil)
}

func (r *reader) checkMIDs(s *Session) {
	seen := map[string]bool{}
	for i := range s.Media {
		mid := s.Media[i].MID
		if mid == "" {
			continue
		}
		if seen[mid] {
			r.fail(Malformed, ErrMID, r.attrLine(i, "mid", 0), i, "a=mid", "RFC 5888 §4", "%q is not unique", mid)
		}
		seen[mid] = true
	}
}

func (r *reader) checkGroups(s *Session) {
	if len(s.Groups) == 0 {
		return
	}
	lines := make([]int, len(s.Groups))
	for gi := range s.Groups {
		lines[gi] = r.sessLine("group", gi)
	}
	for i := range s.Media {
		if s.Media[i].MID == "" {
			r.warn(r.mLine(i), i, "a=mid", "RFC 5888 §6",
				"an m-line without a=mid: every a=group line is ignored")
			for gi := range s.Groups {
				s.Other = append(s.Other, Attribute{Key: "group", Value: formatGroup(&s.Groups[gi])})
			}
			s.Groups = nil
			return
		}
	}
	var kept []Group
	var keptLines []int
	for gi, g := range s.Groups {
		ok := true
		for _, mid := range g.MIDs {
			if s.MediaByMID(mid) < 0 {
				r.warn(lines[gi], -1, "a=group:"+g.Semantics, "RFC 5888 §6",
					"mid %q names no m-line: the group is ignored", mid)
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, g)
			keptLines = append(keptLines, lines[gi])
		} else {
			s.Other = append(s.Other, Attribute{Key: "group", Value: formatGroup(&s.Groups[gi])})
		}
	}
	s.Groups, lines = kept, keptLines
	nCLUE := 0
	bundled := map[string]bool{}
	for gi, g := range s.Groups {
		line := lines[gi]
		switch g.Semantics {
		case SemCLUE:
			nCLUE++
			if nCLUE == 2 {
				r.fail(NotAcceptable, ErrCLUEGroup, line, -1, "a=group:CLUE", "RFC 8848 §4.1", "more than one CLUE group")
			}
			dcs := 0
			for _, mid := range g.MIDs {
				if s.Media[s.MediaByMID(mid)].IsDataChannel() {
					dcs++
				}
			}
			switch {
			case dcs == 0 && len(g.MIDs) > 0:
				r.fail(Malformed, ErrCLUEGroup, line, -1, "a=group:CLUE", "RFC 8848 §4.2",
					"no data channel m-line (UDP/DTLS/SCTP webrtc-datachannel) in the group")
			case dcs > 1:
				r.fail(Malformed, ErrCLUEGroup, line, -1, "a=group:CLUE", "RFC 8848 §4.2",
					"%d data channel m-lines in the group, want one and only one", dcs)
			}
		case SemBundle:
			for _, mid := range g.MIDs {
				if bundled[mid] {
					r.fail(Malformed, ErrBundle, line, -1, "a=group:BUNDLE", "RFC 9143 §5", "mid %q is in two BUNDLE groups", mid)
				}
				bundled[mid] = true
			}
			if len(g.MIDs) > 0 && r.kind == AsOffer {
				if t := &s.Media[s.MediaByMID(g.MIDs[0])]; t.BundleOnly {
					r.fail(Malformed, ErrBundle, line, -1, "a=group:BUNDLE", "RFC 9143 §7.2.1",
						"the offerer BUNDLE-tag %q names a bundle-only m-line", g.MIDs[0])
				}
			}
		}
	}
}

func formatGroup(g *Group) string {
	v := g.Semantics
	for _, m := range g.MIDs {
		v += " " + m
	}
	return v
}

// dependent reports whether two mids are grouped as a dependent stream pair
// (FEC: RFC 5956; DDP: RFC 5583), which RFC 8848 §4.4.1 lets share a label.
func (s *Session) dependent(a, b string) bool {
	for _, g := range s.Groups {
		switch g.Semantics {
		case "FEC", "FEC-FR", "DDP":
			if contains(g.MIDs, a) && contains(g.MIDs, b) {
				return true
			}
		}
	}
	return false
}

func (r *reader) checkCLUEMedia(s *Session, i int, labels map[string]int) {
	m := &s.Media[i]
	if m.Direction == SendRecv {
		r.fail(Malformed, ErrDirection, r.mLine(i), i, "a=sendrecv", "RFC 8848 §4.4.1, §4.4.2",
			"a CLUE-controlled m-line is sendonly (an encoding), recvonly (a receiver) or inactive")
	}
	if m.Direction == SendOnly && m.Label == "" {
		r.fail(Malformed, ErrLabel, r.mLine(i), i, "a=label", "RFC 8848 §4.4.1",
			"a CLUE encoding (sendonly CLUE-controlled m-line) has no a=label")
	}
	if m.Label == "" {
		return
	}
	if j, dup := labels[m.Label]; dup && !s.dependent(s.Media[j].MID, m.MID) {
		r.fail(Malformed, ErrLabel, r.attrLine(i, "label", 0), i, "a=label", "RFC 8848 §4.4.1",
			"%q is also the label of m-line %d in the CLUE group", m.Label, j)
		return
	}
	labels[m.Label] = i
}

func (r *reader) checkExtMaps(s *Session, i int) {
	m := &s.Media[i]
	ids := map[uint16]bool{}
	for n, e := range m.RTP.ExtMaps {
		line := r.attrLine(i, "extmap", n)
		if e.ID >= 4096 {
			if r.kind == AsAnswer {
				r.fail(Malformed, ErrExtMap, line, i, "a=extmap", "RFC 8285 §7",
					"identifier %d is in the negotiation range 4096..4351, not usable in an answer", e.ID)
			}
			continue // several alternatives may share an ID there
		}
		if ids[e.ID] {
			r.fail(Malformed, ErrExtMap, line, i, "a=extmap", "RFC 8285 §7", "identifier %d used twice", e.ID)
		}
		ids[e.ID] = true
		if e.Direction != SendRecv && e.Direction != Inactive && m.Direction != SendRecv &&
			((e.Direction.Sends() && !m.Direction.Sends()) || (e.Direction.Receives() && !m.Direction.Receives())) {
			r.warn(line, i, "a=extmap", "RFC 8285 §7", "direction %s incompatible with the stream's %s", e.Direction, m.Direction)
		}
	}
}

func (r *reader) checkDTLS(s *Session, i int) {
	t := s.Transport(i)
	m := &s.Media[i]
	line := r.mLine(i)
	if n := len(m.DTLS.Fingerprints); n > 0 {
		line = r.attrLine(i, "fingerprint", 0)
	}
	usable := 0
	for _, fp := range t.DTLS.Fingerprints {
		switch {
		case weakHash(fp.Hash):
			r.warn(line, i, "a=fingerprint", "RFC 8122 §5", "%s fingerprint ignored: hash too weak", fp.Hash)
		case hashLen[fp.Hash] == 0:
			r.warn(line, i, "a=fingerprint", "RFC 8122 §5", "unknown hash function %q ignored", fp.Hash)
		default:
			usable++
		}
	}
	switch {
	case len(t.DTLS.Fingerprints) == 0:
		r.fail(NotAcceptable, ErrFingerprint, r.mLine(i), i, "a=fingerprint", "RFC 5763 §5, RFC 8841 §10.1",
			"missing: the DTLS certificate cannot be verified")
	case usable == 0:
		r.fail(NotAcceptable, ErrFingerprint, line, i, "a=fingerprint", "RFC 8122 §5",
			"no fingerprint with a usable hash function (sha-1, sha-224, sha-256, sha-384, sha-512)")
	}
	sline := r.attrLine(i, "setup", 0)
	if sline == 0 {
		sline = r.mLine(i)
	}
	switch t.DTLS.Setup {
	case SetupHoldconn:
		r.fail(NotAcceptable, ErrSetup, sline, i, "a=setup", "RFC 8842 §5.1", "holdconn MUST NOT be used with DTLS")
	case SetupActpass:
		if r.kind == AsAnswer {
			r.fail(Malformed, ErrSetup, sline, i, "a=setup", "RFC 5763 §5, RFC 4145 §4.1",
				"an answer chooses active or passive, not actpass")
		}
	case SetupNone:
		def := "active"
		if r.kind == AsAnswer {
			def = "passive"
		}
		r.warn(r.mLine(i), i, "a=setup", "RFC 5763 §5, RFC 4145 §4",
			"missing; RFC 4145's default for an %s (%s) applies", r.kind, def)
	}
}

func (r *reader) checkICE(s *Session, i int) {
	t := s.Transport(i)
	if t.ICE.empty() {
		return
	}
	if t.ICE.Ufrag == "" || t.ICE.Pwd == "" {
		missing := "a=ice-ufrag"
		if t.ICE.Ufrag != "" {
			missing = "a=ice-pwd"
		}
		r.fail(Malformed, ErrICE, r.mLine(i), i, missing, "RFC 8839 §5.4",
			"ICE is used (candidates or credentials present) but %s is missing", missing)
	}
}

func (r *reader) checkCLUEChannel(s *Session, i int) {
	m := &s.Media[i]
	ch := m.CLUEChannel()
	if ch == nil {
		r.warn(r.mLine(i), i, "a=dcmap", "RFC 8850 §3.3.2",
			"the CLUE data channel m-line has no a=dcmap with subprotocol \"CLUE\": CLUE cannot be used")
		return
	}
	line := r.attrLine(i, "dcmap", dcIndex(m, ch))
	if !ch.Reliable() {
		r.warn(line, i, "a=dcmap", "RFC 8850 §3.2.3, §3.2.4",
			"the CLUE channel must be ordered and fully reliable (no max-retr/max-time): CLUE cannot be used")
	}
	if len(ch.DCSA) > 0 {
		r.warn(line, i, "a=dcsa", "RFC 8850 §3.3.3", "a=dcsa is not used with the CLUE channel; ignored")
	}
	if r.kind == AsOffer {
		if ok, msg := dcParity(ch.StreamID, s.Transport(i).DTLS.Setup); !ok {
			r.warn(line, i, "a=dcmap", "RFC 8864 §6.1, §8", "%s", msg)
		} else if msg != "" {
			r.warn(line, i, "a=dcmap", "RFC 8864 §6.1, RFC 8831 §6.5", "%s", msg)
		}
	}
}

func dcIndex(m *Media, ch *DCMap) int {
	for i := range m.SCTP.Channels {
		if &m.SCTP.Channels[i] == ch {
			return i
		}
	}
	return 0
}

// dcParity checks an offered stream id against the offerer's DTLS role
// (RFC 8864 §6.1; RFC 8831 §6.5: the side that picks a stream id picks an
// even one as DTLS client, an odd one as DTLS server). ok=false: the
// offerer fixed its role and picked the wrong parity; RFC 8864 §8 says such
// a channel is closed, so the answerer does not accept it. With actpass the
// offerer cannot know its role: any id is accepted, and a note says when it
// will not match the role our default answer (active) gives the offerer —
// the RFC 8848 §8 example does exactly that (id 2, answerer active).
func dcParity(id uint16, offererSetup Setup) (ok bool, note string) {
	even := id%2 == 0
	switch offererSetup {
	case SetupActive:
		if !even {
			return false, sprintf("stream id %d is odd but the offerer is the DTLS client (setup:active), which picks even ids: the channel is refused", id)
		}
	case SetupPassive:
		if even {
			return false, sprintf("stream id %d is even but the offerer is the DTLS server (setup:passive), which picks odd ids: the channel is refused", id)
		}
	case SetupActpass:
		if even {
			return true, sprintf("stream id %d is even although answering active makes the offerer DTLS server (odd ids); tolerated as in RFC 8848 §8", id)
		}
	}
	return true, ""
}
