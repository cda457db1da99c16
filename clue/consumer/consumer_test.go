package consumer

import (
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/cluecam/cluecam/clue/model"
	"github.com/cluecam/cluecam/clue/protocol"
)

// threeCameras is RFC 8845 §8's example: VC0, VC1, VC2 side by side, VC3
// the middle camera zoomed out, which cannot be sent with VC1; an MCC
// switching between VC0–VC2; two microphones. Encoding groups: the video
// group has three encodings and 6 Mbit/s, the MCC's 2 Mbit/s, audio two
// encodings and 128 kbit/s.
func threeCameras() *model.Advertisement {
	a := &model.Advertisement{}
	cap := func(id, media, group string) model.MediaCapture {
		t := model.VideoCapture
		if media == model.MediaAudio {
			t = model.AudioCapture
		}
		return model.MediaCapture{Type: t, CaptureID: id, MediaType: media, CaptureSceneIDREF: "CS1", NonSpatiallyDefinable: true, Individual: true, EncGroupIDREF: group}
	}
	for _, id := range []string{"VC0", "VC1", "VC2", "VC3"} {
		a.MediaCaptures = append(a.MediaCaptures, cap(id, model.MediaVideo, "EGv"))
	}
	mcc := cap("MCC", model.MediaVideo, "EGm")
	mcc.Individual = false
	mcc.Content = &model.Content{SceneViewIDREFs: []string{"SV1"}}
	mcc.MaxCaptures = &model.MaxCaptures{N: 1}
	mcc.AllowSubsetChoice = true
	a.MediaCaptures = append(a.MediaCaptures, mcc, cap("AC0", model.MediaAudio, "EGa"), cap("AC1", model.MediaAudio, "EGa"))
	a.EncodingGroups = []model.EncodingGroup{
		{EncodingGroupID: "EGv", MaxGroupBandwidth: 6_000_000, EncodingIDs: []string{"v0", "v1", "v2"}},
		{EncodingGroupID: "EGm", MaxGroupBandwidth: 2_000_000, EncodingIDs: []string{"m0"}},
		{EncodingGroupID: "EGa", MaxGroupBandwidth: 128_000, EncodingIDs: []string{"a0", "a1"}},
	}
	a.CaptureScenes = []model.CaptureScene{{SceneID: "CS1", Scale: model.ScaleUnknown, SceneViews: []model.SceneView{
		{SceneViewID: "SV1", MediaCaptureIDREFs: []string{"VC0", "VC1", "VC2"}},
		{SceneViewID: "SV2", MediaCaptureIDREFs: []string{"VC3"}},
		{SceneViewID: "SV3", MediaCaptureIDREFs: []string{"MCC"}},
		{SceneViewID: "SV4", MediaCaptureIDREFs: []string{"AC0", "AC1"}},
	}}}
	a.SimultaneousSets = []model.SimultaneousSet{
		{SetID: "SS1", SceneViewIDREFs: []string{"SV1"}, MediaCaptureIDREFs: []string{"MCC"}},
		{SetID: "SS2", MediaCaptureIDREFs: []string{"VC0", "VC3", "VC2"}},
	}
	return a
}

func chosen(ch *Choice) []string {
	var out []string
	for _, ce := range ch.Encodings {
		out = append(out, ce.CaptureID+"/"+ce.EncodingID)
	}
	return out
}

