package sdp

import (
	"errors"
	"testing"
)

func TestParseFingerprint(t *testing.T) {
	for _, c := range []struct {
		in, hash, val string
		note, bad     bool
	}{
		{in: "sha-256 " + fpA, hash: "sha-256", val: fpA},
		{in: "SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB", hash: "sha-1", val: "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB"},
		{in: " SHA-1 4a:ad:b9:b1:3f:82:18:3b:54:02:12:df:3e:5d:49:6b:19:e5:7c:ab", hash: "sha-1", val: "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB", note: true},
		{in: "sha3-256 AB:CD", hash: "sha3-256", val: "AB:CD"}, // unknown hash: any length
		{in: "sha-256 AB:CD", bad: true},
		{in: "sha-256", bad: true},
		{in: "sha-256 " + fpA + " extra", bad: true},
		{in: "sha-256 ABC:DE", bad: true},
		{in: "sha-256 AB::CD", bad: true},
		{in: "sha\"256 AB", bad: true},
	} {
		fp, note, err := parseFingerprint(c.in)
		if (err != nil) != c.bad {
			t.Errorf("%q: err %v", c.in, err)
			continue
		}
		if c.bad {
			if !errors.Is(err, ErrFingerprint) {
				t.Errorf("%q: %v is not ErrFingerprint", c.in, err)
			}
			continue
		}
		if fp.Hash != c.hash || fp.Value != c.val || (note != "") != c.note {
			t.Errorf("%q: %+v note %q", c.in, fp, note)
		}
	}
}

func TestParseDCMap(t *testing.T) {
	u := func(v uint32) *uint32 { return &v }
	for _, c := range []struct {
		in   string
		want DCMap
		note bool
		bad  bool
	}{
		{in: "2 subprotocol=\"CLUE\";ordered=true", want: DCMap{StreamID: 2, Subprotocol: "CLUE", Ordered: true}},
		{in: "0", want: DCMap{StreamID: 0, Ordered: true}},
		{in: "1 subprotocol=\"bfcp\";max-time=60000;priority=512", want: DCMap{StreamID: 1, Subprotocol: "bfcp", Ordered: true, MaxTime: u(60000)}},
		{in: "3 label=\"Label 1\";ordered=false;max-retr=5;priority=128", want: DCMap{StreamID: 3, Label: "Label 1", MaxRetr: u(5)}},
		{in: "4 label=\"foo%09bar\";ordered=true;max-time=15000", want: DCMap{StreamID: 4, Label: "foo\tbar", Ordered: true, MaxTime: u(15000)}},
		{in: "5 label=\"a;b\" ; subprotocol=\"CLUE\"", want: DCMap{StreamID: 5, Label: "a;b", Subprotocol: "CLUE", Ordered: true}},
		{in: "6 ordered=yes", want: DCMap{StreamID: 6, Ordered: true}, note: true},
		{in: "6 x-new=\"1\"", want: DCMap{StreamID: 6, Ordered: true}, note: true},
		{in: "65535", bad: true},
		{in: "123456", bad: true},
		{in: "x", bad: true},
		{in: "1 max-retr=1;max-time=1", bad: true},
		{in: "1 subprotocol=CLUE", bad: true},
		{in: "1 label=\"unterminated", bad: true},
		{in: "1 label=\"a\"b", bad: true},
		{in: "1 ordered", bad: true},
		{in: "1 max-retr=4294967296", bad: true},
		{in: "1 priority=65536", bad: true},
		{in: "1 label=\"x\";label=\"y\"", bad: true},
		{in: "1 label=\"%4\"", bad: true},
	} {
		d, note, err := parseDCMap(c.in)
		if (err != nil) != c.bad {
			t.Errorf("%q: err %v", c.in, err)
			continue
		}
		if c.bad {
			continue
		}
		d.Priority = nil
		if d.StreamID != c.want.StreamID || d.Label != c.want.Label || d.Subprotocol != c.want.Subprotocol ||
			d.Ordered != c.want.Ordered || !equalRetr(d.MaxRetr, c.want.MaxRetr) || !equalRetr(d.MaxTime, c.want.MaxTime) ||
			(note != "") != c.note {
			t.Errorf("%q: got %+v note %q", c.in, d, note)
		}
		// Formatting and parsing again gives the same channel.
		back, _, err := parseDCMap(formatDCMap(&d))
		if err != nil || back.Label != d.Label || back.StreamID != d.StreamID || back.Ordered != d.Ordered {
			t.Errorf("%q: format %q gives %+v, %v", c.in, formatDCMap(&d), back, err)
		}
	}
}

