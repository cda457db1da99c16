package transport

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"hash"
	"hash/crc32"
	"net/netip"
)

// STUN as ICE uses it (RFC 5389, RFC 8489 §5–§14; RFC 8445 §7): just the
// binding method, short-term credentials, and the attributes ICE needs.
// Parsing reads in place and never allocates.

const (
	stunHeaderLen   = 20
	stunMagicCookie = 0x2112A442
	// stunFingerprintXOR is XORed into the CRC-32 of FINGERPRINT
	// (RFC 8489 §14.7).
	stunFingerprintXOR = 0x5354554e
	stunMILen          = 20 // HMAC-SHA1 (RFC 8489 §14.5)
	// stunMaxLen bounds what is parsed: a binding message never comes near
	// it, and it keeps attribute walks short.
	stunMaxLen = 1500
)

// STUN message types (RFC 8489 §5: method 0x001 Binding, classes).
const (
	stunBindingRequest    uint16 = 0x0001
	stunBindingIndication uint16 = 0x0011
	stunBindingSuccess    uint16 = 0x0101
	stunBindingError      uint16 = 0x0111
)

// STUN attribute types (RFC 8489 §18.3, RFC 8445 §16.1).
const (
	attrMappedAddress     uint16 = 0x0001
	attrUsername          uint16 = 0x0006
	attrMessageIntegrity  uint16 = 0x0008
	attrErrorCode         uint16 = 0x0009
	attrUnknownAttributes uint16 = 0x000A
	attrXORMappedAddress  uint16 = 0x0020
	attrPriority          uint16 = 0x0024
	attrUseCandidate      uint16 = 0x0025
	attrSoftware          uint16 = 0x8022
	attrFingerprint       uint16 = 0x8028
	attrICEControlled     uint16 = 0x8029
	attrICEControlling    uint16 = 0x802A
)

// STUN error codes used by an ICE-lite agent (RFC 8489 §14.8, RFC 8445 §7.3.1.1).
const (
	stunCodeBadRequest      = 400
	stunCodeUnauthenticated = 401
	stunCodeUnknownAttr     = 420
	stunCodeRoleConflict    = 487
)

// stunMsg is a parsed STUN message: offsets into the datagram it was parsed
// from, valid as long as that buffer is.
type stunMsg struct {
	raw  []byte
	typ  uint16
	txID [12]byte

	username      []byte
	miOff         int // offset of the MESSAGE-INTEGRITY attribute header, -1 if absent
	fpOff         int // offset of the FINGERPRINT attribute header, -1 if absent
	useCandidate  bool
	hasPriority   bool
	priority      uint32
	controlled    bool
	controlling   bool
	tieBreaker    uint64
	xorAddr       netip.AddrPort
	hasXORAddr    bool
	errorCode     int
	unknownComp   [4]uint16 // comprehension-required attributes not understood
	nUnknownComp  int
	hasErrorCode  bool
	attrAfterMIFP bool
}

