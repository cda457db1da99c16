package protocol

import (
	"errors"
	"fmt"
)

// ---- the Media Consumer table, RFC 8847 §6.2 Figure 11 ----

var mcTable = newTable("consumer", buildMCRows())

func buildMCRows() []Transition[MCState] {
	var rows []Transition[MCState]
	add := func(from MCState, on Trigger, g Guard, to MCState, do []Step, ref string) {
		rows = append(rows, Transition[MCState]{From: from, On: on, If: g, To: to, Do: do, Ref: ref})
	}
	const f11 = "RFC 8847 §6.2"
	running := []MCState{MCWaitForAdv, MCAdvProcessing, MCConf, MCWaitForConfResponse, MCEstablished}

	// advertisement, in every state
	for _, s := range running {
		valid := steps(notify(NoteAdvertisementReceived))
		invalid := steps(send(KindAck), notify(NoteRejected))
		ref := f11 + " advertisement received"
		if s == MCWaitForConfResponse {
			valid = steps(stop(TimerConfResp), notify(NoteAdvertisementReceived))
			invalid = steps(stop(TimerConfResp), send(KindAck), notify(NoteRejected))
		}
		if s == MCAdvProcessing {
			ref = "RFC 8847 §5.3: the new advertisement completely replaces the one being processed"
		}
		add(s, OnRecvAdvertisement, Valid, MCAdvProcessing, valid, ref)
		add(s, OnRecvAdvertisement, Invalid, MCWaitForAdv, invalid, f11+" advertisement received, processing unsuccessful, NACK sent")
		add(s, OnRecvConfigureResponse, Ignore, s, ignored(), f11+" \"Messages not shown for a state do not cause the state to change\"")
	}

	// configureResponse
	add(MCWaitForConfResponse, OnRecvConfigureResponse, Success, MCEstablished, steps(stop(TimerConfResp), notify(NoteConfigured)), f11+" successful configureResponse received")
	add(MCWaitForConfResponse, OnRecvConfigureResponse, Failure, MCConf, steps(stop(TimerConfResp), notify(NoteConfigureFailed)), f11+" error configureResponse received")

	// the application's decisions
	add(MCAdvProcessing, OnAckAdvertisement, Always, MCConf, steps(send(KindAck)), f11+" ack sent")
	add(MCAdvProcessing, OnRejectAdvertisement, Always, MCWaitForAdv, steps(send(KindAck)), f11+" NACK sent")
	add(MCAdvProcessing, OnConfigure, Always, MCWaitForConfResponse, steps(send(KindConfigure), start(TimerConfResp)), f11+" configure+ack sent")
	add(MCConf, OnConfigure, Always, MCWaitForConfResponse, steps(send(KindConfigure), start(TimerConfResp)), f11+" configure sent")
	add(MCEstablished, OnConfigure, Always, MCWaitForConfResponse, steps(send(KindConfigure), start(TimerConfResp)), f11+" configure sent")
	for _, on := range []Trigger{OnAckAdvertisement, OnRejectAdvertisement, OnConfigure} {
		add(MCAdvProcessing, on, Outdated, MCAdvProcessing, refuse, "refers to a superseded advertisement (ErrStale)")
		for _, s := range running {
			if !hasRow(rows, s, on) {
				add(s, on, Always, s, refuse, "not allowed in this state")
			}
		}
	}
	add(MCConf, OnConfigure, Outdated, MCConf, refuse, "refers to a superseded advertisement (ErrStale)")
	add(MCEstablished, OnConfigure, Outdated, MCEstablished, refuse, "refers to a superseded advertisement (ErrStale)")

	// supervision (not in the RFC: Opts.ResponseTimeout / MaxRetransmits)
	add(MCWaitForConfResponse, OnTimerConfResp, Retry, MCWaitForConfResponse, steps(send(KindConfigure), start(TimerConfResp), notify(NoteRetransmit)), "no answer: configure sent again with a new sequence number")
	return rows
}

