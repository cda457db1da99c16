package protocol

import (
	"slices"
	"strconv"
)

// Version is a CLUE protocol version "major.minor" (RFC 8847 §5, versionType
// in §9). The zero Version (major 0) is never a valid version and stands for
// "absent".
type Version struct {
	Major, Minor uint32
}

// Version10 is the version RFC 8847 defines ("This document describes version
// 1.0", §5) and the only one whose schema this package knows.
var Version10 = Version{1, 0}

// ParseVersion parses s against versionType, pattern [1-9][0-9]*\.[0-9]+
// (RFC 8847 §9). The type derives from xs:string, so no whitespace is
// trimmed. Components that do not fit in 32 bits are rejected.
func ParseVersion(s string) (Version, error) {
	dot := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			dot = i
			break
		}
	}
	if dot <= 0 || dot == len(s)-1 || s[0] == '0' {
		return Version{}, errVersionSyntax
	}
	maj, err := parseDigits(s[:dot])
	if err != nil {
		return Version{}, err
	}
	mnr, err := parseDigits(s[dot+1:])
	if err != nil {
		return Version{}, err
	}
	return Version{maj, mnr}, nil
}

func parseDigits(s string) (uint32, error) {
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, errVersionSyntax
		}
		n = n*10 + uint64(c-'0')
		if n > 1<<32-1 {
			return 0, errVersionRange
		}
	}
	return uint32(n), nil
}

// IsZero reports whether v is the zero (absent) version.
func (v Version) IsZero() bool { return v.Major == 0 }

// Compare orders versions by major, then minor.
func (v Version) Compare(w Version) int {
	if v.Major != w.Major {
		if v.Major < w.Major {
			return -1
		}
		return 1
	}
	if v.Minor != w.Minor {
		if v.Minor < w.Minor {
			return -1
		}
		return 1
	}
	return 0
}

// String returns "major.minor".
func (v Version) String() string {
	return string(v.appendTo(nil))
}

func (v Version) appendTo(b []byte) []byte {
	b = strconv.AppendUint(b, uint64(v.Major), 10)
	b = append(b, '.')
	return strconv.AppendUint(b, uint64(v.Minor), 10)
}

// Extension describes a protocol extension (RFC 8847 §8, extensionType):
// a name, the XML schema defining it and the protocol version it refers to.
type Extension struct {
	Name      string
	SchemaRef string
	Version   Version
}

// DeclaredVersions returns the versions a CI supports according to its
// options message (RFC 8847 §5.1): the supportedVersions list when present
// (one entry per major, holding that major's highest minor), otherwise just
// the "v" attribute, standing for v.Major.0 … v.
func DeclaredVersions(v Version, supported []Version) []Version {
	if len(supported) > 0 {
		return supported
	}
	if v.IsZero() {
		return nil
	}
	return []Version{v}
}

// NegotiateVersion picks the highest version both sides support (RFC 8847
// §5.2: "The <version> element indicates the highest commonly supported
// version number"). Each list holds one entry per major with the highest minor
// supported for it; minor versions of one major are backward compatible
// (RFC 8847 §7), so for a common major the common minor is the smaller of the
// two ("if an MP is able to "speak" ... version 1.5 ... while the MC only
// understands version 1.4 ... the MP MUST use version 1.4"). ok is false when
// no major is common (response code 401).
func NegotiateVersion(offered, ours []Version) (v Version, ok bool) {
	for _, o := range offered {
		for _, w := range ours {
			if o.Major != w.Major || o.Major == 0 {
				continue
			}
			c := Version{o.Major, min(o.Minor, w.Minor)}
			if !ok || c.Compare(v) > 0 {
				v, ok = c, true
			}
		}
	}
	return v, ok
}

// OptionsVersion returns the "v" value for our options message: RFC 8847
// §5.1, "the "v" attribute SHOULD be set to the largest minor version of the
// smallest major version advertised in the <supportedVersions> list".
func OptionsVersion(ours []Version) Version {
	var v Version
	for _, w := range ours {
		if v.IsZero() || w.Major < v.Major || (w.Major == v.Major && w.Minor > v.Minor) {
			v = w
		}
	}
	return v
}

// supports reports whether a version list (one entry per major, holding the
// highest minor) covers v.
func supports(list []Version, v Version) bool {
	for _, w := range list {
		if w.Major == v.Major && v.Minor <= w.Minor {
			return true
		}
	}
	return false
}

// CommonExtensions returns, in the CI's order, the offered extensions we also
// support (RFC 8847 §5.2: "the commonly supported extensions are copied in the
// <commonExtensions> element"; §4: "the subset of the CI extensions that it is
// able to support"). Two extensions match when name and schemaRef are equal
// and both refer to the negotiated major version (RFC 8847 §8: <version> is
// "the major standard version of the protocol that the extension refers to");
// extensions of other majors cannot be used in this session.
func CommonExtensions(offered, ours []Extension, negotiated Version) []Extension {
	var out []Extension
	for _, o := range offered {
		if o.Version.Major != negotiated.Major {
			continue
		}
		if slices.ContainsFunc(ours, func(w Extension) bool {
			return w.Name == o.Name && w.SchemaRef == o.SchemaRef && w.Version.Major == o.Version.Major
		}) && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}
