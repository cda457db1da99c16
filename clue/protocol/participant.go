package protocol

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Opts configures a Participant. The zero value of each field means "use the
// default" (see DefaultOpts); New validates the result.
type Opts struct {
	// ClueID is our <clueId> (RFC 8847 §5; optional, "" = omitted).
	ClueID string
	// PeerClueID, if set, is the only clueId accepted from the peer; if
	// empty, the first clueId the peer sends is learnt and any later
	// different one is answered with 403 (RFC 8847 §5.7 "Invalid
	// identifier"). Messages without <clueId> are accepted: the element is
	// optional (RFC 8847 §5).
	PeerClueID string
	// MediaProvider / MediaConsumer: the roles we declare in options /
	// optionsResponse (RFC 8847 §5.1, §5.2). At least one must be true.
	MediaProvider, MediaConsumer bool
	// Versions we support, one per major with its highest minor (RFC 8847
	// §5.1). nil = [1.0]; an empty non-nil slice is an error.
	Versions []Version
	// Extensions we support (RFC 8847 §8). Default none.
	Extensions []Extension
	// OptionsTimeout bounds the OPTIONS state (RFC 8847 §6 names the
	// timeouts but gives no value; DIGEST §9 #7). Default 30 s: the data
	// channel is already up when it starts, so the only delays are the
	// peer's processing and SCTP retransmissions (RFC 4960 RTO.Initial 3 s,
	// doubling: three retransmissions fit in 21 s), with margin for a slow
	// embedded peer.
	OptionsTimeout time.Duration
	// ResponseTimeout supervises the two waits the RFC leaves open: the MP
	// in WAIT FOR ACK and the MC in WAIT FOR CONF RESPONSE. Default 30 s,
	// for the same reasons as OptionsTimeout: both answers need only the
	// peer's processing (RFC 8848 §5.1: CLUE must not wait for SDP). There
	// is deliberately no timer on WAIT FOR CONF or on the MC's CONF state:
	// the MC may legitimately wait for SDP before configuring.
	ResponseTimeout time.Duration
	// MaxRetransmits is how often an unanswered advertisement or configure
	// is sent again (always with a new sequence number, RFC 8847 §5) before
	// the session is ended. Default 0: the CLUE channel is reliable and
	// ordered (RFC 8850 §3.2.3, RFC 8847 §11), so a resend cannot repair a
	// loss, and a resent advertisement makes the first one out of date
	// (RFC 8847 §6.1) — it only helps a peer known to drop messages.
	MaxRetransmits int
	// Parse bounds received messages (see ParseOpts).
	Parse ParseOpts
	// CheckAdvertisement decides whether a received advertisement (already
	// schema-checked by Parse) is processed (2xx) or answered with a NACK
	// carrying the returned code and reason (RFC 8847 §6.2). It is also
	// applied to our own advertisements in Advertise. nil = the package's
	// CheckAdvertisement (the data model's Error-severity rules).
	CheckAdvertisement func(*Advertisement) (Code, string)
	// CheckConfigure decides whether a received configure is handed to the
	// application (2xx) or answered at once with an error configureResponse
	// (RFC 8847 §6.1 CONF RESPONSE, error). adv is the advertisement the
	// configure refers to. nil = the package's CheckConfigure (405 for a
	// forbidden subset choice, 400 for other inconsistencies).
	CheckConfigure func(adv *AdvertisementBody, c *Configure) (Code, string)
	// InitialSeq returns the first sequence number we use in a space; nil =
	// random in [1, 2^31) (RFC 8847 §5: "The initial sequence number can be
	// chosen randomly"; below 2^31 so that counters can never be exhausted).
	InitialSeq func(Space) uint64
	// Trace, if set, is called for every transition taken (logging, tests).
	Trace func(TraceRecord)
}

// DefaultOpts returns options for a participant that is both MP and MC,
// speaks version 1.0 with no extensions, and uses the default timers.
func DefaultOpts() *Opts {
	return &Opts{
		MediaProvider:   true,
		MediaConsumer:   true,
		Versions:        []Version{Version10},
		OptionsTimeout:  30 * time.Second,
		ResponseTimeout: 30 * time.Second,
		Parse:           DefaultParseOpts(),
	}
}

func (o *Opts) validate() (Opts, error) {
	c := *o
	if c.Versions == nil {
		c.Versions = []Version{Version10}
	}
	c.Versions = slices.Clone(c.Versions)
	c.Extensions = slices.Clone(c.Extensions)
	if c.OptionsTimeout == 0 {
		c.OptionsTimeout = 30 * time.Second
	}
	if c.ResponseTimeout == 0 {
		c.ResponseTimeout = 30 * time.Second
	}
	c.Parse = c.Parse.withDefaults()
	if c.CheckAdvertisement == nil {
		c.CheckAdvertisement = CheckAdvertisement
	}
	if c.CheckConfigure == nil {
		c.CheckConfigure = CheckConfigure
	}
	switch {
	case len(c.Versions) == 0:
		return c, fmt.Errorf("%w: no version", ErrInvalidOpts)
	case !c.MediaProvider && !c.MediaConsumer:
		return c, fmt.Errorf("%w: neither media provider nor media consumer", ErrInvalidOpts)
	case c.OptionsTimeout < 0 || c.ResponseTimeout < 0:
		return c, fmt.Errorf("%w: negative timeout", ErrInvalidOpts)
	case c.MaxRetransmits < 0:
		return c, fmt.Errorf("%w: negative MaxRetransmits", ErrInvalidOpts)
	}
	for i, v := range c.Versions {
		if v.IsZero() {
			return c, fmt.Errorf("%w: version %d is zero", ErrInvalidOpts, i)
		}
		for _, w := range c.Versions[:i] {
			if w.Major == v.Major {
				return c, fmt.Errorf("%w: major %d listed twice (RFC 8847 §5.1)", ErrInvalidOpts, v.Major)
			}
		}
	}
	for _, e := range c.Extensions {
		if e.Version.IsZero() || !supportsMajor(c.Versions, e.Version.Major) {
			return c, fmt.Errorf("%w: extension %q refers to an unsupported version", ErrInvalidOpts, e.Name)
		}
	}
	if !validXMLString(c.ClueID) {
		return c, fmt.Errorf("%w: clueId is not valid XML text", ErrInvalidOpts)
	}
	return c, nil
}

