// Package sdp is the SDP layer of a CLUE endpoint (RFC 8848): the session
// descriptions of a SIP call that groups a CLUE data channel (RFC 8850,
// RFC 8841, RFC 8864) with CLUE-controlled media lines, and the
// offer/answer rules (RFC 3264) that negotiate them. It is pure: no I/O, no
// clock, no randomness (tls-id values, session IDs and ports come from the
// caller). It builds on github.com/pion/sdp/v3 for the line grammar.
//
// # Types
//
// [Session] and [Media] describe an SDP at the level a CLUE endpoint works
// at: groups, DTLS (a=setup, a=fingerprint, a=tls-id), ICE (ufrag, pwd,
// candidates, ice-lite), RTP lines with their [Codec]s (rtpmap, fmtp,
// rtcp-fb), header extensions ([ExtMap], the CaptId one of RFC 8849) and
// SSRCs, data channel lines with a=sctp-port, a=max-message-size and the
// [DCMap] channels. Attributes the package does not interpret are kept
// verbatim in Other. Whether an m-line is CLUE-controlled follows from the
// CLUE group ([Session.CLUEControlled], [Session.DataChannel]); the
// effective transport of a bundled line from its BUNDLE tag and the session
// level ([Session.Transport]).
//
// [Local] describes the box's side: keys and credentials, the data channel
// ([DataChannel]), the ordinary audio/video lines a plain SIP peer gets
// ([Fallback]), the CLUE encodings ([Encoding], one sendonly m-line each,
// labelled with the advertisement's encodingID; see
// [Local.CheckEncodingGroups]) and the peer encodings it wants ([Receive]).
//
// # Operations
//
//	offer, err := sdp.Offer(local, cur)           // our offer (cur: last exchange, nil at first)
//	text := offer.String()                        // → SIP body
//	ans, err := sdp.Parse(body, &sdp.ParseOpts{As: sdp.AsAnswer})
//	neg, err := sdp.ApplyAnswer(local, offer, ans) // → *Negotiation
//
//	off, err := sdp.Parse(body, nil)              // a peer's offer; err ⇒ sdp.Status(err): 400 or 488
//	ans, neg, err := sdp.Answer(local, off, cur)  // our answer, or 488
//
// A [Negotiation] says whether CLUE is enabled (RFC 8848 §4.5.3), which
// side is DTLS client and hence CLUE Channel Initiator (DIGEST §9 #6), the
// data channel's stream id, ports and size limits, the BUNDLE group, and
// per m-line the direction, labels, agreed codecs, extension IDs and the
// peer's transport. It is the "most recent SDP exchange" of RFC 8848 §5.2
// ([Negotiation.CanSend]) and the cur argument of the next Offer/Answer.
//
// # Errors
//
// Parse returns [Errors]: every fatal problem with line, m-line index,
// attribute, reason and RFC section. [Status] maps them to the SIP response
// refusing an offer: [Malformed] (grammar or a structural MUST broken) is
// 400, [NotAcceptable] (valid but refused: not DTLS-SRTP, no usable
// fingerprint, holdconn, nothing in common) is 488 with
// [Error.WarnCode] for the Warning header. Deviations the package tolerates
// go to ParseOpts.Warn as [Warning]s. A problem that makes one m-line
// unusable is no error: the answer rejects that line (port 0) and
// [Stream].Reason says why.
//
// # Readings of the RFCs
//
//   - Every RTP line must be DTLS-SRTP (UDP/TLS/RTP/SAVPF or SAVP): RFC 8848
//     §11 requires it of CLUE-controlled lines (Parse refuses others, 488);
//     for ordinary lines it is the box's policy (the answer rejects them,
//     and an offer with nothing else gets 488, Warning 302).
//   - Encodings are offered a=sendonly (a=inactive only on request): RFC
//     8848 §4.4.1 already makes an encoding inactive until a configure
//     names a capture, and offering it inactive would force an inactive
//     answer (RFC 3264 §6.1) and a further exchange per configure.
//   - The CLUE dcmap stream id: the picker of an id uses even ids as DTLS
//     client, odd as server (RFC 8864 §6.1, RFC 8831 §6.5). Our initial
//     offer (actpass) picks odd (1), expecting the RECOMMENDED active answer
//     (RFC 5763 §5); re-offers keep the id. Peers' ids are accepted unless
//     the offerer fixed its role and broke the rule (then the channel is
//     refused, RFC 8864 §8); an even id offered with actpass, as in RFC 8848
//     §8, is tolerated with a warning.
//   - Answers echo the offer's mids (RFC 5888 §9.1; RFC 8848 §8's answers do
//     not: such an answer's mid and group lines are ignored, so CLUE and
//     BUNDLE are not negotiated, with a warning).
//   - "a=sctp-port: 5000" (RFC 8848 §8) is read with a warning; we write
//     "a=sctp-port:5000". Subprotocol "CLUE" matches case-insensitively;
//     we send "CLUE" (DIGEST §9 #4). The CaptId extension is sent as
//     urn:ietf:params:rtp-hdrext:sdes:CaptId and RFC 8849 §5.2's
//     …:CaptureID is accepted; an answer echoes the peer's spelling.
//   - H.264: packetization mode 1 only (the box's packetizer); profile and
//     mode are kept from the offer, the level is the lower one (RFC 6184
//     §8.2.2); sprop-parameter-sets only on lines we send.
//   - rtcp-mux is required on RTP lines (one socket per call, RFC 5761).
//   - Syntax errors of the peer's SDP, attribute grammar violations and
//     structural MUSTs are 400; refusals by policy are 488.
package sdp
