package rtcp

import "encoding/binary"

// Reader walks the packets of a compound RTCP datagram in place. It is a
// value type and allocates nothing:
//
//	r := rtcp.NewReader(datagram)
//	for p, ok := r.Next(); ok; p, ok = r.Next() {
//		switch p.Type { ... }
//	}
//	if r.Err() != nil { ... }
//
// It checks the common header of every packet (RFC 3550 Appendix A.2:
// version 2, length within the datagram, sane padding) and stops at the
// first bad one. It does not insist on the compound rules of RFC 3550 §6.1
// (SR or RR first, an SDES with CNAME), because reduced-size RTCP (RFC
// 5506) sends feedback alone; Validate checks that a datagram is well
// formed throughout before anything in it is acted on.
type Reader struct {
	b   []byte
	err error
}

// NewReader returns a reader over a decrypted RTCP datagram.
func NewReader(b []byte) Reader { return Reader{b: b} }

// Err returns the error that stopped the reader, nil at a clean end.
func (r *Reader) Err() error { return r.err }

// Next returns the next packet, or ok == false at the end or on an error.
func (r *Reader) Next() (p Packet, ok bool) {
	if r.err != nil || len(r.b) == 0 {
		return p, false
	}
	b := r.b
	if len(b) < 4 {
		r.err = ErrTruncated
		return p, false
	}
	if b[0]>>6 != 2 {
		r.err = ErrVersion
		return p, false
	}
	n := (int(binary.BigEndian.Uint16(b[2:])) + 1) * 4
	if n > len(b) {
		r.err = ErrTruncated
		return p, false
	}
	body := b[4:n]
	if b[0]&0x20 != 0 {
		pad := int(b[n-1])
		if pad == 0 || pad > len(body) {
			r.err = ErrPadding
			return p, false
		}
		body = body[:len(body)-pad]
	}
	r.b = b[n:]
	return Packet{Type: PacketType(b[1]), Count: b[0] & 0x1f, Body: body[:len(body):len(body)]}, true
}

// Validate reports whether every packet header of the datagram is well
// formed, the first packet is an SR, RR or (reduced-size RTCP, RFC 5506)
// feedback message, and the report, SDES and feedback bodies of known
// types decode.
func Validate(b []byte) error {
	r := NewReader(b)
	first := true
	for p, ok := r.Next(); ok; p, ok = r.Next() {
		if first && p.Type != TypeSR && p.Type != TypeRR && p.Type != TypeRTPFB && p.Type != TypePSFB {
			return ErrFormat
		}
		first = false
		if err := p.check(); err != nil {
			return err
		}
	}
	if first && r.err == nil {
		return ErrTruncated // empty
	}
	return r.err
}

// check decodes the body of known packet types.
func (p Packet) check() error {
	switch p.Type {
	case TypeSR:
		_, _, _, err := p.SenderReport()
		return err
	case TypeRR:
		_, _, err := p.ReceiverReport()
		return err
	case TypeSDES:
		s, err := p.SDES()
		if err != nil {
			return err
		}
		for _, ok := s.Next(); ok; _, ok = s.Next() {
		}
		return s.Err()
	case TypeBYE:
		_, _, err := p.BYE()
		return err
	case TypeRTPFB, TypePSFB:
		_, _, _, err := p.Feedback()
		return err
	}
	return nil
}

// Packet is one RTCP packet of a compound datagram.
type Packet struct {
	Type PacketType
	// Count is the five bits after the version and padding bits: the
	// report count (SR, RR), source count (SDES, BYE) or feedback message
	// type (RTPFB, PSFB).
	Count uint8
	// Body is the packet after its 4-byte common header, padding removed.
	Body []byte
}

// SSRC returns the packet's first SSRC: the sender of an SR, RR or
// feedback message, the first chunk of an SDES, the first source of a BYE.
func (p Packet) SSRC() (uint32, error) {
	if len(p.Body) < 4 {
		return 0, ErrTruncated
	}
	return binary.BigEndian.Uint32(p.Body), nil
}

