package protocol

import (
	"errors"
	"strings"
	"testing"
)

// activeLink returns two participants in ACTIVE (A is CI), default options
// with fixed sequence numbers, modified by ma / mb.
func activeLink(t *testing.T, ma, mb func(*Opts)) *link {
	t.Helper()
	o := func(mod func(*Opts)) *Opts {
		x := DefaultOpts()
		x.InitialSeq = seqFrom(100, 200, 300)
		if mod != nil {
			mod(x)
		}
		return x
	}
	l := newLink(t, o(ma), o(mb))
	l.connect()
	return l
}

// lastSent returns the last message of kind k that e sent.
func lastSent[M Message](t testing.TB, e *endpoint) M {
	t.Helper()
	for i := len(e.sent) - 1; i >= 0; i-- {
		if m, ok := e.sent[i].(M); ok {
			return m
		}
	}
	var zero M
	t.Fatalf("%s sent no %T", e.name, zero)
	return zero
}

func wantCode(t testing.TB, got, want Code) {
	t.Helper()
	if got != want {
		t.Fatalf("response code %d, want %d", got, want)
	}
}

// TestResponseCodes provokes every code of RFC 8847 §5.7 Table 1 through the
// state machines (or, where nothing can be answered, the parser) and checks
// the message that carries it. The subtest names are the codes; the test
// fails if a code of Codes() has no subtest.
func TestResponseCodes(t *testing.T) {
	cases := map[Code]func(t *testing.T){
		// 200: the initiation phase and a configure accepted.
		200: func(t *testing.T) {
			l := activeLink(t, nil, nil)
			wantCode(t, lastSent[*OptionsResponse](t, l.b).Code, 200)
			must(t, l.a.advertise(adv3Body(t)))
			l.run()
			must(t, l.b.configure(0, conf4Body(t)))
			l.run()
			must(t, l.a.configureResult(0, CodeSuccess))
			l.run()
			r := lastSent[*ConfigureResponse](t, l.a)
			wantCode(t, r.Code, 200)
			if r.Reason != "Success" {
				t.Error(r.Reason)
			}
		},
		// 300: an advertisement over the size limit (ParseOpts.MaxSize) is
		// NACKed with 300; the MC waits for a new advertisement.
		300: func(t *testing.T) {
			l := activeLink(t, nil, nil)
			big := l.a.craft(&Advertisement{Body: adv3Body(t)})
			big = []byte(strings.Replace(string(big), "<mediaCaptures>", "<!--"+strings.Repeat("x", 70000)+"--><mediaCaptures>", 1))
			l.a.sendAs(big)
			nack := lastSent[*Ack](t, l.b)
			wantCode(t, nack.Code, CodeLowLevelError)
			if nack.AdvSeqNr != 200 {
				t.Errorf("NACK refers to %d", nack.AdvSeqNr)
			}
			wantStates(t, l.b, CPActive, MPAdv, MCWaitForAdv)
		},
		// 301: bad syntax in an advertisement (an empty group).
		301: func(t *testing.T) {
			l := activeLink(t, nil, nil)
			l.a.sendAs(l.a.craftRaw(KindAdvertisement, "<mediaCaptures></mediaCaptures>"))
			wantCode(t, lastSent[*Ack](t, l.b).Code, CodeBadSyntax)
			l.run() // the MP sees the NACK and prepares a new advertisement
		},
		// 302: an invalid value in a configure (<ack> must be 2xx).
		302: func(t *testing.T) {
			l := activeLink(t, nil, nil)
			must(t, l.a.advertise(adv3Body(t)))
			l.run()
			l.b.sendAs(l.b.craftRaw(KindConfigure, "<advSequenceNr>200</advSequenceNr><ack>400</ack>"))
			r := lastSent[*ConfigureResponse](t, l.a)
			wantCode(t, r.Code, CodeInvalidValue)
			wantStates(t, l.a, CPActive, MPWaitForAck, MCWaitForAdv)
		},
		// 303: options listing two versions of one major (RFC 8847 §5.1
		// "Exactly one <version> element MUST be provided for each major
		// version"): the CR answers 303 and the initiation fails.
		303: func(t *testing.T) {
			l := cpLink(t, CPOptionsCR, nil, nil)
			l.a.receive([]byte(doc("options", "", `<sequenceNr>1</sequenceNr><mediaProvider>true</mediaProvider><mediaConsumer>true</mediaConsumer><supportedVersions><version>1.0</version><version>1.3</version></supportedVersions>`)))
			wantCode(t, lastSent[*OptionsResponse](t, l.a).Code, CodeConflictingValues)
			if pe := l.a.terminated(); pe == nil || pe.Code != CodeConflictingValues {
				t.Fatal("not terminated with 303")
			}
			wantStates(t, l.a, CPIdle, MPInactive, MCInactive)
		},
		// 400: a configure without <ack> for an advertisement that was not
		// acknowledged (RFC 8847 §5.5, §6.1), and an advertisement to a
		// participant that did not negotiate the MC role.
		400: func(t *testing.T) {
			l := activeLink(t, nil, nil)
			must(t, l.a.advertise(adv3Body(t)))
			l.run()
			l.b.sendAs(l.b.craft(&Configure{AdvSeqNr: 200, Body: conf4Body(t)}))
			wantCode(t, lastSent[*ConfigureResponse](t, l.a).Code, CodeSemanticErrors)
			wantStates(t, l.a, CPActive, MPWaitForAck, MCWaitForAdv)

			l = activeLink(t, func(o *Opts) { o.MediaConsumer = false }, nil)
			wantStates(t, l.a, CPActive, MPAdv, MCInactive)
			l.b.sendAs(l.b.craft(&Advertisement{Body: adv3Body(t)}))
			wantCode(t, lastSent[*Ack](t, l.a).Code, CodeSemanticErrors)
		},
		// 401: no common version in options (RFC 8847 §5.2), and a message
		// after the initiation phase with another version than negotiated.
		401: func(t *testing.T) {
			l := newLink(t, &Opts{MediaProvider: true, Versions: []Version{{2, 0}}}, nil)
			l.connect()
			wantCode(t, lastSent[*OptionsResponse](t, l.b).Code, CodeVersionNotSupported)
			if r := lastSent[*OptionsResponse](t, l.b); r.V != (Version{2, 0}) {
				t.Errorf("optionsResponse v=%s, want the options' v", r.V)
			}
			for _, e := range []*endpoint{l.a, l.b} {
				if pe := e.terminated(); pe == nil || pe.Code != CodeVersionNotSupported {
					t.Fatalf("%s not terminated with 401", e.name)
				}
				wantStates(t, e, CPIdle, MPInactive, MCInactive)
			}

			l = activeLink(t, nil, nil)
			must(t, l.a.advertise(adv3Body(t)))
			l.run()
			l.b.sendAs(l.b.craft(&Configure{Header: Header{V: Version{1, 1}}, AdvSeqNr: 200, Ack: 200, Body: conf4Body(t)}))
			wantCode(t, lastSent[*ConfigureResponse](t, l.a).Code, CodeVersionNotSupported)
			wantStates(t, l.a, CPActive, MPWaitForAck, MCWaitForAdv)
		},
		// 402: a sequence gap and a repeated sequence number (RFC 8847 §5).
		402: func(t *testing.T) {
			l := activeLink(t, nil, nil)
			must(t, l.a.advertise(adv3Body(t)))
			l.run()
			must(t, l.b.ackAdv(0)) // 300, the first of B's consumer space
			l.run()
			l.b.nextSeq(SpaceConsumer) // B skips 301
			l.b.sendAs(l.b.craft(&Configure{AdvSeqNr: 200, Body: conf4Body(t)}))
			r := lastSent[*ConfigureResponse](t, l.a)
			wantCode(t, r.Code, CodeInvalidSequencing)
			if r.ConfSeqNr != 302 {
				t.Errorf("confSequenceNr %d", r.ConfSeqNr)
			}
			wantStates(t, l.a, CPActive, MPWaitForConf, MCWaitForAdv)
			// The tracker remembered 302: B's next configure is accepted.
			l.b.sendAs(l.b.craft(&Configure{AdvSeqNr: 200, Body: conf4Body(t)}))
			wantStates(t, l.a, CPActive, MPConfResponse, MCWaitForAdv)

			// A repeated advertisement is NACKed with 402 and changes nothing.
			l = activeLink(t, nil, nil)
			must(t, l.a.advertise(adv3Body(t)))
			l.run()
			wantStates(t, l.b, CPActive, MPAdv, MCAdvProcessing)
			l.a.sendAs(mustMarshal(t, l.a.sent[len(l.a.sent)-1]))
			nack := lastSent[*Ack](t, l.b)
			wantCode(t, nack.Code, CodeInvalidSequencing)
			wantStates(t, l.b, CPActive, MPAdv, MCAdvProcessing)
		},
		// 403: the peer's clueId changes (RFC 8847 §5.7 "invalid or
		// unknown"), and a CR configured to accept only one peer.
		403: func(t *testing.T) {
			l := activeLink(t, nil, func(o *Opts) { o.ClueID = "CP2" })
			must(t, l.a.advertise(adv3Body(t)))
			l.run()
			l.b.sendAs(l.b.craft(&Configure{Header: Header{ClueID: "MALLORY"}, AdvSeqNr: 200, Ack: 200, Body: conf4Body(t)}))
			wantCode(t, lastSent[*ConfigureResponse](t, l.a).Code, CodeInvalidIdentifier)

			l = newLink(t, &Opts{MediaProvider: true, ClueID: "CPX"}, &Opts{MediaConsumer: true, PeerClueID: "CP1"})
			l.connect()
			wantCode(t, lastSent[*OptionsResponse](t, l.b).Code, CodeInvalidIdentifier)
			wantStates(t, l.b, CPIdle, MPInactive, MCInactive)
		},
		// 404: a configure that refers to an out-of-date advertisement.
		404: func(t *testing.T) {
			l := activeLink(t, nil, nil)
			must(t, l.a.advertise(adv3Body(t)))
			l.run()
			must(t, l.b.ackAdv(0))
			l.run()
			must(t, l.a.advertise(adv3Body(t))) // 201, supersedes 200
			l.b.sendAs(l.b.craft(&Configure{AdvSeqNr: 200, Body: conf4Body(t)}))
			wantCode(t, lastSent[*ConfigureResponse](t, l.a).Code, CodeAdvertisementExpired)
			wantStates(t, l.a, CPActive, MPWaitForAck, MCWaitForAdv)
		},
		// 405: RFC 8847 §10.8's configure on §10.6's advertisement with the
		// default checks (DIGEST §9 #12: a correct MP answers 405).
		405: func(t *testing.T) {
			// §10.6 itself breaks RFC 8846 §11.5.2; B must be willing to send
			// §10.8, which its own check would refuse.
			relaxed := func(o *Opts) { o.CheckAdvertisement = acceptAllAdv }
			l := activeLink(t, relaxed, func(o *Opts) { relaxed(o); o.CheckConfigure = acceptAllConf })
			must(t, l.a.advertise(adv6Body(t)))
			l.run()
			must(t, l.b.configure(0, conf8Body(t)))
			l.run()
			r := lastSent[*ConfigureResponse](t, l.a)
			wantCode(t, r.Code, CodeSubsetChoiceNotAllowed)
			if !strings.Contains(r.Reason, "VC7") {
				t.Errorf("reason %q", r.Reason)
			}
			wantStates(t, l.a, CPActive, MPWaitForConf, MCWaitForAdv)
			wantStates(t, l.b, CPActive, MPAdv, MCConf)
			if n := l.b.lastNote(NoteConfigureFailed); n.Code != 405 {
				t.Errorf("MC told %d", n.Code)
			}
		},
	}
	for _, c := range Codes() {
		if cases[c] == nil {
			t.Errorf("no test provokes %s", c)
		}
	}
	for _, c := range Codes() {
		if f := cases[c]; f != nil {
			t.Run(c.String(), f)
		}
	}
}

