package pipeline

import (
	"sync"
	"sync/atomic"
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

	frames, packets, bytes atomic.Uint64
	dropF, dropP           atomic.Uint64
	sealErrors, sendErrors atomic.Uint64
	rtcpBuf, rtcpSealed    []byte // Run's goroutine only
}

// rtcpMax is the room for one compound RTCP packet we send.
const rtcpMax = 512

func newSinkState(s Sink, depth int) *sinkState {
	st := &sinkState{sink: s, free: make(chan *sinkFrame, depth+2), queue: make(chan *sinkFrame, depth),
		done: make(chan struct{}), exit: make(chan struct{}),
		rtcpBuf: make([]byte, 0, rtcpMax), rtcpSealed: make([]byte, 0, rtcpMax+64)}
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
// oldest queued frame, dropped whole.
func (st *sinkState) begin() {
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
// queue is full.
func (st *sinkState) commit() {
	f := st.cur
	st.cur = nil
	if len(f.ends) == 0 {
		st.free <- f
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
	for {
		select {
		case f := <-st.queue:
			st.send(f)
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

func (st *sinkState) stop() {
	st.once.Do(func() { close(st.done) })
	<-st.exit
}

func (st *sinkState) stats() SinkStats {
	return SinkStats{Frames: st.frames.Load(), Packets: st.packets.Load(), Bytes: st.bytes.Load(),
		DroppedFrames: st.dropF.Load(), DroppedPackets: st.dropP.Load(),
		SealErrors: st.sealErrors.Load(), SendErrors: st.sendErrors.Load()}
}
