package channel

import "errors"

// Errors callers branch on.
var (
	// ErrClosed: the channel has ended (Err says why). Fatal.
	ErrClosed = errors.New("channel: closed")
	// ErrPeerClosed: the peer reset the CLUE stream or ended the SCTP
	// association. Fatal: the CLUE session is over.
	ErrPeerClosed = errors.New("channel: peer closed the clue channel")
	// ErrMessageTooLarge: a message exceeds the max-message-size that
	// applies (the peer's on send, ours on receive). Not fatal: the
	// message is refused or dropped, the channel stays up.
	ErrMessageTooLarge = errors.New("channel: message exceeds max-message-size")
	// ErrRateLimited: more messages than the rate limit allows. Not
	// fatal: the message is refused (send) or dropped (receive).
	ErrRateLimited = errors.New("channel: message rate limit exceeded")
	// ErrNotString: the peer sent a message with a PPID other than WebRTC
	// String (51), which RFC 8850 §3.2.2 requires. Not fatal; dropped.
	ErrNotString = errors.New("channel: clue message not sent as webrtc string (ppid 51)")
	// ErrEmptyMessage: an empty CLUE message cannot be sent.
	ErrEmptyMessage = errors.New("channel: empty message")
	// ErrUnsupportedPort: pion/sctp always uses SCTP port 5000; an SDP
	// a=sctp-port with another value cannot be honoured.
	ErrUnsupportedPort = errors.New("channel: only sctp port 5000 is supported")
)