// ---- initiation phase ----

func TestInitiation(t *testing.T) {
	l := newLink(t, &Opts{ClueID: "A", MediaProvider: true, MediaConsumer: true, InitialSeq: seqFrom(5, 6, 7)},
		&Opts{ClueID: "B", MediaConsumer: true, InitialSeq: seqFrom(50, 60, 70)})
	l.connect()
	o := lastSent[*Options](t, l.a)
	if o.V != Version10 || o.SeqNr != 5 || !o.MediaProvider || !o.MediaConsumer || len(o.SupportedVersions) != 1 || o.ClueID != "A" {
		t.Errorf("options %+v", o)
	}
	r := lastSent[*OptionsResponse](t, l.b)
	if r.SeqNr != 50 || r.Code != 200 || *r.MediaProvider || !*r.MediaConsumer || r.Version != Version10 || r.CommonExtensions != nil {
		t.Errorf("optionsResponse %+v", r)
	}
	// A is MP and B is MC: only the A→B dialogue exists (RFC 8847 §4).
	wantStates(t, l.a, CPActive, MPAdv, MCInactive)
	wantStates(t, l.b, CPActive, MPInactive, MCWaitForAdv)
	if !l.a.hasNote(NoteActive) || !l.b.hasNote(NoteActive) || !l.a.p.Initiator() || l.b.p.Initiator() {
		t.Error("NoteActive / Initiator")
	}
	_, _, prov, cons, ok := l.b.p.Negotiated()
	if !ok || prov || !cons {
		t.Error("B roles")
	}
	if _, _, _, _, ok := New2(t).Negotiated(); ok {
		t.Error("negotiated before ACTIVE")
	}
	// RFC 8847 §6: further options / optionsResponse MUST be ignored.
	n := len(l.b.sent)
	l.a.sendAs(validFrom(t, l.a, OnRecvOptions, 0))
	l.b.sendAs(validFrom(t, l.b, OnRecvOptionsResponse, 0))
	if len(l.b.sent) != n || !l.b.hasNote(NoteIgnored) {
		t.Error("late options answered")
	}
	wantStates(t, l.b, CPActive, MPInactive, MCWaitForAdv)
}

