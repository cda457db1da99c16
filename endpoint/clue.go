package endpoint

import (
	"context"
	"fmt"
	"time"

	"github.com/cluecam/cluecam/clue/consumer"
	"github.com/cluecam/cluecam/clue/protocol"
	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/clue/sdp"
	"github.com/cluecam/cluecam/media/pipeline"
	"github.com/cluecam/cluecam/media/rtp"
	"github.com/cluecam/cluecam/media/transport"
)

// startCLUE runs the RFC 8847 participant over the open channel: the
// Channel Initiator (the DTLS client, RFC 8848 §8) sends options.
func (s *session) startCLUE(initiator bool) error {
	opts := protocol.DefaultOpts()
	opts.MediaProvider = s.e.o.Provider != nil
	opts.MediaConsumer = s.e.o.Consumer != nil
	part, err := protocol.New(opts)
	if err != nil {
		return err
	}
	s.part = part
	acts, err := part.StartChannel()
	if err != nil {
		return err
	}
	s.do(acts)
	if acts, err = part.ChannelEstablished(initiator); err != nil {
		return err
	}
	s.do(acts)
	ch := s.ch
	go func() {
		for {
			msg, err := ch.Receive(s.ctx)
			if err != nil {
				select {
				case <-ch.Done():
				default:
					if s.ctx.Err() == nil {
						// Dropped (over the size or rate limit, not text):
						// counted by the channel; the session goes on.
						s.log.Warn("clue: message dropped", "err", err)
						continue
					}
				}
				s.post(func() { s.channelLost(err) })
				return
			}
			s.post(func() { s.do(part.Receive(msg)) })
		}
	}()
	return nil
}

// channelLost: the CLUE session is over (RFC 8847 §6 "channel error");
// CLUE-controlled media continues as last negotiated until SDP changes it
// (RFC 8848 §4.5.4.4), so the call goes on.
func (s *session) channelLost(err error) {
	if s.part == nil {
		return
	}
	if s.ctx.Err() == nil {
		s.log.Warn("clue channel ended", "err", err)
	}
	s.do(s.part.ChannelLost(err))
}

// do executes a participant's actions in order.
func (s *session) do(acts []protocol.Action) {
	for _, a := range acts {
		switch a.Kind {
		case protocol.ActSend:
			b, err := protocol.Marshal(a.Msg)
			if err == nil {
				err = s.ch.Send(s.ctx, b)
			}
			if err != nil && s.ctx.Err() == nil {
				s.log.Warn("clue: send failed", "msg", a.Msg.Kind(), "err", err)
			}
		case protocol.ActStartTimer:
			s.stopTimer(a.Timer)
			id, gen := a.Timer, a.Gen
			s.timers[id] = time.AfterFunc(a.After, func() {
				s.post(func() { s.do(s.part.TimerExpired(id, gen)) })
			})
		case protocol.ActStopTimer:
			s.stopTimer(a.Timer)
		case protocol.ActCancelTimers:
			for id := range s.timers {
				s.stopTimer(id)
			}
		case protocol.ActNotify:
			s.note(a)
		case protocol.ActTerminate:
			s.log.Warn("clue session terminated", "err", a.Err)
			s.ch.Close() // RFC 8850 §3.2.7
		}
	}
}

func (s *session) stopTimer(id protocol.TimerID) {
	if t := s.timers[id]; t != nil {
		t.Stop()
		delete(s.timers, id)
	}
}

func (s *session) event(kind, detail string) {
	if c := s.e.o.Consumer; c != nil && c.OnEvent != nil {
		c.OnEvent(s.call, Event{Kind: kind, Detail: detail})
	}
}

