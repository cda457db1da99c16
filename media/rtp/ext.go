package rtp

import "encoding/binary"

// Header extension elements (RFC 8285): one walker for finding, renaming
// and adding them, shared by the send side (per-call header rewriting)
// and the receive side.

// element is one element of an extension block: its ID, where the ID
// byte is, and its data.
type element struct {
	id   uint8
	at   int
	data []byte
}

// nextElement returns the element at or after i in an extension block of
// the one-byte (RFC 8285 §4.2) or two-byte (§4.3) form, skipping padding;
// ok is false at the end, at the one-byte form's reserved ID 15 (§4.2:
// stop processing) and at an element running past the block.
func nextElement(twoByte bool, ext []byte, i int) (e element, next int, ok bool) {
	for i < len(ext) && ext[i] == 0 {
		i++
	}
	if i >= len(ext) {
		return e, i, false
	}
	if twoByte {
		if i+1 >= len(ext) || i+2+int(ext[i+1]) > len(ext) {
			return e, i, false
		}
		l := int(ext[i+1])
		return element{id: ext[i], at: i, data: ext[i+2 : i+2+l]}, i + 2 + l, true
	}
	id, l := ext[i]>>4, int(ext[i]&0x0f)+1
	if id == 15 || i+1+l > len(ext) {
		return e, i, false
	}
	return element{id: id, at: i, data: ext[i+1 : i+1+l]}, i + 1 + l, true
}

// blockForm tells an extension block's form from its profile word: the
// one-byte form (0xBEDE) or the two-byte form (0x100X); ok is false for
// another profile's extension.
func blockForm(profile uint16) (twoByte, ok bool) {
	switch {
	case profile == 0xBEDE:
		return false, true
	case profile&0xfff0 == 0x1000:
		return true, true
	}
	return false, false
}

// FindElement returns the data of element id in an extension block whose
// profile word is profile (the block without its 4-byte header), nil when
// absent. It does not allocate.
func FindElement(profile uint16, ext []byte, id uint8) []byte {
	twoByte, ok := blockForm(profile)
	if !ok || id == 0 {
		return nil
	}
	for i := 0; ; {
		e, next, ok := nextElement(twoByte, ext, i)
		if !ok {
			return nil
		}
		if e.id == id {
			return e.data
		}
		i = next
	}
}

// MaxAddedElement bounds what AddElement adds to a header: a new extension
// block header (4) plus a two-byte-form element of 16 bytes (2 + 16),
// padded to a word (3).
const MaxAddedElement = 4 + 2 + 16 + 3

// AddElement writes into dst the RTP header hdr with one more header
// extension element, id → data (1..16 bytes): e.g. the BUNDLE MID a call
// adds to a header shared by every call (RFC 9143 §15.1). hdr's own
// elements are kept; the one-byte form is used while every ID is 1..14
// (RFC 8285 §4.2), else the block becomes the two-byte form (§4.3). dst
// needs len(hdr)+MaxAddedElement bytes; the result aliases it. A header
// it cannot extend (malformed, another profile's extension, an ID out of
// range) is returned unchanged. It does not allocate.
func AddElement(dst, hdr []byte, id uint8, data []byte) []byte {
	if id == 0 || len(data) == 0 || len(data) > 16 || len(hdr) < 12 {
		return hdr
	}
	fixed := 12 + 4*int(hdr[0]&0x0f)
	if fixed > len(hdr) {
		return hdr
	}
	twoByte, hadExt := id > 14, hdr[0]&0x10 != 0
	var ext []byte
	var wasTwoByte bool
	if hadExt {
		if fixed+4 > len(hdr) {
			return hdr
		}
		n := 4 * int(binary.BigEndian.Uint16(hdr[fixed+2:]))
		if fixed+4+n != len(hdr) {
			return hdr // payload after the header: not ours to rewrite
		}
		var ok bool
		if wasTwoByte, ok = blockForm(binary.BigEndian.Uint16(hdr[fixed:])); !ok {
			return hdr
		}
		twoByte = twoByte || wasTwoByte
		ext = hdr[fixed+4:]
	}
	out := append(dst[:0], hdr[:fixed]...)
	out[0] |= 0x10
	if twoByte {
		out = append(out, 0x10, 0x00, 0, 0)
	} else {
		out = append(out, 0xBE, 0xDE, 0, 0)
	}
	for i := 0; ; {
		e, next, ok := nextElement(wasTwoByte, ext, i)
		if !ok {
			break
		}
		out = appendElement(out, twoByte, e.id, e.data)
		i = next
	}
	out = appendElement(out, twoByte, id, data)
	for (len(out)-fixed)%4 != 0 {
		out = append(out, 0)
	}
	binary.BigEndian.PutUint16(out[fixed+2:], uint16((len(out)-fixed-4)/4))
	return out
}

func appendElement(out []byte, twoByte bool, id uint8, data []byte) []byte {
	if twoByte {
		out = append(out, id, byte(len(data)))
	} else {
		out = append(out, id<<4|byte(len(data)-1))
	}
	return append(out, data...)
}