func New2(t *testing.T) *Participant {
	p, err := New(nil)
	must(t, err)
	return p
}

// RFC 8847 §6: OPTIONS fails when the CI gets no optionsResponse or the CR
// no options before the timeout.
func TestOptionsTimeouts(t *testing.T) {
	for _, initiator := range []bool{true, false} {
		l := newLink(t, nil, nil)
		must(t, l.a.startChannel())
		acts, err := l.a.do(func() ([]Action, error) { return l.a.p.ChannelEstablished(initiator) })
		must(t, err)
		var timer Action
		for _, a := range acts {
			if a.Kind == ActStartTimer {
				timer = a
			}
		}
		if timer.Timer != TimerOptions || timer.After != 30*defaultSecond {
			t.Fatalf("timer %+v", timer)
		}
		l.queue = nil
		l.advance(29 * defaultSecond)
		wantStates(t, l.a, CPOptionsCR-boolState(initiator), MPInactive, MCInactive)
		l.advance(defaultSecond)
		pe := l.a.terminated()
		if pe == nil || !errors.Is(pe, ErrTimeout) {
			t.Fatalf("initiator %v: %v", initiator, pe)
		}
		wantStates(t, l.a, CPIdle, MPInactive, MCInactive)
	}
}

func boolState(b bool) CPState {
	if b {
		return 1
	}
	return 0
}

