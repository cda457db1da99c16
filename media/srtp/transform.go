package srtp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"

	"github.com/cluecam/cluecam/media/srtp/internal/aesctr"
	"github.com/cluecam/cluecam/media/srtp/internal/ghash"
)

// transform is one packet kind's (RTP or RTCP) session keys, ready to seal or
// open, with the scratch space that keeps it allocation-free. It is not safe
// for concurrent use; its owner serialises calls.
type transform struct {
	aead   bool
	tagLen int
	salt   [14]byte // session salt k_s (GCM uses the first 12 bytes)

	ctr aesctr.Cipher // AES-CM; AES-GCM's counter mode when ownGCM
	mac hmacSHA1      // AES-CM
	gcm cipher.AEAD   // AEAD_AES_*_GCM: opening, and sealing unless ownGCM
	// ownGCM: seal AES-GCM with ctr and ghk (our assembly for both), so the
	// payload is read where it lies, in pieces, like AES-CM's. Without the
	// CPU instructions for both, crypto/cipher seals (after gathering the
	// pieces, one copy).
	ownGCM bool
	ghk    ghash.Key

	iv      [aesctr.BlockSize]byte
	nonce   [12]byte
	word    [4]byte  // ROC (SRTP auth) or E‖SRTCP index
	aad     [12]byte // SRTCP GCM associated data: header ‖ E‖index
	scratch []byte   // SRTCP GCM with E=0: whole packet ‖ E‖index
}

func (t *transform) init(p Profile, rtcp bool, key, salt, auth []byte) error {
	pp, ok := p.params()
	if !ok {
		return ErrProfile
	}
	t.aead = pp.aead
	t.tagLen = pp.rtpTagLen
	if rtcp {
		t.tagLen = pp.rtcpTagLen
	}
	copy(t.salt[:], salt)
	if t.aead {
		if err := t.ctr.Init(key); err != nil {
			return err
		}
		if t.ctr.Accelerated() && ghash.Accelerated() {
			// The hash key H = E_K(0^128) (SP 800-38D §6.4): the first
			// keystream block from the zero counter block.
			var h, zero [aesctr.BlockSize]byte
			t.ctr.XORKeyStream(h[:], h[:], &zero)
			t.ghk.Init(&h)
			clear(h[:])
			t.ownGCM = true
		} else {
			t.ctr.Wipe()
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return err
		}
		// RFC 7714 §14.2: 16-octet tags, 12-octet nonces.
		t.gcm, err = cipher.NewGCM(block)
		return err
	}
	if err := t.ctr.Init(key); err != nil {
		return err
	}
	t.mac.init(auth)
	return nil
}

func (t *transform) wipe() {
	t.ctr.Wipe()
	t.mac.wipe()
	t.gcm = nil
	t.ghk.Wipe()
	t.ownGCM = false
	clear(t.salt[:])
	clear(t.iv[:])
	clear(t.nonce[:])
	clear(t.aad[:])
	clear(t.scratch)
	t.scratch = nil
}

// setIV builds the AES-CM counter block of RFC 3711 §4.1.1:
// IV = (k_s·2^16) XOR (SSRC·2^64) XOR (i·2^16), i the 48-bit SRTP packet
// index or the 31-bit SRTCP index (RFC 3711 §3.4).
func (t *transform) setIV(ssrc uint32, i uint64) {
	copy(t.iv[:14], t.salt[:14])
	t.iv[14], t.iv[15] = 0, 0
	t.iv[4] ^= byte(ssrc >> 24)
	t.iv[5] ^= byte(ssrc >> 16)
	t.iv[6] ^= byte(ssrc >> 8)
	t.iv[7] ^= byte(ssrc)
	t.iv[8] ^= byte(i >> 40)
	t.iv[9] ^= byte(i >> 32)
	t.iv[10] ^= byte(i >> 24)
	t.iv[11] ^= byte(i >> 16)
	t.iv[12] ^= byte(i >> 8)
	t.iv[13] ^= byte(i)
}