// note handles what the participant tells the application.
func (s *session) note(a protocol.Action) {
	switch a.Note {
	case protocol.NoteActive:
		_, _, mp, mc, _ := s.part.Negotiated()
		s.log.Info("clue session active", "provider", mp, "consumer", mc)
		if mp && s.adv != nil {
			acts, err := s.part.Advertise(s.adv.Body)
			if err != nil {
				s.log.Error("clue: advertise", "err", err)
				return
			}
			s.do(acts)
		}
	case protocol.NoteConfigureReceived:
		conf := a.Msg.(*protocol.Configure)
		d, orders := s.adv.Accept(conf.Body)
		acts, err := s.part.ConfigureResult(conf.SeqNr, d.Code, d.Reason)
		if err != nil {
			s.log.Error("clue: configure result", "err", err)
			return
		}
		s.do(acts)
		if d.OK() {
			for _, o := range orders {
				s.log.Info("configured", "order", o.String())
			}
			s.applyOrders(orders)
		} else {
			s.log.Info("configure refused", "code", d.Code, "reason", d.Reason)
		}
	case protocol.NoteAdvertisementReceived:
		adv := a.Msg.(*protocol.Advertisement)
		s.event("advertisement", fmt.Sprintf("%d captures", len(adv.Body.MediaCaptures)))
		choice, err := consumer.Choose(&adv.Body, s.e.o.Consumer.policy())
		if err != nil {
			acts, _ := s.part.RejectAdvertisement(adv.SeqNr, protocol.CodeSemanticErrors, err.Error())
			s.do(acts)
			return
		}
		acts, err := s.part.Configure(adv.SeqNr, choice.Encodings)
		if err != nil {
			s.log.Error("clue: configure", "err", err)
			return
		}
		s.do(acts)
	case protocol.NoteConfigured:
		conf := a.Msg.(*protocol.Configure)
		ids := make([]string, 0, len(conf.Body))
		for _, ce := range conf.Body {
			ids = append(ids, ce.CaptureID+"→"+ce.EncodingID)
		}
		s.event("configured", fmt.Sprint(ids))
	case protocol.NoteConfigureFailed:
		s.event("configure failed", fmt.Sprintf("%d", a.Code))
	case protocol.NoteAdvertisementRejected:
		s.log.Error("clue: our advertisement was rejected", "code", a.Code)
	case protocol.NoteRejected, protocol.NoteIgnored:
		s.log.Warn("clue: peer message "+a.Note.String(), "code", a.Code, "err", a.Err)
	case protocol.NoteSessionEnded:
		s.log.Info("clue session ended", "err", a.Err)
	}
}

// policy is the consumer's choice: the configured one, else as many
// individual captures of each media type as it offered lines for (MCCs
// need switching on the provider; individual captures are what any
// provider sends).
func (c *ConsumerOpts) policy() *consumer.Policy {
	if c.Policy != nil {
		return c.Policy
	}
	p := &consumer.Policy{MCCs: consumer.NoMCCs, MaxPerMedia: map[string]int{}}
	for typ, n := range map[string]int{sdp.Video: c.Video, sdp.Audio: c.Audio} {
		if n > 0 {
			p.Media = append(p.Media, typ)
			p.MaxPerMedia[typ] = n
		}
	}
	return p
}

// applyOrders makes a configure effective (RFC 8847 §5.6: all or
// nothing): captures no longer ordered stop at once, and the encodings'
// lines become sendonly or inactive by re-INVITE when that changes
// (RFC 8848 §5.2: media flows only where SDP and a configure both allow).
func (s *session) applyOrders(orders []provider.Order) {
	s.orders = orders
	s.startMedia()
	want := map[string]bool{}
	for _, o := range orders {
		want[o.EncodingID] = true
	}
	s.mu.Lock()
	changed := false
	for i := range s.local.Encodings {
		e := &s.local.Encodings[i]
		if e.Inactive == want[e.ID] {
			e.Inactive = !want[e.ID]
			changed = true
		}
	}
	s.mu.Unlock()
	if changed {
		go s.reinvite()
	}
}

// reinvite sends our updated SDP; sip handles glare (491 and retry).
func (s *session) reinvite() {
	ctx, cancel := context.WithTimeout(s.ctx, 60*time.Second)
	defer cancel()
	if err := s.call.Reinvite(ctx); err != nil && s.ctx.Err() == nil {
		s.log.Warn("re-INVITE failed", "err", err)
	}
}

// sdpChanged is called on the session goroutine after every completed
// offer/answer exchange.
func (s *session) sdpChanged() {
	s.mu.Lock()
	secured := s.secured()
	s.mu.Unlock()
	if !secured {
		return // media starts once DTLS is up
	}
	s.startMedia()
}

