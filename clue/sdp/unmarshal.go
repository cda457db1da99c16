package sdp

import (
	"fmt"
	"strings"

	psdp "github.com/pion/sdp/v3"
)

// Kind says whether an SDP is an offer or an answer (RFC 3264 §2): some
// rules differ (a=setup:actpass only in offers, RFC 5763 §5).
type Kind uint8

const (
	AsOffer Kind = iota
	AsAnswer
)

func (k Kind) String() string {
	if k == AsAnswer {
		return "answer"
	}
	return "offer"
}

// DefaultMaxBytes bounds a received SDP when ParseOpts.MaxBytes is 0. A
// 4-camera CLUE re-offer is about 6 KB; SIP over UDP carries less than 64 KB.
const DefaultMaxBytes = 64 << 10

// ParseOpts configures Parse. The zero value parses an offer.
type ParseOpts struct {
	As       Kind
	MaxBytes int           // 0: DefaultMaxBytes
	Warn     func(Warning) // tolerated deviations; nil: dropped
}

// Parse reads an SDP received from the peer and validates it (see
// validate.go for the rules). The result is nil exactly when the error is
// fatal; a fatal error is Errors (each *Error says where and why) and
// Status(err) is the SIP response refusing the offer (400 or 488).
// Tolerated deviations go to opts.Warn.
//
// Parse never trusts its input: sizes are bounded, every attribute value is
// checked against its grammar, and the pion parser is shielded (a panic in
// it becomes ErrSyntax).
func Parse(b []byte, opts *ParseOpts) (*Session, error) {
	var o ParseOpts
	if opts != nil {
		o = *opts
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if len(b) > o.MaxBytes {
		return nil, Errors{{Class: Malformed, Err: ErrTooLarge, MLine: -1,
			Msg: fmt.Sprintf("%d bytes, limit %d", len(b), o.MaxBytes)}}
	}
	text := string(b)
	pos, err := scanLines(text)
	if err != nil {
		return nil, Errors{err}
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\r\n" // pion needs the last line terminated
	}
	var d psdp.SessionDescription
	if err := pionParse(&d, text); err != nil {
		return nil, Errors{{Class: Malformed, Err: ErrSyntax, Line: locate(text), MLine: -1,
			Msg: err.Error(), Section: "RFC 4566 §5"}}
	}
	if !pos.matches(&d) {
		pos = nil // pion saw the lines differently; report without line numbers
	}
	r := &reader{kind: o.As, pos: pos, warnFn: o.Warn}
	s := r.convert(&d)
	if len(r.errs) == 0 {
		r.validate(s)
	}
	if len(r.errs) > 0 {
		return nil, r.errs
	}
	s.pos = pos
	return s, nil
}

func pionParse(d *psdp.SessionDescription, text string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sdp parser panic: %v", p)
		}
	}()
	return d.UnmarshalString(text)
}

// srcMap remembers the line of every a= line and m= line, so that problems
// found after parsing name their line.
type srcMap struct {
	sess  []srcAttr
	media []srcMedia
}

type srcMedia struct {
	line  int
	attrs []srcAttr
}

type srcAttr struct {
	key  string
	line int
}

