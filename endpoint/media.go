package endpoint

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/clue/sdp"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/media/pipeline"
	"github.com/cluecam/cluecam/media/rtp"
)

// Opener opens the sources orders name (the box opens its captures
// through the appliance, which watches them for the watchdog).
type Opener struct {
	Video func(ctx context.Context, o provider.Order) (hw.VideoSource, error)
	Audio func(ctx context.Context, o provider.Order) (hw.AudioSource, error)
}

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
	key feedKey
	p   *pipeline.Pipeline
	src interface {
		Stop() error
		Close() error
	}
	cancel context.CancelFunc
	done   chan struct{}
	refs   int
	// listeners: the subscriptions among refs that only follow the level
	// (Hub.Listen), which move with the microphone if a call needs it in
	// another stream.
	listeners []*Subscription
	err       error // why Run ended, once done
	gone      atomic.Bool
	// stopped: stop ran (h.mu).
	stopped bool
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
	// f is the feed; only a listener's changes (h.mu), when its
	// microphone's pipeline is restarted for a call's stream.
	f    atomic.Pointer[feed]
	sink *pipeline.SinkHandle // h.mu for a listener
	once sync.Once
}

// Gone reports that the capture behind the subscription stopped (device
// unplugged or failed); the subscription only waits for Close.
func (s *Subscription) Gone() bool { return s.f.Load().gone.Load() }

// Done is closed when the feed's capture loop has ended (stopped, or its
// device gone: see Gone).
func (s *Subscription) Done() <-chan struct{} { return s.f.Load().done }

// SSRC is the stream's SSRC (shared by every subscriber of the feed).
func (s *Subscription) SSRC() uint32 { return s.f.Load().p.Stream().SSRC() }

// HandleRTCP hands the call's (opened) RTCP to the pipeline: PLI/FIR,
// REMB/TMMBR and NACK feedback for this call's sink.
func (s *Subscription) HandleRTCP(pkt []byte) { s.f.Load().p.HandleRTCP(s.sink, pkt) }

// AudioLevel is the level the feed's microphone heard in its last period,
// in -dBov (RFC 6464 §3: 0 loudest, pipeline.SilentLevel silent); a
// microphone that went away hears nothing.
func (s *Subscription) AudioLevel() uint8 {
	f := s.f.Load()
	if f.gone.Load() {
		return pipeline.SilentLevel
	}
	return f.p.AudioLevel()
}

// Stats are this call's sink statistics.
func (s *Subscription) Stats() pipeline.SinkStats { return s.sink.Stats() }

// Close removes the call's sink at once: no packet is sealed for it after
// Close returns. The last subscriber stops the pipeline and the device.
func (s *Subscription) Close() {
	s.once.Do(func() { s.h.release(s) })
}

// payloadFor picks the negotiated codec that carries a video capture's
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
	var (
		c   sdp.Codec
		err error
	)
	if o.Media == sdp.Audio {
		c, err = audioPayloadFor(st.Codecs)
	} else {
		c, err = payloadFor(o.Video.Format, st.Codecs)
	}
	if err != nil {
		return nil, fmt.Errorf("capture %q on line %d: %w", o.CaptureID, st.MLine, err)
	}
	key := feedKey{capture: o.CaptureID, pt: c.PT, extID: uint8(st.CaptIdExt)}

	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.feeds[key]
	if f != nil && f.gone.Load() {
		h.stop(f) // its subscribers keep their handles until they Close
		f = nil
	}
	if f == nil && o.Media == sdp.Audio {
		f = h.takeOver(key, o, c)
	}
	return h.join(f, key, o, c, newSink)
}

// takeOver restarts a microphone that is only listened to in the stream a
// call needs (its device opens once), and moves the listeners to it; h.mu
// is held. It returns the new feed, or nil when there was none to take
// over or the restart failed (the listeners then hear silence).
func (h *Hub) takeOver(key feedKey, o provider.Order, c sdp.Codec) *feed {
	for k, g := range h.feeds {
		if k.capture != key.capture || g.gone.Load() || len(g.listeners) != g.refs {
			continue
		}
		moved := g.listeners
		h.stop(g)
		nf, err := h.start(key, o, c)
		if err != nil {
			// The listeners hear nothing now and listen again later.
			g.gone.Store(true)
			h.log.Warn("microphone not restarted for a call", "capture", o.CaptureID, "err", err)
			return nil
		}
		h.feeds[key] = nf
		for _, l := range moved {
			l.sink = nf.p.AddSink(discardSink{})
			l.f.Store(nf)
		}
		nf.refs, nf.listeners = len(moved), moved
		return nf
	}
	return nil
}

