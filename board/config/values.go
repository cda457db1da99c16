package config

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"path"
	"strconv"
	"strings"
)

// This file holds the formats of individual values (SIP URIs, fingerprints,
// addresses, device names). Each check returns a message saying what is
// expected; the decoder adds file, line and key.

// sipURI is the part of an RFC 3261 SIP URI the configuration cares about.
type sipURI struct {
	scheme string // "sip" or "sips", lowercased
	user   string // "" when absent
	host   string
	port   int // 0 when absent
}

// parseSIPURI checks a SIP or SIPS URI (RFC 3261 §19.1, grammar §25.1).
// Passwords in the userinfo are refused (RFC 3261 §19.1.1: not recommended;
// here they would also sit in clear on the boot partition), and so are
// headers, which have no meaning in a configured address.
func parseSIPURI(s string) (sipURI, string) {
	var u sipURI
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return u, "expected a sip: or sips: URI"
	}
	u.scheme = strings.ToLower(s[:colon])
	if u.scheme != "sip" && u.scheme != "sips" {
		return u, "expected a sip: or sips: URI"
	}
	rest := s[colon+1:]
	if at := strings.IndexByte(rest, '@'); at >= 0 {
		userinfo := rest[:at]
		rest = rest[at+1:]
		if strings.IndexByte(userinfo, ':') >= 0 {
			return u, "must not contain a password; use password or password_file"
		}
		if userinfo == "" {
			return u, "empty user part before '@'"
		}
		if !validEscaped(userinfo, isUserChar) {
			return u, "invalid character in user part"
		}
		u.user = userinfo
	}
	if strings.IndexByte(rest, '?') >= 0 {
		return u, "must not contain URI headers ('?')"
	}
	hostport, params, _ := strings.Cut(rest, ";")
	if msg := checkURIParams(params); msg != "" {
		return u, msg
	}
	host, port, msg := splitHostPort(hostport, false)
	if msg != "" {
		return u, msg
	}
	u.host, u.port = host, port
	return u, ""
}

// canonicalScheme lowercases the scheme of a URI, the only part RFC 3261
// §19.1.4 lets us normalise without parsing.
func canonicalScheme(uri string) string {
	if i := strings.IndexByte(uri, ':'); i > 0 {
		return strings.ToLower(uri[:i]) + uri[i:]
	}
	return uri
}

// isUserChar: unreserved / user-unreserved (RFC 3261 §25.1); '%' is
// handled by validEscaped.
func isUserChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("-_.!~*'()&=+$,;?/", c) >= 0
}

// isParamChar: unreserved / param-unreserved.
func isParamChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("-_.!~*'()[]/:&+$", c) >= 0
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// validEscaped checks that s is made of allowed characters and %XX escapes.
func validEscaped(s string, allowed func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
			continue
		}
		if !allowed(c) {
			return false
		}
	}
	return true
}

func checkURIParams(params string) string {
	if params == "" {
		return ""
	}
	for _, p := range strings.Split(params, ";") {
		name, value, hasValue := strings.Cut(p, "=")
		if name == "" || !validEscaped(name, isParamChar) {
			return "invalid URI parameter " + strconv.Quote(p)
		}
		if hasValue && (value == "" || !validEscaped(value, isParamChar)) {
			return "invalid URI parameter " + strconv.Quote(p)
		}
	}
	return ""
}

// splitHostPort splits host[:port] where host is a DNS name, an IPv4
// address or a bracketed IPv6 address. With needPort the port is required.
func splitHostPort(s string, needPort bool) (host string, port int, msg string) {
	hostPart, portPart := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, "unterminated '[' in IPv6 address"
		}
		hostPart = s[1:end]
		a, err := netip.ParseAddr(hostPart)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", 0, "invalid IPv6 address " + strconv.Quote(hostPart)
		}
		rest := s[end+1:]
		switch {
		case rest == "":
		case rest[0] == ':':
			portPart = rest[1:]
		default:
			return "", 0, "unexpected text after ']'"
		}
	} else {
		if i := strings.LastIndexByte(s, ':'); i >= 0 {
			hostPart, portPart = s[:i], s[i+1:]
			if portPart == "" {
				return "", 0, "empty port after ':'"
			}
		}
		if strings.IndexByte(hostPart, ':') >= 0 {
			return "", 0, "IPv6 addresses must be written in brackets, as [::1]:5060"
		}
		if hostPart == "" {
			return "", 0, "missing host"
		}
		if _, err := netip.ParseAddr(hostPart); err != nil && !validDNSName(hostPart) {
			return "", 0, "invalid host " + quoteShort(hostPart)
		}
	}
	if portPart == "" {
		if needPort {
			return "", 0, "missing :port"
		}
		return hostPart, 0, ""
	}
	p, err := strconv.Atoi(portPart)
	if err != nil || p < 1 || p > 65535 || portPart[0] == '+' {
		return "", 0, "invalid port " + quoteShort(portPart) + "; expected 1..65535"
	}
	return hostPart, p, ""
}

// validDNSName checks an RFC 1123 host name, with an optional final dot.
func validDNSName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if !validLabel(l) {
			return false
		}
	}
	// A name made only of digits and dots would be a malformed IPv4 address.
	last := labels[len(labels)-1]
	return strings.IndexFunc(last, func(r rune) bool { return r < '0' || r > '9' }) >= 0
}

// validLabel checks one RFC 1123 label: 1..63 letters, digits and hyphens,
// not starting or ending with a hyphen.
func validLabel(l string) bool {
	if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		if !isAlnum(l[i]) && l[i] != '-' {
			return false
		}
	}
	return true
}