// Participant is a CLUE Participant (RFC 8847 §6): the participant machine
// with its Media Provider and Media Consumer sub-machines. It does no I/O and
// reads no clock: feed it events, execute the returned actions in order. It
// is not safe for concurrent use; serialise events per CLUE session.
type Participant struct {
	opts Opts

	cp CPState
	mp MPState
	mc MCState

	initiator bool

	// initiation outcome
	negotiated Version
	common     []Extension
	peerMP     bool
	peerMC     bool
	peerClueID string

	// sequence numbers: ours per space, the peer's per space
	out  [numSpaces]Counter
	peer [numSpaces]Tracker

	timers [numTimers]struct {
		gen     uint64
		running bool
	}

	prov provider
	cons consumer
}

// provider is the Media Provider sub-machine's data.
type provider struct {
	latestAdv uint64            // sequenceNr of the newest advertisement sent (0: none)
	body      AdvertisementBody // its content, for retransmission
	retries   int
	pending   *Configure // the configure in CONF RESPONSE
	current   *Configure // the last configure answered with 200 (in force)
}

// consumer is the Media Consumer sub-machine's data.
type consumer struct {
	adv        *Advertisement // the newest valid advertisement received
	pendingSeq uint64         // sequenceNr of the configure awaiting its response
	pending    *Configure     // that configure, for retransmission
	current    *Configure     // the last configure accepted with 200
	retries    int
}

// New returns a participant in IDLE.
func New(opts *Opts) (*Participant, error) {
	if opts == nil {
		opts = DefaultOpts()
	}
	o, err := opts.validate()
	if err != nil {
		return nil, err
	}
	return &Participant{opts: o}, nil
}

// State returns the participant state and the states of its sub-machines.
func (p *Participant) State() (CPState, MPState, MCState) { return p.cp, p.mp, p.mc }

// Negotiated returns the outcome of the initiation phase: the version every
// later message carries, the extensions that may be used, and whether our MP
// and MC sub-machines run (ok is false before ACTIVE).
func (p *Participant) Negotiated() (v Version, exts []Extension, providerActive, consumerActive, ok bool) {
	if p.cp != CPActive {
		return Version{}, nil, false, false, false
	}
	return p.negotiated, slices.Clone(p.common), p.mp != MPInactive, p.mc != MCInactive, true
}

// Initiator reports whether we are (or were last) the Channel Initiator.
func (p *Participant) Initiator() bool { return p.initiator }

// CurrentConfiguration returns the configure in force: as MP the last one we
// accepted, as MC the last one the peer accepted (nil if none).
func (p *Participant) CurrentConfiguration() (asProvider, asConsumer *Configure) {
	return p.prov.current, p.cons.current
}

// Event is the input of Step. Most callers use the wrapper methods
// (StartChannel, ChannelEstablished, Receive, ...), which build it.
type Event struct {
	Kind      EventKind
	Initiator bool                 // EvChannelUp
	Err       error                // EvChannelLost: cause; EvReceive: the *ParseError, if any
	Msg       Message              // EvReceive: the message (the partial one on a parse error)
	Timer     TimerID              // EvTimer
	Gen       uint64               // EvTimer
	Code      Code                 // EvConfigureResult, EvRejectAdvertisement
	Reason    string               // EvConfigureResult, EvRejectAdvertisement (optional)
	SeqNr     uint64               // local decisions: the advertisement / configure decided on (0 = current)
	Adv       AdvertisementBody    // EvAdvertise
	Encodings CaptureEncodingsBody // EvConfigure
}

// EventKind enumerates the inputs of a participant.
type EventKind uint8

const (
	EvStartChannel        EventKind = iota + 1 // SDP enabled CLUE, the channel is being set up
	EvChannelUp                                // the data channel is open (Initiator: we are the DTLS client)
	EvChannelLost                              // channel error or session end
	EvReceive                                  // a message arrived
	EvTimer                                    // a timer fired
	EvAdvertise                                // MP: send an advertisement (Adv)
	EvSettingsChanged                          // MP: telepresence settings changed, advertisement follows
	EvConfigureResult                          // MP: result of processing configure SeqNr (Code, Reason)
	EvAckAdvertisement                         // MC: ack advertisement SeqNr, configure later
	EvRejectAdvertisement                      // MC: NACK advertisement SeqNr (Code, Reason)
	EvConfigure                                // MC: configure (Encodings) for advertisement SeqNr
	numEventKinds
)

// StartChannel: SDP negotiation enabled CLUE and the data channel is being
// set up (RFC 8847 §6 "start channel").
func (p *Participant) StartChannel() ([]Action, error) {
	return p.Step(Event{Kind: EvStartChannel})
}

