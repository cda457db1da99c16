package model

import (
	"encoding/xml"
	"strings"
)

// A small valid advertisement used as the starting point of the rule
// tables: one scene with two cameras, two switched MCCs over them, a
// microphone and a text capture; two encoding groups, one set per media
// type (none for text), two global views, two people.

func pt(x, y, z float64) Point { return Point{x, y, z} }

func ptr[T any](v T) *T { return &v }

// camera returns an individual video capture at x looking down +Y at a
// 2×2 area at y=20.
func camera(id string, x float64, people ...string) MediaCapture {
	return MediaCapture{
		Type: VideoCapture, CaptureID: id, MediaType: MediaVideo, CaptureSceneIDREF: "CS1",
		Spatial: &SpatialInformation{
			CaptureOrigin: &CaptureOrigin{CapturePoint: pt(x, 0, 10), LineOfCapturePoint: ptr(pt(x, 1, 10))},
			CaptureArea: &CaptureArea{
				BottomLeft: pt(x-1, 20, 9), BottomRight: pt(x+1, 20, 9),
				TopLeft: pt(x-1, 20, 11), TopRight: pt(x+1, 20, 11),
			},
		},
		Individual:     true,
		EncGroupIDREF:  "EG1",
		Descriptions:   []Description{{Lang: "en", Text: "camera " + id}},
		Priority:       ptr(uint32(1)),
		Lang:           []string{"en"},
		Mobility:       Static,
		View:           "individual",
		CapturedPeople: people,
	}
}

func switched(id string, index string) MediaCapture {
	return MediaCapture{
		Type: VideoCapture, CaptureID: id, MediaType: MediaVideo, CaptureSceneIDREF: "CS1",
		Spatial: &SpatialInformation{CaptureArea: &CaptureArea{
			BottomLeft: pt(-3, 20, 9), BottomRight: pt(1, 20, 9), TopLeft: pt(-3, 20, 11), TopRight: pt(1, 20, 11),
		}},
		Content:       &Content{SceneViewIDREFs: []string{"SE1"}},
		Policy:        "SoundLevel:" + index,
		MaxCaptures:   &MaxCaptures{N: 1},
		EncGroupIDREF: "EG1",
		View:          "individual",
	}
}

func baseAdv() *Advertisement {
	return &Advertisement{
		MediaCaptures: []MediaCapture{
			camera("VC1", -2, "alice"),
			camera("VC2", 0, "bob"),
			switched("VC3", "0"),
			switched("VC4", "1"),
			{
				Type: AudioCapture, CaptureID: "AC1", MediaType: MediaAudio, CaptureSceneIDREF: "CS1",
				Spatial: &SpatialInformation{CaptureOrigin: &CaptureOrigin{
					CapturePoint: pt(-1, 0, 10), LineOfCapturePoint: ptr(pt(-1, 1, 10)),
				}},
				Individual: true, EncGroupIDREF: "EG2", Mobility: Static, View: "room",
				CapturedPeople: []string{"alice", "bob"}, SensitivityPattern: "cardioid",
			},
			{
				Type: TextCapture, CaptureID: "TC1", MediaType: MediaText, CaptureSceneIDREF: "CS1",
				NonSpatiallyDefinable: true, Individual: true, EncGroupIDREF: "EG2",
				EmbeddedText: &EmbeddedText{Value: false, Lang: "en"},
			},
		},
		EncodingGroups: []EncodingGroup{
			{EncodingGroupID: "EG1", MaxGroupBandwidth: 4000000, EncodingIDs: []string{"ENC1", "ENC2", "ENC3", "ENC4"}},
			{EncodingGroupID: "EG2", MaxGroupBandwidth: 200000, EncodingIDs: []string{"ENC5", "ENC6"}},
		},
		CaptureScenes: []CaptureScene{{
			SceneID: "CS1", Scale: ScaleMM,
			Descriptions: []Description{{Lang: "en", Text: "meeting room"}},
			SceneViews: []SceneView{
				{SceneViewID: "SE1", MediaCaptureIDREFs: []string{"VC1", "VC2"}},
				{SceneViewID: "SE2", MediaCaptureIDREFs: []string{"VC3", "VC4"}},
				{SceneViewID: "SE3", MediaCaptureIDREFs: []string{"AC1"}},
				{SceneViewID: "SE4", MediaCaptureIDREFs: []string{"TC1"}},
			},
		}},
		SimultaneousSets: []SimultaneousSet{
			{SetID: "SS1", MediaType: MediaVideo, MediaCaptureIDREFs: []string{"VC3", "VC4"}, SceneViewIDREFs: []string{"SE1"}},
			{SetID: "SS2", MediaCaptureIDREFs: []string{"AC1"}},
		},
		GlobalViews: []GlobalView{
			{GlobalViewID: "GV1", SceneViewIDREFs: []string{"SE1"}},
			{GlobalViewID: "GV2", SceneViewIDREFs: []string{"SE3"}},
		},
		People: []Person{
			{PersonID: "alice", PersonInfo: &XCard{FN: []FN{{Text: "Alice"}}, N: &N{Surname: []string{"Liddell"}, Given: []string{"Alice"}}},
				PersonTypes: []string{PersonPresenter}},
			{PersonID: "bob", PersonTypes: []string{PersonAttendee, PersonMinuteTaker}},
		},
	}
}

func baseCES() CaptureEncodings {
	return CaptureEncodings{
		{ID: "ce1", CaptureID: "VC1", EncodingID: "ENC1"},
		{ID: "ce2", CaptureID: "VC2", EncodingID: "ENC2"},
		{ID: "ce3", CaptureID: "AC1", EncodingID: "ENC5"},
	}
}

// capByID returns the capture with the ID in a (tests only).
func capByID(a *Advertisement, id string) *MediaCapture {
	for i := range a.MediaCaptures {
		if a.MediaCaptures[i].CaptureID == id {
			return &a.MediaCaptures[i]
		}
	}
	panic("no capture " + id)
}

func xmlName(space, local string) xml.Name { return xml.Name{Space: space, Local: local} }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
