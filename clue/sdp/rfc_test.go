package sdp

import (
	"errors"
	"strings"
	"testing"
)

// The SDP snippets of RFC 8848 §8 and §9 (testdata/rfc, verbatim) carry
// the defects DIGEST §9 lists. These tests pin down exactly which of them
// this package flags and which it tolerates:
//
//	#13 RTP/AVP on CLUE-controlled lines        flagged: ErrNotDTLSSRTP (488)
//	#13 no a=fingerprint / a=tls-id (a=setup)   flagged: ErrFingerprint (488);
//	                                            a missing a=setup is a warning
//	#5  "a=sctp-port: 5000"                     tolerated, warning
//	#15 dcmap:2 offered with actpass            tolerated, warning
//	#14 answers with their own mids             flagged when applying the
//	                                            answer: RFC 5888 §9.1, groups
//	                                            ignored, CLUE not negotiated
//
// RTP/AVP on the ordinary (non-CLUE) video line is valid SDP: Parse accepts
// it; the answerer then rejects that line (the box does DTLS-SRTP only).

// dcLine completes an m-line the RFC elides ("mid 100 represents the CLUE
// data channel, which is not shown").
func dcLine(mid, setup string) string {
	return "m=application 6100 UDP/DTLS/SCTP webrtc-datachannel\r\n" +
		"a=setup:" + setup + "\r\n" +
		"a=fingerprint:sha-256 " + fpB + "\r\n" +
		"a=sctp-port:5000\r\n" +
		"a=dcmap:2 subprotocol=\"CLUE\";ordered=true\r\n" +
		"a=mid:" + mid + "\r\n"
}

// insertAfterMLine puts extra after the section of the m-line with the
// given mid, i.e. where the RFC's "..." hid it.
func insertAfterMLine(text, afterMid, extra string) string {
	lines := strings.SplitAfter(text, "\r\n")
	var b strings.Builder
	inTarget := false
	done := false
	for _, l := range lines {
		if !done && inTarget && strings.HasPrefix(l, "m=") {
			b.WriteString(extra)
			done = true
		}
		if strings.HasPrefix(l, "a=mid:"+afterMid+"\r\n") {
			inTarget = true
		}
		b.WriteString(l)
	}
	if !done {
		b.WriteString(extra)
	}
	return b.String()
}

// repair applies the DIGEST §9 #13 corrections: DTLS-SRTP proto with
// rtcp-mux, and a=setup / a=fingerprint / a=tls-id on every m-line in use.
func repair(text string, setup string) string {
	var b strings.Builder
	lines := strings.SplitAfter(text, "\r\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "a=setup:") || strings.HasPrefix(l, "a=fingerprint:") {
			continue
		}
		if strings.HasPrefix(l, "m=") {
			l = strings.Replace(l, " RTP/AVP ", " "+ProtoSAVPF+" ", 1)
			b.WriteString(l)
			if strings.Fields(l)[1] == "0" {
				continue
			}
			b.WriteString("a=setup:" + setup + "\r\na=fingerprint:sha-256 " + fpA + "\r\n")
			b.WriteString("a=tls-id:cmZjODg0OF9leGFtcGxlX3Rscw\r\n")
			if !strings.HasPrefix(l, "m=application") {
				b.WriteString("a=rtcp-mux\r\n")
			}
			continue
		}
		b.WriteString(l)
	}
	return b.String()
}

type wantErr struct {
	err   error
	mline int
	class Class
}

func checkErrs(t *testing.T, err error, want []wantErr) {
	t.Helper()
	got := errs(err)
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d: %v", len(got), len(want), err)
	}
	for i, w := range want {
		g := got[i]
		if !errors.Is(g, w.err) || g.MLine != w.mline || g.Class != w.class {
			t.Errorf("error %d = %v (m-line %d, %s), want %v at m-line %d (%s)", i, g, g.MLine, g.Class, w.err, w.mline, w.class)
		}
		if g.Line == 0 {
			t.Errorf("error %d has no line number: %v", i, g)
		}
	}
}