// ChannelEstablished: the CLUE data channel is open. initiator is true when
// we are the Channel Initiator; RFC 8847 does not say who is, we follow RFC
// 8848 §8's example: the DTLS client (a=setup:active side) is CI (DIGEST §9
// #6).
func (p *Participant) ChannelEstablished(initiator bool) ([]Action, error) {
	return p.Step(Event{Kind: EvChannelUp, Initiator: initiator})
}

// ChannelLost: channel error, or the session ended (SDP removed the CLUE
// channel). The participant goes to IDLE.
func (p *Participant) ChannelLost(cause error) []Action {
	if cause == nil {
		cause = ErrChannelLost
	}
	a, _ := p.Step(Event{Kind: EvChannelLost, Err: cause})
	return a
}

// Receive handles one CLUE message as received on the data channel.
func (p *Participant) Receive(data []byte) []Action {
	m, err := Parse(data, &p.opts.Parse)
	ev := Event{Kind: EvReceive, Msg: m}
	if err != nil {
		ev.Err = err
		var pe *ParseError
		if errors.As(err, &pe) {
			ev.Msg = pe.Partial
		}
	}
	a, _ := p.Step(ev)
	return a
}

// TimerExpired handles the expiry of a timer started by ActStartTimer.
// Expiries of timers stopped or restarted since are ignored.
func (p *Participant) TimerExpired(id TimerID, gen uint64) []Action {
	a, _ := p.Step(Event{Kind: EvTimer, Timer: id, Gen: gen})
	return a
}

// Advertise (MP) sends a new advertisement: the first one after NoteActive,
// a corrected one after NoteAdvertisementRejected, or an updated one when the
// telepresence settings changed (RFC 8847 §5.3: it completely replaces the
// previous one).
func (p *Participant) Advertise(body AdvertisementBody) ([]Action, error) {
	return p.Step(Event{Kind: EvAdvertise, Adv: body})
}

// SettingsChanged (MP): the telepresence settings changed and a new
// advertisement is being prepared (RFC 8847 §6.1 "changed telepresence
// settings"): the MP goes to ADV; follow with Advertise.
func (p *Participant) SettingsChanged() ([]Action, error) {
	return p.Step(Event{Kind: EvSettingsChanged})
}

// ConfigureResult (MP) answers the configure delivered by
// NoteConfigureReceived (confSeq = its sequenceNr, 0 = the pending one): 200
// if every capture encoding can be instantiated, otherwise an error code (no
// partial execution, RFC 8847 §5.6), e.g. 405 for a forbidden subset choice.
// reason "" sends the Table 1 reason string.
func (p *Participant) ConfigureResult(confSeq uint64, code Code, reason string) ([]Action, error) {
	return p.Step(Event{Kind: EvConfigureResult, SeqNr: confSeq, Code: code, Reason: reason})
}

// AckAdvertisement (MC) acknowledges advertisement advSeq (0 = the one being
// processed) with 200, the configure to follow later ("ack sent", RFC 8847
// §6.2).
func (p *Participant) AckAdvertisement(advSeq uint64) ([]Action, error) {
	return p.Step(Event{Kind: EvAckAdvertisement, SeqNr: advSeq})
}

// RejectAdvertisement (MC) answers advertisement advSeq (0 = the one being
// processed) with a NACK carrying an error code ("NACK sent", RFC 8847 §6.2).
func (p *Participant) RejectAdvertisement(advSeq uint64, code Code, reason string) ([]Action, error) {
	return p.Step(Event{Kind: EvRejectAdvertisement, SeqNr: advSeq, Code: code, Reason: reason})
}

// Configure (MC) requests capture encodings from the advertisement advSeq (0
// = the current one). Sent as configure+ack when the advertisement has not
// been acknowledged yet (RFC 8847 §5.5, §6.2). An empty body requests nothing.
func (p *Participant) Configure(advSeq uint64, body CaptureEncodingsBody) ([]Action, error) {
	return p.Step(Event{Kind: EvConfigure, SeqNr: advSeq, Encodings: body})
}

func (p *Participant) versionMajor() uint32 {
	if p.cp == CPActive {
		return p.negotiated.Major
	}
	return 1
}

// ---- the participant table, RFC 8847 §6 Figure 9 ----

var (
	recvTriggers  = []Trigger{OnRecvOptions, OnRecvOptionsResponse, OnRecvAdvertisement, OnRecvAck, OnRecvConfigure, OnRecvConfigureResponse, OnRecvUnknown}
	timerTriggers = []Trigger{OnTimerOptions, OnTimerAck, OnTimerConfResp}
	localTriggers = []Trigger{OnAdvertise, OnSettingsChanged, OnConfigureResult, OnAckAdvertisement, OnRejectAdvertisement, OnConfigure}
	mpTriggers    = []Trigger{OnAdvertise, OnSettingsChanged, OnConfigureResult}
)

// refuse marks a row whose local call is refused with ErrNotAllowed.
var refuse = []Step(nil)

var cpTable = newTable("participant", buildCPRows())

