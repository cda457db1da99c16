package codec

import (
	"encoding/base64"
	"fmt"
)

// SPS holds what cluecam needs from an H.264 sequence parameter set
// (ITU-T H.264 §7.3.2.1.1): the bytes of profile-level-id, the picture size
// after cropping, and the frame rate when the VUI gives one.
type SPS struct {
	ProfileIDC uint8
	// Constraints is the byte after profile_idc: constraint_set0..5_flag and
	// reserved_zero_2bits, the "profile-iop" of RFC 6184 §8.1.
	Constraints uint8
	LevelIDC    uint8
	ID          uint32 // seq_parameter_set_id

	ChromaFormatIDC uint32 // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
	BitDepthLuma    uint32
	BitDepthChroma  uint32
	Log2MaxFrameNum uint32
	PicOrderCntType uint32
	MaxNumRefFrames uint32
	FrameMBsOnly    bool

	// CodedWidth and CodedHeight are the decoded size in whole macroblocks;
	// Width and Height the displayed size after the frame cropping.
	CodedWidth, CodedHeight int
	Width, Height           int
	// CropLeft, CropRight, CropTop, CropBottom are in luma samples.
	CropLeft, CropRight, CropTop, CropBottom int

	// SARWidth and SARHeight are the sample aspect ratio (1:1 when the VUI
	// says nothing or "unspecified").
	SARWidth, SARHeight uint32
	// NumUnitsInTick and TimeScale come from the VUI timing info (0 when
	// absent); see FrameRate.
	NumUnitsInTick, TimeScale uint32
	FixedFrameRate            bool
}

// Table E-1: sample aspect ratios for aspect_ratio_idc 1..16.
var sarTable = [17][2]uint32{{0, 0}, {1, 1}, {12, 11}, {10, 11}, {16, 11}, {40, 33}, {24, 11}, {20, 11},
	{32, 11}, {80, 33}, {18, 11}, {15, 11}, {64, 33}, {160, 99}, {4, 3}, {3, 2}, {2, 1}}

// highProfile reports the profiles whose SPS carries chroma_format_idc and
// the bit depths (§7.3.2.1.1).
func highProfile(p uint8) bool {
	switch p {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		return true
	}
	return false
}

// Limits that keep arithmetic in range; well above anything H.264 levels
// allow (level 6.2: 139264 macroblocks per frame).
const maxMBs = 1 << 12 // per dimension