// DIGEST §9 #6: if both sides believe they are CI, each ignores the other's
// options; nobody answers and OPTIONS times out on both sides.
func TestBothInitiators(t *testing.T) {
	l := newLink(t, nil, nil)
	must(t, l.a.startChannel())
	must(t, l.b.startChannel())
	must(t, l.a.channelUp(true))
	must(t, l.b.channelUp(true))
	l.run()
	if !l.a.hasNote(NoteIgnored) || !l.b.hasNote(NoteIgnored) {
		t.Fatal("options not ignored")
	}
	l.advance(30 * defaultSecond)
	if l.a.terminated() == nil || l.b.terminated() == nil {
		t.Fatal("no timeout")
	}
}

func TestOptionsResponseChecks(t *testing.T) {
	for name, r := range map[string]*OptionsResponse{
		// The CR chose a version we never offered.
		"version": {Header: hdr(Version10, 9), Response: Response{Code: 200}, MediaProvider: boolp(true), MediaConsumer: boolp(true), Version: Version{1, 5}},
		// The CR chose an extension we never offered.
		"extension": {Header: hdr(Version10, 9), Response: Response{Code: 200}, MediaProvider: boolp(true), MediaConsumer: boolp(true), Version: Version10,
			CommonExtensions: []Extension{{"X", "urn:x", Version10}}},
	} {
		l := cpLink(t, CPOptionsCI, nil, nil)
		l.a.receive(mustMarshal(t, r))
		pe := l.a.terminated()
		if pe == nil || (name == "version") != (pe.Code == CodeVersionNotSupported) || (name == "extension") != (pe.Code == CodeConflictingValues) {
			t.Errorf("%s: %v", name, pe)
		}
		wantStates(t, l.a, CPIdle, MPInactive, MCInactive)
	}
}

