// Package visca drives Sony-VISCA pan-tilt-zoom cameras (Sony EVI, PTZOptics
// and compatibles) over RS-232/RS-422 serial lines or VISCA over IP, and
// implements hw.PTZ on them with position inquiries as feedback.
package visca

// VISCA message framing (Sony EVI-D70 / EVI-H100S technical manuals, "VISCA
// command list"): a message is a header byte, 1–14 payload bytes and the
// terminator 0xFF. A command from the controller (address 0) to camera a
// (1–7) starts with 0x80|a, a broadcast with 0x88; a reply from camera a
// starts with (a+8)<<4, so camera 1 answers 0x90.

const (
	terminator = 0xFF
	// MaxMessage is the longest VISCA message (header, 14 bytes, 0xFF).
	MaxMessage = 16
)

func header(addr uint8) byte { return 0x80 | addr&0x07 }

// nibbles4 appends v as four bytes 0p 0q 0r 0s, most significant first
// (the VISCA encoding of 16-bit positions).
func nibbles4(dst []byte, v uint16) []byte {
	return append(dst, byte(v>>12)&0x0F, byte(v>>8)&0x0F, byte(v>>4)&0x0F, byte(v)&0x0F)
}

// decodeNibbles returns the value of bytes 0p 0q … (each at most 0x0F).
func decodeNibbles(b []byte) (uint32, bool) {
	var v uint32
	for _, x := range b {
		if x > 0x0F {
			return 0, false
		}
		v = v<<4 | uint32(x)
	}
	return v, true
}

// Speed limits of Pan-tiltDrive (VV pan 0x01–0x18, WW tilt 0x01–0x17).
const (
	MaxPanSpeed  = 0x18
	MaxTiltSpeed = 0x17
)

func clampSpeed(v, hi uint8) uint8 { return max(1, min(hi, v)) }

// PanTiltAbsolute is Pan-tiltDrive AbsolutePosition:
// 8x 01 06 02 VV WW 0Y 0Y 0Y 0Y 0Z 0Z 0Z 0Z FF, Y pan and Z tilt in
// signed 16-bit camera units.
func PanTiltAbsolute(addr, panSpeed, tiltSpeed uint8, pan, tilt int16) []byte {
	b := []byte{header(addr), 0x01, 0x06, 0x02, clampSpeed(panSpeed, MaxPanSpeed), clampSpeed(tiltSpeed, MaxTiltSpeed)}
	b = nibbles4(b, uint16(pan))
	b = nibbles4(b, uint16(tilt))
	return append(b, terminator)
}

// PanTiltRelative is Pan-tiltDrive RelativePosition:
// 8x 01 06 03 VV WW 0Y 0Y 0Y 0Y 0Z 0Z 0Z 0Z FF.
func PanTiltRelative(addr, panSpeed, tiltSpeed uint8, pan, tilt int16) []byte {
	b := PanTiltAbsolute(addr, panSpeed, tiltSpeed, pan, tilt)
	b[3] = 0x03
	return b
}

// PanTiltStop is Pan-tiltDrive Stop: 8x 01 06 01 VV WW 03 03 FF.
func PanTiltStop(addr, panSpeed, tiltSpeed uint8) []byte {
	return []byte{header(addr), 0x01, 0x06, 0x01, clampSpeed(panSpeed, MaxPanSpeed), clampSpeed(tiltSpeed, MaxTiltSpeed), 0x03, 0x03, terminator}
}

// PanTiltHome is Pan-tiltDrive Home: 8x 01 06 04 FF.
func PanTiltHome(addr uint8) []byte { return []byte{header(addr), 0x01, 0x06, 0x04, terminator} }

// ZoomDirect is CAM_Zoom Direct: 8x 01 04 47 0p 0q 0r 0s FF.
func ZoomDirect(addr uint8, pos uint16) []byte {
	b := nibbles4([]byte{header(addr), 0x01, 0x04, 0x47}, pos)
	return append(b, terminator)
}

// ZoomStop is CAM_Zoom Stop: 8x 01 04 07 00 FF.
func ZoomStop(addr uint8) []byte { return []byte{header(addr), 0x01, 0x04, 0x07, 0x00, terminator} }

// Memory operations of CAM_Memory (8x 01 04 3F 0p pp FF).
const (
	MemoryReset  = 0x00
	MemorySet    = 0x01
	MemoryRecall = 0x02
)

// MaxMemory is the highest preset number (pp) CAM_Memory takes; many
// cameras store fewer (Sony EVI: 0–5, PTZOptics: 0–127 and up).
const MaxMemory = 0x7F

// Memory is CAM_Memory: 8x 01 04 3F 0p pp FF with op MemoryReset,
// MemorySet or MemoryRecall and preset number n.
func Memory(addr, op, n uint8) []byte {
	return []byte{header(addr), 0x01, 0x04, 0x3F, op & 0x0F, n & 0x7F, terminator}
}

