package protocol

import (
	"reflect"
	"testing"
	"time"
)

var section10 = []struct {
	file string
	cp1  bool // sent by CP1 (the CI and MP)
}{
	{"rfc8847-s10.1-msg1-options.xml", true},
	{"rfc8847-s10.2-msg2-optionsResponse.xml", false},
	{"rfc8847-s10.3-msg3-advertisement.xml", true},
	{"rfc8847-s10.4-msg4-configure-ack.xml", false},
	{"rfc8847-s10.5-msg5-configureResponse.xml", true},
	{"rfc8847-s10.6-msg6-advertisement.xml", true},
	{"rfc8847-s10.7-msg7-ack.xml", false},
	{"rfc8847-s10.8-msg8-configure.xml", false},
	{"rfc8847-s10.9-msg9-configureResponse.xml", true},
}

// section10Opts configures CP1 and CP2 as RFC 8847 §10 describes them: CP1
// supports 1.4 (E1–E3) and 2.7 (E4, E5), CP2 supports 3.0, 2.9 and 1.9
// without extensions; both are MP and MC; the sequence numbers start where
// the example's do. The data-model checks are off: the RFC's own §10.6
// advertisement and §10.8 configure break RFC 8846 rules (see
// TestDefaultChecksCatchRFCExampleDefects).
func section10Opts() (*Opts, *Opts) {
	ext := func(n string, v Version) Extension { return Extension{Name: n, SchemaRef: "URL_" + n, Version: v} }
	o1 := &Opts{
		ClueID: "CP1", MediaProvider: true, MediaConsumer: true,
		Versions:           []Version{{1, 4}, {2, 7}},
		Extensions:         []Extension{ext("E1", Version{1, 4}), ext("E2", Version{1, 4}), ext("E3", Version{1, 4}), ext("E4", Version{2, 7}), ext("E5", Version{2, 7})},
		InitialSeq:         seqFrom(51, 11, 31),
		CheckAdvertisement: acceptAllAdv, CheckConfigure: acceptAllConf,
	}
	o2 := &Opts{
		ClueID: "CP2", MediaProvider: true, MediaConsumer: true,
		Versions:           []Version{{3, 0}, {2, 9}, {1, 9}},
		InitialSeq:         seqFrom(62, 41, 22),
		CheckAdvertisement: acceptAllAdv, CheckConfigure: acceptAllConf,
	}
	return o1, o2
}

// TestCallFlowSection10 drives two participants through the call flow of
// RFC 8847 §10 with a fake clock and checks that the nine messages on the
// wire are, field for field, the nine messages of the RFC.
func TestCallFlowSection10(t *testing.T) {
	o1, o2 := section10Opts()
	l := newLink(t, o1, o2)
	cp1, cp2 := l.a, l.b
	adv3, adv6, conf4, conf8 := adv3Body(t), adv6Body(t), conf4Body(t), conf8Body(t)

	// CP1's application: advertise once active, accept every configure.
	cp1.app = func(e *endpoint, a Action) {
		switch a.Note {
		case NoteActive:
			must(t, e.advertise(adv3))
		case NoteConfigureReceived:
			must(t, e.configureResult(a.Msg.MsgHeader().SeqNr, CodeSuccess))
		}
	}
	// CP2's application: answer the first advertisement with configure+ack,
	// the second with an ack (it needs time to decide). CP2's own MP never
	// advertises, so only the CP1 → CP2 media direction is negotiated, as in
	// the RFC's figure.
	advs := 0
	cp2.app = func(e *endpoint, a Action) {
		if a.Note == NoteAdvertisementReceived {
			advs++
			if advs == 1 {
				must(t, e.configure(a.Msg.MsgHeader().SeqNr, conf4))
			} else {
				must(t, e.ackAdv(a.Msg.MsgHeader().SeqNr))
			}
		}
	}

	l.connect() // 1 options … 5 configureResponse
	wantStates(t, cp1, CPActive, MPEstablished, MCWaitForAdv)
	wantStates(t, cp2, CPActive, MPAdv, MCEstablished)
	if v, exts, prov, cons, ok := cp1.p.Negotiated(); !ok || v != (Version{2, 7}) || len(exts) != 0 || !prov || !cons {
		t.Fatalf("CP1 negotiated %v %v %v %v %v", v, exts, prov, cons, ok)
	}

	l.advance(time.Minute)       // timers were stopped: nothing fires
	must(t, cp1.advertise(adv6)) // 6: changed telepresence settings
	l.run()                      // 7 ack
	wantStates(t, cp2, CPActive, MPAdv, MCConf)
	l.advance(5 * time.Second)
	must(t, cp2.configure(0, conf8)) // 8 configure, 9 configureResponse
	l.run()
	wantStates(t, cp1, CPActive, MPEstablished, MCWaitForAdv)
	wantStates(t, cp2, CPActive, MPAdv, MCEstablished)

	if len(l.trace) != len(section10) {
		t.Fatalf("%d messages on the wire, want %d", len(l.trace), len(section10))
	}
	for i, w := range l.trace {
		want := parseExample(t, section10[i].file)
		got, err := Parse(w.data, nil)
		if err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
		if (w.from == cp1) != section10[i].cp1 {
			t.Errorf("message %d sent by the wrong participant", i+1)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("message %d differs from RFC 8847 %s:\n got %+v\nwant %+v", i+1, section10[i].file, got, want)
		}
	}
	p, c := cp1.p.CurrentConfiguration()
	if p == nil || p.SeqNr != 24 || c != nil {
		t.Errorf("CP1 configuration in force: %+v %+v", p, c)
	}
	if _, c := cp2.p.CurrentConfiguration(); c == nil || c.SeqNr != 24 {
		t.Errorf("CP2 configuration in force: %+v", c)
	}
}

// TestCallFlowBothDirections is the symmetric call of RFC 8847 §4 with
// version 1.0 and the default checks: each side advertises and configures.
func TestCallFlowBothDirections(t *testing.T) {
	l := newLink(t, nil, nil)
	adv := adv3Body(t)
	conf := conf4Body(t)
	for _, e := range []*endpoint{l.a, l.b} {
		e.app = func(e *endpoint, a Action) {
			switch a.Note {
			case NoteActive:
				must(t, e.advertise(adv))
			case NoteAdvertisementReceived:
				must(t, e.configure(0, conf))
			case NoteConfigureReceived:
				must(t, e.configureResult(0, CodeSuccess))
			}
		}
	}
	l.connect()
	for _, e := range []*endpoint{l.a, l.b} {
		wantStates(t, e, CPActive, MPEstablished, MCEstablished)
		if !e.hasNote(NoteConfigured) {
			t.Errorf("%s: no NoteConfigured", e.name)
		}
	}
	for _, w := range l.trace {
		m, err := Parse(w.data, nil)
		must(t, err)
		if k := m.Kind(); k != KindOptions && k != KindOptionsResponse && m.MsgHeader().V != Version10 {
			t.Errorf("%s with v=%s", k, m.MsgHeader().V)
		}
	}
	// 2 initiation + per direction advertisement, configure+ack, configureResponse
	if len(l.trace) != 8 {
		t.Errorf("%d messages, want 8", len(l.trace))
	}
}
