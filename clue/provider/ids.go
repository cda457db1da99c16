package provider

import (
	"strconv"
	"strings"
)

// idSpace hands out identifiers of one XML document: captureID, sceneID,
// sceneViewID, encodingGroupID, setID and personID are all xs:ID and share
// one space (RFC 8846 §4). Identifiers are restricted to ASCII NCNames,
// [A-Za-z_][A-Za-z0-9._-]*, so that every one of them is also an SDP token
// (encodingIDs are built from them, RFC 8848 §4.4.1) and an RTCP SDES
// CaptId value (RFC 8849 §5).
type idSpace struct {
	used map[string]bool
}

func newIDSpace() *idSpace { return &idSpace{used: map[string]bool{}} }

// take returns a fresh identifier close to want: invalid characters become
// '_', a name not starting with a letter or '_' gets a leading '_', and a
// name already taken gets "-2", "-3", … The result depends only on the
// order of the calls, so the same room always gets the same identifiers.
func (s *idSpace) take(want string) string {
	base := ncname(want)
	id := base
	for n := 2; s.used[id]; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	s.used[id] = true
	return id
}

// ncname maps s onto the ASCII NCName subset described at idSpace.
func ncname(s string) string {
	if s == "" {
		return "_"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' ||
			i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.')
		switch {
		case ok:
			b.WriteByte(c)
		case i == 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
			b.WriteByte('_')
			b.WriteByte(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
