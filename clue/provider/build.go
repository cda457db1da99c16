package provider

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cluecam/cluecam/clue/model"
	"github.com/cluecam/cluecam/clue/protocol"
	"github.com/cluecam/cluecam/hw"
)

// Advertisement is what Build produces: the data model content of an
// RFC 8847 advertisement, and what the box needs to honour configures of
// it (the parameters of each individual encoding, for SDP and for the
// devices).
type Advertisement struct {
	// Body is the clue-info content; it passes model.Validate.
	Body model.Advertisement
	// Encodings lists every individual encoding of Body's encoding groups,
	// in advertisement order, with the limits the device really has. An
	// encoding's ID is the a=label of its CLUE-controlled a=sendonly
	// m-line (RFC 8848 §4.4.1).
	Encodings []Encoding
	// Size is the length of the advertisement message in bytes, measured
	// with a 10-digit sequence number and room for a 64-byte clueId.
	Size int
	// Withheld lists what the disclosure policy allowed but was left out to
	// keep Size within Policy.MaxMessageBytes: "people", "descriptions",
	// "display_name", in the order they were dropped.
	Withheld []string

	sources map[string]*Source // by captureID
	names   map[string]string  // room name → captureID
	encs    map[string]int     // encodingID → index in Encodings
}

// Encoding is one individual encoding (RFC 8845 §9.1): its parameters live
// in SDP, not in CLUE; here they come from the device behind the group.
type Encoding struct {
	ID     string // encodingID, an SDP token unique in the box
	Group  string // encodingGroupID
	Media  string
	Device string // the device whose encoder produces it; "" for an MCC's
	// Video limits (zero for audio).
	MaxWidth, MaxHeight int
	MaxFrameRate        hw.Rational
	// MaxBitrate bounds the encoding, in bits per second (RFC 8845 §9.2).
	MaxBitrate uint64
	// Audio is the sampled format encoded (zero for video).
	Audio hw.AudioFormat
}

// Source is what a captureID stands for on the box.
type Source struct {
	CaptureID string
	Name      string // the Room's capture or MCC name
	Media     string
	// Device and the mode it runs in (individual captures only).
	Device string
	Video  hw.VideoMode
	Audio  hw.AudioFormat
	// MaxBitrate is the capture's own cap (bits per second).
	MaxBitrate uint64
	// MCC only: the constituents' captureIDs and the policy; Voices maps
	// a constituent's captureID to its microphone's; SwitchInterval is the
	// RoundRobin period.
	MCC            bool
	Content        []string
	Policy         string
	Voices         map[string]string
	SwitchInterval time.Duration
}

// Source returns what a captureID of the advertisement stands for.
func (a *Advertisement) Source(captureID string) (Source, bool) {
	s, ok := a.sources[captureID]
	if !ok {
		return Source{}, false
	}
	c := *s
	c.Content = slices.Clone(s.Content)
	c.Voices = maps.Clone(s.Voices)
	return c, true
}

// CaptureID returns the captureID given to a Room capture or MCC name.
func (a *Advertisement) CaptureID(name string) (string, bool) {
	id, ok := a.names[name]
	return id, ok
}

// Encoding returns the individual encoding with that encodingID.
func (a *Advertisement) Encoding(id string) (Encoding, bool) {
	i, ok := a.encs[id]
	if !ok {
		return Encoding{}, false
	}
	return a.Encodings[i], true
}

// Build turns a room into an advertisement (RFC 8847 §5.3) that passes
// model.Validate, or explains why it cannot. See the package documentation
// for the design; in short:
//
//   - one capture per camera and microphone, one per MCC, with captureIDs
//     from the names (made NCNames, unique);
//   - one capture scene per scene that has captures, scale from the room;
//   - one encoding group per device, as many encodings as the device can
//     produce at once (and no more than it has captures), limits from the
//     mode and the encoder; one group of one encoding per MCC;
//   - simultaneous sets only where captures share a device beyond its
//     encoder's capacity, one per way of sharing it, and scene views that
//     each fit in a set; one scene view per MCC;
//   - spatial information from the geometry, turned by the PTZ head, and
//     mobility "dynamic" for a camera on a head, "static" otherwise;
//   - nothing identifying unless room.Policy allows it.
//
// Message size: the message is measured; when it exceeds
// Policy.MaxMessageBytes (default 16 KiB, RFC 8831 §6.6), disclosed
// metadata is withdrawn in this order until it fits: people (xCards are the
// largest and most personal), then descriptions, then the display name; the
// result lists them in Withheld. If the minimal advertisement still does
// not fit, Build fails with ErrTooLarge: a caller whose peer negotiated a
// larger a=max-message-size (RFC 8841 §6) may raise the limit.
func Build(room *Room) (*Advertisement, error) {
	b := &builder{room: room, ids: newIDSpace()}
	if err := b.resolve(); err != nil {
		return nil, err
	}
	b.assignIDs()
	b.encodingGroups()
	if err := b.mediaCaptures(); err != nil {
		return nil, err
	}
	if err := b.scenesAndSets(); err != nil {
		return nil, err
	}
	return b.finish()
}

