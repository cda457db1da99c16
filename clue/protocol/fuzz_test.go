package protocol

import (
	"errors"
	"os"
	"reflect"
	"testing"
	"time"
)

// FuzzParseMessage: Parse never panics; a failure is a *ParseError with a
// 3xx code; whatever parses marshals, and marshal ∘ parse is stable.
func FuzzParseMessage(f *testing.F) {
	for _, file := range rfcMessageFiles(f) {
		b, err := os.ReadFile(file)
		must(f, err)
		f.Add(b)
	}
	for _, m := range sampleMessages(f) {
		f.Add(mustMarshal(f, m))
	}
	f.Add([]byte(doc("configure", "", `<sequenceNr>1</sequenceNr><advSequenceNr>1</advSequenceNr><ack>200</ack>`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data, nil)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Code.Class() != 3 || m != nil {
				t.Fatalf("error %T %v", err, err)
			}
			if pe.Partial != nil && pe.Partial.Kind() == KindUnknown {
				t.Fatal("partial message of unknown kind")
			}
			return
		}
		b, err := Marshal(m)
		if err != nil {
			t.Fatalf("parsed but cannot marshal: %v\n%q", err, data)
		}
		m2, err := Parse(b, nil)
		if err != nil {
			t.Fatalf("re-encoding does not parse: %v\n%s", err, b)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip changed the message\n%q\n%s", data, b)
		}
	})
}

// FuzzMachine feeds random event sequences to two participants connected by
// an in-memory channel (which the fuzzer may also corrupt). Every step is
// checked by endpoint.do: the machine ends in a defined state, emits exactly
// the actions of the rows it took, and a refused call changes nothing; and
// nothing panics.
func FuzzMachine(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{2, 0, 0, 3, 5, 0, 0, 2, 17, 0, 1, 4, 4, 4})
	f.Add([]byte{7, 1, 7, 2, 7, 3, 0, 0, 6, 6, 0, 0, 4, 9, 5, 2})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 400 {
			ops = ops[:400]
		}
		o := func() *Opts {
			x := DefaultOpts()
			x.InitialSeq = seqFrom(100, 200, 300)
			x.MaxRetransmits = 1
			return x
		}
		l := newLink(t, o(), o())
		l.connect()
		adv, conf := adv3Body(t), conf4Body(t)
		next := func() byte {
			if len(ops) == 0 {
				return 0
			}
			b := ops[0]
			ops = ops[1:]
			return b
		}
		for len(ops) > 0 {
			op := next()
			e := l.a
			if op&0x80 != 0 {
				e = l.b
			}
			arg := next()
			switch op & 0x0f {
			case 0: // deliver the next message
				if len(l.queue) > 0 {
					w := l.queue[0]
					l.queue = l.queue[1:]
					w.from.peer().receive(w.data)
				}
			case 1: // deliver it corrupted
				if len(l.queue) > 0 {
					w := l.queue[0]
					l.queue = l.queue[1:]
					d := append([]byte(nil), w.data...)
					if len(d) > 0 {
						i := int(arg) * len(d) / 256
						if arg&1 == 0 {
							d = d[:i]
						} else {
							d[i] ^= arg
						}
					}
					w.from.peer().receive(d)
				}
			case 2:
				e.advertise(adv)
			case 3:
				e.settingsChanged()
			case 4:
				e.configureResult(uint64(arg&3), []Code{200, 400, 405, 302}[arg>>6])
			case 5:
				e.ackAdv(uint64(arg & 1))
			case 6:
				e.rejectAdv(0, []Code{400, 301, 200, 999}[arg&3])
			case 7:
				if arg&1 == 0 {
					e.configure(0, conf)
				} else {
					e.configure(0, nil)
				}
			case 8: // time passes
				l.clock.now = l.clock.now.Add(time.Duration(arg) * time.Second)
				for _, x := range []*endpoint{l.a, l.b} {
					for _, ev := range x.timers.Due() {
						x.step(ev)
					}
				}
			case 9:
				e.channelLost()
			case 10:
				e.startChannel()
				e.channelUp(arg&1 == 0)
			case 11: // a stale or foreign timer
				e.step(Event{Kind: EvTimer, Timer: TimerID(arg % 5), Gen: uint64(arg)})
			case 12: // a crafted message with an arbitrary sequence number
				trig := []Trigger{OnRecvOptions, OnRecvOptionsResponse, OnRecvAdvertisement, OnRecvAck, OnRecvConfigure, OnRecvConfigureResponse}[int(arg)%6]
				e.sendAs(validFrom(t, e, trig, uint64(arg)+1))
			case 13: // drop the channel contents
				l.queue = nil
			case 14:
				e.step(Event{Kind: EventKind(arg % 16)})
			default:
				l.run()
			}
		}
		l.run()
	})
}