// ParseSPS parses an SPS NAL unit: the header byte followed by the escaped
// payload, as an AnnexBScanner or ParameterSets returns it. It allocates
// nothing. A VUI that ends early is not an error: the fields it did not
// reach stay zero.
func ParseSPS(nal []byte) (SPS, error) {
	var s SPS
	if len(nal) < 1 || TypeOf(nal[0]) != NALSPS || ForbiddenBit(nal[0]) {
		return s, ErrNotSPS
	}
	r := newBitReader(nal[1:])
	s.ProfileIDC = uint8(r.u(8))
	s.Constraints = uint8(r.u(8))
	s.LevelIDC = uint8(r.u(8))
	s.ID = r.ue()
	if s.ID > 31 {
		return s, fmt.Errorf("codec: sps: seq_parameter_set_id %d: %w", s.ID, ErrInvalid)
	}
	s.ChromaFormatIDC = 1
	s.BitDepthLuma, s.BitDepthChroma = 8, 8
	separateColourPlane := false
	if highProfile(s.ProfileIDC) {
		s.ChromaFormatIDC = r.ue()
		if s.ChromaFormatIDC > 3 {
			return s, fmt.Errorf("codec: sps: chroma_format_idc %d: %w", s.ChromaFormatIDC, ErrInvalid)
		}
		if s.ChromaFormatIDC == 3 {
			separateColourPlane = r.flag()
		}
		s.BitDepthLuma = 8 + r.ue()
		s.BitDepthChroma = 8 + r.ue()
		if s.BitDepthLuma > 14 || s.BitDepthChroma > 14 {
			return s, fmt.Errorf("codec: sps: bit depth %d/%d: %w", s.BitDepthLuma, s.BitDepthChroma, ErrInvalid)
		}
		r.flag()      // qpprime_y_zero_transform_bypass_flag
		if r.flag() { // seq_scaling_matrix_present_flag
			lists := 8
			if s.ChromaFormatIDC == 3 {
				lists = 12
			}
			for i := 0; i < lists; i++ {
				if r.flag() { // seq_scaling_list_present_flag[i]
					size := 16
					if i >= 6 {
						size = 64
					}
					if err := skipScalingList(&r, size); err != nil {
						return s, err
					}
				}
			}
		}
	}
	s.Log2MaxFrameNum = r.ue() + 4
	if s.Log2MaxFrameNum > 16 {
		return s, fmt.Errorf("codec: sps: log2_max_frame_num %d: %w", s.Log2MaxFrameNum, ErrInvalid)
	}
	s.PicOrderCntType = r.ue()
	switch s.PicOrderCntType {
	case 0:
		if v := r.ue(); v > 12 { // log2_max_pic_order_cnt_lsb_minus4
			return s, fmt.Errorf("codec: sps: log2_max_pic_order_cnt_lsb_minus4 %d: %w", v, ErrInvalid)
		}
	case 1:
		r.flag() // delta_pic_order_always_zero_flag
		r.se()   // offset_for_non_ref_pic
		r.se()   // offset_for_top_to_bottom_field
		n := r.ue()
		if n > 255 {
			return s, fmt.Errorf("codec: sps: num_ref_frames_in_pic_order_cnt_cycle %d: %w", n, ErrInvalid)
		}
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.se() // offset_for_ref_frame[i]
		}
	case 2:
	default:
		return s, fmt.Errorf("codec: sps: pic_order_cnt_type %d: %w", s.PicOrderCntType, ErrInvalid)
	}
	s.MaxNumRefFrames = r.ue()
	r.flag() // gaps_in_frame_num_value_allowed_flag
	wMBs := uint64(r.ue()) + 1
	hMapUnits := uint64(r.ue()) + 1
	s.FrameMBsOnly = r.flag()
	if !s.FrameMBsOnly {
		r.flag() // mb_adaptive_frame_field_flag
	}
	r.flag() // direct_8x8_inference_flag
	var crop [4]uint64
	if r.flag() { // frame_cropping_flag
		for i := range crop {
			crop[i] = uint64(r.ue())
		}
	}
	if r.err != nil {
		return s, fmt.Errorf("codec: sps: %w", r.err)
	}
	fieldFactor := uint64(1)
	if !s.FrameMBsOnly {
		fieldFactor = 2
	}
	hMBs := hMapUnits * fieldFactor
	if wMBs > maxMBs || hMBs > maxMBs {
		return s, fmt.Errorf("codec: sps: %dx%d macroblocks: %w", wMBs, hMBs, ErrInvalid)
	}
	// §7.4.2.1.1, frame_crop_*_offset: CropUnitX/Y from ChromaArrayType.
	cropX, cropY := uint64(1), fieldFactor
	chromaArrayType := s.ChromaFormatIDC
	if separateColourPlane {
		chromaArrayType = 0
	}
	switch chromaArrayType {
	case 1:
		cropX, cropY = 2, 2*fieldFactor
	case 2:
		cropX, cropY = 2, fieldFactor
	}
	s.CodedWidth, s.CodedHeight = int(wMBs*16), int(hMBs*16)
	cl, cr, ct, cb := crop[0]*cropX, crop[1]*cropX, crop[2]*cropY, crop[3]*cropY
	if cl+cr >= wMBs*16 || ct+cb >= hMBs*16 {
		return s, fmt.Errorf("codec: sps: cropping %d+%d, %d+%d of %dx%d: %w", cl, cr, ct, cb, s.CodedWidth, s.CodedHeight, ErrInvalid)
	}
	s.CropLeft, s.CropRight, s.CropTop, s.CropBottom = int(cl), int(cr), int(ct), int(cb)
	s.Width = s.CodedWidth - int(cl+cr)
	s.Height = s.CodedHeight - int(ct+cb)
	s.SARWidth, s.SARHeight = 1, 1
	if r.flag() { // vui_parameters_present_flag
		parseVUI(&r, &s)
	}
	return s, nil
}

// skipScalingList reads scaling_list() (§7.3.2.1.1.1) without keeping it.
func skipScalingList(r *bitReader, size int) error {
	last, next := int32(8), int32(8)
	for j := 0; j < size; j++ {
		if next != 0 {
			d := r.se()
			if d < -128 || d > 127 {
				return fmt.Errorf("codec: sps: delta_scale %d: %w", d, ErrInvalid)
			}
			next = (last + d + 256) % 256
		}
		if next != 0 {
			last = next
		}
	}
	if r.err != nil {
		return fmt.Errorf("codec: sps: scaling list: %w", r.err)
	}
	return nil
}