// startMedia reconciles the streams sent with the latest exchange and the
// orders: a stream runs exactly where an active sendonly line carries an
// encoding a configure assigned (or, without CLUE, on the ordinary video
// line).
func (s *session) startMedia() {
	neg := s.negotiation()
	if neg == nil || s.e.o.Provider == nil {
		return
	}
	type target struct {
		o  provider.Order
		st sdp.Stream
	}
	want := map[string]target{}
	if neg.CLUE {
		for _, o := range s.orders {
			for _, st := range neg.Streams {
				if st.Active && st.CLUE && st.LocalLabel == o.EncodingID && st.Direction.Sends() {
					want[o.EncodingID] = target{o, st}
				}
			}
		}
	} else {
		for _, st := range neg.Streams {
			if !st.Active || st.CLUE || !st.Direction.Sends() {
				continue
			}
			key := "fallback " + st.Type
			if _, dup := want[key]; dup {
				continue
			}
			if src, ok := s.fallbackSource(st.Type); ok {
				want[key] = target{provider.Order{CaptureID: src.CaptureID, Name: src.Name, Media: src.Media,
					Device: src.Device, Video: src.Video, Audio: src.Audio}, st}
			}
		}
	}
	for id, sub := range s.subs {
		if t, ok := want[id]; !ok || t.o.CaptureID != sub.captureID || sub.Gone() {
			sub.Close()
			delete(s.subs, id)
		}
	}
	for id, m := range s.mccs {
		if t, ok := want[id]; !ok || t.o.CaptureID != m.o.CaptureID {
			m.close()
			delete(s.mccs, id)
		}
	}
	for id, t := range want {
		if s.subs[id] != nil || s.mccs[id] != nil {
			continue
		}
		s.mu.Lock()
		p := s.pathFor(neg, t.st.MLine)
		s.mu.Unlock()
		if p == nil || p.assoc.Load() == nil {
			continue // its transport is not secured (yet)
		}
		if t.o.Device == "" {
			m, err := newMCCStream(s, t.o, t.st, p)
			if err != nil {
				s.log.Error("media not started", "encoding", id, "err", err)
				continue
			}
			s.mccs[id] = m
			continue
		}
		sub, err := s.e.o.Provider.Hub.Subscribe(t.o, &t.st, func(ssrc uint32) (pipeline.Sink, error) {
			return newCallSink(p.ep, p.assoc.Load(), ssrc, &t.st)
		})
		if err != nil {
			s.log.Error("media not started", "encoding", id, "err", err)
			continue
		}
		sub.captureID = t.o.CaptureID
		s.subs[id] = sub
		s.log.Info("media started", "capture", t.o.CaptureID, "encoding", id, "mline", t.st.MLine, "ssrc", fmt.Sprintf("%08x", sub.SSRC()))
	}
	snap := make([]rtcpHandler, 0, len(s.subs)+len(s.mccs))
	for _, sub := range s.subs {
		snap = append(snap, sub)
	}
	for _, m := range s.mccs {
		snap = append(snap, m)
	}
	s.rtcp.Store(&snap)
}

// Readvertise sends a new advertisement on every active CLUE session (a
// head moved, a device came or went: RFC 8847 §5.3).
func (e *Endpoint) Readvertise(adv *provider.Advertisement) {
	e.mu.Lock()
	ss := make([]*session, 0, len(e.sessions))
	for _, s := range e.sessions {
		ss = append(ss, s)
	}
	e.mu.Unlock()
	for _, s := range ss {
		s.post(func() {
			s.adv = adv
			if s.part == nil {
				return
			}
			if _, _, mp, _, ok := s.part.Negotiated(); !ok || !mp {
				return
			}
			acts, err := s.part.SettingsChanged()
			if err == nil {
				s.do(acts)
				acts, err = s.part.Advertise(adv.Body)
			}
			if err != nil {
				s.log.Warn("clue: readvertise", "err", err)
				return
			}
			s.do(acts)
		})
	}
}

// callSink sends one call's share of a pipeline: tagged with the MID of
// its m-line, sealed with the call's SRTP keys, batched through the
// call's endpoint (only to the authorised peer).
type callSink struct {
	pipeline.SRTPSealer
	ep     *transport.Endpoint
	batch  *transport.Batch
	midExt uint8
	mid    []byte
	hdr    []byte // scratch for the header with the MID element
}

func newCallSink(ep *transport.Endpoint, a *transport.Association, ssrc uint32, st *sdp.Stream) (*callSink, error) {
	ss, err := a.Sender().Stream(ssrc)
	if err != nil {
		return nil, err
	}
	c := &callSink{SRTPSealer: pipeline.SRTPSealer{Stream: ss, Profile: a.Profile()}, ep: ep, batch: transport.NewBatch(64)}
	if st.MIDExt != 0 && st.MIDExt < 256 && st.MID != "" {
		// RFC 9143 §9.2: in a BUNDLE group the receiver maps packets to
		// m-lines by the MID element; the shared packetizer cannot write
		// it (each call has its own mids), so each call's sink adds it.
		c.midExt, c.mid = uint8(st.MIDExt), []byte(st.MID)
		c.hdr = make([]byte, 0, rtp.MaxHeaderLen+rtp.MaxAddedElement)
	}
	return c, nil
}

// SealRTP implements pipeline.Sealer: the header gains the MID element.
func (c *callSink) SealRTP(dst, hdr []byte, segs [][]byte) ([]byte, error) {
	if c.midExt != 0 {
		hdr = rtp.AddElement(c.hdr[:0], hdr, c.midExt, c.mid)
	}
	return c.SRTPSealer.SealRTP(dst, hdr, segs)
}

// Overhead implements pipeline.Sealer.
func (c *callSink) Overhead() int { return c.SRTPSealer.Overhead() + rtp.MaxAddedElement }

// WriteBatch implements pipeline.Sink.
func (c *callSink) WriteBatch(pkts [][]byte) (int, error) {
	sent := 0
	for len(pkts) > 0 {
		n := 0
		for n < len(pkts) && c.batch.Add(pkts[n]) {
			n++
		}
		k, err := c.ep.SendBatch(c.batch)
		sent += k
		if err != nil {
			return sent, err
		}
		pkts = pkts[n:]
	}
	return sent, nil
}

// WriteRTCP implements pipeline.Sink.
func (c *callSink) WriteRTCP(pkt []byte) error { return c.ep.Send(pkt) }
