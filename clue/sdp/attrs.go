package sdp

import (
	"fmt"
	"strconv"
	"strings"
)

// This file holds the value grammars of the attributes the package
// interprets: one parse and one format function each, pure. Parse
// functions return an *Error without position (the caller adds line,
// m-line and attribute) and, for tolerated deviations, a note.

func bad(sentinel error, section, format string, args ...any) *Error {
	return &Error{Class: Malformed, Err: sentinel, MLine: -1, Msg: sprintf(format, args...), Section: section}
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// isTokenChar: RFC 4566 §9 token-char (also RFC 4574 §4, RFC 5888 §4).
func isTokenChar(c byte) bool {
	return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2A || c == 0x2B || c == 0x2D || c == 0x2E ||
		(c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x5E && c <= 0x7E)
}

// IsToken reports whether s is an SDP token (RFC 4566 §9), the syntax of
// a=mid and a=label values and therefore of CLUE encoding IDs.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseUint parses 1*DIGIT into at most bits bits. leadingZero reports a
// leading zero (forbidden by several RFC 8841 grammars).
func parseUint(s string, bits int) (v uint64, leadingZero, ok bool) {
	if !isDigits(s) || len(s) > 20 {
		return 0, false, false
	}
	v, err := strconv.ParseUint(s, 10, bits)
	if err != nil {
		return 0, false, false
	}
	return v, len(s) > 1 && s[0] == '0', true
}

// --- a=setup (RFC 4145 §4) ---

func parseSetup(v string) (Setup, *Error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "actpass":
		return SetupActpass, nil
	case "active":
		return SetupActive, nil
	case "passive":
		return SetupPassive, nil
	case "holdconn":
		return SetupHoldconn, nil
	}
	return SetupNone, bad(ErrSetup, "RFC 4145 §4", "unknown value %q (want active, passive or actpass)", v)
}

// --- a=fingerprint (RFC 8122 §5) ---

// hashLen is the digest length of the hash functions RFC 8122 §5 names.
var hashLen = map[string]int{
	"sha-1": 20, "sha-224": 28, "sha-256": 32, "sha-384": 48, "sha-512": 64, "md5": 16, "md2": 16,
}

// weakHash: RFC 8122 §5 keeps md2/md5 in the grammar for compatibility
// only; they do not protect a DTLS association (RFC 6151) and are refused.
func weakHash(h string) bool { return h == "md5" || h == "md2" }