// setNonce builds the 12-octet AES-GCM IV: for SRTP (RFC 7714 §8.1)
// 00 00 ‖ SSRC ‖ ROC ‖ SEQ, for SRTCP (§9.1) 00 00 ‖ SSRC ‖ 00 00 ‖ 0 ‖ index,
// both XOR the session salt. With i = ROC·2^16 + SEQ, or the SRTCP index,
// both are 00 00 ‖ SSRC ‖ i as 48 bits.
func (t *transform) setNonce(ssrc uint32, i uint64) {
	copy(t.nonce[:], t.salt[:12])
	t.nonce[2] ^= byte(ssrc >> 24)
	t.nonce[3] ^= byte(ssrc >> 16)
	t.nonce[4] ^= byte(ssrc >> 8)
	t.nonce[5] ^= byte(ssrc)
	t.nonce[6] ^= byte(i >> 40)
	t.nonce[7] ^= byte(i >> 32)
	t.nonce[8] ^= byte(i >> 24)
	t.nonce[9] ^= byte(i >> 16)
	t.nonce[10] ^= byte(i >> 8)
	t.nonce[11] ^= byte(i)
}

// sealRTP writes the encrypted payload and the tag after the header in pkt:
// pkt[:hl] holds the header, the payload is the concatenation of segs (each
// elsewhere, or exactly at its place in pkt), and pkt has room for the
// payload and tagLen bytes after hl. Each segment is read once and written
// once, straight to its place in the packet.
func (t *transform) sealRTP(pkt []byte, hl int, segs [][]byte, ssrc uint32, index uint64) {
	n := hl
	if t.ownGCM {
		t.sealGCM(pkt, hl, segs, ssrc, index)
		return
	}
	if t.aead {
		// RFC 7714 §8.2: the header is the associated data, the payload the
		// plaintext; the tag follows the ciphertext. crypto/cipher's AEAD
		// needs the plaintext in one piece: gather it into place, then
		// seal in place.
		for _, seg := range segs {
			if len(seg) > 0 && &pkt[n] != &seg[0] {
				copy(pkt[n:], seg)
			}
			n += len(seg)
		}
		t.setNonce(ssrc, index)
		t.gcm.Seal(pkt[hl:hl], t.nonce[:], pkt[hl:n], pkt[:hl])
		return
	}
	// RFC 3711 §3.1, §4.1.1: only the payload is encrypted, one keystream
	// over all of it.
	t.setIV(ssrc, index)
	n = t.encrypt(pkt, hl, segs, &t.iv, nil)
	// RFC 3711 §4.2: tag = HMAC(k_a, authenticated portion ‖ ROC),
	// truncated to the profile's tag length.
	t.mac.start()
	t.mac.write(pkt[:n])
	binary.BigEndian.PutUint32(t.word[:], uint32(index>>16))
	t.mac.write(t.word[:])
	copy(pkt[n:n+t.tagLen], t.mac.finish())
}

