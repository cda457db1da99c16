package codec

import "bytes"

// H.264 Annex B byte stream format (ITU-T H.264 Annex B, §B.1):
//
//	byte_stream_nal_unit = leading_zero_8bits* zero_byte? start_code_prefix_one_3bytes
//	                       nal_unit trailing_zero_8bits*
//
// start_code_prefix_one_3bytes is 0x000001; a zero_byte before it makes the
// four-byte form 0x00000001. A NAL unit never contains 0x000000, 0x000001 or
// 0x000002 (emulation prevention inserts 0x03 after two zeros, §7.4.1), and
// never ends in a zero byte, so any zero bytes before a start code are
// trailing_zero_8bits of the previous unit or the zero_byte of the next.

// NALU locates one NAL unit inside an Annex-B buffer by offsets, so scanning
// copies nothing.
type NALU struct {
	// Prefix is the offset of the first byte of the start code, counting
	// every zero byte before the 0x000001 (the zero_byte and the previous
	// unit's trailing zeros). b[Prefix:End] is the unit in Annex-B form.
	Prefix int
	// Start is the offset of the NAL unit header byte.
	Start int
	// End is the offset just past the unit's last byte; trailing zero
	// bytes are excluded. End > Start always.
	End int
	// Header is the NAL unit header byte, b[Start].
	Header byte
}

// Type returns nal_unit_type.
func (n NALU) Type() NALType { return TypeOf(n.Header) }

// Len returns the size of the NAL unit without its start code.
func (n NALU) Len() int { return n.End - n.Start }

// Bytes returns the NAL unit (header byte onwards, no start code) within b,
// the buffer it was scanned from.
func (n NALU) Bytes(b []byte) []byte { return b[n.Start:n.End:n.End] }

// AnnexBScanner iterates over the NAL units of an Annex-B buffer. It is a
// value type that allocates nothing:
//
//	s := codec.NewAnnexBScanner(buf)
//	for n, ok := s.Next(); ok; n, ok = s.Next() { ... n.Bytes(buf) ... }
//
// Rules: bytes before the first start code are skipped (leading zeros, or
// garbage from a stream joined mid-unit); a start code followed directly by
// another (a zero-length unit) yields nothing, and the next unit's Prefix
// then starts at the first of the two start codes, so that consecutive
// units satisfy prev.End == next.Prefix and together cover the buffer from
// the first start code to the last non-zero byte.
type AnnexBScanner struct {
	buf    []byte
	start  int // Start of the unit Next returns, or len(buf) when done
	prefix int // its Prefix
}

// NewAnnexBScanner returns a scanner over b.
func NewAnnexBScanner(b []byte) AnnexBScanner {
	var s AnnexBScanner
	s.Reset(b)
	return s
}

// Reset restarts the scanner on b.
func (s *AnnexBScanner) Reset(b []byte) {
	s.buf = b
	zr, next := findStartCode(b, 0)
	if next < 0 {
		s.start, s.prefix = len(b), len(b)
		return
	}
	s.start, s.prefix = next, zr
}

// Next returns the next NAL unit, or ok == false at the end.
func (s *AnnexBScanner) Next() (n NALU, ok bool) {
	b := s.buf
	for s.start < len(b) {
		zr, next := findStartCode(b, s.start)
		if next < 0 {
			end := trimZeros(b, s.start, len(b))
			n = NALU{Prefix: s.prefix, Start: s.start, End: end, Header: b[s.start]}
			s.start = len(b)
			if end == n.Start {
				return NALU{}, false // only zeros after the last start code
			}
			return n, true
		}
		if zr == s.start { // zero-length unit: keep its Prefix, move on
			s.start = next
			continue
		}
		n = NALU{Prefix: s.prefix, Start: s.start, End: zr, Header: b[s.start]}
		s.start, s.prefix = next, zr
		return n, true
	}
	return NALU{}, false
}

// findStartCode finds the first 0x000001 whose zeros begin at or after from.
// It returns the offset where the run of zero bytes before the 0x01 begins
// (not before from) and the offset just past the 0x01, or next == -1.
//
// It looks for 0x01 bytes with bytes.IndexByte, which is vectorised on every
// GOARCH we build for, and checks the two bytes before each: one pass at
// memchr speed plus a check per 0x01 byte.
func findStartCode(b []byte, from int) (zeroRun, next int) {
	i := from + 2
	for i < len(b) {
		j := bytes.IndexByte(b[i:], 1)
		if j < 0 {
			return -1, -1
		}
		i += j
		if b[i-1] == 0 && b[i-2] == 0 {
			z := i - 2
			for z > from && b[z-1] == 0 {
				z--
			}
			return z, i + 1
		}
		i++
	}
	return -1, -1
}

