package model

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Check returns every problem of the advertisement, errors and warnings:
// the schema constraints the Go types cannot hold and the prose rules of
// RFC 8846 / RFC 8845 (see the Rule constants). A provider runs it before
// sending (DIGEST §2.11), a consumer after decoding.
func (a *Advertisement) Check() Problems {
	k := newChecker(a, "")
	k.all()
	return k.ps
}

// Validate returns the Error-severity problems of Check as a Problems
// error, or nil.
func (a *Advertisement) Validate() error { return a.Check().err() }

// Check is Advertisement.Check plus the clueInfoID, which shares the
// document's ID space.
func (ci *ClueInfo) Check() Problems {
	k := newChecker(&ci.Advertisement, ci.ClueInfoID)
	if ci.ClueInfoID == "" {
		k.add(Error, RuleRequired, "clueInfo", "RFC 8846 §23", "missing clueInfoID")
	}
	k.all()
	return k.ps
}

// Validate returns the Error-severity problems of Check, or nil.
func (ci *ClueInfo) Validate() error { return ci.Check().err() }

type sceneViewRef struct {
	view  *SceneView
	scene *CaptureScene
}

// checker holds the advertisement's indexes while checking it.
type checker struct {
	a       *Advertisement
	ps      Problems
	caps    map[string]*MediaCapture
	scenes  map[string]*CaptureScene
	views   map[string]sceneViewRef
	groups  map[string]*EncodingGroup
	persons map[string]*Person
	content map[string][]string // expanded MCC content, by captureID
}

// id kinds share one xs:ID space.
type idEntry struct {
	kind, where string
}

func newChecker(a *Advertisement, clueInfoID string) *checker {
	k := &checker{
		a:       a,
		caps:    make(map[string]*MediaCapture, len(a.MediaCaptures)),
		scenes:  make(map[string]*CaptureScene, len(a.CaptureScenes)),
		views:   make(map[string]sceneViewRef),
		groups:  make(map[string]*EncodingGroup, len(a.EncodingGroups)),
		persons: make(map[string]*Person, len(a.People)),
		content: make(map[string][]string),
	}
	ids := make(map[string]idEntry)
	// RFC 8846 §4: every ID attribute is an xs:ID, unique in the document
	// (RFC 8845 §7.1: captures have an advertisement-unique identity).
	reg := func(id, kind, where string, required bool) bool {
		switch {
		case id == "":
			if required {
				k.add(Error, RuleRequired, where, "RFC 8846 §4", "missing %s", kind)
			}
			return false
		case !isNCName(id):
			k.add(Error, RuleIDSyntax, where, "RFC 8846 §4 (xs:ID)", "%s %q is not an XML NCName", kind, id)
		}
		if prev, dup := ids[id]; dup {
			if prev.kind == "synchronizationID" && kind == "synchronizationID" {
				// RFC 8846 §11.8 wants shared values, xs:ID forbids them (DIGEST §9 #8).
				k.add(Warning, RuleSyncIDShared, where, "RFC 8846 §11.8; DIGEST §9 #8",
					"synchronizationID %q shared with %s: meant by the RFC, but invalid as xs:ID", id, prev.where)
				return false
			}
			k.add(Error, RuleIDUnique, where, "RFC 8846 §4 (xs:ID)", "%s %q already used by %s", kind, id, prev.where)
			return false
		}
		ids[id] = idEntry{kind, where}
		return true
	}
	if clueInfoID != "" {
		reg(clueInfoID, "clueInfoID", "clueInfo", true)
	}
	for i := range a.MediaCaptures {
		c := &a.MediaCaptures[i]
		if reg(c.CaptureID, "captureID", whereCap(c), true) {
			k.caps[c.CaptureID] = c
		}
	}
	for i := range a.CaptureScenes {
		s := &a.CaptureScenes[i]
		if reg(s.SceneID, "sceneID", whereScene(s), true) {
			k.scenes[s.SceneID] = s
		}
		for j := range s.SceneViews {
			v := &s.SceneViews[j]
			if reg(v.SceneViewID, "sceneViewID", whereView(v), true) {
				k.views[v.SceneViewID] = sceneViewRef{v, s}
			}
		}
	}
	for i := range a.EncodingGroups {
		g := &a.EncodingGroups[i]
		if reg(g.EncodingGroupID, "encodingGroupID", whereGroup(g), true) {
			k.groups[g.EncodingGroupID] = g
		}
	}
	for i := range a.SimultaneousSets {
		s := &a.SimultaneousSets[i]
		reg(s.SetID, "setID", fmt.Sprintf("simultaneousSet %q", s.SetID), true)
	}
	for i := range a.GlobalViews {
		reg(a.GlobalViews[i].GlobalViewID, "globalViewID", whereGlobal(a, i), false)
	}
	for i := range a.People {
		p := &a.People[i]
		if reg(p.PersonID, "personID", fmt.Sprintf("person %q", p.PersonID), true) {
			k.persons[p.PersonID] = p
		}
	}
	// Last, so that a clash is reported on the synchronizationID, which is
	// never referenced, rather than on the element it clashes with.
	for i := range a.MediaCaptures {
		c := &a.MediaCaptures[i]
		reg(c.SynchronizationID, "synchronizationID", whereCap(c), false)
	}
	return k
}