// scanLines checks the line structure pion is lenient about (RFC 4566 §5:
// <type>=<value> lines, v=0 first, o= and t= fields, no NUL or stray CR)
// and records the line of every m= and a= line.
func scanLines(text string) (*srcMap, *Error) {
	pos := &srcMap{}
	line := 0
	first := true
	seen := map[byte]bool{}
	for off := 0; off < len(text); {
		line++
		end := strings.IndexByte(text[off:], '\n')
		var l string
		if end < 0 {
			l, off = text[off:], len(text)
		} else {
			l, off = text[off:off+end], off+end+1
		}
		l = strings.TrimSuffix(l, "\r")
		if l == "" {
			continue
		}
		fail := func(msg string) *Error {
			return &Error{Class: Malformed, Err: ErrSyntax, Line: line, MLine: -1, Msg: msg, Section: "RFC 4566 §5"}
		}
		if len(l) < 2 || l[1] != '=' || l[0] < 'a' || l[0] > 'z' {
			return nil, fail(fmt.Sprintf("%q is not a <type>=<value> line", clip(l)))
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; c == 0 || c == '\r' {
				return nil, fail("NUL or CR inside a line")
			}
		}
		if first && l != "v=0" {
			return nil, fail("the description must start with v=0")
		}
		first = false
		seen[l[0]] = true
		switch l[0] {
		case 'o':
			// RFC 4566 §5.2: <username> <sess-id> <sess-version> <nettype>
			// <addrtype> <unicast-address>; pion is lenient here.
			f := strings.Fields(l[2:])
			if len(f) != 6 || !isDigits(f[1]) || !isDigits(f[2]) || strings.Join(f, " ") != l[2:] {
				return nil, &Error{Class: Malformed, Err: ErrSyntax, Line: line, MLine: -1, Attr: "o=",
					Msg: "want <username> <sess-id> <sess-version> IN <addrtype> <address>", Section: "RFC 4566 §5.2"}
			}
		case 't':
			f := strings.Fields(l[2:])
			if len(f) != 2 || !isDigits(f[0]) || !isDigits(f[1]) {
				return nil, &Error{Class: Malformed, Err: ErrSyntax, Line: line, MLine: -1, Attr: "t=",
					Msg: "want <start-time> <stop-time>", Section: "RFC 4566 §5.9"}
			}
		case 'm':
			if !seen['o'] || !seen['s'] || !seen['t'] {
				return nil, fail("m= before the o=, s= and t= lines")
			}
			pos.media = append(pos.media, srcMedia{line: line})
		case 'a':
			v := l[2:]
			key := v
			if i := strings.IndexByte(v, ':'); i > 0 {
				key = v[:i]
			}
			a := srcAttr{key: key, line: line}
			if n := len(pos.media); n > 0 {
				pos.media[n-1].attrs = append(pos.media[n-1].attrs, a)
			} else {
				pos.sess = append(pos.sess, a)
			}
		}
	}
	for _, t := range []byte{'v', 'o', 's', 't'} {
		if !seen[t] {
			return nil, &Error{Class: Malformed, Err: ErrSyntax, MLine: -1, Line: line,
				Msg: fmt.Sprintf("no %c= line", t), Section: "RFC 4566 §5"}
		}
	}
	return pos, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func (p *srcMap) matches(d *psdp.SessionDescription) bool {
	if len(p.sess) != len(d.Attributes) || len(p.media) != len(d.MediaDescriptions) {
		return false
	}
	for i, m := range d.MediaDescriptions {
		if len(p.media[i].attrs) != len(m.Attributes) {
			return false
		}
	}
	return true
}

// locate finds the line at which pion fails: the shortest prefix (cut at a
// line end) that fails to parse ends with it. Parsing prefixes is monotone,
// so a binary search needs O(log n) parses; only the error path pays it.
func locate(text string) int {
	var ends []int
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			ends = append(ends, i+1)
		}
	}
	fails := func(n int) bool {
		var d psdp.SessionDescription
		return pionParse(&d, text[:ends[n]]) != nil
	}
	lo, hi := 0, len(ends)-1
	if hi < 0 || !fails(hi) {
		return 0
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo + 1
}

// reader converts pion's description and validates it, collecting errors
// with their position.
type reader struct {
	kind   Kind
	pos    *srcMap
	warnFn func(Warning)
	errs   Errors
	warns  []Warning // kept when keep is set (ApplyAnswer returns them)
	keep   bool
}

func (r *reader) sessLine(key string, nth int) int {
	if r.pos == nil {
		return 0
	}
	return nthLine(r.pos.sess, key, nth)
}

func (r *reader) attrLine(mi int, key string, nth int) int {
	if r.pos == nil || mi < 0 || mi >= len(r.pos.media) {
		return r.sessLine(key, nth)
	}
	if key == "" {
		return r.pos.media[mi].line
	}
	return nthLine(r.pos.media[mi].attrs, key, nth)
}

func nthLine(attrs []srcAttr, key string, nth int) int {
	for _, a := range attrs {
		if a.key == key {
			if nth == 0 {
				return a.line
			}
			nth--
		}
	}
	return 0
}

// mLine is the line of m-line mi's m= line.
func (r *reader) mLine(mi int) int {
	if r.pos == nil || mi < 0 || mi >= len(r.pos.media) {
		return 0
	}
	return r.pos.media[mi].line
}

