package srtp

// estimateIndex returns the 48-bit packet index i = 2^16·ROC + SEQ of a packet
// with sequence number seq, given the highest index top seen so far
// (RFC 3711 §3.3.1 and Appendix A): ROC-1, ROC or ROC+1, whichever puts i
// closest to top. While the ROC is 0 there is no ROC-1: a sequence number
// more than 2^15 ahead is taken as a jump forward, as pion and libsrtp's
// senders do. ok is false past the last index a key may protect (2^48-1).
// Before the first packet (started false) the index is ROC·2^16 + seq with the
// initial ROC in top's upper bits.
func estimateIndex(started bool, top uint64, seq uint16) (i uint64, ok bool) {
	roc := top >> 16
	if started {
		sl := int(top & 0xffff)
		s := int(seq)
		if sl < 1<<15 {
			if s-sl > 1<<15 && roc > 0 {
				roc--
			}
		} else if sl-1<<15 > s {
			roc++
		}
	}
	i = roc<<16 | uint64(seq)
	return i, i <= maxRTPIndex
}