func whereCap(c *MediaCapture) string    { return fmt.Sprintf("mediaCapture %q", c.CaptureID) }
func whereScene(s *CaptureScene) string  { return fmt.Sprintf("captureScene %q", s.SceneID) }
func whereView(v *SceneView) string      { return fmt.Sprintf("sceneView %q", v.SceneViewID) }
func whereGroup(g *EncodingGroup) string { return fmt.Sprintf("encodingGroup %q", g.EncodingGroupID) }
func whereSet(s *SimultaneousSet) string { return fmt.Sprintf("simultaneousSet %q", s.SetID) }
func whereCE(c *CaptureEncoding) string  { return fmt.Sprintf("captureEncoding %q", c.ID) }
func wherePerson(p *Person) string       { return fmt.Sprintf("person %q", p.PersonID) }
func whereGlobal(a *Advertisement, i int) string {
	if id := a.GlobalViews[i].GlobalViewID; id != "" {
		return fmt.Sprintf("globalView %q", id)
	}
	return fmt.Sprintf("globalView #%d", i+1)
}

func (k *checker) add(sev Severity, r Rule, where, section, format string, args ...any) {
	k.ps = append(k.ps, Problem{Severity: sev, Rule: r, Where: where, Section: section, Msg: fmt.Sprintf(format, args...)})
}

func (k *checker) all() {
	a := k.a
	// The three mandatory groups hold at least one member (RFC 8846 §4:
	// minOccurs 1 in mediaCapturesType, encodingGroupsType, captureScenesType).
	if len(a.MediaCaptures) == 0 {
		k.add(Error, RuleRequired, "mediaCaptures", "RFC 8846 §5", "at least one mediaCapture is required")
	}
	if len(a.EncodingGroups) == 0 {
		k.add(Error, RuleRequired, "encodingGroups", "RFC 8846 §6", "at least one encodingGroup is required")
	}
	if len(a.CaptureScenes) == 0 {
		k.add(Error, RuleRequired, "captureScenes", "RFC 8846 §7", "at least one captureScene is required")
	}
	for i := range a.MediaCaptures {
		k.capture(&a.MediaCaptures[i])
	}
	k.mccs()
	for i := range a.CaptureScenes {
		k.scene(&a.CaptureScenes[i])
	}
	k.encodingGroups()
	sets := k.simultaneousSets()
	for i := range a.GlobalViews {
		k.globalView(i)
	}
	for i := range a.People {
		k.person(&a.People[i])
	}
	k.capacity()
	k.coverage(sets)
}

var viewRegistry = []string{"room", "table", "lectern", "individual", "audience"}                     // RFC 8846 §26.4
var sensitivityRegistry = []string{"uni", "shotgun", "omni", "figure8", "cardioid", "hyper-cardioid"} // RFC 8846 §26.6

func (k *checker) capture(c *MediaCapture) {
	w := whereCap(c)
	// Type and mediaType (RFC 8846 §11.2, §12–§15).
	if c.MediaType == "" {
		k.add(Error, RuleRequired, w, "RFC 8846 §11.2", "missing mediaType")
	}
	switch c.Type {
	case AudioCapture, VideoCapture, TextCapture:
		want := map[CaptureType]string{AudioCapture: MediaAudio, VideoCapture: MediaVideo, TextCapture: MediaText}[c.Type]
		if c.MediaType != "" && c.MediaType != want {
			k.add(Error, RuleCaptureType, w, "RFC 8846 §11.2, §12–§14", "%v with mediaType %q (want %q)", c.Type, c.MediaType, want)
		}
	case OtherCapture:
		if c.MediaType == MediaAudio || c.MediaType == MediaVideo || c.MediaType == MediaText {
			k.add(Warning, RuleCaptureType, w, "RFC 8846 §15", "otherCaptureType used for standard media type %q", c.MediaType)
		}
	default:
		k.add(Error, RuleCaptureType, w, "RFC 8846 §11", "no xsi:type: mediaCaptureType is abstract")
	}

	// RFC 8846 §11.3: each capture is defined in exactly one capture scene.
	if c.CaptureSceneIDREF == "" {
		k.add(Error, RuleRequired, w, "RFC 8846 §11.3", "missing captureSceneIDREF")
	} else if k.scenes[c.CaptureSceneIDREF] == nil {
		k.add(Error, RuleRef, w, "RFC 8846 §11.3", "captureSceneIDREF %q names no captureScene", c.CaptureSceneIDREF)
	}
	// RFC 8846 §11.4.
	if c.EncGroupIDREF != "" && k.groups[c.EncGroupIDREF] == nil {
		k.add(Error, RuleRef, w, "RFC 8846 §11.4", "encGroupIDREF %q names no encodingGroup", c.EncGroupIDREF)
	}
	// RFC 8846 §11.17: relatedTo names another capture.
	if c.RelatedTo != "" {
		switch {
		case c.RelatedTo == c.CaptureID:
			k.add(Error, RuleRelatedSelf, w, "RFC 8846 §11.17; RFC 8845 §7.1.1.14", "relatedTo names the capture itself")
		case k.caps[c.RelatedTo] == nil:
			k.add(Error, RuleRef, w, "RFC 8846 §11.17", "relatedTo %q names no mediaCapture", c.RelatedTo)
		}
	}
	// RFC 8846 §11.21.1.
	for _, id := range c.CapturedPeople {
		if k.persons[id] == nil {
			k.add(Error, RuleRef, w, "RFC 8846 §11.21.1", "personIDREF %q names no person", id)
		}
	}
	k.dups(w, "personIDREF", c.CapturedPeople)

	k.spatial(c, w)

	// RFC 8846 §11.12: <individual> excludes the MCC elements (§11.7–§11.11).
	if c.Individual && c.hasMCCFields() {
		k.add(Error, RuleIndividualMCC, w, "RFC 8846 §11.12", "individual capture with MCC elements")
	}
	if c.Policy != "" && !isPolicy(c.Policy) {
		k.add(Error, RulePolicy, w, "RFC 8846 §11.10", "policy %q does not match token:index", c.Policy)
	}

	// Enumerations (RFC 8846 §11.16).
	switch c.Mobility {
	case "", Static, Dynamic, HighlyDynamic:
	default:
		k.add(Error, RuleEnum, w, "RFC 8846 §11.16", "mobility %q is not static, dynamic or highly-dynamic", c.Mobility)
	}
	for _, l := range c.Lang {
		if !isLanguage(l) {
			k.add(Error, RuleLanguage, w, "RFC 8846 §11.15", "lang %q is not a language tag", l)
		}
	}
	k.descriptions(w, c.Descriptions)
	if t := c.EmbeddedText; t != nil && t.Lang != "" && !isLanguage(t.Lang) {
		k.add(Error, RuleLanguage, w, "RFC 8846 §11.20", "embeddedText lang %q is not a language tag", t.Lang)
	}
	if c.View != "" && !slices.Contains(viewRegistry, c.View) {
		k.add(Warning, RuleRegistry, w, "RFC 8846 §26.4", "view %q is not in the IANA registry", c.View)
	}
	if c.SensitivityPattern != "" {
		if c.Type != AudioCapture {
			k.add(Error, RuleAudioOnly, w, "RFC 8846 §12.1; RFC 8845 §7.1.1.5", "sensitivityPattern on a %v", c.Type)
		} else if !slices.Contains(sensitivityRegistry, c.SensitivityPattern) {
			k.add(Warning, RuleRegistry, w, "RFC 8846 §26.6", "sensitivityPattern %q is not in the IANA registry", c.SensitivityPattern)
		}
	}
}