func TestChannelLostAndNewSession(t *testing.T) {
	l := activeLink(t, nil, nil)
	must(t, l.a.advertise(adv3Body(t)))
	l.a.channelLost()
	wantStates(t, l.a, CPIdle, MPInactive, MCInactive)
	n := l.a.lastNote(NoteSessionEnded)
	if !errors.Is(n.Err, ErrChannelLost) {
		t.Error(n.Err)
	}
	if _, ok := l.a.timers.Next(); ok {
		t.Error("timers still armed after channel loss")
	}
	// Messages of the old session are ignored; a new session starts afresh
	// (new counters, new trackers, new negotiation).
	l.queue = nil
	l.b.channelLost()
	l.connect()
	wantStates(t, l.a, CPActive, MPAdv, MCWaitForAdv)
	wantStates(t, l.b, CPActive, MPAdv, MCWaitForAdv)
	// Counters restart with the session (InitialSeq is fixed here).
	if n := lastSent[*Options](t, l.a).SeqNr; n != 100 {
		t.Errorf("options of the new session: seq %d", n)
	}
}

// ---- provider and consumer behaviour ----

// RFC 8847 §6.1: "'configure+ack' messages referring to out-of-date ...
// advertisements MUST be ignored, i.e., they do not trigger any state
// transition."
func TestOutdatedConfigureAckIgnored(t *testing.T) {
	l := activeLink(t, nil, nil)
	must(t, l.a.advertise(adv3Body(t))) // 200
	must(t, l.a.advertise(adv3Body(t))) // 201 supersedes it before B answers
	n := len(l.a.sent)
	l.b.sendAs(l.b.craft(&Configure{AdvSeqNr: 200, Ack: 200, Body: conf4Body(t)}))
	if len(l.a.sent) != n || !l.a.hasNote(NoteIgnored) {
		t.Fatal("out-of-date configure+ack answered")
	}
	wantStates(t, l.a, CPActive, MPWaitForAck, MCWaitForAdv)
	// The current one is accepted.
	l.b.sendAs(l.b.craft(&Configure{AdvSeqNr: 201, Ack: 200, Body: conf4Body(t)}))
	wantStates(t, l.a, CPActive, MPConfResponse, MCWaitForAdv)
	if m := l.a.lastNote(NoteConfigureReceived).Msg.(*Configure); m.AdvSeqNr != 201 {
		t.Error(m)
	}
}

// A NACK sends the MP back to ADV; the application advertises again.
func TestNackAndReadvertise(t *testing.T) {
	l := activeLink(t, nil, nil)
	must(t, l.a.advertise(adv3Body(t)))
	l.run()
	_, err := l.b.do(func() ([]Action, error) { return l.b.p.RejectAdvertisement(0, 400, "no thanks") })
	must(t, err)
	l.run()
	wantStates(t, l.a, CPActive, MPAdv, MCWaitForAdv)
	if n := l.a.lastNote(NoteAdvertisementRejected); n.Code != 400 || n.Msg.(*Ack).Reason != "no thanks" {
		t.Error(n)
	}
	must(t, l.a.advertise(adv3Body(t)))
	l.run()
	wantStates(t, l.b, CPActive, MPAdv, MCAdvProcessing)
}