// Listen joins the running pipeline of audio capture o, whatever stream
// it makes, or starts one (G.722, sent nowhere), to follow its level
// (Subscription.AudioLevel): a SoundLevel MCC listens to the microphone of
// each camera. The subscription's sink drops every packet unsealed.
func (h *Hub) Listen(o provider.Order) (*Subscription, error) {
	if o.Device == "" || o.Media != sdp.Audio {
		return nil, fmt.Errorf("listening to capture %q: not a microphone", o.CaptureID)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var f *feed
	for k, g := range h.feeds {
		if k.capture == o.CaptureID && !g.gone.Load() {
			f = g
			break
		}
	}
	key := feedKey{capture: o.CaptureID, pt: listenCodec.PT}
	if f != nil {
		key = f.key
	} else if g := h.feeds[key]; g != nil { // gone
		h.stop(g)
	}
	sub, err := h.join(f, key, o, listenCodec, func(uint32) (pipeline.Sink, error) { return discardSink{}, nil })
	if err != nil {
		return nil, err
	}
	f = sub.f.Load()
	f.listeners = append(f.listeners, sub)
	return sub, nil
}

// listenCodec is what a microphone only listened to is encoded in: the
// default audio codec (RFC 3551 G.722, 16 kHz audio).
var listenCodec = sdp.Codec{Name: "G722", PT: 9, ClockRate: 8000, Channels: 1}

// join adds newSink's sink to feed f of key, started first when f is nil;
// h.mu is held.
func (h *Hub) join(f *feed, key feedKey, o provider.Order, c sdp.Codec, newSink func(ssrc uint32) (pipeline.Sink, error)) (*Subscription, error) {
	var err error
	if f == nil {
		if f, err = h.start(key, o, c); err != nil {
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
	sub := &Subscription{h: h, sink: f.p.AddSink(sink)}
	sub.f.Store(f)
	// The configure's capture encoding bounds what this call receives
	// (RFC 8845 §9.2: the encoding's and the capture's maximum).
	f.p.LimitSink(sub.sink, int64(min(o.MaxBitrate, 1<<40)))
	return sub, nil
}

// start opens the device and runs its pipeline; h.mu is held.
func (h *Hub) start(key feedKey, o provider.Order, c sdp.Codec) (*feed, error) {
	ctx, cancel := context.WithCancel(context.Background())
	extID := key.extID
	if len(o.CaptureID) > 16 && extID != 0 && extID < 15 {
		// One-byte elements carry at most 16 bytes (RFC 8285 §4.2); a
		// longer captureID goes without the element (its SDES item still
		// names it, RFC 8849 §5.1).
		extID = 0
	}
	var (
		p   *pipeline.Pipeline
		src interface {
			Stop() error
			Close() error
		}
		mode string
		err  error
	)
	if o.Media == sdp.Audio {
		p, src, mode, err = h.startAudio(ctx, o, c, extID)
	} else {
		p, src, mode, err = h.startVideo(ctx, o, c, extID)
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("capture %q on %s: %w", o.CaptureID, o.Device, err)
	}
	f := &feed{key: key, p: p, src: src, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.err = p.Run(ctx, 0)
		if ctx.Err() == nil {
			// The device failed or went away (hw.ErrGone on unplug): its
			// subscribers see Gone; the device is closed when the last
			// one leaves, and the next Subscribe starts afresh.
			h.log.Warn("capture stopped", "capture", o.CaptureID, "device", o.Device, "err", f.err)
			f.gone.Store(true)
		}
	}()
	h.log.Info("capture streaming", "capture", o.CaptureID, "device", o.Device, "mode", mode, "codec", c.Name,
		"ssrc", fmt.Sprintf("%08x", p.Stream().SSRC()))
	return f, nil
}

func (h *Hub) startVideo(ctx context.Context, o provider.Order, c sdp.Codec, extID uint8) (*pipeline.Pipeline, hw.VideoSource, string, error) {
	src, err := h.open.Video(ctx, o)
	if err != nil {
		return nil, nil, "", err
	}
	fail := func(err error) (*pipeline.Pipeline, hw.VideoSource, string, error) {
		src.Close()
		return nil, nil, "", err
	}
	if err := src.Start(o.Video); err != nil {
		return fail(err)
	}
	st, err := rtp.NewStream(rtp.StreamOptions{PayloadType: c.PT, ClockRate: 90000, CaptID: o.CaptureID, CaptIDExtID: extID})
	if err != nil {
		return fail(err)
	}
	pz, err := pipeline.NewVideoPacketizer(o.Video.Format, st)
	if err != nil {
		return fail(err)
	}
	p, err := pipeline.New(src, pz, &pipeline.Options{CNAME: cname(st), Log: h.log})
	if err != nil {
		return fail(err)
	}
	return p, src, o.Video.String(), nil
}

// startAudio captures at the codec's own rate: the box does not resample
// (an ALSA plughw: device converts).
func (h *Hub) startAudio(ctx context.Context, o provider.Order, c sdp.Codec, extID uint8) (*pipeline.Pipeline, hw.AudioSource, string, error) {
	codec := audioCodecs[strings.ToUpper(c.Name)]
	src, err := h.open.Audio(ctx, o)
	if err != nil {
		return nil, nil, "", err
	}
	fail := func(err error) (*pipeline.Pipeline, hw.AudioSource, string, error) {
		src.Close()
		return nil, nil, "", err
	}
	want := o.Audio
	if rate := pipeline.AudioCaptureRate(codec); rate != 0 {
		want = hw.AudioFormat{Rate: rate, Channels: 1, Encoding: hw.S16LE}
	} else {
		want = hw.AudioFormat{Rate: int(c.ClockRate), Channels: max(int(c.Channels), 1), Encoding: hw.S16LE}
	}
	if !slices.Contains(src.Formats(), want) {
		return fail(fmt.Errorf("the device cannot capture %v for %s", want, c.Name))
	}
	if err := src.Start(hw.AudioConfig{Format: want}); err != nil {
		return fail(err)
	}
	st, err := rtp.NewStream(rtp.StreamOptions{PayloadType: c.PT, ClockRate: pipeline.AudioClockRate(codec, want.Rate),
		CaptID: o.CaptureID, CaptIDExtID: extID})
	if err != nil {
		return fail(err)
	}
	ap, err := pipeline.NewAudioPacketizerFor(codec, want, st)
	if err != nil {
		return fail(err)
	}
	p, err := pipeline.NewAudio(src, ap, &pipeline.Options{CNAME: cname(st), Log: h.log})
	if err != nil {
		return fail(err)
	}
	return p, src, want.String(), nil
}

func cname(st *rtp.Stream) string { return fmt.Sprintf("cluecam-%08x", st.SSRC()) }

// audioCodecs maps SDP encoding names (RFC 3551 §6) to the encoders.
var audioCodecs = map[string]rtp.AudioCodec{"PCMU": rtp.PCMU, "PCMA": rtp.PCMA, "G722": rtp.G722, "L16": rtp.L16}

// audioPayloadFor picks the first negotiated audio codec the box encodes.
func audioPayloadFor(codecs []sdp.Codec) (sdp.Codec, error) {
	for _, c := range codecs {
		if _, ok := audioCodecs[strings.ToUpper(c.Name)]; ok {
			return c, nil
		}
	}
	return sdp.Codec{}, fmt.Errorf("%w: no negotiated audio codec the box encodes", pipeline.ErrFormat)
}

// stop ends a feed (no subscribers left, or its device is gone); h.mu is
// held. It runs once per feed.
func (h *Hub) stop(f *feed) {
	if h.feeds[f.key] == f {
		delete(h.feeds, f.key)
	}
	if f.stopped {
		return
	}
	f.stopped = true
	f.cancel()
	f.src.Stop() // wakes a blocked ReadFrame
	<-f.done
	f.p.Close()
	f.src.Close()
}

func (h *Hub) release(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := s.f.Load()
	f.p.RemoveSink(s.sink)
	f.refs--
	if i := slices.Index(f.listeners, s); i >= 0 {
		f.listeners = slices.Delete(f.listeners, i, i+1)
	}
	if f.refs == 0 {
		h.stop(f)
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

var errMCC = errors.New("multiple-content captures are not streamed yet")

// discardSink is a listener's sink: it seals nothing and sends nothing.
type discardSink struct{}

func (discardSink) SealRTP(dst, _ []byte, _ [][]byte) ([]byte, error) { return dst, nil }
func (discardSink) SealRTCP(dst, _ []byte) ([]byte, error)            { return dst, nil }
func (discardSink) Overhead() int                                     { return 0 }
func (discardSink) WriteBatch(pkts [][]byte) (int, error)             { return len(pkts), nil }
func (discardSink) WriteRTCP([]byte) error                            { return nil }
