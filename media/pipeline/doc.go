// Package pipeline runs the hot path of a capture: capture → packetize →
// seal → batched send, one pass per video frame or audio period
// (docs/architecture.md, "Hot path").
//
// A [Pipeline] owns one source and one RTP stream (one SSRC). Each frame
// is packetized once; every packet is sealed once per [Sink] (one call, one
// SRTP context or plain RTP) into that sink's own queue, and the frame is
// released as soon as its last packet has been sealed. N sinks watching one
// capture therefore cost one capture, one packetization and N sealings.
//
// Each sink has a bounded queue of whole frames and its own sender
// goroutine that hands each frame's packets to the sink in one batch
// (sendmmsg with [NewUDPSink], runs of equal-size packets as one UDP GSO
// message on Linux). When a sink's send path stalls and its queue is full,
// the oldest queued frame is dropped whole — never part of a frame — and
// counted.
//
// Each sink's sender also keeps the last Options.NACKHistory packets it
// sent, as sent; a generic NACK (RFC 4585 §6.2.1) gets those packets
// again, byte for byte (never resealed: SRTP must not encrypt twice under
// one index), within a per-sink bit-rate budget.
//
// RTCP: [Pipeline.Run] sends a compound SR + SDES (CNAME, CaptId) per sink
// every Options.RTCPInterval, mapping the capture clock to NTP; feedback
// handed to [Pipeline.HandleRTCP] turns PLI and FIR into one
// RequestKeyframe on the source, coalesced across sinks and rate-limited,
// REMB and TMMBR into SetTargetBitrate with the minimum across sinks, and
// NACK into retransmissions from the sink's history.
//
// Steady state allocates nothing per frame: packets come from an rtp.Pool,
// sink queues recycle their frame buffers, and the benchmarks and
// AllocsPerRun tests check it.
package pipeline
