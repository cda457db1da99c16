package hwtest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultBlockTimeout is how long a fake read waits (in real time) for the
// script to reach a delivery step before it reports the stall.
const DefaultBlockTimeout = 5 * time.Second

// script is the playback machinery the fakes share: a cursor over the
// steps, a broadcast of state changes for blocked readers, the bookkeeping of
// frames lent out, and the end-of-test checks.
type script struct {
	tb   testing.TB
	name string
	n    int                // number of steps
	desc func(i int) string // describes step i

	mu      sync.Mutex
	pos     int
	changed chan struct{} // closed and replaced on every change
	token   uint64
	held    map[uint64]uint64 // token -> frame sequence, frames not yet released
	blockTO time.Duration
}

func (s *script) init(tb testing.TB, name string, n int, desc func(int) string) {
	tb.Helper()
	s.tb, s.name, s.n, s.desc = tb, name, n, desc
	s.changed = make(chan struct{})
	s.held = map[uint64]uint64{}
	s.blockTO = DefaultBlockTimeout
	tb.Cleanup(s.check)
}

// check is the end-of-test verification.
func (s *script) check() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pos < s.n {
		var b strings.Builder
		for i := s.pos; i < s.n; i++ {
			fmt.Fprintf(&b, "\n\tstep %d: %s", i, s.desc(i))
		}
		s.tb.Errorf("hwtest: %s: %d scripted step(s) not used:%s", s.name, s.n-s.pos, b.String())
	}
	if len(s.held) > 0 {
		seqs := make([]uint64, 0, len(s.held))
		for _, q := range s.held {
			seqs = append(seqs, q)
		}
		sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
		s.tb.Errorf("hwtest: %s: %d frame(s) never released, sequence numbers %v", s.name, len(seqs), seqs)
	}
}

// broadcastLocked wakes every blocked reader.
func (s *script) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// unexpectedLocked reports a call that does not match the next step.
func (s *script) unexpectedLocked(call string) error {
	s.tb.Helper()
	if s.pos >= s.n {
		s.tb.Errorf("hwtest: %s: unexpected %s: script exhausted after %d step(s)", s.name, call, s.n)
	} else {
		s.tb.Errorf("hwtest: %s: unexpected %s: next is step %d: %s", s.name, call, s.pos, s.desc(s.pos))
	}
	return fmt.Errorf("hwtest: %s: %s: %w", s.name, call, ErrUnexpected)
}

// waitLocked releases the lock until the state changes, ctx is done, or the
// block timeout passes; it returns with the lock held.
func (s *script) waitLocked(ctx context.Context, call string, since time.Time) error {
	ch := s.changed
	left := s.blockTO - time.Since(since)
	s.mu.Unlock()
	defer s.mu.Lock()
	if left <= 0 {
		return s.blocked(call)
	}
	t := time.NewTimer(left)
	defer t.Stop()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return s.blocked(call)
	}
}

func (s *script) blocked(call string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := "script exhausted"
	if s.pos < s.n {
		next = fmt.Sprintf("next is step %d: %s", s.pos, s.desc(s.pos))
	}
	s.tb.Errorf("hwtest: %s: %s blocked for %v waiting for a scripted delivery; %s", s.name, call, s.blockTO, next)
	return fmt.Errorf("hwtest: %s: %s: %w", s.name, call, ErrBlocked)
}

// lendLocked records a frame as held and returns its token.
func (s *script) lendLocked(seq uint64) uint64 {
	s.token++
	s.held[s.token] = seq
	return s.token
}

// ReleaseFrame implements hw.Releaser for the frames a fake delivers.
func (s *script) ReleaseFrame(_ int, token uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.held, token)
}

// OutstandingFrames returns how many delivered frames are not released.
func (s *script) OutstandingFrames() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}

// SetBlockTimeout changes how long a read waits for the script to reach a
// delivery step before it reports the stall (DefaultBlockTimeout).
func (s *script) SetBlockTimeout(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blockTO = d
}

// Done reports whether every scripted step has been used.
func (s *script) Done() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pos >= s.n
}

// FrameCounter is implemented by sources that count the frames they lent
// out and that have not been released: the fakes here and the synthetic
// driver.
type FrameCounter interface {
	OutstandingFrames() int
}

// ExpectReleased fails the test at cleanup if src still has frames out.
// Register it after the source's own cleanup (Close) so that it runs
// before it.
func ExpectReleased(tb testing.TB, src FrameCounter) {
	tb.Helper()
	tb.Cleanup(func() {
		if n := src.OutstandingFrames(); n != 0 {
			tb.Errorf("hwtest: %d frame(s) never released", n)
		}
	})
}
