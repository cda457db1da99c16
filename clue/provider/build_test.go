package provider

import (
	"errors"
	"fmt"
	"github.com/cluecam/cluecam/internal/testenv"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cluecam/cluecam/clue/model"
	"github.com/cluecam/cluecam/hw"
)

func full(r *Room) *Room {
	r.Policy = Policy{Descriptions: true, People: true, DisplayName: true, Lang: "en"}
	return r
}

// shared is a room whose cameras share devices: "a" and "b" are two modes
// of one pass-through camera (one encoding), "c", "d" and "e" three
// captures of a hardware encoder producing two streams, "f" a camera of its
// own; "mcc" switches between "a" and "f".
func shared() *Room {
	cam := camera("/dev/video0", 1280, 720, 30, 2000)
	enc2 := camera("/dev/video2", 1920, 1080, 30, 4000)
	enc2.Encoder.MaxEncodings = 2
	enc2.Encoder.MaxGroupBitrate = 6_000_000
	small := enc2
	small.Video = hw.VideoMode{Format: hw.FormatH264, Width: 640, Height: 360, FrameRate: fps(30)}
	return &Room{
		Scenes: []Scene{{Name: "room"}},
		Captures: []Capture{
			{Name: "a", Media: model.MediaVideo, Device: cam, Geometry: &Geometry{AreaOfCapture: wall(-1000, 0, 3000, 0, 1000)}},
			{Name: "b", Media: model.MediaVideo, Device: cam, Geometry: &Geometry{AreaOfCapture: wall(-3000, 3000, 3000, 0, 2000)}},
			{Name: "c", Media: model.MediaVideo, Device: enc2},
			{Name: "d", Media: model.MediaVideo, Device: small},
			{Name: "e", Media: model.MediaVideo, Device: enc2},
			{Name: "f", Media: model.MediaVideo, Device: camera("/dev/video4", 640, 480, 15, 1000), Geometry: &Geometry{AreaOfCapture: wall(0, 1000, 3000, 0, 1000)}},
			{Name: "m", Media: model.MediaAudio, Device: microphone("hw:0,0")},
		},
		MCCs: []MCC{{Name: "mcc", Captures: []string{"a", "f"}, AllowSubsetChoice: true}},
	}
}

// twoScenes has a stage and an audience scene, an MCC across both and
// captures without geometry.
func twoScenes() *Room {
	return &Room{
		Scenes: []Scene{{Name: "stage", Scale: model.ScaleUnknown, Description: "stage"}, {Name: "hall", Scale: model.ScaleNone}},
		Captures: []Capture{
			{Name: "lectern", Media: model.MediaVideo, Scene: "stage", Device: camera("v0", 1280, 720, 30, 1500), Geometry: &Geometry{AreaOfCapture: wall(-2, 2, 5, 0, 2)}},
			{Name: "crowd", Media: model.MediaVideo, Scene: "hall", Device: camera("v1", 1280, 720, 30, 1500)},
			{Name: "podium-mic", Media: model.MediaAudio, Scene: "stage", Device: microphone("a0"), Geometry: &Geometry{PointOfCapture: pt(0, 1, 1), PointOnLineOfCapture: pt(0, 2, 1)}},
			{Name: "hall-mic", Media: model.MediaAudio, Scene: "hall", Device: microphone("a1")},
		},
		MCCs: []MCC{{Name: "switch", Scene: "hall", Captures: []string{"lectern", "crowd"}, Policy: "RoundRobin:0"}},
	}
}

// awkwardNames need sanitising and collide with generated identifiers.
func awkwardNames() *Room {
	r := &Room{Scenes: []Scene{{Name: "room"}, {Name: "2nd floor"}}}
	for _, n := range []string{"1cam", "-cam", "_1cam", "CS-room", "EG-1cam", "cam.0", "ümlaut"} {
		r.Captures = append(r.Captures, Capture{Name: n, Media: model.MediaVideo, Scene: "room", Device: camera("", 320, 240, 10, 300)})
	}
	r.Captures = append(r.Captures, Capture{Name: "SV-room-video", Media: model.MediaAudio, Scene: "2nd floor", Device: microphone("")})
	return r
}

func movedPTZ() *Room {
	r := demo()
	r.Captures[0].PTZ.Position = hw.Position{Pan: -30, Tilt: -5, Zoom: 2}
	return r
}