// Reports is the list of reception report blocks of an SR or RR.
type Reports struct{ b []byte }

// Len returns the number of report blocks.
func (r Reports) Len() int { return len(r.b) / 24 }

// At decodes block i, 0 <= i < Len().
func (r Reports) At(i int) ReceptionReport {
	b := r.b[24*i : 24*i+24]
	lost := int32(binary.BigEndian.Uint32(b[4:])<<8) >> 8 // 24-bit signed
	return ReceptionReport{
		SSRC:         binary.BigEndian.Uint32(b),
		FractionLost: b[4],
		TotalLost:    lost,
		HighestSeq:   binary.BigEndian.Uint32(b[8:]),
		Jitter:       binary.BigEndian.Uint32(b[12:]),
		LSR:          binary.BigEndian.Uint32(b[16:]),
		DLSR:         binary.BigEndian.Uint32(b[20:]),
	}
}

func (p Packet) reports(off int) (Reports, error) {
	n := 24 * int(p.Count)
	if off+n > len(p.Body) {
		return Reports{}, ErrFormat
	}
	// Bytes after the blocks are a profile-specific extension (RFC 3550
	// §6.4.1): ignored.
	return Reports{p.Body[off : off+n]}, nil
}

// SenderReport decodes an SR: the sender's SSRC, its sender information and
// its report blocks.
func (p Packet) SenderReport() (ssrc uint32, si SenderInfo, rr Reports, err error) {
	if p.Type != TypeSR {
		return 0, si, rr, ErrType
	}
	if len(p.Body) < 24 {
		return 0, si, rr, ErrTruncated
	}
	b := p.Body
	ssrc = binary.BigEndian.Uint32(b)
	si = SenderInfo{
		NTPTime:     binary.BigEndian.Uint64(b[4:]),
		RTPTime:     binary.BigEndian.Uint32(b[12:]),
		PacketCount: binary.BigEndian.Uint32(b[16:]),
		OctetCount:  binary.BigEndian.Uint32(b[20:]),
	}
	rr, err = p.reports(24)
	return ssrc, si, rr, err
}

// ReceiverReport decodes an RR: the reporter's SSRC and its report blocks.
func (p Packet) ReceiverReport() (ssrc uint32, rr Reports, err error) {
	if p.Type != TypeRR {
		return 0, rr, ErrType
	}
	if len(p.Body) < 4 {
		return 0, rr, ErrTruncated
	}
	rr, err = p.reports(4)
	return binary.BigEndian.Uint32(p.Body), rr, err
}

// SDESItem is one item of an SDES chunk.
type SDESItem struct {
	SSRC uint32 // the chunk's source
	Type uint8  // SDESCNAME, SDESCaptID...
	Text []byte // aliases the datagram
}

// SDESReader iterates over the items of all chunks of an SDES packet.
type SDESReader struct {
	b      []byte
	chunks int // chunks left, including the current one
	ssrc   uint32
	inItem bool // inside a chunk's item list
	start  int  // offset where the current chunk began, for alignment
	off    int
	err    error
}

// SDES returns a reader over an SDES packet's items.
func (p Packet) SDES() (SDESReader, error) {
	if p.Type != TypeSDES {
		return SDESReader{}, ErrType
	}
	return SDESReader{b: p.Body, chunks: int(p.Count)}, nil
}

// Err returns the error that stopped Next, nil at a clean end.
func (s *SDESReader) Err() error { return s.err }