func (r *reader) add(e *Error, line, mi int, attr string) {
	e.Line, e.MLine, e.Attr = line, mi, attr
	r.errs = append(r.errs, e)
}

func (r *reader) fail(class Class, sentinel error, line, mi int, attr, section, format string, args ...any) {
	r.errs = append(r.errs, &Error{Class: class, Err: sentinel, Line: line, MLine: mi, Attr: attr,
		Msg: fmt.Sprintf(format, args...), Section: section})
}

func (r *reader) warn(line, mi int, attr, section, format string, args ...any) {
	w := Warning{Line: line, MLine: mi, Attr: attr, Msg: fmt.Sprintf(format, args...), Section: section}
	if r.keep {
		r.warns = append(r.warns, w)
	}
	if r.warnFn != nil {
		r.warnFn(w)
	}
}

func (r *reader) convert(d *psdp.SessionDescription) *Session {
	s := &Session{
		Origin: Origin{Username: d.Origin.Username, SessionID: d.Origin.SessionID, Version: d.Origin.SessionVersion,
			AddrType: d.Origin.AddressType, Address: d.Origin.UnicastAddress},
		Name: string(d.SessionName),
	}
	if s.Name == "" {
		s.Name = "-" // RFC 4566 §5.3: s= is never empty; "-" is what we write
	}
	if c := d.ConnectionInformation; c != nil && c.Address != nil {
		s.Addr = c.Address.Address
	}
	count := map[string]int{}
	for _, a := range d.Attributes {
		nth := count[a.Key]
		count[a.Key]++
		line := r.sessLine(a.Key, nth)
		attr := "a=" + a.Key
		switch a.Key {
		case "group":
			g, err := parseGroup(a.Value)
			if err != nil {
				r.add(err, line, -1, attr)
				continue
			}
			s.Groups = append(s.Groups, g)
		case "ice-lite":
			s.ICELite = true
		case "ice-ufrag", "ice-pwd":
			r.iceCred(&s.ICE, a, line, -1, nth)
		case "setup", "fingerprint", "tls-id":
			if a.Key == "tls-id" {
				r.warn(line, -1, attr, "RFC 8842 §4", "a=tls-id is a media-level attribute; applied to every m-line")
			}
			r.dtlsAttr(&s.DTLS, a, line, -1, nth)
		case "extmap":
			e, err := parseExtMap(a.Value)
			if err != nil {
				r.add(err, line, -1, attr)
				continue
			}
			s.ExtMaps = append(s.ExtMaps, e)
		case "candidate":
			r.warn(line, -1, attr, "RFC 8839 §5.1", "a=candidate at session level ignored")
			s.Other = append(s.Other, Attribute(a))
		default:
			s.Other = append(s.Other, Attribute(a))
		}
	}
	for i, md := range d.MediaDescriptions {
		s.Media = append(s.Media, r.media(md, i))
	}
	return s
}

func (r *reader) iceCred(ice *ICE, a psdp.Attribute, line, mi, nth int) {
	attr := "a=" + a.Key
	if nth > 0 {
		r.fail(Malformed, ErrICE, line, mi, attr, "RFC 8839 §5.4", "repeated")
		return
	}
	if a.Key == "ice-ufrag" {
		// RFC 8839 §5.4: ufrag 4..256, pwd 22..256 ice-chars.
		if err := checkICEString("ice-ufrag", a.Value, 4, 256); err != nil {
			r.add(err, line, mi, attr)
			return
		}
		ice.Ufrag = a.Value
		return
	}
	if err := checkICEString("ice-pwd", a.Value, 22, 256); err != nil {
		r.add(err, line, mi, attr)
		return
	}
	ice.Pwd = a.Value
}

func (r *reader) dtlsAttr(d *DTLS, a psdp.Attribute, line, mi, nth int) {
	attr := "a=" + a.Key
	switch a.Key {
	case "setup":
		if nth > 0 {
			r.fail(Malformed, ErrSetup, line, mi, attr, "RFC 4145 §4", "repeated")
			return
		}
		st, err := parseSetup(a.Value)
		if err != nil {
			r.add(err, line, mi, attr)
			return
		}
		d.Setup = st
	case "fingerprint":
		fp, note, err := parseFingerprint(a.Value)
		if err != nil {
			r.add(err, line, mi, attr)
			return
		}
		if note != "" {
			r.warn(line, mi, attr, "RFC 8122 §5", "%s", note)
		}
		d.Fingerprints = append(d.Fingerprints, fp)
	case "tls-id":
		if nth > 0 {
			r.fail(Malformed, ErrTLSID, line, mi, attr, "RFC 8842 §4", "repeated")
			return
		}
		if err := checkTLSID(a.Value); err != nil {
			r.add(err, line, mi, attr)
			return
		}
		d.TLSID = a.Value
	}
}