func buildCPRows() []Transition[CPState] {
	var rows []Transition[CPState]
	add := func(from CPState, on Trigger, g Guard, to CPState, do []Step, ref string) {
		rows = append(rows, Transition[CPState]{From: from, On: on, If: g, To: to, Do: do, Ref: ref})
	}
	const f9 = "RFC 8847 §6"
	// IDLE
	add(CPIdle, OnStartChannel, Always, CPChannelSetup, steps(), f9+" start channel")
	add(CPIdle, OnChannelUp, Always, CPIdle, refuse, "no channel setup started")
	add(CPIdle, OnChannelLost, Always, CPIdle, steps(), "nothing to end")
	// CHANNEL SETUP
	add(CPChannelSetup, OnStartChannel, Always, CPChannelSetup, refuse, "already setting up")
	add(CPChannelSetup, OnChannelUp, Initiator, CPOptionsCI, steps(send(KindOptions), start(TimerOptions)), f9+" channel established; §5.1 CI sends options \"as soon as the CLUE data channel is ready\"")
	add(CPChannelSetup, OnChannelUp, Receiver, CPOptionsCR, steps(start(TimerOptions)), f9+" channel established; the CR waits for options")
	add(CPChannelSetup, OnChannelLost, Always, CPIdle, steps(notify(NoteSessionEnded)), f9+" channel error / session ends")
	// OPTIONS, both roles
	for _, s := range []CPState{CPOptionsCI, CPOptionsCR} {
		add(s, OnStartChannel, Always, s, refuse, "channel already set up")
		add(s, OnChannelUp, Always, s, refuse, "channel already set up")
		add(s, OnChannelLost, Always, CPIdle, steps(cancelTimers(), notify(NoteSessionEnded)), f9+" channel error / session ends")
		add(s, OnTimerOptions, Running, CPIdle, steps(terminate()), f9+" OPTIONS phase failure: timeout")
	}
	add(CPOptionsCI, OnRecvOptionsResponse, Success, CPActive, steps(stop(TimerOptions), notify(NoteActive)), f9+" OPTIONS phase success; §5.2")
	add(CPOptionsCI, OnRecvOptionsResponse, Failure, CPIdle, steps(cancelTimers(), terminate()), f9+" OPTIONS phase failure: the CI receives an optionsResponse with an error code")
	add(CPOptionsCI, OnRecvOptions, Always, CPOptionsCI, ignored(), "DIGEST §9 #6: the DTLS client (CI) ignores the server's options")
	add(CPOptionsCR, OnRecvOptions, Accept, CPActive, steps(stop(TimerOptions), send(KindOptionsResponse), notify(NoteActive)), f9+" OPTIONS phase success; §5.2 highest common version")
	add(CPOptionsCR, OnRecvOptions, Reject, CPIdle, steps(cancelTimers(), send(KindOptionsResponse), terminate()), f9+" OPTIONS phase failure; §5.7 (401 when no version is common)")
	add(CPOptionsCR, OnRecvOptionsResponse, Always, CPOptionsCR, ignored(), "the CR sent no options")
	// ACTIVE
	add(CPActive, OnStartChannel, Always, CPActive, refuse, "channel already set up")
	add(CPActive, OnChannelUp, Always, CPActive, refuse, "channel already set up")
	add(CPActive, OnChannelLost, Always, CPIdle, steps(cancelTimers(), notify(NoteSessionEnded)), f9+" channel error / session ends; RFC 8848 §4.5.4.4 media continue")
	add(CPActive, OnRecvOptions, Always, CPActive, ignored(), f9+": a further options \"MUST\" be ignored")
	add(CPActive, OnRecvOptionsResponse, Always, CPActive, ignored(), f9+": a further optionsResponse \"MUST\" be ignored")
	add(CPActive, OnRecvAdvertisement, Respond, CPActive, steps(send(KindAck), notify(NoteRejected)), "§5 402 sequence / §5.2 401 version / 403 clueId / 400 MC role not negotiated")
	add(CPActive, OnRecvConfigure, Respond, CPActive, steps(send(KindConfigureResponse), notify(NoteRejected)), "§5 402 sequence / §5.2 401 version / 403 clueId / 400 MP role not negotiated")
	for _, on := range []Trigger{OnRecvAdvertisement, OnRecvAck, OnRecvConfigure, OnRecvConfigureResponse} {
		add(CPActive, on, Drop, CPActive, ignored(), "envelope error on a response (nothing can answer a response), or no usable sequenceNr")
		add(CPActive, on, Delegate, CPActive, steps(), "handled by the MP or MC sub-machine (§6: the CP delegates)")
	}
	add(CPActive, OnRecvUnknown, Always, CPActive, ignored(), "message type unreadable: nothing can be answered")
	add(CPActive, OnTimerAck, Delegate, CPActive, steps(), "MP supervision: retransmit")
	add(CPActive, OnTimerConfResp, Delegate, CPActive, steps(), "MC supervision: retransmit")
	add(CPActive, OnTimerAck, Exhausted, CPIdle, steps(cancelTimers(), terminate()), "MP supervision: no ack; session ended")
	add(CPActive, OnTimerConfResp, Exhausted, CPIdle, steps(cancelTimers(), terminate()), "MC supervision: no configureResponse; session ended")
	for _, on := range localTriggers {
		add(CPActive, on, Delegate, CPActive, steps(), "local decision for the MP or MC sub-machine")
		add(CPActive, on, NoRole, CPActive, refuse, "§6: sub-machines run only for the negotiated roles")
	}
	// Defaults: every other message is ignored ("Messages not shown for a
	// state do not cause the state to change", §6.1/§6.2), every stale timer
	// is ignored, every other local decision is refused.
	for s := CPIdle; s < numCPStates; s++ {
		for _, on := range recvTriggers {
			if !hasRow(rows, s, on) {
				add(s, on, Always, s, ignored(), "not expected in this state: ignored")
			}
		}
		for _, on := range timerTriggers {
			add(s, on, NotRunning, s, steps(), "stale timer expiry")
		}
		if s != CPActive {
			for _, on := range localTriggers {
				add(s, on, Always, s, refuse, "no sub-machine before ACTIVE")
			}
		}
	}
	return rows
}

func hasRow[S ~uint8](rows []Transition[S], s S, on Trigger) bool {
	return slices.ContainsFunc(rows, func(r Transition[S]) bool { return r.From == s && r.On == on })
}

