package pipeline

import (
	"sync"
	"sync/atomic"

	"github.com/cluecam/cluecam/hw"
)

// sinkFrame is one frame's packets sealed for one sink: the wire packets
// back to back in buf, ends[i] the end of packet i.
type sinkFrame struct {
	buf  []byte
	ends []int
	pkts [][]byte // the sender's view, rebuilt before sending
}

func (f *sinkFrame) reset() { f.buf, f.ends = f.buf[:0], f.ends[:0] }

// room makes sure n more bytes fit in buf without reallocating in the
// sealer (allocates only while the queue warms up to its largest frame).
func (f *sinkFrame) room(n int) {
	if cap(f.buf)-len(f.buf) >= n {
		return
	}
	nb := make([]byte, len(f.buf), 2*cap(f.buf)+n)
	copy(nb, f.buf)
	f.buf = nb
}

// SinkStats count what happened to one sink's share of the stream.
type SinkStats struct {
	Frames, Packets, Bytes uint64 // sent
	DroppedFrames          uint64 // dropped whole because the send path stalled
	DroppedPackets         uint64 // packets of the dropped frames
	SealErrors, SendErrors uint64
	// Retransmissions on generic NACK (RFC 4585 §6.2.1).
	Retransmitted, RetransmittedBytes uint64
	NACKMissed                        uint64 // requested packets no longer (or never) in the history
	NACKLimited                       uint64 // requested packets held back by the rate limit
	NACKDropped                       uint64 // requests beyond the queue between two sender wakeups
}

// sinkState is a sink as the pipeline drives it.
type sinkState struct {
	sink  Sink
	free  chan *sinkFrame
	queue chan *sinkFrame
	cur   *sinkFrame // being filled by the capture goroutine
	done  chan struct{}
	exit  chan struct{}
	once  sync.Once

	bitrate atomic.Int64 // last REMB/TMMBR limit, 0 none
	ceiling atomic.Int64 // the call's negotiated maximum (LimitSink), 0 none

	frames, packets, bytes atomic.Uint64
	dropF, dropP           atomic.Uint64
	sealErrors, sendErrors atomic.Uint64
	rtcpBuf, rtcpSealed    []byte // Run's goroutine only

	clock                          hw.Clock
	nack                           *nackState // nil: no history kept
	resent, resentBytes            atomic.Uint64
	nackMissed, nackLim, nackDrops atomic.Uint64
}

// rtcpMax is the room for one compound RTCP packet we send.
const rtcpMax = 512

func newSinkState(s Sink, o *Options) *sinkState {
	depth := o.QueueFrames
	st := &sinkState{sink: s, free: make(chan *sinkFrame, depth+2), queue: make(chan *sinkFrame, depth),
		done: make(chan struct{}), exit: make(chan struct{}),
		rtcpBuf: make([]byte, 0, rtcpMax), rtcpSealed: make([]byte, 0, rtcpMax+64),
		clock: o.Clock, nack: newNACKState(o.NACKHistory, o.Pool.BufferSize()+s.Overhead(), o.RetransmitBitrate)}
	for i := 0; i < depth+2; i++ {
		st.free <- &sinkFrame{}
	}
	return st
}

func (st *sinkState) drop(f *sinkFrame) {
	st.dropF.Add(1)
	st.dropP.Add(uint64(len(f.ends)))
	f.reset()
}

// begin takes a frame buffer for the next frame: a free one, else the
// oldest queued frame, dropped whole (with block, it waits for a free one).
func (st *sinkState) begin(block bool) {
	if block {
		f := <-st.free
		f.reset()
		st.cur = f
		return
	}
	select {
	case f := <-st.free:
		f.reset()
		st.cur = f
		return
	default:
	}
	select {
	case f := <-st.queue:
		st.drop(f)
		st.cur = f
		return
	default:
	}
	// The sender holds one frame, so with depth+2 buffers one is always
	// free or queued; wait for the sender all the same rather than fail.
	f := <-st.free
	f.reset()
	st.cur = f
}

// commit queues the filled frame, dropping the oldest queued one when the
// queue is full (with block, it waits for room).
func (st *sinkState) commit(block bool) {
	f := st.cur
	st.cur = nil
	if len(f.ends) == 0 {
		st.free <- f
		return
	}
	if block {
		st.queue <- f
		return
	}
	for {
		select {
		case st.queue <- f:
			return
		default:
		}
		select {
		case old := <-st.queue:
			st.drop(old)
			st.free <- old
		default:
		}
	}
}

// abort returns the frame being filled without queueing it.
func (st *sinkState) abort() {
	if f := st.cur; f != nil {
		st.cur = nil
		st.drop(f)
		st.free <- f
	}
}

// run is the sink's sender goroutine.
func (st *sinkState) run() {
	defer close(st.exit)
	var kick chan struct{}
	if st.nack != nil {
		kick = st.nack.kick
	}
	for {
		select {
		case f := <-st.queue:
			st.send(f)
		case <-kick:
			st.retransmit()
		case <-st.done:
			for { // drain what is queued, then stop
				select {
				case f := <-st.queue:
					st.send(f)
				default:
					return
				}
			}
		}
	}
}

func (st *sinkState) send(f *sinkFrame) {
	f.pkts = f.pkts[:0]
	start := 0
	for _, e := range f.ends {
		f.pkts = append(f.pkts, f.buf[start:e:e])
		start = e
	}
	n, err := st.sink.WriteBatch(f.pkts)
	if err != nil {
		st.sendErrors.Add(1)
	}
	if st.nack != nil {
		// Also the packets whose send failed: the receiver will ask.
		for _, p := range f.pkts {
			st.nack.hist.put(p)
		}
	}
	if n == len(f.pkts) {
		st.frames.Add(1)
	}
	st.packets.Add(uint64(n))
	for _, p := range f.pkts[:n] {
		st.bytes.Add(uint64(len(p)))
	}
	clear(f.pkts)
	f.reset()
	st.free <- f
}

// retransmit sends the packets queued NACKs ask for (sender goroutine).
func (st *sinkState) retransmit() {
	n := st.nack
	r := n.collect(st.clock.Now())
	st.nackMissed.Add(uint64(r.missed))
	st.nackLim.Add(uint64(r.limited))
	if len(n.batch) == 0 {
		return
	}
	w, err := st.sink.WriteBatch(n.batch)
	if err != nil {
		st.sendErrors.Add(1)
	}
	st.resent.Add(uint64(w))
	for _, p := range n.batch[:w] {
		st.resentBytes.Add(uint64(len(p)))
	}
	clear(n.batch)
	n.batch = n.batch[:0]
}

func (st *sinkState) stop() {
	st.once.Do(func() { close(st.done) })
	<-st.exit
}

func (st *sinkState) stats() SinkStats {
	return SinkStats{Frames: st.frames.Load(), Packets: st.packets.Load(), Bytes: st.bytes.Load(),
		DroppedFrames: st.dropF.Load(), DroppedPackets: st.dropP.Load(),
		SealErrors: st.sealErrors.Load(), SendErrors: st.sendErrors.Load(),
		Retransmitted: st.resent.Load(), RetransmittedBytes: st.resentBytes.Load(),
		NACKMissed: st.nackMissed.Load(), NACKLimited: st.nackLim.Load(), NACKDropped: st.nackDrops.Load()}
}
