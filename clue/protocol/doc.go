// Package protocol implements the CLUE protocol of RFC 8847: the six
// messages and their XML encoding, the three sequence-number spaces, the
// response codes, version and extension negotiation, and the state machines
// of the CLUE Participant, the Media Provider and the Media Consumer as
// explicit transition tables.
//
// The package is pure: it does no I/O and reads no clock. A [Participant]
// takes events (a received message, a timer expiry, the channel going up or
// down, a decision of the application) and returns [Action] values for the
// caller to execute in order: send a message, start or stop a timer, notify
// the application, terminate the session. [TimerSet] keeps timer deadlines
// for callers with an injected [Clock].
//
// # Using a participant
//
//	p, _ := protocol.New(&protocol.Opts{ClueID: "box", MediaProvider: true, MediaConsumer: true})
//	run(p.StartChannel())                 // SDP enabled CLUE
//	run(p.ChannelEstablished(dtlsClient)) // the DTLS client is the Channel Initiator
//	for msg := range channel { run(p.Receive(msg), nil) }
//
//	func run(acts []protocol.Action, err error) {
//		timers.Apply(acts)
//		for _, a := range acts {
//			switch a.Kind {
//			case protocol.ActSend:      b, _ := protocol.Marshal(a.Msg); channel.Send(b)
//			case protocol.ActNotify:    // NoteActive → p.Advertise(...); NoteAdvertisementReceived →
//			                            // p.Configure(...); NoteConfigureReceived → p.ConfigureResult(...)
//			case protocol.ActTerminate: // close the CLUE channel; keep media (RFC 8848 §4.5.4.4)
//			}
//		}
//	}
//
// STATES.md (generated from the tables, checked by a test) lists every
// transition with the rule it implements.
//
// # Messages
//
// [Parse] reads one message and checks it against the RFC 8847 §9 schema
// (structure, order, cardinality, lexical types) and the prose rules of §5;
// failures are [ParseError]s carrying the 3xx code to answer with, a line
// number, and the partially read message. The clue-info content of
// advertisement and configure is typed by package clue/model (see
// payload.go, the only file that knows the representation). [Marshal]
// writes schema-valid documents only.
//
// # Decisions where the RFCs are silent, ambiguous or wrong
//
//   - Channel Initiator (RFC 8847 §4, §6 do not say who): the DTLS client,
//     as in RFC 8848 §8 (DIGEST §9 #6). A CI receiving options ignores them.
//   - OPTIONS states (§6): one RFC state, split by role into OPTIONS (CI)
//     and OPTIONS (CR); the CR answers options at once, so it needs no
//     "options received" state. A CR that answers with an error ends the
//     session like a CI receiving one.
//   - The optionsResponse carries the options' own "v" (as §10.2 does); the
//     negotiated version is used from the next message on (§5.2 "The
//     subsequent CLUE messages MUST use such a version number").
//   - A 2xx optionsResponse "MUST also include ... <commonExtensions>" (§5.2),
//     but that element needs at least one <extension> (§9): with no common
//     extension it is omitted, as §10.2 does, and not required on input.
//   - Extensions match by name and schemaRef and must refer to the negotiated
//     major (§8: <version> is "the major standard version of the protocol
//     that the extension refers to").
//   - Roles (§6 "according to the roles it plays"): our MP runs when we are
//     MP and the peer is MC; our MC when we are MC and the peer is MP (§4: a
//     dialogue is between one side's MP and the other's MC). A message for a
//     role that is not running is answered 400.
//   - Sequence numbers (§5): no wrap-around exists (positiveInteger, "MUST
//     increment by one"); numbers are uint64, initial values below 2^31, a
//     value above 2^64-1 is answered 302, an exhausted counter ends the
//     session. A gap is answered 402 and the tracker then remembers the new
//     number ("the most recent sequence number received"); a repeat or a
//     smaller number is answered 402 without moving the tracker back. The
//     number is checked before version and clueId, so that every readable
//     message is remembered. advSequenceNr / confSequenceNr are references
//     into the peer's provider / consumer spaces, not spaces of their own.
//   - Nothing can be sent in reply to a response (optionsResponse, ack,
//     configureResponse): invalid, out-of-sequence or unexpected responses
//     are dropped with a NoteIgnored, and a message whose type or
//     sequenceNr cannot be read is dropped the same way.
//   - "Out of date" (§6.1: "having a sequence number less than the highest
//     generated so far"); in ADV the newest advertisement counts as out of
//     date too, since the MP is replacing it. An out-of-date configure+ack is
//     ignored (§6.1 MUST); a plain out-of-date configure is answered 404; an
//     out-of-date ack is ignored like a configure+ack.
//   - Configures the MP machine cannot accept in its state (no <ack> for an
//     unacknowledged advertisement; <ack> for an advertisement already
//     acknowledged, which §5.5 says "MUST NOT" happen; a configure while one
//     is being processed; an advSequenceNr never sent) are answered 400
//     rather than left unanswered ("Messages not shown for a state do not
//     cause the state to change" still holds: no transition).
//   - An invalid advertisement is NACKed and the MC goes to WAIT FOR ADV
//     from any state (§6.2 "ADV PROCESSING → NACK sent → WAIT FOR ADV",
//     collapsed into one row); an invalid configure the MP would otherwise
//     have processed is answered and the MP goes to WAIT FOR CONF (§6.1 CONF
//     RESPONSE → error sent), keeping the configuration in force. A new
//     advertisement during ADV PROCESSING replaces the one being processed
//     (§5.3 "completely replaces").
//   - After an error configureResponse to a configure+ack the MC's next
//     configure carries no <ack>: per §6.1 the MP treated the ack part as
//     received (WAIT FOR ACK → CONF RESPONSE → WAIT FOR CONF).
//   - When the telepresence settings change during CONF RESPONSE the pending
//     configure is abandoned without a configureResponse (§6.1 CONF RESPONSE
//     → ADV); the new advertisement tells the MC.
//   - Schema compliance (§7) vs robustness (§7, §8): elements and attributes
//     in foreign namespaces are ignored wherever they appear; unknown
//     clue-protocol elements are a 301 in a 1.0 message and ignored in a
//     message of a newer minor or another major. The https XSI namespace of
//     the RFC examples (DIGEST §9 #1) is accepted on input, never emitted.
//   - Response codes for XML problems (§5.7 gives only titles): 300 for
//     messages over the size or depth limit, with a DTD, or not UTF-8; 301
//     for XML that is not well formed or a structure the schema forbids; 302
//     for a value outside its type; 303 for values that conflict (two
//     supportedVersions of one major, a "v" not among them, an extension of
//     an unsupported major, a 2xx optionsResponse without roles or version).
//     An empty <clueId/> is read as absent.
//   - Data-model checks: by default a received advertisement with
//     Error-severity problems of clue/model is NACKed (400), and a configure
//     that the model finds inconsistent with the advertisement is answered
//     400, or 405 for a forbidden subset choice — before the application
//     sees it (Opts.CheckAdvertisement, Opts.CheckConfigure). Note that the
//     RFC's own §10.6 advertisement (VC0 without captureArea, RFC 8846
//     §11.5.2) and §10.8 configure (DIGEST §9 #12) fail these checks.
//   - Timers (§6 names the OPTIONS timeouts without values): see
//     Opts.OptionsTimeout, Opts.ResponseTimeout and Opts.MaxRetransmits.
package protocol
