package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/media/rtp"
)

// Options configure a Pipeline. The zero value is the default.
type Options struct {
	// Clock is the capture clock (default hw.SystemClock): RTCP timing,
	// keyframe request rate limiting and the NTP/RTP mapping use it.
	Clock hw.Clock
	// Wall returns the wall-clock time for the NTP timestamps of sender
	// reports (default time.Now).
	Wall func() time.Time
	// Pool supplies packet buffers (default a pool of 16 buffers of
	// rtp.DefaultMaxPayload; one packet is out at a time per pipeline).
	Pool *rtp.Pool
	// QueueFrames bounds each sink's queue, in whole frames (default 8).
	QueueFrames int
	// CNAME is the SDES CNAME of the stream's reports (default "cluecam").
	CNAME string
	// RTCPInterval is the period of sender reports (default 1 s); < 0
	// disables them.
	RTCPInterval time.Duration
	// KeyframeInterval is the shortest time between two keyframe requests
	// reaching the source (default 500 ms).
	KeyframeInterval time.Duration
	// NACKHistory is how many sent packets each sink keeps for
	// retransmission on generic NACK (RFC 4585 §6.2.1), rounded up to a
	// power of two (default 512: about half a second at 8 Mbit/s; each
	// costs one pool buffer's size per sink); < 0 keeps none and ignores
	// NACKs.
	NACKHistory int
	// RetransmitBitrate caps each sink's retransmissions, in bit/s with a
	// burst of a quarter second (default 2 Mbit/s), so that NACKs cannot
	// make the box send much more than the stream itself.
	RetransmitBitrate int
	// Backpressure makes ProcessFrame wait for a sink's sender instead of
	// dropping the oldest queued frame: for sources that are not live
	// (a file sent as fast as possible), never for cameras.
	Backpressure bool
	// Log receives rare events (never per packet); nil discards them.
	Log *slog.Logger
}

// Packetizer is what the pipeline drives: rtp.H264Packetizer,
// rtp.JPEGPacketizer and rtp.AudioPacketizer.
type Packetizer interface {
	More() bool
	Next(*rtp.Packet) error
	Stream() *rtp.Stream
}

// Stats count a pipeline's stream.
type Stats struct {
	Frames  uint64 // frames captured and packetized
	Packets uint64 // packets produced (each sealed once per sink)
	Bytes   uint64 // RTP payload bytes produced
	// DroppedFrames counts frames not packetized whole (pool exhausted,
	// packetizer errors) plus frames dropped by sinks' queues.
	DroppedFrames     uint64
	KeyframeRequests  uint64 // requests that reached the source
	KeyframeCoalesced uint64 // PLI/FIR absorbed by the rate limit
	BitrateTarget     int    // last target given to the source, 0 none
}

// Pipeline streams one source (a camera or a microphone) over one RTP
// stream to any number of sinks. ProcessFrame (ProcessPeriod) and Run are
// called from one goroutine; AddSink, RemoveSink, HandleRTCP and Stats
// from any.
type Pipeline struct {
	src   hw.VideoSource
	asrc  hw.AudioSource
	pz    Packetizer
	h264  *rtp.H264Packetizer
	jpeg  *rtp.JPEGPacketizer
	audio *rtp.AudioPacketizer
	pcm   []int16 // Run's period buffer (audio)
	st    *rtp.Stream
	o     Options
	log   *slog.Logger

	mu    sync.Mutex // guards sinks (copy on write), keyframe and bitrate state
	sinks atomic.Pointer[[]*sinkState]

	lastKey       time.Duration
	keySent       bool
	bitrateTarget int

	level audioLevel // audio: the last period's

	frames, packets, bytes, drops atomic.Uint64
	keyReqs, keyCoalesced         atomic.Uint64
	nextRTCP                      time.Duration
	closed                        atomic.Bool
}

// New returns a pipeline packetizing frames of src with pz (an
// *rtp.H264Packetizer or *rtp.JPEGPacketizer); nil opts means the
// defaults. src's optional hw.KeyframeRequester and hw.BitrateController
// receive the RTCP feedback. The source is started and stopped by the
// caller.
func New(src hw.VideoSource, pz Packetizer, opts *Options) (*Pipeline, error) {
	switch pz.(type) {
	case *rtp.H264Packetizer, *rtp.JPEGPacketizer:
	default:
		return nil, fmt.Errorf("%w: packetizer %T", ErrFormat, pz)
	}
	return newPipeline(src, nil, pz, opts), nil
}

