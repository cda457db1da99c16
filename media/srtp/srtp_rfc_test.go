package srtp

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	s = strings.Join(strings.Fields(s), "")
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// RFC 3711 Appendix B.3: key derivation test vectors (AES-CM PRF, KDR 0).
func TestRFC3711KeyDerivation(t *testing.T) {
	masterKey := unhex(t, "E1F97A0D3E018BE0D64FA32C06DE4139")
	masterSalt := unhex(t, "0EC675AD498AFEEBB6960B3AABE6")
	for _, tc := range []struct {
		name  string
		label byte
		want  string
	}{
		{"cipher key", labelRTPEncryption, "C61E7A93744F39EE10734AFE3FF7A087"},
		{"cipher salt", labelRTPSalt, "30CBBC08863D8C85D49DB34A9AE1"},
		// The RFC derives 94 octets of authentication key to show the PRF
		// running over several blocks.
		{"auth key", labelRTPAuth, `CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4
			8F0A0ACF3C34E2359E6CDBCEE049646C43D9327AD175578EF7227098
			6371C10C9A369AC2F94A8C5FBCDDDC256D6E919A48B610EF17C2041E
			474035766B68642C59BBFC2F34DB60DBDFB2`},
	} {
		want := unhex(t, tc.want)
		got, err := prf(tc.label, masterKey, masterSalt, len(want))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: got %X, want %X", tc.name, got, want)
		}
	}

	// And through the profile: the session keys a Sender would use.
	k, err := deriveSessionKeys(ProfileAES128CMSHA1_80, masterKey, masterSalt)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(k.rtpAuth); got != "cebe321f6ff7716b6fd4ab49af256a156d38baa4" {
		t.Errorf("160-bit auth key %s", got)
	}
	k.wipe()
}

// RFC 3711 Appendix B.2: AES-CM keystream for SSRC 0, index 0, from the
// session key and the (pre-shifted) session salt.
func TestRFC3711AESCMKeystream(t *testing.T) {
	var tr transform
	key := unhex(t, "2B7E151628AED2A6ABF7158809CF4F3C")
	salt := unhex(t, "F0F1F2F3F4F5F6F7F8F9FAFBFCFD")
	if err := tr.init(ProfileAES128CMSHA1_80, false, key, salt, make([]byte, 20)); err != nil {
		t.Fatal(err)
	}
	tr.setIV(0, 0)
	if got, want := hex.EncodeToString(tr.iv[:]), "f0f1f2f3f4f5f6f7f8f9fafbfcfd0000"; got != want {
		t.Fatalf("IV %s, want %s", got, want)
	}
	ks := make([]byte, 0xff02*16)
	tr.ctr.XORKeyStream(ks, ks, &tr.iv)
	for _, tc := range []struct {
		block int
		want  string
	}{
		{0x0000, "E03EAD0935C95E80E166B16DD92B4EB4"},
		{0x0001, "D23513162B02D0F72A43A2FE4A5F97AB"},
		{0x0002, "41E95B3BB0A2E8DD477901E4FCA894C0"},
		{0xfeff, "EC8CDF7398607CB0F2D21675EA9EA1E4"},
		{0xff00, "362B7C3C6773516318A077D7FC5073AE"},
		{0xff01, "6A2CC3787889374FBEB4C81B17BA6C44"},
	} {
		if got := ks[tc.block*16 : tc.block*16+16]; !bytes.Equal(got, unhex(t, tc.want)) {
			t.Errorf("keystream block %#04x = %X, want %s", tc.block, got, tc.want)
		}
	}

	// The same first blocks through SealRTP: a zero payload seals to the
	// keystream (SSRC 0, SEQ 0, ROC 0).
	s := newSender(ProfileAES128CMSHA1_80, sessionKeys{
		rtpKey: key, rtpSalt: salt, rtpAuth: make([]byte, 20),
		rtcpKey: key, rtcpSalt: salt, rtcpAuth: make([]byte, 20),
	})
	st, err := s.Stream(0)
	if err != nil {
		t.Fatal(err)
	}
	hdr := unhex(t, "800f0000decafbad00000000")
	out, err := st.SealRTP(make([]byte, 0, 100), hdr, make([]byte, 48))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out[12:60], ks[:48]) {
		t.Errorf("sealed zero payload %X, want keystream %X", out[12:60], ks[:48])
	}
}

