package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cluecam/cluecam/clue/model"
	"github.com/cluecam/cluecam/clue/protocol"
	"github.com/cluecam/cluecam/hw"
)

// ce is a capture encoding with ID "ce"+id.
func ce(id, capture, enc string) model.CaptureEncoding {
	return model.CaptureEncoding{ID: "ce" + id, CaptureID: capture, EncodingID: enc}
}

func withContent(c model.CaptureEncoding, ids ...string) model.CaptureEncoding {
	c.ConfiguredContent = &model.Content{MediaCaptureIDREFs: ids}
	return c
}

// TestCheckConfigureCodes provokes every response code CheckConfigure can
// decide, against the shared-devices room (sets, a two-encoding group, an
// MCC allowing subset choice) and the demo room (an MCC that does not).
func TestCheckConfigureCodes(t *testing.T) {
	sh := mustBuild(t, shared())
	dm := mustBuild(t, demo())
	noGroup := mustBuild(t, demo())
	noGroup.Body.MediaCaptures[1].EncGroupIDREF = ""
	tests := []struct {
		name string
		adv  *Advertisement
		ces  model.CaptureEncodings
		code protocol.Code
		rule model.Rule // of the deciding problem
	}{
		{"nothing requested", sh, nil, 200, ""},
		{"a set's worth", sh, model.CaptureEncodings{ce("1", "a", "a.0"), ce("2", "c", "c.0"), ce("3", "d", "c.1"), ce("4", "f", "f.0"), ce("5", "mcc", "mcc.0"), ce("6", "m", "m.0")}, 200, ""},
		{"subset of an MCC that allows it", sh, model.CaptureEncodings{withContent(ce("1", "mcc", "mcc.0"), "f")}, 200, ""},

		{"301 missing encodingID", sh, model.CaptureEncodings{ce("1", "a", "")}, 301, model.RuleRequired},
		{"302 unknown capture", sh, model.CaptureEncodings{ce("1", "nope", "a.0")}, 302, model.RuleCEUnknownCapture},
		{"302 unknown encoding", sh, model.CaptureEncodings{ce("1", "a", "a.7")}, 302, RuleUnknownEncoding},
		{"302 unknown capture in configuredContent", sh, model.CaptureEncodings{withContent(ce("1", "mcc", "mcc.0"), "zz")}, 302, model.RuleRef},
		{"302 ID not an NCName", sh, model.CaptureEncodings{ce("1 2", "a", "a.0")}, 302, model.RuleIDSyntax},
		{"303 encoding used twice", sh, model.CaptureEncodings{ce("1", "c", "c.0"), ce("2", "d", "c.0")}, 303, model.RuleCEEncodingReuse},
		{"303 capture used twice", sh, model.CaptureEncodings{ce("1", "c", "c.0"), ce("2", "c", "c.1")}, 303, model.RuleCECaptureReuse},
		{"303 another group's encoding", sh, model.CaptureEncodings{ce("1", "a", "f.0")}, 303, model.RuleCEEncoding},
		{"303 capture encoding ID twice", sh, model.CaptureEncodings{ce("1", "a", "a.0"), ce("1", "f", "f.0")}, 303, model.RuleIDUnique},
		{"400 more encodings than the group has", sh, model.CaptureEncodings{ce("1", "a", "a.0"), ce("2", "b", "a.0")}, 400, RuleGroupLimit},
		{"400 not in one simultaneous set", sh, model.CaptureEncodings{ce("1", "b", "a.0"), ce("2", "mcc", "mcc.0")}, 400, model.RuleCESimultaneous},
		{"400 capture without encoding group", noGroup, model.CaptureEncodings{ce("1", "wide", "wide.0")}, 400, model.RuleCENoEncGroup},
		{"400 configuredContent on a plain capture", sh, model.CaptureEncodings{withContent(ce("1", "a", "a.0"), "a")}, 400, model.RuleCEContentNotMCC},
		{"400 over maxCaptures", sh, model.CaptureEncodings{withContent(ce("1", "mcc", "mcc.0"), "a", "f")}, 400, model.RuleCEMaxCaptures},
		{"400 outside the MCC", sh, model.CaptureEncodings{withContent(ce("1", "mcc", "mcc.0"), "b")}, 400, model.RuleCEContentOutside},
		{"405 subset not allowed", dm, model.CaptureEncodings{withContent(ce("1", "speaker", "speaker.0"), "main")}, 405, model.RuleSubsetChoice},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := CheckConfigure(&tc.adv.Body, tc.ces)
			if d.Code != tc.code {
				t.Fatalf("code %v, want %d: %v", d.Code, tc.code, d.Problems)
			}
			if tc.code == 200 {
				if d.Reason != "" || d.Problems != nil {
					t.Errorf("200 with %q %v", d.Reason, d.Problems)
				}
				return
			}
			if d.Problems[0].Rule != tc.rule || !strings.Contains(d.Reason, d.Problems[0].Msg) {
				t.Errorf("deciding problem %v (reason %q), want rule %s", d.Problems[0], d.Reason, tc.rule)
			}
			// protocol.Opts.CheckConfigure gets the same answer.
			if code, reason := ProtocolCheck(&tc.adv.Body, &protocol.Configure{Body: tc.ces}); code != d.Code || reason != d.Reason {
				t.Errorf("ProtocolCheck = %v %q", code, reason)
			}
		})
	}
}

