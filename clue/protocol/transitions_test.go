package protocol

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cluecam/cluecam/clue/model"
)

// The transition tests enumerate the three tables: for every row, drive a
// fresh participant into the row's state, fire its trigger so that its guard
// holds, and check that exactly this row was taken, the state is the row's
// target and (through endpoint.do) the actions are the row's actions.

func drvOpts(mod func(*Opts)) *Opts {
	o := DefaultOpts()
	o.InitialSeq = seqFrom(100, 200, 300)
	o.MaxRetransmits = 1 // so that both Retry and Exhausted are reachable
	if mod != nil {
		mod(o)
	}
	return o
}

var bogusEncodings = model.CaptureEncodings{{ID: "ce1", CaptureID: "NOPE", EncodingID: "ENC1"}}

const responseWait = 30 * time.Second

func rowName[S ~uint8](i int, r Transition[S], from, to string) string {
	return fmt.Sprintf("%03d %s|%s|%s->%s", i, from, r.On, r.If, to)
}

func TestEveryTransition(t *testing.T) {
	for i, r := range cpTable.rows {
		t.Run("participant/"+rowName(i, r, r.From.String(), r.To.String()), func(t *testing.T) { driveCP(t, i, r) })
	}
	for i, r := range mpTable.rows {
		t.Run("provider/"+rowName(i, r, r.From.String(), r.To.String()), func(t *testing.T) { driveMP(t, i, r) })
	}
	for i, r := range mcTable.rows {
		t.Run("consumer/"+rowName(i, r, r.From.String(), r.To.String()), func(t *testing.T) { driveMC(t, i, r) })
	}
}

// checkRow asserts that e took row idx of machine m since mark and that a
// refusal happened exactly for refusing rows.
func checkRow(t *testing.T, e *endpoint, mark int, m Machine, idx int, refused bool, err error) {
	t.Helper()
	taken := slices.ContainsFunc(e.all[mark:], func(r TraceRecord) bool { return r.Machine == m && r.Row == idx })
	if !taken {
		t.Fatalf("row not taken; rows taken: %+v (err %v)", e.all[mark:], err)
	}
	if refused != (err != nil) {
		t.Fatalf("refused %v, error %v", refused, err)
	}
	if err != nil && !errors.Is(err, ErrNotAllowed) && !errors.Is(err, ErrStale) {
		t.Fatalf("refusal error %v", err)
	}
}

func callLocal(t testing.TB, e *endpoint, on Trigger) error {
	switch on {
	case OnAdvertise:
		return e.advertise(adv3Body(t))
	case OnSettingsChanged:
		return e.settingsChanged()
	case OnConfigureResult:
		return e.configureResult(0, CodeSuccess)
	case OnAckAdvertisement:
		return e.ackAdv(0)
	case OnRejectAdvertisement:
		return e.rejectAdv(0, CodeSemanticErrors)
	}
	return e.configure(0, conf4Body(t))
}

// ---- participant ----

func cpLink(t *testing.T, s CPState, ma, mb func(*Opts)) *link {
	l := newLink(t, drvOpts(ma), drvOpts(mb))
	a := l.a
	switch s {
	case CPChannelSetup:
		must(t, a.startChannel())
	case CPOptionsCI:
		must(t, a.startChannel())
		must(t, a.channelUp(true))
		l.queue = nil // B is not listening
	case CPOptionsCR:
		must(t, a.startChannel())
		must(t, a.channelUp(false))
	case CPActive:
		l.connect()
	}
	return l
}