func TestRefusals(t *testing.T) {
	l := activeLink(t, nil, nil)
	must(t, l.a.advertise(adv3Body(t)))
	l.run()
	if _, err := l.b.p.RejectAdvertisement(0, 200, ""); !errors.Is(err, ErrInvalidCode) {
		t.Error("NACK with 200:", err)
	}
	if _, err := l.b.p.RejectAdvertisement(0, 500, ""); !errors.Is(err, ErrInvalidCode) {
		t.Error("NACK with 500 in v1:", err)
	}
	if _, err := l.a.p.ConfigureResult(0, 150, ""); !errors.Is(err, ErrInvalidCode) {
		t.Error("150:", err)
	}
	if err := l.b.ackAdv(12345); !errors.Is(err, ErrStale) {
		t.Error("stale ack:", err)
	}
	if _, err := l.a.p.Advertise(AdvertisementBody{}); !errors.Is(err, ErrInvalidMessage) {
		t.Error("empty advertisement:", err)
	}
	// Our own advertisement goes through the consumer's check (DIGEST §2.11).
	if _, err := l.a.p.Advertise(adv6Body(t)); !errors.Is(err, ErrInvalidMessage) {
		t.Error("§10.6 advertisement:", err)
	}
	if err := l.a.configure(0, nil); !errors.Is(err, ErrNotAllowed) {
		t.Error("configure before an advertisement:", err)
	}
	// The MC does not send a configure its peer would reject.
	if err := l.b.configure(0, bogusEncodings); !errors.Is(err, ErrInvalidMessage) {
		t.Error("configure of an unknown capture:", err)
	}
	if err := l.b.configure(0, CaptureEncodingsBody{{CaptureID: "AC0", EncodingID: "ENC4"}}); !errors.Is(err, ErrInvalidMessage) {
		t.Error("capture encoding without ID:", err)
	}
	// Step checks the arguments too, not only the wrappers.
	if _, err := l.a.p.Step(Event{Kind: EvAdvertise}); !errors.Is(err, ErrInvalidMessage) {
		t.Error("Step with an empty advertisement:", err)
	}
	if acts := l.a.p.Receive(nil); len(acts) != 1 || acts[0].Note != NoteIgnored {
		t.Error("empty message:", actionsString(acts))
	}
	if acts, err := l.a.p.Step(Event{Kind: EvReceive, Msg: (*Configure)(nil)}); err != nil || len(acts) != 1 || acts[0].Note != NoteIgnored {
		t.Error("nil message:", actionsString(acts), err)
	}
}

// Supervision: MaxRetransmits resends with a new sequence number, then the
// session ends (fatal), with default 30 s per wait.
func TestResponseTimeouts(t *testing.T) {
	l := activeLink(t, func(o *Opts) { o.MaxRetransmits = 1 }, nil)
	l.closed = true
	must(t, l.a.advertise(adv3Body(t)))
	first := lastSent[*Advertisement](t, l.a)
	l.advance(30 * defaultSecond)
	again := lastSent[*Advertisement](t, l.a)
	if again.SeqNr != first.SeqNr+1 || !l.a.hasNote(NoteRetransmit) {
		t.Fatalf("retransmission %d after %d", again.SeqNr, first.SeqNr)
	}
	l.advance(30 * defaultSecond)
	pe := l.a.terminated()
	if pe == nil || !errors.Is(pe, ErrTimeout) {
		t.Fatal(pe)
	}
	wantStates(t, l.a, CPIdle, MPInactive, MCInactive)

	// Default: no retransmission, the MC gives up after 30 s.
	l = activeLink(t, nil, nil)
	must(t, l.a.advertise(adv3Body(t)))
	l.run()
	l.closed = true
	must(t, l.b.configure(0, conf4Body(t)))
	l.advance(30 * defaultSecond)
	if pe := l.b.terminated(); pe == nil || !errors.Is(pe, ErrTimeout) {
		t.Fatal(pe)
	}
}

