package protocol

import (
	"strings"
	"time"
)

// ---- states ----

// CPState is a state of the CLUE Participant machine (RFC 8847 §6, Figure 9).
type CPState uint8

// RFC 8847 §6 names four states; its OPTIONS state is split by role, since
// the Channel Initiator and the Channel Receiver wait for different messages.
const (
	CPIdle         CPState = iota // IDLE: no CLUE channel, no CLUE-controlled media exchange
	CPChannelSetup                // CHANNEL SETUP: the data channel is being set up
	CPOptionsCI                   // OPTIONS as CI: options sent, waiting for optionsResponse
	CPOptionsCR                   // OPTIONS as CR: waiting for options
	CPActive                      // ACTIVE: MP and/or MC sub-machines running
	numCPStates
)

var cpStateNames = [...]string{"IDLE", "CHANNEL SETUP", "OPTIONS (CI)", "OPTIONS (CR)", "ACTIVE"}

func (s CPState) String() string {
	if s < numCPStates {
		return cpStateNames[s]
	}
	return "CP?"
}

// MPState is a state of the Media Provider sub-machine (RFC 8847 §6.1,
// Figure 10). MPInactive is not an RFC state: the sub-machine is not running
// (the participant is not ACTIVE, or the MP role was not negotiated).
type MPState uint8

const (
	MPInactive     MPState = iota // (not running)
	MPAdv                         // ADV: preparing an advertisement
	MPWaitForAck                  // WAIT FOR ACK
	MPWaitForConf                 // WAIT FOR CONF
	MPConfResponse                // CONF RESPONSE: processing a configure
	MPEstablished                 // ESTABLISHED
	numMPStates
)

var mpStateNames = [...]string{"(inactive)", "ADV", "WAIT FOR ACK", "WAIT FOR CONF", "CONF RESPONSE", "ESTABLISHED"}

func (s MPState) String() string {
	if s < numMPStates {
		return mpStateNames[s]
	}
	return "MP?"
}

// MCState is a state of the Media Consumer sub-machine (RFC 8847 §6.2,
// Figure 11). MCInactive: not running.
type MCState uint8

const (
	MCInactive            MCState = iota // (not running)
	MCWaitForAdv                         // WAIT FOR ADV
	MCAdvProcessing                      // ADV PROCESSING
	MCConf                               // CONF: preparing a configure
	MCWaitForConfResponse                // WAIT FOR CONF RESPONSE
	MCEstablished                        // ESTABLISHED
	numMCStates
)

var mcStateNames = [...]string{"(inactive)", "WAIT FOR ADV", "ADV PROCESSING", "CONF", "WAIT FOR CONF RESPONSE", "ESTABLISHED"}

func (s MCState) String() string {
	if s < numMCStates {
		return mcStateNames[s]
	}
	return "MC?"
}

// ---- triggers and guards ----

// Trigger is what a transition reacts to: a received message (by type), a
// timer, the channel, or a local decision of the application.
type Trigger uint8

const (
	OnStartChannel          Trigger = iota + 1 // SDP enabled CLUE; the data channel is being opened
	OnChannelUp                                // the data channel is open
	OnChannelLost                              // channel error / session ends
	OnRecvOptions                              // 'options' received
	OnRecvOptionsResponse                      // 'optionsResponse' received
	OnRecvAdvertisement                        // 'advertisement' received
	OnRecvAck                                  // 'ack' received
	OnRecvConfigure                            // 'configure' received
	OnRecvConfigureResponse                    // 'configureResponse' received
	OnRecvUnknown                              // a message whose type could not be read
	OnTimerOptions                             // OPTIONS timer expired
	OnTimerAck                                 // MP response timer expired (waiting for ack)
	OnTimerConfResp                            // MC response timer expired (waiting for configureResponse)
	OnAdvertise                                // local (MP): send a new advertisement
	OnSettingsChanged                          // local (MP): telepresence settings changed
	OnConfigureResult                          // local (MP): configure processed
	OnAckAdvertisement                         // local (MC): advertisement accepted, configure later
	OnRejectAdvertisement                      // local (MC): advertisement rejected
	OnConfigure                                // local (MC): send a configure
	numTriggers
)