// sealGCM is sealRTP's AEAD_AES_*_GCM (RFC 7714 §8.2) built from its parts
// (NIST SP 800-38D §7.1): the payload, in pieces, is encrypted straight into
// the packet with the counter blocks that follow J0 = nonce ‖ 0^31 ‖ 1;
// then S = GHASH_H(header ‖ pad ‖ ciphertext ‖ pad ‖ [len(header)·8]64 ‖
// [len(ciphertext)·8]64) and the tag is E_K(J0) ⊕ S.
func (t *transform) sealGCM(pkt []byte, hl int, segs [][]byte, ssrc uint32, index uint64) {
	t.setNonce(ssrc, index)
	var j0 [aesctr.BlockSize]byte
	copy(j0[:], t.nonce[:])
	j0[15] = 1
	// GCM increments only the last 32 bits of the counter (inc32); aesctr
	// increments all 128. From 1 they agree for 2^32 - 1 blocks, far more
	// than any RTP payload holds.
	// The keystream from J0: its first block is the tag mask E_K(J0), the
	// rest encrypts the payload.
	var mask [aesctr.BlockSize]byte
	n := t.encrypt(pkt, hl, segs, &j0, &mask)
	// Three GHASH calls for a header of up to 64 bytes (the usual ones):
	// the header zero-padded (copied), the ciphertext's whole blocks, and
	// its padded last partial block together with the length block.
	var y [aesctr.BlockSize]byte
	var head [4 * aesctr.BlockSize]byte
	var tail [2 * aesctr.BlockSize]byte
	if hl <= len(head) {
		copy(head[:], pkt[:hl])
		t.ghk.Update(&y, head[:(hl+aesctr.BlockSize-1)&^(aesctr.BlockSize-1)])
	} else {
		t.ghk.UpdatePadded(&y, pkt[:hl])
	}
	ctEnd := hl + (n-hl)&^(aesctr.BlockSize-1)
	t.ghk.Update(&y, pkt[hl:ctEnd])
	last := tail[:aesctr.BlockSize] // the length block
	if ctEnd < n {
		copy(tail[:], pkt[ctEnd:n])
		last = tail[:]
	}
	lens := last[len(last)-aesctr.BlockSize:]
	binary.BigEndian.PutUint64(lens[:8], uint64(hl)*8)
	binary.BigEndian.PutUint64(lens[8:], uint64(n-hl)*8)
	t.ghk.Update(&y, last)
	subtle.XORBytes(pkt[n:n+aesctr.BlockSize], y[:], mask[:])
	clear(mask[:])
}

// encrypt writes the payload (the concatenation of segs) encrypted with the
// keystream from counter block iv into pkt after the header, and returns
// where it ends. With lead set, the keystream's first block goes to *lead
// instead (GCM's tag mask) and the payload takes the rest. When a short
// first segment starts the payload (an FU-A or STAP-A header), the first
// payload block is gathered from the segments that hold it and encrypted in
// the same call as the lead block, so that the rest starts on a block
// boundary: a payload in pieces then costs the calls one in a piece does
// (first block, whole blocks, last partial block) instead of two more.
func (t *transform) encrypt(pkt []byte, hl int, segs [][]byte, iv *[aesctr.BlockSize]byte, lead *[aesctr.BlockSize]byte) int {
	const bs = aesctr.BlockSize
	var buf [2 * bs]byte
	l := 0
	if lead != nil {
		l = bs
	}
	m := 0 // payload bytes gathered into buf[l:]
	if len(segs) > 1 && len(segs[0]) < bs {
		for _, seg := range segs {
			m += copy(buf[l+m:l+bs], seg)
			if m == bs {
				break
			}
		}
	}
	if l+m > 0 {
		t.ctr.XORKeyStreamAt(buf[:l+m], buf[:l+m], iv, 0)
		if lead != nil {
			copy(lead[:], buf[:bs])
		}
		clear(buf[:l])
	}
	n := hl + copy(pkt[hl:], buf[l:l+m])
	clear(buf[l : l+m])
	skip := m
	for _, seg := range segs {
		if skip >= len(seg) {
			skip -= len(seg)
			continue
		}
		seg, skip = seg[skip:], 0
		t.ctr.XORKeyStreamAt(pkt[n:n+len(seg)], seg, iv, l+n-hl)
		n += len(seg)
	}
	return n
}

// openRTP authenticates the SRTP packet pkt (header ‖ ciphertext ‖ tag) and
// decrypts its payload into out[hl:], which is pkt[hl:] or does not overlap
// pkt. It reports whether the tag verified; nothing is decrypted otherwise.
func (t *transform) openRTP(out, pkt []byte, hl int, ssrc uint32, index uint64) bool {
	if t.aead {
		t.setNonce(ssrc, index)
		_, err := t.gcm.Open(out[hl:hl], t.nonce[:], pkt[hl:], pkt[:hl])
		return err == nil
	}
	n := len(pkt) - t.tagLen
	// RFC 3711 §3.3 step 5: authenticate before decrypting.
	t.mac.start()
	t.mac.write(pkt[:n])
	binary.BigEndian.PutUint32(t.word[:], uint32(index>>16))
	t.mac.write(t.word[:])
	if !t.mac.verify(pkt[n:]) {
		return false
	}
	t.setIV(ssrc, index)
	t.ctr.XORKeyStream(out[hl:n], pkt[hl:n], &t.iv)
	return true
}

