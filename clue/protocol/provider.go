package protocol

import (
	"errors"
	"fmt"
)

// ---- the Media Provider table, RFC 8847 §6.1 Figure 10 ----

var mpTable = newTable("provider", buildMPRows())

func buildMPRows() []Transition[MPState] {
	var rows []Transition[MPState]
	add := func(from MPState, on Trigger, g Guard, to MPState, do []Step, ref string) {
		rows = append(rows, Transition[MPState]{From: from, On: on, If: g, To: to, Do: do, Ref: ref})
	}
	const f10 = "RFC 8847 §6.1"
	running := []MPState{MPAdv, MPWaitForAck, MPWaitForConf, MPConfResponse, MPEstablished}

	add(MPAdv, OnAdvertise, Always, MPWaitForAck, steps(send(KindAdvertisement), start(TimerAck)), f10+" advertisement sent")
	add(MPWaitForAck, OnAdvertise, Always, MPWaitForAck, steps(stop(TimerAck), send(KindAdvertisement), start(TimerAck)), f10+" changed telepresence settings, then advertisement sent")
	for _, s := range []MPState{MPWaitForConf, MPConfResponse, MPEstablished} {
		add(s, OnAdvertise, Always, MPWaitForAck, steps(send(KindAdvertisement), start(TimerAck)), f10+" changed telepresence settings, then advertisement sent")
	}
	add(MPAdv, OnSettingsChanged, Always, MPAdv, steps(), f10+" already preparing an advertisement")
	add(MPWaitForAck, OnSettingsChanged, Always, MPAdv, steps(stop(TimerAck)), f10+" changed telepresence settings")
	for _, s := range []MPState{MPWaitForConf, MPConfResponse, MPEstablished} {
		add(s, OnSettingsChanged, Always, MPAdv, steps(), f10+" changed telepresence settings")
	}

	// ack
	add(MPWaitForAck, OnRecvAck, Success, MPWaitForConf, steps(stop(TimerAck), notify(NoteAdvertisementAcked)), f10+" ack received")
	add(MPWaitForAck, OnRecvAck, Failure, MPAdv, steps(stop(TimerAck), notify(NoteAdvertisementRejected)), f10+" NACK received: prepare a new advertisement")
	for _, s := range running {
		add(s, OnRecvAck, Ignore, s, ignored(), f10+" \"Messages not shown for a state do not cause the state to change\"; an ack of an out-of-date advertisement is ignored like a configure+ack")
	}

	// configure
	add(MPWaitForAck, OnRecvConfigure, Acceptable, MPConfResponse, steps(stop(TimerAck), notify(NoteConfigureReceived)), f10+" configure+ack received")
	add(MPWaitForAck, OnRecvConfigure, Unacceptable, MPWaitForConf, steps(stop(TimerAck), send(KindConfigureResponse), notify(NoteRejected)), f10+" configure+ack received, then error configureResponse sent")
	for _, s := range []MPState{MPWaitForConf, MPEstablished} {
		add(s, OnRecvConfigure, Acceptable, MPConfResponse, steps(notify(NoteConfigureReceived)), f10+" configure received")
		add(s, OnRecvConfigure, Unacceptable, MPWaitForConf, steps(send(KindConfigureResponse), notify(NoteRejected)), f10+" configure received, then error configureResponse sent")
	}
	for _, s := range running {
		add(s, OnRecvConfigure, Ignore, s, ignored(), f10+" configure+ack for an out-of-date advertisement \"MUST be ignored\"")
		add(s, OnRecvConfigure, Outdated, s, steps(send(KindConfigureResponse), notify(NoteRejected)), "RFC 8847 §5.7 404 Advertisement expired")
		add(s, OnRecvConfigure, Misplaced, s, steps(send(KindConfigureResponse), notify(NoteRejected)), "RFC 8847 §5.5, §5.7 400: not acceptable in this state")
		add(s, OnRecvConfigure, Malformed, s, steps(send(KindConfigureResponse), notify(NoteRejected)), "RFC 8847 §7 invalid content (3xx), no state change")
	}

	// the application's answer to a configure
	add(MPConfResponse, OnConfigureResult, Success, MPEstablished, steps(send(KindConfigureResponse)), f10+" successful configureResponse sent")
	add(MPConfResponse, OnConfigureResult, Failure, MPWaitForConf, steps(send(KindConfigureResponse)), f10+" error configureResponse sent")
	add(MPConfResponse, OnConfigureResult, Outdated, MPConfResponse, refuse, "refers to another configure (ErrStale)")
	for _, s := range []MPState{MPAdv, MPWaitForAck, MPWaitForConf, MPEstablished} {
		add(s, OnConfigureResult, Always, s, refuse, "no configure being processed")
	}

	// supervision (not in the RFC: Opts.ResponseTimeout / MaxRetransmits)
	add(MPWaitForAck, OnTimerAck, Retry, MPWaitForAck, steps(send(KindAdvertisement), start(TimerAck), notify(NoteRetransmit)), "no answer: advertisement sent again with a new sequence number")
	return rows
}