// buildCases are rooms Build must turn into valid advertisements.
var buildCases = []struct {
	name string
	room func() *Room
	// check inspects the result beyond validity.
	check func(t *testing.T, a *Advertisement)
}{
	{"4+4 box", room44, func(t *testing.T, a *Advertisement) {
		if len(a.Body.SimultaneousSets) != 0 {
			t.Errorf("no device is shared, yet %d simultaneous sets", len(a.Body.SimultaneousSets))
		}
		wantViews(t, a, "CS-room", "SV-room-video:cam1 cam2 cam3 cam4", "SV-speaker:speaker", "SV-room-audio:mic1 mic2 mic3 mic4")
		if c := a.Body.Capture("speaker"); c.Spatial == nil || *c.Spatial.CaptureArea != *wall(-3000, 3000, 3000, 700, 1700) {
			t.Errorf("MCC area %+v, want the four cameras' areas together", c.Spatial)
		}
	}},
	{"4+4 box, full disclosure", func() *Room { return full(room44()) }, nil},
	{"demo", demo, func(t *testing.T, a *Advertisement) {
		main := a.Body.Capture("main")
		if main.Mobility != model.Dynamic || a.Body.Capture("wide").Mobility != model.Static {
			t.Errorf("mobility main %q wide %q, want dynamic (PTZ) and static (RFC 8845 §7.1.1.4)", main.Mobility, a.Body.Capture("wide").Mobility)
		}
		if mcc := a.Body.Capture("speaker"); !mcc.NonSpatiallyDefinable {
			t.Error("an MCC over cameras at different depths should not claim an area")
		}
		if s, _ := a.Source("main"); s.Device != "synthetic:h264" || s.Video.Width != 640 {
			t.Errorf("source of main = %+v", s)
		}
	}},
	{"demo, full disclosure", func() *Room { return full(demo()) }, nil},
	{"demo, head moved", movedPTZ, func(t *testing.T, a *Advertisement) {
		if got := *a.Body.Capture("main").Spatial.CaptureArea; got == *wall(-1500, 1500, 3000, 700, 2000) {
			t.Error("area did not follow the head")
		}
	}},
	{"shared devices", shared, func(t *testing.T, a *Advertisement) {
		// a|b share a one-encoding camera; c, d, e share a two-stream
		// encoder: 2 × 3 alternatives.
		if n := len(a.Body.SimultaneousSets); n != 6 {
			t.Errorf("%d video sets, want 6", n)
		}
		g := a.Body.EncodingGroup("EG-a")
		if len(g.EncodingIDs) != 1 || a.Body.EncodingGroup("EG-c").MaxGroupBandwidth != 6_000_000 || len(a.Body.EncodingGroup("EG-c").EncodingIDs) != 2 {
			t.Errorf("groups %+v", a.Body.EncodingGroups)
		}
		for _, s := range a.Body.SimultaneousSets {
			if s.SceneViewIDREFs == nil {
				t.Errorf("set %s lists its captures instead of its scene view", s.SetID)
			}
			v, _ := a.Body.SceneView(s.SceneViewIDREFs[0])
			if slices.Contains(s.MediaCaptureIDREFs, "mcc") != slices.Contains(v.MediaCaptureIDREFs, "a") {
				t.Errorf("set %s: the MCC belongs exactly to the sets holding its constituents: %v", s.SetID, s.MediaCaptureIDREFs)
			}
		}
		e, _ := a.Encoding("c.0")
		if e.MaxWidth != 1920 || e.MaxHeight != 1080 || e.MaxBitrate != 4_000_000 || e.Device != "/dev/video2" {
			t.Errorf("encoding c.0 = %+v", e)
		}
	}},
	{"two scenes", twoScenes, func(t *testing.T, a *Advertisement) {
		if c := a.Body.Capture("switch"); c.CaptureSceneIDREF != "CS-hall" || !c.NonSpatiallyDefinable {
			t.Errorf("MCC across scenes: %+v", c)
		}
		if c := a.Body.Capture("crowd"); !c.NonSpatiallyDefinable || c.Mobility != "" {
			t.Errorf("capture without geometry: %+v", c)
		}
	}},
	{"awkward names", awkwardNames, func(t *testing.T, a *Advertisement) {
		var ids []string
		for _, c := range a.Body.MediaCaptures {
			ids = append(ids, c.CaptureID)
		}
		want := []string{"_1cam", "_-cam", "_1cam-2", "CS-room", "EG-1cam", "cam.0", "__mlaut", "SV-room-video"}
		if !reflect.DeepEqual(ids, want) {
			t.Errorf("captureIDs %q, want %q", ids, want)
		}
		if id, _ := a.CaptureID("_1cam"); id != "_1cam-2" {
			t.Errorf("CaptureID(_1cam) = %q", id)
		}
	}},
	{"gone constituents", func() *Room {
		r := room44()
		r.Captures = slices.DeleteFunc(r.Captures, func(c Capture) bool { return c.Name != "cam3" && c.Media == model.MediaVideo })
		return r
	}, func(t *testing.T, a *Advertisement) {
		if c := a.Body.Capture("speaker"); len(c.Content.MediaCaptureIDREFs) != 1 {
			t.Errorf("MCC content %v, want only cam3", c.Content.MediaCaptureIDREFs)
		}
	}},
	{"all constituents gone", func() *Room {
		r := demo()
		r.Captures = r.Captures[2:]
		return r
	}, func(t *testing.T, a *Advertisement) {
		if a.Body.Capture("speaker") != nil {
			t.Error("an MCC without constituents was advertised")
		}
	}},
}

