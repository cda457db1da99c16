package srtp

import (
	"crypto/aes"
	"encoding/binary"
)

// Key derivation labels (RFC 3711 §4.3.1; RFC 3711 §4.3.2 for SRTCP).
const (
	labelRTPEncryption  = 0x00
	labelRTPAuth        = 0x01
	labelRTPSalt        = 0x02
	labelRTCPEncryption = 0x03
	labelRTCPAuth       = 0x04
	labelRTCPSalt       = 0x05
)

// authKeyLen is the HMAC-SHA1 session authentication key length n_a
// (RFC 3711 §8.2: 160 bits).
const authKeyLen = 20

// sessionKeys are the keys derived from one master key and salt: one
// direction's SRTP and SRTCP session keys.
type sessionKeys struct {
	rtpKey, rtpSalt, rtpAuth    []byte
	rtcpKey, rtcpSalt, rtcpAuth []byte
}

func (k *sessionKeys) wipe() {
	for _, b := range [][]byte{k.rtpKey, k.rtpSalt, k.rtpAuth, k.rtcpKey, k.rtcpSalt, k.rtcpAuth} {
		clear(b)
	}
	*k = sessionKeys{}
}

// deriveSessionKeys runs the RFC 3711 §4.3 key derivation with
// key_derivation_rate 0 (the DTLS-SRTP default, RFC 5764 §4.1.2), so
// "index DIV kdr" is 0 and each key is derived once.
func deriveSessionKeys(p Profile, masterKey, masterSalt []byte) (sessionKeys, error) {
	pp, ok := p.params()
	if !ok {
		return sessionKeys{}, ErrProfile
	}
	if len(masterKey) != pp.keyLen || len(masterSalt) != pp.saltLen {
		return sessionKeys{}, ErrKeyLength
	}
	var k sessionKeys
	var err error
	derive := func(label byte, n int) []byte {
		if err != nil {
			return nil
		}
		var out []byte
		out, err = prf(label, masterKey, masterSalt, n)
		return out
	}
	k.rtpKey = derive(labelRTPEncryption, pp.keyLen)
	k.rtpSalt = derive(labelRTPSalt, pp.saltLen)
	k.rtcpKey = derive(labelRTCPEncryption, pp.keyLen)
	k.rtcpSalt = derive(labelRTCPSalt, pp.saltLen)
	if !pp.aead {
		k.rtpAuth = derive(labelRTPAuth, authKeyLen)
		k.rtcpAuth = derive(labelRTCPAuth, authKeyLen)
	}
	if err != nil {
		k.wipe()
		return sessionKeys{}, err
	}
	return k, nil
}

// prf is the AES-CM PRF of RFC 3711 §4.3.3: with r = index DIV kdr = 0,
// x = (label << 48) XOR master_salt, and the output is the AES-CM keystream
// of the master key from IV = x·2^16, truncated to n bytes. The master salt
// is 112 bits for AES-CM; the 96-bit AEAD salt is used the same way, padded
// with zeros on the right to 112 bits (RFC 7714 §11, as libsrtp and pion do).
func prf(label byte, masterKey, masterSalt []byte, n int) ([]byte, error) {
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, err
	}
	var iv [16]byte
	copy(iv[:14], masterSalt)
	// The label occupies bits 48..55 of the 112-bit x, i.e. byte 7 of the
	// 14-byte salt field.
	iv[7] ^= label
	out := make([]byte, (n+15)/16*16)
	for i := 0; i < len(out); i += 16 {
		binary.BigEndian.PutUint16(iv[14:], uint16(i/16))
		block.Encrypt(out[i:i+16], iv[:])
	}
	clear(out[n:])
	clear(iv[:])
	return out[:n:n], nil
}
