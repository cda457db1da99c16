package config

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteEffective writes the configuration as TOML with every default
// spelled out, which is what `cluecam check-config` shows and what a
// support request should include. Secrets are replaced by "<redacted>";
// password_file paths are kept (a path is not a secret). The output is a
// valid cluecam.toml: Parse accepts it and returns an equal Config, except
// that redacted passwords read back as the placeholder (with a warning).
// Keys that the configuration makes irrelevant (register_expires without a
// registrar, video keys of an audio capture, ...) are left out, since Parse
// would reject them.
func (c *Config) WriteEffective(w io.Writer) error {
	t := &tomlWriter{w: w}
	t.comment("cluecam effective configuration: defaults filled in, secrets redacted.")

	t.table("identity")
	if c.Identity.DisplayName != "" {
		t.str("display_name", c.Identity.DisplayName)
	} else {
		t.comment("display_name unset")
	}
	t.str("sip_uri", c.Identity.SIPURI)

	s := &c.SIP
	t.table("sip")
	t.str("transport", s.Transport)
	t.str("listen", s.Listen)
	if s.Registrar != "" {
		t.str("registrar", s.Registrar)
	} else {
		t.comment("registrar unset: the box does not register")
	}
	t.strIf("username", s.Username)
	t.strIf("realm", s.Realm)
	t.secret(s.Password)
	if s.Registrar != "" {
		t.duration("register_expires", s.RegisterExpires)
	}
	t.duration("session_expires", s.SessionExpires)
	t.duration("min_se", s.MinSE)
	if s.Transport == TransportTLS && (s.TLS.CAFile != "" || len(s.TLS.ServerFingerprints) > 0 || s.TLS.CertFile != "") {
		t.table("sip.tls")
		t.strIf("ca_file", s.TLS.CAFile)
		t.fingerprints("server_fingerprints", s.TLS.ServerFingerprints)
		t.strIf("cert_file", s.TLS.CertFile)
		t.strIf("key_file", s.TLS.KeyFile)
	}

	sec := &c.Security
	t.table("security")
	t.bool("require_auth", sec.RequireAuth)
	if sec.AllowedPeers.Set {
		t.strs("allowed_peers", sec.AllowedPeers.URIs)
	} else {
		t.comment("allowed_peers unset: every [[security.caller]] may call in")
	}
	t.strs("disclose", sec.Disclose)
	t.int("max_calls", sec.MaxCalls)
	t.int("sip_requests_per_second", sec.SIPRequestsPerSecond)
	t.int("clue_messages_per_second", sec.CLUEMessagesPerSecond)
	t.strs("digest_algorithms", sec.DigestAlgorithms)
	for _, cl := range sec.Callers {
		t.arrayTable("security.caller")
		t.str("uri", cl.URI)
		t.strIf("username", cl.Username)
		t.secret(cl.Password)
		t.fingerprints("dtls_fingerprints", cl.DTLSFingerprints)
	}

	for _, sc := range c.Scenes {
		t.arrayTable("scene")
		t.str("name", sc.Name)
		t.strIf("description", sc.Description)
		t.str("scale", sc.Scale)
	}

	for _, cp := range c.Captures {
		t.arrayTable("capture")
		t.str("name", cp.Name)
		t.str("media", cp.Media)
		t.str("device", cp.Device)
		t.strIf("scene", cp.Scene)
		t.strIf("description", cp.Description)
		switch cp.Media {
		case MediaVideo:
			t.str("format", cp.Format)
			t.int("width", cp.Width)
			t.int("height", cp.Height)
			t.int("framerate", cp.Framerate)
			t.int("max_bitrate_kbps", cp.MaxBitrateKbps)
			t.strIf("ptz", cp.PTZ)
		case MediaAudio:
			t.int("rate", cp.Rate)
			t.int("channels", cp.Channels)
		}
		if g := cp.Geometry; g != nil {
			t.table("capture.geometry")
			t.point("point_of_capture", g.PointOfCapture)
			t.point("point_on_line_of_capture", g.PointOnLineOfCapture)
			if a := g.AreaOfCapture; a != nil {
				t.table("capture.geometry.area_of_capture")
				t.point("bottom_left", &a.BottomLeft)
				t.point("bottom_right", &a.BottomRight)
				t.point("top_left", &a.TopLeft)
				t.point("top_right", &a.TopRight)
			}
		}
		for _, p := range cp.People {
			t.arrayTable("capture.person")
			t.str("name", p.Name)
			if len(p.Roles) > 0 {
				t.strs("roles", p.Roles)
			}
		}
	}

	for _, m := range c.MCCs {
		t.arrayTable("mcc")
		t.str("name", m.Name)
		t.strIf("scene", m.Scene)
		t.strIf("description", m.Description)
		t.strs("captures", m.Captures)
		t.strIf("policy", m.Policy)
		if len(m.Microphones) > 0 {
			t.strs("microphones", m.Microphones)
		}
		if tok, _, _ := strings.Cut(m.Policy, ":"); tok == PolicyRoundRobin {
			t.duration("switch_interval", m.SwitchInterval)
		}
		t.int("max_captures", m.MaxCaptures)
		t.bool("allow_subset_choice", m.AllowSubsetChoice)
	}

	for _, h := range c.PTZ {
		t.arrayTable("ptz")
		t.str("name", h.Name)
		t.str("driver", h.Driver)
		t.float("speed_deg_per_s", h.SpeedDegPerS)
		t.strIf("home", h.Home)
		switch {
		case h.PWM != nil:
			p := h.PWM
			t.table("ptz.pwm")
			t.int("chip", p.Chip)
			t.int("pan_channel", p.PanChannel)
			t.int("tilt_channel", p.TiltChannel)
			t.int("pulse_min_us", p.PulseMinUS)
			t.int("pulse_max_us", p.PulseMaxUS)
			t.int("period_us", p.PeriodUS)
			t.float("servo_range_deg", p.ServoRangeDeg)
		case h.GPIO != nil:
			g := h.GPIO
			t.table("ptz.gpio")
			t.str("chip", g.Chip)
			t.gpioLine("pan_step", g.PanStep)
			t.gpioLine("pan_dir", g.PanDir)
			t.gpioLine("tilt_step", g.TiltStep)
			t.gpioLine("tilt_dir", g.TiltDir)
			t.float("steps_per_degree", g.StepsPerDegree)
		case h.PCA9685 != nil:
			p := h.PCA9685
			t.table("ptz.pca9685")
			t.str("bus", p.Bus)
			t.raw("address", fmt.Sprintf("0x%02x", p.Address))
			t.int("pan_channel", p.PanChannel)
			t.int("tilt_channel", p.TiltChannel)
			t.int("pulse_min_us", p.PulseMinUS)
			t.int("pulse_max_us", p.PulseMaxUS)
			t.int("frequency_hz", p.FrequencyHz)
			t.float("servo_range_deg", p.ServoRangeDeg)
		case h.VISCASerial != nil:
			p := h.VISCASerial
			t.table("ptz.visca-serial")
			t.str("device", p.Device)
			t.int("baud", p.Baud)
			t.int("camera_address", p.CameraAddress)
		case h.VISCAIP != nil:
			t.table("ptz.visca-ip")
			t.str("address", h.VISCAIP.Address)
			t.int("camera_address", h.VISCAIP.CameraAddress)
		}
		l := h.Limits
		t.table("ptz.limits")
		t.float("pan_min", l.PanMin)
		t.float("pan_max", l.PanMax)
		t.float("tilt_min", l.TiltMin)
		t.float("tilt_max", l.TiltMax)
		t.float("zoom_min", l.ZoomMin)
		t.float("zoom_max", l.ZoomMax)
		for _, p := range h.Presets {
			t.arrayTable("ptz.preset")
			t.str("name", p.Name)
			t.float("pan", p.Pan)
			t.float("tilt", p.Tilt)
			t.float("zoom", p.Zoom)
		}
	}

	n := &c.Network
	t.table("network")
	t.str("hostname", n.Hostname)
	t.str("mode", n.Mode)
	if n.Mode == NetworkStatic {
		if n.Address.IsValid() {
			t.str("address", n.Address.String())
		}
		if n.Gateway.IsValid() {
			t.str("gateway", n.Gateway.String())
		}
		if len(n.DNS) > 0 {
			t.strs("dns", addrStrings(n.DNS))
		}
	}
	t.int("rtp_port_min", n.RTPPortMin)
	t.int("rtp_port_max", n.RTPPortMax)

	t.table("ssh")
	t.bool("enabled", c.SSH.Enabled)
	t.str("listen", c.SSH.Listen)
	t.str("authorized_keys", c.SSH.AuthorizedKeys)

	t.table("log")
	t.str("level", c.Log.Level)
	t.str("format", c.Log.Format)

	t.table("watchdog")
	t.bool("enabled", c.Watchdog.Enabled)
	t.str("device", c.Watchdog.Device)
	t.duration("timeout", c.Watchdog.Timeout)
	t.int("stale_frames", c.Watchdog.StaleFrames)
	return t.err
}