// validFrom returns a well-formed message of the type trig receives, as b
// would send it (explicit sequence numbers before ACTIVE).
func validFrom(t *testing.T, b *endpoint, trig Trigger, seq uint64) []byte {
	v := b.version()
	h := Header{V: v, SeqNr: seq}
	switch trig {
	case OnRecvOptions:
		return b.craft(&Options{Header: h, MediaProvider: true, MediaConsumer: true, SupportedVersions: []Version{Version10}})
	case OnRecvOptionsResponse:
		return b.craft(&OptionsResponse{Header: h, Response: Response{Code: 200}, MediaProvider: boolp(true), MediaConsumer: boolp(true), Version: Version10})
	case OnRecvAdvertisement:
		return b.craft(&Advertisement{Header: h, Body: adv3Body(t)})
	case OnRecvAck:
		return b.craft(&Ack{Header: h, Response: Response{Code: 200}, AdvSeqNr: 1})
	case OnRecvConfigure:
		return b.craft(&Configure{Header: h, AdvSeqNr: 1})
	case OnRecvConfigureResponse:
		return b.craft(&ConfigureResponse{Header: h, Response: Response{Code: 200}, ConfSeqNr: 1})
	}
	return []byte("not a CLUE message")
}

func driveCP(t *testing.T, idx int, r Transition[CPState]) {
	var ma, mb func(*Opts)
	if r.If == NoRole {
		if slices.Contains(mpTriggers, r.On) {
			mb = func(o *Opts) { o.MediaConsumer = false } // B is no MC: our MP does not run
		} else {
			mb = func(o *Opts) { o.MediaProvider = false } // B is no MP: our MC does not run
		}
	}
	l := cpLink(t, r.From, ma, mb)
	a, b := l.a, l.b
	mark := len(a.all)
	var err error
	switch r.On {
	case OnStartChannel:
		err = a.startChannel()
	case OnChannelUp:
		err = a.channelUp(r.If != Receiver)
	case OnChannelLost:
		a.channelLost()
	case OnRecvOptions, OnRecvOptionsResponse, OnRecvAdvertisement, OnRecvAck, OnRecvConfigure, OnRecvConfigureResponse, OnRecvUnknown:
		switch r.If {
		case Always, Accept, Success, Delegate:
			a.receive(validFrom(t, b, r.On, 7))
		case Reject:
			a.receive(b.craft(&Options{Header: Header{V: Version{2, 0}, SeqNr: 7}, MediaProvider: true, SupportedVersions: []Version{{2, 0}}}))
		case Failure:
			a.receive(b.craft(&OptionsResponse{Header: hdr(Version10, 7), Response: Response{Code: CodeVersionNotSupported}}))
		case Respond: // 401: a version other than the negotiated one
			a.receive(validFrom(t, b, r.On, 0))
			if r.On == OnRecvAdvertisement {
				a.receive(b.craft(&Advertisement{Header: Header{V: Version{1, 1}}, Body: adv3Body(t)}))
			} else {
				a.receive(b.craft(&Configure{Header: Header{V: Version{1, 1}}, AdvSeqNr: 1}))
			}
		case Drop:
			if r.On == OnRecvAck || r.On == OnRecvConfigureResponse {
				a.receive(validFrom(t, b, r.On, 0))
				seq := b.p.out[r.On.On2Kind().Space()].Peek() - 1
				a.receive(validFrom(t, b, r.On, seq)) // repeated sequence number on a response: 402, unanswerable
			} else {
				a.receive([]byte(doc(r.On.On2Kind().String(), "", "<sequenceNr>x</sequenceNr>")))
			}
		}
	case OnTimerOptions, OnTimerAck, OnTimerConfResp:
		id := map[Trigger]TimerID{OnTimerOptions: TimerOptions, OnTimerAck: TimerAck, OnTimerConfResp: TimerConfResp}[r.On]
		switch r.If {
		case NotRunning:
			a.step(Event{Kind: EvTimer, Timer: id, Gen: 12345})
		case Running:
			l.advance(a.p.opts.OptionsTimeout)
		case Delegate, Exhausted:
			if r.On == OnTimerAck {
				must(t, a.advertise(adv3Body(t)))
			} else {
				must(t, b.advertise(adv3Body(t)))
				l.run()
				must(t, a.configure(0, conf4Body(t)))
			}
			l.queue, l.closed = nil, true // the peer never answers
			l.advance(responseWait)
			if r.If == Exhausted {
				l.advance(responseWait)
			}
		}
	default: // local decisions
		if r.If == Delegate {
			// Put the sub-machine where the decision is accepted.
			switch r.On {
			case OnConfigureResult:
				must(t, a.advertise(adv3Body(t)))
				l.run()
				must(t, b.configure(0, conf4Body(t)))
				l.run()
			case OnAckAdvertisement, OnRejectAdvertisement, OnConfigure:
				must(t, b.advertise(adv3Body(t)))
				l.run()
			}
		}
		err = callLocal(t, a, r.On)
	}
	l.run()
	checkRow(t, a, mark, MachineParticipant, idx, r.Do == nil, err)
	if cp, _, _ := a.p.State(); cp != r.To {
		t.Fatalf("state %s, want %s", cp, r.To)
	}
}