func (r *reader) media(md *psdp.MediaDescription, mi int) Media {
	m := Media{
		Type:    md.MediaName.Media,
		Port:    md.MediaName.Port.Value,
		Proto:   strings.Join(md.MediaName.Protos, "/"),
		Formats: append([]string(nil), md.MediaName.Formats...),
	}
	if md.MediaName.Port.Range != nil {
		r.warn(r.mLine(mi), mi, "m=", "RFC 4566 §5.14", "port range /%d ignored", *md.MediaName.Port.Range)
	}
	if len(m.Formats) == 0 {
		r.fail(Malformed, ErrSyntax, r.mLine(mi), mi, "m=", "RFC 4566 §5.14", "no <fmt>")
	}
	if c := md.ConnectionInformation; c != nil && c.Address != nil {
		m.Addr = c.Address.Address
	}
	for _, b := range md.Bandwidth {
		switch {
		case b.Type == "AS" && !b.Experimental:
			m.Bandwidth.AS = b.Bandwidth
		case b.Type == "TIAS" && !b.Experimental:
			m.Bandwidth.TIAS = b.Bandwidth
		}
	}
	rtp := m.IsRTP()
	sctp := strings.HasSuffix(m.Proto, "/SCTP")
	if rtp {
		m.RTP = &RTP{}
	}
	if sctp {
		m.SCTP = &SCTP{}
	}
	var (
		rtpmaps  = map[uint8]Codec{}
		rtpOrder []fmtpLine // rtpmap lines in document order
		fmtps    []fmtpLine
		fbs      []fmtpLine
		dcsas    []fmtpLine
		sawPort  bool
		sawDir   bool
		count    = map[string]int{}
	)
	for _, a := range md.Attributes {
		nth := count[a.Key]
		count[a.Key]++
		line := r.attrLine(mi, a.Key, nth)
		attr := "a=" + a.Key
		single := func(sentinel error, section string) bool {
			if nth > 0 {
				r.fail(Malformed, sentinel, line, mi, attr, section, "repeated")
				return false
			}
			return true
		}
		switch {
		case a.Key == "mid":
			if single(ErrMID, "RFC 5888 §4") {
				if !IsToken(a.Value) {
					r.fail(Malformed, ErrMID, line, mi, attr, "RFC 5888 §4", "%q is not a token", a.Value)
				}
				m.MID = a.Value
			}
		case a.Key == "label":
			if single(ErrLabel, "RFC 4574 §4") {
				if !IsToken(a.Value) {
					r.fail(Malformed, ErrLabel, line, mi, attr, "RFC 4574 §4", "%q is not a token", a.Value)
				}
				m.Label = a.Value
			}
		case a.Key == "sendrecv" || a.Key == "sendonly" || a.Key == "recvonly" || a.Key == "inactive":
			if sawDir {
				r.fail(Malformed, ErrDirection, line, mi, attr, "RFC 3264 §5.1", "a second direction attribute")
			}
			sawDir = true
			m.Direction, _ = parseDirection(a.Key)
		case a.Key == "bundle-only":
			m.BundleOnly = true
		case a.Key == "rtcp-mux":
			m.RTCPMux = true
		case a.Key == "setup" || a.Key == "fingerprint" || a.Key == "tls-id":
			r.dtlsAttr(&m.DTLS, a, line, mi, nth)
		case a.Key == "ice-ufrag" || a.Key == "ice-pwd":
			r.iceCred(&m.ICE, a, line, mi, nth)
		case a.Key == "candidate":
			c, err := parseCandidate(a.Value)
			if err != nil {
				r.add(err, line, mi, attr)
				continue
			}
			m.ICE.Candidates = append(m.ICE.Candidates, c)
		case rtp && a.Key == "rtpmap":
			pt, name, rate, ch, err := parseRtpmap(a.Value)
			if err != nil {
				r.add(err, line, mi, attr)
				continue
			}
			if _, dup := rtpmaps[pt]; dup {
				r.fail(Malformed, ErrCodec, line, mi, attr, "RFC 4566 §6", "payload type %d mapped twice", pt)
				continue
			}
			rtpmaps[pt] = Codec{PT: pt, Name: name, ClockRate: rate, Channels: ch}
			rtpOrder = append(rtpOrder, fmtpLine{pt: pt, line: line})
		case rtp && (a.Key == "fmtp" || a.Key == "rtcp-fb"):
			p, rest := splitPT(a.Value)
			var pt uint8
			if p == "*" && a.Key == "rtcp-fb" {
				pt = 255 // wildcard (RFC 4585 §4.2)
			} else if v, ok := parsePT(p); ok {
				pt = v
			} else {
				r.fail(Malformed, ErrCodec, line, mi, attr, "RFC 4566 §6", "payload type %q out of 0..127", p)
				continue
			}
			if a.Key == "fmtp" {
				fmtps = append(fmtps, fmtpLine{pt, rest, line})
			} else {
				if rest == "" {
					r.fail(Malformed, ErrCodec, line, mi, attr, "RFC 4585 §4.2", "no feedback type")
					continue
				}
				fbs = append(fbs, fmtpLine{pt, rest, line})
			}
		case rtp && a.Key == "extmap":
			e, err := parseExtMap(a.Value)
			if err != nil {
				r.add(err, line, mi, attr)
				continue
			}
			m.RTP.ExtMaps = append(m.RTP.ExtMaps, e)
		case rtp && a.Key == "ssrc":
			id, k, v, err := parseSSRC(a.Value)
			if err != nil {
				r.add(err, line, mi, attr)
				continue
			}
			if k == "cname" {
				m.RTP.SSRCs = append(m.RTP.SSRCs, SSRC{ID: id, CNAME: v})
			} else {
				m.Other = append(m.Other, Attribute(a))
			}
		case sctp && a.Key == "sctp-port":
			if single(ErrSCTP, "RFC 8841 §5") {
				p, note, err := parseSCTPPort(a.Value)
				if err != nil {
					r.add(err, line, mi, attr)
					continue
				}
				if note != "" {
					r.warn(line, mi, attr, "RFC 8841 §5.2", "%s", note)
				}
				m.SCTP.Port, sawPort = p, true
			}
		case sctp && a.Key == "max-message-size":
			if single(ErrSCTP, "RFC 8841 §6") {
				n, note, err := parseMaxMessageSize(a.Value)
				if err != nil {
					r.add(err, line, mi, attr)
					continue
				}
				if note != "" {
					r.warn(line, mi, attr, "RFC 8841 §6.2", "%s", note)
				}
				m.SCTP.MaxMessageSize = &n
			}
		case sctp && a.Key == "dcmap":
			dc, note, err := parseDCMap(a.Value)
			if err != nil {
				r.add(err, line, mi, attr)
				continue
			}
			if note != "" {
				r.warn(line, mi, attr, "RFC 8864 §5.1", "%s", note)
			}
			for _, o := range m.SCTP.Channels {
				if o.StreamID == dc.StreamID {
					r.fail(Malformed, ErrDCMap, line, mi, attr, "RFC 8864 §5.1.2", "stream id %d mapped twice", dc.StreamID)
				}
			}
			m.SCTP.Channels = append(m.SCTP.Channels, dc)
		case sctp && a.Key == "dcsa":
			idStr, rest, _ := strings.Cut(strings.TrimSpace(a.Value), " ")
			if _, err := parseStreamID(idStr); err != nil || strings.TrimSpace(rest) == "" {
				r.fail(Malformed, ErrDCMap, line, mi, attr, "RFC 8864 §5.2.1", "want \"<stream-id> <attribute>\", got %q", a.Value)
				continue
			}
			dcsas = append(dcsas, fmtpLine{0, a.Value, line})
		default:
			if a.Key == "crypto" {
				r.warn(line, mi, attr, "RFC 4568", "SDES keying ignored: the box keys SRTP by DTLS only")
			}
			m.Other = append(m.Other, Attribute(a))
		}
	}
	if rtp {
		r.codecs(&m, mi, rtpmaps, rtpOrder)
		for _, f := range fmtps {
			c := findCodec(m.RTP.Codecs, f.pt)
			if c == nil {
				r.warn(f.line, mi, "a=fmtp", "RFC 4566 §6", "payload type %d is not in the m= line; ignored", f.pt)
				continue
			}
			if c.Fmtp != "" {
				r.fail(Malformed, ErrCodec, f.line, mi, "a=fmtp", "RFC 4566 §6", "payload type %d has two a=fmtp", f.pt)
				continue
			}
			c.Fmtp = f.v
		}
		for _, f := range fbs {
			typ, param, _ := strings.Cut(f.v, " ")
			fb := FB{Type: typ, Param: strings.TrimSpace(param)}
			if f.pt == 255 {
				for i := range m.RTP.Codecs {
					if !hasFB(m.RTP.Codecs[i].FB, fb) {
						m.RTP.Codecs[i].FB = append(m.RTP.Codecs[i].FB, fb)
					}
				}
				continue
			}
			c := findCodec(m.RTP.Codecs, f.pt)
			if c == nil {
				r.warn(f.line, mi, "a=rtcp-fb", "RFC 4585 §4.2", "payload type %d is not in the m= line; ignored", f.pt)
				continue
			}
			if !hasFB(c.FB, fb) {
				c.FB = append(c.FB, fb)
			}
		}
	}
	if sctp {
		for _, f := range dcsas {
			idStr, rest, _ := strings.Cut(strings.TrimSpace(f.v), " ")
			id, _ := parseStreamID(idStr)
			ch := -1
			for i := range m.SCTP.Channels {
				if m.SCTP.Channels[i].StreamID == id {
					ch = i
				}
			}
			if ch < 0 {
				// RFC 8864 §6.7: a dcsa without its dcmap is discarded.
				r.warn(f.line, mi, "a=dcsa", "RFC 8864 §6.7", "no a=dcmap for stream %d; discarded", id)
				continue
			}
			m.SCTP.Channels[ch].DCSA = append(m.SCTP.Channels[ch].DCSA, strings.TrimSpace(rest))
		}
		if !sawPort && m.Port != 0 && m.IsDataChannel() {
			// RFC 8841 §5.1: no default; the m-line MUST be considered invalid.
			r.fail(Malformed, ErrSCTP, r.mLine(mi), mi, "a=sctp-port", "RFC 8841 §5.1", "missing on a data channel m-line")
		}
	}
	return m
}

