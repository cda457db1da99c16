package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// This file is the schema: one function per section, each listing the keys
// it knows (as fields) and then checking what depends on more than one key.
// Cross-field checks only run on values that decoded cleanly, so one mistake
// is reported once, not again by every rule that looks at it.

// config decodes the root table. Sections are decoded in dependency order,
// not file order: the SIP username defaults from the identity, captures refer
// to scenes and PTZ heads, and the RTP port range must avoid the SIP port.
func (d *decoder) config(root *node, c *Config) {
	var identity, sip, security, scene, capture, mcc, ptz, network, ssh, logT, watchdog *node
	keep := func(dst **node) func(string, *node) {
		return func(_ string, v *node) { *dst = v }
	}
	d.fields("", root, []field{
		{"identity", keep(&identity)},
		{"sip", keep(&sip)},
		{"security", keep(&security)},
		{"scene", keep(&scene)},
		{"capture", keep(&capture)},
		{"mcc", keep(&mcc)},
		{"ptz", keep(&ptz)},
		{"network", keep(&network)},
		{"ssh", keep(&ssh)},
		{"log", keep(&logT)},
		{"watchdog", keep(&watchdog)},
	})
	id, idOK := d.identity(identity, &c.Identity)
	sipListenOK := d.sip(sip, &c.SIP, id, idOK, identity)
	d.security(security, &c.Security)
	var scenesOK, ptzOK bool
	c.Scenes, scenesOK = d.scenes(scene)
	c.PTZ, ptzOK = d.ptzs(ptz)
	c.Captures = d.captures(capture, c, scenesOK, ptzOK, scene)
	c.MCCs = d.mccs(mcc, c, scenesOK)
	d.network(network, &c.Network, &c.SIP, sip, sipListenOK)
	d.ssh(ssh, &c.SSH)
	d.fields("log", logT, []field{
		{"level", func(k string, v *node) { d.enum(&c.Log.Level, k, v, "debug", "info", "warn", "error") }},
		{"format", func(k string, v *node) { d.enum(&c.Log.Format, k, v, "text", "json") }},
	})
	d.fields("watchdog", watchdog, []field{
		{"enabled", func(k string, v *node) { d.boolean(&c.Watchdog.Enabled, k, v) }},
		{"device", func(k string, v *node) { d.devPath(&c.Watchdog.Device, k, v) }},
		{"timeout", func(k string, v *node) { d.duration(&c.Watchdog.Timeout, k, v, time.Second, 600*time.Second) }},
		{"stale_frames", func(k string, v *node) { d.integer(&c.Watchdog.StaleFrames, k, v, 1, 1000) }},
	})
}

func (d *decoder) identity(t *node, id *Identity) (uri sipURI, ok bool) {
	const path = "identity"
	if !d.fields(path, t, []field{
		{"display_name", func(k string, v *node) { d.text(&id.DisplayName, k, v, 64) }},
		{"sip_uri", func(k string, v *node) { uri, ok = d.sipURI(&id.SIPURI, k, v, true) }},
	}) {
		return uri, false
	}
	if t.get("sip_uri") == nil {
		d.required(path, t, "sip_uri", `the box's SIP address, such as "sip:cluecam@example.com"`)
	}
	return uri, ok
}

// sip decodes [sip] and reports whether sip.listen is usable for the
// network section's port check.
func (d *decoder) sip(t *node, s *SIP, id sipURI, idOK bool, idTable *node) (listenOK bool) {
	const path = "sip"
	var pw, pwFile, tlsT *node
	var registrar sipURI
	transportOK, registrarOK := true, true
	listenOK = true
	sessionOK, minSEOK := true, true
	if !d.fields(path, t, []field{
		{"transport", func(k string, v *node) {
			transportOK = d.enum(&s.Transport, k, v, TransportUDP, TransportTCP, TransportTLS)
		}},
		{"listen", func(k string, v *node) { listenOK = d.listen(&s.Listen, k, v) }},
		{"registrar", func(k string, v *node) { registrar, registrarOK = d.sipURI(&s.Registrar, k, v, false) }},
		{"username", func(k string, v *node) { d.text(&s.Username, k, v, 128) }},
		{"realm", func(k string, v *node) { d.text(&s.Realm, k, v, 128) }},
		{"password", func(_ string, v *node) { pw = v }},
		{"password_file", func(_ string, v *node) { pwFile = v }},
		{"register_expires", func(k string, v *node) {
			d.duration(&s.RegisterExpires, k, v, 60*time.Second, 24*time.Hour)
		}},
		{"tls", func(_ string, v *node) { tlsT = v }},
		{"session_expires", func(k string, v *node) {
			// RFC 4028 §4: the session interval cannot be below 90 seconds.
			sessionOK = d.duration(&s.SessionExpires, k, v, 90*time.Second, 24*time.Hour)
		}},
		{"min_se", func(k string, v *node) { minSEOK = d.duration(&s.MinSE, k, v, 90*time.Second, 24*time.Hour) }},
	}) {
		return false
	}
	d.secret(path, pw, pwFile, &s.Password)

	if s.Listen == "" {
		s.Listen = ":5060"
		if s.Transport == TransportTLS {
			s.Listen = ":5061" // RFC 3261 §19.1.2: 5061 is the default port for TLS
		}
	}
	if tlsT != nil && transportOK {
		if s.Transport != TransportTLS {
			d.notApplicable("sip.tls", tlsT, fmt.Sprintf("with transport = %q (only with \"tls\")", s.Transport))
		} else {
			d.tls(tlsT, &s.TLS)
		}
	}
	if s.Username == "" && idOK {
		s.Username = id.user
	}
	if transportOK && s.Transport != TransportTLS {
		// RFC 3261 §26.2.2: a sips: URI must be reached over TLS.
		if idOK && id.scheme == "sips" {
			if n := t.get("transport"); n != nil {
				d.invalid("sip.transport", n, "identity.sip_uri is a sips: URI, which needs transport = \"tls\"")
			} else {
				d.invalid("identity.sip_uri", idTable.get("sip_uri"), "a sips: URI needs sip.transport = \"tls\"")
			}
		}
		if registrarOK && registrar.scheme == "sips" {
			d.invalid("sip.registrar", t.get("registrar"), "a sips: registrar needs sip.transport = \"tls\"")
		}
	}
	switch {
	case s.Registrar != "":
		if s.Username == "" && t.get("username") == nil {
			d.required(path, t, "username", "sip.registrar is set and identity.sip_uri has no user part")
		}
		if pw == nil && pwFile == nil {
			d.required(path, t, "password_file", "sip.registrar is set; give password_file (recommended) or password")
		}
	case registrarOK:
		if n := t.get("register_expires"); n != nil {
			d.notApplicable("sip.register_expires", n, "without sip.registrar")
		}
	}
	if sessionOK && minSEOK && s.MinSE > s.SessionExpires {
		d.conflict(path, t, []string{"min_se", "session_expires"},
			"min_se (%s) must not exceed session_expires (%s)", fmtDuration(s.MinSE), fmtDuration(s.SessionExpires))
	}
	return listenOK
}

func (d *decoder) tls(t *node, s *TLS) {
	d.fields("sip.tls", t, []field{
		{"ca_file", func(k string, v *node) {
			if d.filePath(&s.CAFile, k, v) {
				d.checkCAFile(k, v, s.CAFile)
			}
		}},
		{"server_fingerprints", func(k string, v *node) { s.ServerFingerprints = d.fingerprints(k, v) }},
		{"cert_file", func(k string, v *node) { d.filePath(&s.CertFile, k, v) }},
		{"key_file", func(k string, v *node) { d.filePath(&s.KeyFile, k, v) }},
	})
	if (t.get("cert_file") == nil) != (t.get("key_file") == nil) {
		d.conflict("sip.tls", t, []string{"cert_file", "key_file"}, "give both cert_file and key_file, or neither")
	}
}