// ---- resolving the room ----

type capture struct {
	*Capture
	id      string
	scene   *scene
	dev     *device
	video   hw.VideoMode
	audio   hw.AudioFormat
	bitrate uint64 // effective per-encoding cap
}

type mcc struct {
	*MCC
	id      string
	media   string
	scene   *scene
	content []*capture
	group   string
	enc     Encoding
}

type scene struct {
	*Scene
	id    string
	used  bool
	views []model.SceneView
}

type device struct {
	key, id, media string
	caps           []*capture
	k              int // encodings the device can produce at once
	enc            Encoder
	group          string
}

type builder struct {
	room *Room
	ids  *idSpace

	scenes  []*scene
	caps    []*capture
	mccs    []*mcc
	devices []*device
	byName  map[string]*capture
	people  map[string]string // person name → personID

	adv *Advertisement
}

func (b *builder) resolve() error {
	r := b.room
	byScene := map[string]*scene{}
	for i := range r.Scenes {
		s := &r.Scenes[i]
		switch {
		case s.Name == "":
			return roomErr("scene %d has no name", i)
		case byScene[s.Name] != nil:
			return roomErr("scene %q defined twice", s.Name)
		}
		switch s.Scale {
		case "", model.ScaleMM, model.ScaleUnknown, model.ScaleNone:
		default:
			return roomErr("scene %q: scale %q", s.Name, s.Scale)
		}
		sc := &scene{Scene: s}
		byScene[s.Name] = sc
		b.scenes = append(b.scenes, sc)
	}
	sceneOf := func(what, name, want string) (*scene, error) {
		if want == "" {
			if len(b.scenes) != 1 {
				return nil, roomErr("%s %q: no scene given and the room has %d", what, name, len(b.scenes))
			}
			return b.scenes[0], nil
		}
		s := byScene[want]
		if s == nil {
			return nil, roomErr("%s %q: no scene %q", what, name, want)
		}
		return s, nil
	}

	b.byName = map[string]*capture{}
	devs := map[string]*device{}
	for i := range r.Captures {
		c := &r.Captures[i]
		switch {
		case c.Name == "":
			return roomErr("capture %d has no name", i)
		case b.byName[c.Name] != nil:
			return roomErr("capture %q defined twice", c.Name)
		case c.Media != model.MediaVideo && c.Media != model.MediaAudio:
			return roomErr("capture %q: media %q (want %q or %q)", c.Name, c.Media, model.MediaVideo, model.MediaAudio)
		}
		sc, err := sceneOf("capture", c.Name, c.Scene)
		if err != nil {
			return err
		}
		cp := &capture{Capture: c, scene: sc}
		if err := cp.resolveDevice(); err != nil {
			return err
		}
		key := c.Media + "\x00" + c.Device.ID
		if c.Device.ID == "" {
			key = c.Media + "\x00\x00" + c.Name
		}
		d := devs[key]
		if d == nil {
			d = &device{key: key, id: c.Device.ID, media: c.Media, enc: c.Device.Encoder, k: max(1, c.Device.Encoder.MaxEncodings)}
			devs[key] = d
			b.devices = append(b.devices, d)
		}
		cp.dev = d
		d.caps = append(d.caps, cp)
		b.byName[c.Name] = cp
		b.caps = append(b.caps, cp)
	}

	mccNames := map[string]bool{}
	for i := range r.MCCs {
		m := &r.MCCs[i]
		switch {
		case m.Name == "":
			return roomErr("MCC %d has no name", i)
		case b.byName[m.Name] != nil || mccNames[m.Name]:
			return roomErr("MCC %q: name already used", m.Name)
		}
		mccNames[m.Name] = true
		mc := &mcc{MCC: m}
		seen := map[string]bool{}
		for _, n := range m.Captures {
			c := b.byName[n]
			if c == nil || seen[n] {
				continue // gone with its device (see MCC.Captures)
			}
			seen[n] = true
			if mc.media == "" {
				mc.media = c.Media
			} else if c.Media != mc.media {
				// RFC 8845 §7.2: only one capture type in each MCC.
				return roomErr("MCC %q mixes %s and %s captures (RFC 8845 §7.2)", m.Name, mc.media, c.Media)
			}
			mc.content = append(mc.content, c)
		}
		if len(mc.content) == 0 {
			continue
		}
		if m.MaxCaptures > 1 {
			// RFC 8845 §7.2.1.1: MaxCaptures > 1 is a composed capture; this
			// box forwards bitstreams and has no compositor.
			return wrapf(ErrUnsupported, "MCC %q: max captures %d needs a compositor; only switched MCCs (1) can be sent", m.Name, m.MaxCaptures)
		}
		if m.MaxCaptures < 0 {
			return roomErr("MCC %q: max captures %d", m.Name, m.MaxCaptures)
		}
		// The constituents run together while the MCC is configured.
		use := map[*device]int{}
		for _, c := range mc.content {
			if use[c.dev]++; use[c.dev] > c.dev.k {
				return wrapf(ErrUnsupported, "MCC %q: its captures need %d encodings of one device that has %d", m.Name, use[c.dev], c.dev.k)
			}
		}
		want := m.Scene
		if want == "" {
			want = mc.content[0].scene.Name
		}
		sc, err := sceneOf("MCC", m.Name, want)
		if err != nil {
			return err
		}
		mc.scene = sc
		b.mccs = append(b.mccs, mc)
	}
	if len(b.caps) == 0 {
		return ErrNoCaptures
	}
	return nil
}

