package endpoint

import "encoding/binary"

// maxMIDHeaderGrowth bounds what addMID adds to a header: a new
// extension block (4) plus a two-byte-form element (2 + 16) padded (3).
const maxMIDHeaderGrowth = 4 + 2 + 16 + 3

// addMID writes into dst the RTP header hdr with one more header
// extension element: id → mid, the MID of the m-line the packet belongs
// to (RFC 9143 §9.2, §15.1: in a BUNDLE group a receiver maps packets to
// m-lines by it). hdr's own elements (the CaptId) are kept; one-byte
// elements are used while every ID is 1..14 and the value ≤ 16 bytes
// (RFC 8285 §4.2), else the block is the two-byte form (§4.3). dst needs
// len(hdr)+maxMIDHeaderGrowth bytes; the result aliases it. A header this
// function cannot extend (malformed, or IDs out of range) is returned
// unchanged.
func addMID(dst, hdr []byte, id uint8, mid []byte) []byte {
	if id == 0 || len(mid) == 0 || len(mid) > 16 || len(hdr) < 12 {
		return hdr
	}
	fixed := 12 + 4*int(hdr[0]&0x0f)
	if fixed > len(hdr) {
		return hdr
	}
	var profile uint16
	var elems []byte
	if hdr[0]&0x10 != 0 {
		if fixed+4 > len(hdr) {
			return hdr
		}
		profile = binary.BigEndian.Uint16(hdr[fixed:])
		n := 4 * int(binary.BigEndian.Uint16(hdr[fixed+2:]))
		if fixed+4+n != len(hdr) {
			return hdr // payload after the header: not ours to rewrite
		}
		elems = hdr[fixed+4:]
	}
	twoByte := id > 14
	switch {
	case profile == 0 || profile == 0xBEDE:
	case profile&0xfff0 == 0x1000:
		twoByte = true
	default:
		return hdr // another profile's extension: leave it
	}
	out := dst[:0]
	out = append(out, hdr[:fixed]...)
	out[0] |= 0x10
	if twoByte {
		out = append(out, 0x10, 0x00, 0, 0)
	} else {
		out = append(out, 0xBE, 0xDE, 0, 0)
	}
	if profile == 0xBEDE && twoByte {
		out = oneToTwo(out, elems)
		if out == nil {
			return hdr
		}
	} else {
		out = append(out, trimPadding(elems)...)
	}
	if twoByte {
		out = append(out, id, byte(len(mid)))
	} else {
		out = append(out, id<<4|byte(len(mid)-1))
	}
	out = append(out, mid...)
	for (len(out)-fixed)%4 != 0 {
		out = append(out, 0)
	}
	binary.BigEndian.PutUint16(out[fixed+2:], uint16((len(out)-fixed-4)/4))
	return out
}

// trimPadding drops the zero padding after the last element, so that a
// new element follows the others directly.
func trimPadding(elems []byte) []byte {
	for len(elems) > 0 && elems[len(elems)-1] == 0 {
		elems = elems[:len(elems)-1]
	}
	return elems
}

// oneToTwo re-encodes one-byte elements in the two-byte form; nil if
// they do not parse.
func oneToTwo(out, elems []byte) []byte {
	for i := 0; i < len(elems); {
		if elems[i] == 0 {
			i++
			continue
		}
		id, l := elems[i]>>4, int(elems[i]&0x0f)+1
		if id == 15 || i+1+l > len(elems) {
			return nil
		}
		out = append(out, id, byte(l))
		out = append(out, elems[i+1:i+1+l]...)
		i += 1 + l
	}
	return out
}