func wantViews(t *testing.T, a *Advertisement, scene string, views ...string) {
	t.Helper()
	var got []string
	for _, s := range a.Body.CaptureScenes {
		if s.SceneID != scene {
			continue
		}
		for _, v := range s.SceneViews {
			got = append(got, v.SceneViewID+":"+strings.Join(v.MediaCaptureIDREFs, " "))
		}
	}
	if !reflect.DeepEqual(got, views) {
		t.Errorf("scene views of %s:\n%q\nwant\n%q", scene, got, views)
	}
}

// TestBuild: every case validates with clue/model and, as a message, with
// xmllint against the protocol schema.
func TestBuild(t *testing.T) {
	docs := map[string][]byte{}
	for _, tc := range buildCases {
		t.Run(tc.name, func(t *testing.T) {
			a := mustBuild(t, tc.room())
			if ps := a.Body.Check(); len(ps) > 0 {
				t.Errorf("warnings: %v", ps)
			}
			if tc.check != nil {
				tc.check(t, a)
			}
			docs[tc.name] = message(t, a, 1)
		})
	}
	testenv.ValidateXML(t, protocolXSD, docs)
}

// TestBuildDeterministic: the same room gives the same advertisement.
func TestBuildDeterministic(t *testing.T) {
	for _, tc := range buildCases {
		a, b := mustBuild(t, tc.room()), mustBuild(t, tc.room())
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two builds differ", tc.name)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	edit := func(f func(r *Room)) func() *Room {
		return func() *Room { r := demo(); f(r); return r }
	}
	tests := []struct {
		name string
		room func() *Room
		want error
		msg  string
	}{
		{"no captures", edit(func(r *Room) { r.Captures = nil; r.MCCs = nil }), ErrNoCaptures, ""},
		{"duplicate capture", edit(func(r *Room) { r.Captures[1].Name = "main" }), ErrRoom, `capture "main" defined twice`},
		{"MCC named like a capture", edit(func(r *Room) { r.MCCs[0].Name = "wide" }), ErrRoom, `MCC "wide": name already used`},
		{"media", edit(func(r *Room) { r.Captures[0].Media = "text" }), ErrRoom, `media "text"`},
		{"unknown scene", edit(func(r *Room) { r.Captures[0].Scene = "hall" }), ErrRoom, `no scene "hall"`},
		{"scene needed", edit(func(r *Room) { r.Scenes = append(r.Scenes, Scene{Name: "hall"}) }), ErrRoom, "no scene given and the room has 2"},
		{"duplicate scene", edit(func(r *Room) { r.Scenes = append(r.Scenes, r.Scenes[0]) }), ErrRoom, `scene "room" defined twice`},
		{"bad scale", edit(func(r *Room) { r.Scenes[0].Scale = "cm" }), ErrRoom, `scale "cm"`},
		{"no video mode", edit(func(r *Room) { r.Captures[1].Device = Device{ID: "x", Encoder: Encoder{MaxBitrate: 1}} }), ErrRoom, "offers no video mode"},
		{"no audio format", edit(func(r *Room) { r.Captures[2].Device.Audio, r.Captures[2].Device.Formats = hw.AudioFormat{}, nil }), ErrRoom, "offers no audio format"},
		{"mode beyond encoder", edit(func(r *Room) { r.Captures[1].Device.Encoder.MaxWidth = 320 }), ErrRoom, "beyond the encoder"},
		{"no bit rate", edit(func(r *Room) { r.Captures[1].Device.Encoder.MaxBitrate = 0 }), ErrRoom, "no bit-rate limit"},
		{"composed MCC", edit(func(r *Room) { r.MCCs[0].MaxCaptures = 2 }), ErrUnsupported, "needs a compositor"},
		{"MCC mixing media", edit(func(r *Room) { r.MCCs[0].Captures = []string{"main", "table-mic"} }), ErrRoom, "mixes video and audio"},
		{"MCC over one device", edit(func(r *Room) {
			r.Captures[1].Device = r.Captures[0].Device
			r.Captures[1].PTZ = nil
		}), ErrUnsupported, "need 2 encodings of one device that has 1"},
		{"audio area", edit(func(r *Room) { r.Captures[2].Geometry.AreaOfCapture = wall(0, 1, 2, 0, 1) }), ErrGeometry, "RFC 8846 §11.5.2"},
		{"PTZ without point of capture", edit(func(r *Room) { r.Captures[0].Geometry.PointOfCapture = nil }), ErrGeometry, "point of capture"},
		{"bad policy", edit(func(r *Room) { r.MCCs[0].Policy = "Loudest" }), ErrInvalid, "policy"},
		{"too many alternatives", func() *Room {
			r := &Room{Scenes: []Scene{{Name: "s"}}}
			for d := range 6 {
				for c := range 2 {
					r.Captures = append(r.Captures, Capture{Name: fmt.Sprintf("c%d-%d", d, c), Media: model.MediaVideo, Device: camera(fmt.Sprint(d), 320, 240, 10, 100)})
				}
			}
			return r
		}, ErrUnsupported, "more than 32 alternatives"},
		{"too large", edit(func(r *Room) { r.Policy.MaxMessageBytes = 1000 }), ErrTooLarge, "nothing disclosed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Build(tc.room())
			if !errors.Is(err, tc.want) || !strings.Contains(fmt.Sprint(err), tc.msg) {
				t.Fatalf("Build = %v, %v; want %v containing %q", a, err, tc.want, tc.msg)
			}
		})
	}
}