// TestAnswerSequence: 404 for a configure of an older advertisement, 400
// for one never sent (RFC 8847 §5.7).
func TestAnswerSequence(t *testing.T) {
	a := mustBuild(t, demo())
	adv := &protocol.Advertisement{Header: protocol.Header{V: protocol.Version10, SeqNr: 7}, Body: a.Body}
	ok := model.CaptureEncodings{ce("1", "main", "main.0")}
	for _, tc := range []struct {
		seq  uint64
		code protocol.Code
	}{{7, 200}, {6, 404}, {8, 400}} {
		d := Answer(adv, &protocol.Configure{AdvSeqNr: tc.seq, Body: ok})
		if d.Code != tc.code {
			t.Errorf("advSequenceNr %d: %v %q, want %d", tc.seq, d.Code, d.Reason, tc.code)
		}
	}
}

func readMessage(t testing.TB, name string) protocol.Message {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../../testdata/clue/examples/corrected", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := protocol.Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRFCExamples: RFC 8847 §10.4 against §10.3 is accepted; §10.8 against
// §10.6 is 405, not the 200 of §10.9 (DIGEST §9 #12: VC7 does not allow
// subset choice, and SE5 contains VC7 itself).
func TestRFCExamples(t *testing.T) {
	adv3 := readMessage(t, "rfc8847-s10.3-msg3-advertisement.xml").(*protocol.Advertisement)
	conf4 := readMessage(t, "rfc8847-s10.4-msg4-configure-ack.xml").(*protocol.Configure)
	if d := Answer(adv3, conf4); d.Code != 200 {
		t.Errorf("§10.4 against §10.3: %v %q", d.Code, d.Reason)
	}
	adv6 := readMessage(t, "rfc8847-s10.6-msg6-advertisement.xml").(*protocol.Advertisement)
	conf8 := readMessage(t, "rfc8847-s10.8-msg8-configure.xml").(*protocol.Configure)
	d := Answer(adv6, conf8)
	if d.Code != 405 || !strings.Contains(d.Reason, `"VC7"`) {
		t.Errorf("§10.8 against §10.6: %v %q", d.Code, d.Reason)
	}
	if d := Answer(adv3, conf8); d.Code != 400 {
		t.Errorf("§10.8 against §10.3 (advSequenceNr 13 > 11): %v", d.Code)
	}
	if d := Answer(adv6, conf4); d.Code != 404 {
		t.Errorf("§10.4 against §10.6 (advSequenceNr 11 < 13): %v", d.Code)
	}
}

// TestAccept: orders carry device, mode and limits; an MCC's order lists
// what it switches between; bit rates fit the group.
func TestAccept(t *testing.T) {
	a := mustBuild(t, shared())
	d, orders := a.Accept(model.CaptureEncodings{ce("x", "c", "c.1"), ce("y", "d", "c.0"), withContent(ce("z", "mcc", "mcc.0"), "f"), ce("w", "m", "m.0")})
	if !d.OK() || len(orders) != 4 {
		t.Fatalf("%v: %d orders", d, len(orders))
	}
	c, dd, mc, m := orders[0], orders[1], orders[2], orders[3]
	if c.Device != "/dev/video2" || c.Video.Width != 1920 || c.MaxWidth != 1920 || c.EncodingID != "c.1" || c.CaptureEncodingID != "cex" {
		t.Errorf("order c = %+v", c)
	}
	// d runs the encoder's second stream at 640x360: the encoding's
	// 1920x1080 is narrowed to the capture's mode.
	if dd.MaxWidth != 640 || dd.MaxHeight != 360 || dd.MaxFrameRate != fps(30) {
		t.Errorf("order d limits %dx%d@%v", dd.MaxWidth, dd.MaxHeight, dd.MaxFrameRate)
	}
	// c and d both ask 4 Mbit/s of a group of 6: 3 each (RFC 8845 §9.2).
	if c.MaxBitrate+dd.MaxBitrate > 6_000_000 || c.MaxBitrate != 3_000_000 {
		t.Errorf("bit rates %d + %d over the group's 6000000", c.MaxBitrate, dd.MaxBitrate)
	}
	if mc.Device != "" || len(mc.Sources) != 1 || mc.Sources[0].CaptureID != "f" || mc.Sources[0].Device != "/dev/video4" {
		t.Errorf("MCC order = %+v", mc)
	}
	if m.Audio != (hw.AudioFormat{Rate: 48000, Channels: 1, Encoding: hw.S16LE}) || m.MaxBitrate != 64000 {
		t.Errorf("audio order = %+v", m)
	}
	t.Logf("orders:\n%v\n%v\n%v\n%v", c, dd, mc, m)

	if d, orders := a.Accept(model.CaptureEncodings{ce("1", "a", "f.0")}); d.Code != 303 || orders != nil {
		t.Errorf("a rejected configure gave %v and %d orders", d.Code, len(orders))
	}
	// Without configuredContent the MCC switches between all it contains.
	_, orders = a.Accept(model.CaptureEncodings{ce("1", "mcc", "mcc.0")})
	if len(orders) != 1 || len(orders[0].Sources) != 2 {
		t.Errorf("MCC without configuredContent: %+v", orders)
	}
}

// A SoundLevel MCC's order names each constituent's microphone, in the
// order of the constituents, also for a configured subset.
func TestAcceptMCCVoices(t *testing.T) {
	a := mustBuild(t, room44())
	id := func(name string) string {
		t.Helper()
		v, ok := a.CaptureID(name)
		if !ok {
			t.Fatalf("no captureID for %q", name)
		}
		return v
	}
	enc := a.Body.Capture(id("speaker")).EncGroupIDREF
	var encID string
	for _, e := range a.Encodings {
		if e.Group == enc {
			encID = e.ID
		}
	}
	for _, tc := range []struct {
		content []string
		cams    []string
		mics    []string
	}{
		{nil, []string{"/dev/video0", "/dev/video2", "/dev/video4", "/dev/video6"}, []string{"hw:0,0", "hw:1,0", "hw:2,0", "hw:3,0"}},
		{[]string{id("cam3")}, []string{"/dev/video4"}, []string{"hw:2,0"}}, // MaxCaptures 1: a subset pins one camera
	} {
		c := ce("1", id("speaker"), encID)
		if tc.content != nil {
			c = withContent(c, tc.content...)
		}
		d, orders := a.Accept(model.CaptureEncodings{c})
		if !d.OK() || len(orders) != 1 {
			t.Fatalf("content %v: %v, %d orders", tc.content, d, len(orders))
		}
		o := orders[0]
		if o.Policy != "SoundLevel:0" || len(o.Sources) != len(tc.cams) || len(o.Voices) != len(o.Sources) {
			t.Fatalf("content %v: order %+v", tc.content, o)
		}
		for i := range o.Sources {
			if o.Sources[i].Device != tc.cams[i] || o.Voices[i].Device != tc.mics[i] || o.Voices[i].Media != model.MediaAudio {
				t.Errorf("content %v: constituent %d is %s heard by %q, want %s heard by %s", tc.content, i, o.Sources[i].Device, o.Voices[i].Device, tc.cams[i], tc.mics[i])
			}
		}
	}
}