func (k *checker) descriptions(w string, ds []Description) {
	seen := make(map[string]bool, len(ds))
	for _, d := range ds {
		if d.Lang != "" && !isLanguage(d.Lang) {
			k.add(Error, RuleLanguage, w, "RFC 8846 §11.13", "description lang %q is not a language tag", d.Lang)
		}
		if seen[d.Lang] {
			k.add(Warning, RuleDescriptionLang, w, "RFC 8846 §11.13", "two descriptions in language %q", d.Lang)
		}
		seen[d.Lang] = true
	}
}

func (k *checker) dups(w, what string, ids []string) {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			k.add(Warning, RuleDuplicateRef, w, "RFC 8846 §4", "%s %q listed twice", what, id)
		}
		seen[id] = true
	}
}

// idList is an ordered set of IDs. Every check stays near-linear in the
// input, so hostile documents (many repeated references) stay cheap.
type idList struct {
	list []string
	has  map[string]bool
}

func (l *idList) add(ids ...string) {
	if l.has == nil {
		l.has = make(map[string]bool)
	}
	for _, id := range ids {
		if !l.has[id] {
			l.has[id] = true
			l.list = append(l.list, id)
		}
	}
}

// spatial checks the spatial information of a capture (RFC 8846 §11.5–§11.6,
// §14; RFC 8845 §7.1.1.1–§7.1.1.3).
func (k *checker) spatial(c *MediaCapture, w string) {
	s := c.Spatial
	switch {
	case s != nil && c.NonSpatiallyDefinable:
		k.add(Error, RuleSpatialChoice, w, "RFC 8846 §11.6", "both spatialInformation and nonSpatiallyDefinable")
	case s == nil && !c.NonSpatiallyDefinable:
		k.add(Error, RuleSpatialChoice, w, "RFC 8846 §11.6", "neither spatialInformation nor nonSpatiallyDefinable")
	}
	if c.Type == TextCapture && !c.NonSpatiallyDefinable {
		k.add(Error, RuleTextNonSpatial, w, "RFC 8846 §14", "text captures MUST be nonSpatiallyDefinable")
	}
	if s == nil {
		return
	}
	switch c.Type {
	case AudioCapture:
		if s.CaptureOrigin == nil {
			k.add(Error, RuleAudioOrigin, w, "RFC 8846 §11.5.1", "spatially definable audio capture without captureOrigin")
		}
		if s.CaptureArea != nil {
			k.add(Error, RuleAudioNoArea, w, "RFC 8846 §11.5.2; RFC 8845 §7.1.1.3", "captureArea MUST NOT be used for audio captures")
		}
	case VideoCapture:
		if s.CaptureArea == nil {
			k.add(Error, RuleVideoArea, w, "RFC 8846 §11.5.2", "spatially definable video capture without captureArea")
		}
	}
	var pts []Point
	if o := s.CaptureOrigin; o != nil {
		pts = append(pts, o.CapturePoint)
		if o.LineOfCapturePoint != nil {
			pts = append(pts, *o.LineOfCapturePoint)
		}
	}
	if a := s.CaptureArea; a != nil {
		pts = append(pts, a.BottomLeft, a.BottomRight, a.TopLeft, a.TopRight)
	}
	for _, p := range pts {
		if !finite(p) {
			k.add(Error, RuleFinite, w, "RFC 8846 §11.5.1 (xs:decimal)", "coordinate %v is not a finite number", p)
			return
		}
	}
	o := s.CaptureOrigin
	if o != nil && o.LineOfCapturePoint != nil && *o.LineOfCapturePoint == o.CapturePoint {
		k.add(Error, RuleLineOfCapture, w, "RFC 8846 §11.5.1", "point on line of capture equals the capture point")
	}
	if s.CaptureArea == nil || c.Type == AudioCapture {
		return
	}
	q, ok := k.area(w, s.CaptureArea)
	if !ok || o == nil {
		return
	}
	k.areaFromOrigin(c, w, q, o)
}

