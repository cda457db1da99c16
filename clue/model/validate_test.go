package model

import (
	"math"
	"slices"
	"testing"
)

type finding struct {
	rule  Rule
	where string // substring of Problem.Where
}

func TestBaseIsValid(t *testing.T) {
	if ps := baseAdv().Check(); len(ps) != 0 {
		t.Fatalf("base advertisement has problems: %v", ps)
	}
	if ps := baseAdv().CheckConfigure(baseCES()); len(ps) != 0 {
		t.Fatalf("base configure has problems: %v", ps)
	}
}

// TestRules mutates the valid base advertisement one way per case and
// asserts exactly the expected errors (and the expected warnings).
func TestRules(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(a *Advertisement)
		errs   []finding
		warns  []finding
	}{
		// identity and references
		{"missing captureID", func(a *Advertisement) { capByID(a, "TC1").CaptureID = "" },
			[]finding{{RuleRequired, `mediaCapture ""`}, {RuleRef, `"SE4"`}}, nil},
		{"missing mediaType", func(a *Advertisement) { capByID(a, "TC1").MediaType = "" },
			[]finding{{RuleRequired, `"TC1"`}}, nil},
		{"missing captureSceneIDREF", func(a *Advertisement) { capByID(a, "TC1").CaptureSceneIDREF = "" },
			[]finding{{RuleRequired, `"TC1"`}, {RuleSceneViewScene, `"SE4"`}}, nil},
		{"missing scale", func(a *Advertisement) { a.CaptureScenes[0].Scale = "" },
			[]finding{{RuleRequired, `captureScene "CS1"`}}, nil},
		{"empty scene view", func(a *Advertisement) { a.CaptureScenes[0].SceneViews[3].MediaCaptureIDREFs = nil },
			[]finding{{RuleRequired, `sceneView "SE4"`}}, nil},
		{"empty encodingIDList", func(a *Advertisement) {
			a.EncodingGroups = append(a.EncodingGroups, EncodingGroup{EncodingGroupID: "EG3", MaxGroupBandwidth: 1})
		}, []finding{{RuleRequired, `encodingGroup "EG3"`}}, nil},
		{"empty global view", func(a *Advertisement) { a.GlobalViews[1].SceneViewIDREFs = nil },
			[]finding{{RuleRequired, `globalView "GV2"`}}, nil},
		{"no captureScenes", func(a *Advertisement) { a.CaptureScenes = nil },
			[]finding{{RuleRequired, "captureScenes"},
				{RuleRef, `"VC1"`}, {RuleRef, `"VC2"`}, {RuleRef, `"VC3"`}, {RuleRef, `"VC4"`}, {RuleRef, `"AC1"`}, {RuleRef, `"TC1"`},
				{RuleRef, `"VC3"`}, {RuleRef, `"VC4"`}, // content SE1
				{RuleRef, `"SS1"`}, {RuleRef, `globalView "GV1"`}, {RuleRef, `globalView "GV2"`}}, nil},
		{"ID not an NCName", func(a *Advertisement) {
			a.People[1].PersonID = "9bob"
			capByID(a, "VC2").CapturedPeople = nil
			capByID(a, "AC1").CapturedPeople = []string{"alice"}
		},
			[]finding{{RuleIDSyntax, `person "9bob"`}}, nil},
		{"ID used twice", func(a *Advertisement) { a.SimultaneousSets[1].SetID = "VC1" },
			[]finding{{RuleIDUnique, `simultaneousSet "VC1"`}}, nil},
		{"synchronizationID shared (DIGEST §9 #8)", func(a *Advertisement) {
			capByID(a, "VC3").SynchronizationID = "sync1"
			capByID(a, "VC4").SynchronizationID = "sync1"
		}, nil, []finding{{RuleSyncIDShared, `"VC4"`}}},
		{"synchronizationID clashes with another ID", func(a *Advertisement) { capByID(a, "VC3").SynchronizationID = "SE1" },
			[]finding{{RuleIDUnique, `"VC3"`}}, nil},
		{"captureSceneIDREF names a scene view", func(a *Advertisement) { capByID(a, "TC1").CaptureSceneIDREF = "SE4" },
			[]finding{{RuleRef, `"TC1"`}, {RuleSceneViewScene, `"SE4"`}}, nil},
		{"encGroupIDREF names a capture", func(a *Advertisement) { capByID(a, "TC1").EncGroupIDREF = "VC1" },
			[]finding{{RuleRef, `"TC1"`}}, nil},
		{"personIDREF names an encoding group", func(a *Advertisement) { capByID(a, "VC1").CapturedPeople = []string{"EG1"} },
			[]finding{{RuleRef, `"VC1"`}}, nil},
		{"relatedTo names a scene view", func(a *Advertisement) { capByID(a, "TC1").RelatedTo = "SE1" },
			[]finding{{RuleRef, `"TC1"`}}, nil},
		{"relatedTo itself", func(a *Advertisement) { capByID(a, "TC1").RelatedTo = "TC1" },
			[]finding{{RuleRelatedSelf, `"TC1"`}}, nil},
		{"content names an unknown capture", func(a *Advertisement) {
			capByID(a, "VC3").Content.MediaCaptureIDREFs = []string{"VC9"}
		}, []finding{{RuleRef, `"VC3"`}}, nil},
		{"content sceneViewIDREF names a capture", func(a *Advertisement) {
			capByID(a, "VC3").Content.SceneViewIDREFs = []string{"VC1"}
		}, []finding{{RuleRef, `"VC3"`}}, nil},
		{"scene view names an unknown capture", func(a *Advertisement) {
			v := &a.CaptureScenes[0].SceneViews[3]
			v.MediaCaptureIDREFs = append(v.MediaCaptureIDREFs, "TC9")
		}, []finding{{RuleRef, `"SE4"`}}, nil},
		{"set names a scene view as scene", func(a *Advertisement) { a.SimultaneousSets[0].CaptureSceneIDREFs = []string{"SE1"} },
			[]finding{{RuleRef, `"SS1"`}}, nil},
		{"global view names a set", func(a *Advertisement) { a.GlobalViews[0].SceneViewIDREFs = []string{"SE1", "SS1"} },
			[]finding{{RuleRef, `"GV1"`}}, nil},
		{"duplicate reference", func(a *Advertisement) {
			a.CaptureScenes[0].SceneViews[0].MediaCaptureIDREFs = []string{"VC1", "VC2", "VC1"}
		}, nil, []finding{{RuleDuplicateRef, `"SE1"`}}},

		// media captures
		{"audio capture with mediaType video", func(a *Advertisement) { capByID(a, "AC1").MediaType = MediaVideo },
			[]finding{{RuleCaptureType, `"AC1"`}}, nil},
		{"no xsi:type", func(a *Advertisement) { capByID(a, "TC1").Type = 0 },
			[]finding{{RuleCaptureType, `"TC1"`}}, nil},
		{"otherCaptureType for audio", func(a *Advertisement) {
			capByID(a, "AC1").Type = OtherCapture
			capByID(a, "AC1").SensitivityPattern = ""
		},
			nil, []finding{{RuleCaptureType, `"AC1"`}}},
		{"spatial and nonSpatiallyDefinable", func(a *Advertisement) { capByID(a, "VC1").NonSpatiallyDefinable = true },
			[]finding{{RuleSpatialChoice, `"VC1"`}}, nil},
		{"neither spatial nor nonSpatiallyDefinable", func(a *Advertisement) { capByID(a, "AC1").Spatial = nil },
			[]finding{{RuleSpatialChoice, `"AC1"`}}, nil},
		{"text capture with spatial information", func(a *Advertisement) {
			c := capByID(a, "TC1")
			c.NonSpatiallyDefinable, c.Spatial = false, &SpatialInformation{}
		}, []finding{{RuleTextNonSpatial, `"TC1"`}}, nil},
		{"spatial audio without captureOrigin", func(a *Advertisement) { capByID(a, "AC1").Spatial.CaptureOrigin = nil },
			[]finding{{RuleAudioOrigin, `"AC1"`}}, nil},
		{"audio with captureArea", func(a *Advertisement) {
			capByID(a, "AC1").Spatial.CaptureArea = capByID(a, "VC1").Spatial.CaptureArea
		}, []finding{{RuleAudioNoArea, `"AC1"`}}, nil},
		{"spatial video without captureArea", func(a *Advertisement) { capByID(a, "VC2").Spatial.CaptureArea = nil },
			[]finding{{RuleVideoArea, `"VC2"`}}, nil},
		{"NaN coordinate", func(a *Advertisement) { capByID(a, "VC1").Spatial.CaptureArea.BottomLeft.X = math.NaN() },
			[]finding{{RuleFinite, `"VC1"`}}, nil},
		{"infinite coordinate", func(a *Advertisement) { capByID(a, "AC1").Spatial.CaptureOrigin.CapturePoint.Z = math.Inf(1) },
			[]finding{{RuleFinite, `"AC1"`}}, nil},
		{"line of capture point equals capture point", func(a *Advertisement) {
			o := capByID(a, "AC1").Spatial.CaptureOrigin
			o.LineOfCapturePoint = ptr(o.CapturePoint)
		}, []finding{{RuleLineOfCapture, `"AC1"`}}, nil},
		{"line of capture behind the camera", func(a *Advertisement) {
			capByID(a, "VC1").Spatial.CaptureOrigin.LineOfCapturePoint = ptr(pt(-2, -1, 10))
		}, []finding{{RuleLineBetween, `"VC1"`}}, nil},
		{"line of capture beyond the area", func(a *Advertisement) {
			capByID(a, "VC1").Spatial.CaptureOrigin.LineOfCapturePoint = ptr(pt(-2, 30, 10))
		}, []finding{{RuleLineBetween, `"VC1"`}}, nil},
		{"line of capture pointing away from the area", func(a *Advertisement) {
			capByID(a, "VC1").Spatial.CaptureOrigin.LineOfCapturePoint = ptr(pt(-2, 1, 12))
		}, []finding{{RuleLineBetween, `"VC1"`}}, nil},
		{"area not coplanar", func(a *Advertisement) { capByID(a, "VC1").Spatial.CaptureArea.TopRight.Y = 25 },
			[]finding{{RuleAreaCoplanar, `"VC1"`}}, nil},
		{"area self-intersecting", func(a *Advertisement) {
			ar := capByID(a, "VC1").Spatial.CaptureArea
			ar.TopLeft, ar.TopRight = ar.TopRight, ar.TopLeft
		}, []finding{{RuleAreaShape, `"VC1"`}}, nil},
		{"area degenerate", func(a *Advertisement) {
			ar := capByID(a, "VC1").Spatial.CaptureArea
			ar.TopLeft, ar.TopRight = ar.BottomLeft, ar.BottomRight
		}, []finding{{RuleAreaShape, `"VC1"`}}, nil},
		{"area concave", func(a *Advertisement) { capByID(a, "VC1").Spatial.CaptureArea.TopRight = pt(-2.5, 20, 9.5) },
			[]finding{{RuleAreaShape, `"VC1"`}}, nil},
		{"area mirrored (left and right swapped)", func(a *Advertisement) {
			ar := capByID(a, "VC1").Spatial.CaptureArea
			ar.BottomLeft, ar.BottomRight = ar.BottomRight, ar.BottomLeft
			ar.TopLeft, ar.TopRight = ar.TopRight, ar.TopLeft
		}, []finding{{RuleAreaOrientation, `"VC1"`}}, nil},
		{"individual with MCC fields", func(a *Advertisement) { capByID(a, "VC1").Policy = "SoundLevel:0" },
			[]finding{{RuleIndividualMCC, `"VC1"`}}, nil},
		{"MCC mixing media types", func(a *Advertisement) {
			c := capByID(a, "VC3")
			c.Content.MediaCaptureIDREFs = []string{"AC1"}
		}, []finding{{RuleMCCMediaType, `"VC3"`}}, nil},
		{"MCC containing itself", func(a *Advertisement) { capByID(a, "VC3").Content.MediaCaptureIDREFs = []string{"VC3"} },
			[]finding{{RuleMCCCycle, `"VC3"`}}, nil},
		{"MCC containing itself through a scene view", func(a *Advertisement) { capByID(a, "VC3").Content.SceneViewIDREFs = []string{"SE2"} },
			[]finding{{RuleMCCCycle, `"VC3"`}}, nil},
		{"MCCs containing each other", func(a *Advertisement) {
			capByID(a, "VC3").Content.MediaCaptureIDREFs = []string{"VC4"}
			capByID(a, "VC4").Content.MediaCaptureIDREFs = []string{"VC3"}
		}, []finding{{RuleMCCCycle, `"VC3"`}, {RuleMCCCycle, `"VC4"`}}, nil},
		{"MCC area smaller than its constituents'", func(a *Advertisement) {
			capByID(a, "VC3").Spatial.CaptureArea = area(-3, -1, 20, 9, 11) // covers VC1 only
		}, []finding{{RuleMCCArea, `"VC3"`}}, nil},
		{"MCC area not compared under noscale", func(a *Advertisement) {
			capByID(a, "VC3").Spatial.CaptureArea = area(-3, -1, 20, 9, 11)
			a.CaptureScenes[0].Scale = ScaleNone
		}, nil, nil},
		{"MCC area in another plane is not compared", func(a *Advertisement) {
			capByID(a, "VC3").Spatial.CaptureArea = area(-3, -1, 30, 9, 11)
		}, nil, nil},
		{"maxCaptures above the content size", func(a *Advertisement) { capByID(a, "VC3").MaxCaptures = &MaxCaptures{N: 3, ExactNumber: true} },
			[]finding{{RuleMaxCaptures, `"VC3"`}}, nil},
		{"maxCaptures zero", func(a *Advertisement) { capByID(a, "VC3").MaxCaptures = &MaxCaptures{} },
			[]finding{{RuleMaxCaptures, `"VC3"`}}, nil},
		{"policy not token:index", func(a *Advertisement) { capByID(a, "VC3").Policy = "Sound Level" },
			[]finding{{RulePolicy, `"VC3"`}}, nil},
		{"allowSubsetChoice without content", func(a *Advertisement) {
			c := capByID(a, "VC3")
			c.Content, c.AllowSubsetChoice = nil, true
		}, nil, []finding{{RuleSubsetNoContent, `"VC3"`}}},
		{"sensitivityPattern on video", func(a *Advertisement) { capByID(a, "VC1").SensitivityPattern = "omni" },
			[]finding{{RuleAudioOnly, `"VC1"`}}, nil},
		{"unregistered sensitivityPattern", func(a *Advertisement) { capByID(a, "AC1").SensitivityPattern = "bidirectional" },
			nil, []finding{{RuleRegistry, `"AC1"`}}},
		{"mobility not enumerated", func(a *Advertisement) { capByID(a, "VC1").Mobility = "moving" },
			[]finding{{RuleEnum, `"VC1"`}}, nil},
		{"scale not enumerated", func(a *Advertisement) { a.CaptureScenes[0].Scale = "cm" },
			[]finding{{RuleEnum, `"CS1"`}}, nil},
		{"lang not a language tag", func(a *Advertisement) { capByID(a, "VC1").Lang = []string{"en_US"} },
			[]finding{{RuleLanguage, `"VC1"`}}, nil},
		{"description lang not a language tag", func(a *Advertisement) { a.CaptureScenes[0].Descriptions[0].Lang = "en_GB" },
			[]finding{{RuleLanguage, `"CS1"`}}, nil},
		{"embeddedText lang not a language tag", func(a *Advertisement) { capByID(a, "TC1").EmbeddedText.Lang = "1en" },
			[]finding{{RuleLanguage, `"TC1"`}}, nil},
		{"unregistered view", func(a *Advertisement) { capByID(a, "VC1").View = "balcony" },
			nil, []finding{{RuleRegistry, `"VC1"`}}},
		{"two descriptions in one language", func(a *Advertisement) {
			c := capByID(a, "VC1")
			c.Descriptions = append(c.Descriptions, Description{Lang: "en", Text: "again"})
		}, nil, []finding{{RuleDescriptionLang, `"VC1"`}}},

		// scenes and views
		{"scene without sceneViews", func(a *Advertisement) {
			a.CaptureScenes = append(a.CaptureScenes, CaptureScene{SceneID: "CS2", Scale: ScaleNone})
		}, nil, []finding{{RuleSceneViews, `"CS2"`}}},
		{"scene view lists a capture of another scene", func(a *Advertisement) {
			a.CaptureScenes = append(a.CaptureScenes, CaptureScene{SceneID: "CS2", Scale: ScaleUnknown,
				SceneViews: []SceneView{{SceneViewID: "SE9", MediaCaptureIDREFs: []string{"VC1"}}}})
		}, []finding{{RuleSceneViewScene, `"SE9"`}}, nil},
		{"scene view mixing media types", func(a *Advertisement) {
			v := &a.CaptureScenes[0].SceneViews[3]
			v.MediaCaptureIDREFs = append(v.MediaCaptureIDREFs, "AC1")
		}, []finding{{RuleSceneViewMediaType, `"SE4"`}}, nil},

		// encoding groups
		{"encoding group too small for its CSVs", func(a *Advertisement) { a.EncodingGroups[0].EncodingIDs = []string{"ENC1"} },
			[]finding{{RuleEncGroupCapacity, `"SE1"`}, {RuleEncGroupCapacity, `"SE2"`}, {RuleEncGroupCapacity, `"GV1"`}}, nil},
		{"encodingID not an SDP token", func(a *Advertisement) { a.EncodingGroups[0].EncodingIDs[0] = "enc 1" },
			[]finding{{RuleEncodingID, `"EG1"`}}, nil},
		{"encodingID twice in a group", func(a *Advertisement) {
			a.EncodingGroups[0].EncodingIDs = append(a.EncodingGroups[0].EncodingIDs, "ENC4")
		}, []finding{{RuleEncodingIDUnique, `"EG1"`}}, nil},
		{"encodingID in two groups", func(a *Advertisement) { a.EncodingGroups[1].EncodingIDs[1] = "ENC1" },
			nil, []finding{{RuleEncodingIDUnique, `"EG2"`}}},
		{"maxGroupBandwidth zero", func(a *Advertisement) { a.EncodingGroups[1].MaxGroupBandwidth = 0 },
			nil, []finding{{RuleGroupBandwidth, `"EG2"`}}},

		// simultaneous sets and global views
		{"set mediaType contradicts members", func(a *Advertisement) { a.SimultaneousSets[0].MediaType = MediaAudio },
			[]finding{{RuleSetMediaType, `"SS1"`}}, nil},
		{"set mixing media types", func(a *Advertisement) {
			s := &a.SimultaneousSets[1]
			s.MediaCaptureIDREFs = append(s.MediaCaptureIDREFs, "TC1")
		}, []finding{{RuleSetMediaType, `"SS2"`}}, nil},
		{"set with scene references only and no mediaType", func(a *Advertisement) {
			a.SimultaneousSets = append(a.SimultaneousSets, SimultaneousSet{SetID: "SS3", CaptureSceneIDREFs: []string{"CS1"}})
		}, []finding{{RuleSetMediaType, `"SS3"`}}, nil},
		{"set without references", func(a *Advertisement) {
			a.SimultaneousSets = append(a.SimultaneousSets, SimultaneousSet{SetID: "SS3"})
		}, nil, []finding{{RuleSetEmpty, `"SS3"`}}},
		{"sets do not cover a CSV", func(a *Advertisement) { a.SimultaneousSets[0].MediaCaptureIDREFs = []string{"VC3"} },
			[]finding{{RuleSetCoversCSV, `"SE2"`}}, nil},
		{"sets do not cover a global view", func(a *Advertisement) {
			a.SimultaneousSets[0].MediaCaptureIDREFs = nil
			a.SimultaneousSets = append(a.SimultaneousSets, SimultaneousSet{SetID: "SS3", SceneViewIDREFs: []string{"SE2"}})
			a.GlobalViews = append(a.GlobalViews, GlobalView{GlobalViewID: "GV3", SceneViewIDREFs: []string{"SE1", "SE2"}})
		}, []finding{{RuleSetCoversGlobalView, `"GV3"`}}, nil},
		{"scene reference in a set covers the scene's CSVs", func(a *Advertisement) {
			a.SimultaneousSets[0] = SimultaneousSet{SetID: "SS1", MediaType: MediaVideo, CaptureSceneIDREFs: []string{"CS1"}}
		}, nil, nil},
		{"global view mixing media types", func(a *Advertisement) { a.GlobalViews[0].SceneViewIDREFs = []string{"SE1", "SE3"} },
			[]finding{{RuleGlobalViewMediaType, `"GV1"`}}, nil},
		{"global view without ID is fine", func(a *Advertisement) { a.GlobalViews[0].GlobalViewID = "" }, nil, nil},

		// people
		{"xCard without fn", func(a *Advertisement) { a.People[0].PersonInfo.FN = nil },
			[]finding{{RuleXCardFN, `person "alice"`}}, nil},
		{"xCard repeating a single-valued property", func(a *Advertisement) {
			bday := Element{Name: xmlName(NSVCard, "bday"), Children: []Element{{Name: xmlName(NSVCard, "date"), Text: "19700101"}}}
			a.People[0].PersonInfo.Other = []Element{bday, bday}
		}, []finding{{RuleXCardCardinality, `person "alice"`}}, nil},
		{"xCard photo inline", func(a *Advertisement) {
			a.People[0].PersonInfo.Other = []Element{{Name: xmlName(NSVCard, "photo"),
				Children: []Element{{Name: xmlName(NSVCard, "uri"), Text: "data:image/jpeg;base64,AAAA"}}}}
		}, nil, []finding{{RuleXCardInline, `person "alice"`}}},
		{"personType repeated", func(a *Advertisement) { a.People[1].PersonTypes = []string{PersonAttendee, PersonAttendee} },
			[]finding{{RulePersonTypeRepeat, `person "bob"`}}, nil},
		{"scene xCard without fn", func(a *Advertisement) { a.CaptureScenes[0].SceneInformation = &XCard{} },
			[]finding{{RuleXCardFN, `captureScene "CS1"`}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := baseAdv()
			tc.mutate(a)
			ps := a.Check()
			assertFindings(t, ps, tc.errs, tc.warns)
			if err := a.Validate(); (err == nil) != (len(tc.errs) == 0) {
				t.Errorf("Validate() = %v with %d expected errors", err, len(tc.errs))
			}
		})
	}
}

