package sdp

import (
	"strconv"
	"strings"
)

// Static payload types of RFC 3551 §6 that an m-line may list without an
// a=rtpmap (RFC 4566 §6: rtpmap is only mandatory for dynamic types).
var staticPT = map[uint8]Codec{
	0:  {PT: 0, Name: "PCMU", ClockRate: 8000},
	3:  {PT: 3, Name: "GSM", ClockRate: 8000},
	4:  {PT: 4, Name: "G723", ClockRate: 8000},
	8:  {PT: 8, Name: "PCMA", ClockRate: 8000},
	9:  {PT: 9, Name: "G722", ClockRate: 8000}, // 8000 although 16 kHz (RFC 3551 §4.5.2)
	10: {PT: 10, Name: "L16", ClockRate: 44100, Channels: 2},
	11: {PT: 11, Name: "L16", ClockRate: 44100, Channels: 1},
	18: {PT: 18, Name: "G729", ClockRate: 8000},
	26: {PT: 26, Name: "JPEG", ClockRate: 90000},
	31: {PT: 31, Name: "H261", ClockRate: 90000},
	32: {PT: 32, Name: "MPV", ClockRate: 90000},
	34: {PT: 34, Name: "H263", ClockRate: 90000},
}

// VideoFeedback is the RTCP feedback the box offers on video: generic NACK
// (RFC 4585 §6.2), PLI (§6.3.1), FIR and TMMBR (RFC 5104 §7.1) and REMB
// (draft-alvestrand-rmcat-remb). Keyframe requests reach the encoder;
// bitrate feedback reaches the encoder control (ARCHITECTURE "hot path").
var VideoFeedback = []FB{{"nack", ""}, {"nack", "pli"}, {"ccm", "fir"}, {"ccm", "tmmbr"}, {"goog-remb", ""}}

// H264 returns an H.264 payload format (RFC 6184) in packetization mode 1
// (non-interleaved, FU-A; §6.3) with the given profile-level-id (six hex
// digits, e.g. "42e01f") and, when known, sprop-parameter-sets (base64 SPS
// and PPS joined by ','; §8.1). The box's encoders are constrained
// baseline.
func H264(pt uint8, profileLevelID, spropParameterSets string) Codec {
	f := "profile-level-id=" + strings.ToLower(profileLevelID) + ";packetization-mode=1"
	if spropParameterSets != "" {
		f += ";sprop-parameter-sets=" + spropParameterSets
	}
	return Codec{PT: pt, Name: "H264", ClockRate: 90000, Fmtp: f, FB: cloneFB(VideoFeedback)}
}

// JPEG returns the static JPEG payload format (RFC 2435, RFC 3551 §6: PT
// 26). Every JPEG frame is a key frame, so no PLI/FIR.
func JPEG() Codec {
	return Codec{PT: 26, Name: "JPEG", ClockRate: 90000, FB: []FB{{"nack", ""}, {"ccm", "tmmbr"}, {"goog-remb", ""}}}
}

// PCMU, PCMA and G722 return the static audio payload formats of RFC 3551
// §6 (0, 8, 9).
func PCMU() Codec { return staticPT[0] }

// PCMA: see PCMU.
func PCMA() Codec { return staticPT[8] }

// G722: see PCMU. The RTP clock rate is 8000 (RFC 3551 §4.5.2).
func G722() Codec { return staticPT[9] }

// L16 returns linear 16-bit PCM (RFC 3551 §4.5.11) on a dynamic payload type.
func L16(pt uint8, rate uint32, channels uint8) Codec {
	return Codec{PT: pt, Name: "L16", ClockRate: rate, Channels: channels}
}

// DefaultVideoCodecs: H.264 constrained baseline level 3.1 on PT 96, then
// JPEG.
func DefaultVideoCodecs() []Codec { return []Codec{H264(96, "42e01f", ""), JPEG()} }

// DefaultAudioCodecs: G.722, G.711 µ-law and A-law, L16 16 kHz mono on PT 97.
func DefaultAudioCodecs() []Codec { return []Codec{G722(), PCMU(), PCMA(), L16(97, 16000, 1)} }

func cloneFB(f []FB) []FB { return append([]FB(nil), f...) }

func cloneCodecs(cs []Codec) []Codec {
	out := make([]Codec, len(cs))
	for i, c := range cs {
		out[i] = c
		out[i].FB = cloneFB(c.FB)
	}
	return out
}

// Param is one fmtp parameter. A parameter without '=' has Value "".
type Param struct{ Key, Value string }