var disclosures = []string{DiscloseDisplayName, DiscloseDescriptions, DisclosePeople}

var digestAlgorithms = []string{DigestSHA256, DigestMD5}

func (d *decoder) security(t *node, s *Security) {
	const path = "security"
	var callersT, peersT *node
	peersOK := false
	if !d.fields(path, t, []field{
		{"require_auth", func(k string, v *node) { d.boolean(&s.RequireAuth, k, v) }},
		{"allowed_peers", func(k string, v *node) {
			peersT = v
			var uris []string
			uris, peersOK = d.stringList(k, v, "SIP URI", func(k string, e *node, str string) bool {
				_, msg := parseSIPURI(str)
				if msg != "" {
					d.invalid(k, e, "%s", msg)
				}
				return msg == ""
			})
			s.AllowedPeers = PeerList{Set: true, URIs: uris}
		}},
		{"caller", func(_ string, v *node) { callersT = v }},
		{"disclose", func(k string, v *node) {
			l, _ := d.stringList(k, v, "one of "+quoteList(disclosures), func(k string, e *node, str string) bool {
				return d.oneOf(k, e, str, disclosures)
			})
			if len(l) > 0 {
				s.Disclose = l
			}
		}},
		{"max_calls", func(k string, v *node) { d.integer(&s.MaxCalls, k, v, 1, 16) }},
		{"sip_requests_per_second", func(k string, v *node) { d.integer(&s.SIPRequestsPerSecond, k, v, 1, 1000) }},
		{"clue_messages_per_second", func(k string, v *node) { d.integer(&s.CLUEMessagesPerSecond, k, v, 1, 1000) }},
		{"digest_algorithms", func(k string, v *node) {
			l, ok := d.stringList(k, v, "one of "+quoteList(digestAlgorithms), func(k string, e *node, str string) bool {
				return d.oneOf(k, e, str, digestAlgorithms)
			})
			if ok && len(l) == 0 {
				d.invalid(k, v, "needs at least one algorithm")
				return
			}
			if ok {
				s.DigestAlgorithms = l
			}
		}},
	}) {
		return
	}
	if callersT != nil {
		s.Callers = d.callers(path+".caller", callersT, s.RequireAuth)
	}

	if !s.RequireAuth {
		d.warnf(at(t.get("require_auth")), "security.require_auth", ErrInsecure,
			"authentication is off: anyone who can reach the box can call it and receive its media")
		return
	}
	switch {
	case s.AllowedPeers.Set && peersOK:
		for i, uri := range s.AllowedPeers.URIs {
			if !s.hasCaller(uri) {
				d.warnf(peersT.elems[i].at, index("security.allowed_peers", i), ErrValue,
					"no [[security.caller]] has this uri, so it cannot authenticate while require_auth is on")
			}
		}
	case !s.AllowedPeers.Set && len(s.Callers) == 0 && callersT == nil:
		at := pos{1, 1}
		if t != nil {
			at = t.key
		}
		d.warnf(at, "security.caller", ErrValue, "no [[security.caller]] is defined, so nobody can call in (outgoing calls still work)")
	}
}

func (d *decoder) callers(path string, v *node, requireAuth bool) []Caller {
	var out []Caller
	seen := map[string]pos{}
	for i, t := range d.tables(path, v) {
		if t == nil {
			continue
		}
		p := index(path, i)
		var c Caller
		var pw, pwFile *node
		var uri sipURI
		uriOK := false
		if !d.fields(p, t, []field{
			{"uri", func(k string, v *node) {
				if uri, uriOK = d.sipURI(&c.URI, k, v, true); uriOK {
					uriOK = d.unique(seen, "caller uri", canonicalScheme(c.URI), k, v)
				}
			}},
			{"username", func(k string, v *node) { d.text(&c.Username, k, v, 128) }},
			{"password", func(_ string, v *node) { pw = v }},
			{"password_file", func(_ string, v *node) { pwFile = v }},
			{"dtls_fingerprints", func(k string, v *node) { c.DTLSFingerprints = d.fingerprints(k, v) }},
		}) {
			continue
		}
		d.secret(p, pw, pwFile, &c.Password)
		if t.get("uri") == nil {
			d.required(p, t, "uri", "the caller's SIP URI")
		}
		if c.Username == "" && uriOK {
			c.Username = uri.user
		}
		if requireAuth && pw == nil && pwFile == nil {
			d.required(p, t, "password_file", "callers authenticate with SIP digest while security.require_auth is on; give password_file (recommended) or password")
		}
		out = append(out, c)
	}
	return out
}

var scales = []string{ScaleMM, ScaleUnknown, ScaleNoScale}

// scenes decodes [[scene]]; ok is false when a scene name is unusable, so
// that captures do not also complain about references to it.
func (d *decoder) scenes(v *node) (out []Scene, ok bool) {
	if v == nil {
		return nil, true
	}
	ok = true
	seen := map[string]pos{}
	for i, t := range d.tables("scene", v) {
		if t == nil {
			ok = false
			continue
		}
		p := index("scene", i)
		sc := Scene{Scale: ScaleMM}
		nameOK := false
		if !d.fields(p, t, []field{
			{"name", func(k string, v *node) {
				nameOK = d.name(&sc.Name, k, v) && d.unique(seen, "scene name", sc.Name, k, v)
			}},
			{"description", func(k string, v *node) { d.text(&sc.Description, k, v, 256) }},
			{"scale", func(k string, v *node) { d.enum(&sc.Scale, k, v, scales...) }},
		}) {
			ok = false
			continue
		}
		if t.get("name") == nil {
			d.required(p, t, "name", "")
		}
		ok = ok && nameOK
		out = append(out, sc)
	}
	return out, ok && v.kind == kindArray
}

var (
	videoKeys = []string{"format", "width", "height", "framerate", "max_bitrate_kbps", "ptz"}
	audioKeys = []string{"rate", "channels"}
)

func (d *decoder) captures(v *node, c *Config, scenesOK, ptzOK bool, sceneT *node) []Capture {
	if v == nil || (v.kind == kindArray && len(v.elems) == 0) {
		at := pos{1, 1}
		if v != nil {
			at = v.key
		}
		d.errorf(at, "capture", ErrValue, "at least one [[capture]] is required")
		return nil
	}
	if len(c.Scenes) == 0 && scenesOK {
		at := pos{1, 1}
		if sceneT != nil {
			at = sceneT.key
		}
		d.errorf(at, "scene", ErrValue, "at least one [[scene]] is required: every capture belongs to a scene")
	}
	var out []Capture
	seen := map[string]pos{}
	for i, t := range d.tables("capture", v) {
		if t == nil {
			continue
		}
		p := index("capture", i)
		cp, ok := d.capture(p, t, seen)
		if !ok {
			continue
		}
		d.captureRefs(p, t, &cp, c, scenesOK, ptzOK)
		out = append(out, cp)
	}
	return out
}

