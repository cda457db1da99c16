package codec

import "strconv"

// NALType is nal_unit_type, the low five bits of the H.264 NAL unit header
// (ITU-T H.264 §7.4.1, Table 7-1), extended with the RTP payload types of
// RFC 6184 §5.2.
type NALType uint8

// NAL unit types.
const (
	NALSlice         NALType = 1  // coded slice of a non-IDR picture
	NALSliceA        NALType = 2  // slice data partition A
	NALSliceB        NALType = 3  // slice data partition B
	NALSliceC        NALType = 4  // slice data partition C
	NALIDR           NALType = 5  // coded slice of an IDR picture
	NALSEI           NALType = 6  // supplemental enhancement information
	NALSPS           NALType = 7  // sequence parameter set
	NALPPS           NALType = 8  // picture parameter set
	NALAUD           NALType = 9  // access unit delimiter
	NALEndOfSequence NALType = 10 // end of sequence
	NALEndOfStream   NALType = 11 // end of stream
	NALFiller        NALType = 12 // filler data
	NALSPSExt        NALType = 13 // sequence parameter set extension
	NALPrefix        NALType = 14 // prefix NAL unit (SVC)
	NALSubsetSPS     NALType = 15 // subset sequence parameter set
	NALAuxSlice      NALType = 19 // coded slice of an auxiliary picture
	NALSliceExt      NALType = 20 // coded slice extension (SVC/MVC)
	NALSTAPA         NALType = 24 // RFC 6184 single-time aggregation packet A
	NALFUA           NALType = 28 // RFC 6184 fragmentation unit A
)

var nalNames = map[NALType]string{
	NALSlice: "slice", NALSliceA: "slice-A", NALSliceB: "slice-B", NALSliceC: "slice-C", NALIDR: "IDR",
	NALSEI: "SEI", NALSPS: "SPS", NALPPS: "PPS", NALAUD: "AUD", NALEndOfSequence: "end-of-seq",
	NALEndOfStream: "end-of-stream", NALFiller: "filler", NALSPSExt: "SPS-ext", NALPrefix: "prefix",
	NALSubsetSPS: "subset-SPS", NALAuxSlice: "aux-slice", NALSliceExt: "slice-ext", NALSTAPA: "STAP-A", NALFUA: "FU-A",
}

func (t NALType) String() string {
	if s, ok := nalNames[t]; ok {
		return s
	}
	return "NAL(" + strconv.Itoa(int(t)) + ")"
}

// IsVCL reports whether the type carries coded picture data (types 1–5,
// §7.4.1.2.3 "VCL NAL units").
func (t NALType) IsVCL() bool { return t >= NALSlice && t <= NALIDR }

// TypeOf returns nal_unit_type of a NAL unit header byte.
func TypeOf(header byte) NALType { return NALType(header & 0x1f) }

// RefIDC returns nal_ref_idc (0–3) of a NAL unit header byte.
func RefIDC(header byte) uint8 { return header >> 5 & 3 }

// ForbiddenBit reports whether forbidden_zero_bit is set (an error).
func ForbiddenBit(header byte) bool { return header&0x80 != 0 }
