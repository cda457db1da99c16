package transport

import "testing"

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		want Class
	}{
		{nil, ClassUnknown},
		{[]byte{0x00, 0x01}, ClassSTUN}, // Binding request
		{[]byte{0x01, 0x01}, ClassSTUN}, // Binding success
		{[]byte{3}, ClassSTUN},
		{[]byte{4}, ClassUnknown},
		{[]byte{16}, ClassZRTP},
		{[]byte{19}, ClassZRTP},
		{[]byte{20}, ClassDTLS},             // change_cipher_spec
		{[]byte{22, 0xfe, 0xfd}, ClassDTLS}, // handshake
		{[]byte{23}, ClassDTLS},             // application data
		{[]byte{63}, ClassDTLS},
		{[]byte{64}, ClassTURN},
		{[]byte{79}, ClassTURN},
		{[]byte{80}, ClassUnknown},
		{[]byte{127, 0}, ClassUnknown},
		{[]byte{0x80}, ClassUnknown}, // too short to tell RTP from RTCP
		{[]byte{0x80, 96}, ClassRTP},
		{[]byte{0x80, 96 | 0x80}, ClassRTP}, // marker set, PT 96
		{[]byte{0x80, 200}, ClassRTCP},      // SR
		{[]byte{0x81, 201}, ClassRTCP},      // RR
		{[]byte{0x8f, 206}, ClassRTCP},      // PSFB
		{[]byte{0x80, 192}, ClassRTCP},
		{[]byte{0x80, 223}, ClassRTCP},
		{[]byte{0x80, 224}, ClassRTP},
		{[]byte{0xbf, 0}, ClassRTP},
		{[]byte{0xc0, 0}, ClassUnknown},
		{[]byte{0xff}, ClassUnknown},
	} {
		if got := Classify(tc.b); got != tc.want {
			t.Errorf("Classify(% x) = %v, want %v", tc.b, got, tc.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { Classify([]byte{0x80, 96}) }); n != 0 {
		t.Errorf("Classify allocates %v", n)
	}
}

// FuzzClassify: never panics, and agrees with the RFC 7983 first-byte ranges.
func FuzzClassify(f *testing.F) {
	for _, s := range [][]byte{{}, {0}, {22, 254, 253}, {0x80, 96}, {0x80, 200}, {64, 0}, {17}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := Classify(b)
		if len(b) == 0 {
			if c != ClassUnknown {
				t.Fatal("empty datagram classified")
			}
			return
		}
		var want []Class
		switch x := b[0]; {
		case x <= 3:
			want = []Class{ClassSTUN}
		case x >= 16 && x <= 19:
			want = []Class{ClassZRTP}
		case x >= 20 && x <= 63:
			want = []Class{ClassDTLS}
		case x >= 64 && x <= 79:
			want = []Class{ClassTURN}
		case x >= 128 && x <= 191:
			want = []Class{ClassRTP, ClassRTCP, ClassUnknown}
		default:
			want = []Class{ClassUnknown}
		}
		for _, w := range want {
			if c == w {
				return
			}
		}
		t.Fatalf("Classify(% x) = %v", b, c)
	})
}