var triggerNames = [...]string{"", "start channel", "channel established", "channel error / session ends",
	"recv options", "recv optionsResponse", "recv advertisement", "recv ack", "recv configure",
	"recv configureResponse", "recv unreadable message", "OPTIONS timer", "ack timer", "configureResponse timer",
	"local: advertise", "local: settings changed", "local: configure result", "local: ack advertisement",
	"local: reject advertisement", "local: configure"}

func (t Trigger) String() string {
	if t < numTriggers {
		return triggerNames[t]
	}
	return "trigger?"
}

func (t Trigger) isLocal() bool { return t >= OnAdvertise }

func (t Trigger) isRecv() bool { return t >= OnRecvOptions && t <= OnRecvUnknown }

func recvTrigger(k Kind) Trigger {
	switch k {
	case KindOptions:
		return OnRecvOptions
	case KindOptionsResponse:
		return OnRecvOptionsResponse
	case KindAdvertisement:
		return OnRecvAdvertisement
	case KindAck:
		return OnRecvAck
	case KindConfigure:
		return OnRecvConfigure
	case KindConfigureResponse:
		return OnRecvConfigureResponse
	}
	return OnRecvUnknown
}

// Guard is the condition that selects among the transitions of one state and
// trigger.
type Guard uint8

const (
	Always       Guard = iota // no condition
	Initiator                 // we are the Channel Initiator (DTLS client, DIGEST §9 #6)
	Receiver                  // we are the Channel Receiver
	Accept                    // options acceptable: a common version exists, message valid
	Reject                    // options not acceptable (code in the response)
	Success                   // response code 2xx (for the message we wait for)
	Failure                   // error response code, or a response we cannot accept
	Ignore                    // not for the current exchange (outdated, unknown reference, unreadable response)
	Respond                   // envelope check failed (402/401/403/400): answer with the code
	Drop                      // envelope check failed on a response, or unaddressable: drop
	Delegate                  // envelope fine: the MP or MC sub-machine handles it
	NoRole                    // local decision for a role that was not negotiated
	Running                   // the timer is the one running
	NotRunning                // stale expiry: the timer was stopped or restarted since
	Retry                     // supervision timer, retransmissions left
	Exhausted                 // supervision timer, no retransmission left
	Acceptable                // configure the MP can act on: hand it to the application
	Unacceptable              // configure the MP would act on, but its content is invalid
	Outdated                  // refers to an out-of-date advertisement
	Misplaced                 // configure not acceptable in this state (400)
	Malformed                 // invalid content, not acceptable in this state anyway
	Valid                     // advertisement valid
	Invalid                   // advertisement invalid (code in the NACK)
	numGuards
)

var guardNames = [...]string{"", "initiator", "receiver", "acceptable", "not acceptable", "2xx", "error",
	"not for this exchange", "envelope error", "envelope error, unanswerable", "envelope ok", "role not negotiated",
	"running", "stale", "retries left", "retries exhausted", "acceptable", "acceptable but invalid content",
	"out of date", "not acceptable in this state", "invalid content", "valid", "invalid"}

func (g Guard) String() string {
	if g < numGuards {
		return guardNames[g]
	}
	return "guard?"
}

// ---- actions ----

// ActionKind says what the caller must do.
type ActionKind uint8

const (
	// ActSend: marshal Action.Msg (see [Marshal]) and send it on the CLUE
	// data channel, in order.
	ActSend ActionKind = iota + 1
	// ActStartTimer: (re)start timer Action.Timer to fire after
	// Action.After; on expiry call TimerExpired(Action.Timer, Action.Gen).
	ActStartTimer
	// ActStopTimer: stop timer Action.Timer.
	ActStopTimer
	// ActCancelTimers: stop every timer of this participant.
	ActCancelTimers
	// ActNotify: tell the application (Action.Note, with Msg/Code/Err).
	ActNotify
	// ActTerminate: the machine ended the CLUE session (it is IDLE again);
	// close the CLUE data channel (RFC 8850 §3.2.7) and, per RFC 8848
	// §4.5.4.4, keep CLUE-controlled media as last negotiated until SDP says
	// otherwise. Action.Err is a fatal *ProtocolError.
	ActTerminate
)

