package sdp

import (
	"errors"
	"strings"
	"testing"
)

// exchange runs one offer/answer over the wire (marshal + Parse both ways)
// and returns both sides' negotiations.
func exchange(t *testing.T, offerer, answerer *Local, curO, curA *Negotiation) (o, a *Session, nO, nA *Negotiation) {
	t.Helper()
	o = mustOffer(t, offerer, curO)
	po, _ := wire(t, o, AsOffer)
	a, nA, err := Answer(answerer, po, curA)
	if err != nil {
		t.Fatalf("Answer: %v\noffer:\n%s", err, o)
	}
	pa, _ := wire(t, a, AsAnswer)
	nO, err = ApplyAnswer(offerer, o, pa)
	if err != nil {
		t.Fatalf("ApplyAnswer: %v\noffer:\n%s\nanswer:\n%s", err, o, a)
	}
	return o, a, nO, nA
}

func TestOfferToCLUEPeer(t *testing.T) {
	b := box("192.0.2.10", 50000, fpA)
	p := peer("198.51.100.7", 40000)
	o, a, nB, nP := exchange(t, b, p, nil, nil)

	// RFC 8848 §4.5.1: the initial offer has the data channel in the CLUE
	// group and no CLUE-controlled media; RFC 8842 §5.2: actpass, tls-id.
	if g := o.Group(SemCLUE); g == nil || len(g.MIDs) != 1 || g.MIDs[0] != "2" {
		t.Errorf("offer CLUE group %v", g)
	}
	if dc := o.Media[2]; dc.DTLS.Setup != SetupActpass || dc.DTLS.TLSID == "" || dc.SCTP.Channels[0].StreamID != 1 {
		t.Errorf("offer data channel %+v", dc)
	}
	// The peer answers active (RFC 5763 §5): it is DTLS client and CLUE
	// Channel Initiator; the box is server and Channel Receiver.
	if a.Media[2].DTLS.Setup != SetupActive || !nP.ChannelInitiator() || nB.ChannelInitiator() || nB.DTLSClient {
		t.Errorf("roles: answer %s, peer CI %v, box CI %v", a.Media[2].DTLS.Setup, nP.ChannelInitiator(), nB.ChannelInitiator())
	}
	for _, n := range []*Negotiation{nB, nP} {
		if !n.CLUE || n.Channel == nil || n.Channel.StreamID != 1 || n.Channel.RemoteMaxMessageSize != 65536 {
			t.Fatalf("CLUE %v channel %+v", n.CLUE, n.Channel)
		}
		for i, st := range n.Streams {
			if !st.Active || st.CLUE {
				t.Errorf("stream %d: %+v", i, st)
			}
		}
	}
	if nB.Channel.Remote.Addr != "198.51.100.7" || nB.Channel.Remote.Port != 40000 || nB.Channel.RemoteSCTPPort != 5000 ||
		nB.Channel.Remote.DTLS.Fingerprints[0].Value != fpB || nB.Channel.Remote.ICE.Ufrag != "pEeR" {
		t.Errorf("remote transport %+v", nB.Channel.Remote)
	}
	v := nB.Streams[1]
	if v.Direction != SendRecv || v.Codecs[0].Name != "H264" || v.Codecs[0].PT != 96 || len(v.Codecs[0].FB) != 5 {
		t.Errorf("video stream %+v", v)
	}
	if au := nB.Streams[0]; au.Codecs[0].Name != "G722" || len(au.Codecs) != 4 {
		t.Errorf("audio stream %+v", au)
	}
}