// ---- stepping ----

// stepCtx carries what classification found to the execution of the row.
type stepCtx struct {
	ev      *Event
	msg     Message // the received message, if any
	code    Code    // the code to send / report
	reason  string
	ref     uint64 // advSequenceNr / confSequenceNr of the response to send
	err     error  // for notes and termination
	echoV   Version
	retrans bool
	withAck bool
	adv     AdvertisementBody
	enc     CaptureEncodingsBody

	// options acceptance
	negotiated     Version
	common         []Extension
	peerMP, peerMC bool
}

// Step feeds one event to the participant and returns the actions to
// perform, in order. The error is non-nil only for refused local decisions
// (ErrNotAllowed, ErrStale); the state is then unchanged and no action is
// returned. Step never panics on any input.
func (p *Participant) Step(ev Event) ([]Action, error) {
	if err := p.checkArgs(&ev); err != nil {
		return nil, err
	}
	c := stepCtx{ev: &ev}
	trig, g := p.classify(&ev, &c)
	i, ok := cpTable.lookup(p.cp, trig, g)
	if !ok {
		// Cannot happen (TestTablesTotal, FuzzMachine); be safe anyway.
		return nil, fmt.Errorf("%w: no transition for %s / %s / %s", ErrNotAllowed, p.cp, trig, g)
	}
	row := &cpTable.rows[i]
	from := p.cp
	p.trace(MachineParticipant, i, from.String(), row.To.String(), row.On, row.If)
	if row.Do == nil {
		return nil, p.refusal(row.On)
	}
	p.cpEffects(row, &c)
	p.cp = row.To
	acts := p.perform(nil, row.Do, &c)
	if g == Delegate && p.cp == CPActive {
		return p.delegate(acts, trig, &c)
	}
	return acts, nil
}

// checkArgs validates what the application hands to a local decision, so
// that the machine never sends what it could not encode or would itself
// reject: before any transition is looked up, nothing changes on error.
func (p *Participant) checkArgs(ev *Event) error {
	switch ev.Kind {
	case EvAdvertise:
		if err := advertisementComplete(&ev.Adv); err != nil {
			return err
		}
		// DIGEST §2.11: the provider checks its advertisement before sending
		// it; we never send what we would NACK ourselves.
		if code, why := p.opts.CheckAdvertisement(&Advertisement{Body: ev.Adv}); !code.IsSuccess() {
			return errorf(ErrInvalidMessage, "advertisement: %s", why)
		}
	case EvConfigureResult:
		if !ev.Code.ValidFor(p.versionMajor()) {
			return fmt.Errorf("%w: response code %d", ErrInvalidCode, ev.Code)
		}
	case EvRejectAdvertisement:
		if !ev.Code.IsError() || !ev.Code.ValidFor(p.versionMajor()) {
			return fmt.Errorf("%w: NACK needs an error code, not %d", ErrInvalidCode, ev.Code)
		}
	case EvConfigure:
		if captureEncodingsPresent(ev.Encodings) {
			if err := ev.Encodings.Validate(); err != nil {
				return errorf(ErrInvalidMessage, "captureEncodings: %v", err)
			}
			// Never send a configure we would answer with an error ourselves.
			if adv := p.cons.adv; adv != nil && p.mc != MCInactive {
				if code, why := p.opts.CheckConfigure(&adv.Body, &Configure{AdvSeqNr: adv.SeqNr, Body: ev.Encodings}); !code.IsSuccess() {
					return errorf(ErrInvalidMessage, "configure (%d): %s", code, why)
				}
			}
		}
	case EvReceive:
		if isNilMessage(ev.Msg) {
			ev.Msg = nil
		}
	}
	return nil
}

// isNilMessage reports a typed nil pointer in a Message interface.
func isNilMessage(m Message) bool {
	switch m := m.(type) {
	case *Options:
		return m == nil
	case *OptionsResponse:
		return m == nil
	case *Advertisement:
		return m == nil
	case *Ack:
		return m == nil
	case *Configure:
		return m == nil
	case *ConfigureResponse:
		return m == nil
	}
	return m == nil
}

func (p *Participant) refusal(on Trigger) error {
	if on == OnStartChannel || on == OnChannelUp {
		return fmt.Errorf("%w: %s in %s", ErrNotAllowed, on, p.cp)
	}
	return fmt.Errorf("%w: %s (participant %s, provider %s, consumer %s)", ErrNotAllowed, on, p.cp, p.mp, p.mc)
}

func (p *Participant) trace(m Machine, row int, from, to string, on Trigger, g Guard) {
	if p.opts.Trace != nil {
		p.opts.Trace(TraceRecord{Machine: m, Row: row, From: from, To: to, On: on, If: g})
	}
}

// classify maps an event to the trigger and guard of the participant table.
// It updates the peer sequence trackers (receiving a message is when its
// number is remembered, RFC 8847 §5).
func (p *Participant) classify(ev *Event, c *stepCtx) (Trigger, Guard) {
	switch ev.Kind {
	case EvStartChannel:
		return OnStartChannel, Always
	case EvChannelUp:
		if p.cp != CPChannelSetup {
			return OnChannelUp, Always
		}
		if ev.Initiator {
			return OnChannelUp, Initiator
		}
		return OnChannelUp, Receiver
	case EvChannelLost:
		c.err = ev.Err
		if c.err == nil {
			c.err = ErrChannelLost
		}
		return OnChannelLost, Always
	case EvTimer:
		return p.classifyTimer(ev, c)
	case EvReceive:
		return p.classifyRecv(ev, c)
	case EvAdvertise, EvSettingsChanged, EvConfigureResult, EvAckAdvertisement, EvRejectAdvertisement, EvConfigure:
		trig := localTrigger(ev.Kind)
		if p.cp != CPActive {
			return trig, Always
		}
		if slices.Contains(mpTriggers, trig) {
			if p.mp == MPInactive {
				return trig, NoRole
			}
		} else if p.mc == MCInactive {
			return trig, NoRole
		}
		return trig, Delegate
	}
	// Unknown event kind: treat as an unreadable message (ignored).
	c.err = errors.New("protocol: unknown event kind")
	return OnRecvUnknown, Always
}

