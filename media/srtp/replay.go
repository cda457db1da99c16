package srtp

// ReplayWindow is how many packet indices behind the highest one a receiver
// still accepts, once each (RFC 3711 §3.3.2 asks for at least 64).
const ReplayWindow = 256

// replayWindow is a sliding window over 48-bit SRTP or 31-bit SRTCP packet
// indices, kept as a ring of bits: index i lives at bit i mod ReplayWindow.
type replayWindow struct {
	started bool
	top     uint64 // highest index accepted
	bits    [ReplayWindow / 64]uint64
}

// check reports whether index i may be accepted: not seen and not too old.
// It changes nothing; call accept once the packet has authenticated.
func (w *replayWindow) check(i uint64) bool {
	if !w.started || i > w.top {
		return true
	}
	if w.top-i >= ReplayWindow {
		return false
	}
	return w.bits[i/64%uint64(len(w.bits))]&(1<<(i%64)) == 0
}

// accept records index i, sliding the window forward if i is the new top.
func (w *replayWindow) accept(i uint64) {
	switch {
	case !w.started:
		w.started = true
		w.top = i
		w.bits = [len(w.bits)]uint64{}
	case i > w.top:
		if i-w.top >= ReplayWindow {
			w.bits = [len(w.bits)]uint64{}
		} else {
			for j := w.top + 1; j <= i; j++ {
				w.bits[j/64%uint64(len(w.bits))] &^= 1 << (j % 64)
			}
		}
		w.top = i
	}
	w.bits[i/64%uint64(len(w.bits))] |= 1 << (i % 64)
}
