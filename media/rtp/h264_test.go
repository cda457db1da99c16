package rtp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cluecam/cluecam/media/codec"
	"github.com/pion/rtp/codecs"
)

// nalu builds a NAL unit: header byte then size-1 bytes of non-zero
// payload (so no start code can appear inside).
func nalu(hdr byte, size int) []byte {
	b := make([]byte, size)
	b[0] = hdr
	for i := 1; i < size; i++ {
		b[i] = byte(i%250 + 1)
	}
	return b
}

// annexB joins NAL units with 4-byte start codes.
func annexB(nals ...[]byte) []byte {
	var b []byte
	for _, n := range nals {
		b = append(b, 0, 0, 0, 1)
		b = append(b, n...)
	}
	return b
}

// pkt summarises a packet for table tests.
type pkt struct {
	kind   string // "single", "stap", "fu"
	nals   int    // units in a STAP-A
	start  bool   // FU-A S
	end    bool   // FU-A E
	size   int    // payload size
	marker bool
}

func (p pkt) String() string {
	m := ""
	if p.marker {
		m = "+M"
	}
	switch p.kind {
	case "stap":
		return fmt.Sprintf("stap%d/%d%s", p.nals, p.size, m)
	case "fu":
		se := ""
		if p.start {
			se += "S"
		}
		if p.end {
			se += "E"
		}
		return fmt.Sprintf("fu%s/%d%s", se, p.size, m)
	}
	return fmt.Sprintf("single/%d%s", p.size, m)
}

func summarise(t *testing.T, wire [][]byte) []string {
	var out []string
	for _, b := range wire {
		p := parse(t, b)
		s := pkt{size: len(p.Payload), marker: p.Marker}
		switch p.Payload[0] & 0x1f {
		case 24:
			s.kind = "stap"
			for rest := p.Payload[1:]; len(rest) >= 2; {
				n := int(rest[0])<<8 | int(rest[1])
				rest = rest[2+n:]
				s.nals++
			}
		case 28:
			s.kind, s.start, s.end = "fu", p.Payload[1]&0x80 != 0, p.Payload[1]&0x40 != 0
		default:
			s.kind = "single"
		}
		out = append(out, s.String())
	}
	return out
}

func packetizeH264(t *testing.T, au []byte, o *H264Options) ([][]byte, *Stream) {
	t.Helper()
	s := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 90000})
	h, err := NewH264Packetizer(s, o)
	if err != nil {
		t.Fatal(err)
	}
	h.SetFrame(au, time.Second)
	mp := DefaultMaxPayload
	if o != nil {
		mp = max(mp, o.MaxPayload)
	}
	return drain(t, h, NewPool(&PoolOptions{MaxPayload: mp})), s
}

func payloads(t *testing.T, wire [][]byte) [][]byte {
	var out [][]byte
	for _, b := range wire {
		out = append(out, parse(t, b).Payload)
	}
	return out
}

// nalsOf returns the NAL units of an Annex-B buffer that RFC 6184 carries.
func nalsOf(au []byte) [][]byte {
	var out [][]byte
	s := codec.NewAnnexBScanner(au)
	for n, ok := s.Next(); ok; n, ok = s.Next() {
		if t := n.Type(); t != 0 && t < 24 {
			out = append(out, n.Bytes(au))
		}
	}
	return out
}

