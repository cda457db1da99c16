// Package endpoint is the media and CLUE side of a box's calls: it
// implements sip.SessionHandler, so every SIP call of a clue/sip UA gets,
// per RFC 8848 and its neighbours,
//
//   - its SDP: BUNDLE with every line on one UDP socket (bundle-only lines
//     in our offers, RFC 9143 §7.2), the CLUE group and data channel, one
//     CLUE-controlled line per encoding of the advertisement — inactive
//     until a configure assigns a capture — and ordinary lines so a peer
//     without CLUE still gets a camera and a microphone (§4.5.1);
//   - one media/transport endpoint: ICE-lite when the peer does ICE, a
//     full agent when we call, and without ICE the SDP address only as a
//     hint, the source that completes a verified DTLS handshake latched;
//   - DTLS-SRTP with the peer's SDP fingerprints and any pins configured
//     for that caller (RFC 8122 §5, RFC 5763);
//   - the CLUE data channel and an RFC 8847 participant: as provider it
//     advertises, turns accepted configures into orders (provider.Accept),
//     re-INVITEs the ordered lines sendonly and streams them; as consumer
//     it chooses captures (clue/consumer) and configures them;
//   - media from a Hub that runs one pipeline per capture, shared by every
//     call watching it (capture and packetize once, seal per call), and
//     stopped the moment its last call ends.
//
// Everything after the SIP exchange runs on one goroutine per call
// (session.run); what SIP callbacks and timers need from it is posted
// there. Errors from the network end the call or are answered; they never
// touch other calls. The package takes no configuration format: the
// board layer (cmd/cluecam) hands it an advertisement function and
// sources.
package endpoint
