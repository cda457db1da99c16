package pipeline

import (
	"fmt"
	"io"
	"net"

	"github.com/cluecam/cluecam/media/srtp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// batchConn is ipv4.PacketConn or ipv6.PacketConn (their Message types are
// both socket.Message).
type batchConn interface {
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// Sealer protects the packets of one call: an SRTP send stream
// ([SRTPSealer]) or plain RTP ([PlainRTP]).
type Sealer interface {
	// SealRTP appends the wire form of the RTP packet hdr ‖ payload to dst
	// and returns the extended slice (SRTP: header ‖ E(payload) ‖ tag;
	// plain RTP: a copy), where the payload is the concatenation of segs:
	// generated packetization headers and fragments borrowed from the
	// frame. Each segment is read once, straight into the packet. dst has
	// room for Overhead() bytes beyond the packet; SealRTP must not
	// allocate.
	SealRTP(dst, hdr []byte, segs [][]byte) ([]byte, error)
	// SealRTCP appends the wire form of the compound RTCP packet pkt.
	SealRTCP(dst, pkt []byte) ([]byte, error)
	// Overhead is how many bytes SealRTP adds to a packet.
	Overhead() int
}

// Sink is one receiver of a stream (one call): its Sealer, its
// destination and its batched send. WriteBatch and WriteRTCP are called
// from the sink's sender goroutine and from Run respectively.
type Sink interface {
	Sealer
	// WriteBatch sends the sealed packets in order as one batch and
	// returns how many were sent.
	WriteBatch(pkts [][]byte) (int, error)
	// WriteRTCP sends one sealed RTCP packet.
	WriteRTCP(pkt []byte) error
}

// SRTPSealer seals with an SRTP send stream; the stream's SSRC must be the
// pipeline's.
type SRTPSealer struct {
	Stream  *srtp.SendStream
	Profile srtp.Profile
}

// SealRTP implements Sealer.
func (s SRTPSealer) SealRTP(dst, hdr []byte, segs [][]byte) ([]byte, error) {
	return s.Stream.SealRTPSegments(dst, hdr, segs)
}

// SealRTCP implements Sealer.
func (s SRTPSealer) SealRTCP(dst, pkt []byte) ([]byte, error) { return s.Stream.SealRTCP(dst, pkt) }

// Overhead implements Sealer.
func (s SRTPSealer) Overhead() int { return max(s.Profile.RTPOverhead(), s.Profile.RTCPOverhead()) }

// PlainRTP is the Sealer of unprotected RTP (--insecure-rtp and tests):
// it copies the packet.
type PlainRTP struct{}

// SealRTP implements Sealer.
func (PlainRTP) SealRTP(dst, hdr []byte, segs [][]byte) ([]byte, error) {
	dst = append(dst, hdr...)
	for _, seg := range segs {
		dst = append(dst, seg...)
	}
	return dst, nil
}

// SealRTCP implements Sealer.
func (PlainRTP) SealRTCP(dst, pkt []byte) ([]byte, error) { return append(dst, pkt...), nil }

// Overhead implements Sealer.
func (PlainRTP) Overhead() int { return 0 }

// UDPSink sends to a plain UDP destination (RTP to Dst, RTCP to DstRTCP)
// from a UDP socket, in batches of up to BatchSize datagrams per sendmmsg.
type UDPSink struct {
	Sealer
	pc        batchConn
	conn      *net.UDPConn
	dst, rtcp *net.UDPAddr
	msgs      []ipv4.Message
	bufs      [][1][]byte
}

// BatchSize is the most datagrams one WriteBatch system call sends.
const BatchSize = 64

// NewUDPSink returns a sink sealing with s and sending from conn to dst
// (RTP) and rtcpDst (RTCP; nil means dst, RTP/RTCP multiplexing).
func NewUDPSink(conn *net.UDPConn, dst, rtcpDst *net.UDPAddr, s Sealer) (*UDPSink, error) {
	if conn == nil || dst == nil || s == nil {
		return nil, fmt.Errorf("pipeline: udp sink needs a socket, a destination and a sealer")
	}
	if rtcpDst == nil {
		rtcpDst = dst
	}
	var pc batchConn = ipv4.NewPacketConn(conn)
	if dst.IP.To4() == nil {
		pc = ipv6.NewPacketConn(conn)
	}
	u := &UDPSink{Sealer: s, pc: pc, conn: conn, dst: dst, rtcp: rtcpDst,
		msgs: make([]ipv4.Message, BatchSize), bufs: make([][1][]byte, BatchSize)}
	for i := range u.msgs {
		u.msgs[i].Buffers = u.bufs[i][:]
		u.msgs[i].Addr = dst
	}
	return u, nil
}

// WriteBatch implements Sink: sendmmsg where the platform has it (x/net
// falls back to one write per datagram elsewhere).
func (u *UDPSink) WriteBatch(pkts [][]byte) (int, error) {
	total := 0
	for len(pkts) > 0 {
		n := min(len(pkts), BatchSize)
		for i := 0; i < n; i++ {
			u.bufs[i][0] = pkts[i]
		}
		w, err := u.pc.WriteBatch(u.msgs[:n], 0)
		total += w
		if err != nil {
			return total, err
		}
		if w == 0 {
			return total, io.ErrShortWrite
		}
		pkts = pkts[w:]
	}
	for i := range u.bufs {
		u.bufs[i][0] = nil
	}
	return total, nil
}

// WriteRTCP implements Sink.
func (u *UDPSink) WriteRTCP(pkt []byte) error {
	_, err := u.conn.WriteToUDP(pkt, u.rtcp)
	return err
}