func TestH264PacketizationRules(t *testing.T) {
	const mtu = 100
	sps, pps := nalu(0x67, 12), nalu(0x68, 4)
	for _, tc := range []struct {
		name string
		nals [][]byte
		want []string
	}{
		{"NAL smaller than the MTU: single NAL unit packet",
			[][]byte{nalu(0x41, 50)}, []string{"single/50+M"}},
		{"NAL of exactly the MTU: single NAL unit packet",
			[][]byte{nalu(0x41, mtu)}, []string{"single/100+M"}},
		{"NAL one byte over the MTU: two FU-A of equal size",
			[][]byte{nalu(0x41, mtu+1)}, []string{"fuS/52", "fuE/52+M"}},
		{"FU-A payload exactly fills the MTU",
			[][]byte{nalu(0x41, 2*(mtu-2)+1)}, []string{"fuS/100", "fuE/100+M"}},
		{"one byte more: a full fragment, then the rest in two halves",
			[][]byte{nalu(0x41, 2*(mtu-2)+2)}, []string{"fuS/100", "fu/52", "fuE/51+M"}},
		{"long NAL: full fragments, the last two equal",
			[][]byte{nalu(0x41, 1+4*(mtu-2)+108)}, []string{"fuS/100", "fu/100", "fu/100", "fu/100", "fu/56", "fuE/56+M"}},
		{"SPS and PPS aggregate ahead of a large IDR",
			[][]byte{sps, pps, nalu(0x65, 250)}, []string{"stap2/21", "fuS/100", "fu/78", "fuE/77+M"}},
		{"SPS, PPS and a small IDR in one STAP-A",
			[][]byte{sps, pps, nalu(0x65, 60)}, []string{"stap3/83+M"}},
		{"STAP-A exactly at the MTU",
			[][]byte{sps, pps, nalu(0x65, mtu-21-2)}, []string{"stap3/100+M"}},
		{"one byte over: the IDR goes alone",
			[][]byte{sps, pps, nalu(0x65, mtu-21-1)}, []string{"stap2/21", "single/78+M"}},
		{"several slices",
			[][]byte{nalu(0x65, 150), nalu(0x65, 90), nalu(0x65, 30), nalu(0x65, 30)}, []string{"fuS/77", "fuE/76", "single/90", "stap2/65+M"}},
		{"at most eight units per STAP-A",
			[][]byte{nalu(6, 3), nalu(6, 3), nalu(6, 3), nalu(6, 3), nalu(6, 3), nalu(6, 3), nalu(6, 3), nalu(6, 3), nalu(6, 3), nalu(9, 2)},
			[]string{"stap8/41", "stap2/10+M"}},
		{"reserved NAL types are dropped",
			[][]byte{nalu(0x00, 5), nalu(0x78, 9), nalu(0x7c, 9), nalu(0x41, 20)}, []string{"single/20+M"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			au := annexB(tc.nals...)
			wire, _ := packetizeH264(t, au, &H264Options{MaxPayload: mtu})
			if got := summarise(t, wire); !slices.Equal(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
			for _, b := range wire {
				if n := len(parse(t, b).Payload); n > mtu {
					t.Errorf("payload %d > MTU", n)
				}
			}
			got, err := depacketizeH264(payloads(t, wire))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, nalsOf(au), bytes.Equal) {
				t.Error("reassembled NAL units differ from the input")
			}
		})
	}
}

// TestH264HeaderBits checks the header fields of RFC 6184 §5.3, §5.7.1 and
// §5.8 byte by byte, in the layout of the RFC's figures.
func TestH264HeaderBits(t *testing.T) {
	sps := []byte{0x67, 0x42, 0xc0, 0x1e}                        // NRI 3
	sei := []byte{0x06, 0x05, 0x80}                              // NRI 0
	idr := append([]byte{0x45}, bytes.Repeat([]byte{7}, 200)...) // NRI 2, type 5
	wire, _ := packetizeH264(t, annexB(sps, sei, idr), &H264Options{MaxPayload: 120})
	pl := payloads(t, wire)
	// Figure 7 (STAP-A with two units): STAP-A NAL HDR, NALU 1 size, NALU 1
	// data, NALU 2 size, NALU 2 data. F=0, NRI = max(3, 0) = 3, type 24.
	want := append(append(append([]byte{0x78, 0, 4}, sps...), 0, 3), sei...)
	if !bytes.Equal(pl[0], want) {
		t.Errorf("STAP-A % x\nwant    % x", pl[0], want)
	}
	// Figures 14, 15: FU indicator F|NRI|28 from the unit (0x40|28 = 0x5c),
	// FU header S|E|R|type.
	if pl[1][0] != 0x5c || pl[1][1] != 0x85 || pl[2][0] != 0x5c || pl[2][1] != 0x45 {
		t.Errorf("FU-A headers % x, % x", pl[1][:2], pl[2][:2])
	}
	// The unit's header byte is not repeated in the fragments.
	if !bytes.Equal(append(pl[1][2:], pl[2][2:]...), idr[1:]) {
		t.Error("FU-A data")
	}
	// F bit (§5.3: a unit may carry errors) is kept.
	wire, _ = packetizeH264(t, annexB([]byte{0xe7, 1}, []byte{0x68, 2}), nil)
	if pl := payloads(t, wire); pl[0][0] != 0xf8 {
		t.Errorf("STAP-A F/NRI %#x", pl[0][0])
	}
}