func localTrigger(k EventKind) Trigger {
	switch k {
	case EvAdvertise:
		return OnAdvertise
	case EvSettingsChanged:
		return OnSettingsChanged
	case EvConfigureResult:
		return OnConfigureResult
	case EvAckAdvertisement:
		return OnAckAdvertisement
	case EvRejectAdvertisement:
		return OnRejectAdvertisement
	}
	return OnConfigure
}

func (p *Participant) classifyTimer(ev *Event, c *stepCtx) (Trigger, Guard) {
	var trig Trigger
	switch ev.Timer {
	case TimerOptions:
		trig = OnTimerOptions
	case TimerAck:
		trig = OnTimerAck
	case TimerConfResp:
		trig = OnTimerConfResp
	default:
		return OnTimerOptions, NotRunning
	}
	t := &p.timers[ev.Timer]
	if !t.running || t.gen != ev.Gen {
		return trig, NotRunning
	}
	c.err = fmt.Errorf("%w: %s timer", ErrTimeout, ev.Timer)
	switch trig {
	case OnTimerOptions:
		if p.cp != CPOptionsCI && p.cp != CPOptionsCR {
			return trig, NotRunning
		}
		c.err = protoErr(0, true, c.err, "OPTIONS phase failure")
		return trig, Running
	case OnTimerAck:
		if p.cp != CPActive || p.mp != MPWaitForAck {
			return trig, NotRunning
		}
		if p.prov.retries >= p.opts.MaxRetransmits {
			c.err = protoErr(0, true, c.err, "no answer to advertisement %d", p.prov.latestAdv)
			return trig, Exhausted
		}
	default:
		if p.cp != CPActive || p.mc != MCWaitForConfResponse {
			return trig, NotRunning
		}
		if p.cons.retries >= p.opts.MaxRetransmits {
			c.err = protoErr(0, true, c.err, "no answer to configure %d", p.cons.pendingSeq)
			return trig, Exhausted
		}
	}
	return trig, Delegate
}

func (p *Participant) classifyRecv(ev *Event, c *stepCtx) (Trigger, Guard) {
	m := ev.Msg
	var pe *ParseError
	if ev.Err != nil && !errors.As(ev.Err, &pe) {
		pe = &ParseError{Code: CodeLowLevelError, Msg: ev.Err.Error(), Err: ev.Err}
	}
	c.msg = m
	if m == nil {
		c.err = ev.Err
		return OnRecvUnknown, Always
	}
	trig := recvTrigger(m.Kind())
	switch p.cp {
	case CPOptionsCR:
		if trig == OnRecvOptions {
			return trig, p.acceptOptions(m.(*Options), pe, c)
		}
	case CPOptionsCI:
		if trig == OnRecvOptionsResponse {
			return trig, p.acceptOptionsResponse(m.(*OptionsResponse), pe, c)
		}
	case CPActive:
		if trig != OnRecvOptions && trig != OnRecvOptionsResponse {
			return trig, p.checkEnvelope(m, pe, c)
		}
		c.err = protoErr(0, false, nil, "%s after the initiation phase", m.Kind())
		return trig, Always
	}
	c.err = protoErr(0, false, ev.Err, "%s not expected in %s", m.Kind(), p.cp)
	return trig, Always
}

// checkClueID applies 403 (RFC 8847 §5.7 "The clueId used in the message is
// invalid or unknown"): a clueId other than the configured one, or than the
// one the peer used first.
func (p *Participant) checkClueID(id string) bool {
	if id == "" {
		return true // optional element, RFC 8847 §5
	}
	want := p.opts.PeerClueID
	if want == "" {
		want = p.peerClueID
	}
	if want == "" {
		p.peerClueID = id
		return true
	}
	return id == want
}

// acceptOptions is the CR's processing of options (RFC 8847 §5.1, §5.2).
func (p *Participant) acceptOptions(o *Options, pe *ParseError, c *stepCtx) Guard {
	c.echoV = o.V
	if o.V.IsZero() {
		c.echoV = OptionsVersion(p.opts.Versions)
	}
	if o.SeqNr != 0 {
		p.peer[SpaceInitiation].Observe(o.SeqNr)
	}
	switch {
	case pe != nil:
		c.code, c.reason = pe.Code, pe.Msg
	case !p.checkClueID(o.ClueID):
		c.code, c.reason = CodeInvalidIdentifier, fmt.Sprintf("clueId %q is not accepted", o.ClueID)
	default:
		offered := DeclaredVersions(o.V, o.SupportedVersions)
		v, ok := NegotiateVersion(offered, p.opts.Versions)
		if !ok {
			c.code, c.reason = CodeVersionNotSupported, fmt.Sprintf("no common version: offered %v, supported %v", offered, p.opts.Versions)
			break
		}
		c.code = CodeSuccess
		c.negotiated = v
		c.common = CommonExtensions(o.SupportedExtensions, p.opts.Extensions, v)
		c.peerMP, c.peerMC = o.MediaProvider, o.MediaConsumer
		return Accept
	}
	// Only a genuine ParseError may be wrapped: a nil *ParseError in an
	// error interface would not compare equal to nil.
	var cause error
	if pe != nil {
		cause = pe
	}
	c.err = protoErr(c.code, true, cause, "options rejected: %s", c.reason)
	return Reject
}

