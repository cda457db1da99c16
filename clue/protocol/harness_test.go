package protocol

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// ---- test data ----

const exampleDir = "../../testdata/clue/examples"

func readExample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(exampleDir, name))
	if err != nil {
		t.Fatalf("test data: %v", err)
	}
	return b
}

func parseExample(t testing.TB, name string) Message {
	t.Helper()
	m, err := Parse(readExample(t, name), nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// parsedExamples caches parsed examples (read-only: nothing mutates a body).
var parsedExamples sync.Map

func cachedExample(t testing.TB, name string) Message {
	if m, ok := parsedExamples.Load(name); ok {
		return m.(Message)
	}
	m := parseExample(t, name)
	parsedExamples.Store(name, m)
	return m
}

// The §10 bodies, as an application would hand them to the machines.
func adv3Body(t testing.TB) AdvertisementBody {
	return cachedExample(t, "corrected/rfc8847-s10.3-msg3-advertisement.xml").(*Advertisement).Body
}

func adv6Body(t testing.TB) AdvertisementBody {
	return cachedExample(t, "corrected/rfc8847-s10.6-msg6-advertisement.xml").(*Advertisement).Body
}

func conf4Body(t testing.TB) CaptureEncodingsBody {
	return cachedExample(t, "corrected/rfc8847-s10.4-msg4-configure-ack.xml").(*Configure).Body
}

func conf8Body(t testing.TB) CaptureEncodingsBody {
	return cachedExample(t, "corrected/rfc8847-s10.8-msg8-configure.xml").(*Configure).Body
}

func acceptAllAdv(*Advertisement) (Code, string)                  { return CodeSuccess, "" }
func acceptAllConf(*AdvertisementBody, *Configure) (Code, string) { return CodeSuccess, "" }
func mustMarshal(t testing.TB, m Message) []byte {
	t.Helper()
	b, err := Marshal(m)
	must(t, err)
	return b
}
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
func seqFrom(init, prov, cons uint64) func(Space) uint64 {
	return func(s Space) uint64 { return [...]uint64{init, prov, cons}[s] }
}
func boolp(b bool) *bool               { return &b }
func hdr(v Version, seq uint64) Header { return Header{V: v, SeqNr: seq} }

// ---- coverage of table rows ----

type coverage struct {
	mu   sync.Mutex
	rows map[Machine]map[int]bool
}

func newCoverage() *coverage { return &coverage{rows: map[Machine]map[int]bool{}} }

// allCover collects the rows every test took.
var allCover = newCoverage()

func (c *coverage) has(m Machine, row int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rows[m][row]
}

func (c *coverage) add(r TraceRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows[r.Machine] == nil {
		c.rows[r.Machine] = map[int]bool{}
	}
	c.rows[r.Machine][r.Row] = true
}

// ---- endpoints and a lossless, ordered in-memory channel ----

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

type endpoint struct {
	t      testing.TB
	name   string
	p      *Participant
	timers *TimerSet
	net    *link
	rows   []TraceRecord // rows taken by the current step
	all    []TraceRecord // every row taken
	notes  []Action      // every notify / terminate
	sent   []Message     // every message sent
	app    func(e *endpoint, a Action)
}

type wireMsg struct {
	from *endpoint
	data []byte
}

type link struct {
	t      testing.TB
	clock  *fakeClock
	a, b   *endpoint
	queue  []wireMsg
	trace  []wireMsg // every message delivered, in order
	cover  *coverage
	closed bool
}

func newLink(t testing.TB, oa, ob *Opts) *link {
	t.Helper()
	l := &link{t: t, clock: &fakeClock{now: time.Unix(1_700_000_000, 0)}, cover: newCoverage()}
	l.a = l.endpoint("A", oa)
	l.b = l.endpoint("B", ob)
	return l
}

func (l *link) endpoint(name string, o *Opts) *endpoint {
	l.t.Helper()
	if o == nil {
		o = DefaultOpts()
	}
	e := &endpoint{t: l.t, name: name, net: l, timers: NewTimerSet(l.clock)}
	o2 := *o
	o2.Trace = func(r TraceRecord) {
		e.rows = append(e.rows, r)
		e.all = append(e.all, r)
		allCover.add(r)
		l.cover.add(r)
	}
	p, err := New(&o2)
	if err != nil {
		l.t.Fatal(err)
	}
	e.p = p
	return e
}

func (e *endpoint) peer() *endpoint {
	if e == e.net.a {
		return e.net.b
	}
	return e.net.a
}

// do runs one participant call and checks the step property: a refused call
// returns no action and leaves every state as it was; an accepted one emits
// exactly the actions of the rows it took, in order, and ends in defined
// states. Then it executes the actions.
func (e *endpoint) do(call func() ([]Action, error)) ([]Action, error) {
	e.t.Helper()
	e.rows = e.rows[:0]
	cp, mp, mc := e.p.State()
	acts, err := call()
	checkStep(e.t, e.p, cp, mp, mc, e.rows, acts, err)
	e.exec(acts)
	return acts, err
}

func checkStep(t testing.TB, p *Participant, cp CPState, mp MPState, mc MCState, rows []TraceRecord, acts []Action, err error) {
	t.Helper()
	cp2, mp2, mc2 := p.State()
	if cp2 >= numCPStates || mp2 >= numMPStates || mc2 >= numMCStates {
		t.Fatalf("undefined state %d/%d/%d", cp2, mp2, mc2)
	}
	if cp2 != CPActive && (mp2 != MPInactive || mc2 != MCInactive) {
		t.Fatalf("sub-machines running outside ACTIVE: %s/%s/%s", cp2, mp2, mc2)
	}
	if err != nil {
		if len(acts) != 0 || cp2 != cp || mp2 != mp || mc2 != mc {
			t.Fatalf("refused call changed something: %v, %d actions, %s/%s/%s -> %s/%s/%s", err, len(acts), cp, mp, mc, cp2, mp2, mc2)
		}
		return
	}
	var want []Step
	for _, r := range rows {
		switch r.Machine {
		case MachineParticipant:
			want = append(want, cpTable.rows[r.Row].Do...)
		case MachineProvider:
			want = append(want, mpTable.rows[r.Row].Do...)
		case MachineConsumer:
			want = append(want, mcTable.rows[r.Row].Do...)
		}
	}
	ok := len(want) == len(acts)
	for i := 0; ok && i < len(acts); i++ {
		ok = want[i].matches(acts[i])
	}
	if !ok {
		t.Fatalf("actions %s do not match rows %v (%v)", actionsString(acts), rows, want)
	}
}

func actionsString(acts []Action) string {
	s := "["
	for i, a := range acts {
		if i > 0 {
			s += ", "
		}
		switch a.Kind {
		case ActSend:
			s += "send " + a.Msg.Kind().String()
		case ActNotify:
			s += "notify " + a.Note.String()
		case ActStartTimer, ActStopTimer:
			s += a.Kind.String() + " " + a.Timer.String()
		default:
			s += a.Kind.String()
		}
	}
	return s + "]"
}

func (e *endpoint) exec(acts []Action) {
	e.t.Helper()
	e.timers.Apply(acts)
	for _, a := range acts {
		switch a.Kind {
		case ActSend:
			data, err := Marshal(a.Msg)
			if err != nil {
				e.t.Fatalf("%s: marshal %s: %v", e.name, a.Msg.Kind(), err)
			}
			e.sent = append(e.sent, a.Msg)
			if !e.net.closed {
				e.net.queue = append(e.net.queue, wireMsg{from: e, data: data})
			}
		case ActNotify, ActTerminate:
			e.notes = append(e.notes, a)
		}
	}
	for _, a := range acts {
		if (a.Kind == ActNotify || a.Kind == ActTerminate) && e.app != nil {
			e.app(e, a)
		}
	}
}

// lastNote returns the most recent note of kind n (or fails).
func (e *endpoint) lastNote(n Note) Action {
	e.t.Helper()
	for i := len(e.notes) - 1; i >= 0; i-- {
		if e.notes[i].Kind == ActNotify && e.notes[i].Note == n {
			return e.notes[i]
		}
	}
	e.t.Fatalf("%s: no %s note in %v", e.name, n, e.notes)
	return Action{}
}

func (e *endpoint) hasNote(n Note) bool {
	for _, a := range e.notes {
		if a.Kind == ActNotify && a.Note == n {
			return true
		}
	}
	return false
}

func (e *endpoint) terminated() *ProtocolError {
	for _, a := range e.notes {
		if a.Kind == ActTerminate {
			pe, _ := a.Err.(*ProtocolError)
			if pe == nil || !pe.Fatal {
				e.t.Fatalf("terminate without a fatal ProtocolError: %v", a.Err)
			}
			return pe
		}
	}
	return nil
}

// Wrappers running each participant call through do.
func (e *endpoint) startChannel() error {
	_, err := e.do(e.p.StartChannel)
	return err
}
func (e *endpoint) channelUp(initiator bool) error {
	_, err := e.do(func() ([]Action, error) { return e.p.ChannelEstablished(initiator) })
	return err
}
func (e *endpoint) channelLost() {
	e.do(func() ([]Action, error) { return e.p.ChannelLost(nil), nil })
}
func (e *endpoint) receive(data []byte) []Action {
	a, _ := e.do(func() ([]Action, error) { return e.p.Receive(data), nil })
	return a
}
func (e *endpoint) advertise(b AdvertisementBody) error {
	_, err := e.do(func() ([]Action, error) { return e.p.Advertise(b) })
	return err
}
func (e *endpoint) settingsChanged() error {
	_, err := e.do(e.p.SettingsChanged)
	return err
}
func (e *endpoint) configureResult(seq uint64, code Code) error {
	_, err := e.do(func() ([]Action, error) { return e.p.ConfigureResult(seq, code, "") })
	return err
}
func (e *endpoint) ackAdv(seq uint64) error {
	_, err := e.do(func() ([]Action, error) { return e.p.AckAdvertisement(seq) })
	return err
}
func (e *endpoint) rejectAdv(seq uint64, code Code) error {
	_, err := e.do(func() ([]Action, error) { return e.p.RejectAdvertisement(seq, code, "") })
	return err
}
func (e *endpoint) configure(seq uint64, b CaptureEncodingsBody) error {
	_, err := e.do(func() ([]Action, error) { return e.p.Configure(seq, b) })
	return err
}
func (e *endpoint) step(ev Event) ([]Action, error) {
	return e.do(func() ([]Action, error) { return e.p.Step(ev) })
}

// run delivers queued messages, in order, until none is left.
func (l *link) run() {
	l.t.Helper()
	for n := 0; len(l.queue) > 0; n++ {
		if n > 1000 {
			l.t.Fatal("message loop")
		}
		w := l.queue[0]
		l.queue = l.queue[1:]
		l.trace = append(l.trace, w)
		w.from.peer().receive(w.data)
	}
}

// advance moves the fake clock and fires due timers on both sides.
func (l *link) advance(d time.Duration) {
	l.t.Helper()
	l.clock.now = l.clock.now.Add(d)
	for _, e := range []*endpoint{l.a, l.b} {
		for _, ev := range e.timers.Due() {
			e.step(ev)
		}
	}
	l.run()
}

// connect runs the initiation phase: A is the CI (DTLS client).
func (l *link) connect() {
	l.t.Helper()
	must(l.t, l.a.startChannel())
	must(l.t, l.b.startChannel())
	must(l.t, l.b.channelUp(false))
	must(l.t, l.a.channelUp(true))
	l.run()
}

func (l *link) states() string {
	a1, a2, a3 := l.a.p.State()
	b1, b2, b3 := l.b.p.State()
	return fmt.Sprintf("A %s/%s/%s B %s/%s/%s", a1, a2, a3, b1, b2, b3)
}

func wantStates(t testing.TB, e *endpoint, cp CPState, mp MPState, mc MCState) {
	t.Helper()
	a, b, c := e.p.State()
	if a != cp || b != mp || c != mc {
		t.Fatalf("%s: state %s/%s/%s, want %s/%s/%s", e.name, a, b, c, cp, mp, mc)
	}
}

// sentLast returns the last message e sent.
func (e *endpoint) sentLast() Message {
	e.t.Helper()
	if len(e.sent) == 0 {
		e.t.Fatalf("%s sent nothing", e.name)
	}
	return e.sent[len(e.sent)-1]
}

// ---- crafting peer messages ----

// nextSeq takes the next number of e's counter for space s, so that a
// crafted message fits e's real sequence.
func (e *endpoint) nextSeq(s Space) uint64 {
	n, err := e.p.out[s].Next()
	must(e.t, err)
	return n
}

// version returns the version e's messages carry.
func (e *endpoint) version() Version {
	if e.p.cp == CPActive {
		return e.p.negotiated
	}
	return Version10
}

// craft completes m's header as e would (unless already set) and marshals it.
func (e *endpoint) craft(m Message) []byte {
	e.t.Helper()
	h := m.MsgHeader()
	if h.V.IsZero() {
		h.V = e.version()
	}
	if h.ClueID == "" {
		h.ClueID = e.p.opts.ClueID
	}
	if h.SeqNr == 0 {
		h.SeqNr = e.nextSeq(m.Kind().Space())
	}
	return mustMarshal(e.t, m)
}

// craftRaw builds a message of kind k from e with the given XML after
// <sequenceNr> (for invalid content).
func (e *endpoint) craftRaw(k Kind, inner string) []byte {
	seq := e.nextSeq(k.Space())
	return []byte(doc(k.String(), `protocol="CLUE" v="`+e.version().String()+`"`,
		"<sequenceNr>"+strconv.FormatUint(seq, 10)+"</sequenceNr>"+inner))
}

// sendAs delivers a crafted message from e to its peer.
func (e *endpoint) sendAs(data []byte) []Action {
	return e.peer().receive(data)
}

const defaultSecond = time.Second