// identifying lists what the minimal policy must never send (RFC 8845
// §14; ARCHITECTURE.md threat "metadata disclosure").
var identifying = []string{"description", "person", "personInfo", "sceneInformation", "capturedPeople", "xcard:", "Person 1", "board room", "Demo room", "camera 1"}

// TestDefaultDisclosure: the zero Policy sends no description, no people,
// no xCard and no scene information, although the room has all of them;
// each Policy switch turns on exactly its part.
func TestDefaultDisclosure(t *testing.T) {
	for _, r := range []*Room{room44(), demo()} {
		a := mustBuild(t, r)
		msg := string(message(t, a, 1))
		for _, s := range identifying {
			if strings.Contains(msg, s) {
				t.Errorf("default advertisement contains %q:\n%s", s, msg)
			}
		}
		if len(a.Body.People) != 0 || len(a.Withheld) != 0 {
			t.Errorf("people %v, withheld %v", a.Body.People, a.Withheld)
		}
	}
	parts := []struct {
		policy   Policy
		has, not []string
	}{
		{Policy{Descriptions: true, Lang: "en"}, []string{`<dm:description lang="en">camera 1, seats 1 and 2</dm:description>`, "Board room, 3rd floor", "the loudest speaker"}, []string{"person", "sceneInformation"}},
		{Policy{People: true}, []string{`<dm:personInfo><xcard:fn><xcard:text>Person 1</xcard:text></xcard:fn></dm:personInfo><dm:personType>attendee</dm:personType>`,
			`<dm:capturedPeople><dm:personIDREF>P1</dm:personIDREF><dm:personIDREF>P2</dm:personIDREF></dm:capturedPeople>`}, []string{"description", "sceneInformation"}},
		{Policy{DisplayName: true}, []string{`<dm:sceneInformation><xcard:fn><xcard:text>ACME board room</xcard:text></xcard:fn></dm:sceneInformation>`}, []string{"description", "person"}},
	}
	docs := map[string][]byte{}
	for i, p := range parts {
		r := room44()
		r.Policy = p.policy
		msg := message(t, mustBuild(t, r), 1)
		docs[fmt.Sprint("policy ", i)] = msg
		for _, s := range p.has {
			if !strings.Contains(string(msg), s) {
				t.Errorf("policy %+v: no %s in\n%s", p.policy, s, msg)
			}
		}
		for _, s := range p.not {
			if strings.Contains(string(msg), s) {
				t.Errorf("policy %+v: %s present", p.policy, s)
			}
		}
	}
	testenv.ValidateXML(t, protocolXSD, docs)
}