// On2Kind maps a receive trigger back to the message type.
func (t Trigger) On2Kind() Kind {
	for k := KindOptions; k <= KindConfigureResponse; k++ {
		if recvTrigger(k) == t {
			return k
		}
	}
	return KindUnknown
}

// ---- media provider ----

// mpLink returns a link whose A is an MP in state s (B the MC); in ADV the
// newest advertisement has been superseded by changed settings.
func mpLink(t *testing.T, s MPState) *link {
	l := newLink(t, drvOpts(nil), drvOpts(nil))
	l.connect()
	a, b := l.a, l.b
	must(t, a.advertise(adv3Body(t)))
	l.run()
	if s == MPWaitForAck {
		return l
	}
	if s == MPWaitForConf {
		must(t, b.ackAdv(0))
		l.run()
		return l
	}
	must(t, b.configure(0, conf4Body(t)))
	l.run()
	if s == MPConfResponse {
		return l
	}
	must(t, a.configureResult(0, CodeSuccess))
	l.run()
	if s == MPAdv {
		must(t, a.settingsChanged())
	}
	return l
}

func driveMP(t *testing.T, idx int, r Transition[MPState]) {
	l := mpLink(t, r.From)
	a, b := l.a, l.b
	if _, mp, _ := a.p.State(); mp != r.From {
		t.Fatalf("setup reached %s", mp)
	}
	latest := a.p.prov.latestAdv
	conf := conf4Body(t)
	cfg := func(adv uint64, ack bool, body CaptureEncodingsBody) {
		m := &Configure{AdvSeqNr: adv, Body: body}
		if ack {
			m.Ack = CodeSuccess
		}
		b.sendAs(b.craft(m))
	}
	older := latest - 1 // an advertisement sequence number below the newest
	if r.From == MPAdv {
		older = latest // in ADV the newest is being replaced
	}
	mark := len(a.all)
	var err error
	switch r.On {
	case OnAdvertise, OnSettingsChanged:
		err = callLocal(t, a, r.On)
	case OnConfigureResult:
		switch r.If {
		case Failure:
			err = a.configureResult(0, CodeSemanticErrors)
		case Outdated:
			err = a.configureResult(latest+999, CodeSuccess)
		default:
			err = a.configureResult(0, CodeSuccess)
		}
	case OnTimerAck:
		l.closed = true // the peer never answers
		l.advance(responseWait)
	case OnRecvAck:
		switch r.If {
		case Success:
			err = b.ackAdv(0)
		case Failure:
			err = b.rejectAdv(0, CodeSemanticErrors)
		default:
			b.sendAs(b.craft(&Ack{Response: Response{Code: 200}, AdvSeqNr: latest + 5}))
		}
	case OnRecvConfigure:
		withAck := r.From == MPWaitForAck
		switch r.If {
		case Acceptable:
			cfg(latest, withAck, conf)
		case Unacceptable:
			cfg(latest, withAck, bogusEncodings)
		case Ignore:
			cfg(older, true, conf)
		case Outdated:
			cfg(older, false, conf)
		case Misplaced:
			cfg(latest+7, false, conf)
		case Malformed:
			b.sendAs(b.craftRaw(KindConfigure, "<advSequenceNr>"+strconv.FormatUint(latest+7, 10)+"</advSequenceNr><bogus/>"))
		}
	}
	l.run()
	checkRow(t, a, mark, MachineProvider, idx, r.Do == nil, err)
	if _, mp, _ := a.p.State(); mp != r.To {
		t.Fatalf("state %s, want %s", mp, r.To)
	}
}

// ---- media consumer ----