// resolveDevice picks the mode the capture runs in and its bit-rate cap.
func (c *capture) resolveDevice() error {
	d := &c.Device
	e := &d.Encoder
	if e.MaxEncodings < 0 {
		return roomErr("capture %q: device %q: MaxEncodings %d", c.Name, d.ID, e.MaxEncodings)
	}
	switch c.Media {
	case model.MediaVideo:
		c.video = d.Video
		if c.video.Width <= 0 || c.video.Height <= 0 {
			c.video = largestMode(d.Modes)
		}
		if c.video.Width <= 0 || c.video.Height <= 0 {
			return roomErr("capture %q: device %q offers no video mode", c.Name, d.ID)
		}
		// A pass-through encoder cannot scale: the mode must fit it.
		if e.MaxWidth > 0 && c.video.Width > e.MaxWidth || e.MaxHeight > 0 && c.video.Height > e.MaxHeight ||
			e.MaxFrameRate.Valid() && c.video.FrameRate.Float64() > e.MaxFrameRate.Float64() {
			return roomErr("capture %q: mode %v is beyond the encoder's %dx%d@%v", c.Name, c.video, e.MaxWidth, e.MaxHeight, e.MaxFrameRate)
		}
	case model.MediaAudio:
		c.audio = d.Audio
		if !c.audio.Valid() && len(d.Formats) > 0 {
			c.audio = d.Formats[0]
		}
		if !c.audio.Valid() {
			return roomErr("capture %q: device %q offers no audio format", c.Name, d.ID)
		}
	}
	c.bitrate = minNonZero(c.MaxBitrate, e.MaxBitrate)
	if c.bitrate == 0 {
		// RFC 8845 §9.2: every capture encoding has a maximum bit rate;
		// maxGroupBandwidth 0 would allow nothing.
		return roomErr("capture %q: no bit-rate limit (set Capture.MaxBitrate or Encoder.MaxBitrate)", c.Name)
	}
	return nil
}

func largestMode(modes []hw.VideoMode) hw.VideoMode {
	var best hw.VideoMode
	for _, m := range modes {
		pm, pb := m.Width*m.Height, best.Width*best.Height
		if pm > pb || pm == pb && m.FrameRate.Float64() > best.FrameRate.Float64() {
			best = m
		}
	}
	return best
}