// fmtpLine is an attribute value keyed by payload type or stream id,
// remembered with its line until the m-line's formats are known.
type fmtpLine struct {
	pt   uint8
	v    string
	line int
}

func findCodec(cs []Codec, pt uint8) *Codec {
	for i := range cs {
		if cs[i].PT == pt {
			return &cs[i]
		}
	}
	return nil
}

// codecs builds the payload formats in m= order.
func (r *reader) codecs(m *Media, mi int, rtpmaps map[uint8]Codec, order []fmtpLine) {
	listed := map[uint8]bool{}
	for _, f := range m.Formats {
		pt, ok := parsePT(f)
		if !ok {
			r.fail(Malformed, ErrCodec, r.mLine(mi), mi, "m=", "RFC 3551 §6", "format %q is not a payload type 0..127", f)
			continue
		}
		if listed[pt] {
			r.warn(r.mLine(mi), mi, "m=", "RFC 4566 §5.14", "payload type %d listed twice", pt)
			continue
		}
		listed[pt] = true
		c, ok := rtpmaps[pt]
		if !ok {
			if c, ok = staticPT[pt]; !ok {
				// RFC 4566 §6: dynamic types need an rtpmap; the format is
				// kept, unnamed, and never matches a codec of ours.
				r.warn(r.mLine(mi), mi, "m=", "RFC 4566 §6", "payload type %d has no a=rtpmap", pt)
				c = Codec{PT: pt}
			}
		}
		m.RTP.Codecs = append(m.RTP.Codecs, c)
	}
	for _, o := range order {
		if !listed[o.pt] {
			r.warn(o.line, mi, "a=rtpmap", "RFC 4566 §6", "payload type %d is not in the m= line; ignored", o.pt)
		}
	}
}
