package rtp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"testing"
	"unsafe"

	pionrtp "github.com/pion/rtp"
)

// fixedRand makes NewStream's random origins known: sequence number,
// timestamp, SSRC.
func fixedRand(seq uint16, ts, ssrc uint32) io.Reader {
	var b [10]byte
	binary.BigEndian.PutUint16(b[0:], seq)
	binary.BigEndian.PutUint32(b[2:], ts)
	binary.BigEndian.PutUint32(b[6:], ssrc)
	return bytes.NewReader(b[:])
}

func newStream(t testing.TB, o StreamOptions) *Stream {
	t.Helper()
	if o.Rand == nil {
		o.Rand = fixedRand(65530, 0xfffff000, 0x11223344)
	}
	s, err := NewStream(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// packetizer is what the three packetizers share.
type packetizer interface {
	More() bool
	Next(*Packet) error
}

// drain takes every packet, assembles it and returns copies of the wire
// bytes (plain RTP).
func drain(t testing.TB, pz packetizer, pool *Pool) [][]byte {
	t.Helper()
	var out [][]byte
	for pz.More() {
		p := pool.Get()
		if p == nil {
			t.Fatal("pool exhausted")
		}
		if err := pz.Next(p); err != nil {
			t.Fatal(err)
		}
		checkPacketInvariants(t, p)
		out = append(out, append([]byte(nil), p.Assemble()...))
		p.Release()
		if len(out) > 1<<20 {
			t.Fatal("runaway packetizer")
		}
	}
	return out
}

// checkPacketInvariants checks the sealing contract on a packet before
// assembly.
func checkPacketInvariants(t testing.TB, p *Packet) {
	t.Helper()
	if p.HeaderLen() < 12 || p.HeaderLen()%4 != 0 {
		t.Fatalf("header length %d", p.HeaderLen())
	}
	if len(p.Buffer()) < Headroom+p.Len()+Trailer {
		t.Fatalf("no trailer room: buffer %d, packet %d", len(p.Buffer()), p.Len())
	}
	off := Headroom + p.HeaderLen()
	total := 0
	for i, s := range p.Segments() {
		if len(s) == 0 {
			t.Fatalf("empty segment %d", i)
		}
		if p.InPlace(i) {
			if &s[0] != &p.Buffer()[off] {
				t.Fatalf("in-place segment %d is not at its final offset %d", i, off)
			}
		} else if overlaps(s, p.Buffer()) {
			t.Fatalf("frame segment %d overlaps the packet buffer", i)
		}
		off += len(s)
		total += len(s)
	}
	if total != p.PayloadLen() {
		t.Fatalf("segments total %d, payload length %d", total, p.PayloadLen())
	}
}

func overlaps(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0, b0 := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	return a0 < b0+uintptr(len(b)) && b0 < a0+uintptr(len(a))
}

// parse decodes a wire packet with pion/rtp, an independent RTP parser.
func parse(t testing.TB, b []byte) *pionrtp.Packet {
	t.Helper()
	var p pionrtp.Packet
	if err := p.Unmarshal(b); err != nil {
		t.Fatalf("pion/rtp cannot parse % x: %v", b[:min(len(b), 32)], err)
	}
	return &p
}

// depacketizeH264 is an RFC 6184 packetization-mode 1 receiver: it returns
// the NAL units carried by the payloads, checking the FU-A rules.
func depacketizeH264(payloads [][]byte) ([][]byte, error) {
	var nals [][]byte
	var fu []byte
	for i, pl := range payloads {
		if len(pl) < 1 {
			return nil, fmt.Errorf("packet %d: empty payload", i)
		}
		switch t := pl[0] & 0x1f; {
		case t >= 1 && t <= 23:
			if fu != nil {
				return nil, fmt.Errorf("packet %d: single NAL inside an FU-A", i)
			}
			nals = append(nals, pl)
		case t == 24:
			if fu != nil {
				return nil, fmt.Errorf("packet %d: STAP-A inside an FU-A", i)
			}
			rest := pl[1:]
			n := 0
			for len(rest) > 0 {
				if len(rest) < 2 {
					return nil, fmt.Errorf("packet %d: truncated STAP-A size", i)
				}
				sz := int(binary.BigEndian.Uint16(rest))
				if sz == 0 || 2+sz > len(rest) {
					return nil, fmt.Errorf("packet %d: bad STAP-A unit size %d", i, sz)
				}
				nals = append(nals, rest[2:2+sz])
				rest = rest[2+sz:]
				n++
			}
			if n < 2 {
				return nil, fmt.Errorf("packet %d: STAP-A with %d unit", i, n)
			}
		case t == 28:
			if len(pl) < 3 {
				return nil, fmt.Errorf("packet %d: FU-A without data", i)
			}
			s, e := pl[1]&0x80 != 0, pl[1]&0x40 != 0
			if s && e {
				return nil, fmt.Errorf("packet %d: FU-A with both S and E", i)
			}
			if s != (fu == nil) {
				return nil, fmt.Errorf("packet %d: FU-A start bit %v with fragment open %v", i, s, fu != nil)
			}
			if s {
				fu = []byte{pl[0]&0xe0 | pl[1]&0x1f}
			} else if fu[0] != pl[0]&0xe0|pl[1]&0x1f {
				return nil, fmt.Errorf("packet %d: FU-A header changed", i)
			}
			fu = append(fu, pl[2:]...)
			if e {
				nals = append(nals, fu)
				fu = nil
			}
		default:
			return nil, fmt.Errorf("packet %d: payload type %d", i, t)
		}
	}
	if fu != nil {
		return nil, errors.New("unterminated FU-A")
	}
	return nals, nil
}
