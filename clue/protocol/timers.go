package protocol

import "time"

// Clock is the time source of a TimerSet (inject a fake one in tests).
type Clock interface {
	Now() time.Time
}

// TimerSet keeps the deadlines a Participant asks for, for callers that run
// one event loop: Apply the actions of every step, sleep until Next, then
// feed Due to Participant.Step. It reads time only through the injected
// Clock.
type TimerSet struct {
	clock Clock
	t     [numTimers]struct {
		armed    bool
		gen      uint64
		deadline time.Time
	}
}

// NewTimerSet returns an empty timer set reading clock.
func NewTimerSet(clock Clock) *TimerSet { return &TimerSet{clock: clock} }

// Apply arms and disarms timers according to the timer actions in acts
// (other actions are ignored).
func (s *TimerSet) Apply(acts []Action) {
	for _, a := range acts {
		switch a.Kind {
		case ActStartTimer:
			if a.Timer > 0 && a.Timer < numTimers {
				t := &s.t[a.Timer]
				t.armed, t.gen, t.deadline = true, a.Gen, s.clock.Now().Add(a.After)
			}
		case ActStopTimer:
			if a.Timer > 0 && a.Timer < numTimers {
				s.t[a.Timer].armed = false
			}
		case ActCancelTimers:
			for i := range s.t {
				s.t[i].armed = false
			}
		}
	}
}

// Next returns the earliest deadline, if any timer is armed.
func (s *TimerSet) Next() (time.Time, bool) {
	var next time.Time
	ok := false
	for i := range s.t {
		if t := &s.t[i]; t.armed && (!ok || t.deadline.Before(next)) {
			next, ok = t.deadline, true
		}
	}
	return next, ok
}

// Due disarms the timers whose deadline has passed and returns their expiry
// events, earliest first.
func (s *TimerSet) Due() []Event {
	now := s.clock.Now()
	var evs []Event
	for {
		best := -1
		for i := range s.t {
			t := &s.t[i]
			if t.armed && !t.deadline.After(now) && (best < 0 || t.deadline.Before(s.t[best].deadline)) {
				best = i
			}
		}
		if best < 0 {
			return evs
		}
		s.t[best].armed = false
		evs = append(evs, Event{Kind: EvTimer, Timer: TimerID(best), Gen: s.t[best].gen})
	}
}