func minNonZero(a, b uint64) uint64 {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

// assignIDs allocates every xs:ID. Captures first, so that they keep their
// names; everything else has a prefix that keeps it apart.
func (b *builder) assignIDs() {
	b.adv = &Advertisement{sources: map[string]*Source{}, names: map[string]string{}, encs: map[string]int{}}
	for _, c := range b.caps {
		c.id = b.ids.take(c.Name)
		b.adv.names[c.Name] = c.id
	}
	for _, m := range b.mccs {
		m.id = b.ids.take(m.Name)
		b.adv.names[m.Name] = m.id
	}
	for _, c := range b.caps {
		c.scene.used = true
	}
	for _, m := range b.mccs {
		m.scene.used = true
	}
	for _, s := range b.scenes {
		if s.used {
			s.id = b.ids.take("CS-" + s.Name)
		}
	}
	// Person IDs are taken now, whether or not people are disclosed, so
	// that they do not depend on the policy.
	b.people = map[string]string{}
	for _, c := range b.caps {
		for _, p := range c.People {
			if p.Name != "" && b.people[p.Name] == "" {
				b.people[p.Name] = b.ids.take("P" + strconv.Itoa(len(b.people)+1))
			}
		}
	}
}

// ---- encoding groups (RFC 8845 §9) ----

func (b *builder) encodingGroups() {
	a := b.adv
	add := func(g model.EncodingGroup, encs []Encoding) {
		a.Body.EncodingGroups = append(a.Body.EncodingGroups, g)
		for _, e := range encs {
			a.encs[e.ID] = len(a.Encodings)
			a.Encodings = append(a.Encodings, e)
		}
	}
	for _, d := range b.devices {
		// One group per device: the device's encoder is what its captures
		// share (RFC 8845 §9.2 "one Encoding Group per codec box"). It
		// holds as many encodings as the device produces at once, but no
		// more than it has captures (a capture feeds at most one capture
		// encoding, RFC 8845 §7.1).
		base := d.caps[0].id
		d.group = b.ids.take("EG-" + base)
		n := min(d.k, len(d.caps))
		var proto Encoding
		proto.Group, proto.Media, proto.Device = d.group, d.media, d.id
		rates := make([]uint64, 0, len(d.caps))
		for _, c := range d.caps {
			proto.MaxWidth = max(proto.MaxWidth, c.video.Width)
			proto.MaxHeight = max(proto.MaxHeight, c.video.Height)
			if c.video.FrameRate.Float64() > proto.MaxFrameRate.Float64() {
				proto.MaxFrameRate = c.video.FrameRate
			}
			if proto.Audio.Rate < c.audio.Rate || proto.Audio.Rate == c.audio.Rate && proto.Audio.Channels < c.audio.Channels {
				proto.Audio = c.audio
			}
			proto.MaxBitrate = max(proto.MaxBitrate, c.bitrate)
			rates = append(rates, c.bitrate)
		}
		// RFC 8845 §9.2: the group bounds the sum of its capture encodings.
		slices.Sort(rates)
		var sum uint64
		for _, r := range rates[len(rates)-n:] {
			sum += r
		}
		groupBW := minNonZero(d.enc.MaxGroupBitrate, sum)
		g := model.EncodingGroup{EncodingGroupID: d.group, MaxGroupBandwidth: groupBW}
		encs := make([]Encoding, n)
		for i := range encs {
			e := proto
			e.ID = base + "." + strconv.Itoa(i) // SDP token (RFC 8848 §4.4.1), unique: base is a captureID
			e.MaxBitrate = min(e.MaxBitrate, groupBW)
			encs[i] = e
			g.EncodingIDs = append(g.EncodingIDs, e.ID)
		}
		add(g, encs)
	}
	for _, m := range b.mccs {
		// An MCC's capture encoding carries the constituent that is on: its
		// one encoding must take the largest of them (RFC 8845 §9.3: "all
		// the Media Captures referenced by the MCC will appear in the
		// Capture Encoding according to the attributes of the chosen
		// Encoding of the MCC").
		m.group = b.ids.take("EG-" + m.id)
		e := Encoding{ID: m.id + ".0", Group: m.group, Media: m.media}
		for _, c := range m.content {
			e.MaxWidth = max(e.MaxWidth, c.video.Width)
			e.MaxHeight = max(e.MaxHeight, c.video.Height)
			if c.video.FrameRate.Float64() > e.MaxFrameRate.Float64() {
				e.MaxFrameRate = c.video.FrameRate
			}
			if e.Audio.Rate < c.audio.Rate {
				e.Audio = c.audio
			}
			e.MaxBitrate = max(e.MaxBitrate, c.bitrate)
		}
		m.enc = e
		add(model.EncodingGroup{EncodingGroupID: m.group, MaxGroupBandwidth: e.MaxBitrate, EncodingIDs: []string{e.ID}}, []Encoding{e})
	}
}

// ---- captures (RFC 8846 §11) ----

func (b *builder) mediaCaptures() error {
	a := b.adv
	areas := map[*capture]*model.CaptureArea{}
	for _, c := range b.caps {
		mc := model.MediaCapture{
			Type:              model.AudioCapture,
			CaptureID:         c.id,
			MediaType:         c.Media,
			CaptureSceneIDREF: c.scene.id,
			Individual:        true, // RFC 8846 §11.12: MUST for single-content captures
			EncGroupIDREF:     c.dev.group,
		}
		if c.Media == model.MediaVideo {
			mc.Type = model.VideoCapture
		}
		sp, err := c.spatial()
		if err != nil {
			return err
		}
		if sp == nil {
			mc.NonSpatiallyDefinable = true // RFC 8846 §11.6
		} else {
			mc.Spatial = sp
			// RFC 8845 §7.1.1.4: a static point of capture MUST NOT move
			// during the session; a camera on a head changes its spatial
			// information from time to time: dynamic.
			mc.Mobility = model.Static
			if c.PTZ != nil {
				mc.Mobility = model.Dynamic
			}
			areas[c] = sp.CaptureArea
		}
		a.Body.MediaCaptures = append(a.Body.MediaCaptures, mc)
		a.sources[c.id] = &Source{CaptureID: c.id, Name: c.Name, Media: c.Media, Device: c.Device.ID, Video: c.video, Audio: c.audio, MaxBitrate: c.bitrate}
	}
	for _, m := range b.mccs {
		mc := model.MediaCapture{
			Type:              model.VideoCapture,
			CaptureID:         m.id,
			MediaType:         m.media,
			CaptureSceneIDREF: m.scene.id,
			Policy:            m.Policy,
			// RFC 8845 §7.2.1.1: "= 1" with several sources is switched.
			MaxCaptures:       &model.MaxCaptures{N: 1, ExactNumber: true},
			AllowSubsetChoice: m.AllowSubsetChoice,
			EncGroupIDREF:     m.group,
		}
		if m.media == model.MediaAudio {
			mc.Type = model.AudioCapture
		}
		ids := make([]string, len(m.content))
		for i, c := range m.content {
			ids[i] = c.id
		}
		mc.Content = &model.Content{MediaCaptureIDREFs: ids}
		// The MCC's own spatial information (RFC 8845 §7.2.1): the area
		// covering every constituent when they share this scene and one
		// plane of interest (RFC 8845 §7.1.1.3, the larger potential area);
		// otherwise it cannot be described.
		var list []model.CaptureArea
		dynamic := false
		for _, c := range m.content {
			if ar := areas[c]; ar != nil && c.scene == m.scene && m.media == model.MediaVideo {
				list = append(list, *ar)
			}
			dynamic = dynamic || c.PTZ != nil
		}
		if ar, ok := boundingArea(list); ok && len(list) == len(m.content) {
			mc.Spatial = &model.SpatialInformation{CaptureArea: &ar}
			mc.Mobility = model.Static
			if dynamic {
				mc.Mobility = model.Dynamic
			}
		} else {
			mc.NonSpatiallyDefinable = true
		}
		a.Body.MediaCaptures = append(a.Body.MediaCaptures, mc)
		src := &Source{CaptureID: m.id, Name: m.Name, Media: m.media, MCC: true, Content: ids, Policy: m.Policy,
			MaxBitrate: m.enc.MaxBitrate, SwitchInterval: m.SwitchInterval}
		for i, name := range m.Captures {
			if i >= len(m.Microphones) {
				break
			}
			cam, mic := b.byName[name], b.byName[m.Microphones[i]]
			if cam != nil && mic != nil && mic.Media == model.MediaAudio {
				if src.Voices == nil {
					src.Voices = map[string]string{}
				}
				src.Voices[cam.id] = mic.id
			}
		}
		a.sources[m.id] = src
	}
	return nil
}

// spatial returns the capture's spatial information (RFC 8846 §11.5), nil
// when it is not spatially definable.
func (c *capture) spatial() (*model.SpatialInformation, error) {
	g := c.Geometry
	if g == nil {
		return nil, nil
	}
	var origin *model.CaptureOrigin
	if g.PointOfCapture != nil {
		origin = &model.CaptureOrigin{CapturePoint: *g.PointOfCapture}
		if l := g.PointOnLineOfCapture; l != nil {
			p := *l
			origin.LineOfCapturePoint = &p
		}
	}
	switch c.Media {
	case model.MediaAudio:
		// RFC 8846 §11.5.2: captureArea MUST NOT be used for audio;
		// §11.5.1: spatially definable audio MUST have captureOrigin.
		if g.AreaOfCapture != nil {
			return nil, wrapf(ErrGeometry, "audio capture %q has an area of capture (RFC 8846 §11.5.2)", c.Name)
		}
		if origin == nil {
			return nil, nil
		}
		return &model.SpatialInformation{CaptureOrigin: origin}, nil
	default:
		// RFC 8846 §11.5.2: spatially definable video MUST have captureArea.
		if g.AreaOfCapture == nil {
			return nil, nil
		}
		area := *g.AreaOfCapture
		if c.PTZ != nil {
			ar, line, err := AreaAt(g, c.PTZ)
			if err != nil {
				return nil, fmt.Errorf("capture %q on head %q: %w", c.Name, c.PTZ.Head, err)
			}
			area = ar
			origin.LineOfCapturePoint = line
		}
		return &model.SpatialInformation{CaptureOrigin: origin, CaptureArea: &area}, nil
	}
}

// ---- scenes, scene views and simultaneous sets (RFC 8845 §7.3, §8) ----

// maxSets bounds the alternatives listed when captures share devices: each
// is a simultaneous set and up to one scene view per scene.
const maxSets = 32

func (b *builder) scenesAndSets() error {
	a := b.adv
	for _, media := range []string{model.MediaVideo, model.MediaAudio} {
		sets, constrained, err := b.sets(media)
		if err != nil {
			return err
		}
		// Scene views: per scene, the individual captures of each set that
		// belong to it; a view contained in another is left out. Each view
		// lies in a set, and takes no more encodings of a group than the
		// group has (RFC 8845 §8, §9.3; clue/model checks both).
		viewOf := map[string]string{} // captures of a view, joined → sceneViewID
		for _, s := range b.scenes {
			if !s.used {
				continue
			}
			var views [][]string
			for _, set := range sets {
				if v := set.in(s); len(v) > 0 {
					views = append(views, v)
				}
			}
			views = maximal(views)
			for i, v := range views {
				name := "SV-" + s.Name + "-" + media
				if len(views) > 1 {
					name += "-" + strconv.Itoa(i+1)
				}
				id := b.ids.take(name)
				viewOf[strings.Join(v, " ")] = id
				s.views = append(s.views, model.SceneView{SceneViewID: id, MediaCaptureIDREFs: v})
			}
			// One view per MCC: the MCC alone represents the scene
			// (RFC 8845 §7.3, "(MCC3) - Video Capture associated with
			// loudest room segment").
			for _, m := range b.mccs {
				if m.scene == s && m.media == media {
					s.views = append(s.views, model.SceneView{SceneViewID: b.ids.take("SV-" + m.id), MediaCaptureIDREFs: []string{m.id}})
				}
			}
		}
		if !constrained {
			continue // RFC 8845 §8: without sets, every CSV can be sent at once
		}
		for i, set := range sets {
			ss := model.SimultaneousSet{SetID: b.ids.take("SS-" + media + "-" + strconv.Itoa(i+1)), MediaType: media}
			// A scene view stands for its captures (RFC 8845 §8 shorthand):
			// where the set's part of a scene is a view, name the view.
			for _, s := range b.scenes {
				v := set.in(s)
				if id, ok := viewOf[strings.Join(v, " ")]; ok && len(v) > 0 {
					ss.SceneViewIDREFs = append(ss.SceneViewIDREFs, id)
				} else {
					ss.MediaCaptureIDREFs = append(ss.MediaCaptureIDREFs, v...)
				}
			}
			for _, m := range set.mccs {
				ss.MediaCaptureIDREFs = append(ss.MediaCaptureIDREFs, m.id)
			}
			a.Body.SimultaneousSets = append(a.Body.SimultaneousSets, ss)
		}
	}
	for _, s := range b.scenes {
		if !s.used {
			continue
		}
		scale := s.Scale
		if scale == "" {
			scale = model.ScaleMM
		}
		a.Body.CaptureScenes = append(a.Body.CaptureScenes, model.CaptureScene{SceneID: s.id, Scale: scale, SceneViews: s.views})
	}
	return nil
}

type altSet struct {
	caps []*capture
	mccs []*mcc
}

// in returns the captureIDs of the set's individual captures in scene s.
func (a altSet) in(s *scene) []string {
	var v []string
	for _, c := range a.caps {
		if c.scene == s {
			v = append(v, c.id)
		}
	}
	return v
}

// sets returns the ways the captures of one media type can be sent
// together. A device with k encodings and n > k captures can serve any k
// of them: each set picks k per such device (RFC 8845 §8: "A device may not
// be able to be used in different ways at the same time"). An MCC joins the
// sets holding all its constituents (RFC 8845 §8: an MCC in a set means its
// capture encoding can be sent with the others). constrained reports
// whether any device is shared beyond its capacity; if not, the one set
// holds everything and is not advertised.
func (b *builder) sets(media string) ([]altSet, bool, error) {
	var devs []*device
	constrained := false
	for _, d := range b.devices {
		if d.media == media {
			devs = append(devs, d)
			constrained = constrained || len(d.caps) > d.k
		}
	}
	if len(devs) == 0 {
		return nil, false, nil
	}
	choices := [][]*capture{nil}
	for _, d := range devs {
		combos := combinations(d.caps, min(d.k, len(d.caps)))
		if len(choices)*len(combos) > maxSets {
			return nil, false, wrapf(ErrUnsupported, "captures sharing %s devices make more than %d alternatives to advertise", media, maxSets)
		}
		var next [][]*capture
		for _, pre := range choices {
			for _, c := range combos {
				next = append(next, append(slices.Clone(pre), c...))
			}
		}
		choices = next
	}
	out := make([]altSet, 0, len(choices))
	for _, ch := range choices {
		in := map[*capture]bool{}
		for _, c := range ch {
			in[c] = true
		}
		// Room order, for stable output.
		set := altSet{}
		for _, c := range b.caps {
			if in[c] {
				set.caps = append(set.caps, c)
			}
		}
		for _, m := range b.mccs {
			if m.media != media {
				continue
			}
			all := true
			for _, c := range m.content {
				all = all && in[c]
			}
			if all {
				set.mccs = append(set.mccs, m)
			}
		}
		out = append(out, set)
	}
	return out, constrained, nil
}

// combinations returns the k-element subsets of l, in order.
func combinations(l []*capture, k int) [][]*capture {
	if k == 0 {
		return [][]*capture{nil}
	}
	if len(l) < k {
		return nil
	}
	var out [][]*capture
	for _, rest := range combinations(l[1:], k-1) {
		out = append(out, append([]*capture{l[0]}, rest...))
	}
	return append(out, combinations(l[1:], k)...)
}

// maximal drops duplicate lists and lists contained in another.
func maximal(views [][]string) [][]string {
	var out [][]string
	for i, v := range views {
		keep := true
		for j, w := range views {
			if i == j {
				continue
			}
			if contains(w, v) && (len(w) > len(v) || j < i) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, v)
		}
	}
	return out
}

