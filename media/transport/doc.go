// Package transport carries a CLUE call's media and data on one UDP socket.
//
// For now it holds the DTLS part of DTLS-SRTP (RFC 5763, RFC 5764,
// RFC 8842): the SDP a=setup role rules and the a=tls-id re-offer rule as
// pure functions; the box's persistent ECDSA P-256 certificate and its SDP
// fingerprint; the peer-certificate check against the SDP a=fingerprint and
// optional configured pins; and [Handshake], which runs DTLS 1.2 (pion/dtls)
// over a net.PacketConn, offers the SRTP protection profiles in the order
// that suits the CPU, exports the DTLS-SRTP keys (RFC 5764 §4.2) into
// media/srtp contexts and tears everything down, keys included, on a close
// alert, on context cancellation or on Close.
//
// DTLS runs over whatever net.PacketConn it is given: the RFC 7983
// demultiplexer ([Classify]), ICE-lite and the SCTP data channel come on top
// of this without changing it. The [Association]'s Conn is the net.Conn the
// data channel (clue/channel) runs SCTP over.
package transport
