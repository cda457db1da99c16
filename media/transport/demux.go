package transport

// Class is the protocol of a datagram on the shared media socket.
type Class uint8

// The classes of RFC 7983 §7.
const (
	ClassUnknown Class = iota // drop
	ClassSTUN                 // [0..3]
	ClassZRTP                 // [16..19]
	ClassDTLS                 // [20..63]
	ClassTURN                 // [64..79] TURN ChannelData
	ClassRTP                  // [128..191], RTP
	ClassRTCP                 // [128..191], RTCP by payload type (RFC 5761 §4)
)

func (c Class) String() string {
	switch c {
	case ClassSTUN:
		return "stun"
	case ClassZRTP:
		return "zrtp"
	case ClassDTLS:
		return "dtls"
	case ClassTURN:
		return "turn-channel"
	case ClassRTP:
		return "rtp"
	case ClassRTCP:
		return "rtcp"
	}
	return "unknown"
}

// Classify tells which protocol a datagram received on the shared socket
// belongs to, from its first byte (RFC 7983 §7, updating RFC 5764 §5.1.2)
// and, for RTP and RTCP, its second (RFC 5761 §4: RTCP packet types 192–223
// fall in the range of RTP payload types 64–95 with the marker bit set, which
// RTP must not use). It only looks; it never fails or allocates.
func Classify(b []byte) Class {
	if len(b) == 0 {
		return ClassUnknown
	}
	switch c := b[0]; {
	case c <= 3:
		return ClassSTUN
	case c >= 16 && c <= 19:
		return ClassZRTP
	case c >= 20 && c <= 63:
		return ClassDTLS
	case c >= 64 && c <= 79:
		return ClassTURN
	case c >= 128 && c <= 191:
		if len(b) < 2 {
			return ClassUnknown
		}
		if pt := b[1]; pt >= 192 && pt <= 223 {
			return ClassRTCP
		}
		return ClassRTP
	}
	return ClassUnknown
}