func TestSmallGrammars(t *testing.T) {
	okTLS := []string{"abc3de65cddef001be82", "dGxzaWRfb2ZfdGhlX2JveA+/-_"}
	badTLS := []string{"abc3de65cddef001be8", "abc3de65cddef001be8=", ""}
	for _, v := range okTLS {
		if checkTLSID(v) != nil {
			t.Errorf("tls-id %q rejected", v)
		}
	}
	for _, v := range badTLS {
		if err := checkTLSID(v); !errors.Is(err, ErrTLSID) {
			t.Errorf("tls-id %q accepted", v)
		}
	}
	for in, want := range map[string]Setup{"actpass": SetupActpass, "Active": SetupActive, " passive": SetupPassive, "holdconn": SetupHoldconn} {
		if got, err := parseSetup(in); err != nil || got != want {
			t.Errorf("setup %q = %s, %v", in, got, err)
		}
	}
	if _, err := parseSetup("both"); !errors.Is(err, ErrSetup) {
		t.Error("setup both accepted")
	}
	for in, want := range map[string]uint16{"5000": 5000, " 5000": 5000, "0": 0, "65535": 65535, "05000": 5000} {
		if got, _, err := parseSCTPPort(in); err != nil || got != want {
			t.Errorf("sctp-port %q = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"65536", "-1", "5e3", "", "50 00"} {
		if _, _, err := parseSCTPPort(in); !errors.Is(err, ErrSCTP) {
			t.Errorf("sctp-port %q accepted", in)
		}
	}
	for in, want := range map[string]uint64{"0": 0, "65536": 65536, "18446744073709551615": 1<<64 - 1} {
		if got, _, err := parseMaxMessageSize(in); err != nil || got != want {
			t.Errorf("max-message-size %q = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"18446744073709551616", "1.5", "", "0x10"} {
		if _, _, err := parseMaxMessageSize(in); !errors.Is(err, ErrSCTP) {
			t.Errorf("max-message-size %q accepted", in)
		}
	}
	for in, ok := range map[string]bool{"1 urn:ietf:params:rtp-hdrext:sdes:CaptId": true, "14/sendonly urn:x:y attr 1": true,
		"255 urn:x": true, "4096 urn:x": true, "256 urn:x": false, "0 urn:x": false, "1/both urn:x": false, "1": false, "1 nouri": false} {
		e, err := parseExtMap(in)
		if (err == nil) != ok {
			t.Errorf("extmap %q: %v", in, err)
		}
		if err == nil {
			if back, err := parseExtMap(formatExtMap(&e)); err != nil || back != e {
				t.Errorf("extmap %q round trip %+v %v", in, back, err)
			}
		}
	}
	for in, ok := range map[string]bool{
		"1 1 UDP 2130706431 192.0.2.1 50000 typ host":                                true,
		"a+/b 1 udp 1 2001:db8::1 9 typ relay raddr 0.0.0.0 rport 0 generation 0":    true,
		"1 1 UDP 2130706431 192.0.2.1 50000 host":                                    false,
		"1 0 UDP 1 192.0.2.1 1 typ host":                                             false,
		"1 1 UDP 4294967296 192.0.2.1 1 typ host":                                    false,
		"1 1 UDP 1 192.0.2.1 65536 typ host":                                         false,
		"1 1 UDP 1 192.0.2.1 1 typ host generation":                                  false,
		"123456789012345678901234567890123 1 UDP 1 192.0.2.1 1 typ host":             false,
		"1 1 UDP 1 192.0.2.1 1 typ host raddr 192.0.2.9 rport x":                     false,
		"1 1 UDP 2130706431 192.0.2.1 50000 typ srflx raddr 10.0.0.1 rport 5000 x y": true,
	} {
		c, err := parseCandidate(in)
		if (err == nil) != ok {
			t.Errorf("candidate %q: %v", in, err)
		}
		if err == nil {
			if back, err := parseCandidate(formatCandidate(&c)); err != nil || formatCandidate(&back) != formatCandidate(&c) {
				t.Errorf("candidate %q round trip %v", in, err)
			}
		}
	}
	for in, ok := range map[string]bool{"96 H264/90000": true, "10 L16/44100/2": true, "96 H264": false, "128 X/1": false,
		"96 H264/0": false, "96 H 264/90000": false, "96 L16/8000/0": false} {
		if _, _, _, _, err := parseRtpmap(in); (err == nil) != ok {
			t.Errorf("rtpmap %q: %v", in, err)
		}
	}
	for in, ok := range map[string]bool{"enc1": true, "a.b-c_d~!": true, "": false, "a b": false, "a\"b": false, "é": false} {
		if IsToken(in) != ok {
			t.Errorf("IsToken(%q) != %v", in, ok)
		}
	}
	if q := quote("a\"b%c\td"); q != "\"a%22b%25c%09d\"" {
		t.Errorf("quote = %s", q)
	}
}

func TestDirection(t *testing.T) {
	for _, d := range []Direction{SendRecv, SendOnly, RecvOnly, Inactive} {
		if got, ok := parseDirection(d.String()); !ok || got != d || d.Reverse().Reverse() != d {
			t.Errorf("%s", d)
		}
		if makeDirection(d.Sends(), d.Receives()) != d {
			t.Errorf("makeDirection(%s)", d)
		}
		for _, a := range []Direction{SendRecv, SendOnly, RecvOnly, Inactive} {
			// An answer's direction is valid iff it is within the reverse of
			// the offer's (RFC 3264 §6.1).
			within := (!a.Sends() || d.Receives()) && (!a.Receives() || d.Sends())
			if directionAnswers(d, a) != within {
				t.Errorf("directionAnswers(%s, %s) = %v", d, a, !within)
			}
		}
	}
	if Direction(9).String() != "direction(9)" || Setup(9).String() != "setup(9)" || Class(9).String() != "class(9)" {
		t.Error("String of unknown values")
	}
}