func addrStrings(l []netip.Addr) []string {
	out := make([]string, len(l))
	for i, a := range l {
		out[i] = a.String()
	}
	return out
}

// tomlWriter writes TOML lines, remembering the first write error.
type tomlWriter struct {
	w   io.Writer
	err error
}

func (t *tomlWriter) line(s string) {
	if t.err == nil {
		_, t.err = io.WriteString(t.w, s+"\n")
	}
}

func (t *tomlWriter) comment(s string) { t.line("# " + s) }

func (t *tomlWriter) header(h string) {
	t.line("")
	t.line(h)
}

func (t *tomlWriter) table(name string)      { t.header("[" + name + "]") }
func (t *tomlWriter) arrayTable(name string) { t.header("[[" + name + "]]") }
func (t *tomlWriter) raw(key, value string)  { t.line(key + " = " + value) }
func (t *tomlWriter) str(key, value string)  { t.raw(key, quoteTOML(value)) }
func (t *tomlWriter) int(key string, v int)  { t.raw(key, strconv.Itoa(v)) }
func (t *tomlWriter) bool(key string, v bool) {
	t.raw(key, strconv.FormatBool(v))
}
func (t *tomlWriter) float(key string, v float64) { t.raw(key, fmtFloat(v)) }
func (t *tomlWriter) duration(key string, d time.Duration) {
	t.str(key, fmtDuration(d))
}

