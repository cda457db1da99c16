package srtp

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/cpu"
)

// Profile is an SRTP protection profile. Its value is the profile's DTLS-SRTP
// identifier (RFC 5764 §4.1.2, RFC 7714 §14.2), the same number
// pion/dtls uses.
type Profile uint16

// The supported profiles.
const (
	ProfileAES128CMSHA1_80 Profile = 0x0001
	ProfileAES128CMSHA1_32 Profile = 0x0002
	ProfileAEADAES128GCM   Profile = 0x0007
	ProfileAEADAES256GCM   Profile = 0x0008
)

type profileParams struct {
	name       string
	keyLen     int
	saltLen    int
	rtpTagLen  int // bytes after the payload (HMAC tag or GCM tag)
	rtcpTagLen int
	aead       bool
}

func (p Profile) params() (profileParams, bool) {
	switch p {
	case ProfileAES128CMSHA1_80:
		// RFC 5764 §4.1.2: cipher AES_128_CM, auth HMAC-SHA1, 80-bit tags.
		return profileParams{"SRTP_AES128_CM_HMAC_SHA1_80", 16, 14, 10, 10, false}, true
	case ProfileAES128CMSHA1_32:
		// RFC 5764 §4.1.2: 32-bit SRTP tag, but an 80-bit SRTCP tag.
		return profileParams{"SRTP_AES128_CM_HMAC_SHA1_32", 16, 14, 4, 10, false}, true
	case ProfileAEADAES128GCM:
		// RFC 7714 §14.2: 16-octet key, 12-octet salt, 16-octet tag.
		return profileParams{"SRTP_AEAD_AES_128_GCM", 16, 12, 16, 16, true}, true
	case ProfileAEADAES256GCM:
		return profileParams{"SRTP_AEAD_AES_256_GCM", 32, 12, 16, 16, true}, true
	}
	return profileParams{}, false
}

// Valid reports whether p is one of the supported profiles.
func (p Profile) Valid() bool { _, ok := p.params(); return ok }

// String returns the IANA name of the profile.
func (p Profile) String() string {
	if pp, ok := p.params(); ok {
		return pp.name
	}
	return fmt.Sprintf("srtp.Profile(%#04x)", uint16(p))
}

// KeyLen is the master key length in bytes.
func (p Profile) KeyLen() int { pp, _ := p.params(); return pp.keyLen }

// SaltLen is the master salt length in bytes.
func (p Profile) SaltLen() int { pp, _ := p.params(); return pp.saltLen }

// AEAD reports whether p is an AES-GCM profile.
func (p Profile) AEAD() bool { pp, _ := p.params(); return pp.aead }

// RTPOverhead is how many bytes sealing adds to an RTP packet: the room a
// packet buffer needs after the payload.
func (p Profile) RTPOverhead() int { pp, _ := p.params(); return pp.rtpTagLen }

// RTCPOverhead is how many bytes sealing adds to an RTCP packet (the
// E-flag/SRTCP index word and the tag).
func (p Profile) RTCPOverhead() int { pp, _ := p.params(); return pp.rtcpTagLen + srtcpIndexLen }

// KeyingMaterialLen is how many bytes of DTLS exporter output the profile
// needs: client key, server key, client salt, server salt (RFC 5764 §4.2).
func (p Profile) KeyingMaterialLen() int { pp, _ := p.params(); return 2 * (pp.keyLen + pp.saltLen) }

// PreferredProfiles returns the profiles to offer, best first, for the CPU the
// program runs on: AEAD_AES_128_GCM first where AES and carry-less multiply
// instructions make GCM cheaper than AES-CM with HMAC-SHA1 (amd64 with AES-NI
// and PCLMULQDQ, arm64 with AES and PMULL, e.g. the Pi 5), AES-CM first
// otherwise (Pi 3/4/Zero 2 W and every GOARCH=arm build, where Go has no AES
// or GHASH assembly). The caller owns the returned slice.
func PreferredProfiles() []Profile {
	return preferredProfiles(gcmAccelerated(runtime.GOARCH))
}

// gcmAccelerated reports whether Go's AES-GCM runs on hardware instructions.
// Only amd64 and arm64 have that assembly among our targets; 386 reports
// AES-NI through cpu.X86 but Go has no 386 AES code.
func gcmAccelerated(goarch string) bool {
	switch goarch {
	case "amd64":
		return cpu.X86.HasAES && cpu.X86.HasPCLMULQDQ
	case "arm64":
		return cpu.ARM64.HasAES && cpu.ARM64.HasPMULL
	}
	return false
}

func preferredProfiles(fastGCM bool) []Profile {
	if fastGCM {
		return []Profile{ProfileAEADAES128GCM, ProfileAEADAES256GCM, ProfileAES128CMSHA1_80, ProfileAES128CMSHA1_32}
	}
	// Without AES instructions AES-CM+HMAC (~7 µs per 1200-byte packet on a
	// Pi 4) beats software GHASH (~8.7 µs); GCM still beats a 32-bit tag.
	return []Profile{ProfileAES128CMSHA1_80, ProfileAEADAES128GCM, ProfileAEADAES256GCM, ProfileAES128CMSHA1_32}
}