// RFC 7714 §16 (SRTP) and §17 (SRTCP): AEAD_AES_128_GCM and AEAD_AES_256_GCM,
// with session keys given directly.
func TestRFC7714Vectors(t *testing.T) {
	plainRTP := `8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976
		69736120 696e2070 61727465 73207472 6573`
	plainRTCP := `81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
		deadbeef deadbeef deadbeef deadbeef deadbeef`
	for _, tc := range []struct {
		p                    Profile
		key                  string
		srtp, srtcp, srtcpE0 string
	}{
		{
			p:   ProfileAEADAES128GCM,
			key: "000102030405060708090a0b0c0d0e0f",
			// §16.1.1 / §16.2.1
			srtp: `8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5
				0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce`,
			// §17.1.1 (E=1) and §17.1.3 (E=0, authenticated only)
			srtcp: `81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d
				c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872
				45d9eade 800005d4`,
			srtcpE0: `81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
				deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790
				125f62b3 000005d4`,
		},
		{
			p:   ProfileAEADAES256GCM,
			key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
			srtp: `8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238
				9a58e2f3 b50b2a02 76ffae0f 1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13`,
			srtcp: `81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50
				a2eaa5c1 110555be 8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c
				b26ac3be 800005d4`,
			srtcpE0: `81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
				deadbeef deadbeef deadbeef deadbeef deadbeef 91db4afb feee5a97 8fab4393
				ed2615fe 000005d4`,
		},
	} {
		t.Run(tc.p.String(), func(t *testing.T) {
			key := unhex(t, tc.key)
			salt := unhex(t, "517569642070726f2071756f") // "Quid pro quo"
			keys := func() sessionKeys {
				return sessionKeys{rtpKey: bytes.Clone(key), rtpSalt: bytes.Clone(salt),
					rtcpKey: bytes.Clone(key), rtcpSalt: bytes.Clone(salt)}
			}
			rtp, rtcp := unhex(t, plainRTP), unhex(t, plainRTCP)
			wantSRTP, wantSRTCP := unhex(t, tc.srtp), unhex(t, tc.srtcp)

			st, err := newSender(tc.p, keys()).Stream(0x5501a0b2)
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.SealRTP(make([]byte, 0, 200), rtp[:12], rtp[12:])
			if err != nil || !bytes.Equal(got, wantSRTP) {
				t.Errorf("SRTP seal:\n got %X (%v)\nwant %X", got, err, wantSRTP)
			}
			rst, err := newSender(tc.p, keys()).Stream(0x4d617273)
			if err != nil {
				t.Fatal(err)
			}
			rst.setRTCPIndex(0x5d4)
			got, err = rst.SealRTCP(make([]byte, 0, 200), rtcp)
			if err != nil || !bytes.Equal(got, wantSRTCP) {
				t.Errorf("SRTCP seal:\n got %X (%v)\nwant %X", got, err, wantSRTCP)
			}

			k := keys()
			r, err := newReceiver(tc.p, &k, &ReceiverOpts{SSRCs: []uint32{0x5501a0b2, 0x4d617273}})
			if err != nil {
				t.Fatal(err)
			}
			got, err = r.OpenRTP(make([]byte, 0, 200), wantSRTP)
			if err != nil || !bytes.Equal(got, rtp) {
				t.Errorf("SRTP open: %X (%v)", got, err)
			}
			got, err = r.OpenRTCP(make([]byte, 0, 200), wantSRTCP)
			if err != nil || !bytes.Equal(got, rtcp) {
				t.Errorf("SRTCP open: %X (%v)", got, err)
			}
			// The same index with E=0 is a replay now; a fresh receiver
			// accepts the authenticated-only packet.
			if _, err := r.OpenRTCP(make([]byte, 0, 200), unhex(t, tc.srtcpE0)); err != ErrReplay {
				t.Errorf("E=0 packet with a used index: %v, want ErrReplay", err)
			}
			k = keys()
			r, _ = newReceiver(tc.p, &k, &ReceiverOpts{SSRCs: []uint32{0x4d617273}})
			got, err = r.OpenRTCP(make([]byte, 0, 200), unhex(t, tc.srtcpE0))
			if err != nil || !bytes.Equal(got, rtcp) {
				t.Errorf("SRTCP E=0 open: %X (%v)", got, err)
			}
		})
	}
}