// NewAudio returns a pipeline sending the periods of src through ap (one
// period may make several packets, or none yet); nil opts means the
// defaults. The source is started and stopped by the caller, in a format
// whose rate and channels are those ap was made for.
func NewAudio(src hw.AudioSource, ap *rtp.AudioPacketizer, opts *Options) (*Pipeline, error) {
	if ap == nil {
		return nil, fmt.Errorf("%w: no audio packetizer", ErrFormat)
	}
	return newPipeline(nil, src, ap, opts), nil
}

func newPipeline(src hw.VideoSource, asrc hw.AudioSource, pz Packetizer, opts *Options) *Pipeline {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Clock == nil {
		o.Clock = hw.SystemClock
	}
	if o.Wall == nil {
		o.Wall = time.Now
	}
	if o.Pool == nil {
		o.Pool = rtp.NewPool(&rtp.PoolOptions{Buffers: 16})
	}
	if o.QueueFrames <= 0 {
		o.QueueFrames = 8
	}
	if o.CNAME == "" {
		o.CNAME = "cluecam"
	}
	if o.RTCPInterval == 0 {
		o.RTCPInterval = time.Second
	}
	if o.KeyframeInterval <= 0 {
		o.KeyframeInterval = 500 * time.Millisecond
	}
	if o.NACKHistory == 0 {
		o.NACKHistory = 512
	}
	if o.RetransmitBitrate <= 0 {
		o.RetransmitBitrate = 2_000_000
	}
	p := &Pipeline{src: src, asrc: asrc, pz: pz, st: pz.Stream(), o: o, log: o.Log}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	switch z := pz.(type) {
	case *rtp.H264Packetizer:
		p.h264 = z
	case *rtp.JPEGPacketizer:
		p.jpeg = z
	case *rtp.AudioPacketizer:
		p.audio = z
	}
	p.sinks.Store(&[]*sinkState{})
	return p
}

// AudioLevel is the level of the last audio period, in -dBov (RFC 6464
// §3: 0 loudest, SilentLevel for silence, for video, and before the first
// period), for choosing whom to show by who speaks.
func (p *Pipeline) AudioLevel() uint8 { return p.level.load() }

// Stream returns the pipeline's RTP stream.
func (p *Pipeline) Stream() *rtp.Stream { return p.st }

// SinkHandle names a sink added to a pipeline.
type SinkHandle struct{ st *sinkState }

// Stats returns the sink's counters.
func (h *SinkHandle) Stats() SinkStats { return h.st.stats() }

// AddSink adds a sink and starts its sender goroutine; it receives frames
// from the next ProcessFrame on.
func (p *Pipeline) AddSink(s Sink) *SinkHandle {
	st := newSinkState(s, &p.o)
	go st.run()
	p.mu.Lock()
	old := *p.sinks.Load()
	n := make([]*sinkState, len(old), len(old)+1)
	copy(n, old)
	n = append(n, st)
	p.sinks.Store(&n)
	p.mu.Unlock()
	return &SinkHandle{st: st}
}

// RemoveSink stops a sink: what it has queued is still sent, then its
// sender goroutine ends. Its bitrate limit no longer counts.
func (p *Pipeline) RemoveSink(h *SinkHandle) {
	p.mu.Lock()
	old := *p.sinks.Load()
	n := make([]*sinkState, 0, len(old))
	for _, s := range old {
		if s != h.st {
			n = append(n, s)
		}
	}
	p.sinks.Store(&n)
	p.applyBitrateLocked()
	p.mu.Unlock()
	h.st.stop()
}

// Close stops every sink after its queue has been sent. The caller stops
// ProcessFrame and Run first; SendBYE may follow.
func (p *Pipeline) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	for _, s := range *p.sinks.Load() {
		s.stop()
	}
	return nil
}

// Stats returns the stream's counters.
func (p *Pipeline) Stats() Stats {
	s := Stats{Frames: p.frames.Load(), Packets: p.packets.Load(), Bytes: p.bytes.Load(),
		DroppedFrames: p.drops.Load(), KeyframeRequests: p.keyReqs.Load(), KeyframeCoalesced: p.keyCoalesced.Load()}
	p.mu.Lock()
	s.BitrateTarget = p.bitrateTarget
	for _, st := range *p.sinks.Load() {
		s.DroppedFrames += st.dropF.Load()
	}
	p.mu.Unlock()
	return s
}

// ProcessFrame packetizes f once, seals every packet for every sink into
// the sink's queue, and releases f after the last packet has been sealed
// (also on error). It allocates nothing in steady state.
func (p *Pipeline) ProcessFrame(f *hw.Frame) error {
	defer f.Release()
	if p.audio != nil {
		return fmt.Errorf("%w: not a video pipeline", ErrFormat)
	}
	if p.jpeg != nil {
		if err := p.jpeg.SetFrame(f.Data, f.Timestamp); err != nil {
			p.drops.Add(1)
			return err
		}
	} else {
		p.h264.SetFrame(f.Data, f.Timestamp)
	}
	return p.packetize()
}

