package sdp

import (
	"strings"
	"testing"
)

// full is a hand-built session using every field the package models.
func full() *Session {
	u32 := func(v uint32) *uint32 { return &v }
	u16 := func(v uint16) *uint16 { return &v }
	mms := uint64(262144)
	dtls := DTLS{Setup: SetupActpass, TLSID: "dGxzaWRfb2ZfdGhlX2JveA",
		Fingerprints: []Fingerprint{{"sha-256", fpA}, {"sha-1", "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB"}}}
	return &Session{
		Origin:  Origin{Username: "cluecam", SessionID: 42, Version: 3, AddrType: "IP6", Address: "2001:db8::10"},
		Name:    "cluecam call",
		Addr:    "2001:db8::10",
		Groups:  []Group{{SemBundle, []string{"a", "v", "dc", "enc1", "rx1"}}, {SemCLUE, []string{"dc", "enc1", "rx1"}}, {"LS", []string{"a", "v"}}},
		ICELite: true,
		ICE:     ICE{Ufrag: "sEsS", Pwd: "SessionLevelPassword12345"},
		Other:   []Attribute{{"msid-semantic", " WMS"}, {"x-cluecam", ""}},
		Media: []Media{
			{Type: Audio, Port: 50000, Proto: ProtoSAVPF, Formats: []string{"9", "97"}, MID: "a", RTCPMux: true,
				Bandwidth: Bandwidth{AS: 128},
				DTLS:      dtls,
				ICE: ICE{Candidates: []Candidate{
					{Foundation: "1", Component: 1, Transport: "UDP", Priority: 2130706431, Address: "2001:db8::10", Port: 50000, Type: "host"},
					{Foundation: "2", Component: 1, Transport: "udp", Priority: 1694498815, Address: "2001:db8::99", Port: 61000, Type: "srflx",
						RelAddr: "2001:db8::10", RelPort: 50000, Ext: []string{"generation", "0"}},
				}},
				RTP: &RTP{Codecs: []Codec{G722(), L16(97, 48000, 2)},
					ExtMaps: []ExtMap{{ID: 2, URI: MIDURI}, {ID: 3, Direction: SendOnly, URI: "urn:ietf:params:rtp-hdrext:ssrc-audio-level", Attr: "vad=on"}}},
				Other: []Attribute{{"ptime", "20"}}},
			{Type: Video, Port: 50000, Proto: ProtoSAVPF, Formats: []string{"96", "26"}, MID: "v", Direction: RecvOnly,
				RTP: &RTP{Codecs: []Codec{H264(96, "42e01f", "Z0LgH9oBQBbsBEAAAAMAQAAADyPGDKg=,aM4xsg=="), JPEG()},
					ExtMaps: []ExtMap{{ID: 2, URI: MIDURI}}}},
			{Type: Application, Port: 50000, Proto: ProtoDTLSSCTP, Formats: []string{FormatDataChannel}, MID: "dc",
				SCTP: &SCTP{Port: 5000, MaxMessageSize: &mms, Channels: []DCMap{
					{StreamID: 1, Subprotocol: "CLUE", Label: "clue channel;\"1\"%", Ordered: true, Priority: u16(512)},
					{StreamID: 3, Subprotocol: "msrp", Ordered: false, MaxRetr: u32(5), DCSA: []string{"accept-types:text/plain"}},
					{StreamID: 5, Ordered: true, MaxTime: u32(1500)},
				}}},
			{Type: Video, Port: 50000, Proto: ProtoSAVPF, Formats: []string{"98"}, MID: "enc1", Label: "enc1", Direction: SendOnly,
				Bandwidth: Bandwidth{AS: 2000, TIAS: 2000000},
				RTP: &RTP{Codecs: []Codec{H264(98, "42e01f", "")},
					ExtMaps: []ExtMap{{ID: 1, URI: CaptIdURI}, {ID: 2, URI: MIDURI}},
					SSRCs:   []SSRC{{ID: 3735928559, CNAME: "Yv2dAF0bXfqKj1Gz"}}},
				Other: []Attribute{{"ssrc", "3735928559 msid:cam0 vid0"}}},
			{Type: Video, Port: 0, Proto: ProtoSAVPF, Formats: []string{"96"}, MID: "old", Direction: Inactive,
				RTP: &RTP{Codecs: []Codec{{PT: 96, Name: "H264", ClockRate: 90000}}}},
			{Type: Video, Port: 0, Proto: ProtoSAVPF, Formats: []string{"99"}, MID: "rx1", Direction: RecvOnly, BundleOnly: true,
				RTP: &RTP{Codecs: []Codec{{PT: 99, Name: "H264", ClockRate: 90000, Fmtp: "profile-level-id=42e01f;packetization-mode=1",
					FB: []FB{{"nack", "pli"}}}}, ExtMaps: []ExtMap{{ID: 1, Direction: RecvOnly, URI: CaptIdURI}, {ID: 2, URI: MIDURI}}}},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	b := box("192.0.2.10", 50000, fpA, videoEnc("vid1"), audioEnc("aud1"))
	b.Receive = []Receive{{Type: Video, Codecs: DefaultVideoCodecs(), CaptId: true}}
	bb := box2Ports(b)
	bb.Bundle = true
	bb.Encodings = []Encoding{videoEnc("vid1")}
	bb.Encodings[0].Port = 50006
	bb.Receive = nil
	noICE := box("192.0.2.10", 50000, fpA)
	noICE.ICE = nil
	noICE.DataChannel = nil
	p := peer("198.51.100.7", 40000)

	cases := map[string]struct {
		s    *Session
		kind Kind
	}{
		"hand-built":            {full(), AsOffer},
		"initial offer":         {mustOffer(t, box("192.0.2.10", 50000, fpA), nil), AsOffer},
		"offer with encodings":  {mustOffer(t, b, nil), AsOffer},
		"initial BUNDLE offer":  {mustOffer(t, bb, nil), AsOffer},
		"no ICE, no CLUE":       {mustOffer(t, noICE, nil), AsOffer},
		"IPv6":                  {mustOffer(t, box("2001:db8::10", 50000, fpA), nil), AsOffer},
		"answer with rejection": {answerOf(t, p, mustOffer(t, b, nil)), AsAnswer},
		"BUNDLE answer":         {answerOf(t, func() *Local { q := peer("198.51.100.7", 40000); q.Bundle = true; return q }(), mustOffer(t, bb, nil)), AsAnswer},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			text := c.s.String()
			back, ws, err := parseText(t, text, c.kind)
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			equalSessions(t, back, c.s)
			if again := back.String(); again != text {
				t.Errorf("second marshal differs:\n%s\n---\n%s", text, again)
			}
			for _, w := range ws {
				if !strings.Contains(w.Msg, "no a=rtpmap") {
					t.Logf("warning: %v", w)
				}
			}
		})
	}
}

