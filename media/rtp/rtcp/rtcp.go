package rtcp

import (
	"encoding/binary"
	"math/bits"
	"time"
)

// PacketType is the RTCP packet type (RFC 3550 §12.1, RFC 4585 §6.1).
type PacketType uint8

// Packet types.
const (
	TypeSR    PacketType = 200 // sender report
	TypeRR    PacketType = 201 // receiver report
	TypeSDES  PacketType = 202 // source description
	TypeBYE   PacketType = 203 // goodbye
	TypeAPP   PacketType = 204 // application-defined
	TypeRTPFB PacketType = 205 // transport-layer feedback (RFC 4585)
	TypePSFB  PacketType = 206 // payload-specific feedback (RFC 4585)
	TypeXR    PacketType = 207 // extended report (RFC 3611)
)

// Feedback message types (FMT) of RTPFB and PSFB packets.
const (
	FmtNACK  = 1  // RTPFB generic NACK, RFC 4585 §6.2.1
	FmtTMMBR = 3  // RTPFB, RFC 5104 §4.2.1
	FmtTMMBN = 4  // RTPFB, RFC 5104 §4.2.2
	FmtPLI   = 1  // PSFB picture loss indication, RFC 4585 §6.3.1
	FmtFIR   = 4  // PSFB full intra request, RFC 5104 §4.3.1
	FmtAFB   = 15 // PSFB application layer feedback (REMB), RFC 4585 §6.4
)

// SDES item types (RFC 3550 §6.5, RFC 8849 §5.1).
const (
	SDESEnd    = 0
	SDESCNAME  = 1
	SDESCaptID = 14 // "CCID", CLUE CaptId, RFC 8849 §5.1 and §8
)

// SenderInfo is the sender information of an SR (RFC 3550 §6.4.1).
type SenderInfo struct {
	NTPTime     uint64 // wallclock time, NTP format (seconds since 1900 << 32 | fraction)
	RTPTime     uint32 // the same instant on the media clock
	PacketCount uint32
	OctetCount  uint32 // payload octets
}

// ReceptionReport is one report block of an SR or RR (RFC 3550 §6.4.1).
type ReceptionReport struct {
	SSRC         uint32 // the source reported on
	FractionLost uint8  // lost since the previous report, in 1/256
	TotalLost    int32  // cumulative, 24-bit signed (duplicates make it negative)
	HighestSeq   uint32 // extended highest sequence number received
	Jitter       uint32 // interarrival jitter, media clock ticks
	LSR          uint32 // middle 32 bits of the last SR's NTP time, 0 if none
	DLSR         uint32 // delay since that SR, 1/65536 s
}

// LossRatio returns FractionLost as a fraction in [0, 1).
func (r ReceptionReport) LossRatio() float64 { return float64(r.FractionLost) / 256 }

// JitterDuration converts Jitter to time for a stream of the given clock
// rate.
func (r ReceptionReport) JitterDuration(clockRate int) time.Duration {
	if clockRate <= 0 {
		return 0
	}
	return time.Duration(uint64(r.Jitter) * uint64(time.Second) / uint64(clockRate))
}

// RTT computes the round-trip time from a report block that arrived at
// arrival (wall clock): A - LSR - DLSR in 1/65536 s, RFC 3550 §6.4.1. ok is
// false when the block refers to no SR (LSR zero) or the result is
// negative (clock steps, bogus reports).
func (r ReceptionReport) RTT(arrival time.Time) (rtt time.Duration, ok bool) {
	if r.LSR == 0 {
		return 0, false
	}
	a := Middle32(NTPTime(arrival))
	d := int32(a - r.LSR - r.DLSR)
	if d < 0 {
		return 0, false
	}
	return time.Duration(int64(d) * int64(time.Second) >> 16), true
}

// ntpEpochOffset is the number of seconds from 1900-01-01 (NTP) to
// 1970-01-01 (Unix).
const ntpEpochOffset = 2208988800

// NTPTime converts wall-clock time to the 64-bit NTP format of RTCP.
func NTPTime(t time.Time) uint64 {
	sec := uint64(t.Unix() + ntpEpochOffset)
	frac := (uint64(t.Nanosecond()) << 32) / uint64(time.Second)
	return sec<<32 | frac
}

// NTPToTime converts an NTP timestamp back to wall-clock time (era 0,
// i.e. 1968 to 2036, then wrapping into era 1 until 2104, as RFC 5905 §6
// suggests for timestamps near the present).
func NTPToTime(n uint64) time.Time {
	sec := int64(n >> 32)
	if sec < 0x7fffffff { // after 2036-02-07: era 1
		sec += 1 << 32
	}
	nsec := int64((n & 0xffffffff) * uint64(time.Second) >> 32)
	return time.Unix(sec-ntpEpochOffset, nsec)
}

// Middle32 returns the middle 32 bits of an NTP timestamp, the LSR format.
func Middle32(ntp uint64) uint32 { return uint32(ntp >> 16) }