// acceptOptionsResponse is the CI's processing of optionsResponse (RFC 8847
// §5.2).
func (p *Participant) acceptOptionsResponse(r *OptionsResponse, pe *ParseError, c *stepCtx) Guard {
	if r.SeqNr != 0 {
		p.peer[SpaceInitiation].Observe(r.SeqNr)
	}
	fail := func(code Code, format string, args ...any) Guard {
		c.code = code
		var cause error
		if pe != nil {
			cause = pe
		}
		c.err = protoErr(code, true, cause, format, args...)
		return Failure
	}
	switch {
	case pe != nil:
		return fail(pe.Code, "invalid optionsResponse")
	case !r.Code.IsSuccess():
		// RFC 8847 §6: "The CI receives an 'optionsResponse' with an error
		// response code."
		return fail(r.Code, "peer refused our options: %q", r.Reason)
	case !p.checkClueID(r.ClueID):
		return fail(CodeInvalidIdentifier, "clueId %q", r.ClueID)
	case !supports(p.opts.Versions, r.Version):
		return fail(CodeVersionNotSupported, "peer chose version %s, which we did not offer", r.Version)
	}
	for _, e := range r.CommonExtensions {
		if !slices.ContainsFunc(p.opts.Extensions, func(w Extension) bool {
			return w.Name == e.Name && w.SchemaRef == e.SchemaRef && w.Version.Major == e.Version.Major
		}) {
			return fail(CodeConflictingValues, "peer chose extension %q, which we did not offer", e.Name)
		}
	}
	c.negotiated = r.Version
	c.common = r.CommonExtensions
	c.peerMP, c.peerMC = *r.MediaProvider, *r.MediaConsumer
	return Success
}

// checkEnvelope applies, in ACTIVE, the checks every message goes through
// before a sub-machine sees it: sequence number (402, RFC 8847 §5), version
// (401, §5.2: "The subsequent CLUE messages MUST use such a version number"),
// clueId (403), role (400: the sub-machine for that message runs only if the
// roles were negotiated, §6).
func (p *Participant) checkEnvelope(m Message, pe *ParseError, c *stepCtx) Guard {
	h := m.MsgHeader()
	k := m.Kind()
	c.ref = h.SeqNr
	if h.SeqNr == 0 {
		c.err = protoErr(0, false, asErr(pe), "%s without a usable sequenceNr: nothing can be answered", k)
		return Drop
	}
	var code Code
	var why string
	if chk := p.peer[k.Space()].Observe(h.SeqNr); !chk.OK() {
		code, why = CodeInvalidSequencing, fmt.Sprintf("sequenceNr %d in the peer's %s space: %s", h.SeqNr, k.Space(), chk)
	} else if !h.V.IsZero() && h.V != p.negotiated {
		code, why = CodeVersionNotSupported, fmt.Sprintf("v=%s, negotiated %s", h.V, p.negotiated)
	} else if !p.checkClueID(h.ClueID) {
		code, why = CodeInvalidIdentifier, fmt.Sprintf("clueId %q", h.ClueID)
	} else if (k == KindAdvertisement || k == KindConfigureResponse) && p.mc == MCInactive {
		code, why = CodeSemanticErrors, fmt.Sprintf("%s, but we do not act as media consumer for this peer", k)
	} else if (k == KindAck || k == KindConfigure) && p.mp == MPInactive {
		code, why = CodeSemanticErrors, fmt.Sprintf("%s, but we do not act as media provider for this peer", k)
	}
	if code == 0 {
		return Delegate
	}
	c.code, c.reason = code, why
	c.err = protoErr(code, false, asErr(pe), "%s", why)
	if k.IsResponse() {
		return Drop
	}
	return Respond
}

// cpEffects updates the participant's data for the row being taken.
func (p *Participant) cpEffects(row *Transition[CPState], c *stepCtx) {
	switch {
	case row.On == OnChannelUp && row.To != row.From:
		p.beginSession(row.If == Initiator)
	case row.To == CPActive && row.From != CPActive:
		p.negotiated = c.negotiated
		p.common = slices.Clone(c.common)
		p.peerMP, p.peerMC = c.peerMP, c.peerMC
		// RFC 8847 §6: "When in the ACTIVE state, the CP starts the envisioned
		// sub-state machines ... according to the roles it plays". A dialogue
		// needs an MP at one end and an MC at the other (§4).
		if p.opts.MediaProvider && p.peerMC {
			p.mp = MPAdv
		}
		if p.opts.MediaConsumer && p.peerMP {
			p.mc = MCWaitForAdv
		}
	case row.To == CPIdle && row.From != CPIdle:
		p.endSession()
	}
}

func (p *Participant) beginSession(initiator bool) {
	p.initiator = initiator
	for s := range numSpaces {
		first := uint64(0)
		if p.opts.InitialSeq != nil {
			first = p.opts.InitialSeq(s)
		} else {
			first = 1 + rand.Uint64N(1<<31-1)
		}
		p.out[s] = NewCounter(first)
		p.peer[s] = Tracker{}
	}
	p.peerClueID = ""
}