func parseFingerprint(v string) (fp Fingerprint, note string, err *Error) {
	f := strings.Fields(v)
	if len(f) != 2 {
		return fp, "", bad(ErrFingerprint, "RFC 8122 §5", "want \"<hash-func> <hex>\", got %q", v)
	}
	if !IsToken(f[0]) {
		return fp, "", bad(ErrFingerprint, "RFC 8122 §5", "hash function %q is not a token", f[0])
	}
	fp.Hash = strings.ToLower(f[0])
	if strings.TrimLeft(v, " \t") != v {
		note = "whitespace after \"fingerprint:\""
	}
	parts := strings.Split(f[1], ":")
	var b strings.Builder
	b.Grow(len(f[1]))
	lower := false
	for i, p := range parts {
		if len(p) != 2 || !isHex(p[0]) || !isHex(p[1]) {
			return fp, "", bad(ErrFingerprint, "RFC 8122 §5", "byte %d %q is not two hex digits", i+1, p)
		}
		if i > 0 {
			b.WriteByte(':')
		}
		for j := 0; j < 2; j++ {
			c := p[j]
			if c >= 'a' && c <= 'f' {
				c -= 'a' - 'A'
				lower = true
			}
			b.WriteByte(c)
		}
	}
	if n, ok := hashLen[fp.Hash]; ok && n != len(parts) {
		return fp, "", bad(ErrFingerprint, "RFC 8122 §5", "%s digest has %d bytes, want %d", fp.Hash, len(parts), n)
	}
	fp.Value = b.String()
	if lower {
		note = joinNote(note, "lower-case hex (RFC 8122 §5 wants upper case)")
	}
	return fp, note, nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// --- a=tls-id (RFC 8842 §4) ---

func checkTLSID(v string) *Error {
	if len(v) < 20 || len(v) > 255 {
		return bad(ErrTLSID, "RFC 8842 §4", "length %d, want 20..255", len(v))
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isAlnum(c) && c != '+' && c != '/' && c != '-' && c != '_' {
			return bad(ErrTLSID, "RFC 8842 §4", "character %q not allowed", c)
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// --- ICE (RFC 8839 §5.1, §5.4) ---

func isICEChar(c byte) bool { return isAlnum(c) || c == '+' || c == '/' }

func checkICEString(what, v string, min, max int) *Error {
	if len(v) < min || len(v) > max {
		return bad(ErrICE, "RFC 8839 §5.4", "%s has %d characters, want %d..%d", what, len(v), min, max)
	}
	for i := 0; i < len(v); i++ {
		if !isICEChar(v[i]) {
			return bad(ErrICE, "RFC 8839 §5.4", "%s: character %q is not an ice-char", what, v[i])
		}
	}
	return nil
}

func parseCandidate(v string) (Candidate, *Error) {
	var c Candidate
	f := strings.Fields(v)
	if len(f) < 8 || f[6] != "typ" {
		return c, bad(ErrICE, "RFC 8839 §5.1", "want \"<foundation> <component> <transport> <priority> <address> <port> typ <type> …\", got %q", v)
	}
	if len(f[0]) > 32 || checkICEString("foundation", f[0], 1, 32) != nil {
		return c, bad(ErrICE, "RFC 8839 §5.1", "foundation %q is not 1..32 ice-chars", f[0])
	}
	comp, _, ok := parseUint(f[1], 16)
	if !ok || comp == 0 || comp > 256 {
		return c, bad(ErrICE, "RFC 8839 §5.1", "component-id %q out of 1..256", f[1])
	}
	if !IsToken(f[2]) {
		return c, bad(ErrICE, "RFC 8839 §5.1", "transport %q is not a token", f[2])
	}
	prio, _, ok := parseUint(f[3], 32)
	if !ok {
		return c, bad(ErrICE, "RFC 8839 §5.1", "priority %q out of range", f[3])
	}
	port, _, ok := parseUint(f[5], 16)
	if !ok {
		return c, bad(ErrICE, "RFC 8839 §5.1", "port %q out of range", f[5])
	}
	if !IsToken(f[7]) || f[4] == "" {
		return c, bad(ErrICE, "RFC 8839 §5.1", "candidate type %q", f[7])
	}
	c = Candidate{Foundation: f[0], Component: uint16(comp), Transport: f[2], Priority: uint32(prio),
		Address: f[4], Port: uint16(port), Type: f[7]}
	rest := f[8:]
	if len(rest) >= 2 && rest[0] == "raddr" {
		c.RelAddr = rest[1]
		rest = rest[2:]
	}
	if len(rest) >= 2 && rest[0] == "rport" {
		p, _, ok := parseUint(rest[1], 16)
		if !ok {
			return c, bad(ErrICE, "RFC 8839 §5.1", "rport %q out of range", rest[1])
		}
		c.RelPort = uint16(p)
		rest = rest[2:]
	}
	if len(rest)%2 != 0 {
		return c, bad(ErrICE, "RFC 8839 §5.1", "extension attribute %q has no value", rest[len(rest)-1])
	}
	if len(rest) > 0 {
		c.Ext = append([]string(nil), rest...)
	}
	return c, nil
}

func formatCandidate(c *Candidate) string {
	var b strings.Builder
	b.WriteString(c.Foundation)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(int(c.Component)))
	b.WriteByte(' ')
	b.WriteString(c.Transport)
	b.WriteByte(' ')
	b.WriteString(strconv.FormatUint(uint64(c.Priority), 10))
	b.WriteByte(' ')
	b.WriteString(c.Address)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(int(c.Port)))
	b.WriteString(" typ ")
	b.WriteString(c.Type)
	if c.RelAddr != "" {
		b.WriteString(" raddr ")
		b.WriteString(c.RelAddr)
		b.WriteString(" rport ")
		b.WriteString(strconv.Itoa(int(c.RelPort)))
	}
	for _, e := range c.Ext {
		b.WriteByte(' ')
		b.WriteString(e)
	}
	return b.String()
}

// --- a=rtpmap, a=fmtp, a=rtcp-fb (RFC 4566 §6, RFC 4585 §4.2) ---

func parsePT(s string) (uint8, bool) {
	v, _, ok := parseUint(s, 8)
	if !ok || v > 127 {
		return 0, false
	}
	return uint8(v), true
}

// splitPT splits "<pt> <rest>"; rest may be empty.
func splitPT(v string) (pt string, rest string) {
	v = strings.TrimLeft(v, " ")
	i := strings.IndexByte(v, ' ')
	if i < 0 {
		return v, ""
	}
	return v[:i], strings.TrimSpace(v[i+1:])
}

func parseRtpmap(v string) (pt uint8, name string, rate uint32, ch uint8, err *Error) {
	p, rest := splitPT(v)
	pt, ok := parsePT(p)
	if !ok {
		return 0, "", 0, 0, bad(ErrCodec, "RFC 4566 §6", "payload type %q out of 0..127", p)
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 2 || len(parts) > 3 || !IsToken(parts[0]) {
		return 0, "", 0, 0, bad(ErrCodec, "RFC 4566 §6", "want \"<pt> <encoding>/<clock rate>[/<channels>]\", got %q", v)
	}
	r, _, ok := parseUint(parts[1], 32)
	if !ok || r == 0 {
		return 0, "", 0, 0, bad(ErrCodec, "RFC 4566 §6", "clock rate %q", parts[1])
	}
	if len(parts) == 3 {
		c, _, ok := parseUint(parts[2], 8)
		if !ok || c == 0 {
			return 0, "", 0, 0, bad(ErrCodec, "RFC 4566 §6", "channels %q", parts[2])
		}
		ch = uint8(c)
	}
	return pt, parts[0], uint32(r), ch, nil
}

// --- a=extmap (RFC 8285 §5, §8) ---

func parseExtMap(v string) (ExtMap, *Error) {
	var e ExtMap
	f := strings.Fields(v)
	if len(f) < 2 {
		return e, bad(ErrExtMap, "RFC 8285 §8", "want \"<id>[/<direction>] <URI> [<attributes>]\", got %q", v)
	}
	idStr, dir, hasDir := strings.Cut(f[0], "/")
	id, _, ok := parseUint(idStr, 16)
	// RFC 8285 §5: 1..14 (one-byte), 1..255 (two-byte); §7: 4096..4351 in
	// offers only, for negotiation.
	if !ok || id == 0 || (id > 255 && (id < 4096 || id > 4351)) {
		return e, bad(ErrExtMap, "RFC 8285 §5", "identifier %q out of 1..255 and 4096..4351", idStr)
	}
	e.ID = uint16(id)
	if hasDir {
		d, ok := parseDirection(dir)
		if !ok {
			return e, bad(ErrExtMap, "RFC 8285 §8", "direction %q", dir)
		}
		e.Direction = d
	}
	if !strings.Contains(f[1], ":") {
		return e, bad(ErrExtMap, "RFC 8285 §8", "%q is not an absolute URI", f[1])
	}
	e.URI = f[1]
	if len(f) > 2 {
		// Keep the attributes as written (after the URI).
		i := strings.Index(v, f[1]) + len(f[1])
		e.Attr = strings.TrimSpace(v[i:])
	}
	return e, nil
}

func formatExtMap(e *ExtMap) string {
	s := strconv.Itoa(int(e.ID))
	if e.Direction != SendRecv {
		s += "/" + e.Direction.String()
	}
	s += " " + e.URI
	if e.Attr != "" {
		s += " " + e.Attr
	}
	return s
}

func parseDirection(s string) (Direction, bool) {
	for i, n := range dirNames {
		if s == n {
			return Direction(i), true
		}
	}
	return 0, false
}

// isCaptIdURI: RFC 8849 §8's registered name, or §5.2's prose spelling
// (DIGEST §9 #3). URNs compare case-insensitively here: both spellings
// exist in the wild with varying case.
func isCaptIdURI(u string) bool { return equalFold(u, CaptIdURI) || equalFold(u, CaptureIDURI) }

// --- a=sctp-port, a=max-message-size (RFC 8841 §5.2, §6.2) ---

func parseSCTPPort(v string) (uint16, string, *Error) {
	note := ""
	if t := strings.TrimLeft(v, " \t"); t != v {
		// RFC 8848 §8 and RFC 8850 §3.3.4 write "a=sctp-port: 5000"
		// (DIGEST §9 #5).
		note = "whitespace after \"sctp-port:\" (as in RFC 8848 §8)"
		v = t
	}
	p, lz, ok := parseUint(v, 16)
	if !ok {
		return 0, "", bad(ErrSCTP, "RFC 8841 §5.2", "%q is not a port number 0..65535", v)
	}
	if lz {
		note = joinNote(note, "leading zero (RFC 8841 §5.2)")
	}
	return uint16(p), note, nil
}

func parseMaxMessageSize(v string) (uint64, string, *Error) {
	note := ""
	if t := strings.TrimLeft(v, " \t"); t != v {
		note = "whitespace after \"max-message-size:\""
		v = t
	}
	n, lz, ok := parseUint(v, 64)
	if !ok {
		return 0, "", bad(ErrSCTP, "RFC 8841 §6.2", "%q is not a size in bytes (1*DIGIT, at most 2^64-1)", v)
	}
	if lz {
		note = joinNote(note, "leading zero (RFC 8841 §6.2)")
	}
	return n, note, nil
}

// --- a=dcmap, a=dcsa (RFC 8864 §5.1.1, §5.2.1) ---

func parseStreamID(s string) (uint16, *Error) {
	// RFC 8864 §5.1.1: 1*5DIGIT; RFC 8832 §3: stream identifiers 0..65534.
	v, _, ok := parseUint(s, 32)
	if !ok || len(s) > 5 || v > 65534 {
		return 0, bad(ErrDCMap, "RFC 8864 §5.1.1, RFC 8832 §3", "stream id %q out of 0..65534", s)
	}
	return uint16(v), nil
}

// parseDCMap parses "<stream-id> [<opt>*(;<opt>)]". Unknown options and
// non-boolean ordered values are ignored with a note (RFC 8864 §5.1.7).
func parseDCMap(v string) (DCMap, string, *Error) {
	d := DCMap{Ordered: true}
	idStr, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
	id, err := parseStreamID(idStr)
	if err != nil {
		return d, "", err
	}
	d.StreamID = id
	note := ""
	seen := map[string]bool{}
	s := strings.TrimSpace(rest)
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return d, "", bad(ErrDCMap, "RFC 8864 §5.1.1", "parameter %q has no value", s)
		}
		key := strings.TrimSpace(s[:eq])
		s = strings.TrimLeft(s[eq+1:], " ")
		var val string
		quoted := strings.HasPrefix(s, "\"")
		if quoted {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return d, "", bad(ErrDCMap, "RFC 8864 §5.1.1", "unterminated quoted string in %q", key)
			}
			raw := s[1 : 1+end]
			u, ok := unescapeQuoted(raw)
			if !ok {
				return d, "", bad(ErrDCMap, "RFC 8864 §5.1.1", "%s: invalid character or escape in %q", key, raw)
			}
			val = u
			s = strings.TrimLeft(s[2+end:], " ")
		} else {
			end := strings.IndexByte(s, ';')
			if end < 0 {
				end = len(s)
			}
			val = strings.TrimSpace(s[:end])
			s = s[end:]
		}
		if s != "" {
			if s[0] != ';' {
				return d, "", bad(ErrDCMap, "RFC 8864 §5.1.1", "expected ';' before %q", s)
			}
			s = strings.TrimLeft(s[1:], " ")
		}
		if seen[key] {
			return d, "", bad(ErrDCMap, "RFC 8864 §5.1.1", "parameter %q repeated", key)
		}
		seen[key] = true
		switch key {
		case "label", "subprotocol":
			if !quoted {
				return d, "", bad(ErrDCMap, "RFC 8864 §5.1.1", "%s value must be a quoted-string", key)
			}
			if key == "label" {
				d.Label = val
			} else {
				d.Subprotocol = val
			}
		case "ordered":
			switch val {
			case "true":
				d.Ordered = true
			case "false":
				d.Ordered = false
			default:
				note = joinNote(note, sprintf("ordered=%q ignored, true assumed (RFC 8864 §5.1.7)", val))
			}
		case "max-retr", "max-time":
			n, _, ok := parseUint(val, 32)
			if !ok {
				return d, "", bad(ErrDCMap, "RFC 8864 §5.1.1", "%s %q out of 0..2^32-1", key, val)
			}
			u := uint32(n)
			if key == "max-retr" {
				d.MaxRetr = &u
			} else {
				d.MaxTime = &u
			}
		case "priority":
			n, _, ok := parseUint(val, 16)
			if !ok {
				return d, "", bad(ErrDCMap, "RFC 8864 §5.1.1", "priority %q out of 0..65535", val)
			}
			u := uint16(n)
			d.Priority = &u
		default:
			note = joinNote(note, sprintf("unknown parameter %q ignored", key))
		}
	}
	if d.MaxRetr != nil && d.MaxTime != nil {
		// RFC 8864 §6.2: MUST reject an offer (fail an answer) with both.
		return d, "", bad(ErrDCMap, "RFC 8864 §6.2", "max-retr and max-time are mutually exclusive")
	}
	return d, note, nil
}