func finite(p Point) bool {
	for _, v := range [3]float64{p.X, p.Y, p.Z} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

type vec [3]float64

func vp(p Point) vec        { return vec{p.X, p.Y, p.Z} }
func (a vec) sub(b vec) vec { return vec{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func (a vec) add(b vec) vec { return vec{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func (a vec) scale(f float64) vec {
	return vec{a[0] * f, a[1] * f, a[2] * f}
}
func (a vec) dot(b vec) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func (a vec) cross(b vec) vec {
	return vec{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}
func (a vec) norm() float64 { return math.Sqrt(a.dot(a)) }

// quad is a checked capture area: corners in cyclic order (bottomLeft,
// bottomRight, topRight, topLeft), centroid, unit normal and diameter.
type quad struct {
	v    [4]vec
	mid  vec
	n    vec
	diam float64
}

// Tolerances, relative to the area's diameter: coordinates are decimals
// that providers round, so exact coplanarity cannot be asked for.
const (
	coplanarTol = 1e-3 // out-of-plane distance
	shapeTol    = 1e-9 // area / turn magnitudes (squared lengths)
	insideTol   = 1e-6 // point-in-region tests
)

// area checks RFC 8846 §11.5.2 / RFC 8845 §7.1.1.3: four coplanar points
// forming a quadrilateral. We ask for a non-degenerate convex one with the
// corners in order, which every camera frustum cut by a plane gives.
func (k *checker) area(w string, a *CaptureArea) (quad, bool) {
	q, r, msg := makeQuad(a)
	if msg != "" {
		sec := "RFC 8845 §7.1.1.3"
		if r == RuleAreaCoplanar {
			sec = "RFC 8846 §11.5.2; RFC 8845 §7.1.1.3"
		}
		k.add(Error, r, w, sec, "%s", msg)
		return q, false
	}
	return q, true
}

// makeQuad builds a quad from finite corners; msg says what is wrong.
func makeQuad(a *CaptureArea) (q quad, r Rule, msg string) {
	q.v = [4]vec{vp(a.BottomLeft), vp(a.BottomRight), vp(a.TopRight), vp(a.TopLeft)}
	for i := range q.v {
		for j := i + 1; j < 4; j++ {
			q.diam = max(q.diam, q.v[i].sub(q.v[j]).norm())
		}
		q.mid = q.mid.add(q.v[i].scale(0.25))
	}
	if q.diam == 0 || math.IsInf(q.diam, 0) || math.IsNaN(q.diam) {
		return q, RuleAreaShape, "captureArea corners do not span an area"
	}
	n := q.v[2].sub(q.v[0]).cross(q.v[3].sub(q.v[1])) // diagonals: |n| = 2×area
	if n.norm() <= shapeTol*q.diam*q.diam {
		return q, RuleAreaShape, "captureArea is degenerate or self-intersecting (zero area)"
	}
	q.n = n.scale(1 / n.norm())
	for i := range q.v {
		if d := math.Abs(q.v[i].sub(q.mid).dot(q.n)); d > coplanarTol*q.diam {
			return q, RuleAreaCoplanar, fmt.Sprintf("captureArea corners are not coplanar (%.3g off the plane)", d)
		}
	}
	for i := range q.v {
		e1 := q.v[(i+1)%4].sub(q.v[i])
		e2 := q.v[(i+2)%4].sub(q.v[(i+1)%4])
		if e1.cross(e2).dot(q.n) <= shapeTol*q.diam*q.diam {
			return q, RuleAreaShape, "captureArea is not a convex quadrilateral bottomLeft, bottomRight, topRight, topLeft"
		}
	}
	return q, "", ""
}

// covers reports whether every corner of o lies in q's plane and inside q;
// ok is false when o is not in q's plane (the areas cannot be compared).
func (q quad) covers(o quad) (covered, comparable bool) {
	for _, p := range o.v {
		if math.Abs(p.sub(q.mid).dot(q.n)) > coplanarTol*q.diam {
			return false, false
		}
	}
	for _, p := range o.v {
		for i := range q.v {
			e := q.v[(i+1)%4].sub(q.v[i])
			if e.cross(p.sub(q.v[i])).dot(q.n) < -insideTol*q.diam*e.norm() {
				return false, true
			}
		}
	}
	return true, true
}

// validArea returns the capture's area as a quad when it is usable.
func validArea(c *MediaCapture) (quad, bool) {
	if c.Spatial == nil || c.Spatial.CaptureArea == nil || c.Type == AudioCapture {
		return quad{}, false
	}
	a := c.Spatial.CaptureArea
	for _, p := range []Point{a.BottomLeft, a.BottomRight, a.TopLeft, a.TopRight} {
		if !finite(p) {
			return quad{}, false
		}
	}
	q, _, msg := makeQuad(a)
	return q, msg == ""
}

// mccArea: an MCC's area covers the areas it switches or composes
// (RFC 8845 §7.1.1.3: a switched capture uses the larger potential area;
// §7.2.1 Table 2). Only constituents of the same scene whose area lies in
// the MCC's plane are compared, and not under scale "noscale", where each
// capture may have its own scale (RFC 8845 §6).
func (k *checker) mccArea(c *MediaCapture, list []string) {
	q, ok := validArea(c)
	if !ok {
		return
	}
	if s := k.scenes[c.CaptureSceneIDREF]; s == nil || s.Scale == ScaleNone {
		return
	}
	for _, id := range list {
		o := k.caps[id]
		if o.CaptureSceneIDREF != c.CaptureSceneIDREF {
			continue
		}
		oq, ok := validArea(o)
		if !ok {
			continue
		}
		if covered, comparable := q.covers(oq); comparable && !covered {
			k.add(Error, RuleMCCArea, whereCap(c), "RFC 8845 §7.1.1.3, §7.2.1",
				"captureArea does not cover the area of content capture %q", id)
		}
	}
}

// areaFromOrigin relates a valid area to the capture point: corners named
// from the capture device's perspective (RFC 8846 §11.5.2), and for video a
// point on the line of capture between the capture point and the area
// (RFC 8846 §11.5.1).
func (k *checker) areaFromOrigin(c *MediaCapture, w string, q quad, o *CaptureOrigin) {
	cp := vp(o.CapturePoint)
	h := cp.sub(q.mid).dot(q.n)
	if math.Abs(h) <= insideTol*q.diam {
		return // capture point in the plane of interest: no perspective to check
	}
	n := q.n
	if h < 0 {
		n, h = n.scale(-1), -h
	}
	// Seen from the device looking at the area, "right" is view × up.
	view := q.mid.sub(cp)
	up := q.v[3].add(q.v[2]).sub(q.v[0].add(q.v[1]))
	right := view.cross(up)
	if right.norm() > shapeTol*q.diam*q.diam {
		if q.v[1].sub(q.v[0]).dot(right) <= 0 || q.v[2].sub(q.v[3]).dot(right) <= 0 {
			k.add(Error, RuleAreaOrientation, w, "RFC 8846 §11.5.2",
				"captureArea left and right corners are swapped as seen from the capture point")
		}
	}
	if c.Type != VideoCapture || o.LineOfCapturePoint == nil {
		return
	}
	p := vp(*o.LineOfCapturePoint)
	inside := p.sub(q.mid).dot(n) >= -insideTol*q.diam // not beyond the plane of interest
	for i := 0; i < 4 && inside; i++ {
		f := q.v[i].sub(cp).cross(q.v[(i+1)%4].sub(cp))
		if f.norm() == 0 {
			continue
		}
		f = f.scale(1 / f.norm())
		if q.mid.sub(cp).dot(f) < 0 {
			f = f.scale(-1)
		}
		inside = p.sub(cp).dot(f) >= -insideTol*q.diam
	}
	if !inside {
		k.add(Error, RuleLineBetween, w, "RFC 8846 §11.5.1",
			"point on line of capture %v is not between the capture point and the capture area", *o.LineOfCapturePoint)
	}
}

// expand returns the captures a content element stands for (scene views
// expanded, duplicates removed), reporting unresolved references.
func (k *checker) expand(w string, c *Content, report bool) []string {
	var out idList
	addID := func(id string) { out.add(id) }
	for _, id := range c.MediaCaptureIDREFs {
		if k.caps[id] == nil {
			if report {
				k.add(Error, RuleRef, w, "RFC 8846 §11.7", "content mediaCaptureIDREF %q names no mediaCapture", id)
			}
			continue
		}
		addID(id)
	}
	views := map[string]bool{}
	for _, id := range c.SceneViewIDREFs {
		v, ok := k.views[id]
		if !ok {
			if report {
				k.add(Error, RuleRef, w, "RFC 8846 §11.7", "content sceneViewIDREF %q names no sceneView", id)
			}
			continue
		}
		if views[id] {
			continue
		}
		views[id] = true
		for _, cid := range v.view.MediaCaptureIDREFs {
			if k.caps[cid] != nil {
				addID(cid)
			}
		}
	}
	return out.list
}

// mccs checks Multiple Content Captures (RFC 8846 §11.7–§11.11, RFC 8845 §7.2).
func (k *checker) mccs() {
	a := k.a
	for i := range a.MediaCaptures {
		c := &a.MediaCaptures[i]
		if c.Individual || c.Content == nil {
			continue
		}
		w := whereCap(c)
		list := k.expand(w, c.Content, true)
		if _, dup := k.content[c.CaptureID]; !dup {
			k.content[c.CaptureID] = list
		}
		k.dups(w, "content mediaCaptureIDREF", c.Content.MediaCaptureIDREFs)
		k.dups(w, "content sceneViewIDREF", c.Content.SceneViewIDREFs)
		// RFC 8845 §7.2: only one capture type in each MCC instance.
		for _, id := range list {
			if mt := k.caps[id].MediaType; mt != c.MediaType {
				k.add(Error, RuleMCCMediaType, w, "RFC 8845 §7.2", "content capture %q has mediaType %q, the MCC %q", id, mt, c.MediaType)
			}
		}
	}
	for i := range a.MediaCaptures {
		c := &a.MediaCaptures[i]
		w := whereCap(c)
		if !c.Individual && k.reaches(c.CaptureID) {
			k.add(Error, RuleMCCCycle, w, "RFC 8845 §7.2", "MCC contains itself (directly, through a scene view or another MCC)")
		}
		list := k.content[c.CaptureID]
		if m := c.MaxCaptures; m != nil {
			switch {
			case m.N < 1:
				k.add(Error, RuleMaxCaptures, w, "RFC 8846 §11.11 (positiveShort)", "maxCaptures must be at least 1")
			case len(list) > 0 && int(m.N) > len(list):
				// RFC 8845 §7.2.1.1: "up to the total number of Source Media Captures".
				k.add(Error, RuleMaxCaptures, w, "RFC 8845 §7.2.1.1", "maxCaptures %d exceeds the %d captures in content", m.N, len(list))
			}
		}
		k.mccArea(c, list)
		if c.AllowSubsetChoice && len(list) == 0 {
			k.add(Warning, RuleSubsetNoContent, w, "RFC 8846 §11.9", "allowSubsetChoice without referenced captures allows no subset")
		}
	}
}

// reaches reports whether MCC id contains itself through its content.
func (k *checker) reaches(id string) bool {
	seen := map[string]bool{}
	stack := slices.Clone(k.content[id])
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if cur == id {
			return true
		}
		if seen[cur] {
			continue
		}
		seen[cur] = true
		stack = append(stack, k.content[cur]...)
	}
	return false
}

// viewTypes returns the media types of a list of captures (resolved only).
func (k *checker) types(ids []string) []string {
	var ts idList
	for _, id := range ids {
		if c := k.caps[id]; c != nil {
			ts.add(c.MediaType)
		}
	}
	return ts.list
}

func (k *checker) scene(s *CaptureScene) {
	w := whereScene(s)
	switch s.Scale {
	case ScaleMM, ScaleUnknown, ScaleNone:
	case "":
		k.add(Error, RuleRequired, w, "RFC 8846 §16.4", "missing scale")
	default:
		k.add(Error, RuleEnum, w, "RFC 8846 §16.4", "scale %q is not mm, unknown or noscale", s.Scale)
	}
	k.descriptions(w, s.Descriptions)
	if s.SceneInformation != nil {
		k.xcard(w+" sceneInformation", s.SceneInformation)
	}
	if len(s.SceneViews) == 0 {
		k.add(Warning, RuleSceneViews, w, "RFC 8846 §16.2; DIGEST §9 #9", "no sceneViews: the schema allows it, the prose calls it mandatory")
	}
	for i := range s.SceneViews {
		v := &s.SceneViews[i]
		vw := whereView(v)
		k.descriptions(vw, v.Descriptions)
		if len(v.MediaCaptureIDREFs) == 0 {
			k.add(Error, RuleRequired, vw, "RFC 8846 §17.1", "no mediaCaptureIDREF")
		}
		for _, id := range v.MediaCaptureIDREFs {
			c := k.caps[id]
			switch {
			case c == nil:
				k.add(Error, RuleRef, vw, "RFC 8846 §17.1", "mediaCaptureIDREF %q names no mediaCapture", id)
			case c.CaptureSceneIDREF != s.SceneID:
				// RFC 8846 §11.3: a capture is defined in one scene; a scene's
				// views represent that scene.
				k.add(Error, RuleSceneViewScene, vw, "RFC 8846 §11.3, §17", "capture %q belongs to scene %q, not %q", id, c.CaptureSceneIDREF, s.SceneID)
			}
		}
		k.dups(vw, "mediaCaptureIDREF", v.MediaCaptureIDREFs)
		if ts := k.types(v.MediaCaptureIDREFs); len(ts) > 1 {
			k.add(Error, RuleSceneViewMediaType, vw, "RFC 8846 §17; RFC 8845 §7.3", "captures of several media types %q", ts)
		}
	}
}

func (k *checker) encodingGroups() {
	owner := map[string]string{}
	for i := range k.a.EncodingGroups {
		g := &k.a.EncodingGroups[i]
		w := whereGroup(g)
		if len(g.EncodingIDs) == 0 {
			k.add(Error, RuleRequired, w, "RFC 8846 §18.2", "empty encodingIDList")
		}
		if g.MaxGroupBandwidth == 0 {
			k.add(Warning, RuleGroupBandwidth, w, "RFC 8845 §9.2", "maxGroupBandwidth 0 allows no capture encoding")
		}
		inGroup := make(map[string]bool, len(g.EncodingIDs))
		for _, id := range g.EncodingIDs {
			if !isSDPToken(id) {
				k.add(Error, RuleEncodingID, w, "RFC 8848 §4.4.1; RFC 4574 §4", "encodingID %q is not an SDP label token", id)
			}
			dup := inGroup[id]
			inGroup[id] = true
			if dup {
				k.add(Error, RuleEncodingIDUnique, w, "RFC 8848 §4.4.1", "encodingID %q listed twice", id)
				continue
			}
			if o, ok := owner[id]; ok {
				k.add(Warning, RuleEncodingIDUnique, w, "RFC 8848 §4.4.1", "encodingID %q also in %s", id, o)
				continue
			}
			owner[id] = w
		}
	}
}

// setInfo is a simultaneous set reduced to a media type and capture set.
type setInfo struct {
	mediaType string
	caps      map[string]bool
}

// simultaneousSets checks sets (RFC 8846 §19, RFC 8845 §8) and returns them
// reduced to media type and captures.
func (k *checker) simultaneousSets() []setInfo {
	var out []setInfo
	for i := range k.a.SimultaneousSets {
		s := &k.a.SimultaneousSets[i]
		w := whereSet(s)
		if len(s.MediaCaptureIDREFs)+len(s.SceneViewIDREFs)+len(s.CaptureSceneIDREFs) == 0 {
			k.add(Warning, RuleSetEmpty, w, "RFC 8846 §19", "set without references")
		}
		var members idList
		for _, id := range s.MediaCaptureIDREFs {
			if k.caps[id] == nil {
				k.add(Error, RuleRef, w, "RFC 8846 §19.3", "mediaCaptureIDREF %q names no mediaCapture", id)
				continue
			}
			members.add(id)
		}
		for _, id := range s.SceneViewIDREFs {
			v, ok := k.views[id]
			if !ok {
				k.add(Error, RuleRef, w, "RFC 8846 §19.4", "sceneViewIDREF %q names no sceneView", id)
				continue
			}
			members.add(v.view.MediaCaptureIDREFs...)
		}
		for _, id := range s.CaptureSceneIDREFs {
			if k.scenes[id] == nil {
				k.add(Error, RuleRef, w, "RFC 8846 §19.5", "captureSceneIDREF %q names no captureScene", id)
			}
		}
		k.dups(w, "mediaCaptureIDREF", s.MediaCaptureIDREFs)
		k.dups(w, "sceneViewIDREF", s.SceneViewIDREFs)
		k.dups(w, "captureSceneIDREF", s.CaptureSceneIDREFs)
		ts := k.types(members.list)
		mt := s.MediaType
		switch {
		case mt != "" && (len(ts) > 1 || len(ts) == 1 && ts[0] != mt):
			k.add(Error, RuleSetMediaType, w, "RFC 8846 §19.2; RFC 8845 §8", "mediaType %q but members of types %q", mt, ts)
		case mt == "" && len(ts) > 1:
			k.add(Error, RuleSetMediaType, w, "RFC 8845 §8", "members of several media types %q", ts)
		case mt == "" && len(ts) == 0 && len(s.CaptureSceneIDREFs) > 0:
			k.add(Error, RuleSetMediaType, w, "RFC 8846 §19.2", "only captureSceneIDREFs: mediaType MUST be present")
		}
		if mt == "" && len(ts) == 1 {
			mt = ts[0]
		}
		// Scene references stand for all the scene's CSVs of the set's type
		// (RFC 8845 §8); without sceneViews, for all its captures (RFC 8846 §16).
		done := map[string]bool{}
		for _, id := range s.CaptureSceneIDREFs {
			sc := k.scenes[id]
			if sc == nil || mt == "" || done[id] {
				continue
			}
			done[id] = true
			if len(sc.SceneViews) == 0 {
				for j := range k.a.MediaCaptures {
					if c := &k.a.MediaCaptures[j]; c.CaptureSceneIDREF == id && c.MediaType == mt {
						members.add(c.CaptureID)
					}
				}
			}
			for j := range sc.SceneViews {
				if v := sc.SceneViews[j].MediaCaptureIDREFs; slices.Equal(k.types(v), []string{mt}) {
					members.add(v...)
				}
			}
		}
		if mt != "" {
			out = append(out, setInfo{mt, members.has})
		}
	}
	return out
}

func (k *checker) globalViewCaptures(i int) []string {
	var caps idList
	views := map[string]bool{}
	for _, id := range k.a.GlobalViews[i].SceneViewIDREFs {
		if v, ok := k.views[id]; ok && !views[id] {
			views[id] = true
			caps.add(v.view.MediaCaptureIDREFs...)
		}
	}
	return caps.list
}

func (k *checker) globalView(i int) {
	g := &k.a.GlobalViews[i]
	w := whereGlobal(k.a, i)
	if len(g.SceneViewIDREFs) == 0 {
		k.add(Error, RuleRequired, w, "RFC 8846 §20", "no sceneViewIDREF")
	}
	for _, id := range g.SceneViewIDREFs {
		if _, ok := k.views[id]; !ok {
			k.add(Error, RuleRef, w, "RFC 8846 §20", "sceneViewIDREF %q names no sceneView", id)
		}
	}
	k.dups(w, "sceneViewIDREF", g.SceneViewIDREFs)
	if ts := k.types(k.globalViewCaptures(i)); len(ts) > 1 {
		k.add(Error, RuleGlobalViewMediaType, w, "RFC 8846 §20; RFC 8845 §7.4", "scene views of several media types %q", ts)
	}
}

func (k *checker) person(p *Person) {
	w := wherePerson(p)
	if p.PersonInfo != nil {
		k.xcard(w+" personInfo", p.PersonInfo)
	}
	seen := make(map[string]bool, len(p.PersonTypes))
	for _, t := range p.PersonTypes {
		if seen[t] {
			k.add(Error, RulePersonTypeRepeat, w, "RFC 8845 §7.1.1.11", "personType %q repeated", t)
		}
		seen[t] = true
	}
}

func (k *checker) xcard(w string, c *XCard) {
	count := map[string]int{}
	if c.N != nil {
		count["n"]++
	}
	fn := len(c.FN)
	for _, e := range c.Other {
		if e.Name.Space == NSVCard {
			count[e.Name.Local]++
			if e.Name.Local == "fn" {
				fn++
			}
		}
	}
	if fn == 0 {
		k.add(Error, RuleXCardFN, w, "RFC 8846 §21.1.2; RFC 8845 §7.1.1.10", "xCard without fn")
	}
	// RFC 8845 §7.1.1.10, §7.3.1.1: keep messages compact, point at
	// LOGO, PHOTO and SOUND by URI rather than inline data.
	for _, e := range c.Other {
		if e.Name.Space != NSVCard || (e.Name.Local != "logo" && e.Name.Local != "photo" && e.Name.Local != "sound") {
			continue
		}
		for _, ch := range e.Children {
			if ch.Name.Local == "uri" && strings.HasPrefix(strings.ToLower(trim(ch.Text)), "data:") {
				k.add(Warning, RuleXCardInline, w, "RFC 8845 §7.1.1.10, §7.3.1.1", "%s carried inline as a data: URI", e.Name.Local)
			}
		}
	}
	for _, p := range vcardProps {
		if vcardSingle[p] && count[p] > 1 {
			k.add(Error, RuleXCardCardinality, w, "RFC 6351 §5.2; RFC 6350", "vCard property %q appears %d times (at most once)", p, count[p])
		}
	}
}

// capacity: encoding groups must let every CSV (RFC 8845 §9.3, §7.3) and
// every global view (RFC 8845 §7.4) be sent at once; a group serves at most
// as many capture encodings as it has encodings (RFC 8845 §9.3).
func (k *checker) capacity() {
	check := func(w, section string, ids []string) {
		per := map[string]int{}
		seen := map[string]bool{}
		for _, id := range ids {
			c := k.caps[id]
			if c == nil || k.groups[c.EncGroupIDREF] == nil || seen[id] {
				continue
			}
			seen[id] = true
			per[c.EncGroupIDREF]++
		}
		for _, id := range sortedKeys(per) {
			g := k.groups[id]
			if n, have := per[id], distinct(g.EncodingIDs); n > have {
				k.add(Error, RuleEncGroupCapacity, w, section,
					"%d captures use encodingGroup %q, which has %d encodings", n, g.EncodingGroupID, have)
			}
		}
	}
	for i := range k.a.CaptureScenes {
		for j := range k.a.CaptureScenes[i].SceneViews {
			v := &k.a.CaptureScenes[i].SceneViews[j]
			check(whereView(v), "RFC 8845 §9.3, §7.3", v.MediaCaptureIDREFs)
		}
	}
	for i := range k.a.GlobalViews {
		check(whereGlobal(k.a, i), "RFC 8845 §7.4, §9.3", k.globalViewCaptures(i))
	}
}

func distinct(ids []string) int {
	var l idList
	l.add(ids...)
	return len(l.list)
}

// coverage: when sets are advertised for a media type, they MUST allow all
// captures of any CSV at once and MUST reflect every global view
// (RFC 8845 §8).
func (k *checker) coverage(sets []setInfo) {
	fits := func(mt string, ids []string) (bool, bool) {
		any := false
		for _, s := range sets {
			if s.mediaType != mt {
				continue
			}
			any = true
			ok := true
			for _, id := range ids {
				if k.caps[id] != nil && !s.caps[id] {
					ok = false
					break
				}
			}
			if ok {
				return true, true
			}
		}
		return any, false
	}
	for i := range k.a.CaptureScenes {
		for j := range k.a.CaptureScenes[i].SceneViews {
			v := &k.a.CaptureScenes[i].SceneViews[j]
			ts := k.types(v.MediaCaptureIDREFs)
			if len(ts) != 1 {
				continue
			}
			if constrained, ok := fits(ts[0], v.MediaCaptureIDREFs); constrained && !ok {
				k.add(Error, RuleSetCoversCSV, whereView(v), "RFC 8845 §8",
					"no %s simultaneous set contains all captures of this scene view", ts[0])
			}
		}
	}
	for i := range k.a.GlobalViews {
		ids := k.globalViewCaptures(i)
		ts := k.types(ids)
		if len(ts) != 1 {
			continue
		}
		if constrained, ok := fits(ts[0], ids); constrained && !ok {
			k.add(Error, RuleSetCoversGlobalView, whereGlobal(k.a, i), "RFC 8845 §8",
				"no %s simultaneous set contains all captures of this global view", ts[0])
		}
	}
}