// mcLink returns a link whose B is an MC in state s (A the MP).
func mcLink(t *testing.T, s MCState) *link {
	l := newLink(t, drvOpts(nil), drvOpts(nil))
	l.connect()
	a, b := l.a, l.b
	if s == MCWaitForAdv {
		return l
	}
	must(t, a.advertise(adv3Body(t)))
	l.run()
	switch s {
	case MCAdvProcessing:
		return l
	case MCConf:
		must(t, b.ackAdv(0))
		l.run()
		return l
	}
	must(t, b.configure(0, conf4Body(t)))
	l.run()
	if s == MCEstablished {
		must(t, a.configureResult(0, CodeSuccess))
		l.run()
	}
	return l
}

func driveMC(t *testing.T, idx int, r Transition[MCState]) {
	l := mcLink(t, r.From)
	a, b := l.a, l.b
	if _, _, mc := b.p.State(); mc != r.From {
		t.Fatalf("setup reached %s", mc)
	}
	mark := len(b.all)
	var err error
	switch r.On {
	case OnRecvAdvertisement:
		if r.If == Valid {
			must(t, a.advertise(adv3Body(t)))
		} else {
			a.sendAs(a.craftRaw(KindAdvertisement, "<mediaCaptures/>"))
		}
	case OnRecvConfigureResponse:
		switch r.If {
		case Success:
			must(t, a.configureResult(0, CodeSuccess))
		case Failure:
			must(t, a.configureResult(0, CodeSemanticErrors))
		default:
			a.sendAs(a.craft(&ConfigureResponse{Response: Response{Code: 200}, ConfSeqNr: 99999}))
		}
	case OnTimerConfResp:
		l.closed = true // the peer never answers
		l.advance(responseWait)
	case OnAckAdvertisement, OnRejectAdvertisement, OnConfigure:
		if r.If == Outdated {
			switch r.On {
			case OnAckAdvertisement:
				err = b.ackAdv(99999)
			case OnRejectAdvertisement:
				err = b.rejectAdv(99999, CodeSemanticErrors)
			default:
				err = b.configure(99999, conf4Body(t))
			}
		} else {
			err = callLocal(t, b, r.On)
		}
	}
	l.run()
	checkRow(t, b, mark, MachineConsumer, idx, r.Do == nil, err)
	if _, _, mc := b.p.State(); mc != r.To {
		t.Fatalf("state %s, want %s", mc, r.To)
	}
}

// TestTablesTotal: the participant table has a row for every state and
// trigger; the sub-machine tables have one for every state and every
// message or local decision (timers only where they run); no row repeats a
// (state, trigger, guard).
func TestTablesTotal(t *testing.T) {
	for s := CPIdle; s < numCPStates; s++ {
		for on := OnStartChannel; on < numTriggers; on++ {
			if !hasRow(cpTable.rows, s, on) {
				t.Errorf("participant: no row for %s / %s", s, on)
			}
		}
	}
	for s := MPAdv; s < numMPStates; s++ {
		for _, on := range []Trigger{OnRecvAck, OnRecvConfigure, OnAdvertise, OnSettingsChanged, OnConfigureResult} {
			if !hasRow(mpTable.rows, s, on) {
				t.Errorf("provider: no row for %s / %s", s, on)
			}
		}
	}
	for s := MCWaitForAdv; s < numMCStates; s++ {
		for _, on := range []Trigger{OnRecvAdvertisement, OnRecvConfigureResponse, OnAckAdvertisement, OnRejectAdvertisement, OnConfigure} {
			if !hasRow(mcTable.rows, s, on) {
				t.Errorf("consumer: no row for %s / %s", s, on)
			}
		}
	}
	// Every row cites its rule.
	for _, r := range cpTable.rows {
		if r.Ref == "" {
			t.Errorf("participant row without reference: %+v", r)
		}
	}
	for _, r := range mpTable.rows {
		if r.Ref == "" {
			t.Errorf("provider row without reference: %+v", r)
		}
	}
	for _, r := range mcTable.rows {
		if r.Ref == "" {
			t.Errorf("consumer row without reference: %+v", r)
		}
	}
}
