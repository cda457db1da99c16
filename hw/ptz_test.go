package hw

import "testing"

func TestLimits(t *testing.T) {
	l := PTZLimits{Pan: Range{-10, 10}, Tilt: Range{0, 0}, Zoom: Range{1, 2}}
	if !l.Contains(Position{Pan: 10, Zoom: 1}) || l.Contains(Position{Pan: 10.1, Zoom: 1}) || l.Contains(Position{Tilt: 1, Zoom: 1}) {
		t.Error("Contains")
	}
	if got := l.Clamp(Position{Pan: -20, Tilt: 5, Zoom: 3}); got != (Position{Pan: -10, Tilt: 0, Zoom: 2}) {
		t.Errorf("Clamp %v", got)
	}
	if got := (Position{1, 2, 3}).Add(Position{1, 1, 1}); got != (Position{2, 3, 4}) {
		t.Error(got)
	}
}

func TestPositionFeed(t *testing.T) {
	var f PositionFeed
	a, cancelA := f.Subscribe()
	b, cancelB := f.Subscribe()
	f.Publish(Position{Pan: 1})
	f.Publish(Position{Pan: 2}) // replaces the unread 1
	if got := <-a; got.Pan != 2 {
		t.Errorf("a got %v", got)
	}
	cancelA()
	cancelA()
	if _, ok := <-a; ok {
		t.Error("a open after cancel")
	}
	f.Publish(Position{Pan: 3})
	if got := <-b; got.Pan != 2 {
		// b had 2 unread when 3 came: it must see 3, the latest.
		if got.Pan != 3 {
			t.Errorf("b got %v", got)
		}
	}
	f.Close()
	f.Close()
	for range b {
	}
	cancelB()
	c, cancelC := f.Subscribe()
	if _, ok := <-c; ok {
		t.Error("subscription after Close is open")
	}
	cancelC()
	f.Publish(Position{}) // no panic after Close
}