var actionNames = [...]string{"", "send", "start timer", "stop timer", "cancel timers", "notify", "terminate"}

func (k ActionKind) String() string {
	if int(k) < len(actionNames) {
		return actionNames[k]
	}
	return "action?"
}

// TimerID names the timers a participant runs.
type TimerID uint8

const (
	// TimerOptions supervises the OPTIONS state (RFC 8847 §6: "The CI does
	// not receive any 'optionsResponse', and a timeout error is raised";
	// "The CR does not receive any 'options', and a timeout error is
	// raised"). Default 30 s (Opts.OptionsTimeout).
	TimerOptions TimerID = iota + 1
	// TimerAck supervises the MP in WAIT FOR ACK (not in the RFC; see
	// Opts.ResponseTimeout).
	TimerAck
	// TimerConfResp supervises the MC in WAIT FOR CONF RESPONSE (not in the
	// RFC; see Opts.ResponseTimeout).
	TimerConfResp
	numTimers
)

var timerNames = [...]string{"", "options", "ack", "configureResponse"}

func (t TimerID) String() string {
	if t < numTimers {
		return timerNames[t]
	}
	return "timer?"
}

// Note is what an ActNotify tells the application.
type Note uint8

const (
	// NoteActive: initiation phase done; see Participant.Negotiated. Start
	// the MP role by calling Advertise if Negotiated reports it active.
	NoteActive Note = iota + 1
	// NoteAdvertisementReceived (MC): Msg is the *Advertisement to process;
	// answer with AckAdvertisement, RejectAdvertisement or Configure.
	NoteAdvertisementReceived
	// NoteAdvertisementAcked (MP): Msg is the *Ack; wait for a configure.
	NoteAdvertisementAcked
	// NoteAdvertisementRejected (MP): Msg is the NACK (*Ack), Code its code.
	// The MP is in ADV: call Advertise with a corrected advertisement.
	NoteAdvertisementRejected
	// NoteConfigureReceived (MP): Msg is the *Configure to process; answer
	// with ConfigureResult (no partial execution, RFC 8847 §5.6).
	NoteConfigureReceived
	// NoteConfigured (MC): the MP accepted our configure; Msg is that
	// *Configure.
	NoteConfigured
	// NoteConfigureFailed (MC): the MP rejected our configure; Msg is the
	// *ConfigureResponse, Code its code. The MC is in CONF: call Configure.
	NoteConfigureFailed
	// NoteRejected: we answered a peer message with error Code; Err says
	// why.
	NoteRejected
	// NoteIgnored: a message was ignored as RFC 8847 prescribes (or because
	// nothing can be answered to it); Err says why. Diagnostic only.
	NoteIgnored
	// NoteRetransmit: a supervision timer expired and Msg was sent again
	// with a new sequence number.
	NoteRetransmit
	// NoteSessionEnded: the channel is gone (Err); the participant is IDLE.
	NoteSessionEnded
	numNotes
)

var noteNames = [...]string{"", "active", "advertisement received", "advertisement acked", "advertisement rejected",
	"configure received", "configured", "configure failed", "rejected", "ignored", "retransmit", "session ended"}

func (n Note) String() string {
	if n < numNotes {
		return noteNames[n]
	}
	return "note?"
}

// Action is one thing for the caller to do; fields beyond Kind depend on it.
type Action struct {
	Kind  ActionKind
	Msg   Message       // ActSend; the message a note is about
	Timer TimerID       // ActStartTimer, ActStopTimer
	Gen   uint64        // ActStartTimer: pass back to TimerExpired
	After time.Duration // ActStartTimer
	Note  Note          // ActNotify
	Code  Code          // response code a note or termination is about
	Err   error         // NoteRejected, NoteIgnored, NoteSessionEnded, ActTerminate
}

// Step is one entry of a transition's action list.
type Step struct {
	Kind  ActionKind
	Msg   Kind    // ActSend
	Timer TimerID // ActStartTimer, ActStopTimer
	Note  Note    // ActNotify
}

