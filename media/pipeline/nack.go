package pipeline

import (
	"encoding/binary"
	"math/bits"
	"sync"
	"time"

	"github.com/cluecam/cluecam/media/rtp/rtcp"
)

// Retransmission on generic NACK (RFC 4585 §6.2.1).
//
// Each sink keeps the last packets it sent, as they went on the wire: for
// SRTP that is the sealed packet, resent byte for byte. Resealing is not an
// option: SRTP must never encrypt a different payload under the same index
// (RFC 3711 §9.1, keystream reuse), and sending the identical packet again
// is harmless: a receiver that already has it drops it as a replay (RFC
// 3711 §3.3.2), one that lost it accepts it. The retransmission carries the
// original SSRC and sequence number, as RFC 4585 §3.5.1 expects of senders
// without RFC 4588 RTX.
//
// The history belongs to the sink's sender goroutine, which records each
// batch right after sending it and serves the retransmissions, so the send
// path needs no lock and WriteBatch stays single-threaded. HandleRTCP only
// queues the requested sequence numbers and wakes that goroutine.

// maxNACKPending bounds the sequence numbers queued between two wakeups of
// a sender goroutine; more are counted as dropped requests.
const maxNACKPending = 256

// resendGap is the shortest time between two retransmissions of one packet:
// a receiver repeating its NACK before the first retransmission could
// arrive (within an RTT) must not double the cost.
const resendGap = 100 * time.Millisecond

// history is a ring of the last len(seq) packets sent, indexed by sequence
// number modulo a power of two, so a lookup is one slot and a comparison.
type history struct {
	slot int      // bytes per slot
	mask uint16   // len(seq)-1
	buf  []byte   // len(seq) slots of slot bytes
	seq  []uint16 // sequence number in each slot
	size []int    // packet length in each slot; 0 for empty
	// resentAt is when the slot's packet was last retransmitted, never
	// (neverResent) after put.
	resentAt []time.Duration
}

const neverResent = time.Duration(-1 << 62)

func newHistory(packets, slot int) *history {
	if packets <= 0 {
		return nil
	}
	n := 1 << bits.Len(uint(packets-1)) // round up to a power of two
	n = min(n, 1<<15)                   // half the sequence space: never ambiguous
	return &history{slot: slot, mask: uint16(n - 1), buf: make([]byte, n*slot),
		seq: make([]uint16, n), size: make([]int, n), resentAt: make([]time.Duration, n)}
}

// put records a packet just sent. Packets larger than a slot (cannot
// happen with the pool's buffer size) are not kept.
func (h *history) put(pkt []byte) {
	if len(pkt) < 4 || len(pkt) > h.slot {
		return
	}
	s := binary.BigEndian.Uint16(pkt[2:])
	i := s & h.mask
	off := int(i) * h.slot
	h.size[i] = copy(h.buf[off:off+h.slot], pkt)
	h.seq[i], h.resentAt[i] = s, neverResent
}

// get returns the packet with sequence number s and its slot, or nil when
// it has left the history.
func (h *history) get(s uint16) ([]byte, int) {
	i := s & h.mask
	if h.size[i] == 0 || h.seq[i] != s {
		return nil, 0
	}
	off := int(i) * h.slot
	return h.buf[off : off+h.size[i] : off+h.size[i]], int(i)
}

// nackState is one sink's retransmission state.
type nackState struct {
	hist *history // sender goroutine only

	mu      sync.Mutex // guards pending, npend
	pending [maxNACKPending]uint16
	npend   int
	kick    chan struct{} // wakes the sender goroutine; capacity 1

	// Sender goroutine only.
	work   [maxNACKPending]uint16
	batch  [][]byte // capacity maxNACKPending
	rate   float64  // token refill, bytes per second
	burst  float64
	tokens float64
	last   time.Duration
}

func newNACKState(packets, slot, bitrate int) *nackState {
	h := newHistory(packets, slot)
	if h == nil {
		return nil
	}
	r := float64(bitrate) / 8
	// A burst of a quarter second of the budget lets a lost keyframe's
	// run of packets through at once, and never less than one packet.
	b := max(r/4, float64(slot))
	return &nackState{hist: h, kick: make(chan struct{}, 1), batch: make([][]byte, 0, maxNACKPending),
		rate: r, burst: b, tokens: b, last: -1}
}

// request queues the packets a NACK names and wakes the sender. It
// returns how many requests did not fit in the queue.
func (n *nackState) request(pairs rtcp.NACKPairs) (dropped int) {
	n.mu.Lock()
	for i := 0; i < pairs.Len(); i++ {
		p := pairs.At(i)
		// PID, then bit i of BLP set means PID+i+1 is lost too.
		for k := -1; k < 16; k++ {
			if k >= 0 && p.BLP&(1<<k) == 0 {
				continue
			}
			if n.npend == maxNACKPending {
				dropped++
				continue
			}
			n.pending[n.npend] = p.PID + uint16(k+1)
			n.npend++
		}
	}
	n.mu.Unlock()
	select {
	case n.kick <- struct{}{}:
	default:
	}
	return dropped
}

// resendStats are the outcomes of one round of retransmissions.
type resendStats struct {
	sent, bytes, missed, limited int
}

// collect takes the queued requests and picks the packets to resend at
// now into n.batch: those in the history, not resent within resendGap,
// within the byte budget.
func (n *nackState) collect(now time.Duration) (r resendStats) {
	n.mu.Lock()
	k := copy(n.work[:], n.pending[:n.npend])
	n.npend = 0
	n.mu.Unlock()
	if n.last >= 0 && now > n.last {
		n.tokens = min(n.burst, n.tokens+n.rate*(now-n.last).Seconds())
	}
	n.last = now
	n.batch = n.batch[:0]
	for _, s := range n.work[:k] {
		pkt, i := n.hist.get(s)
		switch {
		case pkt == nil:
			r.missed++
		case now-n.hist.resentAt[i] < resendGap:
			// Resent moments ago: this NACK crossed the retransmission.
			r.limited++
		case float64(len(pkt)) > n.tokens:
			r.limited++
		default:
			n.tokens -= float64(len(pkt))
			n.hist.resentAt[i] = now
			n.batch = append(n.batch, pkt)
			r.sent++
			r.bytes += len(pkt)
		}
	}
	return r
}