func (t *tomlWriter) strIf(key, value string) {
	if value != "" {
		t.str(key, value)
	}
}

func (t *tomlWriter) strs(key string, l []string) {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = quoteTOML(s)
	}
	t.raw(key, "["+strings.Join(q, ", ")+"]")
}

func (t *tomlWriter) secret(s Secret) {
	switch {
	case s.File != "":
		t.str("password_file", s.File)
	case s.value != "":
		t.str("password", redacted)
	}
}

func (t *tomlWriter) fingerprints(key string, l []Fingerprint) {
	if len(l) == 0 {
		return
	}
	q := make([]string, len(l))
	for i, f := range l {
		q[i] = f.String()
	}
	t.strs(key, q)
}

func (t *tomlWriter) point(key string, p *Point) {
	if p != nil {
		t.raw(key, "["+fmtFloat(p[0])+", "+fmtFloat(p[1])+", "+fmtFloat(p[2])+"]")
	}
}

func (t *tomlWriter) gpioLine(key string, l GPIOLine) {
	if l.Name != "" {
		t.str(key, l.Name)
	} else {
		t.int(key, l.Offset)
	}
}

// quoteTOML writes a TOML basic string. strconv.Quote is not usable: TOML
// has no \x or \a escapes.
func quoteTOML(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r) // invalid UTF-8 comes out as U+FFFD
		}
	}
	b.WriteByte('"')
	return b.String()
}
