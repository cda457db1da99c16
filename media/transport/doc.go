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
// call's one UDP socket. It reads in batches with its own recvmmsg(2) on the
// socket's raw descriptor into buffers allocated once (x/net's ReadBatch
// allocates an address per datagram; other systems read one datagram per
// call), so receiving media allocates nothing. It demultiplexes each
// datagram in place ([Classify], RFC 7983), answers STUN binding requests
// as an ICE-lite agent (RFC 8445 §2.5; MESSAGE-INTEGRITY and FINGERPRINT,
// RFC 8489), and accepts DTLS and media only from an authorised address:
//
//   - with ICE, one that passed an authenticated check; consent (RFC 7675)
//     is refreshed by authenticated checks on the selected path, and when it
//     expires media stops at once ([ErrConsentLost]), the association is
//     closed and [Endpoint.ConsentLost] / EndpointOpts.OnConsentLost tell
//     the call to end;
//   - without ICE, from a fixed SDP address (RemoteAddr), media only after
//     DTLS verified the peer;
//   - without ICE, with the SDP address only a hint (RemoteHint, for peers
//     behind a NAT): DTLS from any source, each in a handshake of its own,
//     and the endpoint latches to the source whose handshake verified the
//     peer's fingerprint; nothing sent before that is latched. Without ICE
//     there is no consent (RFC 7675 needs ICE); EndpointOpts.PeerTimeout
//     optionally ends media the same way when no authenticated traffic
//     (reported with [Endpoint.MarkAuthenticated]) came for that long.
//
// [Endpoint.Handshake] runs the DTLS handshake over a PacketConn of the
// peer's DTLS datagrams, and media goes out in caller-owned batches
// (sendmmsg) only while the peer is authorised. The [Association]'s Conn is
// the net.Conn the data channel (clue/channel) runs SCTP over.
package transport