func unescapeQuoted(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 {
		for i := 0; i < len(s); i++ {
			if !isQuotedChar(s[i]) {
				return "", false
			}
		}
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", false
			}
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b = append(b, byte(n))
			i += 2
		case isQuotedChar(c):
			b = append(b, c)
		default:
			return "", false
		}
	}
	return string(b), true
}

// isQuotedChar: RFC 8864 §5.1.1 quoted-char = SP / %x21 / %x23-24 / %x26-7E.
func isQuotedChar(c byte) bool {
	return c == ' ' || c == 0x21 || c == 0x23 || c == 0x24 || (c >= 0x26 && c <= 0x7E)
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isQuotedChar(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte("0123456789ABCDEF"[c>>4])
			b.WriteByte("0123456789ABCDEF"[c&15])
		}
	}
	b.WriteByte('"')
	return b.String()
}

func formatDCMap(d *DCMap) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(d.StreamID)))
	sep := byte(' ')
	add := func(k, v string) {
		b.WriteByte(sep)
		sep = ';'
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	if d.Subprotocol != "" {
		add("subprotocol", quote(d.Subprotocol))
	}
	if d.Label != "" {
		add("label", quote(d.Label))
	}
	add("ordered", strconv.FormatBool(d.Ordered))
	if d.MaxRetr != nil {
		add("max-retr", strconv.FormatUint(uint64(*d.MaxRetr), 10))
	}
	if d.MaxTime != nil {
		add("max-time", strconv.FormatUint(uint64(*d.MaxTime), 10))
	}
	if d.Priority != nil {
		add("priority", strconv.Itoa(int(*d.Priority)))
	}
	return b.String()
}

// --- a=ssrc (RFC 5576 §4.1) ---

func parseSSRC(v string) (id uint32, attr, value string, err *Error) {
	idStr, rest, ok := strings.Cut(v, " ")
	n, _, okn := parseUint(idStr, 32)
	if !ok || !okn || rest == "" {
		return 0, "", "", bad(ErrSyntax, "RFC 5576 §4.1", "want \"<ssrc-id> <attribute>[:<value>]\", got %q", v)
	}
	attr, value, _ = strings.Cut(rest, ":")
	return uint32(n), attr, value, nil
}

// --- a=group (RFC 5888 §5) ---

func parseGroup(v string) (Group, *Error) {
	f := strings.Fields(v)
	if len(f) == 0 || !IsToken(f[0]) {
		return Group{}, bad(ErrSyntax, "RFC 5888 §5", "want \"<semantics> *(SP <identification-tag>)\", got %q", v)
	}
	for _, t := range f[1:] {
		if !IsToken(t) {
			return Group{}, bad(ErrSyntax, "RFC 5888 §5", "identification-tag %q is not a token", t)
		}
	}
	g := Group{Semantics: f[0]}
	if len(f) > 1 {
		g.MIDs = append([]string(nil), f[1:]...)
	}
	return g, nil
}
