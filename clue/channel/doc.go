// Package channel is the CLUE data channel (RFC 8850): one SDP-negotiated
// WebRTC data channel (RFC 8831, RFC 8864 a=dcmap, no DCEP) on an SCTP
// association (pion/sctp) that runs over the DTLS association's
// application data, handed in as a net.Conn by media/transport.
//
// Every CLUE message is one SCTP user message with PPID 51 (WebRTC String,
// RFC 8850 §3.2.2) on a reliable, ordered stream (§3.2.3, §3.2.4). The
// peer's a=max-message-size bounds what is sent (RFC 8841 §6) and ours what
// is accepted; a token bucket bounds the message rate each way. Closing
// resets the outgoing stream (RFC 8850 §3.2.7, RFC 8831 §6.7); loss of the
// channel, by a reset from the peer, an SCTP abort or the end of the DTLS
// association, closes Done so that the endpoint stops the call's media.
package channel