// parseSTUN parses b as a STUN message. It checks the header (two zero top
// bits, the magic cookie, a length that is a multiple of 4 and matches the
// datagram) and the attribute layout; it checks FINGERPRINT when present
// (RFC 8489 §7.3). MESSAGE-INTEGRITY is checked separately, with the key.
func parseSTUN(b []byte, m *stunMsg) bool {
	*m = stunMsg{miOff: -1, fpOff: -1}
	if len(b) < stunHeaderLen || len(b) > stunMaxLen || b[0]&0xC0 != 0 {
		return false
	}
	if binary.BigEndian.Uint32(b[4:]) != stunMagicCookie {
		return false
	}
	n := int(binary.BigEndian.Uint16(b[2:]))
	if n%4 != 0 || stunHeaderLen+n != len(b) {
		return false
	}
	m.raw = b
	m.typ = binary.BigEndian.Uint16(b)
	copy(m.txID[:], b[8:20])
	for off := stunHeaderLen; off < len(b); {
		if off+4 > len(b) {
			return false
		}
		at := binary.BigEndian.Uint16(b[off:])
		al := int(binary.BigEndian.Uint16(b[off+2:]))
		vs := off + 4
		ve := vs + al
		if ve > len(b) {
			return false
		}
		next := vs + (al+3)&^3
		if next > len(b) {
			return false
		}
		v := b[vs:ve]
		if m.fpOff >= 0 {
			// RFC 8489 §14.7: FINGERPRINT is the last attribute.
			return false
		}
		if m.miOff >= 0 && at != attrFingerprint {
			// RFC 8489 §14.5: only FINGERPRINT may follow
			// MESSAGE-INTEGRITY; the rest is ignored.
			m.attrAfterMIFP = true
			off = next
			continue
		}
		switch at {
		case attrUsername:
			if al > 513 { // RFC 8489 §14.3
				return false
			}
			m.username = v
		case attrMessageIntegrity:
			if al != stunMILen {
				return false
			}
			m.miOff = off
		case attrFingerprint:
			if al != 4 {
				return false
			}
			m.fpOff = off
		case attrPriority:
			if al != 4 {
				return false
			}
			m.hasPriority = true
			m.priority = binary.BigEndian.Uint32(v)
		case attrUseCandidate:
			if al != 0 {
				return false
			}
			m.useCandidate = true
		case attrICEControlled, attrICEControlling:
			if al != 8 {
				return false
			}
			m.tieBreaker = binary.BigEndian.Uint64(v)
			if at == attrICEControlled {
				m.controlled = true
			} else {
				m.controlling = true
			}
		case attrXORMappedAddress:
			ap, ok := parseXORAddr(v, b[4:20])
			if !ok {
				return false
			}
			m.xorAddr, m.hasXORAddr = ap, true
		case attrErrorCode:
			if al < 4 {
				return false
			}
			m.errorCode = int(v[2]&7)*100 + int(v[3])
			m.hasErrorCode = true
		default:
			if at < 0x8000 && at != attrMappedAddress && at != attrSoftware && at != attrUnknownAttributes {
				// Comprehension-required and unknown (RFC 8489 §7.3.1).
				if m.nUnknownComp < len(m.unknownComp) {
					m.unknownComp[m.nUnknownComp] = at
					m.nUnknownComp++
				}
			}
		}
		off = next
	}
	if m.fpOff >= 0 {
		want := binary.BigEndian.Uint32(b[m.fpOff+4:])
		if stunFingerprint(b[:m.fpOff]) != want {
			return false
		}
	}
	return true
}

// stunFingerprint is the FINGERPRINT value of a message whose bytes up to
// the FINGERPRINT attribute are pre; the length field is taken as covering
// the FINGERPRINT attribute (8 bytes) without modifying pre.
func stunFingerprint(pre []byte) uint32 {
	var hdr [4]byte
	copy(hdr[:], pre[:4])
	binary.BigEndian.PutUint16(hdr[2:], uint16(len(pre)-stunHeaderLen+8))
	c := crc32.Update(0, crc32.IEEETable, hdr[:])
	c = crc32.Update(c, crc32.IEEETable, pre[4:])
	return c ^ stunFingerprintXOR
}

// stunIntegrity computes into out the MESSAGE-INTEGRITY of a message whose
// bytes up to that attribute are pre, with the length field taken as ending
// just after it (RFC 8489 §14.5). mac is an HMAC-SHA1 keyed with the
// short-term password.
func stunIntegrity(mac hash.Hash, pre []byte, out *[stunMILen]byte) {
	var hdr [4]byte
	copy(hdr[:], pre[:4])
	binary.BigEndian.PutUint16(hdr[2:], uint16(len(pre)-stunHeaderLen+4+stunMILen))
	mac.Reset()
	mac.Write(hdr[:])
	mac.Write(pre[4:])
	var sum [sha1.Size]byte
	mac.Sum(sum[:0])
	*out = sum
}

// checkIntegrity verifies m's MESSAGE-INTEGRITY with mac, in constant time.
func (m *stunMsg) checkIntegrity(mac hash.Hash) bool {
	if m.miOff < 0 {
		return false
	}
	var want [stunMILen]byte
	stunIntegrity(mac, m.raw[:m.miOff], &want)
	return subtle.ConstantTimeCompare(want[:], m.raw[m.miOff+4:m.miOff+4+stunMILen]) == 1
}

// newSTUNMAC returns the HMAC-SHA1 of short-term credentials: the key is
// the password itself (RFC 8489 §9.1.1; ICE passwords are ASCII, for which
// OpaqueString is the identity).
func newSTUNMAC(password string) hash.Hash { return hmac.New(sha1.New, []byte(password)) }