func TestChoose(t *testing.T) {
	prio := threeCameras()
	one, two := uint32(1), uint32(2)
	prio.MediaCaptures[3].Priority = &one // VC3 first
	prio.MediaCaptures[0].Priority = &two
	tests := []struct {
		name   string
		adv    *model.Advertisement
		policy *Policy
		want   []string
		rate   uint64
	}{
		// SS1 holds four candidates (VC0–VC2 and the MCC), SS2 three.
		{"everything", threeCameras(), nil, []string{"VC0/v0", "VC1/v1", "VC2/v2", "MCC/m0", "AC0/a0", "AC1/a1"}, 6_000_000 + 2_000_000 + 128_000},
		{"video only", threeCameras(), &Policy{Media: []string{"video"}}, []string{"VC0/v0", "VC1/v1", "VC2/v2", "MCC/m0"}, 8_000_000},
		{"no MCCs", threeCameras(), &Policy{MCCs: NoMCCs, Media: []string{"video"}}, []string{"VC0/v0", "VC1/v1", "VC2/v2"}, 6_000_000},
		{"only MCCs", threeCameras(), &Policy{MCCs: OnlyMCCs}, []string{"MCC/m0"}, 2_000_000},
		{"a scene view", threeCameras(), &Policy{SceneViews: []string{"SV2", "SV4"}}, []string{"VC3/v0", "AC0/a0", "AC1/a1"}, 6_128_000},
		{"chosen captures", threeCameras(), &Policy{Captures: []string{"VC1", "AC1"}}, []string{"VC1/v0", "AC1/a0"}, 6_128_000},
		{"one screen, one speaker", threeCameras(), &Policy{MaxPerMedia: map[string]int{"video": 1, "audio": 1}}, []string{"VC0/v0", "AC0/a0"}, 6_128_000},
		// Encodings known from SDP: 1.5 Mbit/s per camera, 64 kbit/s per
		// microphone. A 4.6 Mbit/s budget takes three cameras (4.5), not
		// the MCC (6.0), one microphone (4.564), not the second (4.628).
		{"budget with SDP rates", threeCameras(), &Policy{Budget: 4_600_000, EncodingBitrate: func(id string) uint64 {
			if id[0] == 'a' {
				return 64_000
			}
			return 1_500_000
		}}, []string{"VC0/v0", "VC1/v1", "VC2/v2", "AC0/a0"}, 4_564_000},
		// Without SDP rates an encoding may take its whole group.
		{"budget without SDP rates", threeCameras(), &Policy{Budget: 6_100_000}, []string{"VC0/v0", "VC1/v1", "VC2/v2"}, 6_000_000},
		{"subset of the MCC", threeCameras(), &Policy{MCCs: OnlyMCCs, Subsets: map[string][]string{"MCC": {"VC2"}}}, []string{"MCC/m0"}, 2_000_000},
		// Priority first: VC3 (1) then VC0 (2): with VC3 the set is SS2,
		// but SS1 holds more candidates, so VC3 is not in it.
		{"priority", prio, &Policy{Media: []string{"video"}, MCCs: NoMCCs, MaxPerMedia: map[string]int{"video": 2}}, []string{"VC0/v0", "VC1/v1"}, 6_000_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := Choose(tc.adv, tc.policy)
			if err != nil {
				t.Fatal(err)
			}
			if got := chosen(ch); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("chose %q, want %q (skipped %v)", got, tc.want, ch.Skipped)
			}
			if ch.Bitrate != tc.rate {
				t.Errorf("bit rate %d, want %d", ch.Bitrate, tc.rate)
			}
			if ps := tc.adv.CheckConfigure(ch.Encodings).Errors(); len(ps) > 0 {
				t.Error(ps)
			}
		})
	}
}

func TestChooseSkips(t *testing.T) {
	ch, err := Choose(threeCameras(), &Policy{Media: []string{"video"}, MaxPerMedia: map[string]int{"video": 2}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Skip{{"VC3", "not in the chosen simultaneous set"}, {"VC2", "per-media limit reached"}, {"MCC", "per-media limit reached"}}
	if !reflect.DeepEqual(ch.Skipped, want) {
		t.Errorf("skipped %v, want %v", ch.Skipped, want)
	}
	// A group with fewer encodings than captures.
	a := threeCameras()
	a.SimultaneousSets = nil
	a.EncodingGroups[0].EncodingIDs = []string{"v0", "v1"}
	ch, err = Choose(a, &Policy{MCCs: NoMCCs, Media: []string{"video"}})
	if err != nil || len(ch.Encodings) != 2 || ch.Skipped[0] != (Skip{"VC2", "no free encoding in group EGv"}) {
		t.Errorf("%v %+v", err, ch)
	}
}

func TestChoosePolicyErrors(t *testing.T) {
	notAllowed := threeCameras()
	notAllowed.MediaCaptures[4].AllowSubsetChoice = false
	for _, tc := range []struct {
		name string
		adv  *model.Advertisement
		p    *Policy
	}{
		{"unknown scene view", threeCameras(), &Policy{SceneViews: []string{"SV9"}}},
		{"subset not allowed", notAllowed, &Policy{Subsets: map[string][]string{"MCC": {"VC0"}}}},
		{"subset over maxCaptures", threeCameras(), &Policy{Subsets: map[string][]string{"MCC": {"VC0", "VC1"}}}},
		{"subset outside the MCC", threeCameras(), &Policy{Subsets: map[string][]string{"MCC": {"VC3"}}}},
		{"empty subset", threeCameras(), &Policy{Subsets: map[string][]string{"MCC": {}}}},
		{"subset of a plain capture", threeCameras(), &Policy{Subsets: map[string][]string{"VC0": {"VC0"}}}},
	} {
		if _, err := Choose(tc.adv, tc.p); !errors.Is(err, ErrPolicy) {
			t.Errorf("%s: %v, want ErrPolicy", tc.name, err)
		}
	}
}

// TestChooseRFCExample: RFC 8847 §10.3's advertisement (RFC 8846 §27's
// room): the consumer's configure passes the data model's check.
func TestChooseRFCExample(t *testing.T) {
	data, err := os.ReadFile("../../testdata/clue/examples/corrected/rfc8847-s10.3-msg3-advertisement.xml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := protocol.Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	adv := &m.(*protocol.Advertisement).Body
	for _, p := range []*Policy{nil, {Media: []string{"video"}, MCCs: OnlyMCCs}, {SceneViews: []string{"SE1"}}, {Budget: 1}} {
		ch, err := Choose(adv, p)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v: %q", p, chosen(ch))
		if ps := adv.CheckConfigure(ch.Encodings).Errors(); len(ps) > 0 {
			t.Error(ps)
		}
	}
}