// Next returns the next item, or ok == false at the end or on an error.
func (s *SDESReader) Next() (it SDESItem, ok bool) {
	for s.err == nil {
		if !s.inItem {
			if s.chunks == 0 {
				return it, false
			}
			if s.off+4 > len(s.b) {
				s.err = ErrTruncated
				return it, false
			}
			s.ssrc = binary.BigEndian.Uint32(s.b[s.off:])
			s.start = s.off
			s.off += 4
			s.inItem = true
		}
		if s.off >= len(s.b) {
			s.err = ErrTruncated
			return it, false
		}
		t := s.b[s.off]
		if t == SDESEnd {
			// End of the item list: skip the null octet and the padding up
			// to the next 32-bit boundary (chunks are aligned).
			s.off++
			for (s.off-s.start)%4 != 0 {
				s.off++
			}
			if s.off > len(s.b) {
				s.err = ErrTruncated
				return it, false
			}
			s.inItem = false
			s.chunks--
			continue
		}
		if s.off+2 > len(s.b) {
			s.err = ErrTruncated
			return it, false
		}
		n := int(s.b[s.off+1])
		if s.off+2+n > len(s.b) {
			s.err = ErrTruncated
			return it, false
		}
		it = SDESItem{SSRC: s.ssrc, Type: t, Text: s.b[s.off+2 : s.off+2+n : s.off+2+n]}
		s.off += 2 + n
		return it, true
	}
	return it, false
}

// SSRCList is a list of SSRCs in a packet.
type SSRCList struct{ b []byte }

// Len returns the number of SSRCs.
func (l SSRCList) Len() int { return len(l.b) / 4 }

// At returns SSRC i.
func (l SSRCList) At(i int) uint32 { return binary.BigEndian.Uint32(l.b[4*i:]) }

// BYE decodes a BYE: the sources leaving and the optional reason.
func (p Packet) BYE() (ssrcs SSRCList, reason []byte, err error) {
	if p.Type != TypeBYE {
		return ssrcs, nil, ErrType
	}
	n := 4 * int(p.Count)
	if n > len(p.Body) {
		return ssrcs, nil, ErrTruncated
	}
	ssrcs = SSRCList{p.Body[:n]}
	if rest := p.Body[n:]; len(rest) > 0 {
		l := int(rest[0])
		if 1+l > len(rest) {
			return ssrcs, nil, ErrTruncated
		}
		reason = rest[1 : 1+l]
	}
	return ssrcs, reason, nil
}

// Feedback decodes the common part of an RTPFB or PSFB message (RFC 4585
// §6.1): the sender, the media source and the feedback control
// information.
func (p Packet) Feedback() (sender, media uint32, fci []byte, err error) {
	if p.Type != TypeRTPFB && p.Type != TypePSFB {
		return 0, 0, nil, ErrType
	}
	if len(p.Body) < 8 {
		return 0, 0, nil, ErrTruncated
	}
	return binary.BigEndian.Uint32(p.Body), binary.BigEndian.Uint32(p.Body[4:]), p.Body[8:], nil
}

func (p Packet) feedback(t PacketType, f uint8) (sender, media uint32, fci []byte, err error) {
	if p.Type != t || p.Count != f {
		return 0, 0, nil, ErrType
	}
	return p.Feedback()
}

// PLI decodes a picture loss indication (RFC 4585 §6.3.1): who asks and
// for which source.
func (p Packet) PLI() (sender, media uint32, err error) {
	sender, media, _, err = p.feedback(TypePSFB, FmtPLI)
	return sender, media, err
}

// FIREntries is the FCI of a FIR.
type FIREntries struct{ b []byte }

// Len returns the number of entries.
func (f FIREntries) Len() int { return len(f.b) / 8 }

// At decodes entry i.
func (f FIREntries) At(i int) FIREntry {
	return FIREntry{SSRC: binary.BigEndian.Uint32(f.b[8*i:]), Seq: f.b[8*i+4]}
}

// FIR decodes a full intra request (RFC 5104 §4.3.1). A receiver acts on
// an entry for its own SSRC whose Seq differs from the last one it served
// from that sender (§4.3.1.2: repeated requests carry the same number).
func (p Packet) FIR() (sender uint32, entries FIREntries, err error) {
	sender, _, fci, err := p.feedback(TypePSFB, FmtFIR)
	if err != nil {
		return 0, entries, err
	}
	if len(fci)%8 != 0 {
		return sender, entries, ErrFormat
	}
	return sender, FIREntries{fci}, nil
}