func contains(set, sub []string) bool {
	for _, x := range sub {
		if !slices.Contains(set, x) {
			return false
		}
	}
	return true
}

// ---- disclosure, validation and size ----

func (b *builder) finish() (*Advertisement, error) {
	a := b.adv
	pol := b.room.Policy
	limit := pol.MaxMessageBytes
	if limit <= 0 {
		limit = DefaultMaxMessageBytes
	}
	bare := cloneBody(&a.Body)
	b.disclose(pol)
	if err := b.validate(); err != nil {
		return nil, err
	}
	size, err := messageSize(&a.Body)
	if err != nil {
		return nil, err
	}
	// Over the budget: withdraw disclosed metadata, the bulkiest and most
	// personal first.
	for _, drop := range []string{"people", "descriptions", "display_name"} {
		if size <= limit {
			break
		}
		switch drop {
		case "people":
			if !pol.People {
				continue
			}
			pol.People = false
		case "descriptions":
			if !pol.Descriptions {
				continue
			}
			pol.Descriptions = false
		case "display_name":
			if !pol.DisplayName {
				continue
			}
			pol.DisplayName = false
		}
		a.Body = cloneBody(&bare)
		b.disclose(pol)
		a.Withheld = append(a.Withheld, drop)
		if size, err = messageSize(&a.Body); err != nil {
			return nil, err
		}
	}
	if size > limit {
		return nil, wrapf(ErrTooLarge, "%d bytes with nothing disclosed, limit %d (RFC 8831 §6.6)", size, limit)
	}
	a.Size = size
	return a, nil
}