func (s Step) String() string {
	switch s.Kind {
	case ActSend:
		return "send " + s.Msg.String()
	case ActStartTimer, ActStopTimer:
		return s.Kind.String() + " " + s.Timer.String()
	case ActNotify:
		return "notify " + s.Note.String()
	}
	return s.Kind.String()
}

func (s Step) matches(a Action) bool {
	if s.Kind != a.Kind {
		return false
	}
	switch s.Kind {
	case ActSend:
		return a.Msg != nil && a.Msg.Kind() == s.Msg
	case ActStartTimer, ActStopTimer:
		return s.Timer == a.Timer
	case ActNotify:
		return s.Note == a.Note
	}
	return true
}

func send(k Kind) Step     { return Step{Kind: ActSend, Msg: k} }
func start(t TimerID) Step { return Step{Kind: ActStartTimer, Timer: t} }
func stop(t TimerID) Step  { return Step{Kind: ActStopTimer, Timer: t} }
func notify(n Note) Step   { return Step{Kind: ActNotify, Note: n} }
func steps(s ...Step) []Step {
	if s == nil {
		return []Step{} // "do nothing", as opposed to refuse (nil)
	}
	return s
}
func cancelTimers() Step { return Step{Kind: ActCancelTimers} }
func terminate() Step    { return Step{Kind: ActTerminate} }
func ignored() []Step    { return steps(notify(NoteIgnored)) }

// ---- tables ----

// Transition is one row of a transition table: in state From, on trigger On
// when guard If holds, perform Do (in order) and move to To. Ref cites the
// rule. Rows with an empty Do and a local trigger reject the call with
// ErrNotAllowed.
type Transition[S ~uint8] struct {
	From S
	On   Trigger
	If   Guard
	To   S
	Do   []Step
	Ref  string
}

// DoString renders the action list ("send ack, stop timer ack").
func (t Transition[S]) DoString() string {
	var b strings.Builder
	for i, s := range t.Do {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.String())
	}
	return b.String()
}

type rowKey struct {
	from uint8
	on   Trigger
	g    Guard
}

type table[S ~uint8] struct {
	name  string
	rows  []Transition[S]
	index map[rowKey]int
}

func newTable[S ~uint8](name string, rows []Transition[S]) *table[S] {
	t := &table[S]{name: name, rows: rows, index: make(map[rowKey]int, len(rows))}
	for i, r := range rows {
		k := rowKey{uint8(r.From), r.On, r.If}
		if _, dup := t.index[k]; dup {
			panic("protocol: duplicate transition in " + name + " table: " + r.On.String() + " " + r.If.String())
		}
		t.index[k] = i
	}
	return t
}

func (t *table[S]) lookup(from S, on Trigger, g Guard) (int, bool) {
	i, ok := t.index[rowKey{uint8(from), on, g}]
	return i, ok
}

// Machine names a transition table.
type Machine uint8

const (
	MachineParticipant Machine = iota + 1
	MachineProvider
	MachineConsumer
)

func (m Machine) String() string {
	return [...]string{"?", "participant", "provider", "consumer"}[min(int(m), 3)]
}

// TraceRecord tells Opts.Trace which row of which table a step used.
type TraceRecord struct {
	Machine  Machine
	Row      int // index into the table (ParticipantTable() etc.)
	From, To string
	On       Trigger
	If       Guard
}

// ParticipantTable returns the participant's transition table.
func ParticipantTable() []Transition[CPState] { return clone(cpTable.rows) }

// ProviderTable returns the Media Provider's transition table.
func ProviderTable() []Transition[MPState] { return clone(mpTable.rows) }

// ConsumerTable returns the Media Consumer's transition table.
func ConsumerTable() []Transition[MCState] { return clone(mcTable.rows) }

func clone[S ~uint8](rows []Transition[S]) []Transition[S] {
	out := make([]Transition[S], len(rows))
	for i, r := range rows {
		r.Do = append([]Step(nil), r.Do...)
		out[i] = r
	}
	return out
}
