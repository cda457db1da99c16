package sdp

import (
	"errors"
	"strings"
	"testing"
)

// baseOffer is a valid CLUE offer: m-line 0 audio, 1 video, 2 the data
// channel (mid 2), 3 the encoding enc1 (mid 3); a=group:CLUE 2 3.
func baseOffer(t testing.TB) string {
	l := box("192.0.2.1", 50000, fpA, videoEnc("enc1"))
	return mustOffer(t, l, nil).String()
}

// section edits m-line k's section (-1: the session level) of an SDP.
func section(text string, k int, edit func(string) string) string {
	parts := strings.SplitAfter(text, "\r\n")
	idx := -1
	var out, cur strings.Builder
	flush := func() {
		s := cur.String()
		if idx == k {
			s = edit(s)
		}
		out.WriteString(s)
		cur.Reset()
	}
	for _, p := range parts {
		if strings.HasPrefix(p, "m=") {
			flush()
			idx++
		}
		cur.WriteString(p)
	}
	flush()
	return out.String()
}

func repl(k int, old, new string) func(string) string {
	return func(text string) string {
		return section(text, k, func(s string) string {
			if !strings.Contains(s, old) {
				panic("test: " + old + " not in section")
			}
			return strings.Replace(s, old, new, 1)
		})
	}
}

// appendTo adds lines at the end of a section.
func appendTo(k int, lines string) func(string) string {
	return func(text string) string {
		return section(text, k, func(s string) string { return s + lines })
	}
}

func drop(k int, prefix string) func(string) string {
	return func(text string) string {
		return section(text, k, func(s string) string {
			var b strings.Builder
			for _, l := range strings.SplitAfter(s, "\r\n") {
				if !strings.HasPrefix(l, prefix) {
					b.WriteString(l)
				}
			}
			return b.String()
		})
	}
}

func chain(fs ...func(string) string) func(string) string {
	return func(s string) string {
		for _, f := range fs {
			s = f(s)
		}
		return s
	}
}

// lineOf is the line number of the last line equal to content.
func lineOf(text, content string) int {
	n := -1
	for i, l := range strings.Split(text, "\r\n") {
		if l == content {
			n = i + 1
		}
	}
	return n
}

const secondDC = "m=application 50008 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:4\r\na=setup:actpass\r\n" +
	"a=fingerprint:sha-256 " + fpA + "\r\na=sctp-port:5001\r\na=dcmap:3 subprotocol=\"CLUE\"\r\n"