// parseVUI reads vui_parameters() (Annex E.1.1) up to the timing info.
// Fields after a truncation stay at their defaults.
func parseVUI(r *bitReader, s *SPS) {
	if r.flag() { // aspect_ratio_info_present_flag
		idc := r.u(8)
		var w, h uint32
		if idc == 255 { // Extended_SAR
			w, h = r.u(16), r.u(16)
		} else if idc < uint32(len(sarTable)) {
			w, h = sarTable[idc][0], sarTable[idc][1]
		}
		if r.err == nil && w > 0 && h > 0 {
			s.SARWidth, s.SARHeight = w, h
		}
	}
	if r.flag() { // overscan_info_present_flag
		r.flag() // overscan_appropriate_flag
	}
	if r.flag() { // video_signal_type_present_flag
		r.u(3)        // video_format
		r.flag()      // video_full_range_flag
		if r.flag() { // colour_description_present_flag
			r.u(24) // colour_primaries, transfer_characteristics, matrix_coefficients
		}
	}
	if r.flag() { // chroma_loc_info_present_flag
		r.ue()
		r.ue()
	}
	if r.flag() { // timing_info_present_flag
		n, t := r.u(32), r.u(32)
		fixed := r.flag()
		if r.err == nil {
			s.NumUnitsInTick, s.TimeScale, s.FixedFrameRate = n, t, fixed
		}
	}
}

// FrameRate returns the frame rate the VUI timing info gives, as a
// fraction: time_scale / (2 × num_units_in_tick) (Annex E.2.1, a frame is
// two field ticks). ok is false without timing info.
func (s *SPS) FrameRate() (num, den uint32, ok bool) {
	if s.NumUnitsInTick == 0 || s.TimeScale == 0 {
		return 0, 0, false
	}
	n, d := uint64(s.TimeScale), 2*uint64(s.NumUnitsInTick)
	g := gcd(n, d)
	n, d = n/g, d/g
	if d > 1<<32-1 {
		return 0, 0, false
	}
	return uint32(n), uint32(d), true
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

const hexDigits = "0123456789abcdef"

// AppendProfileLevelID appends the RFC 6184 §8.1 profile-level-id, the
// three bytes profile_idc, profile-iop and level_idc in lowercase hex
// ("42c01e"), to dst.
func (s *SPS) AppendProfileLevelID(dst []byte) []byte {
	for _, b := range [3]byte{s.ProfileIDC, s.Constraints, s.LevelIDC} {
		dst = append(dst, hexDigits[b>>4], hexDigits[b&15])
	}
	return dst
}

// ProfileLevelID returns the RFC 6184 profile-level-id, e.g. "42c01e".
func (s *SPS) ProfileLevelID() string {
	var b [6]byte
	return string(s.AppendProfileLevelID(b[:0]))
}

// ProfileName names the profile the way ffprobe does ("Constrained
// Baseline", "Main", "High"), from profile_idc and the constraint flags.
func (s *SPS) ProfileName() string {
	set1 := s.Constraints&0x40 != 0
	set3 := s.Constraints&0x10 != 0
	switch s.ProfileIDC {
	case 66:
		if set1 {
			return "Constrained Baseline"
		}
		return "Baseline"
	case 77:
		return "Main"
	case 88:
		return "Extended"
	case 100:
		return "High"
	case 110:
		if set3 {
			return "High 10 Intra"
		}
		return "High 10"
	case 122:
		if set3 {
			return "High 4:2:2 Intra"
		}
		return "High 4:2:2"
	case 244:
		if set3 {
			return "High 4:4:4 Intra"
		}
		return "High 4:4:4 Predictive"
	case 44:
		return "CAVLC 4:4:4"
	}
	return fmt.Sprintf("profile %d", s.ProfileIDC)
}

// AppendSpropParameterSets appends the RFC 6184 §8.1 sprop-parameter-sets
// value for the given NAL units (normally the SPS then the PPS, each from
// its header byte on, escaped as in the stream): their base64 encodings
// separated by commas.
func AppendSpropParameterSets(dst []byte, nals ...[]byte) []byte {
	for i, n := range nals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = base64.StdEncoding.AppendEncode(dst, n)
	}
	return dst
}

// SpropParameterSets returns the sprop-parameter-sets value for nals.
func SpropParameterSets(nals ...[]byte) string {
	return string(AppendSpropParameterSets(nil, nals...))
}
