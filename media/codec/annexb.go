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
//
// NextPart delimits a long unit a piece at a time, so that a packetizer
// reads each part just before it sends it (when it is in cache for the
// encryption that follows) instead of in a separate pass over the frame.
type AnnexBScanner struct {
	buf    []byte
	start  int // Start of the unit Next returns, or len(buf) when done
	prefix int // its Prefix
	// open is set while NextPart has returned the unit at start in part:
	// it is known to run at least to known and contain no start code there.
	open  bool
	known int
}

// NewAnnexBScanner returns a scanner over b.
func NewAnnexBScanner(b []byte) AnnexBScanner {
	var s AnnexBScanner
	s.Reset(b)
	return s
}

// Reset restarts the scanner on b.
func (s *AnnexBScanner) Reset(b []byte) {
	s.buf, s.open = b, false
	zr, next := findStartCode(b, 0)
	if next < 0 {
		s.start, s.prefix = len(b), len(b)
		return
	}
	s.start, s.prefix = next, zr
}

// Next returns the next NAL unit, or ok == false at the end. After
// NextPart returned a unit in part, Next returns that unit whole.
func (s *AnnexBScanner) Next() (n NALU, ok bool) {
	n, _, ok = s.NextPart(len(s.buf))
	return n, ok
}

// NextPart is Next looking no further than limit bytes past the unit's
// Start for its end. If the unit ends there it is returned whole. If not,
// whole is false, n.End (> n.Start) is how far the unit is known to run,
// and the scanner stays on the unit: the next NextPart (with a larger
// limit) or Next continues it from there, each byte examined once.
func (s *AnnexBScanner) NextPart(limit int) (n NALU, whole, ok bool) {
	b := s.buf
	for s.start < len(b) {
		from := s.start
		if s.open {
			from = s.known
		}
		lim := len(b)
		if limit < lim-s.start {
			lim = s.start + max(limit, 1)
		}
		if s.open && lim <= s.known {
			// Already known to run that far (the search for a first
			// non-zero byte went further than asked).
			return NALU{Prefix: s.prefix, Start: s.start, End: s.known, Header: b[s.start]}, false, true
		}
		zr, next := findStartCode(b[:lim], from)
		if next >= 0 {
			s.open = false
			if zr == s.start { // zero-length unit: keep its Prefix, move on
				s.start = next
				continue
			}
			n = NALU{Prefix: s.prefix, Start: s.start, End: zr, Header: b[s.start]}
			s.start, s.prefix = next, zr
			return n, true, true
		}
		end := trimZeros(b, s.start, lim)
		n = NALU{Prefix: s.prefix, Start: s.start, End: end, Header: b[s.start]}
		if lim == len(b) { // the last unit
			s.start, s.open = len(b), false
			if end == n.Start {
				return NALU{}, false, false // only zeros after the last start code
			}
			return n, true, true
		}
		if end == n.Start {
			// Only zeros so far: nothing is known yet, look further.
			s.open, s.known = true, end
			limit = 2 * (lim - s.start)
			continue
		}
		s.open, s.known = true, end
		return n, false, true
	}
	return NALU{}, false, false
}

// findStartCode finds the first 0x000001 whose zeros begin at or after from.
// It returns the offset where the run of zero bytes before the 0x01 begins
// (not before from) and the offset just past the 0x01, or next == -1.
//
// A start code begins with two zero bytes, which inside a NAL unit appear
// only as the rare 0x000003 of emulation prevention, so it looks for pairs
// of zero bytes (indexZeroPair) and checks what follows each run of zeros.
func findStartCode(b []byte, from int) (zeroRun, next int) {
	i := from
	for i+2 < len(b) {
		j := indexZeroPair(b[i:])
		if j < 0 {
			return -1, -1
		}
		z := i + j // b[z] == b[z+1] == 0, and b[z-1] != 0 if z > from
		k := z + 2
		for k < len(b) && b[k] == 0 {
			k++
		}
		if k == len(b) {
			return -1, -1
		}
		if b[k] == 1 {
			return z, k + 1
		}
		i = k
	}
	return -1, -1
}

// indexZeroPair returns the first i with b[i] == 0 and b[i+1] == 0, or -1.
// Pairs of zeros are rare in coded video (one in ~65 000 positions of
// random-looking data, against one 0x01 byte in 256), so on amd64 and
// arm64 a SIMD loop passes over 64 bytes per branch (zeropair_amd64.s,
// zeropair_arm64.s) and the block it stops at is searched byte by byte;
// elsewhere, zero bytes are found with the vectorised bytes.IndexByte.
func indexZeroPair(b []byte) int {
	i := 0
	if haveZeroPairBlock && len(b) > 64 {
		m := (len(b) - 1) &^ 63 // whole blocks, with b[m] readable
		i = zeroPairBlock(&b[0], m)
		if i < m {
			for k := i; ; k++ {
				if b[k] == 0 && b[k+1] == 0 {
					return k
				}
			}
		}
	}
	for i+1 < len(b) {
		j := bytes.IndexByte(b[i:len(b)-1], 0)
		if j < 0 {
			return -1
		}
		i += j
		if b[i+1] == 0 {
			return i
		}
		i += 2 // b[i+1] is not zero, so no pair starts there
	}
	return -1
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
