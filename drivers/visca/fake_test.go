package visca

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// exchange is one expected write on the serial line and the replies the
// camera sends back for it.
type exchange struct {
	write   []byte
	replies [][]byte
}

// fakeLine is a record/playback VISCA byte stream: every Write must equal
// the next exchange's bytes, which queues its replies for Read; Read with
// nothing queued fails the test (the driver would block forever on a real
// line). At cleanup, exchanges not used fail the test.
type fakeLine struct {
	t      testing.TB
	mu     sync.Mutex
	script []exchange
	pos    int
	rbuf   []byte
	closed bool
}

var errScript = errors.New("fake line: off script")

func newFakeLine(t testing.TB, script ...exchange) *fakeLine {
	l := &fakeLine{t: t, script: script}
	t.Cleanup(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.pos < len(l.script) {
			t.Errorf("fake line: %d exchanges not used, next: write % x", len(l.script)-l.pos, l.script[l.pos].write)
		}
		if len(l.rbuf) > 0 {
			t.Errorf("fake line: replies not read: % x", l.rbuf)
		}
	})
	return l
}

func (l *fakeLine) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, errors.New("fake line: closed")
	}
	if l.pos >= len(l.script) || !bytes.Equal(b, l.script[l.pos].write) {
		want := "nothing"
		if l.pos < len(l.script) {
			want = fmt.Sprintf("% x", l.script[l.pos].write)
		}
		l.t.Errorf("fake line: write % x, want %s", b, want)
		return 0, errScript
	}
	for _, r := range l.script[l.pos].replies {
		l.rbuf = append(l.rbuf, r...)
	}
	l.pos++
	return len(b), nil
}

func (l *fakeLine) Read(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.rbuf) == 0 {
		l.t.Errorf("fake line: read with no reply scripted")
		return 0, errScript
	}
	n := copy(b, l.rbuf)
	l.rbuf = l.rbuf[n:]
	return n, nil
}

func (l *fakeLine) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}

func ack(s byte) []byte  { return []byte{0x90, 0x40 | s, 0xFF} }
func comp(s byte) []byte { return []byte{0x90, 0x50 | s, 0xFF} }
func fail(s, code byte) []byte {
	return []byte{0x90, 0x60 | s, code, 0xFF}
}
func ptReply(pan, tilt int16) []byte {
	b := nibbles4([]byte{0x90, 0x50}, uint16(pan))
	return append(nibbles4(b, uint16(tilt)), 0xFF)
}
func zoomReply(z uint16) []byte { return append(nibbles4([]byte{0x90, 0x50}, z), 0xFF) }

// TestFakeLineFailsOnUnusedStep proves the fake reports a script that was
// not played to the end.
func TestFakeLineFailsOnUnusedStep(t *testing.T) {
	ft := &fakeTB{TB: t}
	l := newFakeLine(ft, exchange{write: PanTiltHome(1), replies: [][]byte{ack(1)}})
	_ = l
	ft.cleanup()
	if !ft.failed {
		t.Error("unused exchange not reported")
	}
	ft = &fakeTB{TB: t}
	l = newFakeLine(ft)
	if _, err := l.Write(PanTiltHome(1)); err == nil || !ft.failed {
		t.Error("unexpected write not reported")
	}
}

type fakeTB struct {
	testing.TB
	failed bool
	cl     []func()
}

func (f *fakeTB) Errorf(string, ...any) { f.failed = true }
func (f *fakeTB) Cleanup(fn func())     { f.cl = append(f.cl, fn) }
func (f *fakeTB) cleanup() {
	for _, fn := range f.cl {
		fn()
	}
}
