package protocol

import "math"

// Space is one of the independent sequence-number spaces of a CLUE
// Participant. RFC 8847 §5: "Each CP is responsible for creating and updating
// up to three independent streams of sequence numbers in messages it sends:
// (i) one for the messages sent in the initiation phase, (ii) one for the
// messages sent as an MP (if it is acting as an MP), and (iii) one for the
// messages sent as an MC (if it is acting as an MC)."
//
// The advSequenceNr of ack and configure and the confSequenceNr of
// configureResponse are not spaces of their own: they quote a number of the
// peer's MP space (an advertisement) or MC space (a configure). RFC 8847 §10
// (end) shows the interleaving: CP1's MP space carries advertisement 11,
// configureResponse 12, advertisement 13, configureResponse 14.
type Space uint8

const (
	// SpaceInitiation numbers options and optionsResponse.
	SpaceInitiation Space = iota
	// SpaceProvider numbers advertisement and configureResponse.
	SpaceProvider
	// SpaceConsumer numbers ack and configure.
	SpaceConsumer
	numSpaces
)

func (s Space) String() string {
	switch s {
	case SpaceInitiation:
		return "initiation"
	case SpaceProvider:
		return "provider"
	case SpaceConsumer:
		return "consumer"
	}
	return "space?"
}

// Counter numbers the messages we send in one space. RFC 8847 §5: "The
// sender MUST increment the sequence number by one for each new message sent
// ... The initial sequence number can be chosen randomly by each party."
//
// sequenceNr is xs:positiveInteger (unbounded) and the RFC defines no
// wrap-around: numbers only grow. We hold them in a uint64 and pick initial
// values below 2^31 (see [Opts].InitialSeq), so a session would have to send
// more than 1.8e19 messages to exhaust a counter; if it ever does, Next fails
// with [ErrSeqExhausted] instead of wrapping, because a wrapped number would be
// "too small" for the receiver (402).
// The zero Counter starts at 1.
type Counter struct {
	next uint64 // 0: not started (next is 1)
	done bool   // 2^64-1 was handed out
}

// NewCounter returns a counter whose first number is first (0 is taken as 1:
// the type is positiveInteger).
func NewCounter(first uint64) Counter {
	return Counter{next: first}
}

// Next returns the number for the next message and advances the counter.
func (c *Counter) Next() (uint64, error) {
	if c.done {
		return 0, ErrSeqExhausted
	}
	if c.next == 0 {
		c.next = 1
	}
	n := c.next
	if n == math.MaxUint64 {
		c.done = true // exhausted: never wrap
	} else {
		c.next++
	}
	return n, nil
}

// Peek returns the number the next message will carry (0 when exhausted).
func (c Counter) Peek() uint64 {
	switch {
	case c.done:
		return 0
	case c.next == 0:
		return 1
	}
	return c.next
}

// SeqCheck is the verdict on a received sequence number.
type SeqCheck uint8

const (
	// SeqFirst: the first number seen in this space; any value is accepted
	// (the peer chooses its initial value freely, RFC 8847 §5).
	SeqFirst SeqCheck = iota
	// SeqNext: exactly one more than the last number received.
	SeqNext
	// SeqGap: larger than expected ("sequence number gap").
	SeqGap
	// SeqRepeat: equal to the last number received ("repeated sequence
	// number").
	SeqRepeat
	// SeqOld: smaller than the last number received ("sequence number too
	// small" / "outdated").
	SeqOld
)

// OK reports whether the number is acceptable (first or next).
func (s SeqCheck) OK() bool { return s == SeqFirst || s == SeqNext }

func (s SeqCheck) String() string {
	return [...]string{"first", "next", "gap", "repeat", "old"}[s]
}

// Tracker remembers the peer's last sequence number in one space. RFC 8847
// §5: "the receiver MUST remember the most recent sequence number received and
// send back a 402 error if it receives a message with an unexpected sequence
// number (e.g., sequence number gap, repeated sequence number, sequence number
// too small)."
//
// Our reading (DIGEST §3.2): a gap is answered with 402 and the tracker then
// remembers the new, larger number (it is "the most recent sequence number
// received"), so one skipped number costs the peer one rejected message rather
// than every later one. A repeat or a smaller number is answered with 402 and
// does not move the tracker backwards (no replay window opens). There is no
// wrap-around (see [Counter]).
type Tracker struct {
	last uint64
	seen bool
}

// Check classifies n without recording it.
func (t *Tracker) Check(n uint64) SeqCheck {
	switch {
	case !t.seen:
		return SeqFirst
	case t.last != math.MaxUint64 && n == t.last+1:
		return SeqNext
	case n == t.last:
		return SeqRepeat
	case n < t.last:
		return SeqOld
	default:
		return SeqGap
	}
}

// Observe classifies n and records it as described on [Tracker].
func (t *Tracker) Observe(n uint64) SeqCheck {
	c := t.Check(n)
	switch c {
	case SeqFirst, SeqNext, SeqGap:
		t.last, t.seen = n, true
	}
	return c
}

// Last returns the last recorded number and whether any was recorded.
func (t *Tracker) Last() (uint64, bool) { return t.last, t.seen }
