package rtp

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cluecam/cluecam/media/rtp/rtcp"
)

// TestCaptIDExtensionBytes pins the wire form of the CaptId header
// extension (RFC 8285 §4.2 one-byte and §4.3 two-byte form carrying an RFC
// 7941 §4.1 SDES item).
func TestCaptIDExtensionBytes(t *testing.T) {
	for _, tc := range []struct {
		id   uint8
		text string
		want []byte
	}{
		// "VC1": one element header 0x12 (ID 1, len-1 = 2) and three
		// bytes: exactly one word.
		{1, "VC1", []byte{0xBE, 0xDE, 0x00, 0x01, 0x12, 'V', 'C', '1'}},
		// One byte: padded with three zeros.
		{3, "-", []byte{0xBE, 0xDE, 0x00, 0x01, 0x30, '-', 0, 0}},
		// Sixteen bytes, the one-byte maximum: 17 bytes, padded to 20.
		{14, "0123456789abcdef", append(append([]byte{0xBE, 0xDE, 0x00, 0x05, 0xEF}, "0123456789abcdef"...), 0, 0, 0)},
		// Two-byte form (ID above 14): 0x1000, ID, length.
		{15, "VC12", []byte{0x10, 0x00, 0x00, 0x02, 15, 4, 'V', 'C', '1', '2', 0, 0}},
		{200, "main-room-camera-left", append(append([]byte{0x10, 0x00, 0x00, 0x06, 200, 21}, "main-room-camera-left"...), 0)},
	} {
		got := AppendCaptIDExtension(nil, tc.id, tc.text)
		if !bytes.Equal(got, tc.want) {
			t.Errorf("id %d %q:\n got % x\nwant % x", tc.id, tc.text, got, tc.want)
		}
	}
}

func TestStreamHeaders(t *testing.T) {
	s := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 90000, CaptID: "VC1", CaptIDExtID: 3})
	pool := NewPool(nil)
	h, _ := NewH264Packetizer(s, nil)
	frame := []byte{0, 0, 0, 1, 0x65, 0x88, 1, 2, 3}
	var seqs []uint16
	for i := 0; i < 8; i++ {
		h.SetFrame(frame, time.Duration(i)*time.Second/30)
		for _, b := range drain(t, h, pool) {
			p := parse(t, b)
			if p.Version != 2 || p.PayloadType != 96 || p.SSRC != 0x11223344 || !p.Marker || p.Padding || len(p.CSRC) != 0 {
				t.Fatalf("header %+v", p.Header)
			}
			// pion/rtp reads the one-byte extension: ID 3 carries "VC1".
			if !p.Extension || p.ExtensionProfile != 0xBEDE || string(p.GetExtension(3)) != "VC1" {
				t.Fatalf("extension profile %#x, id 3 = %q", p.ExtensionProfile, p.GetExtension(3))
			}
			if !bytes.Equal(b[12:20], []byte{0xBE, 0xDE, 0, 1, 0x32, 'V', 'C', '1'}) {
				t.Fatalf("extension bytes % x", b[12:20])
			}
			if !bytes.Equal(p.Payload, frame[4:]) {
				t.Fatalf("payload % x", p.Payload)
			}
			seqs = append(seqs, p.SequenceNumber)
		}
	}
	// The sequence number starts at the random origin and wraps.
	want := []uint16{65530, 65531, 65532, 65533, 65534, 65535, 0, 1}
	for i := range want {
		if seqs[i] != want[i] {
			t.Fatalf("sequence numbers %v, want %v", seqs, want)
		}
	}
	if n, o := s.Counts(); n != 8 || o != 8*5 {
		t.Errorf("counts %d packets %d octets", n, o)
	}
}

func TestStreamCaptIDChanges(t *testing.T) {
	s := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 90000, CaptID: "VC1", CaptIDExtID: 5, CaptIDRepeat: 2})
	pool := NewPool(nil)
	h, _ := NewH264Packetizer(s, nil)
	frame := []byte{0, 0, 1, 0x41, 0x9a}
	ext := func() string {
		h.SetFrame(frame, 0)
		p := parse(t, drain(t, h, pool)[0])
		if !p.Extension {
			return ""
		}
		return string(p.GetExtension(5))
	}
	var got []string
	for i := 0; i < 4; i++ {
		got = append(got, ext())
	}
	// RFC 8849 §5: when a composed capture replaces the switched one, "-".
	if err := s.SetCaptID("-"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		got = append(got, ext())
	}
	if err := s.SetCaptID(""); err != nil {
		t.Fatal(err)
	}
	got = append(got, ext())
	if want := "VC1 VC1 _ _ - - _ _"; strings.Join(blanks(got), " ") != want {
		t.Errorf("extensions %q, want %q", blanks(got), want)
	}
	if s.CaptID() != "" {
		t.Error("CaptID not cleared")
	}
}

