package pipeline

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

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
// from a UDP socket, in batches of up to BatchSize messages per sendmmsg.
//
// On Linux each message carries a run of packets of one size (a frame's
// full-size fragments; the run's last packet may be shorter) with UDP
// generic segmentation offload (UDP_SEGMENT): the kernel cuts it into the
// same datagrams at the bottom of the stack, so a run costs one pass
// through it instead of one per packet. The datagrams on the wire are
// byte for byte those without it. A capture on the sending host's lo sees
// the unsplit runs (the loopback device takes them whole), hence
// SetGSO(false).
type UDPSink struct {
	Sealer
	pc        batchConn
	conn      *net.UDPConn
	dst, rtcp *net.UDPAddr
	msgs      []ipv4.Message
	bufs      [][1][]byte
	gso       bool
	oob       []byte // BatchSize control messages of gsoCmsgLen
	runs      [BatchSize]int
}

// BatchSize is the most messages one WriteBatch system call sends.
const BatchSize = 64

// gsoMaxSegments and gsoMaxBytes bound one GSO message (the kernel's
// UDP_MAX_SEGMENTS is 64 on older kernels; a UDP datagram's payload is at
// most 65507 bytes).
const (
	gsoMaxSegments = 64
	gsoMaxBytes    = 65000
)

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
		msgs: make([]ipv4.Message, BatchSize), bufs: make([][1][]byte, BatchSize),
		gso: gsoAvailable, oob: make([]byte, BatchSize*gsoCmsgLen)}
	for i := range u.msgs {
		u.msgs[i].Buffers = u.bufs[i][:]
		u.msgs[i].Addr = dst
	}
	return u, nil
}

// SetGSO turns UDP segmentation offload on (the default where the platform
// has it) or off. Call it before the sink is added to a pipeline.
func (u *UDPSink) SetGSO(on bool) { u.gso = on && gsoAvailable }

// WriteBatch implements Sink: sendmmsg where the platform has it (x/net
// falls back to one write per datagram elsewhere), with runs of equal-size
// packets as one GSO message each.
func (u *UDPSink) WriteBatch(pkts [][]byte) (int, error) {
	if !u.gso {
		return u.writePlain(pkts)
	}
	total := 0
	for len(pkts) > 0 {
		// Cut the packets into runs, one message each.
		n, used := 0, 0
		for n < BatchSize && used < len(pkts) {
			size := len(pkts[used])
			k, bytes := 1, size
			for used+k < len(pkts) && k < gsoMaxSegments && bytes+len(pkts[used+k]) <= gsoMaxBytes &&
				len(pkts[used+k-1]) == size && len(pkts[used+k]) <= size {
				bytes += len(pkts[used+k])
				k++
			}
			m := &u.msgs[n]
			m.Buffers = pkts[used : used+k]
			m.OOB = nil
			if k > 1 {
				m.OOB = putGSOCmsg(u.oob[n*gsoCmsgLen:(n+1)*gsoCmsgLen], size)
			}
			u.runs[n] = k
			used += k
			n++
		}
		w, err := u.pc.WriteBatch(u.msgs[:n], 0)
		sent := 0
		for i := 0; i < w; i++ {
			sent += u.runs[i]
		}
		total += sent
		if err != nil {
			u.resetMsgs()
			if total == 0 && isGSOUnsupported(err) {
				// The kernel or the route cannot segment: plain from now on.
				u.gso = false
				return u.writePlain(pkts)
			}
			return total, err
		}
		if w == 0 {
			u.resetMsgs()
			return total, io.ErrShortWrite
		}
		pkts = pkts[sent:]
	}
	u.resetMsgs()
	return total, nil
}

// resetMsgs drops the references to the caller's packets and restores the
// one-buffer messages of writePlain.
func (u *UDPSink) resetMsgs() {
	for i := range u.msgs {
		u.bufs[i][0] = nil
		u.msgs[i].Buffers = u.bufs[i][:]
		u.msgs[i].OOB = nil
	}
}

func (u *UDPSink) writePlain(pkts [][]byte) (int, error) {
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

// isGSOUnsupported reports the errors of a kernel, socket or device that
// cannot do UDP_SEGMENT.
func isGSOUnsupported(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENOPROTOOPT) ||
		errors.Is(err, syscall.EOPNOTSUPP)
}

// WriteRTCP implements Sink.
func (u *UDPSink) WriteRTCP(pkt []byte) error {
	_, err := u.conn.WriteToUDP(pkt, u.rtcp)
	return err
}
