package synthetic

import (
	"time"

	"github.com/cluecam/cluecam/hw"
)

// pacer is the capture clock of a synthetic source: item n (a frame or an
// audio period) is captured at start + rate.FrameTime(n) and can be read
// once start + rate.FrameTime(n+delay) has come (delay 0 for video frames,
// stamped when they are complete; 1 for audio periods, readable only after
// their last sample). A reader that falls more than maxLag items behind
// loses the oldest ones, as a device with a bounded queue would: the
// sequence numbers jump and the caller learns how many were dropped.
type pacer struct {
	rate   hw.Rational
	start  time.Duration
	delay  uint64
	maxLag uint64
	next   uint64 // index of the item to deliver next
}

func (p *pacer) reset(rate hw.Rational, start time.Duration, delay, maxLag uint64) {
	*p = pacer{rate: rate, start: start, delay: delay, maxLag: max(1, maxLag)}
}

// due returns when the next item can be read, first dropping items if the
// reader has fallen too far behind at now. It returns the number dropped.
func (p *pacer) due(now time.Duration) (at time.Duration, dropped uint64) {
	if now > p.start {
		// Items whose reading time has come: FramesIn counts those with
		// FrameTime(k) <= elapsed, i.e. k < avail + delay.
		avail := p.rate.FramesIn(now-p.start) + 1
		if avail > p.delay {
			avail -= p.delay
		} else {
			avail = 0
		}
		if avail > p.next+p.maxLag {
			dropped = avail - p.maxLag - p.next
			p.next += dropped
		}
	}
	return p.start + p.rate.FrameTime(p.next+p.delay), dropped
}

// take consumes the next item and returns its index and capture time.
func (p *pacer) take() (n uint64, ts time.Duration) {
	n = p.next
	p.next++
	return n, p.start + p.rate.FrameTime(n)
}