func (d *decoder) capture(p string, t *node, seen map[string]pos) (Capture, bool) {
	cp := Capture{Device: DeviceAuto}
	var geometryT, personT *node
	mediaOK, deviceOK, formatOK := false, false, true
	devClass := devAuto
	if !d.fields(p, t, []field{
		{"name", func(k string, v *node) {
			if d.name(&cp.Name, k, v) {
				d.unique(seen, "capture name", cp.Name, k, v)
			}
		}},
		{"media", func(k string, v *node) { mediaOK = d.enum(&cp.Media, k, v, MediaVideo, MediaAudio) }},
		{"device", func(k string, v *node) {
			s, ok := d.str(k, v, "device name")
			if !ok {
				return
			}
			class, msg := classifyDevice(s)
			if msg != "" {
				d.invalid(k, v, "%s", msg)
				return
			}
			cp.Device, devClass, deviceOK = s, class, true
		}},
		{"scene", func(k string, v *node) { d.name(&cp.Scene, k, v) }},
		{"description", func(k string, v *node) { d.text(&cp.Description, k, v, 256) }},
		{"format", func(k string, v *node) { formatOK = d.enum(&cp.Format, k, v, "auto", "h264", "mjpeg") }},
		{"width", func(k string, v *node) { d.evenInteger(&cp.Width, k, v, 16, 4096) }},
		{"height", func(k string, v *node) { d.evenInteger(&cp.Height, k, v, 16, 2160) }},
		{"framerate", func(k string, v *node) { d.integer(&cp.Framerate, k, v, 1, 120) }},
		{"max_bitrate_kbps", func(k string, v *node) { d.integer(&cp.MaxBitrateKbps, k, v, 32, 100000) }},
		{"rate", func(k string, v *node) { d.intOneOf(&cp.Rate, k, v, 8000, 16000, 32000, 44100, 48000) }},
		{"channels", func(k string, v *node) { d.intOneOf(&cp.Channels, k, v, 1, 2) }},
		{"geometry", func(_ string, v *node) { geometryT = v }},
		{"ptz", func(k string, v *node) { d.name(&cp.PTZ, k, v) }},
		{"person", func(_ string, v *node) { personT = v }},
	}) {
		return cp, false
	}
	if t.get("name") == nil {
		d.required(p, t, "name", "")
	}
	if t.get("media") == nil {
		d.required(p, t, "media", `"video" or "audio"`)
	}
	if !mediaOK {
		return cp, true
	}
	other, otherKeys := MediaAudio, audioKeys
	if cp.Media == MediaAudio {
		other, otherKeys = MediaVideo, videoKeys
	}
	for _, k := range otherKeys {
		if n := t.get(k); n != nil {
			d.notApplicable(join(p, k), n, fmt.Sprintf("with media = %q (only with %q)", cp.Media, other))
		}
	}
	switch cp.Media {
	case MediaVideo:
		cp.Rate, cp.Channels = 0, 0
		if cp.Format == "" {
			cp.Format = "auto"
		}
		if cp.Width == 0 {
			cp.Width = 1280
		}
		if cp.Height == 0 {
			cp.Height = 720
		}
		if cp.Framerate == 0 {
			cp.Framerate = 30
		}
		if cp.MaxBitrateKbps == 0 {
			cp.MaxBitrateKbps = 2000
		}
		switch {
		case !deviceOK:
		case devClass == devSyntheticAudio || devClass == devALSA:
			d.invalid(join(p, "device"), t.get("device"), "%q is an audio device; video captures use synthetic:h264, synthetic:mjpeg or a path such as \"/dev/video0\"", cp.Device)
		case devClass == devSyntheticVideo && formatOK && cp.Format != "auto" && "synthetic:"+cp.Format != cp.Device:
			d.invalid(join(p, "format"), t.get("format"), "%q produces %s, not %s", cp.Device, strings.TrimPrefix(cp.Device, "synthetic:"), cp.Format)
		}
	case MediaAudio:
		cp.Format, cp.Width, cp.Height, cp.Framerate, cp.MaxBitrateKbps, cp.PTZ = "", 0, 0, 0, 0, ""
		if cp.Rate == 0 {
			cp.Rate = 48000
		}
		if cp.Channels == 0 {
			cp.Channels = 1
		}
		if deviceOK && (devClass == devSyntheticVideo || devClass == devPath) {
			d.invalid(join(p, "device"), t.get("device"), "%q is a video device; audio captures use synthetic:tone or an ALSA name such as \"hw:0,0\"", cp.Device)
		}
	}
	if geometryT != nil {
		cp.Geometry = d.geometry(join(p, "geometry"), geometryT, cp.Media)
		if g := cp.Geometry; g != nil && cp.PTZ != "" && g.AreaOfCapture != nil && geometryT.get("point_of_capture") == nil {
			// The head turns the camera about its position; without it the
			// area of capture cannot follow the head.
			d.required(join(p, "geometry"), geometryT, "point_of_capture", "a camera on a PTZ head turns about its point of capture")
		}
	}
	if personT != nil {
		cp.People = d.people(join(p, "person"), personT)
	}
	return cp, true
}

// mccs decodes [[mcc]] (RFC 8845 §7.2 Multiple Content Captures), after
// the scenes and captures they refer to.
func (d *decoder) mccs(v *node, c *Config, scenesOK bool) []MCC {
	if v == nil {
		return nil
	}
	captures := map[string]*Capture{}
	for i := range c.Captures {
		captures[c.Captures[i].Name] = &c.Captures[i]
	}
	var out []MCC
	seen := map[string]pos{}
	for i, t := range d.tables("mcc", v) {
		if t == nil {
			continue
		}
		p := index("mcc", i)
		m := MCC{MaxCaptures: 1}
		capsOK, micsOK := false, false
		if !d.fields(p, t, []field{
			{"name", func(k string, v *node) {
				if !d.name(&m.Name, k, v) {
					return
				}
				if captures[m.Name] != nil {
					// RFC 8846 §11.1: the name becomes a captureID, unique in
					// the advertisement.
					d.invalid(k, v, "name %q is already a [[capture]]'s; captures and MCCs share one name space (the captureID)", m.Name)
					return
				}
				d.unique(seen, "MCC name", m.Name, k, v)
			}},
			{"scene", func(k string, v *node) { d.name(&m.Scene, k, v) }},
			{"description", func(k string, v *node) { d.text(&m.Description, k, v, 256) }},
			{"captures", func(k string, v *node) {
				// RFC 8845 §7.2: one media type per MCC; the box switches video.
				l, ok := d.captureList(k, v, c, captures, MediaVideo, "an MCC switches between video captures")
				if ok && len(l) < 2 {
					d.invalid(k, v, "an MCC switches between at least two captures, found %d", len(l))
					ok = false
				}
				m.Captures, capsOK = l, ok
			}},
			{"policy", func(k string, v *node) {
				s, ok := d.str(k, v, "policy such as \"SoundLevel:0\"")
				if !ok {
					return
				}
				if !validPolicy(s) {
					d.invalid(k, v, "expected %q or %q followed by an index, such as \"SoundLevel:0\" (RFC 8846 §11.10), found %s", PolicySoundLevel+":N", PolicyRoundRobin+":N", quoteShort(s))
					return
				}
				m.Policy = s
			}},
			{"microphones", func(k string, v *node) {
				l, ok := d.captureList(k, v, c, captures, MediaAudio, "microphones names the audio capture that hears each camera")
				micsOK, m.Microphones = ok, l
			}},
			{"switch_interval", func(k string, v *node) {
				d.duration(&m.SwitchInterval, k, v, time.Second, time.Hour)
			}},
			{"max_captures", func(_ string, v *node) {}},
			{"allow_subset_choice", func(k string, v *node) { d.boolean(&m.AllowSubsetChoice, k, v) }},
		}) {
			continue
		}
		tok, _, _ := strings.Cut(m.Policy, ":")
		if m.SwitchInterval == 0 && tok == PolicyRoundRobin {
			m.SwitchInterval = DefaultSwitchInterval
		}
		switch mics := t.get("microphones"); {
		case mics != nil && capsOK && micsOK && len(m.Microphones) != len(m.Captures):
			d.invalid(join(p, "microphones"), mics, "one microphone per capture in captures (%d), found %d", len(m.Captures), len(m.Microphones))
		case mics == nil && tok == PolicySoundLevel:
			// RFC 8846 §7.2.1.1: SoundLevel shows the loudest speaker; the
			// box can tell only with a microphone per camera.
			d.required(p, t, "microphones", "the SoundLevel policy shows the camera whose microphone is loudest: name one audio [[capture]] per capture, in order")
		case t.get("switch_interval") != nil && tok != PolicyRoundRobin:
			d.invalid(join(p, "switch_interval"), t.get("switch_interval"), "only the RoundRobin policy switches by time")
		}
		if t.get("name") == nil {
			d.required(p, t, "name", "")
		}
		if t.get("captures") == nil {
			d.required(p, t, "captures", `the video captures to switch between, such as ["main", "wide"]`)
		}
		if n := t.get("max_captures"); n != nil {
			hi := 1
			if capsOK {
				hi = len(m.Captures)
			}
			// RFC 8845 §7.2.1.1: "up to the total number of Source Media
			// Captures"; above 1 the captures are composed into one picture.
			if d.integer(&m.MaxCaptures, join(p, "max_captures"), n, 1, max(hi, 1)) && m.MaxCaptures > 1 {
				d.invalid(join(p, "max_captures"), n, "only 1 is supported: showing %d captures at once needs a compositor, which this firmware does not have", m.MaxCaptures)
			}
		}
		d.mccScene(p, t, &m, c, captures, scenesOK, capsOK)
		out = append(out, m)
	}
	return out
}