func answerOf(t *testing.T, l *Local, offer *Session) *Session {
	t.Helper()
	a, _, err := Answer(l, mustWire(t, offer, AsOffer), nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Parsing normalises what it tolerates; marshalling the result gives the
// canonical form.
func TestNormalisation(t *testing.T) {
	in := strings.Join([]string{
		"v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
		"a=group:CLUE dc",
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
		"a=mid:dc",
		"a=setup:ACTPASS",
		"a=fingerprint: SHA-256 " + strings.ToLower(fpA),
		"a=sctp-port: 5000",
		"a=dcmap:1 subprotocol=\"clue\"",
		"m=audio 9 UDP/TLS/RTP/SAVPF 0 8",
		"a=mid:a",
		"a=rtcp-mux",
		"a=setup:actpass",
		"a=fingerprint:sha-256 " + fpA,
		"a=rtcp-fb:* nack",
	}, "\n") // LF only, no final newline
	s, ws, err := parseText(t, in, AsOffer)
	if err != nil {
		t.Fatal(err)
	}
	dc := s.Media[0]
	if dc.DTLS.Setup != SetupActpass || dc.DTLS.Fingerprints[0] != (Fingerprint{"sha-256", fpA}) || dc.SCTP.Port != 5000 ||
		!dc.SCTP.Channels[0].Ordered || dc.CLUEChannel() == nil || s.DataChannel() != 0 || dc.SCTP.MessageSizeLimit() != 65536 {
		t.Errorf("data channel %+v", dc)
	}
	au := s.Media[1].RTP.Codecs
	if au[0].Name != "PCMU" || au[1].Name != "PCMA" || len(au[0].FB) != 1 || len(au[1].FB) != 1 {
		t.Errorf("audio %+v", au)
	}
	if len(ws) != 2 {
		t.Errorf("warnings %v", ws)
	}
	out := s.String()
	for _, want := range []string{"a=setup:actpass\r\n", "a=fingerprint:sha-256 " + fpA + "\r\n", "a=sctp-port:5000\r\n",
		"a=dcmap:1 subprotocol=\"clue\";ordered=true\r\n", "a=rtcp-fb:0 nack\r\na=rtpmap:8 PCMA/8000\r\na=rtcp-fb:8 nack\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing from\n%s", want, out)
		}
	}
}
