package model

import (
	"encoding/xml"
	"fmt"
	"github.com/cluecam/cluecam/internal/testenv"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// gen builds random valid advertisements: the property test says each one
// passes Validate, encodes to XML that xmllint accepts, and round-trips.
type gen struct {
	r   *rand.Rand
	a   *Advertisement
	seq int
}

func (g *gen) id(prefix string) string {
	g.seq++
	return fmt.Sprintf("%s%d", prefix, g.seq)
}

func (g *gen) coin() bool { return g.r.Intn(2) == 0 }

var textRunes = []rune("abc XYZ<>&\"'\n\t\r é日本🎥-_.:;")

func (g *gen) text() string {
	n := g.r.Intn(12)
	var b strings.Builder
	for range n {
		b.WriteRune(textRunes[g.r.Intn(len(textRunes))])
	}
	return b.String()
}

func (g *gen) descriptions() []Description {
	var ds []Description
	for i, l := range []string{"en", "it", "de-CH"} {
		if g.r.Intn(3+i) == 0 {
			ds = append(ds, Description{Lang: l, Text: g.text()})
		}
	}
	if len(ds) == 0 && g.r.Intn(4) == 0 {
		ds = append(ds, Description{Text: g.text()})
	}
	return ds
}

// ext returns random extension elements in a foreign namespace.
func (g *gen) ext() []Element {
	if g.r.Intn(4) != 0 {
		return nil
	}
	e := Element{Name: xml.Name{Space: "urn:example:ext", Local: "feature"}, Text: g.text()}
	if g.coin() {
		e.Attr = []xml.Attr{{Name: xml.Name{Local: "level"}, Value: g.text()}, {Name: xml.Name{Space: "urn:example:other", Local: "x"}, Value: "1"}}
	}
	if g.coin() {
		e.Text = "t"
		e.Children = []Element{{Name: xml.Name{Space: "urn:example:ext2", Local: "sub"}, Text: g.text()}, {Name: xml.Name{Local: "plain"}}}
	}
	return []Element{e}
}

func (g *gen) extAttr() []xml.Attr {
	if g.r.Intn(4) != 0 {
		return nil
	}
	return []xml.Attr{{Name: xml.Name{Space: "urn:example:ext", Local: "note"}, Value: g.text()}}
}

func (g *gen) xcard() *XCard {
	c := &XCard{FN: []FN{{Text: g.text()}}}
	if g.coin() {
		c.N = &N{Surname: []string{g.text()}, Given: []string{g.text(), g.text()}}
	}
	if g.coin() {
		c.Other = append(c.Other, Element{Name: xml.Name{Space: NSVCard, Local: "email"},
			Children: []Element{{Name: xml.Name{Space: NSVCard, Local: "text"}, Text: "a@example.org"}}})
	}
	if g.coin() {
		c.Other = append(c.Other, Element{Name: xml.Name{Space: NSVCard, Local: "title"},
			Children: []Element{{Name: xml.Name{Space: NSVCard, Local: "text"}, Text: g.text()}}})
	}
	return c
}

func (g *gen) common(c *MediaCapture) {
	c.Descriptions = g.descriptions()
	if g.coin() {
		c.Priority = ptr(uint32(g.r.Intn(5)))
	}
	if g.coin() {
		c.Lang = []string{"en", "it"}[:1+g.r.Intn(2)]
	}
	if g.coin() {
		c.Mobility = []Mobility{Static, Dynamic, HighlyDynamic}[g.r.Intn(3)]
	}
	if g.r.Intn(5) == 0 {
		c.Presentation = "slides"
	}
	if g.r.Intn(5) == 0 {
		c.EmbeddedText = &EmbeddedText{Value: g.coin(), Lang: []string{"", "en"}[g.r.Intn(2)]}
	}
	if g.coin() {
		c.View = viewRegistry[g.r.Intn(len(viewRegistry))]
	}
	c.Ext = g.ext()
	c.ExtAttr = g.extAttr()
}

// area returns an axis-aligned area at y facing a capture point at (x,0,z).
func area(x0, x1, y, z0, z1 float64) *CaptureArea {
	return &CaptureArea{BottomLeft: pt(x0, y, z0), BottomRight: pt(x1, y, z0), TopLeft: pt(x0, y, z1), TopRight: pt(x1, y, z1)}
}

func (g *gen) scene(groups map[string]*EncodingGroup) {
	a := g.a
	s := CaptureScene{
		SceneID: g.id("CS"), Scale: []Scale{ScaleMM, ScaleUnknown, ScaleNone}[g.r.Intn(3)],
		Descriptions: g.descriptions(), Ext: g.ext(), ExtAttr: g.extAttr(),
	}
	if g.r.Intn(3) == 0 {
		s.SceneInformation = g.xcard()
	}
	unit := []float64{1, 1000, 0.25}[g.r.Intn(3)]
	var cams, mics, mccs []string
	add := func(c MediaCapture) {
		c.CaptureSceneIDREF = s.SceneID
		a.MediaCaptures = append(a.MediaCaptures, c)
	}
	eg := func(mt string) string {
		if g.r.Intn(6) == 0 {
			return "" // not configurable
		}
		if groups[mt] == nil {
			a.EncodingGroups = append(a.EncodingGroups, EncodingGroup{
				EncodingGroupID: g.id("EG"), MaxGroupBandwidth: uint64(g.r.Intn(4000000)) + 64000,
				Ext: g.ext(), ExtAttr: g.extAttr(),
			})
			groups[mt] = &a.EncodingGroups[len(a.EncodingGroups)-1]
		}
		return groups[mt].EncodingGroupID
	}
	for i := range g.r.Intn(5) {
		x := float64(i) * 2 * unit
		c := MediaCapture{
			Type: VideoCapture, CaptureID: g.id("VC"), MediaType: MediaVideo, Individual: true,
			Spatial: &SpatialInformation{CaptureArea: area(x-unit, x+unit, 20*unit, 9*unit, 11*unit)},
		}
		if g.r.Intn(4) != 0 {
			c.Spatial.CaptureOrigin = &CaptureOrigin{CapturePoint: pt(x, 0, 10*unit)}
			if g.coin() {
				c.Spatial.CaptureOrigin.LineOfCapturePoint = ptr(pt(x, unit*float64(1+g.r.Intn(19)), 10*unit))
			}
		}
		c.EncGroupIDREF = eg(MediaVideo)
		g.common(&c)
		cams = append(cams, c.CaptureID)
		add(c)
	}
	for i := range g.r.Intn(4) {
		c := MediaCapture{
			Type: AudioCapture, CaptureID: g.id("AC"), MediaType: MediaAudio, Individual: true,
		}
		if g.r.Intn(4) == 0 {
			c.NonSpatiallyDefinable = true
		} else {
			c.Spatial = &SpatialInformation{CaptureOrigin: &CaptureOrigin{CapturePoint: pt(float64(i)*unit, 0, 10*unit)}}
			if g.coin() {
				c.Spatial.CaptureOrigin.LineOfCapturePoint = ptr(pt(float64(i)*unit, unit, 10*unit))
			}
		}
		if g.coin() {
			c.SensitivityPattern = sensitivityRegistry[g.r.Intn(len(sensitivityRegistry))]
		}
		c.EncGroupIDREF = eg(MediaAudio)
		g.common(&c)
		mics = append(mics, c.CaptureID)
		add(c)
	}
	if len(cams)+len(mics) == 0 {
		c := MediaCapture{Type: AudioCapture, CaptureID: g.id("AC"), MediaType: MediaAudio, Individual: true, NonSpatiallyDefinable: true}
		mics = append(mics, c.CaptureID)
		add(c)
	}
	var views []SceneView
	view := func(ids []string) string {
		v := SceneView{SceneViewID: g.id("SE"), Descriptions: g.descriptions(), MediaCaptureIDREFs: slices.Clone(ids)}
		views = append(views, v)
		return v.SceneViewID
	}
	var camView string
	if len(cams) > 0 {
		camView = view(cams)
	}
	if len(mics) > 0 {
		view(mics)
	}
	// Switched / composed MCCs over the cameras.
	if len(cams) >= 2 {
		for i := range g.r.Intn(3) {
			c := MediaCapture{
				Type: VideoCapture, CaptureID: g.id("VC"), MediaType: MediaVideo,
				Spatial: &SpatialInformation{CaptureArea: area(-unit, float64(2*len(cams)-1)*unit, 20*unit, 9*unit, 11*unit)},
			}
			n := len(cams)
			if g.coin() {
				c.Content = &Content{SceneViewIDREFs: []string{camView}}
			} else {
				sub := cams[:2+g.r.Intn(len(cams)-1)]
				n = len(sub)
				c.Content = &Content{MediaCaptureIDREFs: slices.Clone(sub)}
			}
			if g.coin() {
				c.MaxCaptures = &MaxCaptures{N: uint16(1 + g.r.Intn(n)), ExactNumber: g.coin()}
			}
			c.Policy = fmt.Sprintf("%s:%d", []string{"SoundLevel", "RoundRobin"}[g.r.Intn(2)], i)
			c.AllowSubsetChoice = g.coin()
			c.EncGroupIDREF = eg(MediaVideo)
			g.common(&c)
			mccs = append(mccs, c.CaptureID)
			add(c)
		}
	}
	if len(mccs) > 0 {
		view(mccs)
	}
	if g.r.Intn(4) == 0 {
		c := MediaCapture{Type: TextCapture, CaptureID: g.id("TC"), MediaType: MediaText, NonSpatiallyDefinable: true, Individual: true, EncGroupIDREF: eg(MediaText)}
		view([]string{c.CaptureID})
		add(c)
	}
	if g.r.Intn(5) == 0 {
		// an MCC of unknown sources, non spatially definable
		c := MediaCapture{Type: OtherCapture, CaptureID: g.id("OC"), MediaType: "application", NonSpatiallyDefinable: true}
		c.Ext = g.ext()
		add(c)
	}
	s.SceneViews = views
	a.CaptureScenes = append(a.CaptureScenes, s)
}

func (g *gen) adv() *Advertisement {
	g.a = &Advertisement{}
	groups := map[string]*EncodingGroup{}
	for range 1 + g.r.Intn(3) {
		clear(groups) // one group per media type and scene
		g.scene(groups)
	}
	a := g.a
	if len(a.EncodingGroups) == 0 {
		a.EncodingGroups = []EncodingGroup{{EncodingGroupID: g.id("EG"), MaxGroupBandwidth: 1}}
	}
	// Enough encodings for every capture of the group at once (RFC 8845 §9.3).
	for i := range a.EncodingGroups {
		eg := &a.EncodingGroups[i]
		n := 0
		for _, c := range a.MediaCaptures {
			if c.EncGroupIDREF == eg.EncodingGroupID {
				n++
			}
		}
		for range max(n, 1) {
			eg.EncodingIDs = append(eg.EncodingIDs, g.id("enc"))
		}
	}
	// People, referenced from some captures.
	for range g.r.Intn(4) {
		p := Person{PersonID: g.id("p"), Ext: g.ext(), ExtAttr: g.extAttr()}
		if g.coin() {
			p.PersonInfo = g.xcard()
		}
		for _, t := range []string{PersonPresenter, PersonChairman, PersonMinuteTaker, "guest of honour"} {
			if g.r.Intn(3) == 0 {
				p.PersonTypes = append(p.PersonTypes, t)
			}
		}
		a.People = append(a.People, p)
	}
	if len(a.People) > 0 {
		for i := range a.MediaCaptures {
			if c := &a.MediaCaptures[i]; c.Individual && g.coin() {
				c.CapturedPeople = []string{a.People[g.r.Intn(len(a.People))].PersonID}
			}
		}
	}
	// relatedTo between two captures of the same type.
	if n := len(a.MediaCaptures); n > 1 && g.coin() {
		c := &a.MediaCaptures[n-1]
		for j := range n - 1 {
			if a.MediaCaptures[j].MediaType == c.MediaType {
				c.RelatedTo = a.MediaCaptures[j].CaptureID
				break
			}
		}
	}
	byType := map[string][]SceneView{}
	for _, s := range a.CaptureScenes {
		for _, v := range s.SceneViews {
			mt := capByID(a, v.MediaCaptureIDREFs[0]).MediaType
			byType[mt] = append(byType[mt], v)
		}
	}
	types := []string{MediaAudio, MediaText, MediaVideo}
	// Global views: one scene view per scene of a type.
	if g.coin() {
		for _, mt := range types {
			vs := byType[mt]
			if len(vs) == 0 || g.coin() {
				continue
			}
			gv := GlobalView{GlobalViewID: g.id("GV"), Ext: g.ext(), ExtAttr: g.extAttr()}
			if g.r.Intn(4) == 0 {
				gv.GlobalViewID = ""
			}
			for _, v := range vs {
				gv.SceneViewIDREFs = append(gv.SceneViewIDREFs, v.SceneViewID)
			}
			a.GlobalViews = append(a.GlobalViews, gv)
		}
	}
	// Simultaneous sets: per media type, one set that holds everything
	// (so every CSV and global view fits), spelt with random shorthands,
	// plus sometimes a smaller one.
	if g.coin() {
		for _, mt := range types {
			if len(byType[mt]) == 0 || g.r.Intn(3) == 0 {
				continue
			}
			s := SimultaneousSet{SetID: g.id("SS"), Ext: g.ext(), ExtAttr: g.extAttr()}
			switch g.r.Intn(3) {
			case 0:
				s.MediaType = mt
				for _, sc := range a.CaptureScenes {
					s.CaptureSceneIDREFs = append(s.CaptureSceneIDREFs, sc.SceneID)
				}
			case 1:
				for _, v := range byType[mt] {
					s.SceneViewIDREFs = append(s.SceneViewIDREFs, v.SceneViewID)
				}
			default:
				for _, c := range a.MediaCaptures {
					if c.MediaType == mt {
						s.MediaCaptureIDREFs = append(s.MediaCaptureIDREFs, c.CaptureID)
					}
				}
			}
			if g.coin() {
				s.MediaType = mt
			}
			a.SimultaneousSets = append(a.SimultaneousSets, s)
			if g.coin() {
				v := byType[mt][0]
				a.SimultaneousSets = append(a.SimultaneousSets, SimultaneousSet{SetID: g.id("SS"), SceneViewIDREFs: []string{v.SceneViewID}})
			}
		}
	}
	return a
}

const propertyModels = 300

func TestPropertyRandomModels(t *testing.T) {
	n := propertyModels
	if testing.Short() {
		n = 40
	}
	r := rand.New(rand.NewSource(8846))
	infoDocs := map[string][]byte{}
	protoDocs := map[string][]byte{}
	stats := map[string]int{}
	for i := range n {
		g := &gen{r: r}
		a := g.adv()
		name := fmt.Sprintf("model %d", i)
		if ps := a.Check().Errors(); len(ps) != 0 {
			t.Fatalf("%s: generator built an invalid model: %v", name, ps)
		}
		ci := &ClueInfo{ClueInfoID: "info", Advertisement: *a, ExtAttr: g.extAttr()}
		if err := ci.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out, err := Marshal(ci)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		infoDocs[name] = out
		back, err := Unmarshal(out)
		if err != nil {
			t.Fatalf("%s: decode: %v\n%s", name, err, out)
		}
		if !reflect.DeepEqual(ci, back) {
			t.Fatalf("%s: round trip differs\nin:  %+v\nout: %+v", name, ci, back)
		}
		if i%3 == 0 {
			// Also embedded in a message (protocol default, clue-info prefixed).
			msg := encodeMessage(t, "", Namespaces{Info: "i", XSI: "s", VCard: "v"}, a, nil)
			protoDocs[name] = msg
			m, err := parseMessage(msg, nil)
			if err != nil {
				t.Fatalf("%s: decode message: %v", name, err)
			}
			if !reflect.DeepEqual(a, m.adv) {
				t.Fatalf("%s: message round trip differs", name)
			}
		}
		stats["captures"] += len(a.MediaCaptures)
		stats["scenes"] += len(a.CaptureScenes)
		stats["sets"] += len(a.SimultaneousSets)
		stats["globalViews"] += len(a.GlobalViews)
		stats["people"] += len(a.People)
		for _, c := range a.MediaCaptures {
			if !c.Individual {
				stats["MCCs"]++
			}
		}
	}
	t.Logf("%d random models (%v); xmllint: %d clueInfo documents, %d advertisement messages", n, stats, len(infoDocs), len(protoDocs))
	testenv.ValidateXML(t, infoXSD, infoDocs)
	testenv.ValidateXML(t, protoXSD, protoDocs)
}