func TestRFC8848Section8Invite1(t *testing.T) {
	text := loadRFC(t, "rfc8848-s8-invite1-offer.sdp")
	_, ws, err := parseText(t, text, AsOffer)
	// m-line 0: video (RTP/AVP, not CLUE-controlled: valid); 1: the CLUE
	// data channel without a=fingerprint.
	checkErrs(t, err, []wantErr{{ErrFingerprint, 1, NotAcceptable}})
	if Status(err) != 488 {
		t.Errorf("Status = %d, want 488", Status(err))
	}
	if !hasWarning(ws, "RFC 8841 §5.2", "whitespace") {
		t.Errorf("no warning for \"a=sctp-port: 5000\": %v", ws)
	}
	if !hasWarning(ws, "RFC 8864 §6.1", "tolerated as in RFC 8848 §8") {
		t.Errorf("no warning for the even stream id with actpass: %v", ws)
	}

	// Repaired as DIGEST §9 #13 says, the box answers it: the video line is
	// CLUE-free fallback, the data channel is accepted with the same stream
	// id, the box is DTLS client and so Channel Initiator, like Bob.
	offer, _, err := parseText(t, repair(text, "actpass"), AsOffer)
	if err != nil {
		t.Fatalf("repaired offer: %v", err)
	}
	l := box("192.0.2.20", 50000, fpB)
	ans, n, err := Answer(l, offer, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !n.CLUE || !n.ChannelInitiator() || n.Channel.StreamID != 2 {
		t.Fatalf("CLUE %v, initiator %v, channel %+v", n.CLUE, n.ChannelInitiator(), n.Channel)
	}
	if g := ans.Group(SemCLUE); g == nil || strings.Join(g.MIDs, " ") != "3" {
		t.Errorf("answer CLUE group %v, want [3]", g)
	}
	if ans.Media[0].MID != "2" || ans.Media[1].MID != "3" {
		t.Errorf("mids not echoed: %s", ans)
	}
	// The example offers H.264 without packetization-mode, i.e. mode 0
	// (RFC 6184 §8.1); the box's encoder packetizes in mode 1 only, and the
	// mode is not negotiable (§8.2.2): the fallback video line is refused.
	if ans.Media[0].Port != 0 || !strings.Contains(n.Streams[0].Reason, "codec") {
		t.Errorf("video line: port %d reason %q", ans.Media[0].Port, n.Streams[0].Reason)
	}
	l.Fallback[1].Codecs = append(l.Fallback[1].Codecs, mode0())
	ans, _, err = Answer(l, offer, nil)
	if err != nil || ans.Media[0].Port == 0 || ans.Media[0].Direction != SendRecv ||
		ans.Media[0].RTP.Codecs[0].Fmtp != "profile-level-id=42e016;packetization-mode=0" {
		t.Errorf("with a mode-0 codec: %v\n%s", err, ans)
	}
}

// mode0 is H.264 constrained baseline in packetization mode 0, what the
// RFC 8848 examples offer.
func mode0() Codec {
	return Codec{PT: 96, Name: "H264", ClockRate: 90000, Fmtp: "profile-level-id=42e01f"}
}

func TestRFC8848Section8Invite2AndAnswer(t *testing.T) {
	text := loadRFC(t, "rfc8848-s8-invite2-offer.sdp")
	_, ws, err := parseText(t, text, AsOffer)
	// m-lines: 0 video, 1 data channel, 2..4 enc1..enc3 (RTP/AVP).
	checkErrs(t, err, []wantErr{
		{ErrFingerprint, 1, NotAcceptable},
		{ErrNotDTLSSRTP, 2, NotAcceptable}, {ErrNotDTLSSRTP, 3, NotAcceptable}, {ErrNotDTLSSRTP, 4, NotAcceptable},
	})
	for _, e := range errs(err) {
		if errors.Is(e, ErrNotDTLSSRTP) && e.WarnCode() != 302 {
			t.Errorf("WarnCode = %d, want 302", e.WarnCode())
		}
	}
	if !hasWarning(ws, "RFC 4145 §4", "default for an offer (active)") {
		t.Errorf("no warning for the data channel without a=setup: %v", ws)
	}

	offer, _, err := parseText(t, repair(text, "actpass"), AsOffer)
	if err != nil {
		t.Fatalf("repaired offer: %v", err)
	}
	if got := strings.Join(offer.EncodingLabels(), ","); got != "enc1,enc2,enc3" {
		t.Errorf("EncodingLabels = %s", got)
	}
	// Bob configures enc1 and enc2: he answers recvonly for those and
	// inactive for enc3 (RFC 8848 §4.5.2.2), echoing Alice's mids (DIGEST
	// §9 #14), unlike the RFC's snippet.
	bob := box("192.0.2.30", 58722, fpB)
	bob.Fallback[1].Codecs = []Codec{mode0()}
	bob.Receive = []Receive{
		{Label: "enc1", Type: Video, Codecs: []Codec{H264(96, "42e016", "")}},
		{Label: "enc2", Type: Video, Codecs: []Codec{H264(96, "42e016", "")}},
	}
	bob.Receive[0].Codecs[0].Fmtp = "profile-level-id=42e016" // mode 0, as offered
	bob.Receive[1].Codecs[0].Fmtp = "profile-level-id=42e016"
	ans, n, err := Answer(bob, offer, nil)
	if err != nil {
		t.Fatal(err)
	}
	dirs := []Direction{SendRecv, SendRecv, RecvOnly, RecvOnly, Inactive}
	for i, d := range dirs {
		if i == 1 {
			continue
		}
		if ans.Media[i].Direction != d || ans.Media[i].Port == 0 {
			t.Errorf("m-line %d: %s port %d, want %s", i, ans.Media[i].Direction, ans.Media[i].Port, d)
		}
	}
	if g := ans.Group(SemCLUE); g == nil || strings.Join(g.MIDs, " ") != "3 4 5 6" {
		t.Errorf("answer CLUE group %v, want 3 4 5 6", g)
	}
	if n.Streams[2].RemoteLabel != "enc1" || n.Streams[3].RemoteLabel != "enc2" || n.Streams[4].Direction != Inactive {
		t.Errorf("streams %+v", n.Streams)
	}

	// Bob's answer as RFC 8848 shows it, completed with the data channel it
	// elides ("mid 100 ... not shown"), between video 10 and the new lines.
	atext := insertAfterMLine(loadRFC(t, "rfc8848-s8-ok2-answer.sdp"), "10", dcLine("100", "active"))
	_, _, err = parseText(t, atext, AsAnswer)
	checkErrs(t, err, []wantErr{
		{ErrNotDTLSSRTP, 2, NotAcceptable}, {ErrNotDTLSSRTP, 3, NotAcceptable}, {ErrNotDTLSSRTP, 4, NotAcceptable},
	})
	repaired, _, err := parseText(t, repair(atext, "active"), AsAnswer)
	if err != nil {
		t.Fatalf("repaired answer: %v", err)
	}
	alice := box("192.0.2.1", 6002, fpA, videoEnc("enc1"), videoEnc("enc2"), videoEnc("enc3"))
	neg, err := ApplyAnswer(alice, offer, repaired)
	if err != nil {
		t.Fatal(err)
	}
	if neg.CLUE {
		t.Error("CLUE negotiated although the answer changed every mid (RFC 5888 §9.1)")
	}
	if !hasWarning(neg.Warnings, "RFC 5888 §9.1", "changes mids") {
		t.Errorf("no RFC 5888 §9.1 warning: %v", neg.Warnings)
	}

	// With the mids echoed, the same answer negotiates CLUE and enc1/enc2.
	fixed := atext
	for _, p := range [][2]string{{"mid:10\r", "mid:2\r"}, {"mid:100\r", "mid:3\r"}, {"mid:11\r", "mid:4\r"},
		{"mid:12\r", "mid:5\r"}, {"mid:13\r", "mid:6\r"}, {"CLUE 11 12 13 100", "CLUE 3 4 5 6"}} {
		fixed = strings.Replace(fixed, p[0], p[1], 1)
	}
	echo, _, err := parseText(t, repair(fixed, "active"), AsAnswer)
	if err != nil {
		t.Fatal(err)
	}
	neg, err = ApplyAnswer(alice, offer, echo)
	if err != nil {
		t.Fatal(err)
	}
	if !neg.CLUE || neg.DTLSClient || neg.ChannelInitiator() {
		t.Errorf("CLUE %v DTLSClient %v", neg.CLUE, neg.DTLSClient)
	}
}

func TestRFC8848Section8Invite3AndAnswer(t *testing.T) {
	// Bob's re-offer; the data channel (mid 100) is elided in the RFC.
	text := insertAfterMLine(loadRFC(t, "rfc8848-s8-invite3-offer.sdp"), "10", dcLine("100", "actpass"))
	_, _, err := parseText(t, text, AsOffer)
	// m-lines: 0 video 10, 1 dc 100, 2 (11), 3 (12), 4 (13, port 0), 5 foo, 6 bar.
	checkErrs(t, err, []wantErr{
		{ErrNotDTLSSRTP, 2, NotAcceptable}, {ErrNotDTLSSRTP, 3, NotAcceptable},
		{ErrNotDTLSSRTP, 5, NotAcceptable}, {ErrNotDTLSSRTP, 6, NotAcceptable},
	})
	offer, _, err := parseText(t, repair(text, "actpass"), AsOffer)
	if err != nil {
		t.Fatal(err)
	}
	// Alice answers: her encodings on Bob's recvonly lines, recvonly for
	// foo and bar, port 0 stays 0.
	alice := box("192.0.2.1", 6002, fpA, videoEnc("enc1"), videoEnc("enc2"), videoEnc("enc3"))
	alice.Fallback[1].Codecs = []Codec{mode0()}
	for i := range alice.Encodings {
		alice.Encodings[i].Codecs = []Codec{{PT: 96, Name: "H264", ClockRate: 90000, Fmtp: "profile-level-id=42e016"}}
	}
	rx := Codec{PT: 96, Name: "H264", ClockRate: 90000, Fmtp: "profile-level-id=42e016"}
	alice.Receive = []Receive{{Label: "foo", Type: Video, Codecs: []Codec{rx}}, {Label: "bar", Type: Video, Codecs: []Codec{rx}}}
	ans, n, err := Answer(alice, offer, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		port  bool
		dir   Direction
		label string
	}{{true, SendRecv, ""}, {true, SendRecv, ""}, {true, SendOnly, "enc1"}, {true, SendOnly, "enc2"}, {false, Inactive, ""},
		{true, RecvOnly, ""}, {true, RecvOnly, ""}}
	for i, w := range want {
		m := ans.Media[i]
		if (m.Port != 0) != w.port || (w.port && m.Direction != w.dir) || m.Label != w.label {
			t.Errorf("m-line %d: port %d %s label %q, want %+v", i, m.Port, m.Direction, m.Label, w)
		}
	}
	if g := ans.Group(SemCLUE); g == nil || strings.Join(g.MIDs, " ") != "100 11 12 14 15" {
		t.Errorf("answer CLUE group %v", g)
	}
	if n.Streams[5].RemoteLabel != "foo" || n.Streams[6].RemoteLabel != "bar" || !n.CanSend("enc2") || n.CanSend("enc3") {
		t.Errorf("streams %+v", n.Streams)
	}

	// Alice's answer as printed, completed with her data channel (mid 3).
	atext := insertAfterMLine(loadRFC(t, "rfc8848-s8-ok3-answer.sdp"), "2", dcLine("3", "passive"))
	_, _, err = parseText(t, atext, AsAnswer)
	checkErrs(t, err, []wantErr{
		{ErrNotDTLSSRTP, 2, NotAcceptable}, {ErrNotDTLSSRTP, 3, NotAcceptable},
		{ErrNotDTLSSRTP, 5, NotAcceptable}, {ErrNotDTLSSRTP, 6, NotAcceptable},
	})
	rep, _, err := parseText(t, repair(atext, "passive"), AsAnswer)
	if err != nil {
		t.Fatal(err)
	}
	bob := box("192.0.2.30", 58722, fpB)
	neg, err := ApplyAnswer(bob, offer, rep)
	if err != nil {
		t.Fatal(err)
	}
	if neg.CLUE || !hasWarning(neg.Warnings, "RFC 5888 §9.1", "") {
		t.Errorf("CLUE %v, warnings %v", neg.CLUE, neg.Warnings)
	}
}

func TestRFC8848Section9(t *testing.T) {
	text := loadRFC(t, "rfc8848-s9-invite1-offer.sdp")
	_, ws, err := parseText(t, text, AsOffer)
	checkErrs(t, err, []wantErr{{ErrFingerprint, 1, NotAcceptable}})
	if !hasWarning(ws, "RFC 8841 §5.2", "whitespace") || !hasWarning(ws, "RFC 4145 §4", "missing") {
		t.Errorf("warnings %v", ws)
	}
	// Bob does not do CLUE: audio/video accepted, the data channel zeroed,
	// no CLUE group; Alice sees a plain call.
	offer, _, err := parseText(t, repair(text, "actpass"), AsOffer)
	if err != nil {
		t.Fatal(err)
	}
	bob := box("192.0.2.30", 40000, fpB)
	bob.Fallback[1].Codecs = []Codec{mode0()}
	bob.DataChannel = nil
	ans, _, err := Answer(bob, offer, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Media[1].Port != 0 || ans.Group(SemCLUE) != nil || ans.Media[0].Port == 0 {
		t.Fatalf("answer:\n%s", ans)
	}
	alice := box("192.0.2.1", 6002, fpA)
	neg, err := ApplyAnswer(alice, offer, mustWire(t, ans, AsAnswer))
	if err != nil {
		t.Fatal(err)
	}
	if neg.CLUE || !neg.Streams[0].Active || neg.Streams[1].Active {
		t.Errorf("CLUE %v streams %+v", neg.CLUE, neg.Streams)
	}
}

func mustWire(t testing.TB, s *Session, k Kind) *Session {
	t.Helper()
	p, _ := wire(t, s, k)
	return p
}

func TestRFC8850DataChannelExample(t *testing.T) {
	_, ws, err := parseText(t, loadRFC(t, "rfc8850-s3.3.4-datachannel.sdp"), AsOffer)
	// The figure shows only the CLUE-specific lines: no a=fingerprint.
	checkErrs(t, err, []wantErr{{ErrFingerprint, 0, NotAcceptable}})
	if !hasWarning(ws, "RFC 8841 §5.2", "whitespace") {
		t.Errorf("warnings %v", ws)
	}
}

func TestRFC8841Example(t *testing.T) {
	offer, ws, err := parseText(t, loadRFC(t, "rfc8841-s13.1-offer.sdp"), AsOffer)
	if err != nil {
		t.Fatal(err)
	}
	m := offer.Media[0]
	if m.Addr != "2001:DB8::A8FD" || m.SCTP.Port != 5000 || *m.SCTP.MaxMessageSize != 100000 ||
		m.DTLS.Fingerprints[0].Hash != "sha-256" || m.DTLS.Setup != SetupActpass || m.DTLS.TLSID != "abc3de65cddef001be82" {
		t.Errorf("offer %+v", m)
	}
	if len(ws) != 0 {
		t.Errorf("warnings %v", ws)
	}
	answer, _, err := parseText(t, loadRFC(t, "rfc8841-s13.1-answer.sdp"), AsAnswer)
	if err != nil {
		t.Fatal(err)
	}
	n, err := ApplyAnswer(box("2001:db8::a8fd", 54111, fpA), offer, answer)
	if err != nil {
		t.Fatal(err)
	}
	// The answerer took the server role: the offerer is DTLS client. No
	// CLUE group, no dcmap: no CLUE.
	if !n.DTLSClient || n.CLUE {
		t.Errorf("DTLSClient %v CLUE %v", n.DTLSClient, n.CLUE)
	}
	// A data channel offered without a CLUE group is not negotiated for
	// CLUE (RFC 8848 §4.5.2.1); with nothing else offered, the box has
	// nothing to accept.
	_, _, err = Answer(box("2001:db8::1d", 64300, fpB), offer, nil)
	if !errors.Is(err, ErrNoMedia) || Status(err) != 488 {
		t.Errorf("Answer = %v", err)
	}
}

func TestRFC8864Example(t *testing.T) {
	offer, ws, err := parseText(t, loadRFC(t, "rfc8864-s7-fig2-offer.sdp"), AsOffer)
	if err != nil {
		t.Fatal(err)
	}
	chs := offer.Media[0].SCTP.Channels
	if len(chs) != 2 || chs[0].Subprotocol != "bfcp" || chs[1].Label != "msrp" || len(chs[1].DCSA) != 2 ||
		chs[1].DCSA[1] != "path:msrp://alice.example.com:10001/2s93i93idj;dc" || !chs[0].Ordered {
		t.Errorf("channels %+v", chs)
	}
	if len(ws) != 0 {
		t.Errorf("warnings %v", ws)
	}
	if _, _, err := parseText(t, loadRFC(t, "rfc8864-s7-fig2-answer.sdp"), AsAnswer); err != nil {
		t.Fatal(err)
	}
}

func TestRFC9143Example(t *testing.T) {
	offer, _, err := parseText(t, loadRFC(t, "rfc9143-s7.2.2-offer.sdp"), AsOffer)
	if err != nil {
		t.Fatal(err)
	}
	if g := offer.Group(SemBundle); g == nil || strings.Join(g.MIDs, " ") != "foo bar" {
		t.Fatalf("BUNDLE group %v", g)
	}
	// RTP/AVP everywhere: nothing for the box (488, Warning 302).
	_, _, err = Answer(box("2001:db8::1", 20000, fpB), offer, nil)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrNotDTLSSRTP) || e.Status() != 488 || e.WarnCode() != 302 {
		t.Errorf("Answer = %v", err)
	}
	answer, _, err := parseText(t, loadRFC(t, "rfc9143-s7.3.4-answer.sdp"), AsAnswer)
	if err != nil {
		t.Fatal(err)
	}
	n, err := ApplyAnswer(box("2001:db8::3", 10000, fpA), offer, answer)
	if err != nil {
		t.Fatal(err)
	}
	if n.Bundle == nil || n.Bundle.Tag != "foo" || n.Streams[1].Remote.Port != 20000 || !n.Streams[1].Remote.RTCPMux {
		t.Errorf("bundle %+v streams %+v", n.Bundle, n.Streams)
	}
}
