// Package rtp turns captured frames into RTP packets on the hot path, and
// builds and reads the RTCP that goes with them (subpackage rtcp).
//
// # Zero copy
//
// A frame is a borrowed slice of the driver's buffer. Packetizers never copy
// its bytes: a Packet describes an RTP packet as its header (written into a
// pooled buffer, with Headroom before it) followed by payload segments, each
// either a sub-slice of the frame or bytes the packetizer generated (payload
// headers: FU-A indicator and header, STAP-A sizes, RTP/JPEG headers,
// encoded audio), which sit in the packet's own buffer exactly where they
// belong in the finished packet. The one copy of frame bytes is the write
// of the packet into its buffer: SRTP sealing does it fused with the
// encryption (media/srtp), the plain path (--insecure-rtp, tests) with
// Packet.Assemble.
//
// # Streams
//
// A Stream is one RTP stream (one SSRC): payload type, sequence numbers and
// timestamps from random starts, the CaptId header extension of RFC 8849
// §5.2 on every packet, packet and octet counts, and the NTP/RTP mapping of
// its sender reports. Packetizers (H264Packetizer, JPEGPacketizer,
// AudioPacketizer) write headers through their Stream.
//
// Steady state allocates nothing: packets come from a bounded Pool,
// packetizers keep their state in fixed fields, and every hot function has
// a benchmark and an AllocsPerRun test.
package rtp
