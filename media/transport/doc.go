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
// DTLS runs over whatever net.PacketConn it is given. [Endpoint] is the
// call's one UDP socket: it reads in batches (recvmmsg), demultiplexes
// ([Classify], RFC 7983), answers STUN binding requests as an ICE-lite agent
// (RFC 8445 §2.5; MESSAGE-INTEGRITY and FINGERPRINT, RFC 8489), accepts DTLS
// and media only from addresses that passed an authenticated check (or,
// without ICE, from the SDP address, media only after DTLS verified the
// peer), tracks consent (RFC 7675), runs [Endpoint.Handshake] over a
// PacketConn of that peer's DTLS datagrams, and sends media in caller-owned
// batches (sendmmsg) only while the peer is authorised. The [Association]'s
// Conn is the net.Conn the data channel (clue/channel) runs SCTP over.
package transport