// TestH264Timestamps: every packet of an access unit carries its capture
// time on the 90 kHz clock; the marker is on the last packet only.
func TestH264Timestamps(t *testing.T) {
	s := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 90000})
	h, _ := NewH264Packetizer(s, &H264Options{MaxPayload: 200})
	pool := NewPool(nil)
	au := annexB(nalu(0x67, 10), nalu(0x68, 4), nalu(0x65, 1000))
	var ts []uint32
	for i := 0; i < 5; i++ {
		h.SetFrame(au, time.Minute+time.Duration(i)*time.Second/25)
		wire := drain(t, h, pool)
		for j, b := range wire {
			p := parse(t, b)
			if p.Marker != (j == len(wire)-1) {
				t.Errorf("frame %d packet %d: marker %v", i, j, p.Marker)
			}
			if p.Timestamp != parse(t, wire[0]).Timestamp {
				t.Errorf("frame %d: timestamps differ within the access unit", i)
			}
		}
		ts = append(ts, parse(t, wire[0]).Timestamp)
	}
	for i := 1; i < len(ts); i++ {
		if ts[i]-ts[i-1] != 3600 {
			t.Errorf("timestamp step %d, want 3600 (25 fps)", ts[i]-ts[i-1])
		}
	}
	// An access unit without NAL units sends nothing and takes no
	// timestamp.
	h.SetFrame([]byte{0, 0, 0, 1}, 2*time.Minute)
	if h.More() {
		t.Error("packets for an empty access unit")
	}
}

func TestH264RepeatParameterSets(t *testing.T) {
	for _, mtu := range []int{100, 16} { // 16: the SPS is fragmented, longer than the scan looks ahead
		t.Run(fmt.Sprint(mtu), func(t *testing.T) { testRepeatParameterSets(t, mtu) })
	}
}

func testRepeatParameterSets(t *testing.T, mtu int) {
	sps, pps := nalu(0x67, 40), nalu(0x68, 4)
	idr, p := nalu(0x65, 40), nalu(0x41, 30)
	s := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 90000})
	h, _ := NewH264Packetizer(s, &H264Options{MaxPayload: mtu, RepeatParameterSets: true})
	pool := NewPool(nil)
	var got [][][]byte
	for _, au := range [][]byte{annexB(sps, pps, idr), annexB(p), annexB(idr), annexB(p)} {
		h.SetFrame(au, 0)
		nals, err := depacketizeH264(payloads(t, drain(t, h, pool)))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, nals)
	}
	// The third access unit, an IDR alone, is sent with the remembered SPS
	// and PPS ahead of it.
	if want := [][]byte{sps, pps, idr}; !slices.EqualFunc(got[2], want, bytes.Equal) {
		t.Errorf("IDR without parameter sets sent as %d units", len(got[2]))
	}
	if len(got[1]) != 1 || len(got[3]) != 1 {
		t.Error("parameter sets repeated before a non-IDR")
	}
	// Without the option nothing is added.
	wire, _ := packetizeH264(t, annexB(idr), &H264Options{MaxPayload: 100})
	if n, _ := depacketizeH264(payloads(t, wire)); len(n) != 1 {
		t.Error("parameter sets added without RepeatParameterSets")
	}
}

func readClip(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "drivers", "synthetic", "clips", "hi.h264"))
	if err != nil {
		t.Skipf("synthetic clip: %v", err)
	}
	return b
}