// Params splits the codec's fmtp into parameters (';'-separated key=value,
// the RFC 4855 §3 convention; keys are case-insensitive).
func (c *Codec) Params() []Param {
	var out []Param
	for _, p := range strings.Split(c.Fmtp, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		out = append(out, Param{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	return out
}

// Param returns the value of the fmtp parameter key (case-insensitive).
func (c *Codec) Param(key string) (string, bool) {
	for _, p := range c.Params() {
		if equalFold(p.Key, key) {
			return p.Value, true
		}
	}
	return "", false
}

func (c *Codec) channels() uint8 {
	if c.Channels == 0 {
		return 1
	}
	return c.Channels
}

// sameFormat: same encoding name (case-insensitive, RFC 4855 §3), clock
// rate and channel count.
func sameFormat(a, b *Codec) bool {
	return equalFold(a.Name, b.Name) && a.ClockRate == b.ClockRate && a.channels() == b.channels()
}

// h264 is the media format configuration of RFC 6184 §8.2.2: the
// profile-level-id bytes and the packetization mode.
type h264 struct {
	profile, iop, level byte
	mode                int
	asym                bool
}

// parseH264 reads an H.264 fmtp. Absent profile-level-id means Baseline,
// level 1 ("42000a"); absent packetization-mode means 0 (RFC 6184 §8.1).
func parseH264(c *Codec) (h264, bool) {
	h := h264{profile: 0x42, iop: 0, level: 0x0a}
	for _, p := range c.Params() {
		switch strings.ToLower(p.Key) {
		case "profile-level-id":
			if len(p.Value) != 6 {
				return h, false
			}
			n, err := strconv.ParseUint(p.Value, 16, 32)
			if err != nil {
				return h, false
			}
			h.profile, h.iop, h.level = byte(n>>16), byte(n>>8), byte(n)
		case "packetization-mode":
			m, err := strconv.Atoi(p.Value)
			if err != nil || m < 0 || m > 2 {
				return h, false
			}
			h.mode = m
		case "level-asymmetry-allowed":
			h.asym = p.Value == "1"
		}
	}
	return h, true
}

// constrainedBaseline: RFC 6184 §8.1, Table 5.
func (h h264) constrainedBaseline() bool {
	return (h.profile == 66 && h.iop&0x40 != 0) || (h.profile == 77 && h.iop&0x80 != 0) ||
		(h.profile == 88 && h.iop&0xc0 == 0xc0)
}

// levelKey orders levels, placing level 1b (level_idc 11 with
// constraint_set3 for profiles 66/77/88, or level_idc 9) between 1 and 1.1
// (RFC 6184 §8.1).
func (h h264) levelKey() int {
	if h.level == 9 || (h.level == 11 && h.iop&0x10 != 0 && (h.profile == 66 || h.profile == 77 || h.profile == 88)) {
		return 105
	}
	return int(h.level) * 10
}

// profileCompatible: can a stream conforming to ours be described with the
// peer's profile (RFC 6184 §8.2.2: profile and packetization mode are used
// symmetrically, only the level may change)? A constrained-baseline
// bitstream conforms to Baseline, Main, Extended and High.
func (h h264) profileCompatible(peer h264) bool {
	if h.constrainedBaseline() {
		switch peer.profile {
		case 66, 77, 88, 100:
			return true
		}
		return false
	}
	const level1b = 0x10
	return h.profile == peer.profile && h.iop&^level1b == peer.iop&^level1b
}

// negotiateH264 returns the answer's fmtp for a peer's H.264 format or
// false when ours cannot serve it. The answer keeps the peer's profile and
// packetization mode and takes the lower level (RFC 6184 §8.2.2); when we
// send, our sprop-parameter-sets describe our stream.
func negotiateH264(ours, peer *Codec, weSend bool) (string, bool) {
	o, ok1 := parseH264(ours)
	p, ok2 := parseH264(peer)
	if !ok1 || !ok2 || o.mode != p.mode || !o.profileCompatible(p) {
		return "", false
	}
	iop, level := p.iop, p.level
	if o.levelKey() < p.levelKey() {
		level = o.level
		iop &^= 0x10
		if o.levelKey() == 105 {
			if p.profile == 66 || p.profile == 77 || p.profile == 88 {
				level, iop = 11, iop|0x10
			} else {
				level = 9
			}
		}
	}
	var b strings.Builder
	b.WriteString("profile-level-id=")
	const hexd = "0123456789abcdef"
	for _, x := range []byte{p.profile, iop, level} {
		b.WriteByte(hexd[x>>4])
		b.WriteByte(hexd[x&15])
	}
	b.WriteString(";packetization-mode=")
	b.WriteString(strconv.Itoa(p.mode))
	if o.asym && p.asym {
		b.WriteString(";level-asymmetry-allowed=1")
	}
	if weSend {
		if sp, ok := ours.Param("sprop-parameter-sets"); ok && sp != "" {
			b.WriteString(";sprop-parameter-sets=")
			b.WriteString(sp)
		}
	}
	return b.String(), true
}

// negotiateCodec returns the answer's form of the peer's codec when one of
// ours supports it: the peer's payload type (RFC 3264 §6.1: the same PT
// SHOULD be used), our name spelling, the negotiated fmtp and the rtcp-fb
// values both sides list.
func negotiateCodec(peer *Codec, ours []Codec, weSend bool) (Codec, bool) {
	for i := range ours {
		o := &ours[i]
		if !sameFormat(o, peer) {
			continue
		}
		out := Codec{PT: peer.PT, Name: o.Name, ClockRate: o.ClockRate, Channels: o.Channels}
		if equalFold(o.Name, "H264") {
			f, ok := negotiateH264(o, peer, weSend)
			if !ok {
				continue
			}
			out.Fmtp = f
		} else {
			out.Fmtp = o.Fmtp
		}
		for _, fb := range peer.FB {
			if hasFB(o.FB, fb) {
				out.FB = append(out.FB, fb)
			}
		}
		return out, true
	}
	return Codec{}, false
}

func hasFB(list []FB, f FB) bool {
	for _, x := range list {
		if equalFold(x.Type, f.Type) && equalFold(x.Param, f.Param) {
			return true
		}
	}
	return false
}

// intersectCodecs answers a peer's codec list: every peer codec we support,
// in the peer's order, each at most once per distinct format.
func intersectCodecs(peer []Codec, ours []Codec, weSend bool) []Codec {
	var out []Codec
	for i := range peer {
		if c, ok := negotiateCodec(&peer[i], ours, weSend); ok {
			out = append(out, c)
		}
	}
	return out
}
