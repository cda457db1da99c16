package rtp

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

// FuzzH264Packetizer packetizes arbitrary Annex-B input with an arbitrary
// payload limit: it must never panic, every payload fits the limit, the
// marker is on the last packet only, and an RFC 6184 receiver reassembles
// exactly the input's NAL units (those of types RFC 6184 can carry).
func FuzzH264Packetizer(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x65, 4, 5, 6}, uint16(0))
	f.Add(annexB(nalu(0x41, 3000)), uint16(100))
	f.Add(annexB(nalu(0x06, 3), nalu(0x06, 3), nalu(0x06, 3), nalu(0x06, 3), nalu(0x06, 3), nalu(0x06, 3), nalu(0x06, 3), nalu(0x06, 3), nalu(0x06, 3)), uint16(5))
	f.Add([]byte{0, 0, 1, 0x78, 0, 0, 1, 0x7c, 0x85, 0, 0, 1}, uint16(1))
	f.Add(keyframe1080p()[:4000], uint16(1184))
	f.Fuzz(func(t *testing.T, au []byte, m uint16) {
		mtu := 16 + int(m)%1400
		s, err := NewStream(StreamOptions{PayloadType: 96, ClockRate: 90000, CaptID: "VC1", CaptIDExtID: 1, Rand: fixedRand(1, 2, 3)})
		if err != nil {
			t.Fatal(err)
		}
		h, err := NewH264Packetizer(s, &H264Options{MaxPayload: mtu, RepeatParameterSets: m&1 == 1})
		if err != nil {
			t.Fatal(err)
		}
		pool := NewPool(&PoolOptions{MaxPayload: mtu, Buffers: 4})
		var pls [][]byte
		var markers []bool
		for round := 0; round < 2; round++ { // twice: the second may repeat parameter sets
			h.SetFrame(au, time.Duration(round)*time.Second)
			pls, markers = pls[:0], markers[:0]
			for h.More() {
				p := pool.Get()
				if err := h.Next(p); err != nil {
					t.Fatal(err)
				}
				checkPacketInvariants(t, p)
				if p.PayloadLen() > mtu {
					t.Fatalf("payload %d > %d", p.PayloadLen(), mtu)
				}
				b := p.Assemble()
				pls = append(pls, append([]byte(nil), b[p.HeaderLen():]...))
				markers = append(markers, p.Marker())
				p.Release()
				if len(pls) > 2*len(au)+4 {
					t.Fatal("runaway packetizer")
				}
			}
			for i, mk := range markers {
				if mk != (i == len(markers)-1) {
					t.Fatalf("marker on packet %d of %d", i, len(markers))
				}
			}
			got, err := depacketizeH264(pls)
			if err != nil {
				t.Fatal(err)
			}
			want := nalsOf(au)
			if round == 1 && m&1 == 1 {
				// Repeated SPS/PPS go in before the IDR, wherever it
				// stands: the input must come back in order with only
				// parameter sets added.
				if !withOnlyParameterSetsAdded(got, want) {
					t.Fatalf("round %d: reassembled %d units, input has %d, not the input plus parameter sets", round, len(got), len(want))
				}
				continue
			}
			if !slices.EqualFunc(got, want, bytes.Equal) {
				t.Fatalf("round %d: reassembled %d units, input has %d", round, len(got), len(want))
			}
		}
	})
}

// withOnlyParameterSetsAdded reports whether got is want with zero or more
// SPS/PPS NAL units (types 7, 8) inserted.
func withOnlyParameterSetsAdded(got, want [][]byte) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && bytes.Equal(g, want[i]) {
			i++
			continue
		}
		if len(g) == 0 || (g[0]&0x1f != 7 && g[0]&0x1f != 8) {
			return false
		}
	}
	return i == len(want)
}
