package srtp

import "sync/atomic"

// Stats is a snapshot of a context's counters.
type Stats struct {
	// RTP and RTCP count packets sealed (Sender) or opened and accepted
	// (Receiver).
	RTP, RTCP uint64
	// Rejected packets, by reason (Receiver only).
	TooShort, Malformed, UnknownSSRC, Replayed, AuthFailed uint64
	// Failed is the number of seal calls that returned an error (Sender
	// only): a short buffer, a malformed header, a closed context...
	Failed uint64
}

// Rejected is the total of the rejection counters.
func (s Stats) Rejected() uint64 {
	return s.TooShort + s.Malformed + s.UnknownSSRC + s.Replayed + s.AuthFailed
}

func (s *Stats) add(o Stats) {
	s.RTP += o.RTP
	s.RTCP += o.RTCP
	s.TooShort += o.TooShort
	s.Malformed += o.Malformed
	s.UnknownSSRC += o.UnknownSSRC
	s.Replayed += o.Replayed
	s.AuthFailed += o.AuthFailed
	s.Failed += o.Failed
}

// counters are updated with atomics so that Stats can be read from any
// goroutine while packets flow.
type counters struct {
	rtp, rtcp, failed atomic.Uint64
	rejected          [numReasons]atomic.Uint64
}

// count records the outcome of one packet.
func (c *counters) count(rtcp bool, err error) {
	switch e := err.(type) {
	case nil:
		if rtcp {
			c.rtcp.Add(1)
		} else {
			c.rtp.Add(1)
		}
	case *Error:
		c.rejected[e.Reason].Add(1)
	default:
		c.failed.Add(1)
	}
}

func (c *counters) snapshot() Stats {
	return Stats{
		RTP:         c.rtp.Load(),
		RTCP:        c.rtcp.Load(),
		TooShort:    c.rejected[ReasonTooShort].Load(),
		Malformed:   c.rejected[ReasonMalformed].Load(),
		UnknownSSRC: c.rejected[ReasonUnknownSSRC].Load(),
		Replayed:    c.rejected[ReasonReplay].Load(),
		AuthFailed:  c.rejected[ReasonAuth].Load(),
		Failed:      c.failed.Load(),
	}
}
