package protocol

import (
	"strconv"
	"unicode/utf8"
)

// Marshal encodes m as a complete CLUE message document (UTF-8, RFC 8847 §9,
// elements in schema order, the clue-protocol namespace as default
// namespace). It refuses messages that would not be schema-valid or that break
// a MUST of RFC 8847 §5 (wrapping ErrInvalidMessage).
func Marshal(m Message) ([]byte, error) { return AppendMarshal(nil, m) }

// AppendMarshal is Marshal appending to dst (the caller owns the buffer).
func AppendMarshal(dst []byte, m Message) ([]byte, error) {
	if m == nil {
		return dst, errorf(ErrInvalidMessage, "nil message")
	}
	h := m.MsgHeader()
	if h.V.IsZero() {
		return dst, errorf(ErrInvalidMessage, "%s without version", m.Kind())
	}
	if h.SeqNr == 0 {
		return dst, errorf(ErrInvalidMessage, "%s without sequenceNr", m.Kind())
	}
	if resp := responseOf(m); resp != nil && !resp.Code.ValidFor(h.V.Major) {
		return dst, errorf(ErrInvalidMessage, "response code %d not allowed in version %s", resp.Code, h.V)
	}
	if err := checkStrings(m); err != nil {
		return dst, err
	}
	start := len(dst)
	name := m.Kind().String()
	dst = append(dst, `<?xml version="1.0" encoding="UTF-8"?>`...)
	dst = append(dst, '<')
	dst = append(dst, name...)
	dst = append(dst, ` xmlns="`+NamespaceProtocol+`"`...)
	if c, ok := m.(*Configure); m.Kind() == KindAdvertisement || ok && captureEncodingsPresent(c.Body) {
		dst = bodyDeclarations(dst)
	}
	dst = append(dst, ` protocol="CLUE" v="`...)
	dst = h.V.appendTo(dst)
	dst = append(dst, `">`...)
	if h.ClueID != "" {
		dst = appendText(dst, "clueId", h.ClueID)
	}
	dst = appendUint(dst, "sequenceNr", h.SeqNr)
	var err error
	switch m := m.(type) {
	case *Options:
		dst = appendBool(dst, "mediaProvider", m.MediaProvider)
		dst = appendBool(dst, "mediaConsumer", m.MediaConsumer)
		if len(m.SupportedVersions) > 0 {
			dst = append(dst, "<supportedVersions>"...)
			for _, v := range m.SupportedVersions {
				if v.IsZero() {
					return dst[:start], errorf(ErrInvalidMessage, "zero version in supportedVersions")
				}
				dst = appendVersion(dst, "version", v)
			}
			dst = append(dst, "</supportedVersions>"...)
		}
		if dst, err = appendExtensions(dst, "supportedExtensions", m.SupportedExtensions); err != nil {
			return dst[:start], err
		}
	case *OptionsResponse:
		dst = appendResponse(dst, &m.Response)
		// RFC 8847 §5.2: a 2xx optionsResponse MUST carry the roles and the
		// version.
		if m.Code.IsSuccess() && (m.MediaProvider == nil || m.MediaConsumer == nil || m.Version.IsZero()) {
			return dst[:start], errorf(ErrInvalidMessage, "successful optionsResponse without roles and version")
		}
		if m.MediaProvider != nil {
			dst = appendBool(dst, "mediaProvider", *m.MediaProvider)
		}
		if m.MediaConsumer != nil {
			dst = appendBool(dst, "mediaConsumer", *m.MediaConsumer)
		}
		if !m.Version.IsZero() {
			dst = appendVersion(dst, "version", m.Version)
		}
		if dst, err = appendExtensions(dst, "commonExtensions", m.CommonExtensions); err != nil {
			return dst[:start], err
		}
	case *Advertisement:
		if dst, err = encodeAdvertisementBody(dst, &m.Body); err != nil {
			return dst[:start], err
		}
	case *Ack:
		if m.AdvSeqNr == 0 {
			return dst[:start], errorf(ErrInvalidMessage, "ack without advSequenceNr")
		}
		dst = appendResponse(dst, &m.Response)
		dst = appendUint(dst, "advSequenceNr", m.AdvSeqNr)
	case *Configure:
		if m.AdvSeqNr == 0 {
			return dst[:start], errorf(ErrInvalidMessage, "configure without advSequenceNr")
		}
		dst = appendUint(dst, "advSequenceNr", m.AdvSeqNr)
		if m.Ack != 0 {
			if !m.Ack.IsSuccess() {
				return dst[:start], errorf(ErrInvalidMessage, "configure <ack> must be 2xx, not %d", m.Ack)
			}
			dst = appendUint(dst, "ack", uint64(m.Ack))
		}
		if captureEncodingsPresent(m.Body) {
			if dst, err = encodeCaptureEncodings(dst, m.Body); err != nil {
				return dst[:start], err
			}
		}
	case *ConfigureResponse:
		if m.ConfSeqNr == 0 {
			return dst[:start], errorf(ErrInvalidMessage, "configureResponse without confSequenceNr")
		}
		dst = appendResponse(dst, &m.Response)
		dst = appendUint(dst, "confSequenceNr", m.ConfSeqNr)
	}
	dst = append(dst, "</"...)
	dst = append(dst, name...)
	return append(dst, '>'), nil
}

