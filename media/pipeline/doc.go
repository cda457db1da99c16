// Package pipeline runs the hot path of a video capture: capture →
// packetize → seal → batched send, one pass per frame (ARCHITECTURE.md,
// "The hot path").
//
// A [Pipeline] owns one source and one RTP stream (one SSRC). Each frame
// is packetized once; every packet is sealed once per [Sink] (one call, one
// SRTP context or plain RTP) into that sink's own queue, and the frame is
// released as soon as its last packet has been sealed. N sinks watching one
// capture therefore cost one capture, one packetization and N sealings.
//
// Each sink has a bounded queue of whole frames and its own sender
// goroutine that hands each frame's packets to the sink in one batch
// (sendmmsg with [NewUDPSink]). When a sink's send path stalls and its
// queue is full, the oldest queued frame is dropped whole — never part of
// a frame — and counted.
//
// RTCP: [Pipeline.Run] sends a compound SR + SDES (CNAME, CaptId) per sink
// every Options.RTCPInterval, mapping the capture clock to NTP; feedback
// handed to [Pipeline.HandleRTCP] turns PLI and FIR into one
// RequestKeyframe on the source, coalesced across sinks and rate-limited,
// and REMB and TMMBR into SetTargetBitrate with the minimum across sinks.
//
// Steady state allocates nothing per frame: packets come from an rtp.Pool,
// sink queues recycle their frame buffers, and the benchmarks and
// AllocsPerRun tests check it.
package pipeline
