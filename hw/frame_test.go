package hw

import (
	"sync"
	"testing"
)

type countingReleaser struct {
	slots *Slots
	calls int
	freed int
}

func (c *countingReleaser) ReleaseFrame(i int, token uint64) {
	c.calls++
	if c.slots.Release(i, token) {
		c.freed++
	}
}

func TestFrameReleaseTwiceIsNoop(t *testing.T) {
	r := &countingReleaser{slots: NewSlots(2)}
	i, tok, _ := r.slots.Acquire()
	f := NewFrame([]byte{1, 2}, 5, 7, FrameKeyframe, r, i, tok)
	cp := f
	if !f.Held() || !f.Keyframe() {
		t.Fatal("fresh frame")
	}
	f.Release()
	f.Release()
	if f.Held() || f.Data != nil {
		t.Error("released frame still holds data")
	}
	cp.Release() // a copy reaches the driver, which ignores the stale token
	if r.freed != 1 || r.calls != 2 || r.slots.Outstanding() != 0 {
		t.Errorf("freed %d calls %d outstanding %d", r.freed, r.calls, r.slots.Outstanding())
	}
	// The buffer lent again under a new token is not freed by the old copy.
	i2, tok2, _ := r.slots.Acquire()
	if i2 != i || tok2 == tok {
		t.Fatalf("reacquire %d %d", i2, tok2)
	}
	stale := NewFrame(nil, 0, 0, 0, r, i, tok)
	stale.Release()
	if r.slots.Outstanding() != 1 {
		t.Error("stale token released a new lending")
	}
	var zero Frame
	zero.Release()
}

func TestFrameReleaseAllocs(t *testing.T) {
	r := &countingReleaser{slots: NewSlots(1)}
	n := testing.AllocsPerRun(1000, func() {
		i, tok, _ := r.slots.Acquire()
		f := NewFrame(nil, 0, 0, 0, r, i, tok)
		f.Release()
	})
	if n != 0 {
		t.Errorf("acquire+release allocates %v", n)
	}
}

func TestSlots(t *testing.T) {
	s := NewSlots(3)
	if s.Len() != 3 {
		t.Fatal(s.Len())
	}
	for want := 0; want < 3; want++ {
		if i, _, ok := s.Acquire(); !ok || i != want {
			t.Fatalf("acquire %d: %d %v", want, i, ok)
		}
	}
	if _, _, ok := s.Acquire(); ok {
		t.Fatal("acquired a fourth buffer of three")
	}
	if _, ok := s.AcquireIndex(1); ok {
		t.Fatal("AcquireIndex of a lent buffer")
	}
	if _, ok := s.AcquireIndex(3); ok {
		t.Fatal("AcquireIndex out of range")
	}
	if s.Release(1, 0) || s.Release(7, 1) || s.Release(-1, 1) {
		t.Fatal("bogus release accepted")
	}
	if !s.Release(1, 2) || s.Release(1, 2) {
		t.Fatal("release of buffer 1")
	}
	tok, ok := s.AcquireIndex(1)
	if !ok || tok != 4 || s.Outstanding() != 3 {
		t.Fatal("AcquireIndex")
	}
}

func TestSlotsConcurrent(t *testing.T) {
	s := NewSlots(4)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 1000; k++ {
				if i, tok, ok := s.Acquire(); ok {
					s.Release(i, tok)
				}
			}
		}()
	}
	wg.Wait()
	if s.Outstanding() != 0 {
		t.Error(s.Outstanding())
	}
}