// checkListen checks a listen address: [ip]:port, where an empty host means
// every interface. Names are refused: what a name resolves to at boot is
// not something to bind to.
func checkListen(s string) string {
	if strings.IndexByte(s, ':') < 0 {
		return "missing :port"
	}
	if strings.HasPrefix(s, ":") {
		p, err := strconv.Atoi(s[1:])
		if err != nil || p < 1 || p > 65535 || s[1] == '+' {
			return "invalid port " + quoteShort(s[1:]) + "; expected 1..65535"
		}
		return ""
	}
	host, _, msg := splitHostPort(s, true)
	if msg != "" {
		return msg
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return "host must be an IP address (or empty for all interfaces), found " + quoteShort(host)
	}
	return ""
}

// listenPort returns the port of a listen address checked by checkListen.
func listenPort(s string) int {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return 0
	}
	p, _ := strconv.Atoi(s[i+1:])
	return p
}

// Fingerprint is a certificate fingerprint as SDP writes it (RFC 8122 §5):
// a hash function name and the digest.
type Fingerprint struct {
	Hash   string // "sha-256", "sha-384" or "sha-512"
	Digest []byte
}

// String formats the fingerprint as "sha-256 AB:CD:…", the form accepted in
// the configuration and used in SDP a=fingerprint.
func (f Fingerprint) String() string {
	var b strings.Builder
	b.WriteString(f.Hash)
	b.WriteByte(' ')
	for i, c := range f.Digest {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// fingerprintSizes are the accepted hash functions and their digest sizes.
// SHA-1 and MD5 are refused: a pin is only as strong as its hash.
var fingerprintSizes = map[string]int{"sha-256": 32, "sha-384": 48, "sha-512": 64}

// parseFingerprint reads "sha-256 AB:CD:…" (RFC 8122 §5 fingerprint-attribute
// value). Hex digits may be of either case; pairs are separated by colons.
func parseFingerprint(s string) (Fingerprint, string) {
	const form = `expected "sha-256 AB:CD:…" (sha-256, sha-384 or sha-512, hex pairs separated by colons)`
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return Fingerprint{}, form
	}
	hash := strings.ToLower(fields[0])
	size, ok := fingerprintSizes[hash]
	if !ok {
		if hash == "sha-1" || hash == "md5" || hash == "md2" || hash == "sha-224" {
			return Fingerprint{}, fmt.Sprintf("hash %q is too weak for a pin; use sha-256", hash)
		}
		return Fingerprint{}, form
	}
	pairs := strings.Split(fields[1], ":")
	digest := make([]byte, 0, len(pairs))
	for _, p := range pairs {
		if len(p) != 2 || !isHex(p[0]) || !isHex(p[1]) {
			return Fingerprint{}, form
		}
		b, _ := hex.DecodeString(p)
		digest = append(digest, b[0])
	}
	if len(digest) != size {
		return Fingerprint{}, fmt.Sprintf("%s fingerprint must have %d bytes, found %d", hash, size, len(digest))
	}
	return Fingerprint{Hash: hash, Digest: digest}, ""
}

// Device classes for Capture.Device.
const (
	devAuto = iota
	devSyntheticVideo
	devSyntheticAudio
	devPath // V4L2 node under /dev
	devALSA
)

// Synthetic devices, the embedded default drivers.
const (
	DeviceSyntheticH264  = "synthetic:h264"
	DeviceSyntheticMJPEG = "synthetic:mjpeg"
	DeviceSyntheticTone  = "synthetic:tone"
	DeviceAuto           = "auto"
)

// classifyDevice tells what kind of device a Capture.Device names.
func classifyDevice(s string) (int, string) {
	switch {
	case s == DeviceAuto:
		return devAuto, ""
	case s == DeviceSyntheticH264 || s == DeviceSyntheticMJPEG:
		return devSyntheticVideo, ""
	case s == DeviceSyntheticTone:
		return devSyntheticAudio, ""
	case strings.HasPrefix(s, "synthetic:"):
		return 0, "expected one of " + quoteList([]string{DeviceSyntheticH264, DeviceSyntheticMJPEG, DeviceSyntheticTone}) + ", found " + quoteShort(s)
	case strings.HasPrefix(s, "/"):
		if msg := checkDevPath(s); msg != "" {
			return 0, msg
		}
		return devPath, ""
	case validALSAName(s):
		return devALSA, ""
	}
	return 0, `expected "auto", "synthetic:h264", "synthetic:mjpeg", "synthetic:tone", a path such as "/dev/video0" or an ALSA name such as "hw:0,0", found ` + quoteShort(s)
}

// checkDevPath checks a clean absolute path under /dev/.
func checkDevPath(s string) string {
	if !strings.HasPrefix(s, "/dev/") || path.Clean(s) != s || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return "expected a clean path under /dev/ such as \"/dev/video0\", found " + quoteShort(s)
	}
	return ""
}

// alsaPlugins are the ALSA PCM names a capture may use. The list is closed
// so that a typo such as "sythetic:h264" is reported as a bad device name
// rather than taken for an ALSA device.
var alsaPlugins = []string{"default", "sysdefault", "hw", "plughw", "dsnoop", "plug", "front"}

// validALSAName accepts ALSA PCM names: one of alsaPlugins, optionally
// followed by ':' and arguments such as "0,0" or "CARD=Device,DEV=0".
func validALSAName(s string) bool {
	id, args, hasArgs := strings.Cut(s, ":")
	known := false
	for _, p := range alsaPlugins {
		known = known || id == p
	}
	if !known {
		return false
	}
	if !hasArgs {
		return true
	}
	if args == "" {
		return false
	}
	for i := 0; i < len(args); i++ {
		if c := args[i]; !(isAlnum(c) || strings.IndexByte(",=_-.", c) >= 0) {
			return false
		}
	}
	return true
}