// DLSR converts a delay to the 1/65536 s units of the DLSR field.
func DLSR(d time.Duration) uint32 {
	if d < 0 {
		return 0
	}
	return uint32(uint64(d) << 16 / uint64(time.Second))
}

// --- building ---

// header appends a common header with the given count/format and type; the
// length is filled in by finish.
func header(dst []byte, count uint8, t PacketType) ([]byte, int) {
	return append(dst, 0x80|count&0x1f, byte(t), 0, 0), len(dst)
}

// finish writes the length field of the packet starting at start (RFC
// 3550 §6.4.1: 32-bit words minus one).
func finish(dst []byte, start int) []byte {
	binary.BigEndian.PutUint16(dst[start+2:], uint16((len(dst)-start)/4-1))
	return dst
}

func appendReports(dst []byte, reports []ReceptionReport) []byte {
	for _, r := range reports {
		dst = binary.BigEndian.AppendUint32(dst, r.SSRC)
		dst = binary.BigEndian.AppendUint32(dst, uint32(r.FractionLost)<<24|uint32(r.TotalLost)&0xffffff)
		dst = binary.BigEndian.AppendUint32(dst, r.HighestSeq)
		dst = binary.BigEndian.AppendUint32(dst, r.Jitter)
		dst = binary.BigEndian.AppendUint32(dst, r.LSR)
		dst = binary.BigEndian.AppendUint32(dst, r.DLSR)
	}
	return dst
}

// AppendSR appends a sender report (RFC 3550 §6.4.1). At most 31 report
// blocks fit in one SR; more are ignored.
func AppendSR(dst []byte, ssrc uint32, si SenderInfo, reports []ReceptionReport) []byte {
	reports = reports[:min(len(reports), 31)]
	dst, start := header(dst, uint8(len(reports)), TypeSR)
	dst = binary.BigEndian.AppendUint32(dst, ssrc)
	dst = binary.BigEndian.AppendUint64(dst, si.NTPTime)
	dst = binary.BigEndian.AppendUint32(dst, si.RTPTime)
	dst = binary.BigEndian.AppendUint32(dst, si.PacketCount)
	dst = binary.BigEndian.AppendUint32(dst, si.OctetCount)
	return finish(appendReports(dst, reports), start)
}

// AppendRR appends a receiver report (RFC 3550 §6.4.2), at most 31 blocks.
func AppendRR(dst []byte, ssrc uint32, reports []ReceptionReport) []byte {
	reports = reports[:min(len(reports), 31)]
	dst, start := header(dst, uint8(len(reports)), TypeRR)
	dst = binary.BigEndian.AppendUint32(dst, ssrc)
	return finish(appendReports(dst, reports), start)
}

// AppendSDES appends an SDES packet (RFC 3550 §6.5) with one chunk for
// ssrc: the CNAME item and, when captID is not empty, the CaptId item
// (type 14, RFC 8849 §5.1). Items longer than 255 bytes are cut.
func AppendSDES(dst []byte, ssrc uint32, cname, captID string) []byte {
	dst, start := header(dst, 1, TypeSDES)
	dst = binary.BigEndian.AppendUint32(dst, ssrc)
	dst = appendItem(dst, SDESCNAME, cname)
	if captID != "" {
		dst = appendItem(dst, SDESCaptID, captID)
	}
	// The item list ends with a null octet, then zeros to the next 32-bit
	// boundary (RFC 3550 §6.5).
	dst = append(dst, SDESEnd)
	for (len(dst)-start)%4 != 0 {
		dst = append(dst, 0)
	}
	return finish(dst, start)
}

func appendItem(dst []byte, typ uint8, text string) []byte {
	text = text[:min(len(text), 255)]
	dst = append(dst, typ, byte(len(text)))
	return append(dst, text...)
}

// AppendBYE appends a BYE packet (RFC 3550 §6.6) for ssrc with an optional
// reason (cut to 255 bytes).
func AppendBYE(dst []byte, ssrc uint32, reason string) []byte {
	dst, start := header(dst, 1, TypeBYE)
	dst = binary.BigEndian.AppendUint32(dst, ssrc)
	if reason != "" {
		reason = reason[:min(len(reason), 255)]
		dst = append(dst, byte(len(reason)))
		dst = append(dst, reason...)
		for (len(dst)-start)%4 != 0 {
			dst = append(dst, 0)
		}
	}
	return finish(dst, start)
}

// feedbackHeader appends the common header and the two SSRCs of an RTPFB
// or PSFB message (RFC 4585 §6.1).
func feedbackHeader(dst []byte, t PacketType, fmt uint8, sender, media uint32) ([]byte, int) {
	dst, start := header(dst, fmt, t)
	dst = binary.BigEndian.AppendUint32(dst, sender)
	dst = binary.BigEndian.AppendUint32(dst, media)
	return dst, start
}

