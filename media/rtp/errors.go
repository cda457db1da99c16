package rtp

import "errors"

// ErrPoolExhausted: every buffer of the Pool is out. The pipeline is
// holding more packets than it was sized for (a stalled sender); the caller
// drops the rest of the frame and asks for a keyframe.
var ErrPoolExhausted = errors.New("rtp: packet pool exhausted")

// ErrBufferTooSmall: a packet buffer cannot hold the header, the configured
// maximum payload and the SRTP trailer (the Pool was created for a smaller
// MaxPayload than the packetizer's).
var ErrBufferTooSmall = errors.New("rtp: packet buffer too small for the configured payload size")

// ErrNoPacket: Next was called although More reported false.
var ErrNoPacket = errors.New("rtp: no packet left in the frame")

// ErrCaptID: the capture ID cannot be carried in the negotiated header
// extension form: empty, longer than 16 bytes with a one-byte-form ID
// (1..14, RFC 8285 §4.2), longer than MaxCaptIDLen, or not UTF-8
// (RFC 7941 §4.1).
var ErrCaptID = errors.New("rtp: capture ID does not fit the CaptId header extension")

// ErrOptions: invalid packetizer or stream options; the message says which.
var ErrOptions = errors.New("rtp: invalid options")

// ErrAudioBacklog: AudioPacketizer.Write was given more samples than it can
// hold before its packets are taken with Next.
var ErrAudioBacklog = errors.New("rtp: audio packetizer backlog full; take packets with Next between writes")
