package visca

import (
	"context"
	"errors"
	"math"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

// atHome is what New asks: the position at start-up, pan 0 tilt 0 zoom 0.
var atHome = []exchange{
	{write: PanTiltPosInq(1), replies: [][]byte{ptReply(0, 0)}},
	{write: ZoomPosInq(1), replies: [][]byte{zoomReply(0)}},
}

// closing is what Close sends.
var closing = []exchange{
	{write: PanTiltStop(1, MaxPanSpeed, MaxTiltSpeed), replies: [][]byte{ack(1)}},
	{write: ZoomStop(1), replies: [][]byte{ack(2)}},
}

func script(parts ...[]exchange) []exchange {
	var s []exchange
	for _, p := range parts {
		s = append(s, p...)
	}
	return s
}

func newTestPTZ(t *testing.T, clk hw.Clock, opts *Opts, steps ...exchange) *PTZ {
	t.Helper()
	l := newFakeLine(t, steps...)
	p, err := New(NewSerial(l), clk, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func near(a, b hw.Position) bool {
	return math.Abs(a.Pan-b.Pan) < 0.01 && math.Abs(a.Tilt-b.Tilt) < 0.01 && math.Abs(a.Zoom-b.Zoom) < 0.01
}

func TestMoveAbsolute(t *testing.T) {
	clk := hwtest.NewAutoClock(0)
	// 10° = 144 units; zoom 20× = 0x4000.
	p := newTestPTZ(t, clk, nil, script(atHome, []exchange{
		{write: PanTiltAbsolute(1, MaxPanSpeed, MaxTiltSpeed, 144, -72), replies: [][]byte{ack(1)}},
		{write: ZoomDirect(1, 0x4000), replies: [][]byte{ack(2)}},
		{write: PanTiltPosInq(1), replies: [][]byte{ptReply(72, -36)}},
		{write: ZoomPosInq(1), replies: [][]byte{zoomReply(0x2000)}},
		{write: PanTiltPosInq(1), replies: [][]byte{comp(1), ptReply(144, -72)}},
		{write: ZoomPosInq(1), replies: [][]byte{comp(2), zoomReply(0x4000)}},
	}, closing)...)
	upd, cancel := p.Subscribe()
	defer cancel()
	target := hw.Position{Pan: 10, Tilt: -5, Zoom: 20}
	if err := p.MoveAbsolute(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	if got := <-upd; !near(got, target) {
		t.Errorf("published %v", got)
	}
	if clk.Now() != 200*time.Millisecond {
		t.Errorf("two polls took %v", clk.Now())
	}
	if err := p.MoveAbsolute(context.Background(), hw.Position{Pan: 171, Zoom: 1}); !errors.Is(err, hw.ErrOutOfRange) {
		t.Errorf("pan 171: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := p.MoveAbsolute(context.Background(), target); !errors.Is(err, hw.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if _, ok := <-upd; ok {
		t.Error("subscription open after Close")
	}
}

func TestMoveRelativeClampsAndHome(t *testing.T) {
	clk := hwtest.NewAutoClock(0)
	p := newTestPTZ(t, clk, nil, script(atHome, []exchange{
		// MoveRelative asks where the head is, then moves to the clamp.
		{write: PanTiltPosInq(1), replies: [][]byte{ptReply(-2304, 0)}}, // -160°
		{write: ZoomPosInq(1), replies: [][]byte{zoomReply(0)}},
		{write: PanTiltAbsolute(1, MaxPanSpeed, MaxTiltSpeed, -2448, 0), replies: [][]byte{ack(1), comp(1)}},
		{write: ZoomDirect(1, 0), replies: [][]byte{ack(2), comp(2)}},
		{write: PanTiltPosInq(1), replies: [][]byte{ptReply(0, 0)}},
		{write: ZoomPosInq(1), replies: [][]byte{zoomReply(0)}},
		{write: PanTiltHome(1), replies: [][]byte{ack(1), comp(1)}},
		{write: ZoomDirect(1, 0), replies: [][]byte{ack(2), comp(2)}},
		{write: PanTiltPosInq(1), replies: [][]byte{ptReply(0, 0)}},
		{write: ZoomPosInq(1), replies: [][]byte{zoomReply(0)}},
	}, closing)...)
	defer p.Close()
	if err := p.MoveRelative(context.Background(), hw.Position{Pan: -30}); err != nil {
		t.Fatal(err)
	}
	if err := p.Home(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestCameraErrors(t *testing.T) {
	clk := hwtest.NewAutoClock(0)
	p := newTestPTZ(t, clk, nil, script(atHome, []exchange{
		{write: PanTiltAbsolute(1, MaxPanSpeed, MaxTiltSpeed, 0, 0), replies: [][]byte{fail(1, 0x41)}},
		{write: PanTiltAbsolute(1, MaxPanSpeed, MaxTiltSpeed, 0, 0), replies: [][]byte{fail(0, 0x03)}},
		{write: PanTiltAbsolute(1, MaxPanSpeed, MaxTiltSpeed, 0, 0), replies: [][]byte{ack(1)}},
		{write: ZoomDirect(1, 0), replies: [][]byte{ack(2), fail(1, 0x04), comp(2)}},
		{write: PanTiltPosInq(1), replies: [][]byte{ptReply(0, 0)}},
		{write: ZoomPosInq(1), replies: [][]byte{zoomReply(0)}},
		{write: PanTiltHome(1), replies: [][]byte{fail(0, 0x02)}},
		{write: Memory(1, MemoryRecall, 3), replies: [][]byte{{0x90, 0x70, 0xFF}}}, // not a reply type
	}, closing)...)
	defer p.Close()
	home := hw.Position{Zoom: 1}
	for _, want := range []error{ErrNotExecutable, ErrBufferFull, ErrCancelled} {
		if err := p.MoveAbsolute(context.Background(), home); !errors.Is(err, want) {
			t.Errorf("got %v, want %v", err, want)
		}
	}
	if err := p.Home(context.Background()); !errors.Is(err, ErrSyntax) {
		t.Errorf("home: %v", err)
	}
	if err := p.GotoPreset(context.Background(), "nope"); !errors.Is(err, hw.ErrNotFound) {
		t.Errorf("unknown preset: %v", err)
	}
	p.presets["x"] = StoredPreset{Number: 3}
	if err := p.GotoPreset(context.Background(), "x"); !errors.Is(err, ErrBadReply) {
		t.Errorf("malformed reply: %v", err)
	}
}

func TestPresets(t *testing.T) {
	clk := hwtest.NewAutoClock(0)
	opts := &Opts{Presets: map[string]StoredPreset{"door": {Number: 0, Position: hw.Position{Pan: 20, Zoom: 1}}}}
	p := newTestPTZ(t, clk, opts, script(atHome, []exchange{
		// SetPreset("desk"): position, then memory 1 (0 is taken).
		{write: PanTiltPosInq(1), replies: [][]byte{ptReply(0, 144)}},
		{write: ZoomPosInq(1), replies: [][]byte{zoomReply(0)}},
		{write: Memory(1, MemorySet, 1), replies: [][]byte{ack(1)}},
		{write: Memory(1, MemoryRecall, 0), replies: [][]byte{comp(1), ack(1)}},
		{write: PanTiltPosInq(1), replies: [][]byte{comp(1), ptReply(288, 0)}},
		{write: ZoomPosInq(1), replies: [][]byte{zoomReply(0)}},
	}, closing)...)
	defer p.Close()
	if err := p.SetPreset("desk"); err != nil {
		t.Fatal(err)
	}
	ps := p.Presets()
	if len(ps) != 2 || ps[0].Name != "desk" || !near(ps[0].Position, hw.Position{Tilt: 10, Zoom: 1}) || ps[1].Name != "door" {
		t.Errorf("presets %+v", ps)
	}
	if err := p.GotoPreset(context.Background(), "door"); err != nil {
		t.Fatal(err)
	}
	if err := p.SetPreset(""); err == nil {
		t.Error("empty name accepted")
	}
}

func TestStopInterruptsAndCtxStops(t *testing.T) {
	clk := hwtest.NewClock(0)
	p := newTestPTZ(t, clk, nil, script(atHome, []exchange{
		{write: PanTiltAbsolute(1, MaxPanSpeed, MaxTiltSpeed, 1440, 0), replies: [][]byte{ack(1)}},
		{write: ZoomDirect(1, 0), replies: [][]byte{ack(2)}},
		// Stop: the running commands end, the stops run.
		{write: PanTiltStop(1, MaxPanSpeed, MaxTiltSpeed), replies: [][]byte{comp(1), ack(1)}},
		{write: ZoomStop(1), replies: [][]byte{comp(2), ack(2)}},
		{write: PanTiltPosInq(1), replies: [][]byte{comp(1), ptReply(720, 0)}},
		{write: ZoomPosInq(1), replies: [][]byte{comp(2), zoomReply(0)}},
		// A move whose ctx ends: it stops the head itself.
		{write: PanTiltAbsolute(1, MaxPanSpeed, MaxTiltSpeed, 0, 0), replies: [][]byte{ack(1)}},
		{write: ZoomDirect(1, 0), replies: [][]byte{ack(2)}},
		{write: PanTiltStop(1, MaxPanSpeed, MaxTiltSpeed), replies: [][]byte{fail(1, 0x04), ack(1)}},
		{write: ZoomStop(1), replies: [][]byte{comp(2), ack(2)}},
		{write: PanTiltPosInq(1), replies: [][]byte{comp(1), ptReply(360, 0)}},
		{write: ZoomPosInq(1), replies: [][]byte{comp(2), zoomReply(0)}},
	}, closing)...)
	defer p.Close()
	upd, cancel := p.Subscribe()
	defer cancel()

	done := make(chan error, 1)
	go func() { done <- p.MoveAbsolute(context.Background(), hw.Position{Pan: 100, Zoom: 1}) }()
	clk.WaitForSleepers(t, 1)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, hw.ErrInterrupted) {
		t.Errorf("superseded move: %v", err)
	}
	if got := <-upd; !near(got, hw.Position{Pan: 50, Zoom: 1}) {
		t.Errorf("stopped at %v", got)
	}

	ctx, stop := context.WithCancel(context.Background())
	go func() { done <- p.MoveAbsolute(ctx, hw.Position{Zoom: 1}) }()
	clk.WaitForSleepers(t, 1)
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled move: %v", err)
	}
	if got := <-upd; !near(got, hw.Position{Pan: 25, Zoom: 1}) {
		t.Errorf("stopped at %v", got)
	}
}

func TestNewRejects(t *testing.T) {
	for name, o := range map[string]*Opts{
		"address":    {Addr: 8},
		"home":       {Limits: hw.PTZLimits{Pan: hw.Range{Min: -10, Max: 10}, PanSpeed: 1, Home: hw.Position{Pan: 5}}},
		"scale":      {PanUnitsPerDegree: 1000},
		"preset out": {Presets: map[string]StoredPreset{"x": {Number: 1, Position: hw.Position{Pan: 500, Zoom: 1}}}},
	} {
		if _, err := New(NewSerial(newFakeLine(t)), nil, o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// fakeCamera answers VISCA over IP on loopback: a position at pan 0, tilt
// 0, zoom 0; commands get an ACK and a completion. It records the payload
// types and sequence numbers it saw.
type fakeCamera struct {
	pc   net.PacketConn
	mu   sync.Mutex
	seen [][2]uint32
}

func (c *fakeCamera) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := c.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		typ, seq, p, err := ParseIPHeader(buf[:n])
		if err != nil {
			continue
		}
		c.mu.Lock()
		c.seen = append(c.seen, [2]uint32{uint32(typ), seq})
		c.mu.Unlock()
		send := func(typ uint16, payload []byte) {
			c.pc.WriteTo(append(AppendIPHeader(nil, typ, len(payload), seq), payload...), from)
		}
		switch {
		case typ == TypeControl:
			send(TypeControlReply, []byte{0x01})
		case typ == TypeInquiry && p[2] == 0x06:
			send(TypeReply, ptReply(144, 0))
		case typ == TypeInquiry:
			send(TypeReply, zoomReply(0))
		case typ == TypeCommand:
			send(TypeReply, ack(1))
			send(TypeReply, comp(1))
		}
	}
}

func TestIPLoopback(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cam := &fakeCamera{pc: pc}
	go cam.serve()
	defer pc.Close()

	tr, err := DialIP(pc.LocalAddr().String(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(tr, hwtest.NewAutoClock(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Position(); !near(got, hw.Position{Pan: 10, Zoom: 1}) {
		t.Errorf("position %v", got)
	}
	if err := p.SetPreset("a"); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	cam.mu.Lock()
	defer cam.mu.Unlock()
	want := [][2]uint32{
		{TypeControl, 0},
		{TypeInquiry, 0}, {TypeInquiry, 1}, // New
		{TypeInquiry, 2}, {TypeInquiry, 3}, // Position
		{TypeInquiry, 4}, {TypeInquiry, 5}, {TypeCommand, 6}, // SetPreset
		{TypeCommand, 7}, {TypeCommand, 8}, // Close
	}
	if len(cam.seen) != len(want) {
		t.Fatalf("camera saw %x, want %x", cam.seen, want)
	}
	for i := range want {
		if cam.seen[i] != want[i] {
			t.Errorf("datagram %d: type/seq %x, want %x", i, cam.seen[i], want[i])
		}
	}
}