// captureList decodes a list of names of [[capture]]s of one media type;
// why says what the list is for, when a name is of the other type.
func (d *decoder) captureList(k string, v *node, c *Config, captures map[string]*Capture, media, why string) ([]string, bool) {
	article := map[string]string{MediaVideo: "a", MediaAudio: "an"}
	return d.stringList(k, v, "name of "+article[media]+" "+media+" [[capture]]", func(k string, e *node, s string) bool {
		switch cp := captures[s]; {
		case cp == nil:
			names := make([]string, 0, len(c.Captures))
			for _, x := range c.Captures {
				if x.Media == media {
					names = append(names, x.Name)
				}
			}
			d.invalid(k, e, "no [[capture]] named %s%s", quoteShort(s), known(names))
			return false
		case cp.Media != media:
			d.invalid(k, e, "%q is %s %s capture; %s", s, article[cp.Media], cp.Media, why)
			return false
		}
		return true
	})
}

// mccScene resolves the scene an MCC is defined in.
func (d *decoder) mccScene(p string, t *node, m *MCC, c *Config, captures map[string]*Capture, scenesOK, capsOK bool) {
	if n := t.get("scene"); n != nil {
		if m.Scene != "" && scenesOK && !hasScene(c.Scenes, m.Scene) {
			d.invalid(join(p, "scene"), n, "no [[scene]] named %q%s", m.Scene, known(sceneNames(c.Scenes)))
		}
		return
	}
	if capsOK {
		shared := captures[m.Captures[0]].Scene
		for _, name := range m.Captures[1:] {
			if captures[name].Scene != shared {
				shared = ""
			}
		}
		if shared != "" {
			m.Scene = shared
			return
		}
	}
	switch {
	case len(c.Scenes) == 1:
		m.Scene = c.Scenes[0].Name
	case len(c.Scenes) > 1 && capsOK:
		d.required(p, t, "scene", "its captures belong to different scenes"+known(sceneNames(c.Scenes)))
	}
}

// validPolicy matches the policy tokens RFC 8846 §11.10 defines, with an
// index: (SoundLevel|RoundRobin):[0-9]+ (a subset of policyType).
func validPolicy(s string) bool {
	tok, idx, ok := strings.Cut(s, ":")
	if !ok || (tok != PolicySoundLevel && tok != PolicyRoundRobin) || idx == "" || len(idx) > 9 {
		return false
	}
	for i := 0; i < len(idx); i++ {
		if idx[i] < '0' || idx[i] > '9' {
			return false
		}
	}
	return true
}

// captureRefs resolves the capture's references to a scene and a PTZ head.
func (d *decoder) captureRefs(p string, t *node, cp *Capture, c *Config, scenesOK, ptzOK bool) {
	if n := t.get("scene"); n != nil {
		if cp.Scene != "" && scenesOK && !hasScene(c.Scenes, cp.Scene) {
			d.invalid(join(p, "scene"), n, "no [[scene]] named %q%s", cp.Scene, known(sceneNames(c.Scenes)))
		}
	} else if len(c.Scenes) == 1 {
		cp.Scene = c.Scenes[0].Name
	} else if len(c.Scenes) > 1 {
		d.required(p, t, "scene", "more than one [[scene]] is defined"+known(sceneNames(c.Scenes)))
	}
	if n := t.get("ptz"); n != nil && cp.PTZ != "" && ptzOK {
		found := false
		names := make([]string, len(c.PTZ))
		for i, h := range c.PTZ {
			names[i] = h.Name
			found = found || h.Name == cp.PTZ
		}
		if !found {
			d.invalid(join(p, "ptz"), n, "no [[ptz]] named %q%s", cp.PTZ, known(names))
		}
	}
}

func hasScene(l []Scene, name string) bool {
	for _, s := range l {
		if s.Name == name {
			return true
		}
	}
	return false
}

func sceneNames(l []Scene) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = s.Name
	}
	return out
}

func known(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return "; defined: " + quoteList(names)
}

func (d *decoder) people(path string, v *node) []Person {
	var out []Person
	for i, t := range d.tables(path, v) {
		if t == nil {
			continue
		}
		p := index(path, i)
		var person Person
		if !d.fields(p, t, []field{
			{"name", func(k string, v *node) { d.text(&person.Name, k, v, 128) }},
			{"roles", func(k string, v *node) {
				l, _ := d.stringList(k, v, "RFC 8846 person type", func(k string, e *node, s string) bool {
					return d.oneOf(k, e, s, personTypes)
				})
				if len(l) > 0 {
					person.Roles = l
				}
			}},
		}) {
			continue
		}
		if t.get("name") == nil {
			d.required(p, t, "name", "the person's name as it should be shown")
		}
		out = append(out, person)
	}
	return out
}

// geometry decodes RFC 8846 §11.5 spatial information.
func (d *decoder) geometry(path string, t *node, media string) *Geometry {
	g := &Geometry{}
	var areaT *node
	if !d.fields(path, t, []field{
		{"point_of_capture", func(k string, v *node) { g.PointOfCapture = d.point(k, v) }},
		{"point_on_line_of_capture", func(k string, v *node) { g.PointOnLineOfCapture = d.point(k, v) }},
		{"area_of_capture", func(_ string, v *node) { areaT = v }},
	}) {
		return nil
	}
	pocT, polT := t.get("point_of_capture"), t.get("point_on_line_of_capture")
	if areaT != nil {
		if media == MediaAudio {
			// RFC 8846 §11.5.2: captureArea MUST NOT be associated with audio captures.
			d.notApplicable(join(path, "area_of_capture"), areaT, "for audio captures (RFC 8846 §11.5.2)")
		} else {
			g.AreaOfCapture = d.area(join(path, "area_of_capture"), areaT, g.PointOfCapture)
		}
	} else if media == MediaVideo {
		// RFC 8846 §11.5.2: captureArea MUST be included in the spatial
		// information of spatially definable video captures.
		d.required(path, t, "area_of_capture", "video captures with geometry need their area of capture (RFC 8846 §11.5.2)")
	}
	if pocT == nil {
		switch {
		case polT != nil:
			d.invalid(join(path, "point_on_line_of_capture"), polT, "needs point_of_capture (RFC 8846 §11.5.1)")
		case media == MediaAudio:
			// RFC 8846 §11.5.1: captureOrigin MUST be included in spatially definable audio captures.
			d.required(path, t, "point_of_capture", "audio captures with geometry need their position (RFC 8846 §11.5.1)")
		}
	} else if g.PointOfCapture != nil && g.PointOnLineOfCapture != nil && *g.PointOfCapture == *g.PointOnLineOfCapture {
		// RFC 8846 §11.5.1: the point on line of capture MUST NOT be identical to the capture point.
		d.invalid(join(path, "point_on_line_of_capture"), polT, "must differ from point_of_capture (RFC 8846 §11.5.1)")
	}
	return g
}