// Cancel is the Cancel command for a socket: 8x 2p FF.
func Cancel(addr, socket uint8) []byte { return []byte{header(addr), 0x20 | socket&0x0F, terminator} }

// IfClear is the broadcast IF_Clear: 88 01 00 01 FF.
func IfClear() []byte { return []byte{0x88, 0x01, 0x00, 0x01, terminator} }

// PanTiltPosInq asks for the pan-tilt position: 8x 09 06 12 FF; the reply
// is y0 50 0w 0w 0w 0w 0z 0z 0z 0z FF.
func PanTiltPosInq(addr uint8) []byte { return []byte{header(addr), 0x09, 0x06, 0x12, terminator} }

// ZoomPosInq asks for the zoom position: 8x 09 04 47 FF; the reply is
// y0 50 0p 0q 0r 0s FF.
func ZoomPosInq(addr uint8) []byte { return []byte{header(addr), 0x09, 0x04, 0x47, terminator} }

// IsInquiry reports whether msg is an inquiry (second byte 0x09), which
// VISCA over IP sends with payload type 0x0110.
func IsInquiry(msg []byte) bool { return len(msg) > 1 && msg[1] == 0x09 }

// ReplyKind is the type of a reply.
type ReplyKind uint8

// Reply kinds: y0 4z FF, y0 5z … FF, y0 6z ee FF.
const (
	ReplyAck ReplyKind = 1 + iota
	ReplyCompletion
	ReplyError
)

func (k ReplyKind) String() string {
	switch k {
	case ReplyAck:
		return "ack"
	case ReplyCompletion:
		return "completion"
	case ReplyError:
		return "error"
	}
	return "?"
}

// Reply is a parsed camera reply.
type Reply struct {
	// Addr is the replying camera's address (1–7).
	Addr uint8
	Kind ReplyKind
	// Socket is z: the command buffer an ACK, completion or error is for;
	// 0 for inquiry replies and for errors about a message not accepted.
	Socket uint8
	// Data is the payload of an inquiry reply (between 5z and FF), a
	// sub-slice of the parsed bytes; empty for plain completions.
	Data []byte
	// Err is the camera's error (ReplyError): one of the Err sentinels.
	Err error
}

// ParseReply parses one reply message b, terminator included. It reads
// nothing outside b and never panics.
func ParseReply(b []byte) (Reply, error) {
	if len(b) < 3 {
		return Reply{}, badReply("%d bytes", len(b))
	}
	if len(b) > MaxMessage {
		return Reply{}, badReply("%d bytes, longer than %d", len(b), MaxMessage)
	}
	if b[len(b)-1] != terminator {
		return Reply{}, badReply("no terminator")
	}
	h := b[0]
	if h&0x8F != 0x80 || h < 0x90 {
		return Reply{}, badReply("header 0x%02x", h)
	}
	r := Reply{Addr: h>>4 - 8, Socket: b[1] & 0x0F}
	body := b[2 : len(b)-1]
	for _, x := range body {
		if x == terminator {
			return Reply{}, badReply("terminator inside message")
		}
	}
	switch b[1] >> 4 {
	case 0x4:
		r.Kind = ReplyAck
		if len(body) != 0 {
			return Reply{}, badReply("ack with %d data bytes", len(body))
		}
	case 0x5:
		r.Kind = ReplyCompletion
		if len(body) > 0 {
			r.Data = body
		}
	case 0x6:
		r.Kind = ReplyError
		if len(body) != 1 {
			return Reply{}, badReply("error with %d code bytes", len(body))
		}
		r.Err = errorForCode(body[0])
	default:
		return Reply{}, badReply("type 0x%02x", b[1])
	}
	return r, nil
}

// PanTiltPosition decodes the Data of a PanTiltPosInq reply into signed
// pan and tilt camera units.
func PanTiltPosition(data []byte) (pan, tilt int16, err error) {
	if len(data) != 8 {
		return 0, 0, badReply("pan-tilt position with %d bytes", len(data))
	}
	p, ok1 := decodeNibbles(data[:4])
	t, ok2 := decodeNibbles(data[4:])
	if !ok1 || !ok2 {
		return 0, 0, badReply("pan-tilt position % x", data)
	}
	return int16(uint16(p)), int16(uint16(t)), nil
}

// ZoomPosition decodes the Data of a ZoomPosInq reply.
func ZoomPosition(data []byte) (uint16, error) {
	if len(data) != 4 {
		return 0, badReply("zoom position with %d bytes", len(data))
	}
	z, ok := decodeNibbles(data)
	if !ok {
		return 0, badReply("zoom position % x", data)
	}
	return uint16(z), nil
}
