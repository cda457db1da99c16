package endpoint

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/clue/sdp"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/media/pipeline"
	"github.com/cluecam/cluecam/media/rtp"
)

// Opener opens the video source an order names (the box opens its
// capture through the appliance, which watches it for the watchdog).
type Opener func(ctx context.Context, o provider.Order) (hw.VideoSource, error)

// Hub runs one pipeline per capture and RTP format, shared by every call
// that watches it: the capture is read and packetized once, and each call
// only seals (ARCHITECTURE: encode once, seal per call). A pipeline starts
// with its first subscriber and stops, closing the device, with its last.
type Hub struct {
	open Opener
	log  *slog.Logger

	mu    sync.Mutex
	feeds map[feedKey]*feed
}

// feedKey: calls share a pipeline only when the packets are byte-identical
// before sealing, i.e. same capture, payload type and extension ID.
type feedKey struct {
	capture string
	pt      uint8
	extID   uint8
}

type feed struct {
	key    feedKey
	p      *pipeline.Pipeline
	src    hw.VideoSource
	cancel context.CancelFunc
	done   chan struct{}
	refs   int
	err    error // why Run ended, once done
}

// NewHub returns a hub opening sources with open.
func NewHub(open Opener, log *slog.Logger) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub{open: open, log: log, feeds: map[feedKey]*feed{}}
}

// Subscription is one call's sink on a shared pipeline.
type Subscription struct {
	captureID string
	h         *Hub
	f         *feed
	sink      *pipeline.SinkHandle
	once      sync.Once
}

// SSRC is the stream's SSRC (shared by every subscriber of the feed).
func (s *Subscription) SSRC() uint32 { return s.f.p.Stream().SSRC() }

// HandleRTCP hands the call's (opened) RTCP to the pipeline: PLI/FIR,
// REMB/TMMBR and NACK feedback for this call's sink.
func (s *Subscription) HandleRTCP(pkt []byte) { s.f.p.HandleRTCP(s.sink, pkt) }

// Stats are this call's sink statistics.
func (s *Subscription) Stats() pipeline.SinkStats { return s.sink.Stats() }

// Close removes the call's sink at once: no packet is sealed for it after
// Close returns. The last subscriber stops the pipeline and the device.
func (s *Subscription) Close() {
	s.once.Do(func() { s.h.release(s) })
}

// payloadFor picks the negotiated codec that carries the capture's
// format: H.264 pass-through or MJPEG (RFC 2435).
func payloadFor(format hw.PixelFormat, codecs []sdp.Codec) (sdp.Codec, error) {
	want := ""
	switch format {
	case hw.FormatH264:
		want = "H264"
	case hw.FormatMJPEG:
		want = "JPEG"
	default:
		return sdp.Codec{}, fmt.Errorf("%w: no RTP payload for %v without an encoder", pipeline.ErrFormat, format)
	}
	for _, c := range codecs {
		if strings.EqualFold(c.Name, want) {
			return c, nil
		}
	}
	return sdp.Codec{}, fmt.Errorf("%w: the peer did not accept %s for this line", pipeline.ErrFormat, want)
}

// Subscribe starts (or joins) the pipeline of the ordered capture on the
// negotiated stream and adds the sink newSink builds for its SSRC.
func (h *Hub) Subscribe(o provider.Order, st *sdp.Stream, newSink func(ssrc uint32) (pipeline.Sink, error)) (*Subscription, error) {
	if o.Device == "" {
		return nil, fmt.Errorf("capture %q: %w", o.CaptureID, errMCC)
	}
	if o.Media != "video" {
		return nil, fmt.Errorf("capture %q: %w", o.CaptureID, errAudioMedia)
	}
	c, err := payloadFor(o.Video.Format, st.Codecs)
	if err != nil {
		return nil, fmt.Errorf("capture %q on line %d: %w", o.CaptureID, st.MLine, err)
	}
	key := feedKey{capture: o.CaptureID, pt: c.PT, extID: uint8(st.CaptIdExt)}

	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.feeds[key]
	if f == nil {
		if f, err = h.start(key, o); err != nil {
			return nil, err
		}
		h.feeds[key] = f
	}
	sink, err := newSink(f.p.Stream().SSRC())
	if err != nil {
		if f.refs == 0 {
			h.stop(f)
		}
		return nil, err
	}
	f.refs++
	return &Subscription{h: h, f: f, sink: f.p.AddSink(sink)}, nil
}

// start opens the device and runs its pipeline; h.mu is held.
func (h *Hub) start(key feedKey, o provider.Order) (*feed, error) {
	ctx, cancel := context.WithCancel(context.Background())
	src, err := h.open(ctx, o)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("capture %q: open %s: %w", o.CaptureID, o.Device, err)
	}
	fail := func(err error) (*feed, error) {
		src.Close()
		cancel()
		return nil, fmt.Errorf("capture %q on %s: %w", o.CaptureID, o.Device, err)
	}
	if err := src.Start(o.Video); err != nil {
		return fail(err)
	}
	extID := key.extID
	if len(o.CaptureID) > 16 && extID != 0 && extID < 15 {
		// One-byte elements carry at most 16 bytes (RFC 8285 §4.2); a
		// longer captureID goes without the element (its SDES item still
		// names it, RFC 8849 §5.1).
		extID = 0
	}
	st, err := rtp.NewStream(rtp.StreamOptions{PayloadType: key.pt, ClockRate: 90000, CaptID: o.CaptureID, CaptIDExtID: extID})
	if err != nil {
		return fail(err)
	}
	var pz pipeline.Packetizer
	if o.Video.Format == hw.FormatH264 {
		pz, err = rtp.NewH264Packetizer(st, &rtp.H264Options{RepeatParameterSets: true})
	} else {
		pz, err = rtp.NewJPEGPacketizer(st, nil)
	}
	if err != nil {
		return fail(err)
	}
	p, err := pipeline.New(src, pz, &pipeline.Options{CNAME: fmt.Sprintf("cluecam-%08x", st.SSRC()), Log: h.log})
	if err != nil {
		return fail(err)
	}
	f := &feed{key: key, p: p, src: src, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.err = p.Run(ctx, 0)
		if ctx.Err() == nil {
			h.log.Warn("capture stopped", "capture", o.CaptureID, "device", o.Device, "err", f.err)
		}
	}()
	h.log.Info("capture streaming", "capture", o.CaptureID, "device", o.Device, "mode", o.Video.String(), "ssrc", fmt.Sprintf("%08x", st.SSRC()))
	return f, nil
}

// stop ends a feed with no subscribers; h.mu is held.
func (h *Hub) stop(f *feed) {
	delete(h.feeds, f.key)
	f.cancel()
	f.src.Stop() // wakes a blocked ReadFrame
	<-f.done
	f.p.Close()
	f.src.Close()
}

func (h *Hub) release(s *Subscription) {
	s.f.p.RemoveSink(s.sink)
	h.mu.Lock()
	defer h.mu.Unlock()
	s.f.refs--
	if s.f.refs == 0 {
		h.stop(s.f)
	}
}

// Close stops every pipeline (the box is shutting down).
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.feeds {
		h.stop(f)
	}
}

// Active lists the captures streaming now, for logs and tests.
func (h *Hub) Active() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var ids []string
	for k := range h.feeds {
		ids = append(ids, k.capture)
	}
	return ids
}

var (
	errMCC        = errors.New("multiple-content captures are not streamed yet")
	errAudioMedia = errors.New("audio captures are not streamed on CLUE lines yet")
)