var areaCorners = []string{"bottom_left", "bottom_right", "top_left", "top_right"}

func (d *decoder) area(path string, t *node, camera *Point) *Area {
	a := &Area{}
	dst := []*Point{&a.BottomLeft, &a.BottomRight, &a.TopLeft, &a.TopRight}
	allOK := true
	fs := make([]field, len(areaCorners))
	for i, name := range areaCorners {
		fs[i] = field{name, func(k string, v *node) {
			if p := d.point(k, v); p != nil {
				*dst[i] = *p
			} else {
				allOK = false
			}
		}}
	}
	if !d.fields(path, t, fs) {
		return nil
	}
	for _, name := range areaCorners {
		if t.get(name) == nil {
			d.required(path, t, name, "an area of capture has four corners")
			allOK = false
		}
	}
	if allOK {
		if msg := checkArea(*a, camera); msg != "" {
			d.errorf(t.at, path, ErrValue, "%s", msg)
		}
	}
	return a
}

// point decodes [x, y, z]; nil when invalid.
func (d *decoder) point(key string, v *node) *Point {
	const expected = "[x, y, z] (three numbers)"
	elems, ok := d.array(key, v, expected)
	if !ok {
		return nil
	}
	if len(elems) != 3 {
		d.invalid(key, v, "expected %s, found %d elements", expected, len(elems))
		return nil
	}
	var p Point
	for i, e := range elems {
		// Bounded so that area computations cannot overflow to infinity.
		if !d.number(&p[i], index(key, i), e, -1e9, 1e9) {
			return nil
		}
	}
	return &p
}

var ptzDrivers = []string{DriverSynthetic, DriverPWM, DriverGPIO, DriverPCA9685, DriverVISCASerial, DriverVISCAIP}

// ptzs decodes [[ptz]]; ok is false when a head name is unusable.
func (d *decoder) ptzs(v *node) (out []PTZ, ok bool) {
	if v == nil {
		return nil, true
	}
	ok = v.kind == kindArray
	seen := map[string]pos{}
	for i, t := range d.tables("ptz", v) {
		if t == nil {
			ok = false
			continue
		}
		h, nameOK := d.ptz(index("ptz", i), t, seen)
		ok = ok && nameOK
		out = append(out, h)
	}
	return out, ok
}

func (d *decoder) ptz(p string, t *node, seen map[string]pos) (PTZ, bool) {
	h := PTZ{
		Limits:       Limits{PanMin: -90, PanMax: 90, TiltMin: -30, TiltMax: 30, ZoomMin: 1, ZoomMax: 1},
		SpeedDegPerS: 60,
	}
	var limitsT, presetT, homeT *node
	nameOK, driverOK := false, false
	var subs []string // driver sub-tables present, in file order
	fs := []field{
		{"name", func(k string, v *node) {
			nameOK = d.name(&h.Name, k, v) && d.unique(seen, "ptz name", h.Name, k, v)
		}},
		{"driver", func(k string, v *node) { driverOK = d.enum(&h.Driver, k, v, ptzDrivers...) }},
		{"limits", func(_ string, v *node) { limitsT = v }},
		{"speed_deg_per_s", func(k string, v *node) { d.number(&h.SpeedDegPerS, k, v, 1, 360) }},
		{"preset", func(_ string, v *node) { presetT = v }},
		{"home", func(_ string, v *node) { homeT = v }},
	}
	for _, drv := range ptzDrivers[1:] {
		fs = append(fs, field{drv, func(string, *node) { subs = append(subs, drv) }})
	}
	if !d.fields(p, t, fs) {
		return h, false
	}
	if t.get("name") == nil {
		d.required(p, t, "name", "")
	}
	if t.get("driver") == nil {
		d.required(p, t, "driver", "one of "+quoteList(ptzDrivers))
	}
	if driverOK {
		for _, drv := range subs {
			if drv != h.Driver {
				d.notApplicable(join(p, drv), t.get(drv), fmt.Sprintf("with driver = %q (only with driver = %q)", h.Driver, drv))
			}
		}
		sub := t.get(h.Driver)
		k := join(p, h.Driver)
		switch h.Driver {
		case DriverPWM:
			h.PWM = d.pwm(k, sub, t)
		case DriverGPIO:
			h.GPIO = d.gpio(k, sub, t)
		case DriverPCA9685:
			h.PCA9685 = d.pca9685(k, sub, t)
		case DriverVISCASerial:
			h.VISCASerial = d.viscaSerial(k, sub, t)
		case DriverVISCAIP:
			h.VISCAIP = d.viscaIP(k, sub, t)
		}
	}
	limitsOK := d.limits(join(p, "limits"), limitsT, &h.Limits)
	if limitsOK && driverOK {
		limitsOK = d.driverLimits(p, t, limitsT, &h)
	}
	if presetT != nil {
		h.Presets = d.presets(join(p, "preset"), presetT, h.Limits, limitsOK)
	}
	if homeT != nil && d.name(&h.Home, join(p, "home"), homeT) {
		found := false
		names := make([]string, len(h.Presets))
		for i, pr := range h.Presets {
			names[i] = pr.Name
			found = found || pr.Name == h.Home
		}
		if !found {
			d.invalid(join(p, "home"), homeT, "no [[%s]] named %q%s", join(p, "preset"), h.Home, known(names))
		}
	}
	return h, nameOK
}

// driverLimits checks the limits against what the driver can do: servo and
// stepper heads have no zoom; servos cannot go beyond their travel; steppers
// and VISCA cameras count from pan 0, tilt 0 (where a stepper is at power-on
// and where a VISCA camera's Home is), so that must be within the limits.
// Problems point at the limit when it is written, else at the driver key
// that makes the default wrong. ok is false when presets cannot be checked.
func (d *decoder) driverLimits(p string, head, limitsT *node, h *PTZ) bool {
	lp := join(p, "limits")
	l := h.Limits
	ok := true
	at := func(keys []string, fallback string, format string, args ...any) {
		ok = false
		for _, k := range keys {
			if v := limitsT.get(k); v != nil {
				d.invalid(join(lp, k), v, format, args...)
				return
			}
		}
		if v := head.get(h.Driver).get(fallback); fallback != "" && v != nil {
			d.invalid(join(join(p, h.Driver), fallback), v, format, args...)
			return
		}
		where := head.key
		if limitsT != nil {
			where = limitsT.key
		}
		d.errorf(where, lp, ErrValue, format, args...)
	}
	servoRange := 0.0
	switch h.Driver {
	case DriverPWM:
		servoRange = h.PWM.ServoRangeDeg
	case DriverPCA9685:
		servoRange = h.PCA9685.ServoRangeDeg
	}
	switch h.Driver {
	case DriverPWM, DriverPCA9685, DriverGPIO:
		if l.ZoomMin != l.ZoomMax {
			at([]string{"zoom_max", "zoom_min"}, "", "driver %q has no zoom: zoom_min and zoom_max must be equal (default 1)", h.Driver)
		}
	}
	if servoRange > 0 {
		half := servoRange / 2
		for _, ax := range []struct {
			lo, hi   string
			min, max float64
		}{{"pan_min", "pan_max", l.PanMin, l.PanMax}, {"tilt_min", "tilt_max", l.TiltMin, l.TiltMax}} {
			if ax.min < -half || ax.max > half {
				keys := []string{ax.hi}
				if ax.min < -half {
					keys = []string{ax.lo}
				}
				at(keys, "servo_range_deg", "%s..%s is beyond the servos' travel -%s..%s (servo_range_deg = %s)",
					fmtFloat(ax.min), fmtFloat(ax.max), fmtFloat(half), fmtFloat(half), fmtFloat(servoRange))
			}
		}
	}
	switch h.Driver {
	case DriverGPIO, DriverVISCASerial, DriverVISCAIP:
		for _, ax := range []struct {
			lo, hi   string
			min, max float64
		}{{"pan_min", "pan_max", l.PanMin, l.PanMax}, {"tilt_min", "tilt_max", l.TiltMin, l.TiltMax}} {
			if ax.min > 0 || ax.max < 0 {
				keys := []string{ax.lo}
				if ax.max < 0 {
					keys = []string{ax.hi}
				}
				at(keys, "", "%s..%s must contain 0: driver %q counts from pan 0, tilt 0", fmtFloat(ax.min), fmtFloat(ax.max), h.Driver)
			}
		}
	}
	return ok
}