// stepConsumer runs the MC sub-machine on a trigger the participant
// delegated.
func (p *Participant) stepConsumer(acts []Action, trig Trigger, c *stepCtx) ([]Action, error) {
	g := p.classifyConsumer(trig, c)
	i, ok := mcTable.lookup(p.mc, trig, g)
	if !ok {
		return acts, fmt.Errorf("%w: no consumer transition for %s / %s / %s", ErrNotAllowed, p.mc, trig, g)
	}
	row := &mcTable.rows[i]
	p.trace(MachineConsumer, i, p.mc.String(), row.To.String(), row.On, row.If)
	if row.Do == nil {
		if g == Outdated {
			return nil, fmt.Errorf("%w: advertisement %d is not the current one", ErrStale, c.ev.SeqNr)
		}
		return nil, p.refusal(trig)
	}
	switch trig {
	case OnRecvAdvertisement:
		p.cons.pending, p.cons.pendingSeq = nil, 0
		if g == Valid {
			p.cons.adv = c.msg.(*Advertisement)
		} else {
			p.cons.adv = nil
		}
	case OnRecvConfigureResponse:
		if g == Success {
			p.cons.current = p.cons.pending
		}
		if g == Success || g == Failure {
			p.cons.pending, p.cons.pendingSeq = nil, 0
		}
	}
	p.mc = row.To
	return p.perform(acts, row.Do, c), nil
}

func (p *Participant) currentAdvSeq() uint64 {
	if p.cons.adv == nil {
		return 0
	}
	return p.cons.adv.SeqNr
}

func (p *Participant) classifyConsumer(trig Trigger, c *stepCtx) Guard {
	ev := c.ev
	var pe *ParseError
	errors.As(ev.Err, &pe)
	switch trig {
	case OnRecvAdvertisement:
		if pe != nil {
			// RFC 8847 §6.2: "If the processing of the 'advertisement' is
			// unsuccessful (bad syntax, missing XML elements, etc.), the MC
			// sends a NACK message".
			c.code, c.reason, c.err = pe.Code, pe.Msg, protoErr(pe.Code, false, asErr(pe), "advertisement rejected")
			return Invalid
		}
		if code, why := p.opts.CheckAdvertisement(c.msg.(*Advertisement)); !code.IsSuccess() {
			c.code, c.reason, c.err = code, why, protoErr(code, false, nil, "advertisement rejected: %s", why)
			return Invalid
		}
		return Valid
	case OnRecvConfigureResponse:
		r := c.msg.(*ConfigureResponse)
		switch {
		case p.mc != MCWaitForConfResponse:
			c.err = protoErr(0, false, asErr(pe), "configureResponse in consumer state %s", p.mc)
		case pe != nil:
			c.err = protoErr(0, false, asErr(pe), "invalid configureResponse (nothing can answer it)")
		case r.ConfSeqNr != p.cons.pendingSeq:
			c.err = protoErr(0, false, nil, "configureResponse for configure %d, waiting for %d", r.ConfSeqNr, p.cons.pendingSeq)
		case r.Code.IsSuccess():
			c.code = r.Code
			return Success
		default:
			c.code = r.Code
			c.err = protoErr(r.Code, false, nil, "configure %d rejected: %q", r.ConfSeqNr, r.Reason)
			return Failure
		}
		return Ignore
	case OnTimerConfResp:
		m := p.cons.pending
		c.retrans, c.msg = true, nil
		c.ref, c.enc, c.withAck = m.AdvSeqNr, m.Body, m.Ack != 0
		return Retry
	case OnAckAdvertisement, OnRejectAdvertisement, OnConfigure:
		cur := p.currentAdvSeq()
		if p.mc != MCAdvProcessing && !(trig == OnConfigure && (p.mc == MCConf || p.mc == MCEstablished)) {
			return Always // refused by the table
		}
		if cur == 0 || (ev.SeqNr != 0 && ev.SeqNr != cur) {
			return Outdated
		}
		c.ref = cur
		switch trig {
		case OnAckAdvertisement:
			c.code = CodeSuccess
		case OnRejectAdvertisement:
			c.code, c.reason = ev.Code, ev.Reason
		case OnConfigure:
			c.enc = ev.Encodings
			// RFC 8847 §5.5: <ack> only when no ack was sent for this
			// advertisement, i.e. straight from ADV PROCESSING.
			c.withAck = p.mc == MCAdvProcessing
		}
	}
	return Always
}