func (p *Participant) endSession() {
	p.mp, p.mc = MPInactive, MCInactive
	p.negotiated, p.common = Version{}, nil
	p.peerMP, p.peerMC = false, false
	p.prov, p.cons = provider{}, consumer{}
	for i := range p.timers {
		p.timers[i].running = false
	}
}

// delegate hands a message, timer or local decision to the MP or MC
// sub-machine.
func (p *Participant) delegate(acts []Action, trig Trigger, c *stepCtx) ([]Action, error) {
	switch trig {
	case OnRecvAdvertisement, OnRecvConfigureResponse, OnTimerConfResp, OnAckAdvertisement, OnRejectAdvertisement, OnConfigure:
		return p.stepConsumer(acts, trig, c)
	}
	return p.stepProvider(acts, trig, c)
}

// ---- building actions ----

func (p *Participant) perform(acts []Action, do []Step, c *stepCtx) []Action {
	for _, s := range do {
		switch s.Kind {
		case ActSend:
			m, err := p.build(s.Msg, c)
			if err != nil {
				// Only ErrSeqExhausted can get here: end the session.
				p.endSession()
				p.cp = CPIdle
				return append(acts, Action{Kind: ActCancelTimers},
					Action{Kind: ActTerminate, Err: protoErr(0, true, err, "cannot send %s", s.Msg)})
			}
			acts = append(acts, Action{Kind: ActSend, Msg: m})
		case ActStartTimer:
			t := &p.timers[s.Timer]
			t.gen++
			t.running = true
			d := p.opts.ResponseTimeout
			if s.Timer == TimerOptions {
				d = p.opts.OptionsTimeout
			}
			acts = append(acts, Action{Kind: ActStartTimer, Timer: s.Timer, Gen: t.gen, After: d})
		case ActStopTimer:
			p.timers[s.Timer].running = false
			acts = append(acts, Action{Kind: ActStopTimer, Timer: s.Timer})
		case ActCancelTimers:
			for i := range p.timers {
				p.timers[i].running = false
			}
			acts = append(acts, Action{Kind: ActCancelTimers})
		case ActNotify:
			acts = append(acts, p.note(s.Note, c))
		case ActTerminate:
			acts = append(acts, Action{Kind: ActTerminate, Code: c.code, Err: c.err})
		}
	}
	return acts
}

func (p *Participant) note(n Note, c *stepCtx) Action {
	a := Action{Kind: ActNotify, Note: n, Msg: c.msg, Code: c.code, Err: c.err}
	switch n {
	case NoteActive:
		a.Msg, a.Code, a.Err = nil, 0, nil
	case NoteConfigured:
		a.Msg = p.cons.current
	case NoteRetransmit:
		a.Err = nil
	case NoteAdvertisementAcked, NoteConfigureReceived, NoteAdvertisementReceived:
		a.Code, a.Err = 0, nil
	}
	return a
}

// header fills a header for a message of kind k from our counter for its
// space.
func (p *Participant) header(k Kind, v Version) (Header, error) {
	n, err := p.out[k.Space()].Next()
	return Header{V: v, ClueID: p.opts.ClueID, SeqNr: n}, err
}

func reasonOr(code Code, reason string) string {
	if reason == "" {
		return code.Reason()
	}
	return cleanReason(reason)
}

func (p *Participant) build(k Kind, c *stepCtx) (Message, error) {
	v := p.negotiated
	switch k {
	case KindOptions:
		v = OptionsVersion(p.opts.Versions)
	case KindOptionsResponse:
		// RFC 8847 §10.2 answers in the options' own "v"; the negotiated
		// version applies to "the subsequent CLUE messages" (§5.2).
		v = c.echoV
	}
	h, err := p.header(k, v)
	if err != nil {
		return nil, err
	}
	switch k {
	case KindOptions:
		return &Options{
			Header:              h,
			MediaProvider:       p.opts.MediaProvider,
			MediaConsumer:       p.opts.MediaConsumer,
			SupportedVersions:   slices.Clone(p.opts.Versions),
			SupportedExtensions: slices.Clone(p.opts.Extensions),
		}, nil
	case KindOptionsResponse:
		r := &OptionsResponse{Header: h, Response: Response{Code: c.code, Reason: reasonOr(c.code, c.reason)}}
		if c.code.IsSuccess() {
			mp, mc := p.opts.MediaProvider, p.opts.MediaConsumer
			r.MediaProvider, r.MediaConsumer = &mp, &mc
			r.Version = c.negotiated
			r.CommonExtensions = slices.Clone(c.common)
		}
		return r, nil
	case KindAdvertisement:
		p.prov.latestAdv = h.SeqNr
		if !c.retrans {
			p.prov.body = c.adv
			p.prov.retries = 0
		} else {
			p.prov.retries++
		}
		return &Advertisement{Header: h, Body: p.prov.body}, nil
	case KindAck:
		return &Ack{Header: h, Response: Response{Code: c.code, Reason: reasonOr(c.code, c.reason)}, AdvSeqNr: c.ref}, nil
	case KindConfigure:
		m := &Configure{Header: h, AdvSeqNr: c.ref, Body: c.enc}
		if c.withAck {
			m.Ack = CodeSuccess
		}
		if !c.retrans {
			p.cons.retries = 0
		} else {
			p.cons.retries++
		}
		p.cons.pendingSeq = h.SeqNr
		p.cons.pending = m
		return m, nil
	case KindConfigureResponse:
		return &ConfigureResponse{Header: h, Response: Response{Code: c.code, Reason: reasonOr(c.code, c.reason)}, ConfSeqNr: c.ref}, nil
	}
	return nil, fmt.Errorf("%w: cannot build %s", ErrInvalidMessage, k)
}