// disclose adds what the policy allows to the bare advertisement
// (RFC 8845 §14, RFC 8846 §25).
func (b *builder) disclose(pol Policy) {
	a := &b.adv.Body
	desc := func(text string) []model.Description {
		if !pol.Descriptions || text == "" {
			return nil
		}
		return []model.Description{{Lang: pol.Lang, Text: text}}
	}
	byID := map[string]*model.MediaCapture{}
	for i := range a.MediaCaptures {
		byID[a.MediaCaptures[i].CaptureID] = &a.MediaCaptures[i]
	}
	for _, c := range b.caps {
		byID[c.id].Descriptions = desc(c.Description)
	}
	for _, m := range b.mccs {
		byID[m.id].Descriptions = desc(m.Description)
	}
	used := 0
	for _, s := range b.scenes {
		if !s.used {
			continue
		}
		cs := &a.CaptureScenes[used]
		used++
		cs.Descriptions = desc(s.Description)
		if pol.DisplayName && b.room.DisplayName != "" {
			cs.SceneInformation = &model.XCard{FN: []model.FN{{Text: b.room.DisplayName}}}
		}
	}
	if !pol.People {
		return
	}
	// One <person> per name (RFC 8846 §21), roles merged without repeats
	// (RFC 8845 §7.1.1.11), referenced by every capture showing them.
	index := map[string]int{}
	for _, c := range b.caps {
		var refs []string
		for _, p := range c.People {
			if p.Name == "" {
				continue
			}
			i, ok := index[p.Name]
			if !ok {
				i = len(a.People)
				index[p.Name] = i
				a.People = append(a.People, model.Person{
					PersonID:   b.people[p.Name],
					PersonInfo: &model.XCard{FN: []model.FN{{Text: p.Name}}}, // RFC 8845 §7.1.1.10: FN is mandatory
				})
			}
			per := &a.People[i]
			for _, r := range p.Roles {
				if r != "" && !slices.Contains(per.PersonTypes, r) {
					per.PersonTypes = append(per.PersonTypes, r)
				}
			}
			if !slices.Contains(refs, per.PersonID) {
				refs = append(refs, per.PersonID)
			}
		}
		byID[c.id].CapturedPeople = refs
	}
}