func TestValidationErrors(t *testing.T) {
	base := baseOffer(t)
	if _, _, err := parseText(t, base, AsOffer); err != nil {
		t.Fatalf("base offer: %v\n%s", err, base)
	}
	cases := []struct {
		name   string
		kind   Kind
		mut    func(string) string
		err    error
		class  Class
		mline  int
		attr   string
		atLine string // the offending line's content; "" when the line is not checked
	}{
		// Syntax (RFC 4566): 400.
		{"not a type=value line", AsOffer, repl(1, "a=sendrecv\r\n", "a=sendrecv\r\ngarbage\r\n"), ErrSyntax, Malformed, -1, "", "garbage"},
		{"unparseable m= port", AsOffer, repl(1, "m=video 50000", "m=video 5x000"), ErrSyntax, Malformed, -1, "", "m=video 5x000 UDP/TLS/RTP/SAVPF 96 26"},
		{"first line not v=0", AsOffer, func(s string) string { return "v=1" + s[3:] }, ErrSyntax, Malformed, -1, "", "v=1"},
		{"no t= line", AsOffer, drop(-1, "t="), ErrSyntax, Malformed, -1, "", ""},
		{"no <fmt>", AsOffer, repl(0, "SAVPF 9 0 8 97", "SAVPF"), ErrSyntax, Malformed, 0, "m=", "m=audio 50000 UDP/TLS/RTP/SAVPF"},

		// Not DTLS-SRTP on CLUE-controlled media: 488 (RFC 8848 §11).
		{"RTP/AVP on a CLUE encoding", AsOffer, repl(3, "UDP/TLS/RTP/SAVPF", "RTP/AVP"), ErrNotDTLSSRTP, NotAcceptable, 3, "m=", "m=video 50000 RTP/AVP 96"},
		{"RTP/SAVP + SDES on a CLUE encoding", AsOffer, chain(repl(3, "UDP/TLS/RTP/SAVPF", "RTP/SAVP"),
			appendTo(3, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n")),
			ErrNotDTLSSRTP, NotAcceptable, 3, "m=", "m=video 50000 RTP/SAVP 96"},

		// The CLUE group (RFC 8848 §4.1, §4.2).
		{"CLUE group without data channel", AsOffer, repl(-1, "a=group:CLUE 2 3", "a=group:CLUE 3"), ErrCLUEGroup, Malformed, -1, "a=group:CLUE", "a=group:CLUE 3"},
		{"CLUE group with two data channels", AsOffer, chain(repl(-1, "a=group:CLUE 2 3", "a=group:CLUE 2 3 4"), appendTo(3, secondDC)),
			ErrCLUEGroup, Malformed, -1, "a=group:CLUE", "a=group:CLUE 2 3 4"},
		{"two CLUE groups", AsOffer, repl(-1, "a=group:CLUE 2 3", "a=group:CLUE 2 3\r\na=group:CLUE 2"), ErrCLUEGroup, NotAcceptable, -1, "a=group:CLUE", "a=group:CLUE 2"},

		// Labels and directions of CLUE-controlled lines (RFC 8848 §4.4).
		{"duplicate a=label", AsOffer, chain(repl(-1, "a=group:CLUE 2 3", "a=group:CLUE 2 3 1"), appendTo(1, "a=label:enc1\r\n"),
			repl(1, "a=sendrecv", "a=sendonly")), ErrLabel, Malformed, 3, "a=label", ""},
		{"encoding without a=label", AsOffer, drop(3, "a=label"), ErrLabel, Malformed, 3, "a=label", "m=video 50000 UDP/TLS/RTP/SAVPF 96"},
		{"label not a token", AsOffer, repl(3, "a=label:enc1", "a=label:enc\"1"), ErrLabel, Malformed, 3, "a=label", "a=label:enc\"1"},
		{"sendrecv CLUE line", AsOffer, repl(3, "a=sendonly", "a=sendrecv"), ErrDirection, Malformed, 3, "a=sendrecv", ""},
		{"two direction attributes", AsOffer, repl(0, "a=sendrecv", "a=sendrecv\r\na=recvonly"), ErrDirection, Malformed, 0, "a=recvonly", "a=recvonly"},

		// a=mid (RFC 5888 §4).
		{"duplicate mid", AsOffer, repl(1, "a=mid:1", "a=mid:0"), ErrMID, Malformed, 1, "a=mid", "a=mid:0"},
		{"mid not a token", AsOffer, repl(1, "a=mid:1", "a=mid:1\"x"), ErrMID, Malformed, 1, "a=mid", "a=mid:1\"x"},

		// DTLS (RFC 4145, RFC 5763, RFC 8122, RFC 8842).
		{"unknown setup", AsOffer, repl(2, "a=setup:actpass", "a=setup:bogus"), ErrSetup, Malformed, 2, "a=setup", "a=setup:bogus"},
		{"holdconn", AsOffer, repl(2, "a=setup:actpass", "a=setup:holdconn"), ErrSetup, NotAcceptable, 2, "a=setup", "a=setup:holdconn"},
		{"actpass in an answer", AsAnswer, func(s string) string { return s }, ErrSetup, Malformed, 0, "a=setup", ""},
		{"fingerprint: wrong length", AsOffer, repl(2, "sha-256 12:DF:3E", "sha-256 3E"), ErrFingerprint, Malformed, 2, "a=fingerprint", ""},
		{"fingerprint: not hex", AsOffer, repl(2, "sha-256 12:DF", "sha-256 1G:DF"), ErrFingerprint, Malformed, 2, "a=fingerprint", ""},
		{"fingerprint: no value", AsOffer, repl(2, "a=fingerprint:sha-256 "+fpA, "a=fingerprint:sha-256"), ErrFingerprint, Malformed, 2, "a=fingerprint", "a=fingerprint:sha-256"},
		{"fingerprint missing", AsOffer, drop(2, "a=fingerprint"), ErrFingerprint, NotAcceptable, 2, "a=fingerprint", "m=application 50000 UDP/DTLS/SCTP webrtc-datachannel"},
		{"only an md5 fingerprint", AsOffer, repl(2, "a=fingerprint:sha-256 "+fpA, "a=fingerprint:md5 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B"),
			ErrFingerprint, NotAcceptable, 2, "a=fingerprint", "a=fingerprint:md5 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B"},
		{"tls-id too short", AsOffer, repl(2, "a=tls-id:dGxzaWRfb2ZfdGhlX2JveA", "a=tls-id:short"), ErrTLSID, Malformed, 2, "a=tls-id", "a=tls-id:short"},
		{"tls-id bad character", AsOffer, repl(2, "a=tls-id:dGxzaWRfb2ZfdGhlX2JveA", "a=tls-id:dGxzaWRfb2ZfdGhlX2Jve*"), ErrTLSID, Malformed, 2, "a=tls-id", "a=tls-id:dGxzaWRfb2ZfdGhlX2Jve*"},

		// ICE (RFC 8839 §5.4).
		{"candidates without ice-ufrag", AsOffer, drop(0, "a=ice-ufrag"), ErrICE, Malformed, 0, "a=ice-ufrag", "m=audio 50000 UDP/TLS/RTP/SAVPF 9 0 8 97"},
		{"ice-ufrag without ice-pwd", AsOffer, chain(drop(1, "a=ice-pwd"), drop(1, "a=candidate")), ErrICE, Malformed, 1, "a=ice-pwd", ""},
		{"ice-ufrag too short", AsOffer, repl(1, "a=ice-ufrag:Zb7q", "a=ice-ufrag:Zb7"), ErrICE, Malformed, 1, "a=ice-ufrag", "a=ice-ufrag:Zb7"},
		{"ice-pwd too short", AsOffer, repl(1, "a=ice-pwd:Kb2uPq9iXo0wQ4mTnS1dVh7y", "a=ice-pwd:Kb2uPq9iXo0w"), ErrICE, Malformed, 1, "a=ice-pwd", "a=ice-pwd:Kb2uPq9iXo0w"},
		{"candidate malformed", AsOffer, repl(1, " typ host", " host"), ErrICE, Malformed, 1, "a=candidate", ""},

		// SCTP (RFC 8841 §5, §6).
		{"sctp-port missing", AsOffer, drop(2, "a=sctp-port"), ErrSCTP, Malformed, 2, "a=sctp-port", "m=application 50000 UDP/DTLS/SCTP webrtc-datachannel"},
		{"sctp-port out of range", AsOffer, repl(2, "a=sctp-port:5000", "a=sctp-port:70000"), ErrSCTP, Malformed, 2, "a=sctp-port", "a=sctp-port:70000"},
		{"max-message-size not a number", AsOffer, repl(2, "a=max-message-size:65536", "a=max-message-size:64K"), ErrSCTP, Malformed, 2, "a=max-message-size", "a=max-message-size:64K"},
		{"max-message-size beyond 2^64-1", AsOffer, repl(2, "a=max-message-size:65536", "a=max-message-size:18446744073709551616"),
			ErrSCTP, Malformed, 2, "a=max-message-size", "a=max-message-size:18446744073709551616"},
		{"max-message-size negative", AsOffer, repl(2, "a=max-message-size:65536", "a=max-message-size:-1"), ErrSCTP, Malformed, 2, "a=max-message-size", "a=max-message-size:-1"},

		// dcmap (RFC 8864 §5.1, §6.2; RFC 8832 §3).
		{"dcmap max-retr and max-time", AsOffer, repl(2, `ordered=true`, `ordered=true;max-retr=3;max-time=100`), ErrDCMap, Malformed, 2, "a=dcmap", ""},
		{"dcmap stream id 65535", AsOffer, repl(2, "a=dcmap:1 ", "a=dcmap:65535 "), ErrDCMap, Malformed, 2, "a=dcmap", ""},
		{"dcmap unquoted subprotocol", AsOffer, repl(2, `subprotocol="CLUE"`, `subprotocol=CLUE`), ErrDCMap, Malformed, 2, "a=dcmap", ""},
		{"dcmap bad escape", AsOffer, repl(2, `subprotocol="CLUE"`, `subprotocol="CL%zUE"`), ErrDCMap, Malformed, 2, "a=dcmap", ""},
		{"dcmap stream id twice", AsOffer, appendTo(2, "a=dcmap:1 subprotocol=\"x\"\r\n"), ErrDCMap, Malformed, 2, "a=dcmap", "a=dcmap:1 subprotocol=\"x\""},

		// extmap (RFC 8285).
		{"extmap ID used twice", AsOffer, appendTo(3, "a=extmap:1 urn:ietf:params:rtp-hdrext:toffset\r\n"), ErrExtMap, Malformed, 3, "a=extmap", "a=extmap:1 urn:ietf:params:rtp-hdrext:toffset"},
		{"extmap ID 0", AsOffer, repl(3, "a=extmap:1 ", "a=extmap:0 "), ErrExtMap, Malformed, 3, "a=extmap", ""},
		{"extmap negotiation range in an answer", AsAnswer, chain(func(s string) string { return strings.ReplaceAll(s, "a=setup:actpass", "a=setup:active") },
			repl(3, "a=extmap:1 ", "a=extmap:4096 ")), ErrExtMap, Malformed, 3, "a=extmap", ""},

		// Payload formats.
		{"payload type out of range", AsOffer, repl(0, "SAVPF 9 0 8 97", "SAVPF 9 0 8 197"), ErrCodec, Malformed, 0, "m=", ""},
		{"rtpmap without clock rate", AsOffer, repl(0, "a=rtpmap:97 L16/16000/1", "a=rtpmap:97 L16"), ErrCodec, Malformed, 0, "a=rtpmap", "a=rtpmap:97 L16"},
		{"two fmtp for one payload type", AsOffer, appendTo(1, "a=fmtp:96 packetization-mode=0\r\n"), ErrCodec, Malformed, 1, "a=fmtp", "a=fmtp:96 packetization-mode=0"},

		// BUNDLE (RFC 9143).
		{"mid in two BUNDLE groups", AsOffer, repl(-1, "a=group:CLUE 2 3", "a=group:CLUE 2 3\r\na=group:BUNDLE 0 1\r\na=group:BUNDLE 1 2"),
			ErrBundle, Malformed, -1, "a=group:BUNDLE", "a=group:BUNDLE 1 2"},
		{"offerer BUNDLE tag bundle-only", AsOffer, chain(repl(-1, "a=group:CLUE 2 3", "a=group:CLUE 2 3\r\na=group:BUNDLE 0 1"),
			appendTo(0, "a=bundle-only\r\n")), ErrBundle, Malformed, -1, "a=group:BUNDLE", "a=group:BUNDLE 0 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := c.mut(base)
			s, err := Parse([]byte(text), &ParseOpts{As: c.kind})
			if err == nil || s != nil {
				t.Fatalf("no error\n%s", text)
			}
			var hit *Error
			for _, e := range errs(err) {
				if errors.Is(e, c.err) {
					hit = e
					break
				}
			}
			if hit == nil {
				t.Fatalf("error %v does not wrap %v", err, c.err)
			}
			if hit.Class != c.class || hit.MLine != c.mline || (c.attr != "" && hit.Attr != c.attr) {
				t.Errorf("got %v (class %s, m-line %d, attr %q), want class %s, m-line %d, attr %q",
					hit, hit.Class, hit.MLine, hit.Attr, c.class, c.mline, c.attr)
			}
			if c.atLine != "" {
				if want := lineOf(text, c.atLine); hit.Line != want {
					t.Errorf("line %d, want %d (%q): %v", hit.Line, want, c.atLine, hit)
				}
			} else if hit.Line == 0 && !errors.Is(hit, ErrSyntax) {
				t.Errorf("no line number: %v", hit)
			}
			if Status(err) != errs(err).Status() || (c.class == Malformed && Status(err) != 400) {
				t.Errorf("Status %d", Status(err))
			}
			if !strings.HasPrefix(hit.Error(), "sdp: ") || hit.Section == "" && !errors.Is(hit, ErrTooLarge) {
				t.Errorf("message %q lacks prefix or section", hit.Error())
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	_, err := Parse([]byte(baseOffer(t)), &ParseOpts{MaxBytes: 100})
	if !errors.Is(err, ErrTooLarge) || Status(err) != 400 {
		t.Fatalf("err = %v", err)
	}
}

// Tolerated deviations: the SDP parses, a warning says why.
func TestValidationWarnings(t *testing.T) {
	base := baseOffer(t)
	cases := []struct {
		name    string
		kind    Kind
		mut     func(string) string
		section string
		substr  string
	}{
		{"sctp-port with space", AsOffer, repl(2, "a=sctp-port:5000", "a=sctp-port: 5000"), "RFC 8841 §5.2", "whitespace"},
		{"sctp-port leading zero", AsOffer, repl(2, "a=sctp-port:5000", "a=sctp-port:05000"), "RFC 8841 §5.2", "leading zero"},
		{"max-message-size leading zero", AsOffer, repl(2, "a=max-message-size:65536", "a=max-message-size:065536"), "RFC 8841 §6.2", "leading zero"},
		{"lower-case fingerprint", AsOffer, repl(2, "sha-256 12:DF", "sha-256 12:df"), "RFC 8122 §5", "lower-case"},
		{"weak fingerprint beside a strong one", AsOffer, appendTo(2, "a=fingerprint:md5 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B\r\n"), "RFC 8122 §5", "too weak"},
		{"setup missing", AsOffer, drop(2, "a=setup"), "RFC 4145 §4", "missing"},
		{"dcmap ordered=maybe", AsOffer, repl(2, "ordered=true", "ordered=maybe"), "RFC 8864 §5.1", "true assumed"},
		{"dcmap unknown parameter", AsOffer, repl(2, "ordered=true", "ordered=true;colour=\"blue\""), "RFC 8864 §5.1", "unknown parameter"},
		{"dcsa without dcmap", AsOffer, appendTo(2, "a=dcsa:7 accept-types:text/plain\r\n"), "RFC 8864 §6.7", "discarded"},
		{"dcsa on the CLUE channel", AsOffer, appendTo(2, "a=dcsa:1 accept-types:text/plain\r\n"), "RFC 8850 §3.3.3", "not used"},
		{"CLUE channel partially reliable", AsOffer, repl(2, "ordered=true", "ordered=true;max-retr=2"), "RFC 8850 §3.2.3", "reliable"},
		{"CLUE channel unordered", AsOffer, repl(2, "ordered=true", "ordered=false"), "RFC 8850 §3.2.3", "ordered"},
		{"no CLUE dcmap", AsOffer, repl(2, `subprotocol="CLUE"`, `subprotocol="bfcp"`), "RFC 8850 §3.3.2", "no a=dcmap"},
		{"odd stream id, offerer active", AsOffer, repl(2, "a=setup:actpass", "a=setup:active"), "RFC 8864 §6.1", "refused"},
		{"even stream id, offerer passive", AsOffer, chain(repl(2, "a=setup:actpass", "a=setup:passive"), repl(2, "a=dcmap:1 ", "a=dcmap:2 ")), "RFC 8864 §6.1", "refused"},
		{"even stream id with actpass", AsOffer, repl(2, "a=dcmap:1 ", "a=dcmap:0 "), "RFC 8864 §6.1", "tolerated"},
		{"group names an unknown mid", AsOffer, repl(-1, "a=group:CLUE 2 3", "a=group:CLUE 2 3 9"), "RFC 5888 §6", "ignored"},
		{"m-line without mid", AsOffer, drop(0, "a=mid"), "RFC 5888 §6", "every a=group line is ignored"},
		{"bundle-only outside BUNDLE", AsOffer, appendTo(1, "a=bundle-only\r\n"), "RFC 9143 §6", "discarded"},
		{"rtpmap for an unlisted type", AsOffer, appendTo(0, "a=rtpmap:120 opus/48000/2\r\n"), "RFC 4566 §6", "not in the m= line"},
		{"dynamic type without rtpmap", AsOffer, repl(0, "SAVPF 9 0 8 97", "SAVPF 9 0 8 97 101"), "RFC 4566 §6", "no a=rtpmap"},
		{"payload type in the RTCP range", AsOffer, chain(repl(0, "SAVPF 9 0 8 97", "SAVPF 9 0 8 72"), repl(0, "a=rtpmap:97", "a=rtpmap:72")), "RFC 5761 §4", "collides"},
		{"SDES crypto", AsOffer, appendTo(0, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"), "RFC 4568", "DTLS only"},
		{"extmap direction against the stream", AsOffer, appendTo(3, "a=extmap:5/recvonly urn:ietf:params:rtp-hdrext:toffset\r\n"), "RFC 8285 §7", "incompatible"},
		{"session tls-id", AsOffer, appendTo(-1, "a=tls-id:dGxzaWRfb2ZfdGhlX2JveA\r\n"), "RFC 8842 §4", "media-level"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := c.mut(base)
			s, ws, err := parseText(t, text, c.kind)
			if err != nil || s == nil {
				t.Fatalf("error %v\n%s", err, text)
			}
			if !hasWarning(ws, c.section, c.substr) {
				t.Errorf("no warning %s %q among %v", c.section, c.substr, ws)
			}
			for _, w := range ws {
				if w.Line == 0 && w.MLine >= 0 && !strings.Contains(w.Msg, "every a=group") {
					t.Errorf("warning without line: %v", w)
				}
			}
		})
	}
}

func TestStatus(t *testing.T) {
	mal := &Error{Class: Malformed, Err: ErrSyntax, MLine: -1}
	na := &Error{Class: NotAcceptable, Err: ErrNotDTLSSRTP, MLine: 2}
	for _, c := range []struct {
		err  error
		want int
	}{
		{Errors{na}, 488}, {Errors{na, mal}, 400}, {mal, 400}, {na, 488},
		{localErr("x"), 500}, {errors.New("other"), 500}, {Errors{}, 500},
	} {
		if got := Status(c.err); got != c.want {
			t.Errorf("Status(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	if na.WarnCode() != 302 || mal.WarnCode() != 306 {
		t.Errorf("warn codes %d %d", na.WarnCode(), mal.WarnCode())
	}
	if got := (Errors{na, mal}).Error(); !strings.Contains(got, "and 1 more") {
		t.Errorf("Errors.Error() = %q", got)
	}
}
