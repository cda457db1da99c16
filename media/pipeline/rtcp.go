package pipeline

import (
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/media/rtp/rtcp"
)

// MaybeSendReports sends the sender reports when Options.RTCPInterval has
// passed since the last ones (Run calls it after every frame).
func (p *Pipeline) MaybeSendReports() {
	if p.o.RTCPInterval < 0 {
		return
	}
	now := p.o.Clock.Now()
	if now < p.nextRTCP {
		return
	}
	p.nextRTCP = now + p.o.RTCPInterval
	p.SendReports()
}

// SendReports sends every sink a compound RTCP packet now: an SR (RFC 3550
// §6.4.1) whose NTP and RTP timestamps map the capture clock to the wall
// clock, then SDES with the CNAME and the CaptId item (RFC 8849 §5.1).
// Call it from the goroutine that runs ProcessFrame.
func (p *Pipeline) SendReports() {
	now, wall := p.o.Clock.Now(), p.o.Wall()
	for _, s := range *p.sinks.Load() {
		s.rtcpBuf = p.st.AppendReport(s.rtcpBuf[:0], now, wall, p.o.CNAME, nil)
		p.sendRTCP(s)
	}
}

// SendBYE sends every sink RR/SR + BYE for the stream (RFC 3550 §6.6),
// after what the sinks have queued when the caller Closed them, or now.
func (p *Pipeline) SendBYE(reason string) {
	now, wall := p.o.Clock.Now(), p.o.Wall()
	for _, s := range *p.sinks.Load() {
		b := p.st.AppendReport(s.rtcpBuf[:0], now, wall, p.o.CNAME, nil)
		s.rtcpBuf = rtcp.AppendBYE(b, p.st.SSRC(), reason)
		p.sendRTCP(s)
	}
}

func (p *Pipeline) sendRTCP(s *sinkState) {
	out, err := s.sink.SealRTCP(s.rtcpSealed[:0], s.rtcpBuf)
	if err != nil {
		s.sealErrors.Add(1)
		return
	}
	s.rtcpSealed = out
	if err := s.sink.WriteRTCP(out); err != nil {
		s.sendErrors.Add(1)
	}
}

// HandleRTCP reads a compound RTCP packet (already unprotected) that the
// sink h received and acts on the feedback about this stream's SSRC:
// PLI (RFC 4585 §6.3.1) and FIR (RFC 5104 §4.3.1) request a keyframe,
// coalesced across sinks and rate-limited to one per
// Options.KeyframeInterval; REMB and TMMBR (RFC 5104 §4.2.1) set the
// sink's bitrate limit, and the source gets the minimum over all sinks;
// generic NACK (RFC 4585 §6.2.1) queues the lost packets for
// retransmission from h's history (see nack.go). Malformed parts are
// skipped. It does not allocate.
func (p *Pipeline) HandleRTCP(h *SinkHandle, pkt []byte) {
	ssrc := p.st.SSRC()
	r := rtcp.NewReader(pkt)
	key := false
	limit := int64(-1)
	for q, ok := r.Next(); ok; q, ok = r.Next() {
		switch {
		case q.Type == rtcp.TypePSFB && q.Count == rtcp.FmtPLI:
			if _, media, err := q.PLI(); err == nil && media == ssrc {
				key = true
			}
		case q.Type == rtcp.TypePSFB && q.Count == rtcp.FmtFIR:
			if _, ents, err := q.FIR(); err == nil {
				for i := 0; i < ents.Len(); i++ {
					if ents.At(i).SSRC == ssrc {
						key = true
					}
				}
			}
		case q.Type == rtcp.TypePSFB && q.Count == rtcp.FmtAFB:
			if _, bps, ssrcs, err := q.REMB(); err == nil {
				for i := 0; i < ssrcs.Len(); i++ {
					if ssrcs.At(i) == ssrc {
						limit = int64(min(bps, 1<<40))
					}
				}
			}
		case q.Type == rtcp.TypeRTPFB && q.Count == rtcp.FmtNACK:
			if _, media, pairs, err := q.NACK(); err == nil && media == ssrc && h != nil && h.st.nack != nil {
				if d := h.st.nack.request(pairs); d > 0 {
					h.st.nackDrops.Add(uint64(d))
				}
			}
		case q.Type == rtcp.TypeRTPFB && q.Count == rtcp.FmtTMMBR:
			if _, ents, err := q.TMMBR(); err == nil {
				for i := 0; i < ents.Len(); i++ {
					if e := ents.At(i); e.SSRC == ssrc {
						limit = int64(min(e.Bitrate, 1<<40))
					}
				}
			}
		}
	}
	if key {
		p.requestKeyframe()
	}
	if limit >= 0 && h != nil {
		h.st.bitrate.Store(max(limit, 1))
		p.mu.Lock()
		p.applyBitrateLocked()
		p.mu.Unlock()
	}
}

// requestKeyframe asks the source for a keyframe unless one was asked for
// within KeyframeInterval.
func (p *Pipeline) requestKeyframe() {
	kr, ok := p.src.(hw.KeyframeRequester)
	if !ok {
		return
	}
	now := p.o.Clock.Now()
	p.mu.Lock()
	if p.keySent && now-p.lastKey < p.o.KeyframeInterval {
		p.mu.Unlock()
		p.keyCoalesced.Add(1)
		return
	}
	p.keySent, p.lastKey = true, now
	p.mu.Unlock()
	p.keyReqs.Add(1)
	if err := kr.RequestKeyframe(); err != nil {
		p.log.Warn("keyframe request failed", "err", err)
	}
}

// LimitSink caps what a sink may receive, in bit/s (0: no cap): the
// bit rate its call negotiated for the capture encoding (RFC 8845 §9.1
// maxBandwidth, SDP b=TIAS). Like REMB/TMMBR feedback, the source gets the
// minimum over all sinks; feedback can lower a sink below its cap, never
// raise it above.
func (p *Pipeline) LimitSink(h *SinkHandle, bps int64) {
	h.st.ceiling.Store(max(bps, 0))
	p.mu.Lock()
	p.applyBitrateLocked()
	p.mu.Unlock()
}

// applyBitrateLocked gives the source the minimum of the sinks' limits
// when it changed.
func (p *Pipeline) applyBitrateLocked() {
	bc, ok := p.src.(hw.BitrateController)
	if !ok {
		return
	}
	target := int64(0)
	for _, s := range *p.sinks.Load() {
		for _, b := range [...]int64{s.bitrate.Load(), s.ceiling.Load()} {
			if b > 0 && (target == 0 || b < target) {
				target = b
			}
		}
	}
	if target == 0 || int(target) == p.bitrateTarget {
		return
	}
	p.bitrateTarget = int(target)
	if err := bc.SetTargetBitrate(int(target)); err != nil {
		p.log.Warn("bitrate target rejected", "bps", target, "err", err)
	}
}