func blanks(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = v
		if v == "" {
			out[i] = "_"
		}
	}
	return out
}

func TestStreamCaptIDErrors(t *testing.T) {
	for _, tc := range []struct {
		id   uint8
		capt string
	}{
		{1, "seventeen-bytes-x"},      // one-byte form holds 16
		{20, strings.Repeat("x", 65)}, // MaxCaptIDLen
		{1, "\xff\xfe"},               // not UTF-8
	} {
		_, err := NewStream(StreamOptions{ClockRate: 90000, CaptID: tc.capt, CaptIDExtID: tc.id})
		if !errors.Is(err, ErrCaptID) {
			t.Errorf("%d %q: %v", tc.id, tc.capt, err)
		}
	}
	// Long IDs are fine in the two-byte form.
	if _, err := NewStream(StreamOptions{ClockRate: 90000, CaptID: "seventeen-bytes-x", CaptIDExtID: 15}); err != nil {
		t.Error(err)
	}
	if _, err := NewStream(StreamOptions{ClockRate: 0}); !errors.Is(err, ErrOptions) {
		t.Error(err)
	}
	if _, err := NewStream(StreamOptions{ClockRate: 8000, PayloadType: 128}); !errors.Is(err, ErrOptions) {
		t.Error(err)
	}
}

// TestVideoTimestamps: frame timestamps follow the capture clock on the 90
// kHz clock from the random origin, wrap modulo 2^32, and never stand
// still or go back.
func TestVideoTimestamps(t *testing.T) {
	s := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 90000})
	base := 1234 * time.Hour // a box that has been up for a while
	o := uint32(0xfffff000)
	for _, tc := range []struct {
		capture time.Duration
		want    uint32
	}{
		{base, o},
		{base + time.Second/30, o + 3000},
		{base + 2*time.Second/30, o + 6000}, // wraps past 2^32
		{base + time.Second, o + 90000},
		{base + time.Second, o + 90001},   // same capture time: one tick on
		{base + time.Second/2, o + 90002}, // earlier: still forward
		{base + 2*time.Second, o + 180000},
		{base + 24*time.Hour, o + uint32(uint64(24*3600*90000)%(1<<32))},
	} {
		if got := s.videoTimestamp(tc.capture); got != tc.want {
			t.Errorf("capture %v: ts %d, want %d", tc.capture-base, got, tc.want)
		}
	}
}