// AppendPLI appends a picture loss indication (RFC 4585 §6.3.1).
func AppendPLI(dst []byte, sender, media uint32) []byte {
	dst, start := feedbackHeader(dst, TypePSFB, FmtPLI, sender, media)
	return finish(dst, start)
}

// FIREntry is one FCI entry of a FIR: the SSRC asked for a decoder refresh
// point and the request's sequence number (RFC 5104 §4.3.1).
type FIREntry struct {
	SSRC uint32
	Seq  uint8
}

// AppendFIR appends a full intra request (RFC 5104 §4.3.1); the media
// source SSRC of the common header is 0 as the RFC requires.
func AppendFIR(dst []byte, sender uint32, entries []FIREntry) []byte {
	dst, start := feedbackHeader(dst, TypePSFB, FmtFIR, sender, 0)
	for _, e := range entries {
		dst = binary.BigEndian.AppendUint32(dst, e.SSRC)
		dst = append(dst, e.Seq, 0, 0, 0)
	}
	return finish(dst, start)
}

// NACKPair is one generic NACK FCI entry: packet PID is lost, and so is
// PID+i+1 for every bit i set in BLP (RFC 4585 §6.2.1).
type NACKPair struct {
	PID, BLP uint16
}

// Lost appends the sequence numbers the pair reports lost to dst.
func (n NACKPair) Lost(dst []uint16) []uint16 {
	dst = append(dst, n.PID)
	for i := 0; i < 16; i++ {
		if n.BLP&(1<<i) != 0 {
			dst = append(dst, n.PID+uint16(i)+1)
		}
	}
	return dst
}

// AppendNACK appends a generic NACK (RFC 4585 §6.2.1).
func AppendNACK(dst []byte, sender, media uint32, pairs []NACKPair) []byte {
	dst, start := feedbackHeader(dst, TypeRTPFB, FmtNACK, sender, media)
	for _, p := range pairs {
		dst = binary.BigEndian.AppendUint16(dst, p.PID)
		dst = binary.BigEndian.AppendUint16(dst, p.BLP)
	}
	return finish(dst, start)
}

// TMMBEntry is one FCI entry of a TMMBR or TMMBN (RFC 5104 §4.2.1.1): the
// maximum total media bit rate for SSRC in bit/s and the measured
// per-packet overhead in bytes.
type TMMBEntry struct {
	SSRC     uint32
	Bitrate  uint64
	Overhead uint16 // 9 bits
}

// AppendTMMBR appends a temporary maximum media bit rate request (RFC 5104
// §4.2.1); the media source SSRC is 0.
func AppendTMMBR(dst []byte, sender uint32, entries []TMMBEntry) []byte {
	return appendTMMB(dst, FmtTMMBR, sender, entries)
}

// AppendTMMBN appends the notification a media sender returns for a TMMBR
// (RFC 5104 §4.2.2), listing the bounding set.
func AppendTMMBN(dst []byte, sender uint32, entries []TMMBEntry) []byte {
	return appendTMMB(dst, FmtTMMBN, sender, entries)
}

func appendTMMB(dst []byte, f uint8, sender uint32, entries []TMMBEntry) []byte {
	dst, start := feedbackHeader(dst, TypeRTPFB, f, sender, 0)
	for _, e := range entries {
		exp, mant := expMantissa(e.Bitrate, 17)
		dst = binary.BigEndian.AppendUint32(dst, e.SSRC)
		dst = binary.BigEndian.AppendUint32(dst, uint32(exp)<<26|mant<<9|uint32(e.Overhead)&0x1ff)
	}
	return finish(dst, start)
}

// expMantissa splits v into a 6-bit exponent and a mantissa of mbits bits,
// rounding down (a maximum bit rate must not be exceeded).
func expMantissa(v uint64, mbits uint) (exp uint8, mant uint32) {
	n := uint(bits.Len64(v))
	if n > mbits {
		exp = uint8(min(n-mbits, 63))
	}
	return exp, uint32(min(v>>exp, 1<<mbits-1))
}

// AppendREMB appends a receiver estimated maximum bitrate message
// (draft-alvestrand-rmcat-remb-03 §2.2): a PSFB with FMT 15, media source
// 0, "REMB", the SSRCs it applies to (at most 255) and the bit rate.
func AppendREMB(dst []byte, sender uint32, bitrate uint64, ssrcs []uint32) []byte {
	ssrcs = ssrcs[:min(len(ssrcs), 255)]
	dst, start := feedbackHeader(dst, TypePSFB, FmtAFB, sender, 0)
	exp, mant := expMantissa(bitrate, 18)
	dst = append(dst, 'R', 'E', 'M', 'B')
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(ssrcs))<<24|uint32(exp)<<18|mant)
	for _, s := range ssrcs {
		dst = binary.BigEndian.AppendUint32(dst, s)
	}
	return finish(dst, start)
}