// driverTable starts decoding a driver's sub-table, which is required
// whenever the driver has settings without sensible defaults.
func (d *decoder) driverTable(path string, sub, head *node) bool {
	if sub == nil {
		d.errorf(head.get("driver").at, path, ErrValue, "required: driver = %q needs a [%s] table", lastKey(path), tableHeader(path))
		return false
	}
	return true
}

// tableHeader turns ptz[0].pwm into ptz.pwm, the header a user writes.
func tableHeader(path string) string {
	var b strings.Builder
	skip := false
	for _, r := range path {
		switch {
		case r == '[':
			skip = true
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// conflict reports keys of t that contradict each other. It points at the
// first of keys present in the file (list the key most likely to be wrong
// first); when none is, the defaults clash with a key elsewhere and the
// problem is reported at the table.
func (d *decoder) conflict(path string, t *node, keys []string, format string, args ...any) {
	for _, k := range keys {
		if v := t.get(k); v != nil {
			d.invalid(join(path, k), v, format, args...)
			return
		}
	}
	at := pos{1, 1}
	if t != nil {
		at = t.key
	}
	d.errorf(at, path, ErrValue, format, args...)
}

func (d *decoder) pwm(path string, t, head *node) *PWM {
	c := &PWM{PulseMinUS: 500, PulseMaxUS: 2500, PeriodUS: 20000, ServoRangeDeg: 180}
	if !d.driverTable(path, t, head) {
		return c
	}
	var okPan, okTilt, okMin, okMax, okPeriod = false, false, true, true, true
	if !d.fields(path, t, []field{
		{"chip", func(k string, v *node) { d.integer(&c.Chip, k, v, 0, 63) }},
		{"pan_channel", func(k string, v *node) { okPan = d.integer(&c.PanChannel, k, v, 0, 63) }},
		{"tilt_channel", func(k string, v *node) { okTilt = d.integer(&c.TiltChannel, k, v, 0, 63) }},
		{"pulse_min_us", func(k string, v *node) { okMin = d.integer(&c.PulseMinUS, k, v, 100, 5000) }},
		{"pulse_max_us", func(k string, v *node) { okMax = d.integer(&c.PulseMaxUS, k, v, 100, 5000) }},
		{"period_us", func(k string, v *node) { okPeriod = d.integer(&c.PeriodUS, k, v, 1000, 100000) }},
		{"servo_range_deg", func(k string, v *node) { d.number(&c.ServoRangeDeg, k, v, 1, 360) }},
	}) {
		return c
	}
	d.requireAll(path, t, "pan_channel", "tilt_channel")
	d.servoChecks(path, t, okPan && okTilt && c.PanChannel == c.TiltChannel, c.PanChannel, okMin && okMax, c.PulseMinUS, c.PulseMaxUS)
	if okMax && okPeriod && c.PulseMaxUS >= c.PeriodUS {
		d.conflict(path, t, []string{"pulse_max_us", "period_us"}, "pulse_max_us (%d) must be below period_us (%d)", c.PulseMaxUS, c.PeriodUS)
	}
	return c
}

// servoChecks holds the checks shared by the servo drivers.
func (d *decoder) servoChecks(path string, t *node, sameChannel bool, channel int, pulsesOK bool, pulseMin, pulseMax int) {
	if sameChannel {
		d.conflict(path, t, []string{"tilt_channel"}, "must differ from pan_channel (%d)", channel)
	}
	if pulsesOK && pulseMin >= pulseMax {
		d.conflict(path, t, []string{"pulse_max_us", "pulse_min_us"}, "pulse_min_us (%d) must be below pulse_max_us (%d)", pulseMin, pulseMax)
	}
}

// requireAll reports each of keys missing from t.
func (d *decoder) requireAll(path string, t *node, keys ...string) {
	for _, k := range keys {
		if t.get(k) == nil {
			d.required(path, t, k, "")
		}
	}
}

func (d *decoder) gpio(path string, t, head *node) *GPIO {
	c := &GPIO{Chip: "gpiochip0"}
	if !d.driverTable(path, t, head) {
		return c
	}
	lines := []struct {
		name string
		dst  *GPIOLine
	}{{"pan_step", &c.PanStep}, {"pan_dir", &c.PanDir}, {"tilt_step", &c.TiltStep}, {"tilt_dir", &c.TiltDir}}
	fs := []field{
		{"chip", func(k string, v *node) { d.text(&c.Chip, k, v, 64) }},
		{"steps_per_degree", func(k string, v *node) { d.number(&c.StepsPerDegree, k, v, 0.001, 10000) }},
	}
	lineOK := map[string]bool{}
	for _, l := range lines {
		fs = append(fs, field{l.name, func(k string, v *node) { lineOK[l.name] = d.gpioLine(l.dst, k, v) }})
	}
	if !d.fields(path, t, fs) {
		return c
	}
	d.requireAll(path, t, "pan_step", "pan_dir", "tilt_step", "tilt_dir", "steps_per_degree")
	seen := map[GPIOLine]string{}
	for _, l := range lines {
		if !lineOK[l.name] {
			continue
		}
		if first, dup := seen[*l.dst]; dup {
			d.invalid(join(path, l.name), t.get(l.name), "same GPIO line as %s", first)
			continue
		}
		seen[*l.dst] = l.name
	}
	return c
}

// gpioLine decodes a line given by offset (integer) or by name (string).
func (d *decoder) gpioLine(dst *GPIOLine, key string, v *node) bool {
	switch v.kind {
	case kindInteger:
		var off int
		if !d.integer(&off, key, v, 0, 1023) {
			return false
		}
		*dst = GPIOLine{Offset: off}
		return true
	case kindString:
		var name string
		if !d.text(&name, key, v, 64) {
			return false
		}
		*dst = GPIOLine{Name: name}
		return true
	}
	d.typeError(key, v, "line offset (integer 0..1023) or line name (string)")
	return false
}

func (d *decoder) pca9685(path string, t, head *node) *PCA9685 {
	c := &PCA9685{Bus: "/dev/i2c-1", Address: 0x40, PulseMinUS: 500, PulseMaxUS: 2500, FrequencyHz: 50, ServoRangeDeg: 180}
	if !d.driverTable(path, t, head) {
		return c
	}
	okPan, okTilt, okMin, okMax, okFreq := false, false, true, true, true
	if !d.fields(path, t, []field{
		{"bus", func(k string, v *node) { d.devPath(&c.Bus, k, v) }},
		{"address", func(k string, v *node) {
			// 7-bit I²C addresses outside 0x03..0x77 are reserved.
			if v.kind != kindInteger {
				d.typeError(k, v, "integer 0x03..0x77")
			} else if v.i < 0x03 || v.i > 0x77 {
				d.invalid(k, v, "expected integer 0x03..0x77, found %#02x", v.i)
			} else {
				c.Address = int(v.i)
			}
		}},
		{"pan_channel", func(k string, v *node) { okPan = d.integer(&c.PanChannel, k, v, 0, 15) }},
		{"tilt_channel", func(k string, v *node) { okTilt = d.integer(&c.TiltChannel, k, v, 0, 15) }},
		{"pulse_min_us", func(k string, v *node) { okMin = d.integer(&c.PulseMinUS, k, v, 100, 5000) }},
		{"pulse_max_us", func(k string, v *node) { okMax = d.integer(&c.PulseMaxUS, k, v, 100, 5000) }},
		{"frequency_hz", func(k string, v *node) { okFreq = d.integer(&c.FrequencyHz, k, v, 24, 1526) }},
		{"servo_range_deg", func(k string, v *node) { d.number(&c.ServoRangeDeg, k, v, 1, 360) }},
	}) {
		return c
	}
	d.requireAll(path, t, "pan_channel", "tilt_channel")
	d.servoChecks(path, t, okPan && okTilt && c.PanChannel == c.TiltChannel, c.PanChannel, okMin && okMax, c.PulseMinUS, c.PulseMaxUS)
	if period := 1000000 / c.FrequencyHz; okMax && okFreq && c.PulseMaxUS >= period {
		d.conflict(path, t, []string{"pulse_max_us", "frequency_hz"}, "pulse_max_us (%d) must be below the PWM period (%d µs at %d Hz)", c.PulseMaxUS, period, c.FrequencyHz)
	}
	return c
}

func (d *decoder) viscaSerial(path string, t, head *node) *VISCASerial {
	c := &VISCASerial{Baud: 9600, CameraAddress: 1}
	if !d.driverTable(path, t, head) {
		return c
	}
	if !d.fields(path, t, []field{
		{"device", func(k string, v *node) { d.devPath(&c.Device, k, v) }},
		// The rates the serial transport sets up (VISCA cameras run at 9600
		// unless switched).
		{"baud", func(k string, v *node) { d.intOneOf(&c.Baud, k, v, 9600, 19200, 38400, 115200) }},
		// VISCA addresses cameras 1..7 on a daisy chain; 0 is the controller.
		{"camera_address", func(k string, v *node) { d.integer(&c.CameraAddress, k, v, 1, 7) }},
	}) {
		return c
	}
	d.requireAll(path, t, "device")
	return c
}

func (d *decoder) viscaIP(path string, t, head *node) *VISCAIP {
	c := &VISCAIP{CameraAddress: 1}
	if !d.driverTable(path, t, head) {
		return c
	}
	if !d.fields(path, t, []field{
		{"address", func(k string, v *node) {
			s, ok := d.str(k, v, "host:port")
			if !ok {
				return
			}
			if _, _, msg := splitHostPort(s, true); msg != "" {
				d.invalid(k, v, "expected host:port such as \"192.168.1.50:52381\": %s", msg)
				return
			}
			c.Address = s
		}},
		{"camera_address", func(k string, v *node) { d.integer(&c.CameraAddress, k, v, 1, 7) }},
	}) {
		return c
	}
	d.requireAll(path, t, "address")
	return c
}

// limits decodes [ptz.limits]; ok is false if presets cannot be checked
// against them.
func (d *decoder) limits(path string, t *node, l *Limits) bool {
	ok := true
	num := func(dst *float64, lo, hi float64) func(string, *node) {
		return func(k string, v *node) { ok = d.number(dst, k, v, lo, hi) && ok }
	}
	if !d.fields(path, t, []field{
		{"pan_min", num(&l.PanMin, -180, 180)},
		{"pan_max", num(&l.PanMax, -180, 180)},
		{"tilt_min", num(&l.TiltMin, -90, 90)},
		{"tilt_max", num(&l.TiltMax, -90, 90)},
		{"zoom_min", num(&l.ZoomMin, 1, 100)},
		{"zoom_max", num(&l.ZoomMax, 1, 100)},
	}) {
		return false
	}
	if !ok {
		return false
	}
	pairs := []struct {
		lo, hi   string
		min, max float64
		strict   bool
	}{
		{"pan_min", "pan_max", l.PanMin, l.PanMax, true},
		{"tilt_min", "tilt_max", l.TiltMin, l.TiltMax, true},
		{"zoom_min", "zoom_max", l.ZoomMin, l.ZoomMax, false},
	}
	for _, p := range pairs {
		if p.min > p.max || (p.strict && p.min == p.max) {
			d.conflict(path, t, []string{p.hi, p.lo}, "%s (%s) must be below %s (%s)", p.lo, fmtFloat(p.min), p.hi, fmtFloat(p.max))
			ok = false
		}
	}
	return ok
}

func (d *decoder) presets(path string, v *node, l Limits, limitsOK bool) []Preset {
	var out []Preset
	seen := map[string]pos{}
	for i, t := range d.tables(path, v) {
		if t == nil {
			continue
		}
		p := index(path, i)
		pr := Preset{Zoom: l.ZoomMin}
		within := func(dst *float64, lo, hi float64, what string) func(string, *node) {
			return func(k string, v *node) {
				if d.number(dst, k, v, -360, 360) && limitsOK && (*dst < lo || *dst > hi) {
					d.invalid(k, v, "%s %s is outside the head's limits %s..%s", what, fmtFloat(*dst), fmtFloat(lo), fmtFloat(hi))
				}
			}
		}
		if !d.fields(p, t, []field{
			{"name", func(k string, v *node) {
				if d.name(&pr.Name, k, v) {
					d.unique(seen, "preset name", pr.Name, k, v)
				}
			}},
			{"pan", within(&pr.Pan, l.PanMin, l.PanMax, "pan")},
			{"tilt", within(&pr.Tilt, l.TiltMin, l.TiltMax, "tilt")},
			{"zoom", within(&pr.Zoom, l.ZoomMin, l.ZoomMax, "zoom")},
		}) {
			continue
		}
		d.requireAll(p, t, "name", "pan", "tilt")
		out = append(out, pr)
	}
	return out
}

func (d *decoder) network(t *node, n *Network, sip *SIP, sipT *node, sipListenOK bool) {
	const path = "network"
	modeOK, minOK, maxOK := true, true, true
	if !d.fields(path, t, []field{
		{"hostname", func(k string, v *node) {
			s, ok := d.str(k, v, "host name")
			if !ok {
				return
			}
			if !validLabel(s) {
				d.invalid(k, v, "expected a host name of 1 to 63 letters, digits and '-' (not at either end), found %s", quoteShort(s))
				return
			}
			n.Hostname = s
		}},
		{"mode", func(k string, v *node) { modeOK = d.enum(&n.Mode, k, v, NetworkDHCP, NetworkStatic) }},
		{"address", func(k string, v *node) {
			s, ok := d.str(k, v, "address with prefix length such as \"192.168.1.20/24\"")
			if !ok {
				return
			}
			p, err := netip.ParsePrefix(s)
			switch {
			case err != nil:
				d.invalid(k, v, "expected address with prefix length such as \"192.168.1.20/24\", found %s", quoteShort(s))
			case !p.Addr().IsGlobalUnicast():
				d.invalid(k, v, "%s is not a unicast host address", p.Addr())
			case p.Addr().Is4() && p.Bits() < 31 && p.Masked().Addr() == p.Addr():
				d.invalid(k, v, "%s is the network address of %s; give the box's own address", p.Addr(), p.Masked())
			default:
				n.Address = p
			}
		}},
		{"gateway", func(k string, v *node) { d.ipAddr(&n.Gateway, k, v) }},
		{"dns", func(k string, v *node) {
			l, _ := d.stringList(k, v, "IP address", func(k string, e *node, s string) bool {
				if _, err := netip.ParseAddr(s); err != nil {
					d.invalid(k, e, "expected an IP address, found %s", quoteShort(s))
					return false
				}
				return true
			})
			n.DNS = nil
			for _, s := range l {
				n.DNS = append(n.DNS, netip.MustParseAddr(s))
			}
		}},
		{"rtp_port_min", func(k string, v *node) { minOK = d.evenInteger(&n.RTPPortMin, k, v, 1024, 65534) }},
		{"rtp_port_max", func(k string, v *node) { maxOK = d.evenInteger(&n.RTPPortMax, k, v, 1024, 65534) }},
	}) {
		return
	}
	if modeOK {
		switch n.Mode {
		case NetworkDHCP:
			for _, k := range []string{"address", "gateway", "dns"} {
				if v := t.get(k); v != nil {
					d.notApplicable(join(path, k), v, `with mode = "dhcp" (only with mode = "static")`)
				}
			}
		case NetworkStatic:
			if t.get("address") == nil {
				d.required(path, t, "address", `mode = "static" needs the box's address, such as "192.168.1.20/24"`)
			}
			if n.Gateway.IsValid() && n.Address.IsValid() {
				switch {
				case n.Gateway.Is4() != n.Address.Addr().Is4():
					d.invalid("network.gateway", t.get("gateway"), "gateway %s and address %s are of different IP versions", n.Gateway, n.Address.Addr())
				case !n.Address.Contains(n.Gateway):
					d.invalid("network.gateway", t.get("gateway"), "gateway %s is outside the box's network %s", n.Gateway, n.Address.Masked())
				case n.Gateway == n.Address.Addr():
					d.invalid("network.gateway", t.get("gateway"), "gateway is the box's own address")
				}
			}
		}
	}
	if minOK && maxOK {
		if n.RTPPortMin >= n.RTPPortMax {
			d.conflict(path, t, []string{"rtp_port_max", "rtp_port_min"}, "rtp_port_min (%d) must be below rtp_port_max (%d)", n.RTPPortMin, n.RTPPortMax)
		} else if p := listenPort(sip.Listen); sipListenOK && p >= n.RTPPortMin && p <= n.RTPPortMax+1 {
			// RTCP without rtcp-mux uses the port above an RTP port, hence +1.
			msg := fmt.Sprintf("RTP port range %d..%d contains the SIP port %d", n.RTPPortMin, n.RTPPortMax, p)
			if t.get("rtp_port_min") == nil && t.get("rtp_port_max") == nil && sipT.get("listen") != nil {
				d.invalid("sip.listen", sipT.get("listen"), "%s (network.rtp_port_min..rtp_port_max)", msg)
			} else {
				d.conflict(path, t, []string{"rtp_port_min", "rtp_port_max"}, "%s (sip.listen)", msg)
			}
		}
	}
}

func (d *decoder) ssh(t *node, s *SSH) {
	const path = "ssh"
	keysOK := true
	if !d.fields(path, t, []field{
		{"enabled", func(k string, v *node) { d.boolean(&s.Enabled, k, v) }},
		{"listen", func(k string, v *node) { d.listen(&s.Listen, k, v) }},
		{"authorized_keys", func(k string, v *node) { keysOK = d.filePath(&s.AuthorizedKeys, k, v) }},
	}) {
		return
	}
	if t.get("authorized_keys") == nil {
		s.AuthorizedKeys = d.resolve(s.AuthorizedKeys)
	}
	if s.Enabled && keysOK {
		at := pos{1, 1}
		if v := t.get("authorized_keys"); v != nil {
			at = v.at
		} else if t != nil {
			at = t.key
		}
		d.checkAuthorizedKeys(at, s.AuthorizedKeys)
	}
}

// ---- value helpers that depend on the formats in values.go ----

// oneOf checks an already-decoded string against a fixed set.
func (d *decoder) oneOf(key string, v *node, s string, allowed []string) bool {
	for _, a := range allowed {
		if s == a {
			return true
		}
	}
	d.invalid(key, v, "expected one of %s, found %s", quoteList(allowed), quoteShort(s))
	return false
}

// unique records name in seen, reporting a duplicate at its second use.
func (d *decoder) unique(seen map[string]pos, what, name, key string, v *node) bool {
	if first, dup := seen[name]; dup {
		d.invalid(key, v, "duplicate %s %q (first defined on line %d)", what, name, first.line)
		return false
	}
	seen[name] = v.at
	return true
}

func (d *decoder) evenInteger(dst *int, key string, v *node, lo, hi int) bool {
	var x int
	if !d.integer(&x, key, v, lo, hi) {
		return false
	}
	if x%2 != 0 {
		d.invalid(key, v, "expected an even integer %d..%d, found %d", lo, hi, x)
		return false
	}
	*dst = x
	return true
}

func (d *decoder) sipURI(dst *string, key string, v *node, needUser bool) (sipURI, bool) {
	const expected = `SIP URI such as "sip:alice@example.com"`
	s, ok := d.str(key, v, expected)
	if !ok {
		return sipURI{}, false
	}
	u, msg := parseSIPURI(s)
	if msg == "" && needUser && u.user == "" {
		msg = "needs a user part, as in \"sip:user@host\""
	}
	if msg != "" {
		d.invalid(key, v, "%s: %s", quoteShort(s), msg)
		return sipURI{}, false
	}
	*dst = s
	return u, true
}

func (d *decoder) listen(dst *string, key string, v *node) bool {
	s, ok := d.str(key, v, `listen address such as "0.0.0.0:5060"`)
	if !ok {
		return false
	}
	if msg := checkListen(s); msg != "" {
		d.invalid(key, v, "expected [ip]:port such as \"127.0.0.1:5060\" or \":5060\": %s", msg)
		return false
	}
	*dst = s
	return true
}

func (d *decoder) devPath(dst *string, key string, v *node) bool {
	s, ok := d.str(key, v, "device path under /dev/")
	if !ok {
		return false
	}
	if msg := checkDevPath(s); msg != "" {
		d.invalid(key, v, "%s", msg)
		return false
	}
	*dst = s
	return true
}

func (d *decoder) ipAddr(dst *netip.Addr, key string, v *node) bool {
	s, ok := d.str(key, v, "IP address")
	if !ok {
		return false
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		d.invalid(key, v, "expected an IP address, found %s", quoteShort(s))
		return false
	}
	*dst = a
	return true
}

// fingerprints decodes a list of pins; an empty list is the same as none.
func (d *decoder) fingerprints(key string, v *node) []Fingerprint {
	l, _ := d.stringList(key, v, `fingerprint "sha-256 AB:CD:…"`, func(k string, e *node, s string) bool {
		_, msg := parseFingerprint(s)
		if msg != "" {
			d.invalid(k, e, "%s", msg)
		}
		return msg == ""
	})
	var out []Fingerprint
	for _, s := range l {
		f, _ := parseFingerprint(s)
		out = append(out, f)
	}
	return out
}