// TestSize44: the 4+4 box stays under the 16 KiB RFC 8831 §6.6 advises
// with minimal disclosure, and with everything disclosed; a room that
// discloses more than fits loses people first, then descriptions; the
// limit is a hard one.
func TestSize44(t *testing.T) {
	minimal := mustBuild(t, room44())
	rich := mustBuild(t, full(room44()))
	t.Logf("4 cameras + 4 microphones + MCC: minimal disclosure %d bytes (message %d), full disclosure %d bytes", minimal.Size, len(message(t, minimal, 1)), rich.Size)
	if minimal.Size > DefaultMaxMessageBytes || rich.Size > DefaultMaxMessageBytes || len(rich.Withheld) > 0 {
		t.Errorf("sizes %d, %d (withheld %v), want both ≤ %d", minimal.Size, rich.Size, rich.Withheld, DefaultMaxMessageBytes)
	}
	if got := len(message(t, minimal, 1<<31-1)) - len("<clueId>cluecam</clueId>") + clueIDReserve; got != minimal.Size {
		t.Errorf("Size %d, measured %d", minimal.Size, got)
	}

	// A chatty configuration: every camera shows 12 people with long names,
	// every description is 256 characters (the configuration's maximum).
	chatty := full(room44())
	for i := range chatty.Captures {
		c := &chatty.Captures[i]
		c.Description = strings.Repeat("d", 256)
		if c.Media == model.MediaVideo {
			for j := range 12 {
				c.People = append(c.People, Person{Name: fmt.Sprintf("%s %d-%d", strings.Repeat("n", 100), i, j), Roles: []string{"attendee", "presenter"}})
			}
		}
	}
	chatty.Scenes[0].Description = strings.Repeat("s", 256)
	a := mustBuild(t, chatty)
	t.Logf("chatty room: %d bytes after withholding %v", a.Size, a.Withheld)
	if a.Size > DefaultMaxMessageBytes || !reflect.DeepEqual(a.Withheld, []string{"people"}) {
		t.Errorf("size %d, withheld %v; want ≤ 16 KiB with people withheld", a.Size, a.Withheld)
	}
	if a.Body.People != nil || a.Body.Capture("cam1").Descriptions == nil || a.Body.CaptureScenes[0].SceneInformation == nil {
		t.Errorf("after withholding people, descriptions and display name should remain")
	}
	chatty.Policy.MaxMessageBytes = minimal.Size + 200
	a = mustBuild(t, chatty)
	if !reflect.DeepEqual(a.Withheld, []string{"people", "descriptions"}) || a.Size > minimal.Size+200 {
		t.Errorf("size %d withheld %v", a.Size, a.Withheld)
	}
	chatty.Policy.MaxMessageBytes = minimal.Size - 1
	if _, err := Build(chatty); !errors.Is(err, ErrTooLarge) {
		t.Errorf("below the minimal size: %v, want ErrTooLarge", err)
	}
}

func TestNCName(t *testing.T) {
	for in, want := range map[string]string{"": "_", "cam": "cam", "1": "_1", "-a": "_-a", ".a": "_.a", "a b": "a_b", "a:b": "a_b", "é": "__"} {
		if got := ncname(in); got != want {
			t.Errorf("ncname(%q) = %q, want %q", in, got, want)
		}
	}
}
