package protocol

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite STATES.md from the transition tables")

// TestStatesDoc keeps STATES.md equal to the tables in the code. After
// changing a table run: go test ./clue/protocol -run TestStatesDoc -update
func TestStatesDoc(t *testing.T) {
	want := statesMarkdown()
	if *update {
		must(t, os.WriteFile("STATES.md", []byte(want), 0o644))
	}
	got, err := os.ReadFile("STATES.md")
	must(t, err)
	if string(got) != want {
		t.Fatal("STATES.md is out of date: go test ./clue/protocol -run TestStatesDoc -update")
	}
}

func statesMarkdown() string {
	var b strings.Builder
	b.WriteString(`# CLUE protocol state machines (RFC 8847 §6)

Generated from the transition tables in ` + "`participant.go`, `provider.go` and `consumer.go`" + ` by
` + "`go test ./clue/protocol -run TestStatesDoc -update`" + `; ` + "`TestStatesDoc`" + ` fails when this
file and the code disagree, ` + "`TestEveryTransition`" + ` drives every row below.

How to read a row: in state **From**, on **Trigger**, when **Guard** holds, perform **Actions**
in order and go to **To**. An empty guard means "always". **refused** means the local call
returns ` + "`ErrNotAllowed`" + ` (or ` + "`ErrStale`" + ` for an out-of-date reference) and nothing happens.
"notify ignored" is a diagnostic only. The participant hands messages, timers and local
decisions to the Media Provider or Media Consumer sub-machine in the rows guarded
"envelope ok"; the sub-machines run only in ACTIVE and only for the negotiated roles (an MP
dialogue needs our MP and the peer's MC, RFC 8847 §4).

Before a message reaches a sub-machine the participant checks its envelope, in this order:
sequence number in the peer's space (402), version equal to the negotiated one (401),
clueId (403), role negotiated (400). A failing request (advertisement, configure) is answered
with that code and changes no state; a failing response (ack, configureResponse) cannot be
answered and is dropped.

Timers: ` + "`options`" + ` (default 30 s) supervises OPTIONS in both roles (RFC 8847 §6). ` + "`ack`" + ` and
` + "`configureResponse`" + ` (default 30 s, ` + "`Opts.ResponseTimeout`" + `) supervise the two waits the RFC leaves
open; on expiry the message is re-sent with a new sequence number while
` + "`Opts.MaxRetransmits`" + ` (default 0) allows, then the session ends (terminate, fatal).

`)
	section(&b, "Participant (Figure 9)", "participant", cpTable.rows, []string{
		"IDLE: no CLUE channel; no CLUE-controlled media exchanged (RFC 8848 §4.5.4.4: media as last negotiated may continue)",
		"CHANNEL SETUP: the CLUE data channel is being set up",
		"OPTIONS (CI): we are the Channel Initiator (DTLS client, DIGEST §9 #6): options sent, waiting for optionsResponse",
		"OPTIONS (CR): we are the Channel Receiver: waiting for options",
		"ACTIVE: version and extensions negotiated; MP / MC sub-machines running",
	})
	section(&b, "Media Provider (Figure 10)", "provider", mpTable.rows, []string{
		"ADV: preparing an advertisement (the application calls Advertise)",
		"WAIT FOR ACK: advertisement sent, waiting for ack or configure+ack",
		"WAIT FOR CONF: advertisement acknowledged, waiting for configure",
		"CONF RESPONSE: the application processes a configure (ConfigureResult)",
		"ESTABLISHED: the last successful configure is in force",
	})
	section(&b, "Media Consumer (Figure 11)", "consumer", mcTable.rows, []string{
		"WAIT FOR ADV: waiting for an advertisement",
		"ADV PROCESSING: the application processes an advertisement (AckAdvertisement, RejectAdvertisement or Configure)",
		"CONF: advertisement acknowledged, the application prepares a configure",
		"WAIT FOR CONF RESPONSE: configure sent, waiting for configureResponse",
		"ESTABLISHED: the MP accepted our last configure",
	})
	return b.String()
}

func section[S interface {
	~uint8
	fmt.Stringer
}](b *strings.Builder, title, name string, rows []Transition[S], states []string) {
	fmt.Fprintf(b, "## %s\n\nStates:\n\n", title)
	for _, s := range states {
		fmt.Fprintf(b, "- %s\n", s)
	}
	fmt.Fprintf(b, "\n| # | From | Trigger | Guard | Actions | To | Rule |\n|---|---|---|---|---|---|---|\n")
	for i, r := range rows {
		do := r.DoString()
		if r.Do == nil {
			do = "refused"
		} else if do == "" {
			do = "—"
		}
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s | %s |\n", i, r.From, r.On, r.If, do, r.To, strings.ReplaceAll(r.Ref, "|", "\\|"))
	}
	b.WriteString("\n")
}