// trimZeros returns end moved back over zero bytes, not before start.
func trimZeros(b []byte, start, end int) int {
	for end > start && b[end-1] == 0 {
		end--
	}
	return end
}

// AccessUnit locates one access unit (the NAL units of one coded picture)
// inside an Annex-B buffer.
type AccessUnit struct {
	// Start is the Prefix of its first NAL unit, End the End of its last:
	// b[Start:End] is the access unit as an Annex-B byte stream, start codes
	// included, ready to hand out as a frame.
	Start, End int
	// NALs counts its NAL units.
	NALs int
	// Keyframe: it contains an IDR slice (nal_unit_type 5).
	Keyframe bool
	// HasSPS, HasPPS: it carries parameter sets.
	HasSPS, HasPPS bool
}

// AccessUnitScanner splits an Annex-B stream into access units without
// allocating. The rule (ITU-T H.264 §7.4.1.2.3, simplified the way RTP
// depacketizers and muxers do it) is that a new access unit begins at:
//
//   - an access unit delimiter (type 9);
//   - an SPS, PPS, SEI or type 14–18 unit that follows a VCL unit of the
//     current access unit;
//   - a slice (type 1, 2 or 5) with first_mb_in_slice == 0 that follows a
//     VCL unit of the current access unit.
//
// Everything else (further slices, data partitions B and C, end of
// sequence/stream, filler) joins the current access unit. The rule is exact
// for encoders that send slices in order, which every practical encoder
// does (x264, bcm2835-codec, UVC cameras); it does not detect a new picture
// that starts with a slice other than the first (arbitrary slice order, a
// Baseline-only feature no encoder we meet uses), nor redundant pictures.
type AccessUnitScanner struct {
	nals    AnnexBScanner
	pending NALU
	hasPend bool
}

// NewAccessUnitScanner returns a scanner over b.
func NewAccessUnitScanner(b []byte) AccessUnitScanner {
	return AccessUnitScanner{nals: NewAnnexBScanner(b)}
}

// Reset restarts the scanner on b.
func (s *AccessUnitScanner) Reset(b []byte) {
	s.nals.Reset(b)
	s.hasPend = false
}

// Next returns the next access unit, or ok == false at the end.
func (s *AccessUnitScanner) Next() (au AccessUnit, ok bool) {
	sawVCL := false
	for {
		var n NALU
		if s.hasPend {
			n, s.hasPend = s.pending, false
		} else if n, ok = s.nals.Next(); !ok {
			return au, au.NALs > 0
		}
		if au.NALs > 0 && startsAccessUnit(s.nals.buf, n, sawVCL) {
			s.pending, s.hasPend = n, true
			return au, true
		}
		if au.NALs == 0 {
			au.Start = n.Prefix
		}
		au.End = n.End
		au.NALs++
		switch t := n.Type(); {
		case t == NALIDR:
			au.Keyframe = true
			sawVCL = true
		case t.IsVCL():
			sawVCL = true
		case t == NALSPS:
			au.HasSPS = true
		case t == NALPPS:
			au.HasPPS = true
		}
	}
}

// startsAccessUnit applies the rule documented on AccessUnitScanner to a
// unit that follows others in the current access unit.
func startsAccessUnit(b []byte, n NALU, sawVCL bool) bool {
	switch t := n.Type(); {
	case t == NALAUD:
		return true
	case t == NALSPS, t == NALPPS, t == NALSEI, t >= 14 && t <= 18:
		return sawVCL
	case t == NALSlice, t == NALSliceA, t == NALIDR:
		// first_mb_in_slice is the first element after the header, ue(v):
		// the value 0 is the single bit 1. Emulation prevention cannot touch
		// the first payload byte.
		return sawVCL && n.End > n.Start+1 && b[n.Start+1]&0x80 != 0
	}
	return false
}

// IsKeyframe reports whether the Annex-B data contains an IDR slice.
func IsKeyframe(b []byte) bool {
	s := NewAnnexBScanner(b)
	for n, ok := s.Next(); ok; n, ok = s.Next() {
		if n.Type() == NALIDR {
			return true
		}
	}
	return false
}

// ParameterSets returns the first SPS and the first PPS in the Annex-B data
// (header byte onwards, as sprop-parameter-sets wants them), or nil where
// absent. They are sub-slices of b.
func ParameterSets(b []byte) (sps, pps []byte) {
	s := NewAnnexBScanner(b)
	for n, ok := s.Next(); ok && (sps == nil || pps == nil); n, ok = s.Next() {
		switch n.Type() {
		case NALSPS:
			if sps == nil {
				sps = n.Bytes(b)
			}
		case NALPPS:
			if pps == nil {
				pps = n.Bytes(b)
			}
		}
	}
	return sps, pps
}
