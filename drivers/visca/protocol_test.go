package visca

import (
	"bytes"
	"errors"
	"testing"
)

func TestCommandEncoding(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []byte
		want []byte
	}{
		{"abs", PanTiltAbsolute(1, 0x18, 0x14, 0x0990, -0x01b0), []byte{0x81, 0x01, 0x06, 0x02, 0x18, 0x14, 0x00, 0x09, 0x09, 0x00, 0x0F, 0x0E, 0x05, 0x00, 0xFF}},
		{"abs speeds clamped", PanTiltAbsolute(2, 0, 0xFF, 0, 1), []byte{0x82, 0x01, 0x06, 0x02, 0x01, 0x17, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF}},
		{"rel", PanTiltRelative(1, 5, 6, -1, 16), []byte{0x81, 0x01, 0x06, 0x03, 0x05, 0x06, 0x0F, 0x0F, 0x0F, 0x0F, 0x00, 0x00, 0x01, 0x00, 0xFF}},
		{"stop", PanTiltStop(1, 0x18, 0x17), []byte{0x81, 0x01, 0x06, 0x01, 0x18, 0x17, 0x03, 0x03, 0xFF}},
		{"home", PanTiltHome(7), []byte{0x87, 0x01, 0x06, 0x04, 0xFF}},
		{"zoom direct", ZoomDirect(1, 0x4000), []byte{0x81, 0x01, 0x04, 0x47, 0x04, 0x00, 0x00, 0x00, 0xFF}},
		{"zoom stop", ZoomStop(1), []byte{0x81, 0x01, 0x04, 0x07, 0x00, 0xFF}},
		{"memory set", Memory(1, MemorySet, 5), []byte{0x81, 0x01, 0x04, 0x3F, 0x01, 0x05, 0xFF}},
		{"memory recall", Memory(1, MemoryRecall, 0x7F), []byte{0x81, 0x01, 0x04, 0x3F, 0x02, 0x7F, 0xFF}},
		{"memory reset", Memory(3, MemoryReset, 0), []byte{0x83, 0x01, 0x04, 0x3F, 0x00, 0x00, 0xFF}},
		{"cancel", Cancel(1, 2), []byte{0x81, 0x22, 0xFF}},
		{"if clear", IfClear(), []byte{0x88, 0x01, 0x00, 0x01, 0xFF}},
		{"pt inq", PanTiltPosInq(1), []byte{0x81, 0x09, 0x06, 0x12, 0xFF}},
		{"zoom inq", ZoomPosInq(1), []byte{0x81, 0x09, 0x04, 0x47, 0xFF}},
	} {
		if !bytes.Equal(tc.got, tc.want) {
			t.Errorf("%s: % x, want % x", tc.name, tc.got, tc.want)
		}
	}
	if !IsInquiry(PanTiltPosInq(1)) || IsInquiry(PanTiltHome(1)) {
		t.Error("IsInquiry")
	}
}