// The reference packets of libsrtp's test driver (test/srtp_driver.c,
// srtp_validate), protected with the RFC 3711 B.3 master key: a known answer
// through the whole path, key derivation included.
func TestLibsrtpReferencePackets(t *testing.T) {
	key := unhex(t, "E1F97A0D3E018BE0D64FA32C06DE4139")
	salt := unhex(t, "0EC675AD498AFEEBB6960B3AABE6")
	plainRTP := unhex(t, "800f1234 decafbad cafebabe abababab abababab abababab abababab")
	wantRTP := unhex(t, "800f1234 decafbad cafebabe 4e55dc4c e79978d8 8ca4d215 949d2402 b78d6acc 99ea179b 8dbb")
	plainRTCP := unhex(t, "81c8000b cafebabe abababab abababab abababab abababab")
	wantRTCP := unhex(t, "81c8000b cafebabe 7128035b e487b9bd bef89041 f977a5a8 80000001 993e08cd 54d6c123 0798")

	s, err := NewSender(ProfileAES128CMSHA1_80, key, salt)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.Stream(0xcafebabe)
	if got, err := st.SealRTP(make([]byte, 0, 64), plainRTP[:12], plainRTP[12:]); err != nil || !bytes.Equal(got, wantRTP) {
		t.Errorf("SRTP %X (%v), want %X", got, err, wantRTP)
	}
	st.setRTCPIndex(1) // libsrtp sends its first SRTCP packet with index 1
	if got, err := st.SealRTCP(make([]byte, 0, 64), plainRTCP); err != nil || !bytes.Equal(got, wantRTCP) {
		t.Errorf("SRTCP %X (%v), want %X", got, err, wantRTCP)
	}
	r, err := NewReceiver(ProfileAES128CMSHA1_80, key, salt, &ReceiverOpts{SSRCs: []uint32{0xcafebabe}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.OpenRTP(make([]byte, 0, 200), wantRTP); err != nil || !bytes.Equal(got, plainRTP) {
		t.Errorf("open SRTP %X (%v)", got, err)
	}
	if got, err := r.OpenRTCP(make([]byte, 0, 200), wantRTCP); err != nil || !bytes.Equal(got, plainRTCP) {
		t.Errorf("open SRTCP %X (%v)", got, err)
	}
}

// RFC 2202 §3: HMAC-SHA1 test cases 1, 2 and 6 (a key longer than 20 bytes
// but within a block is covered by case 5's shape in init).
func TestHMACSHA1RFC2202(t *testing.T) {
	for _, tc := range []struct{ key, data, want string }{
		{"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", hex.EncodeToString([]byte("Hi There")), "b617318655057264e28bc0b6fb378c8ef146be00"},
		{hex.EncodeToString([]byte("Jefe")), hex.EncodeToString([]byte("what do ya want for nothing?")), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
		{"0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", hex.EncodeToString([]byte("Test With Truncation")), "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
	} {
		var m hmacSHA1
		m.init(unhex(t, tc.key))
		for range 2 { // twice: the pad states must restore cleanly
			m.start()
			m.write(unhex(t, tc.data))
			if got := hex.EncodeToString(m.finish()); got != tc.want {
				t.Errorf("HMAC(%s) = %s, want %s", tc.key, got, tc.want)
			}
		}
		m.wipe()
	}
}