// NACKPairs is the FCI of a generic NACK.
type NACKPairs struct{ b []byte }

// Len returns the number of pairs.
func (n NACKPairs) Len() int { return len(n.b) / 4 }

// At decodes pair i.
func (n NACKPairs) At(i int) NACKPair {
	return NACKPair{PID: binary.BigEndian.Uint16(n.b[4*i:]), BLP: binary.BigEndian.Uint16(n.b[4*i+2:])}
}

// NACK decodes a generic NACK (RFC 4585 §6.2.1).
func (p Packet) NACK() (sender, media uint32, pairs NACKPairs, err error) {
	sender, media, fci, err := p.feedback(TypeRTPFB, FmtNACK)
	if err != nil {
		return 0, 0, pairs, err
	}
	if len(fci)%4 != 0 {
		return sender, media, pairs, ErrFormat
	}
	return sender, media, NACKPairs{fci}, nil
}

// TMMBEntries is the FCI of a TMMBR or TMMBN.
type TMMBEntries struct{ b []byte }

// Len returns the number of entries.
func (t TMMBEntries) Len() int { return len(t.b) / 8 }

// At decodes entry i; the bit rate is mantissa << exponent, saturating at
// the largest uint64.
func (t TMMBEntries) At(i int) TMMBEntry {
	b := t.b[8*i:]
	v := binary.BigEndian.Uint32(b[4:])
	return TMMBEntry{
		SSRC:     binary.BigEndian.Uint32(b),
		Bitrate:  shiftSat(uint64(v>>9&0x1ffff), uint(v>>26)),
		Overhead: uint16(v & 0x1ff),
	}
}

func shiftSat(m uint64, exp uint) uint64 {
	if m == 0 {
		return 0
	}
	if exp >= 64 || m > (^uint64(0))>>exp {
		return ^uint64(0)
	}
	return m << exp
}

// TMMBR decodes a temporary maximum media bit rate request (RFC 5104
// §4.2.1).
func (p Packet) TMMBR() (sender uint32, entries TMMBEntries, err error) {
	return p.tmmb(FmtTMMBR)
}

// TMMBN decodes a TMMBR notification (RFC 5104 §4.2.2).
func (p Packet) TMMBN() (sender uint32, entries TMMBEntries, err error) {
	return p.tmmb(FmtTMMBN)
}

func (p Packet) tmmb(f uint8) (uint32, TMMBEntries, error) {
	sender, _, fci, err := p.feedback(TypeRTPFB, f)
	if err != nil {
		return 0, TMMBEntries{}, err
	}
	if len(fci)%8 != 0 {
		return sender, TMMBEntries{}, ErrFormat
	}
	return sender, TMMBEntries{fci}, nil
}

// REMB decodes a receiver estimated maximum bitrate message
// (draft-alvestrand-rmcat-remb-03 §2.2): the estimate in bit/s and the
// SSRCs it applies to.
func (p Packet) REMB() (sender uint32, bitrate uint64, ssrcs SSRCList, err error) {
	sender, _, fci, err := p.feedback(TypePSFB, FmtAFB)
	if err != nil {
		return 0, 0, ssrcs, err
	}
	if len(fci) < 8 || string(fci[:4]) != "REMB" {
		return sender, 0, ssrcs, ErrFormat
	}
	v := binary.BigEndian.Uint32(fci[4:])
	n := int(v >> 24)
	if 8+4*n > len(fci) {
		return sender, 0, ssrcs, ErrFormat
	}
	return sender, shiftSat(uint64(v&0x3ffff), uint(v>>18&0x3f)), SSRCList{fci[8 : 8+4*n]}, nil
}
