package model

import "unicode/utf8"

// isNCName reports whether s is an XML NCName, the lexical space of xs:ID
// and xs:IDREF (Namespaces in XML 1.0 §3; XML 1.0 5th ed. §2.3).
func isNCName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == utf8.RuneError {
			return false
		}
		if i == 0 {
			if !isNameStart(r) {
				return false
			}
		} else if !isNameChar(r) {
			return false
		}
	}
	return true
}

func isNameStart(r rune) bool {
	switch {
	case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r == '_':
		return true
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

func isNameChar(r rune) bool {
	switch {
	case isNameStart(r), r == '-', r == '.', r >= '0' && r <= '9', r == 0xB7,
		r >= 0x300 && r <= 0x36F, r >= 0x203F && r <= 0x2040:
		return true
	}
	return false
}

// isLanguage reports whether s matches xs:language,
// [a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})* (RFC 8846 §11.13 refers to RFC 5646).
func isLanguage(s string) bool {
	n, first := 0, true
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '-' {
			if n < 1 || n > 8 {
				return false
			}
			n, first = 0, false
			continue
		}
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && !first:
		default:
			return false
		}
		n++
	}
	return true
}

// isSDPToken reports whether s is an SDP token (RFC 4566 §9; the a=label
// value of RFC 4574 §4 that an encodingID names, RFC 8848 §4.4.1).
func isSDPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0x21, c >= 0x23 && c <= 0x27, c == 0x2A, c == 0x2B, c == 0x2D, c == 0x2E,
			c >= 0x30 && c <= 0x39, c >= 0x41 && c <= 0x5A, c >= 0x5E && c <= 0x7E:
		default:
			return false
		}
	}
	return true
}

// isPolicy matches policyType, ([a-zA-Z0-9])+[:]([0-9])+ (RFC 8846 §11.10).
func isPolicy(s string) bool {
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9') {
		i++
	}
	if i == 0 || i == len(s) || s[i] != ':' {
		return false
	}
	rest := s[i+1:]
	if rest == "" {
		return false
	}
	for j := 0; j < len(rest); j++ {
		if rest[j] < '0' || rest[j] > '9' {
			return false
		}
	}
	return true
}