func parseXORAddr(v, cookieTx []byte) (netip.AddrPort, bool) {
	if len(v) < 4 {
		return netip.AddrPort{}, false
	}
	port := binary.BigEndian.Uint16(v[2:]) ^ uint16(stunMagicCookie>>16)
	switch v[1] {
	case 1:
		if len(v) != 8 {
			return netip.AddrPort{}, false
		}
		var a [4]byte
		for i := range a {
			a[i] = v[4+i] ^ cookieTx[i]
		}
		return netip.AddrPortFrom(netip.AddrFrom4(a), port), true
	case 2:
		if len(v) != 20 {
			return netip.AddrPort{}, false
		}
		var a [16]byte
		for i := range a {
			a[i] = v[4+i] ^ cookieTx[i]
		}
		return netip.AddrPortFrom(netip.AddrFrom16(a), port), true
	}
	return netip.AddrPort{}, false
}

// stunBuilder writes a STUN message into a caller-owned buffer.
type stunBuilder struct {
	b []byte
}

func (w *stunBuilder) start(buf []byte, typ uint16, txID *[12]byte) {
	w.b = buf[:0]
	w.b = binary.BigEndian.AppendUint16(w.b, typ)
	w.b = binary.BigEndian.AppendUint16(w.b, 0)
	w.b = binary.BigEndian.AppendUint32(w.b, stunMagicCookie)
	w.b = append(w.b, txID[:]...)
}

func (w *stunBuilder) setLen() {
	binary.BigEndian.PutUint16(w.b[2:], uint16(len(w.b)-stunHeaderLen))
}

func (w *stunBuilder) attr(t uint16, v []byte) {
	w.b = binary.BigEndian.AppendUint16(w.b, t)
	w.b = binary.BigEndian.AppendUint16(w.b, uint16(len(v)))
	w.b = append(w.b, v...)
	for len(w.b)%4 != 0 {
		w.b = append(w.b, 0)
	}
	w.setLen()
}

func (w *stunBuilder) attrString(t uint16, v string) {
	w.b = binary.BigEndian.AppendUint16(w.b, t)
	w.b = binary.BigEndian.AppendUint16(w.b, uint16(len(v)))
	w.b = append(w.b, v...)
	for len(w.b)%4 != 0 {
		w.b = append(w.b, 0)
	}
	w.setLen()
}

func (w *stunBuilder) attrUint32(t uint16, v uint32) {
	var x [4]byte
	binary.BigEndian.PutUint32(x[:], v)
	w.attr(t, x[:])
}

func (w *stunBuilder) attrUint64(t uint16, v uint64) {
	var x [8]byte
	binary.BigEndian.PutUint64(x[:], v)
	w.attr(t, x[:])
}

func (w *stunBuilder) xorMappedAddress(ap netip.AddrPort) {
	var x [20]byte
	port := ap.Port() ^ uint16(stunMagicCookie>>16)
	binary.BigEndian.PutUint16(x[2:], port)
	a := ap.Addr().Unmap()
	cookieTx := w.b[4:20]
	if a.Is4() {
		x[1] = 1
		a4 := a.As4()
		for i := range a4 {
			x[4+i] = a4[i] ^ cookieTx[i]
		}
		w.attr(attrXORMappedAddress, x[:8])
		return
	}
	x[1] = 2
	a16 := a.As16()
	for i := range a16 {
		x[4+i] = a16[i] ^ cookieTx[i]
	}
	w.attr(attrXORMappedAddress, x[:20])
}

func (w *stunBuilder) errorCode(code int, reason string) {
	w.b = binary.BigEndian.AppendUint16(w.b, attrErrorCode)
	w.b = binary.BigEndian.AppendUint16(w.b, uint16(4+len(reason)))
	w.b = append(w.b, 0, 0, byte(code/100), byte(code%100))
	w.b = append(w.b, reason...)
	for len(w.b)%4 != 0 {
		w.b = append(w.b, 0)
	}
	w.setLen()
}

// integrity appends MESSAGE-INTEGRITY computed with mac.
func (w *stunBuilder) integrity(mac hash.Hash) {
	var sum [stunMILen]byte
	stunIntegrity(mac, w.b, &sum)
	w.attr(attrMessageIntegrity, sum[:])
}

// fingerprint appends FINGERPRINT; it must come last.
func (w *stunBuilder) fingerprint() {
	w.attrUint32(attrFingerprint, stunFingerprint(w.b))
}