func TestReofferWithEncodings(t *testing.T) {
	b := box("192.0.2.10", 50000, fpA)
	p := peer("198.51.100.7", 40000)
	_, _, nB, nP := exchange(t, b, p, nil, nil)

	// After the advertisement named them, the box re-offers its encodings
	// (RFC 8848 §4.5.4.1, §8 "SIP INVITE 2"). The peer wants two video
	// streams (any encoding) and no audio one.
	b.Encodings = []Encoding{videoEnc("vid1"), videoEnc("vid2"), audioEnc("aud1")}
	p.Receive = []Receive{{Type: Video, Codecs: DefaultVideoCodecs(), CaptId: true}, {Type: Video, Codecs: DefaultVideoCodecs()}}
	o2, a2, nB2, nP2 := exchange(t, b, p, nB, nP)
	if o2.Origin.Version != 2 || o2.Origin.SessionID != 1700000001 {
		t.Errorf("o= %+v (RFC 3264 §8: version + 1)", o2.Origin)
	}
	for i, mid := range []string{"0", "1", "2", "3", "4", "5"} {
		if o2.Media[i].MID != mid {
			t.Errorf("m-line %d mid %q, want %q", i, o2.Media[i].MID, mid)
		}
	}
	if g := o2.Group(SemCLUE); strings.Join(g.MIDs, " ") != "2 3 4 5" {
		t.Errorf("CLUE group %v", g.MIDs)
	}
	enc := o2.Media[3]
	if enc.Direction != SendOnly || enc.Label != "vid1" || enc.RTP.ExtMaps[0].URI != CaptIdURI ||
		enc.Bandwidth.TIAS != 2_000_000 || enc.Bandwidth.AS != 2000 || enc.DTLS.TLSID != o2.Media[0].DTLS.TLSID {
		t.Errorf("encoding line %+v", enc)
	}
	if !strings.Contains(enc.RTP.Codecs[0].Fmtp, "sprop-parameter-sets=") {
		t.Errorf("no sprop-parameter-sets on a sendonly H.264 line: %q", enc.RTP.Codecs[0].Fmtp)
	}
	want := []Direction{SendRecv, SendRecv, SendRecv, RecvOnly, RecvOnly, Inactive}
	for i, d := range want {
		if i != 2 && a2.Media[i].Direction != d {
			t.Errorf("answer m-line %d %s, want %s", i, a2.Media[i].Direction, d)
		}
	}
	if a2.Media[3].RTP.ExtMaps == nil || a2.Media[3].RTP.ExtMaps[0].ID != 1 || a2.Media[4].RTP.ExtMaps != nil {
		t.Errorf("CaptId echo: %+v / %+v", a2.Media[3].RTP.ExtMaps, a2.Media[4].RTP.ExtMaps)
	}
	if !nB2.CanSend("vid1") || !nB2.CanSend("vid2") || nB2.CanSend("aud1") || nB2.Streams[3].CaptIdExt != 1 {
		t.Errorf("box streams %+v", nB2.Streams)
	}
	if nP2.Streams[3].RemoteLabel != "vid1" || nP2.Streams[5].RemoteLabel != "aud1" || nP2.Streams[5].Direction != Inactive {
		t.Errorf("peer streams %+v", nP2.Streams)
	}
	if strings.Join(nB2.Remote.EncodingLabels(), ",") != "" || strings.Join(nP2.Remote.EncodingLabels(), ",") != "vid1,vid2,aud1" {
		t.Errorf("encoding labels %v / %v", nB2.Remote.EncodingLabels(), nP2.Remote.EncodingLabels())
	}

	// The peer re-offers with its own encodings (RFC 8848 §8 "SIP INVITE
	// 3"): the box's encodings keep their m-lines (the peer's slots offer
	// recvonly and the box answers sendonly with the same labels), and the
	// box receives "foo" but not "bar".
	p.Encodings = []Encoding{videoEnc("foo"), videoEnc("bar")}
	b.Receive = []Receive{{Label: "foo", Type: Video, Codecs: DefaultVideoCodecs()}}
	o3, a3, nP3, nB3 := exchange(t, p, b, nP2, nB2)
	if len(o3.Media) != 8 || o3.Media[3].Direction != RecvOnly || o3.Media[5].Direction != Inactive || o3.Media[6].Label != "foo" {
		t.Fatalf("peer re-offer:\n%s", o3)
	}
	if a3.Media[3].Label != "vid1" || a3.Media[4].Label != "vid2" || a3.Media[3].Direction != SendOnly ||
		a3.Media[6].Direction != RecvOnly || a3.Media[7].Direction != Inactive {
		t.Errorf("box answer:\n%s", a3)
	}
	if !nB3.CanSend("vid1") || nB3.Streams[6].RemoteLabel != "foo" || !nB3.Streams[6].Direction.Receives() || nP3.CanSend("bar") {
		t.Errorf("streams %+v", nB3.Streams)
	}
	if a3.Origin.Version != nB2.Local.Origin.Version+1 {
		t.Errorf("answer version %d", a3.Origin.Version)
	}
	// The box keeps its DTLS role: the association is unchanged (RFC 8842
	// §5.3). It was server; it answers passive.
	if a3.Media[2].DTLS.Setup != SetupPassive || nB3.DTLSClient {
		t.Errorf("box setup %s", a3.Media[2].DTLS.Setup)
	}

	// CLUE media flows: the box turns its fallback lines off (RFC 8848
	// §4.5.4.1) and drops aud1.
	b.Fallback[0].Disabled, b.Fallback[1].Disabled = true, true
	b.Encodings = b.Encodings[:2]
	o4, _, nB4, _ := exchange(t, b, p, nB3, nP3)
	if o4.Media[0].Port != 0 || o4.Media[1].Port != 0 || o4.Media[5].Port != 0 || len(o4.Media) != 8 {
		t.Errorf("re-offer:\n%s", o4)
	}
	if !nB4.CLUE || nB4.Streams[0].Active || !nB4.CanSend("vid2") {
		t.Errorf("streams %+v", nB4.Streams)
	}
	// A new encoding takes a freed (port 0) slot of its media type, with a
	// fresh mid (RFC 3264 §8.1 allows reusing the slot).
	b.Encodings = append(b.Encodings, audioEnc("aud2"))
	o5, _, _, _ := exchange(t, b, p, nB4, nP3)
	reused := -1
	for i, m := range o5.Media {
		if m.Label == "aud2" {
			reused = i
		}
	}
	if len(o5.Media) != 8 || reused < 0 || o4.Media[reused].Port != 0 || o5.Media[reused].MID == o4.Media[reused].MID ||
		o5.Media[reused].Port == 0 {
		t.Errorf("slot reuse:\n%s", o5)
	}

	// Disabling CLUE mid-call (RFC 8848 §4.5.4.3): no data channel, no
	// CLUE group; the CLUE lines go to port 0, the fallback comes back.
	b.DataChannel = nil
	b.Fallback[0].Disabled, b.Fallback[1].Disabled = false, false
	o6, _, nB6, _ := exchange(t, b, p, nB4, nP3)
	if o6.Group(SemCLUE) != nil || o6.Media[2].Port != 0 || nB6.CLUE || o6.Media[3].Port != 0 {
		t.Errorf("disable CLUE:\n%s", o6)
	}
	// The fallback lines come back in reusable slots, with fresh mids.
	if o6.Media[0].Port == 0 || o6.Media[0].MID == "0" || !nB6.Streams[0].Active || !nB6.Streams[1].Active {
		t.Errorf("fallback after CLUE:\n%s", o6)
	}
}

