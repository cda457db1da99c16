package endpoint_test

import (
	"context"
	"errors"
	"github.com/cluecam/cluecam/drivers/synthetic"
	"sync/atomic"
	"testing"

	"github.com/cluecam/cluecam/board/appliance"
	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/clue/sdp"
	"github.com/cluecam/cluecam/endpoint"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/media/pipeline"
)

// unpluggable is a camera that can be pulled out: reads then fail with
// hw.ErrGone, as the V4L2 driver reports an unplugged device.
type unpluggable struct {
	hw.VideoSource
	gone *atomic.Bool
}

func (u unpluggable) ReadFrame(ctx context.Context) (hw.Frame, error) {
	if u.gone.Load() {
		return hw.Frame{}, hw.ErrGone
	}
	return u.VideoSource.ReadFrame(ctx)
}

// countingSink counts what a call would send.
type countingSink struct {
	pipeline.PlainRTP
	packets atomic.Int64
}

func (c *countingSink) WriteBatch(p [][]byte) (int, error) {
	c.packets.Add(int64(len(p)))
	return len(p), nil
}
func (c *countingSink) WriteRTCP([]byte) error { return nil }

// TestHubSharesAndSurvivesUnplug: two calls watching one capture share
// one pipeline (one device open); when the camera goes away both
// subscriptions report it, and once it is back a new subscription gets
// media again.
func TestHubSharesAndSurvivesUnplug(t *testing.T) {
	cfg, err := config.Parse("example.toml", []byte(config.Example))
	if err != nil {
		t.Fatal(err)
	}
	inv := appliance.NewInventory(cfg, hw.SystemClock)
	var opens atomic.Int32
	gone := &atomic.Bool{}
	hub := endpoint.NewHub(endpoint.Opener{Video: func(ctx context.Context, o provider.Order) (hw.VideoSource, error) {
		src, err := inv.OpenVideo(ctx, o.Device)
		if err != nil {
			return nil, err
		}
		opens.Add(1)
		return unpluggable{src, gone}, nil
	}}, testLog(t))
	t.Cleanup(hub.Close)

	order := provider.Order{CaptureID: "main", Name: "main", Media: sdp.Video, Device: "synthetic:h264",
		Video: hw.VideoMode{Format: hw.FormatH264, Width: 640, Height: 360, FrameRate: hw.Rational{Num: 30, Den: 1}}}
	st := &sdp.Stream{MLine: 2, Type: sdp.Video, Codecs: []sdp.Codec{sdp.H264(96, "42e01e", "")}, CaptIdExt: 1}
	var sinks [3]countingSink
	sub := func(i int) *endpoint.Subscription {
		s, err := hub.Subscribe(order, st, func(uint32) (pipeline.Sink, error) { return &sinks[i], nil })
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := sub(0), sub(1)
	if a.SSRC() != b.SSRC() || opens.Load() != 1 {
		t.Fatalf("two calls on one capture: ssrc %08x/%08x, %d opens", a.SSRC(), b.SSRC(), opens.Load())
	}
	waitFor(t, "media to both calls", func() bool { return sinks[0].packets.Load() > 20 && sinks[1].packets.Load() > 20 })

	gone.Store(true)
	waitFor(t, "unplug noticed", func() bool { return a.Gone() && b.Gone() })

	gone.Store(false) // plugged back in
	c := sub(2)
	if c.Gone() || opens.Load() != 2 {
		t.Fatalf("after replug: gone %v, %d opens", c.Gone(), opens.Load())
	}
	waitFor(t, "media after replug", func() bool { return sinks[2].packets.Load() > 20 })
	a.Close()
	b.Close()
	c.Close()
	if act := hub.Active(); len(act) != 0 {
		t.Fatalf("still streaming: %v", act)
	}
}

// exclusiveMic is a microphone that, like an ALSA hw device, opens once.
type exclusiveMic struct {
	hw.AudioSource
	open *atomic.Int32
}

func (m exclusiveMic) Close() error {
	m.open.Add(-1)
	return m.AudioSource.Close()
}

// TestHubListenThenCall: a microphone only listened to (a SoundLevel
// MCC's) runs in its own stream; when a call then wants it in the call's
// stream the hub restarts it there (the device is never open twice) and
// the listener follows; the listener alone keeps it running after the
// call leaves, and its Close stops it.
func TestHubListenThenCall(t *testing.T) {
	var open atomic.Int32
	var broken atomic.Bool
	hub := endpoint.NewHub(endpoint.Opener{Audio: func(ctx context.Context, o provider.Order) (hw.AudioSource, error) {
		if broken.Load() {
			return nil, errors.New("device failed")
		}
		if open.Add(1) > 1 {
			open.Add(-1)
			return nil, errors.New("device busy")
		}
		tone, err := synthetic.NewTone(hw.SystemClock, nil)
		if err != nil {
			open.Add(-1)
			return nil, err
		}
		return exclusiveMic{tone, &open}, nil
	}}, testLog(t))
	t.Cleanup(hub.Close)
	mic := provider.Order{CaptureID: "table-mic", Name: "table-mic", Media: sdp.Audio, Device: "synthetic:tone",
		Audio: hw.AudioFormat{Rate: 16000, Channels: 1, Encoding: hw.S16LE}}

	l, err := hub.Listen(mic)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the listener to hear the tone", func() bool { return l.AudioLevel() == 23 }) // -20 dBFS sine
	st := &sdp.Stream{MLine: 3, Type: sdp.Audio, Codecs: []sdp.Codec{{PT: 0, Name: "PCMU", ClockRate: 8000}}, CaptIdExt: 1}
	var sink countingSink
	call, err := hub.Subscribe(mic, st, func(uint32) (pipeline.Sink, error) { return &sink, nil })
	if err != nil {
		t.Fatalf("a call after a listener: %v", err)
	}
	waitFor(t, "media to the call", func() bool { return sink.packets.Load() > 20 })
	if l.SSRC() != call.SSRC() || l.AudioLevel() != 23 || open.Load() != 1 {
		t.Fatalf("listener on ssrc %08x level %d, call on %08x, %d opens", l.SSRC(), l.AudioLevel(), call.SSRC(), open.Load())
	}
	// A second listener joins the call's stream.
	l2, err := hub.Listen(mic)
	if err != nil || l2.SSRC() != call.SSRC() {
		t.Fatalf("second listener: %v", err)
	}
	call.Close()
	l2.Close()
	if act := hub.Active(); len(act) != 1 || l.Gone() {
		t.Fatalf("after the call left: streaming %v, gone %v", act, l.Gone())
	}
	l.Close()
	if act := hub.Active(); len(act) != 0 || open.Load() != 0 {
		t.Fatalf("after the listener left: streaming %v, %d open", act, open.Load())
	}

	// The microphone fails as a call takes it over: the listener hears
	// silence and sees it gone (so a SoundLevel MCC listens again later).
	l, err = hub.Listen(mic)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the listener to hear the tone again", func() bool { return l.AudioLevel() == 23 })
	broken.Store(true)
	if _, err := hub.Subscribe(mic, st, func(uint32) (pipeline.Sink, error) { return &sink, nil }); err == nil {
		t.Fatal("a call on a failed microphone was accepted")
	}
	if !l.Gone() || l.AudioLevel() != pipeline.SilentLevel {
		t.Fatalf("listener after the failed restart: gone %v, level %d", l.Gone(), l.AudioLevel())
	}
	l.Close()
}