// sealRTCP protects the RTCP packet pkt (len L) into out, which is pkt
// extended in place or does not overlap it, and has room for
// L + 4 + tagLen bytes: header ‖ E(payload) ‖ [GCM tag] ‖ E‖index ‖ [HMAC tag]
// (RFC 3711 §3.4 Figure 2, RFC 7714 §9 and §17). out[:8] must already hold
// the header. The E flag is always set.
func (t *transform) sealRTCP(out, pkt []byte, ssrc, index uint32) {
	l := len(pkt)
	binary.BigEndian.PutUint32(t.word[:], index|1<<31)
	if t.aead {
		// RFC 7714 §9.2: AAD = first 8 octets ‖ E‖index; the rest is
		// plaintext; the ESRTCP word follows the tag.
		copy(t.aad[:8], pkt[:8])
		copy(t.aad[8:], t.word[:])
		t.setNonce(ssrc, uint64(index))
		t.gcm.Seal(out[8:8], t.nonce[:], pkt[8:], t.aad[:])
		copy(out[l+t.tagLen:], t.word[:])
		return
	}
	t.setIV(ssrc, uint64(index))
	t.ctr.XORKeyStream(out[8:l], pkt[8:], &t.iv)
	copy(out[l:], t.word[:])
	// RFC 3711 §3.4: the ESRTCP word is authenticated, no ROC.
	t.mac.start()
	t.mac.write(out[:l+srtcpIndexLen])
	copy(out[l+srtcpIndexLen:], t.mac.finish()[:t.tagLen])
}

// srtcpWord returns the E‖index word of the SRTCP packet pkt, whose length
// the caller checked.
func (t *transform) srtcpWord(pkt []byte) uint32 {
	if t.aead {
		return binary.BigEndian.Uint32(pkt[len(pkt)-srtcpIndexLen:])
	}
	return binary.BigEndian.Uint32(pkt[len(pkt)-t.tagLen-srtcpIndexLen:])
}

// openRTCP authenticates the SRTCP packet pkt and writes the RTCP packet's
// payload to out[8:l] (out is pkt itself, or does not overlap it), l being
// the RTCP packet length; it reports whether the tag verified.
func (t *transform) openRTCP(out, pkt []byte, l int, ssrc, word uint32) bool {
	index := word &^ (1 << 31)
	encrypted := word&(1<<31) != 0
	if t.aead {
		t.setNonce(ssrc, uint64(index))
		body := pkt[:len(pkt)-srtcpIndexLen] // header ‖ ciphertext ‖ tag
		if encrypted {
			copy(t.aad[:8], pkt[:8])
			binary.BigEndian.PutUint32(t.aad[8:], word)
			_, err := t.gcm.Open(out[8:8], t.nonce[:], body[8:], t.aad[:])
			return err == nil
		}
		// E=0 (RFC 7714 §9.3): the whole packet and the ESRTCP word are
		// associated data, the ciphertext is just the tag.
		need := l + srtcpIndexLen
		if cap(t.scratch) < need {
			t.scratch = make([]byte, need)
		}
		aad := t.scratch[:need]
		copy(aad, pkt[:l])
		binary.BigEndian.PutUint32(aad[l:], word)
		_, err := t.gcm.Open(nil, t.nonce[:], body[l:], aad)
		if err != nil {
			return false
		}
		copy(out[8:l], pkt[8:l])
		return true
	}
	n := l + srtcpIndexLen
	t.mac.start()
	t.mac.write(pkt[:n])
	if !t.mac.verify(pkt[n:]) {
		return false
	}
	if encrypted {
		t.setIV(ssrc, uint64(index))
		t.ctr.XORKeyStream(out[8:l], pkt[8:l], &t.iv)
	} else {
		copy(out[8:l], pkt[8:l])
	}
	return true
}