func (b *builder) validate() error {
	if ps := b.adv.Body.Check().Errors(); len(ps) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalid, ps)
	}
	return nil
}

// clueIDReserve is the room left for <clueId>…</clueId> with a 64-byte
// identifier.
const clueIDReserve = len("<clueId></clueId>") + 64

// messageSize is the length of the advertisement message carrying body.
func messageSize(body *model.Advertisement) (int, error) {
	m := &protocol.Advertisement{Header: protocol.Header{V: protocol.Version10, SeqNr: 1<<31 - 1}, Body: *body}
	data, err := protocol.Marshal(m)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return len(data) + clueIDReserve, nil
}

// cloneBody copies the parts disclose writes to.
func cloneBody(a *model.Advertisement) model.Advertisement {
	c := *a
	c.MediaCaptures = slices.Clone(a.MediaCaptures)
	c.CaptureScenes = slices.Clone(a.CaptureScenes)
	c.People = slices.Clone(a.People)
	return c
}

// String summarises the advertisement for logs: "4 captures, 1 scenes, 4
// encodings in 4 groups, 0 simultaneous sets, message ≤ 4433 bytes".
func (a *Advertisement) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d captures, %d scenes, %d encodings in %d groups, %d simultaneous sets, message ≤ %d bytes",
		len(a.Body.MediaCaptures), len(a.Body.CaptureScenes), len(a.Encodings), len(a.Body.EncodingGroups), len(a.Body.SimultaneousSets), a.Size)
	if len(a.Withheld) > 0 {
		fmt.Fprintf(&b, " (withheld to fit: %s)", strings.Join(a.Withheld, ", "))
	}
	return b.String()
}