// TestSenderReportMapping checks the NTP/RTP pair of sender reports: with
// a mapping from the capture clock (CLOCK_MONOTONIC) to the wall clock,
// the wall time of every captured frame computed back from an SR (its NTP
// time minus the RTP distance on the media clock) is the frame's true
// capture wall time within 1 ms, for video (90 kHz) and for audio
// (8 kHz, sample-counted timestamps).
func TestSenderReportMapping(t *testing.T) {
	mono0 := 5000 * time.Second
	wall0 := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	wallOf := func(mono time.Duration) time.Time { return wall0.Add(mono - mono0) }

	t.Run("video", func(t *testing.T) {
		s := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 90000})
		h, _ := NewH264Packetizer(s, nil)
		pool := NewPool(nil)
		type frame struct {
			capture time.Duration
			ts      uint32
		}
		var frames []frame
		// 29.97 fps with capture jitter.
		for i := 0; i < 100; i++ {
			c := mono0 + time.Duration(float64(i)*1001/30000*float64(time.Second)) + time.Duration(i%3)*time.Millisecond
			h.SetFrame([]byte{0, 0, 1, 0x41, 0x9a}, c)
			pk := parse(t, drain(t, h, pool)[0])
			frames = append(frames, frame{c, pk.Timestamp})
		}
		for _, srAt := range []time.Duration{frames[99].capture, frames[99].capture + 7*time.Millisecond, frames[99].capture + 4*time.Second} {
			si, ok := s.SenderInfo(srAt, wallOf(srAt))
			if !ok {
				t.Fatal("no sender info")
			}
			if si.PacketCount != 100 {
				t.Errorf("packet count %d", si.PacketCount)
			}
			srWall := rtcp.NTPToTime(si.NTPTime)
			for _, f := range frames {
				d := time.Duration(float64(int32(si.RTPTime-f.ts)) / 90000 * float64(time.Second))
				got := srWall.Add(-d)
				if e := got.Sub(wallOf(f.capture)); e > time.Millisecond || e < -time.Millisecond {
					t.Fatalf("SR at +%v: frame at %v maps to %v, %v off", srAt-mono0, f.capture-mono0, got, e)
				}
			}
		}
	})
	t.Run("audio", func(t *testing.T) {
		s := newStream(t, StreamOptions{PayloadType: 0, ClockRate: 8000})
		a, err := NewAudioPacketizer(s, AudioOptions{Codec: PCMU})
		if err != nil {
			t.Fatal(err)
		}
		pool := NewPool(nil)
		pcm := make([]int16, 160)
		type pkt struct {
			capture time.Duration
			ts      uint32
		}
		var pkts []pkt
		for i := 0; i < 200; i++ {
			// Periods stamped with ±0.3 ms of jitter, as ALSA delay-based
			// timestamps are.
			c := mono0 + time.Duration(i)*20*time.Millisecond + time.Duration((i*7)%7-3)*100*time.Microsecond
			if err := a.Write(pcm, c, false); err != nil {
				t.Fatal(err)
			}
			for _, b := range drain(t, a, pool) {
				pkts = append(pkts, pkt{c, parse(t, b).Timestamp})
			}
		}
		last := pkts[len(pkts)-1]
		si, _ := s.SenderInfo(last.capture+3*time.Millisecond, wallOf(last.capture+3*time.Millisecond))
		srWall := rtcp.NTPToTime(si.NTPTime)
		for _, p := range pkts[len(pkts)-50:] {
			d := time.Duration(float64(int32(si.RTPTime-p.ts)) / 8000 * float64(time.Second))
			if e := srWall.Add(-d).Sub(wallOf(p.capture)); math.Abs(float64(e)) > float64(time.Millisecond) {
				t.Fatalf("packet captured at %v maps %v off", p.capture-mono0, e)
			}
		}
	})
}

func TestNTPConversion(t *testing.T) {
	w := time.Date(2026, 3, 1, 12, 0, 0, 500_000_000, time.UTC)
	n := rtcp.NTPTime(w)
	if n>>32 != uint64(w.Unix()+2208988800) || uint32(n) != 1<<31 {
		t.Fatalf("NTP %#x", n)
	}
	if back := rtcp.NTPToTime(n); back.Sub(w).Abs() > time.Microsecond {
		t.Fatalf("round trip %v", back)
	}
}

func TestAppendReport(t *testing.T) {
	s := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 90000, CaptID: "VC7", CaptIDExtID: 1})
	wall := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Before the first packet: RR + SDES.
	b := s.AppendReport(nil, time.Second, wall, "cam@example", nil)
	r := rtcp.NewReader(b)
	p, _ := r.Next()
	if p.Type != rtcp.TypeRR {
		t.Fatalf("first packet %d", p.Type)
	}
	h, _ := NewH264Packetizer(s, nil)
	h.SetFrame([]byte{0, 0, 1, 0x41, 0x9a}, time.Second)
	drain(t, h, NewPool(nil))
	buf := make([]byte, 0, 256)
	b = s.AppendReport(buf, time.Second, wall, "cam@example", []rtcp.ReceptionReport{{SSRC: 9}})
	if &b[0] != &buf[:1][0] {
		t.Error("AppendReport reallocated a large enough buffer")
	}
	if err := rtcp.Validate(b); err != nil {
		t.Fatal(err)
	}
	r = rtcp.NewReader(b)
	p, _ = r.Next()
	ssrc, si, rr, err := p.SenderReport()
	if err != nil || ssrc != s.SSRC() || si.PacketCount != 1 || si.OctetCount != 2 || rr.Len() != 1 || rr.At(0).SSRC != 9 {
		t.Fatalf("SR %v %#x %+v %d", err, ssrc, si, rr.Len())
	}
	p, _ = r.Next()
	sd, _ := p.SDES()
	var items []string
	for it, ok := sd.Next(); ok; it, ok = sd.Next() {
		items = append(items, string(rune('0'+it.Type))+"="+string(it.Text))
	}
	if strings.Join(items, ",") != "1=cam@example,>=VC7" {
		t.Errorf("SDES items %q", items)
	}
	if n := testing.AllocsPerRun(100, func() {
		b = s.AppendReport(buf[:0], time.Second, wall, "cam@example", nil)
	}); n != 0 {
		t.Errorf("AppendReport: %v allocs", n)
	}
}