// ProcessPeriod packetizes one captured audio period (interleaved samples
// of per) and seals the packets it completes for every sink, as
// ProcessFrame does for a video frame. It allocates nothing.
func (p *Pipeline) ProcessPeriod(pcm []int16, per hw.Period) error {
	if p.audio == nil {
		return fmt.Errorf("%w: not an audio pipeline", ErrFormat)
	}
	p.level.measure(pcm)
	if err := p.audio.Write(pcm, per.Timestamp, per.Flags&hw.PeriodDiscontinuity != 0); err != nil {
		p.drops.Add(1)
		return err
	}
	return p.packetize()
}

// packetize takes every packet the packetizer has ready, seals it for
// every sink, and queues the lot as one frame per sink.
func (p *Pipeline) packetize() error {
	sinks := *p.sinks.Load()
	for _, s := range sinks {
		s.begin(p.o.Backpressure)
	}
	var packets, bytes uint64
	// Each packet is sealed for every sink before the next is made, so
	// one buffer serves the whole frame.
	pkt := p.o.Pool.Get()
	if pkt == nil {
		return p.abort(sinks, rtp.ErrPoolExhausted)
	}
	defer pkt.Release()
	for p.pz.More() {
		pkt.Reset()
		if err := p.pz.Next(pkt); err != nil {
			return p.abort(sinks, err)
		}
		hdr := pkt.Header()
		// The payload stays in pieces (packetization headers in the
		// packet buffer, fragments in the frame): each sink's seal reads
		// them once, straight into its packet.
		segs := pkt.Segments()
		plen := pkt.PayloadLen()
		for _, s := range sinks {
			fr := s.cur
			fr.room(len(hdr) + plen + s.sink.Overhead())
			out, err := s.sink.SealRTP(fr.buf, hdr, segs)
			if err != nil {
				s.sealErrors.Add(1)
				continue
			}
			fr.buf = out
			fr.ends = append(fr.ends, len(out))
		}
		packets++
		bytes += uint64(plen)
	}
	for _, s := range sinks {
		s.commit(p.o.Backpressure)
	}
	p.frames.Add(1)
	p.packets.Add(packets)
	p.bytes.Add(bytes)
	return nil
}

func (p *Pipeline) abort(sinks []*sinkState, err error) error {
	for _, s := range sinks {
		s.abort()
	}
	// Drain the packetizer so the next frame starts clean.
	if p.h264 != nil {
		p.h264.SetFrame(nil, 0)
	}
	p.drops.Add(1)
	return err
}

// Run reads frames (audio: periods) from the (started) source and
// processes them until ctx is done, the source fails, or n were processed
// (n <= 0: no limit). Between frames it sends the RTCP reports that are
// due. It returns nil after n frames and ctx.Err() when ctx ends it.
func (p *Pipeline) Run(ctx context.Context, n int) error {
	if p.audio != nil {
		return p.runAudio(ctx, n)
	}
	for i := 0; n <= 0 || i < n; i++ {
		f, err := p.src.ReadFrame(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if err := p.ProcessFrame(&f); err != nil {
			if errors.Is(err, rtp.ErrPoolExhausted) {
				continue
			}
			p.log.Warn("frame dropped", "seq", f.Sequence, "err", err)
		}
		p.MaybeSendReports()
	}
	return nil
}

func (p *Pipeline) runAudio(ctx context.Context, n int) error {
	if p.asrc == nil {
		return fmt.Errorf("%w: no audio source", ErrFormat)
	}
	f := p.asrc.PeriodFrames()
	if f <= 0 {
		return fmt.Errorf("pipeline: audio source not started")
	}
	// The source's channel count is the packetizer's: one buffer, sized
	// once, for every period.
	want := f * p.audio.Channels()
	if cap(p.pcm) < want {
		p.pcm = make([]int16, want)
	}
	p.pcm = p.pcm[:want]
	for i := 0; n <= 0 || i < n; i++ {
		per, err := p.asrc.ReadPeriod(ctx, p.pcm)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if err := p.ProcessPeriod(p.pcm[:per.Frames*p.audio.Channels()], per); err != nil {
			if !errors.Is(err, rtp.ErrPoolExhausted) {
				p.log.Warn("period dropped", "seq", per.Sequence, "err", err)
			}
		}
		p.MaybeSendReports()
	}
	return nil
}