func TestPlainPeerOffer(t *testing.T) {
	// A plain SIP endpoint (DTLS-SRTP, no CLUE): audio, video, and a data
	// channel for something else (no CLUE group), plus a second video line.
	p := peer("198.51.100.7", 40000)
	p.DataChannel = nil
	p.Fallback = append(p.Fallback, Fallback{Type: Video, Codecs: DefaultVideoCodecs()})
	o := mustOffer(t, p, nil)
	o.Media = append(o.Media, Media{Type: Application, Port: 40000, Proto: ProtoDTLSSCTP, Formats: []string{FormatDataChannel},
		MID: "9", DTLS: o.Media[0].DTLS, ICE: o.Media[0].ICE,
		SCTP: &SCTP{Port: 5000, Channels: []DCMap{{StreamID: 0, Subprotocol: "bfcp", Ordered: true}}}})
	po, _ := wire(t, o, AsOffer)
	b := box("192.0.2.10", 50000, fpA)
	a, n, err := Answer(b, po, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Media[0].Port == 0 || a.Media[1].Port == 0 || a.Media[2].Port != 0 || a.Media[3].Port != 0 {
		t.Errorf("answer:\n%s", a)
	}
	if a.Group(SemCLUE) != nil || n.CLUE {
		t.Errorf("CLUE in the answer to a non-CLUE offer")
	}
	if !strings.Contains(n.Streams[2].Reason, "no (further) video") || !strings.Contains(n.Streams[3].Reason, "not the CLUE data channel") {
		t.Errorf("reasons %q / %q", n.Streams[2].Reason, n.Streams[3].Reason)
	}
	if _, err := ApplyAnswer(p, o, mustWire(t, a, AsAnswer)); err != nil {
		t.Errorf("the plain peer cannot apply our answer: %v", err)
	}
}

func TestPlainPeerAnswer(t *testing.T) {
	b := box("192.0.2.10", 50000, fpA)
	p := peer("198.51.100.7", 40000)
	p.DataChannel = nil
	_, a, nB, _ := exchange(t, b, p, nil, nil)
	if a.Media[2].Port != 0 || a.Group(SemCLUE) != nil || nB.CLUE || !nB.Streams[0].Active || !nB.Streams[1].Active {
		t.Errorf("answer:\n%s\n%+v", a, nB)
	}
	// RFC 8848 §4.5.4.2: the box keeps offering the data channel later.
	o2 := mustOffer(t, b, nB)
	if o2.Group(SemCLUE) == nil || o2.Media[2].Port == 0 {
		t.Errorf("re-offer:\n%s", o2)
	}
}

func TestBundle(t *testing.T) {
	b := box("192.0.2.10", 0, fpA)
	b.Bundle = true
	b.Fallback[0].Port, b.Fallback[1].Port = 50000, 50002
	b.DataChannel.Port = 50004
	p := peer("198.51.100.7", 40000)
	p.Bundle = true
	o, a, nB, nP := exchange(t, b, p, nil, nil)
	if g := o.Group(SemBundle); g == nil || strings.Join(g.MIDs, " ") != "0 1 2" {
		t.Fatalf("offer BUNDLE %v", g)
	}
	for i := range o.Media { // RFC 9143 §7.2: every line its own transport
		if o.Media[i].DTLS.Setup != SetupActpass || o.Media[i].ICE.Ufrag == "" {
			t.Errorf("initial BUNDLE offer m-line %d lacks transport attributes", i)
		}
	}
	if o.Media[0].RTP.ExtMaps[0].URI != MIDURI || o.Media[0].RTP.ExtMaps[0].ID != 2 {
		t.Errorf("no MID extension: %+v", o.Media[0].RTP.ExtMaps)
	}
	// RFC 9143 §7.3: one port, attributes on the answerer-tagged line only.
	if g := a.Group(SemBundle); g == nil || strings.Join(g.MIDs, " ") != "0 1 2" {
		t.Fatalf("answer BUNDLE %v", g)
	}
	for i := range a.Media {
		if a.Media[i].Port != 40000 {
			t.Errorf("answer m-line %d port %d", i, a.Media[i].Port)
		}
		if tagged := i == 0; tagged != (a.Media[i].DTLS.Setup != SetupNone) || tagged != (a.Media[i].ICE.Ufrag != "") || tagged != a.Media[i].RTCPMux {
			t.Errorf("answer m-line %d: transport attributes only belong on the tag", i)
		}
	}
	if a.Media[1].RTP.ExtMaps[0].URI != MIDURI {
		t.Errorf("answer video lacks the MID extension")
	}
	for _, n := range []*Negotiation{nB, nP} {
		if n.Bundle == nil || n.Bundle.Tag != "0" || !n.CLUE {
			t.Fatalf("bundle %+v", n.Bundle)
		}
	}
	if st := nB.Streams[2]; st.Remote.Port != 40000 || st.Remote.DTLS.Setup != SetupActive || !st.Remote.Bundled || st.Remote.ICE.Pwd == "" {
		t.Errorf("bundled remote transport %+v", st.Remote)
	}

	// Subsequent offer: one address:port, attributes only on the tag
	// (RFC 9143 §7.5, §7.1.3); new lines join the group.
	b.Encodings = []Encoding{videoEnc("v1")}
	o2, _, nB2, _ := exchange(t, b, p, nB, nP)
	if g := o2.Group(SemBundle); strings.Join(g.MIDs, " ") != "0 1 2 3" {
		t.Errorf("re-offer BUNDLE %v", g.MIDs)
	}
	for i := range o2.Media {
		if o2.Media[i].Port != 50000 || (i != 0 && (o2.Media[i].DTLS.Setup != SetupNone || o2.Media[i].ICE.Ufrag != "")) {
			t.Errorf("re-offer m-line %d: port %d setup %s", i, o2.Media[i].Port, o2.Media[i].DTLS.Setup)
		}
	}
	if !nB2.CLUE || nB2.Bundle == nil {
		t.Errorf("re-offer negotiation %+v", nB2)
	}

	// A peer without BUNDLE ignores the group: every line on its own.
	if _, err := Offer(b, nil); !errors.Is(err, ErrLocal) {
		t.Errorf("initial offer with a port-less encoding: %v", err)
	}
	b.Encodings[0].Port = 50006
	p2 := peer("198.51.100.8", 40000)
	_, a3, nB3, _ := exchange(t, b, p2, nil, nil)
	if a3.Group(SemBundle) != nil || nB3.Bundle != nil || a3.Media[1].DTLS.Setup != SetupActive {
		t.Errorf("non-BUNDLE answer:\n%s", a3)
	}

	// Initial BUNDLE offers need one port per m-line (RFC 9143 §7.2).
	b.Fallback[1].Port = 50000
	if _, err := Offer(b, nil); !errors.Is(err, ErrLocal) {
		t.Errorf("shared ports in an initial BUNDLE offer: %v", err)
	}
}

func TestBundleOnlyOffer(t *testing.T) {
	// A peer that knows the box does BUNDLE offers video bundle-only.
	p := peer("198.51.100.7", 40000)
	p.Bundle = true
	p.Fallback[0].Port, p.Fallback[1].Port, p.DataChannel.Port = 40000, 40002, 40004
	o := mustOffer(t, p, nil)
	o.Media[1].Port, o.Media[1].BundleOnly = 0, true
	o.Media[1].DTLS, o.Media[1].ICE, o.Media[1].RTCPMux = DTLS{}, ICE{}, false
	po, _ := wire(t, o, AsOffer)

	b := box("192.0.2.10", 50000, fpA)
	b.Bundle = true
	a, n, err := Answer(b, po, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Media[1].Port != 50000 || !n.Streams[1].Active || n.Bundle == nil {
		t.Errorf("bundle-only line with BUNDLE:\n%s", a)
	}
	b.Bundle = false
	a, n, err = Answer(b, po, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Media[1].Port != 0 || n.Streams[1].Active || a.Group(SemBundle) != nil {
		t.Errorf("bundle-only line without BUNDLE:\n%s", a)
	}
	// An RFC 8843-style answer (port 0 + bundle-only on non-tag lines,
	// RFC 9143 §7.4.1) is understood.
	b.Bundle = true
	p.Fallback[0].Port, p.Fallback[1].Port, p.DataChannel.Port = 40000, 40002, 40004
	bo := mustOffer(t, box2Ports(b), nil)
	pa, _, err := Answer(p, mustWire(t, bo, AsOffer), nil)
	if err != nil {
		t.Fatal(err)
	}
	pa.Media[1].Port, pa.Media[1].BundleOnly = 0, true
	neg, err := ApplyAnswer(b, bo, mustWire(t, pa, AsAnswer))
	if err != nil || !neg.Streams[1].Active || neg.Streams[1].Remote.Port != 40000 {
		t.Errorf("RFC 8843 answer: %v %+v", err, neg)
	}
}

func box2Ports(b *Local) *Local {
	c := *b
	c.Fallback = append([]Fallback(nil), b.Fallback...)
	c.Fallback[0].Port, c.Fallback[1].Port = 50000, 50002
	dc := *b.DataChannel
	dc.Port = 50004
	c.DataChannel = &dc
	return &c
}

func TestSetupNegotiation(t *testing.T) {
	for _, c := range []struct {
		offered, answerPref, want Setup
	}{
		{SetupActpass, SetupNone, SetupActive},
		{SetupActpass, SetupActive, SetupActive},
		{SetupActpass, SetupPassive, SetupPassive},
		{SetupActive, SetupActive, SetupPassive},
		{SetupPassive, SetupPassive, SetupActive},
	} {
		p := peer("198.51.100.7", 40000)
		o := mustOffer(t, p, nil)
		for i := range o.Media {
			o.Media[i].DTLS.Setup = c.offered
		}
		o.Media[2].SCTP.Channels[0].StreamID = 0 // even: fits an active offerer
		if c.offered == SetupPassive {
			o.Media[2].SCTP.Channels[0].StreamID = 1
		}
		b := box("192.0.2.10", 50000, fpA)
		b.DTLS.AnswerSetup = c.answerPref
		a, n, err := Answer(b, mustWire(t, o, AsOffer), nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Media[2].DTLS.Setup != c.want || n.DTLSClient != (c.want == SetupActive) || !n.CLUE {
			t.Errorf("offer %s pref %s: answered %s (client %v, CLUE %v)", c.offered, c.answerPref, a.Media[2].DTLS.Setup, n.DTLSClient, n.CLUE)
		}
	}
}

func TestCodecIntersection(t *testing.T) {
	p := peer("198.51.100.7", 40000)
	p.Fallback[0].Codecs = []Codec{{PT: 111, Name: "opus", ClockRate: 48000, Channels: 2}, PCMA(), L16(120, 16000, 0), PCMU()}
	p.Fallback[1].Codecs = []Codec{
		{PT: 100, Name: "h264", ClockRate: 90000, Fmtp: "profile-level-id=640028;packetization-mode=1", FB: []FB{{"nack", ""}, {"nack", "pli"}, {"ccm", "fir"}}},
		{PT: 101, Name: "H264", ClockRate: 90000, Fmtp: "profile-level-id=42e028", FB: []FB{{"nack", "pli"}}},
		{PT: 102, Name: "VP8", ClockRate: 90000},
		{PT: 26, Name: "JPEG", ClockRate: 90000, FB: []FB{{"nack", ""}, {"transport-cc", ""}}},
	}
	b := box("192.0.2.10", 50000, fpA)
	_, a, nB, _ := exchange(t, p, b, nil, nil)
	audio := a.Media[0].RTP.Codecs
	if len(audio) != 3 || audio[0].PT != 8 || audio[1].PT != 120 || audio[1].Name != "L16" || audio[2].PT != 0 {
		t.Errorf("audio answer %+v", audio)
	}
	video := a.Media[1].RTP.Codecs
	// H.264 high 4.0 (640028) mode 1: the box's constrained baseline 3.1
	// fits in High; the answer keeps profile and mode and lowers the level
	// (RFC 6184 §8.2.2), with the offerer's PT 100. PT 101 is mode 0, VP8
	// unknown; JPEG keeps only the feedback both list.
	if len(video) != 2 || video[0].PT != 100 || video[0].Fmtp != "profile-level-id=64001f;packetization-mode=1" ||
		len(video[0].FB) != 3 || video[1].PT != 26 || len(video[1].FB) != 1 {
		t.Errorf("video answer %+v", video)
	}
	if strings.Join(a.Media[1].Formats, " ") != "100 26" {
		t.Errorf("formats %v", a.Media[1].Formats)
	}
	if c := nB.Streams[1].Codecs; c[0].PT != 100 || c[0].Fmtp != video[0].Fmtp {
		t.Errorf("negotiated %+v", c)
	}
}

func TestH264Negotiation(t *testing.T) {
	ours := H264(96, "42e01f", "Z0LgH9oBQBbsBEAAAAMAQAAADyPGDKg=,aM4xsg==")
	for _, c := range []struct {
		peer, want string
		send       bool
	}{
		{"profile-level-id=42e01f;packetization-mode=1", "profile-level-id=42e01f;packetization-mode=1;sprop-parameter-sets=Z0LgH9oBQBbsBEAAAAMAQAAADyPGDKg=,aM4xsg==", true},
		{"profile-level-id=42e01f;packetization-mode=1", "profile-level-id=42e01f;packetization-mode=1", false},
		{"profile-level-id=42e00d;packetization-mode=1", "profile-level-id=42e00d;packetization-mode=1", false},
		{"profile-level-id=42001f;packetization-mode=1", "profile-level-id=42001f;packetization-mode=1", false},
		{"profile-level-id=4d0032;packetization-mode=1", "profile-level-id=4d001f;packetization-mode=1", false},
		{"profile-level-id=42f00b;packetization-mode=1", "profile-level-id=42f00b;packetization-mode=1", false}, // level 1b
		{"profile-level-id=42e01f", "", false},                      // mode 0
		{"profile-level-id=580028;packetization-mode=1", "", false}, // Extended without CB flags: our CB fits? 88 → yes
		{"profile-level-id=f4001f;packetization-mode=1", "", false}, // High 4:4:4
		{"profile-level-id=42e01;packetization-mode=1", "", false},  // malformed
		{"packetization-mode=1", "profile-level-id=42000a;packetization-mode=1", false},
	} {
		peer := Codec{PT: 97, Name: "H264", ClockRate: 90000, Fmtp: c.peer}
		got, ok := negotiateH264(&ours, &peer, c.send)
		if c.peer == "profile-level-id=580028;packetization-mode=1" {
			if !ok || got != "profile-level-id=58001f;packetization-mode=1" {
				t.Errorf("%s: %q %v", c.peer, got, ok)
			}
			continue
		}
		if ok != (c.want != "") || got != c.want {
			t.Errorf("%s: got %q %v, want %q", c.peer, got, ok, c.want)
		}
	}
}

func TestDataChannelPolicy(t *testing.T) {
	for _, c := range []struct {
		name   string
		edit   func(m *Media)
		reason string
	}{
		{"small max-message-size", func(m *Media) { n := uint64(1024); m.SCTP.MaxMessageSize = &n }, "below 4096"},
		{"unlimited max-message-size is fine", func(m *Media) { n := uint64(0); m.SCTP.MaxMessageSize = &n }, ""},
		{"TCP", func(m *Media) { m.Proto = ProtoTCPDTLSSCTP }, "UDP only"},
		{"partially reliable", func(m *Media) { r := uint32(3); m.SCTP.Channels[0].MaxRetr = &r }, "fully reliable"},
		{"unordered", func(m *Media) { m.SCTP.Channels[0].Ordered = false }, "ordered"},
		{"no CLUE dcmap", func(m *Media) { m.SCTP.Channels[0].Subprotocol = "bfcp" }, "subprotocol"},
		{"subprotocol in lower case", func(m *Media) { m.SCTP.Channels[0].Subprotocol = "clue" }, ""},
		{"odd id from an active offerer", func(m *Media) { m.DTLS.Setup = SetupActive }, "refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := mustOffer(t, peer("198.51.100.7", 40000), nil)
			c.edit(&o.Media[2])
			a, n, err := Answer(box("192.0.2.10", 50000, fpA), mustWire(t, o, AsOffer), nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.reason == "" {
				if !n.CLUE || a.Media[2].Port == 0 {
					t.Errorf("refused: %q", n.Streams[2].Reason)
				}
				return
			}
			if n.CLUE || a.Media[2].Port != 0 || a.Group(SemCLUE) != nil || !strings.Contains(n.Streams[2].Reason, c.reason) {
				t.Errorf("CLUE %v port %d reason %q", n.CLUE, a.Media[2].Port, n.Streams[2].Reason)
			}
		})
	}
	// The offerer side: a peer answer that cannot take CLUE messages.
	b := box("192.0.2.10", 50000, fpA)
	o := mustOffer(t, b, nil)
	a, _, err := Answer(peer("198.51.100.7", 40000), mustWire(t, o, AsOffer), nil)
	if err != nil {
		t.Fatal(err)
	}
	small := uint64(512)
	a.Media[2].SCTP.MaxMessageSize = &small
	n, err := ApplyAnswer(b, o, mustWire(t, a, AsAnswer))
	if err != nil || n.CLUE || !hasWarning(n.Warnings, "RFC 8841 §6", "512") {
		t.Errorf("small peer size: %v CLUE %v %v", err, n.CLUE, n.Warnings)
	}
}

func TestTLSIDOnlyWhenOffered(t *testing.T) {
	o := mustOffer(t, peer("198.51.100.7", 40000), nil)
	for i := range o.Media {
		o.Media[i].DTLS.TLSID = ""
	}
	a, _, err := Answer(box("192.0.2.10", 50000, fpA), mustWire(t, o, AsOffer), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Media {
		if a.Media[i].DTLS.TLSID != "" {
			t.Errorf("m-line %d: tls-id in answer to an offer without (RFC 8842 §5.3)", i)
		}
	}
}

func TestNothingAcceptable(t *testing.T) {
	o := mustOffer(t, peer("198.51.100.7", 40000), nil)
	for i := range o.Media {
		if o.Media[i].RTP != nil {
			o.Media[i].Proto = "RTP/AVP"
		}
	}
	o.Groups = nil
	_, _, err := Answer(box("192.0.2.10", 50000, fpA), mustWire(t, o, AsOffer), nil)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrNotDTLSSRTP) || Status(err) != 488 || e.WarnCode() != 302 {
		t.Fatalf("err = %v", err)
	}
	// Local mistakes are not the peer's fault: 500.
	bad := box("192.0.2.10", 50000, fpA)
	bad.DTLS.Fingerprints = nil
	if _, _, err := Answer(bad, mustWire(t, mustOffer(t, peer("198.51.100.7", 1), nil), AsOffer), nil); !errors.Is(err, ErrLocal) || Status(err) != 500 {
		t.Errorf("err = %v", err)
	}
}

func TestApplyAnswerMismatch(t *testing.T) {
	b := box("192.0.2.10", 50000, fpA, videoEnc("v1"))
	o := mustOffer(t, b, nil)
	good, _, err := Answer(peer("198.51.100.7", 40000), mustWire(t, o, AsOffer), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(a *Session)
		msg  string
	}{
		{"m-line missing", func(a *Session) { a.Media = a.Media[:3] }, "3 m-lines, the offer has 4"},
		{"media type changed", func(a *Session) { a.Media[0].Type = Video }, "answers audio"},
		{"proto changed", func(a *Session) { a.Media[1].Proto = ProtoSAVP }, "proto"},
		{"sendonly answers sendonly", func(a *Session) { a.Media[3].Direction = SendOnly; a.Media[3].Label = "x" }, "does not answer"},
		{"no common codec", func(a *Session) {
			a.Media[1].RTP.Codecs = []Codec{{PT: 100, Name: "VP8", ClockRate: 90000}}
			a.Media[1].Formats = []string{"100"}
		}, "no payload format"},
		{"setup not the complement", func(a *Session) {
			o.Media[2].DTLS.Setup = SetupActive
			a.Media[2].DTLS.Setup = SetupActive
		}, "answers active"},
		{"dcmap id changed", func(a *Session) { a.Media[2].SCTP.Channels[0].StreamID = 3 }, "stream id 3 answers 1"},
		{"BUNDLE not offered", func(a *Session) { a.Groups = append(a.Groups, Group{Semantics: SemBundle, MIDs: []string{"0", "1"}}) }, "not offered as bundled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := copySession(good)
			oc := copySession(o)
			o = oc
			c.edit(a)
			pa, _, err := parseText(t, a.String(), AsAnswer)
			if err != nil {
				t.Fatalf("answer does not parse: %v", err)
			}
			_, err = ApplyAnswer(b, o, pa)
			if !errors.Is(err, ErrAnswerMismatch) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("err = %v, want %q", err, c.msg)
			}
			o = mustOffer(t, b, nil)
		})
	}
	// A port-0 line answered with a port.
	b.Fallback[0].Disabled = true
	o = mustOffer(t, b, nil)
	a := copySession(good)
	if _, err := ApplyAnswer(b, o, mustWire(t, a, AsAnswer)); !errors.Is(err, ErrAnswerMismatch) {
		t.Errorf("port-0 line accepted: %v", err)
	}
}

// copySession deep-copies through the wire format.
func copySession(s *Session) *Session {
	var c Session
	p, err := Parse([]byte(s.String()), &ParseOpts{As: AsAnswer})
	if err != nil {
		p, err = Parse([]byte(s.String()), nil)
		if err != nil {
			panic(err)
		}
	}
	c = unpos(p)
	return &c
}

func TestNewAssociation(t *testing.T) {
	b := box("192.0.2.10", 50000, fpA)
	p := peer("198.51.100.7", 40000)
	_, _, _, nP := exchange(t, b, p, nil, nil)
	same := mustWire(t, mustOffer(t, b, nil), AsOffer)
	if nP.NewAssociation(same) {
		t.Error("same tls-id and fingerprints: no new association")
	}
	b.DTLS.TLSID = "bmV3X3Rsc19pZF92YWx1ZQ"
	if !nP.NewAssociation(mustWire(t, mustOffer(t, b, nil), AsOffer)) {
		t.Error("new tls-id: new association (RFC 8842 §4)")
	}
	var nilN *Negotiation
	if !nilN.NewAssociation(same) {
		t.Error("no previous exchange: new association")
	}
}

func TestCaptIdProseURI(t *testing.T) {
	// A peer spelling the URI as RFC 8849 §5.2's prose does; the box
	// answers with the peer's spelling and ID (RFC 8285 §7).
	p := peer("198.51.100.7", 40000)
	p.Receive = []Receive{{Type: Video, Codecs: DefaultVideoCodecs(), CaptId: true}}
	p.CaptIdExtID = 7
	o := mustOffer(t, p, nil)
	o.Media[3].RTP.ExtMaps[0].URI = CaptureIDURI
	b := box("192.0.2.10", 50000, fpA, videoEnc("v1"))
	a, n, err := Answer(b, mustWire(t, o, AsOffer), nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := a.Media[3].RTP.ExtMaps; len(e) != 1 || e[0].ID != 7 || e[0].URI != CaptureIDURI || n.Streams[3].CaptIdExt != 7 || a.Media[3].Label != "v1" {
		t.Errorf("extmaps %+v stream %+v", e, n.Streams[3])
	}
}

func TestPerLineSetupAndNoICE(t *testing.T) {
	p := peer("198.51.100.7", 40000)
	p.ICE = nil // a peer without ICE
	o := mustOffer(t, p, nil)
	o.Media[0].DTLS.Setup = SetupActive // legacy: this line fixes its role
	b := box("192.0.2.10", 50000, fpA)
	a, n, err := Answer(b, mustWire(t, o, AsOffer), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Media[0].DTLS.Setup != SetupPassive || a.Media[1].DTLS.Setup != SetupActive || a.Media[2].DTLS.Setup != SetupActive {
		t.Errorf("setups %s %s %s", a.Media[0].DTLS.Setup, a.Media[1].DTLS.Setup, a.Media[2].DTLS.Setup)
	}
	if !n.DTLSClient { // the CLUE channel's role
		t.Error("box should be DTLS client on the data channel")
	}
	for i := range a.Media {
		if !a.Media[i].ICE.empty() || a.ICELite {
			t.Errorf("m-line %d: ICE attributes in answer to an offer without ICE (RFC 8839 §4.2)", i)
		}
	}
	if _, err := ApplyAnswer(p, o, mustWire(t, a, AsAnswer)); err != nil {
		t.Errorf("ApplyAnswer: %v", err)
	}
}

// TestLocalBundleOnly: Local.BundleOnly puts a whole initial offer on one
// address:port — the tag keeps it, every other bundled line is port 0,
// a=bundle-only and free of transport attributes (RFC 9143 §7.2, §7.1.3)
// — and a BUNDLE answerer accepts every line on the tag's transport.
func TestLocalBundleOnly(t *testing.T) {
	p := peer("198.51.100.7", 40000)
	p.Bundle, p.BundleOnly = true, true
	p.Receive = []Receive{{Type: Video, Codecs: DefaultVideoCodecs(), CaptId: true}}
	o := mustOffer(t, p, nil)
	po, _ := wire(t, o, AsOffer)
	for i := range po.Media {
		m := &po.Media[i]
		if i == 0 {
			if m.Port != 40000 || m.BundleOnly || m.ICE.Ufrag == "" || m.DTLS.Setup != SetupActpass {
				t.Errorf("tag line %d: port %d bundle-only %v", i, m.Port, m.BundleOnly)
			}
			continue
		}
		if m.Port != 0 || !m.BundleOnly || m.ICE.Ufrag != "" || m.DTLS.Setup != SetupNone || m.RTCPMux {
			t.Errorf("line %d: port %d bundle-only %v, transport attributes %+v %+v", i, m.Port, m.BundleOnly, m.ICE, m.DTLS)
		}
	}
	b := box("192.0.2.10", 50000, fpA, videoEnc("v1"))
	b.Bundle = true
	a, n, err := Answer(b, po, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range n.Streams {
		if !st.Active || a.Media[i].Port != 50000 {
			t.Errorf("answer line %d: active %v port %d (%s)", i, st.Active, a.Media[i].Port, st.Reason)
		}
	}
	if !n.CLUE || n.Bundle == nil {
		t.Fatalf("negotiation %+v", n)
	}
	neg, err := ApplyAnswer(p, o, mustWire(t, a, AsAnswer))
	if err != nil || !neg.CLUE || neg.Streams[len(neg.Streams)-1].Remote.Port != 50000 {
		t.Fatalf("offerer's view: %v %+v", err, neg)
	}
}