// TestH264ClipRoundTrip packetizes the synthetic camera's clip and
// reassembles it twice: with our RFC 6184 receiver and with pion/rtp's
// H264Packet depacketizer, an independent implementation.
func TestH264ClipRoundTrip(t *testing.T) {
	clip := readClip(t)
	for _, mtu := range []int{1200, 500, 64} {
		s := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 90000, CaptID: "VC0", CaptIDExtID: 1})
		h, _ := NewH264Packetizer(s, &H264Options{MaxPayload: mtu})
		pool := NewPool(&PoolOptions{Buffers: 8})
		sc := codec.NewAccessUnitScanner(clip)
		frames := 0
		for au, ok := sc.Next(); ok; au, ok = sc.Next() {
			b := clip[au.Start:au.End]
			h.SetFrame(b, time.Duration(frames)*time.Second/30)
			wire := drain(t, h, pool)
			nals, err := depacketizeH264(payloads(t, wire))
			if err != nil {
				t.Fatalf("mtu %d frame %d: %v", mtu, frames, err)
			}
			if !slices.EqualFunc(nals, nalsOf(b), bytes.Equal) {
				t.Fatalf("mtu %d frame %d: NAL units differ", mtu, frames)
			}
			var pion codecs.H264Packet
			var annexb []byte
			for _, w := range wire {
				out, err := pion.Unmarshal(parse(t, w).Payload)
				if err != nil {
					t.Fatalf("pion: %v", err)
				}
				annexb = append(annexb, out...)
			}
			if !slices.EqualFunc(nalsOf(annexb), nalsOf(b), bytes.Equal) {
				t.Fatalf("mtu %d frame %d: pion reassembles different NAL units", mtu, frames)
			}
			frames++
		}
		if frames != 60 || pool.Outstanding() != 0 {
			t.Fatalf("%d frames, %d packets outstanding", frames, pool.Outstanding())
		}
	}
}

func TestH264Options(t *testing.T) {
	s := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 90000})
	if _, err := NewH264Packetizer(s, &H264Options{MaxPayload: 8}); err == nil {
		t.Error("MaxPayload 8 accepted")
	}
	a := newStream(t, StreamOptions{PayloadType: 0, ClockRate: 8000})
	if _, err := NewH264Packetizer(a, nil); err == nil {
		t.Error("8 kHz stream accepted")
	}
	h, _ := NewH264Packetizer(s, &H264Options{MaxPayload: 1400})
	h.SetFrame(annexB(nalu(0x41, 10)), 0)
	if err := h.Next(NewPacket(1200)); err != ErrBufferTooSmall {
		t.Errorf("small buffer: %v", err)
	}
	if err := h.Next(NewPacket(1400)); err != nil {
		t.Fatal(err)
	}
	if err := h.Next(NewPacket(1400)); err != ErrNoPacket {
		t.Errorf("after the last packet: %v", err)
	}
}

// randomAU makes an access unit of random NAL units, some large.
func randomAU(r *rand.Rand) []byte {
	var nals [][]byte
	for n := 1 + r.IntN(12); n > 0; n-- {
		size := 1 + r.IntN(40)
		if r.IntN(4) == 0 {
			size = 1 + r.IntN(5000)
		}
		nals = append(nals, nalu(byte(r.IntN(3)<<5|1+r.IntN(23)), size))
	}
	return annexB(nals...)
}

func TestH264RandomRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		au := randomAU(r)
		mtu := 16 + r.IntN(1400)
		wire, _ := packetizeH264(t, au, &H264Options{MaxPayload: mtu})
		got, err := depacketizeH264(payloads(t, wire))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, nalsOf(au), bytes.Equal) {
			t.Fatalf("case %d (mtu %d): round trip differs", i, mtu)
		}
		for j, b := range wire {
			if n := len(parse(t, b).Payload); n > mtu {
				t.Fatalf("case %d: payload %d > %d", i, n, mtu)
			}
			if parse(t, b).Marker != (j == len(wire)-1) {
				t.Fatalf("case %d: marker on packet %d of %d", i, j, len(wire))
			}
		}
	}
}