func TestParseReply(t *testing.T) {
	for _, tc := range []struct {
		in      []byte
		want    Reply
		wantErr error // of ParseReply
	}{
		{in: []byte{0x90, 0x41, 0xFF}, want: Reply{Addr: 1, Kind: ReplyAck, Socket: 1}},
		{in: []byte{0xA0, 0x52, 0xFF}, want: Reply{Addr: 2, Kind: ReplyCompletion, Socket: 2}},
		{in: []byte{0x90, 0x50, 0x00, 0x09, 0x09, 0x00, 0x0F, 0x0E, 0x05, 0x00, 0xFF}, want: Reply{Addr: 1, Kind: ReplyCompletion, Data: []byte{0, 9, 9, 0, 0xF, 0xE, 5, 0}}},
		{in: []byte{0x90, 0x60, 0x01, 0xFF}, want: Reply{Addr: 1, Kind: ReplyError, Err: ErrMessageLength}},
		{in: []byte{0x90, 0x60, 0x02, 0xFF}, want: Reply{Addr: 1, Kind: ReplyError, Err: ErrSyntax}},
		{in: []byte{0x90, 0x60, 0x03, 0xFF}, want: Reply{Addr: 1, Kind: ReplyError, Err: ErrBufferFull}},
		{in: []byte{0x90, 0x61, 0x04, 0xFF}, want: Reply{Addr: 1, Kind: ReplyError, Socket: 1, Err: ErrCancelled}},
		{in: []byte{0x90, 0x62, 0x05, 0xFF}, want: Reply{Addr: 1, Kind: ReplyError, Socket: 2, Err: ErrNoSocket}},
		{in: []byte{0x90, 0x61, 0x41, 0xFF}, want: Reply{Addr: 1, Kind: ReplyError, Socket: 1, Err: ErrNotExecutable}},
		{in: []byte{0x90, 0x61, 0x7A, 0xFF}, want: Reply{Addr: 1, Kind: ReplyError, Socket: 1, Err: ErrCamera}},
		{in: []byte{0x90, 0x41}, wantErr: ErrBadReply},
		{in: []byte{0x90, 0x41, 0xFE}, wantErr: ErrBadReply},
		{in: []byte{0x81, 0x41, 0xFF}, wantErr: ErrBadReply},       // a command, not a reply
		{in: []byte{0x91, 0x41, 0xFF}, wantErr: ErrBadReply},       // low nibble set
		{in: []byte{0x90, 0x41, 0x00, 0xFF}, wantErr: ErrBadReply}, // ack with data
		{in: []byte{0x90, 0x60, 0xFF}, wantErr: ErrBadReply},       // error without code
		{in: []byte{0x90, 0x70, 0xFF}, wantErr: ErrBadReply},       // unknown type
		{in: []byte{0x90, 0x50, 0xFF, 0xFF}, wantErr: ErrBadReply}, // terminator inside
		{in: append([]byte{0x90, 0x50}, make([]byte, 15)...), wantErr: ErrBadReply},
	} {
		got, err := ParseReply(tc.in)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("% x: error %v, want %v", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("% x: %v", tc.in, err)
			continue
		}
		if got.Addr != tc.want.Addr || got.Kind != tc.want.Kind || got.Socket != tc.want.Socket || !bytes.Equal(got.Data, tc.want.Data) || !errors.Is(got.Err, tc.want.Err) {
			t.Errorf("% x: %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestPositionDecoding(t *testing.T) {
	pan, tilt, err := PanTiltPosition([]byte{0x0F, 0x06, 0x07, 0x00, 0x00, 0x00, 0x09, 0x00})
	if err != nil || pan != -0x0990 || tilt != 0x90 {
		t.Errorf("pan %d tilt %d %v", pan, tilt, err)
	}
	if _, _, err := PanTiltPosition([]byte{0x10, 0, 0, 0, 0, 0, 0, 0}); !errors.Is(err, ErrBadReply) {
		t.Errorf("nibble > 0x0F: %v", err)
	}
	if _, _, err := PanTiltPosition([]byte{0, 0}); !errors.Is(err, ErrBadReply) {
		t.Errorf("short: %v", err)
	}
	z, err := ZoomPosition([]byte{4, 0, 0, 0})
	if err != nil || z != 0x4000 {
		t.Errorf("zoom %#x %v", z, err)
	}
	if _, err := ZoomPosition([]byte{4, 0, 0}); !errors.Is(err, ErrBadReply) {
		t.Errorf("short zoom: %v", err)
	}
}

func TestIPHeader(t *testing.T) {
	b := AppendIPHeader(nil, TypeInquiry, 5, 0x01020304)
	if want := []byte{0x01, 0x10, 0x00, 0x05, 0x01, 0x02, 0x03, 0x04}; !bytes.Equal(b, want) {
		t.Fatalf("% x", b)
	}
	b = append(b, PanTiltPosInq(1)...)
	typ, seq, p, err := ParseIPHeader(b)
	if err != nil || typ != TypeInquiry || seq != 0x01020304 || !bytes.Equal(p, PanTiltPosInq(1)) {
		t.Errorf("%x %x % x %v", typ, seq, p, err)
	}
	if _, _, _, err := ParseIPHeader(b[:10]); !errors.Is(err, ErrBadReply) {
		t.Errorf("length mismatch: %v", err)
	}
	if _, _, _, err := ParseIPHeader(b[:7]); !errors.Is(err, ErrBadReply) {
		t.Errorf("short: %v", err)
	}
}

func TestSerialFraming(t *testing.T) {
	in := bytes.NewBuffer([]byte{0x90, 0x41, 0xFF})
	in.Write(bytes.Repeat([]byte{0x01}, 20))
	in.Write([]byte{0xFF, 0x90, 0x51, 0xFF})
	s := NewSerial(struct {
		*bytes.Buffer
	}{in})
	buf := make([]byte, MaxMessage)
	if n, err := s.ReadMessage(buf); err != nil || !bytes.Equal(buf[:n], []byte{0x90, 0x41, 0xFF}) {
		t.Fatalf("% x %v", buf[:n], err)
	}
	if _, err := s.ReadMessage(buf); !errors.Is(err, ErrBadReply) {
		t.Fatalf("overlong: %v", err)
	}
	if n, err := s.ReadMessage(buf); err != nil || !bytes.Equal(buf[:n], []byte{0x90, 0x51, 0xFF}) {
		t.Fatalf("after resync: % x %v", buf[:n], err)
	}
}

func FuzzParseReply(f *testing.F) {
	for _, s := range [][]byte{
		{0x90, 0x41, 0xFF}, {0x90, 0x51, 0xFF}, {0x90, 0x60, 0x02, 0xFF}, {0x90, 0x61, 0x41, 0xFF},
		{0x90, 0x50, 0, 9, 9, 0, 0xF, 0xE, 5, 0, 0xFF}, {0x90, 0x50, 4, 0, 0, 0, 0xFF}, {}, {0xFF}, {0x90},
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// Parse a copy with no spare capacity, so a read past the input
		// would panic with an index error.
		in := append(make([]byte, 0, len(b)), b...)
		r, err := ParseReply(in[:len(in):len(in)])
		if err != nil {
			return
		}
		if len(r.Data) > 0 {
			PanTiltPosition(r.Data)
			ZoomPosition(r.Data)
			if &r.Data[len(r.Data)-1] != &in[len(in)-2] {
				t.Fatalf("data is not a sub-slice ending before the terminator")
			}
		}
		if r.Kind == ReplyError && r.Err == nil {
			t.Fatal("error reply without error")
		}
	})
}
