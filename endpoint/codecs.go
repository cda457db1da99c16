package endpoint

import (
	"github.com/cluecam/cluecam/clue/sdp"
	"github.com/cluecam/cluecam/hw"
)

// codecsFor is the SDP payload format of a pass-through video mode: H.264
// as the device encodes it, or JPEG (RFC 2435, static type 26).
func codecsFor(f hw.PixelFormat, w, h int, fps float64) []sdp.Codec {
	switch f {
	case hw.FormatH264:
		return []sdp.Codec{sdp.H264(96, "42e0"+h264Level(w, h, fps), "")}
	case hw.FormatMJPEG:
		return []sdp.Codec{sdp.JPEG()}
	}
	return nil
}

// h264Level is the smallest H.264 level (ITU-T H.264 Table A-1: frame
// size and macroblock rate) that carries the mode, as the hex level_idc of
// profile-level-id (RFC 6184 §8.1). The profile is Constrained Baseline,
// the one every decoder has; a device that encodes more is described by
// the SPS it sends in band.
func h264Level(w, h int, fps float64) string {
	mbs := ((w + 15) / 16) * ((h + 15) / 16)
	rate := float64(mbs) * fps
	levels := []struct {
		idc       string
		frame     int
		perSecond float64
	}{
		{"1e", 1620, 40500},   // 3.0
		{"1f", 3600, 108000},  // 3.1
		{"20", 5120, 216000},  // 3.2
		{"28", 8192, 245760},  // 4.0
		{"2a", 8704, 522240},  // 4.2
		{"32", 22080, 589824}, // 5.0
	}
	for _, l := range levels {
		if mbs <= l.frame && rate <= l.perSecond {
			return l.idc
		}
	}
	return "33" // 5.1
}