func appendResponse(dst []byte, r *Response) []byte {
	dst = appendUint(dst, "responseCode", uint64(r.Code))
	if r.Reason != "" {
		dst = appendText(dst, "reasonString", r.Reason)
	}
	return dst
}

func appendExtensions(dst []byte, name string, exts []Extension) ([]byte, error) {
	if len(exts) == 0 {
		return dst, nil
	}
	dst = append(dst, '<')
	dst = append(dst, name...)
	dst = append(dst, '>')
	for _, e := range exts {
		if e.Version.IsZero() {
			return dst, errorf(ErrInvalidMessage, "extension %q without version", e.Name)
		}
		dst = append(dst, "<extension>"...)
		dst = appendText(dst, "name", e.Name)
		dst = appendText(dst, "schemaRef", e.SchemaRef)
		dst = appendVersion(dst, "version", e.Version)
		dst = append(dst, "</extension>"...)
	}
	dst = append(dst, "</"...)
	dst = append(dst, name...)
	return append(dst, '>'), nil
}

func openTag(dst []byte, name string) []byte {
	dst = append(dst, '<')
	dst = append(dst, name...)
	return append(dst, '>')
}

func closeTag(dst []byte, name string) []byte {
	dst = append(dst, '<', '/')
	dst = append(dst, name...)
	return append(dst, '>')
}

func appendText(dst []byte, name, s string) []byte {
	dst = openTag(dst, name)
	dst = appendEscText(dst, s)
	return closeTag(dst, name)
}

func appendUint(dst []byte, name string, n uint64) []byte {
	dst = openTag(dst, name)
	dst = strconv.AppendUint(dst, n, 10)
	return closeTag(dst, name)
}

func appendBool(dst []byte, name string, b bool) []byte {
	dst = openTag(dst, name)
	dst = strconv.AppendBool(dst, b)
	return closeTag(dst, name)
}

func appendVersion(dst []byte, name string, v Version) []byte {
	dst = openTag(dst, name)
	dst = v.appendTo(dst)
	return closeTag(dst, name)
}

// validXMLString reports whether s is UTF-8 made only of characters XML 1.0
// allows (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
// [#x10000-#x10FFFF]).
func validXMLString(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD:
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

// checkStrings rejects text fields that cannot be written as XML.
func checkStrings(m Message) error {
	bad := func(what string) error { return errorf(ErrInvalidMessage, "%s is not valid XML text", what) }
	if !validXMLString(m.MsgHeader().ClueID) {
		return bad("clueId")
	}
	if r := responseOf(m); r != nil && !validXMLString(r.Reason) {
		return bad("reasonString")
	}
	var exts []Extension
	switch m := m.(type) {
	case *Options:
		exts = m.SupportedExtensions
	case *OptionsResponse:
		exts = m.CommonExtensions
	}
	for _, e := range exts {
		if !validXMLString(e.Name) || !validXMLString(e.SchemaRef) {
			return bad("extension " + e.Name)
		}
	}
	return nil
}

// cleanReason makes a reason string safe to send: characters XML cannot carry
// become U+FFFD and the text is cut to 200 bytes (a reason may quote the
// peer's input; it should not echo it back whole).
func cleanReason(s string) string {
	const max = 200
	b := make([]rune, 0, min(len(s), max))
	n := 0
	for _, r := range s {
		if !validXMLString(string(r)) {
			r = utf8.RuneError
		}
		n += utf8.RuneLen(r)
		if n > max {
			b = append(b, '…')
			break
		}
		b = append(b, r)
	}
	return string(b)
}
