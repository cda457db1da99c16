package endpoint_test

import (
	"context"
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