// Expiries of stopped or restarted timers change nothing.
func TestStaleTimers(t *testing.T) {
	l := activeLink(t, nil, nil)
	acts, err := l.a.do(func() ([]Action, error) { return l.a.p.Advertise(adv3Body(t)) })
	must(t, err)
	var gen uint64
	for _, a := range acts {
		if a.Kind == ActStartTimer {
			gen = a.Gen
		}
	}
	must(t, l.a.advertise(adv3Body(t))) // restarts the ack timer
	if out := l.a.p.TimerExpired(TimerAck, gen); len(out) != 0 {
		t.Fatal(actionsString(out))
	}
	if out := l.a.p.TimerExpired(TimerID(99), 1); len(out) != 0 {
		t.Fatal(actionsString(out))
	}
	wantStates(t, l.a, CPActive, MPWaitForAck, MCWaitForAdv)
}

// Each participant numbers its messages in three independent spaces
// (RFC 8847 §5), each incremented by exactly one.
func TestSequenceSpaces(t *testing.T) {
	l := newLink(t, &Opts{MediaProvider: true, MediaConsumer: true, InitialSeq: seqFrom(10, 20, 30)}, &Opts{MediaProvider: true, MediaConsumer: true, InitialSeq: seqFrom(40, 50, 60)})
	for _, e := range []*endpoint{l.a, l.b} {
		e.app = func(e *endpoint, a Action) {
			switch a.Note {
			case NoteActive:
				must(t, e.advertise(adv3Body(t)))
			case NoteAdvertisementReceived:
				must(t, e.ackAdv(0))
				must(t, e.configure(0, conf4Body(t)))
			case NoteConfigureReceived:
				must(t, e.configureResult(0, CodeSuccess))
			}
		}
	}
	l.connect()
	must(t, l.a.advertise(adv3Body(t)))
	l.run()
	for _, e := range []*endpoint{l.a, l.b} {
		next := map[Space]uint64{}
		for _, m := range e.sent {
			s := m.Kind().Space()
			n := m.MsgHeader().SeqNr
			if next[s] != 0 && n != next[s] {
				t.Errorf("%s: %s %d, want %d in the %s space", e.name, m.Kind(), n, next[s], s)
			}
			next[s] = n + 1
		}
		if len(next) != 3 {
			t.Errorf("%s used %d spaces", e.name, len(next))
		}
	}
	wantStates(t, l.a, CPActive, MPEstablished, MCEstablished)
}

// A counter that reaches 2^64-1 ends the session instead of wrapping
// (RFC 8847 §5 defines no wrap-around; a wrapped number would be "too small").
func TestSequenceExhausted(t *testing.T) {
	max := ^uint64(0)
	l := activeLink(t, func(o *Opts) { o.InitialSeq = seqFrom(1, max, 1) }, nil)
	must(t, l.a.advertise(adv3Body(t)))
	if n := lastSent[*Advertisement](t, l.a).SeqNr; n != max {
		t.Fatal(n)
	}
	acts, err := l.a.p.Advertise(adv3Body(t))
	must(t, err)
	if len(acts) == 0 || acts[len(acts)-1].Kind != ActTerminate || !errors.Is(acts[len(acts)-1].Err, ErrSeqExhausted) {
		t.Fatal(actionsString(acts))
	}
	wantStates(t, l.a, CPIdle, MPInactive, MCInactive)
}

func TestProtocolErrorUnwrap(t *testing.T) {
	l := newLink(t, &Opts{MediaProvider: true, Versions: []Version{{2, 0}}}, nil)
	l.connect()
	pe := l.b.terminated()
	if pe == nil || pe.Unwrap() != nil || !strings.Contains(pe.Error(), "no common version") || !strings.Contains(lastSent[*OptionsResponse](t, l.b).Reason, "no common version") {
		t.Fatalf("%#v", pe)
	}
}
