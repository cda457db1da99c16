// Package srtp protects RTP and RTCP packets (SRTP and SRTCP, RFC 3711) with
// keys from a DTLS-SRTP handshake (RFC 5764), for the four protection
// profiles a camera box negotiates: SRTP_AES128_CM_HMAC_SHA1_80,
// SRTP_AES128_CM_HMAC_SHA1_32, SRTP_AEAD_AES_128_GCM and SRTP_AEAD_AES_256_GCM
// (RFC 7714).
//
// A [Sender] holds the session keys of the local direction and hands out one
// [SendStream] per SSRC. Sealing is the single copy of the payload on the hot
// path: [SendStream.SealRTP] reads the RTP header from the pooled packet
// buffer and the payload from the capture frame and writes
// header‖ciphertext‖tag into the packet buffer in one pass, allocating
// nothing. A [Receiver] opens packets of the remote direction, accepting only
// SSRCs it was told about (or a bounded number learnt after authentication),
// with a replay window of [ReplayWindow] packets; every rejected packet comes
// back as one of the [Error] values and is counted in [Stats].
//
// The AES-CM transform runs the payload through our allocation-free
// counter mode (internal/aesctr: crypto/cipher.NewCTR would allocate a stream
// per packet; AES-NI or ARMv8 AES assembly where the CPU has the
// instructions, crypto/aes otherwise) and HMAC-SHA1 from precomputed pads.
// The GCM transforms seal with the same counter mode and our GHASH
// (internal/ghash: PCLMULQDQ/VPCLMULQDQ or PMULL assembly) where the CPU
// has both instruction sets, so a payload in pieces is read where it lies
// like AES-CM's; elsewhere, and for opening, crypto/cipher's AEAD. All are
// tested byte for byte against the RFC 3711 and RFC 7714 vectors, against
// pion/srtp, and our GCM seal against crypto/cipher's.
//
// Close destroys the key material the package holds: master keys are never
// kept, session keys, salts and HMAC pad states are zeroed.
// Copies made inside the standard library (the AES key schedules of crypto/aes:
// the key derivation's, AES-CM's on CPUs without AES instructions, the GCM
// AEAD's) cannot be zeroed from outside; they become unreachable at Close.
package srtp