// assertFindings: the errors of ps are exactly errs (as a multiset of
// rule+where matches) and the warnings exactly warns.
func assertFindings(t *testing.T, ps Problems, errs, warns []finding) {
	t.Helper()
	for _, sev := range []Severity{Error, Warning} {
		want := errs
		if sev == Warning {
			want = warns
		}
		var got Problems
		for _, p := range ps {
			if p.Severity == sev {
				got = append(got, p)
			}
		}
		left := slices.Clone(got)
		for _, w := range want {
			i := slices.IndexFunc(left, func(p Problem) bool { return p.Rule == w.rule && contains(p.Where, w.where) })
			if i < 0 {
				t.Errorf("missing %v %s at %s; got %v", sev, w.rule, w.where, got)
				continue
			}
			left = slices.Delete(left, i, i+1)
		}
		for _, p := range left {
			t.Errorf("unexpected %v: %v", sev, p)
		}
	}
	for _, p := range ps {
		if p.Section == "" || p.Where == "" {
			t.Errorf("problem without section or location: %+v", p)
		}
	}
}

func TestConfigureRules(t *testing.T) {
	cases := []struct {
		name   string
		adv    func(a *Advertisement)
		mutate func(c CaptureEncodings) CaptureEncodings
		errs   []finding
		warns  []finding
	}{
		{"missing ID", nil, func(c CaptureEncodings) CaptureEncodings { c[0].ID = ""; return c },
			[]finding{{RuleRequired, `captureEncoding ""`}}, nil},
		{"ID not an NCName", nil, func(c CaptureEncodings) CaptureEncodings { c[0].ID = "1ce"; return c },
			[]finding{{RuleIDSyntax, `"1ce"`}}, nil},
		{"ID twice", nil, func(c CaptureEncodings) CaptureEncodings { c[1].ID = "ce1"; return c },
			[]finding{{RuleIDUnique, `"ce1"`}}, nil},
		{"missing encodingID", nil, func(c CaptureEncodings) CaptureEncodings { c[2].EncodingID = ""; return c },
			[]finding{{RuleRequired, `"ce3"`}}, nil},
		{"unknown capture", nil, func(c CaptureEncodings) CaptureEncodings { c[2].CaptureID = "AC9"; return c },
			[]finding{{RuleCEUnknownCapture, `"ce3"`}}, nil},
		{"capture without encoding group", func(a *Advertisement) { capByID(a, "TC1").EncGroupIDREF = "" },
			func(c CaptureEncodings) CaptureEncodings {
				return append(c, CaptureEncoding{ID: "ce4", CaptureID: "TC1", EncodingID: "ENC6"})
			}, []finding{{RuleCENoEncGroup, `"ce4"`}}, nil},
		{"encoding of another group", nil, func(c CaptureEncodings) CaptureEncodings { c[0].EncodingID = "ENC6"; return c },
			[]finding{{RuleCEEncoding, `"ce1"`}}, nil},
		{"encoding used twice", nil, func(c CaptureEncodings) CaptureEncodings { c[1].EncodingID = "ENC1"; return c },
			[]finding{{RuleCEEncodingReuse, `"ce2"`}}, nil},
		{"capture configured twice", nil, func(c CaptureEncodings) CaptureEncodings { c[1].CaptureID = "VC1"; return c },
			[]finding{{RuleCECaptureReuse, `"ce2"`}}, nil},
		{"configuredContent on an individual capture", nil, func(c CaptureEncodings) CaptureEncodings {
			c[0].ConfiguredContent = &Content{MediaCaptureIDREFs: []string{"VC1"}}
			return c
		}, []finding{{RuleCEContentNotMCC, `"ce1"`}}, nil},
		{"subset without allowSubsetChoice (405)", nil, func(c CaptureEncodings) CaptureEncodings {
			return CaptureEncodings{{ID: "ce1", CaptureID: "VC3", EncodingID: "ENC1", ConfiguredContent: &Content{MediaCaptureIDREFs: []string{"VC1"}}}}
		}, []finding{{RuleSubsetChoice, `"ce1"`}}, nil},
		{"subset with allowSubsetChoice", func(a *Advertisement) { capByID(a, "VC3").AllowSubsetChoice = true },
			func(c CaptureEncodings) CaptureEncodings {
				return CaptureEncodings{{ID: "ce1", CaptureID: "VC3", EncodingID: "ENC1", ConfiguredContent: &Content{MediaCaptureIDREFs: []string{"VC2"}}}}
			}, nil, nil},
		{"full content without allowSubsetChoice", func(a *Advertisement) { capByID(a, "VC3").MaxCaptures = nil }, func(c CaptureEncodings) CaptureEncodings {
			return CaptureEncodings{{ID: "ce1", CaptureID: "VC3", EncodingID: "ENC1", ConfiguredContent: &Content{SceneViewIDREFs: []string{"SE1"}}}}
		}, nil, []finding{{RuleSubsetChoice, `"ce1"`}}},
		{"subset of an MCC without references", func(a *Advertisement) {
			c := capByID(a, "VC3")
			c.Content, c.AllowSubsetChoice = nil, true
		}, func(c CaptureEncodings) CaptureEncodings {
			return CaptureEncodings{{ID: "ce1", CaptureID: "VC3", EncodingID: "ENC1", ConfiguredContent: &Content{MediaCaptureIDREFs: []string{"VC1"}}}}
		}, []finding{{RuleSubsetChoice, `"ce1"`}}, nil},
		{"chosen capture outside the MCC", func(a *Advertisement) { capByID(a, "VC3").AllowSubsetChoice = true },
			func(c CaptureEncodings) CaptureEncodings {
				return CaptureEncodings{{ID: "ce1", CaptureID: "VC3", EncodingID: "ENC1", ConfiguredContent: &Content{MediaCaptureIDREFs: []string{"VC4"}}}}
			}, []finding{{RuleCEContentOutside, `"ce1"`}}, nil},
		{"configuredContent names nothing", func(a *Advertisement) { capByID(a, "VC3").AllowSubsetChoice = true },
			func(c CaptureEncodings) CaptureEncodings {
				return CaptureEncodings{{ID: "ce1", CaptureID: "VC3", EncodingID: "ENC1", ConfiguredContent: &Content{SceneViewIDREFs: []string{"SE9"}}}}
			}, []finding{{RuleRef, `"ce1"`}}, nil},
		// RFC 8846 §22.3 counts the captures listed, even for a switched MCC.
		{"more captures than maxCaptures", func(a *Advertisement) { capByID(a, "VC3").AllowSubsetChoice = true },
			func(c CaptureEncodings) CaptureEncodings {
				return CaptureEncodings{{ID: "ce1", CaptureID: "VC3", EncodingID: "ENC1", ConfiguredContent: &Content{MediaCaptureIDREFs: []string{"VC1", "VC2"}}}}
			}, []finding{{RuleCEMaxCaptures, `"ce1"`}}, nil},
		{"MCC chosen inside itself", func(a *Advertisement) { capByID(a, "VC3").AllowSubsetChoice = true },
			func(c CaptureEncodings) CaptureEncodings {
				return CaptureEncodings{{ID: "ce1", CaptureID: "VC3", EncodingID: "ENC1", ConfiguredContent: &Content{MediaCaptureIDREFs: []string{"VC3"}}}}
			}, []finding{{RuleMCCCycle, `"ce1"`}}, nil},
		{"captures from two simultaneous sets", func(a *Advertisement) {
			a.SimultaneousSets[0].MediaCaptureIDREFs = nil
			a.SimultaneousSets = append(a.SimultaneousSets, SimultaneousSet{SetID: "SS3", SceneViewIDREFs: []string{"SE2"}})
		}, func(c CaptureEncodings) CaptureEncodings {
			return append(c, CaptureEncoding{ID: "ce4", CaptureID: "VC3", EncodingID: "ENC3"})
		}, []finding{{RuleCESimultaneous, "captureEncodings"}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := baseAdv()
			if tc.adv != nil {
				tc.adv(a)
			}
			if ps := a.Check().Errors(); len(ps) != 0 {
				t.Fatalf("advertisement mutation is itself invalid: %v", ps)
			}
			ps := a.CheckConfigure(tc.mutate(baseCES()))
			assertFindings(t, ps, tc.errs, tc.warns)
		})
	}
}

func TestCheckUpdate(t *testing.T) {
	prev := baseAdv()
	if ps := CheckUpdate(prev, baseAdv()); len(ps) != 0 {
		t.Fatalf("unchanged: %v", ps)
	}
	next := baseAdv()
	capByID(next, "VC1").Spatial.CaptureOrigin.CapturePoint.X += 100
	assertFindings(t, CheckUpdate(prev, next), []finding{{RuleStaticMoved, `"VC1"`}}, nil)

	next = baseAdv()
	capByID(next, "VC2").Spatial.CaptureArea.TopLeft.Z++ // zoomed: area changes, camera stays
	capByID(next, "VC2").Spatial.CaptureArea.TopRight.Z++
	assertFindings(t, CheckUpdate(prev, next), nil, []finding{{RuleStaticMoved, `"VC2"`}})

	prev = baseAdv()
	capByID(prev, "VC1").Mobility = Dynamic
	next = baseAdv()
	capByID(next, "VC1").Spatial.CaptureOrigin.CapturePoint.X += 100
	if ps := CheckUpdate(prev, next); len(ps) != 0 {
		t.Fatalf("dynamic capture moved: %v", ps)
	}
}