// stepProvider runs the MP sub-machine on a trigger the participant
// delegated.
func (p *Participant) stepProvider(acts []Action, trig Trigger, c *stepCtx) ([]Action, error) {
	g := p.classifyProvider(trig, c)
	i, ok := mpTable.lookup(p.mp, trig, g)
	if !ok {
		return acts, fmt.Errorf("%w: no provider transition for %s / %s / %s", ErrNotAllowed, p.mp, trig, g)
	}
	row := &mpTable.rows[i]
	p.trace(MachineProvider, i, p.mp.String(), row.To.String(), row.On, row.If)
	if row.Do == nil {
		if g == Outdated {
			return nil, fmt.Errorf("%w: configure %d is not the one being processed", ErrStale, c.ev.SeqNr)
		}
		return nil, p.refusal(trig)
	}
	switch {
	case trig == OnRecvConfigure && g == Acceptable:
		p.prov.pending = c.msg.(*Configure)
	case trig == OnConfigureResult:
		if g == Success {
			p.prov.current = p.prov.pending
		}
		p.prov.pending = nil
	case trig == OnAdvertise || trig == OnSettingsChanged:
		p.prov.pending = nil // a configure being processed is abandoned (§6.1)
	}
	p.mp = row.To
	return p.perform(acts, row.Do, c), nil
}

func (p *Participant) classifyProvider(trig Trigger, c *stepCtx) Guard {
	ev := c.ev
	switch trig {
	case OnAdvertise:
		c.adv = ev.Adv
	case OnTimerAck:
		c.retrans = true
		c.msg = nil
		return Retry
	case OnConfigureResult:
		if p.mp != MPConfResponse || p.prov.pending == nil {
			return Always
		}
		if ev.SeqNr != 0 && ev.SeqNr != p.prov.pending.SeqNr {
			return Outdated
		}
		c.code, c.reason, c.ref = ev.Code, ev.Reason, p.prov.pending.SeqNr
		c.msg = p.prov.pending
		if ev.Code.IsSuccess() {
			return Success
		}
		return Failure
	case OnRecvAck:
		return p.classifyAck(c)
	case OnRecvConfigure:
		return p.classifyConfigure(c)
	}
	return Always
}

func (p *Participant) classifyAck(c *stepCtx) Guard {
	a := c.msg.(*Ack)
	var pe *ParseError
	errors.As(c.ev.Err, &pe)
	switch {
	case p.mp != MPWaitForAck:
		c.err = protoErr(0, false, asErr(pe), "ack for advertisement %d in provider state %s", a.AdvSeqNr, p.mp)
	case pe != nil:
		c.err = protoErr(0, false, asErr(pe), "invalid ack (nothing can answer an ack)")
	case a.AdvSeqNr != p.prov.latestAdv:
		// RFC 8847 §6.1 only says how to treat an out-of-date configure+ack
		// (ignore it); an out-of-date ack is treated alike.
		c.err = protoErr(0, false, nil, "ack for advertisement %d, waiting for %d", a.AdvSeqNr, p.prov.latestAdv)
	case a.Code.IsSuccess():
		return Success
	default:
		c.code = a.Code
		c.err = protoErr(a.Code, false, nil, "advertisement %d rejected: %q", a.AdvSeqNr, a.Reason)
		return Failure
	}
	return Ignore
}

// classifyConfigure sorts a configure (RFC 8847 §5.5, §6.1). Out of date means
// "having a sequence number less than the highest generated so far"; in ADV
// the newest advertisement is also out of date, since the MP is replacing it.
func (p *Participant) classifyConfigure(c *stepCtx) Guard {
	m := c.msg.(*Configure)
	var pe *ParseError
	errors.As(c.ev.Err, &pe)
	c.ref = m.SeqNr
	hasAck := m.Ack != 0
	bad := func(code Code, g Guard, format string, args ...any) Guard {
		c.code = code
		c.reason = fmt.Sprintf(format, args...)
		c.err = protoErr(code, false, asErr(pe), "%s", c.reason)
		return g
	}
	malformed := func() Guard { return bad(pe.Code, Malformed, "%s", pe.Msg) }
	latest := p.prov.latestAdv
	switch {
	case m.AdvSeqNr == 0: // only in a partial message
		return malformed()
	case m.AdvSeqNr > latest:
		if pe != nil {
			return malformed()
		}
		return bad(CodeSemanticErrors, Misplaced, "advSequenceNr %d names no advertisement we sent", m.AdvSeqNr)
	case m.AdvSeqNr < latest || p.mp == MPAdv:
		if hasAck {
			// RFC 8847 §6.1: "'configure+ack' messages referring to out-of-
			// date ... advertisements MUST be ignored".
			c.err = protoErr(0, false, asErr(pe), "configure+ack for out-of-date advertisement %d (newest %d)", m.AdvSeqNr, latest)
			return Ignore
		}
		if pe != nil {
			return malformed()
		}
		return bad(CodeAdvertisementExpired, Outdated, "advertisement %d is out of date", m.AdvSeqNr)
	}
	// m.AdvSeqNr == latest, a current advertisement.
	switch p.mp {
	case MPWaitForAck:
		if hasAck {
			break
		}
		if pe != nil {
			return malformed()
		}
		return bad(CodeSemanticErrors, Misplaced, "configure without <ack> for advertisement %d, which was not acknowledged (RFC 8847 §5.5, §6.1)", m.AdvSeqNr)
	case MPWaitForConf, MPEstablished:
		if !hasAck {
			break
		}
		if pe != nil {
			return malformed()
		}
		return bad(CodeSemanticErrors, Misplaced, "<ack> MUST NOT be present: advertisement %d was already acknowledged (RFC 8847 §5.5)", m.AdvSeqNr)
	default: // MPConfResponse
		if pe != nil {
			return malformed()
		}
		return bad(CodeSemanticErrors, Misplaced, "configure %d is still being processed", p.prov.pending.SeqNr)
	}
	if pe != nil {
		return bad(pe.Code, Unacceptable, "%s", pe.Msg)
	}
	// RFC 8845 §10: the configure MUST be valid for the advertisement.
	if code, why := p.opts.CheckConfigure(&p.prov.body, m); !code.IsSuccess() {
		return bad(code, Unacceptable, "%s", why)
	}
	return Acceptable
}
