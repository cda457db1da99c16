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
	// Log receives rare events (never per packet); nil discards them.
	Log *slog.Logger
}

// Packetizer is what the pipeline drives: rtp.H264Packetizer and
// rtp.JPEGPacketizer.
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

// Pipeline streams one video source over one RTP stream to any number of
// sinks. ProcessFrame and Run are called from one goroutine; AddSink,
// RemoveSink, HandleRTCP and Stats from any.
type Pipeline struct {
	src  hw.VideoSource
	pz   Packetizer
	h264 *rtp.H264Packetizer
	jpeg *rtp.JPEGPacketizer
	st   *rtp.Stream
	o    Options
	log  *slog.Logger

	mu    sync.Mutex // guards sinks (copy on write), keyframe and bitrate state
	sinks atomic.Pointer[[]*sinkState]

	lastKey       time.Duration
	keySent       bool
	bitrateTarget int

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
	p := &Pipeline{src: src, pz: pz, st: pz.Stream(), o: o, log: o.Log}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	switch z := pz.(type) {
	case *rtp.H264Packetizer:
		p.h264 = z
	case *rtp.JPEGPacketizer:
		p.jpeg = z
	default:
		return nil, fmt.Errorf("%w: packetizer %T", ErrFormat, pz)
	}
	p.sinks.Store(&[]*sinkState{})
	return p, nil
}

// Stream returns the pipeline's RTP stream.
func (p *Pipeline) Stream() *rtp.Stream { return p.st }

// SinkHandle names a sink added to a pipeline.
type SinkHandle struct{ st *sinkState }

// Stats returns the sink's counters.
func (h *SinkHandle) Stats() SinkStats { return h.st.stats() }

// AddSink adds a sink and starts its sender goroutine; it receives frames
// from the next ProcessFrame on.
func (p *Pipeline) AddSink(s Sink) *SinkHandle {
	st := newSinkState(s, p.o.QueueFrames)
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
	if p.jpeg != nil {
		if err := p.jpeg.SetFrame(f.Data, f.Timestamp); err != nil {
			p.drops.Add(1)
			return err
		}
	} else {
		p.h264.SetFrame(f.Data, f.Timestamp)
	}
	sinks := *p.sinks.Load()
	for _, s := range sinks {
		s.begin()
	}
	var packets, bytes uint64
	for p.pz.More() {
		pkt := p.o.Pool.Get()
		if pkt == nil {
			return p.abort(sinks, rtp.ErrPoolExhausted)
		}
		if err := p.pz.Next(pkt); err != nil {
			pkt.Release()
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
		pkt.Release()
	}
	for _, s := range sinks {
		s.commit()
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

// Run reads frames from the (started) source and processes them until ctx
// is done, the source fails, or n frames were processed (n <= 0: no
// limit). Between frames it sends the RTCP reports that are due. It
// returns nil after n frames and ctx.Err() when ctx ends it.
func (p *Pipeline) Run(ctx context.Context, n int) error {
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
