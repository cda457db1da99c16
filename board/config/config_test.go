package config

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func parseExample(t testing.TB) *Config {
	t.Helper()
	c, err := Parse("cluecam.example.toml", []byte(Example))
	if err != nil {
		t.Fatalf("example does not parse:\n%v", err)
	}
	return c
}

// The embedded example and the file beside the package are the same file.
func TestExampleIsTheFile(t *testing.T) {
	data, err := os.ReadFile("cluecam.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != Example {
		t.Fatal("Example differs from cluecam.example.toml")
	}
}

func TestExample(t *testing.T) {
	c := parseExample(t)
	if len(c.Warnings) != 0 {
		t.Errorf("example has warnings: %v", Errors(c.Warnings))
	}

	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	check("Identity", c.Identity, Identity{DisplayName: "Demo room", SIPURI: "sip:cluecam@127.0.0.1"})
	check("SIP.Transport", c.SIP.Transport, "udp")
	check("SIP.Listen", c.SIP.Listen, "127.0.0.1:5060")
	check("SIP.Registrar", c.SIP.Registrar, "")
	check("SIP.Username (default from identity)", c.SIP.Username, "cluecam")
	check("SIP.Password set", c.SIP.Password.IsSet(), false)
	check("SIP.SessionExpires", c.SIP.SessionExpires, 1800*time.Second)
	check("SIP.MinSE", c.SIP.MinSE, 90*time.Second)

	check("Security.RequireAuth", c.Security.RequireAuth, true)
	check("Security.AllowedPeers", c.Security.AllowedPeers, PeerList{})
	check("Security.Disclose", c.Security.Disclose, []string(nil))
	check("Security.MaxCalls", c.Security.MaxCalls, 2)
	if len(c.Security.Callers) != 1 {
		t.Fatalf("callers = %d, want 1", len(c.Security.Callers))
	}
	alice := c.Security.Callers[0]
	check("caller.URI", alice.URI, "sip:alice@127.0.0.1")
	check("caller.Username", alice.Username, "alice")
	check("caller.Password", alice.Password.Reveal(), "demo-only-secret")
	check("MayCall(alice)", c.Security.MayCall("sip:alice@127.0.0.1"), true)
	check("MayCall(SIP:alice) scheme case", c.Security.MayCall("SIP:alice@127.0.0.1"), true)
	check("MayCall(mallory)", c.Security.MayCall("sip:mallory@127.0.0.1"), false)
	check("Discloses(descriptions)", c.Security.Discloses(DiscloseDescriptions), false)

	check("Scenes", c.Scenes, []Scene{{Name: "room", Description: "Demo meeting room", Scale: ScaleMM}})

	if len(c.Captures) != 3 {
		t.Fatalf("captures = %d, want 3", len(c.Captures))
	}
	main, wide, mic := c.Captures[0], c.Captures[1], c.Captures[2]
	check("main.Device", main.Device, DeviceSyntheticH264)
	check("main video", [5]int{main.Width, main.Height, main.Framerate, main.MaxBitrateKbps, main.Rate}, [5]int{640, 360, 30, 2000, 0})
	check("main.PTZ", main.PTZ, "head")
	check("main.Geometry", main.Geometry, &Geometry{
		PointOfCapture:       &Point{0, 0, 1200},
		PointOnLineOfCapture: &Point{0, 1000, 1150},
		AreaOfCapture: &Area{
			BottomLeft: Point{-1500, 3000, 700}, BottomRight: Point{1500, 3000, 700},
			TopLeft: Point{-1500, 3000, 2000}, TopRight: Point{1500, 3000, 2000},
		},
	})
	check("wide.Device", wide.Device, DeviceSyntheticMJPEG)
	check("wide.Format", wide.Format, "mjpeg")
	check("wide.Geometry.PointOnLine", wide.Geometry.PointOnLineOfCapture, (*Point)(nil))
	check("mic", mic, Capture{
		Name: "table-mic", Media: MediaAudio, Device: DeviceSyntheticTone, Scene: "room",
		Description: "Table microphone", Rate: 48000, Channels: 1,
		Geometry: &Geometry{PointOfCapture: &Point{0, 1500, 740}},
	})

	if len(c.PTZ) != 1 {
		t.Fatalf("ptz = %d, want 1", len(c.PTZ))
	}
	h := c.PTZ[0]
	check("ptz.Driver", h.Driver, DriverSynthetic)
	check("ptz driver tables", []any{h.PWM, h.GPIO, h.PCA9685, h.VISCASerial, h.VISCAIP},
		[]any{(*PWM)(nil), (*GPIO)(nil), (*PCA9685)(nil), (*VISCASerial)(nil), (*VISCAIP)(nil)})
	check("ptz.Limits", h.Limits, Limits{PanMin: -90, PanMax: 90, TiltMin: -30, TiltMax: 30, ZoomMin: 1, ZoomMax: 4})
	check("ptz.Presets", h.Presets, []Preset{{"room", 0, 0, 1}, {"left", -30, -5, 2}, {"right", 30, -5, 2}})
	check("ptz.Home", h.Home, "room")

	check("Network", c.Network, Network{Hostname: "cluecam", Mode: NetworkDHCP, RTPPortMin: 20000, RTPPortMax: 20998})
	check("SSH", c.SSH, SSH{Enabled: false, Listen: ":22", AuthorizedKeys: "authorized_keys"})
	check("Log", c.Log, Log{Level: "info", Format: "text"})
	check("Watchdog", c.Watchdog, Watchdog{Enabled: false, Device: "/dev/watchdog", Timeout: 15 * time.Second, StaleFrames: 30})
}

// minimal is the smallest valid file; table cases append to it, so a key
// appended without a header lands in capture[0]. Its last line is line 10.
const minimal = `[identity]
sip_uri = "sip:box@127.0.0.1"

[[scene]]
name = "room"

[[capture]]
name = "cam"
media = "video"
device = "synthetic:h264"
`

func TestMinimalDefaults(t *testing.T) {
	c, err := Parse("minimal.toml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Identity.SIPURI = "sip:box@127.0.0.1"
	want.SIP.Listen = ":5060"
	want.SIP.Username = "box"
	want.Scenes = []Scene{{Name: "room", Scale: ScaleMM}}
	want.Captures = []Capture{{
		Name: "cam", Media: MediaVideo, Device: DeviceSyntheticH264, Scene: "room",
		Format: "auto", Width: 1280, Height: 720, Framerate: 30, MaxBitrateKbps: 2000,
	}}
	// Without callers nobody can call in: worth a warning, not an error.
	if len(c.Warnings) != 1 || c.Warnings[0].Key != "security.caller" {
		t.Errorf("warnings = %v, want one about security.caller", Errors(c.Warnings))
	}
	c.Warnings = nil
	if !reflect.DeepEqual(c, want) {
		t.Errorf("minimal file:\n got %+v\nwant %+v", c, want)
	}
}

func TestEmptyFile(t *testing.T) {
	for _, doc := range []string{"", "# nothing\n", "\ufeff"} {
		_, err := Parse("empty.toml", []byte(doc))
		got := fieldErrors(t, err)
		if len(got) != 2 || got[0].Key != "identity.sip_uri" || got[1].Key != "capture" {
			t.Fatalf("empty file %q: got\n%v\nwant identity.sip_uri and capture required", doc, err)
		}
		for _, e := range got {
			if e.Line != 1 || e.Col != 1 || !errors.Is(e, ErrValue) {
				t.Errorf("%v: want 1:1 and ErrValue", e)
			}
		}
	}
}

func TestThreeErrors(t *testing.T) {
	data, err := os.ReadFile("testdata/three-errors.toml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse("testdata/three-errors.toml", data)
	got := fieldErrors(t, err)
	want := []struct {
		line, col int
		key       string
		class     error
	}{
		{25, 13, "capture[0].framerate", ErrType},
		{26, 1, "capture[0].resolution", ErrUnknownKey},
		{32, 8, "capture[1].rate", ErrValue},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want 3:\n%v", len(got), err)
	}
	for i, w := range want {
		e := got[i]
		if e.File != "testdata/three-errors.toml" || e.Line != w.line || e.Col != w.col || e.Key != w.key || !errors.Is(e, w.class) {
			t.Errorf("error %d = %v (%v), want %d:%d %s %v", i, e, e.Err, w.line, w.col, w.key, w.class)
		}
	}
	const wantText = `testdata/three-errors.toml:25:13: capture[0].framerate: expected integer 1..120, found string "30"
testdata/three-errors.toml:26:1: capture[0].resolution: unknown key; expected one of channels, description, device, format, framerate, geometry, height, max_bitrate_kbps, media, name, person, ptz, rate, scene, width
testdata/three-errors.toml:32:8: capture[1].rate: expected one of 8000, 16000, 32000, 44100, 48000, found 44000`
	if err.Error() != wantText {
		t.Errorf("Error() =\n%s\nwant\n%s", err, wantText)
	}
}

func fieldErrors(t *testing.T, err error) Errors {
	t.Helper()
	var list Errors
	if !errors.As(err, &list) {
		t.Fatalf("error %v (%T) is not Errors", err, err)
	}
	for _, e := range list {
		if e.Line < 1 || e.Col < 1 {
			t.Errorf("%v: position below 1", e)
		}
	}
	return list
}

// A case's doc marks every line that must carry a problem with "#!"; want
// lists the problems in file order as "key: message fragment".
type validationCase struct {
	name  string
	doc   string // appended to minimal unless full
	full  bool
	want  []string
	class error // class of the first problem; nil means ErrValue
}

func runCases(t *testing.T, cases []validationCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.doc
			if !tc.full {
				doc = minimal + doc
			}
			_, err := Parse("case.toml", []byte(doc))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error:\n%v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			got := fieldErrors(t, err)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%v\nwant %q", len(got), len(tc.want), err, tc.want)
			}
			marked := map[int]bool{}
			for i, l := range strings.Split(doc, "\n") {
				if strings.Contains(l, "#!") {
					marked[i+1] = true
				}
			}
			seen := map[int]bool{}
			for i, w := range tc.want {
				key, frag, _ := strings.Cut(w, ": ")
				e := got[i]
				if e.Key != key || !strings.Contains(e.Msg, frag) {
					t.Errorf("problem %d = %v\nwant key %q with %q", i, e, key, frag)
				}
				if !marked[e.Line] {
					t.Errorf("problem %d = %v is on unmarked line %d", i, e, e.Line)
				}
				seen[e.Line] = true
			}
			for l := range marked {
				if !seen[l] {
					t.Errorf("line %d is marked but has no problem:\n%v", l, err)
				}
			}
			class := tc.class
			if class == nil {
				class = ErrValue
			}
			if !errors.Is(got[0], class) {
				t.Errorf("first problem %v has class %v, want %v", got[0], got[0].Err, class)
			}
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	runCases(t, []validationCase{
		{name: "unclosed header", doc: "[sip #!\n", want: []string{": expected ']'"}, class: ErrSyntax},
		{name: "duplicate key", doc: "name = \"again\" #!\n", want: []string{": already defined"}, class: ErrSyntax},
		{name: "table twice", full: true, doc: "[log]\n[log] #!\n", want: []string{": already exists"}, class: ErrSyntax},
		{name: "bad value", doc: "width = 12three #!\n", want: []string{": "}, class: ErrSyntax},
		{name: "bare newline in string", doc: "description = \"a #!\nb\"\n", want: []string{": "}, class: ErrSyntax},
		{name: "crlf is fine", full: true, doc: strings.ReplaceAll(minimal, "\n", "\r\n")},
		{name: "bom is fine", full: true, doc: "\ufeff" + minimal},
	})
}

func TestUnknownKeysAndTypes(t *testing.T) {
	runCases(t, []validationCase{
		{name: "typo suggests", doc: "framerat = 30 #!\n", want: []string{`capture[0].framerat: did you mean "framerate"?`}, class: ErrUnknownKey},
		{name: "unknown section", full: true, doc: minimal + "[sipp] #!\nlisten = \":5060\"\n", want: []string{`sipp: did you mean "sip"?`}, class: ErrUnknownKey},
		{name: "quoted key path", doc: "\"odd key\" = 1 #!\n", want: []string{`capture[0]."odd key": unknown key`}, class: ErrUnknownKey},
		{name: "string for integer", doc: "width = \"1280\" #!\n", want: []string{`capture[0].width: expected integer 16..4096, found string "1280"`}, class: ErrType},
		{name: "float for integer", doc: "framerate = 29.97 #!\n", want: []string{"capture[0].framerate: found float 29.97"}, class: ErrType},
		{name: "integer for string", doc: "description = 5 #!\n", want: []string{"capture[0].description: found integer 5"}, class: ErrType},
		{name: "date for string", doc: "description = 1979-05-27 #!\n", want: []string{"capture[0].description: found date-time"}, class: ErrType},
		{name: "section not a table", full: true, doc: strings.Replace(minimal, "[identity]\nsip_uri = \"sip:box@127.0.0.1\"\n", "identity = \"box\" #!\n", 1),
			want: []string{"identity: expected table"}, class: ErrType},
		{name: "single table for array of tables", full: true, doc: `[identity]
sip_uri = "sip:box@127.0.0.1"
[scene] #!
name = "room"
[[capture]]
name = "cam"
media = "video"
`, want: []string{"scene: expected array of tables ([[scene]])"}, class: ErrType},
		{name: "inline array of tables is fine", full: true, doc: `identity = { sip_uri = "sip:box@127.0.0.1" }
scene = [{ name = "room" }]
capture = [{ name = "cam", media = "video" }]
`},
		{name: "every problem in one pass", doc: `width = "wide" #!
height = 7 #!
fps = 30 #!
[log]
level = "loud" #!
`, want: []string{
			"capture[0].width: found string",
			"capture[0].height: expected integer 16..2160, found 7",
			"capture[0].fps: unknown key",
			"log.level: expected one of \"debug\", \"info\", \"warn\", \"error\", found \"loud\"",
		}, class: ErrType},
	})
}

func TestIdentityAndSIP(t *testing.T) {
	id := func(uri string) string {
		return strings.Replace(minimal, `sip_uri = "sip:box@127.0.0.1"`, "sip_uri = "+uri, 1)
	}
	runCases(t, []validationCase{
		{name: "uri without scheme", full: true, doc: id(`"box@127.0.0.1" #!`), want: []string{"identity.sip_uri: expected a sip: or sips: URI"}},
		{name: "uri without user", full: true, doc: id(`"sip:127.0.0.1" #!`), want: []string{"identity.sip_uri: needs a user part"}},
		{name: "uri with password", full: true, doc: id(`"sip:box:pw@127.0.0.1" #!`), want: []string{"identity.sip_uri: must not contain a password"}},
		{name: "uri with headers", full: true, doc: id(`"sip:box@127.0.0.1?subject=x" #!`), want: []string{"identity.sip_uri: must not contain URI headers"}},
		{name: "uri bad port", full: true, doc: id(`"sip:box@127.0.0.1:99999" #!`), want: []string{"identity.sip_uri: invalid port"}},
		{name: "uri bad host", full: true, doc: id(`"sip:box@exa_mple.com" #!`), want: []string{"identity.sip_uri: invalid host"}},
		{name: "uri ipv6 and params", full: true, doc: id(`"sips:box@[2001:db8::1]:5061;transport=tls"`) + "[sip]\ntransport = \"tls\"\n"},
		{name: "sips identity needs tls", full: true, doc: id(`"sips:box@example.com"`) + "[sip]\ntransport = \"udp\" #!\n", want: []string{"sip.transport: needs transport = \"tls\""}},
		{name: "sips identity without sip table", full: true, doc: id(`"sips:box@example.com" #!`), want: []string{"identity.sip_uri: a sips: URI needs sip.transport"}},
		{name: "display name with newline", full: true, doc: strings.Replace(minimal, "[identity]\n", "[identity]\ndisplay_name = \"a\\nb\" #!\n", 1), want: []string{"identity.display_name: control characters"}},
		{name: "display name empty", full: true, doc: strings.Replace(minimal, "[identity]\n", "[identity]\ndisplay_name = \"\" #!\n", 1), want: []string{"identity.display_name: remove the key"}},
		{name: "missing sip_uri", full: true, doc: "[identity] #!\ndisplay_name = \"x\"\n" + minimal[strings.Index(minimal, "[[scene]]"):],
			want: []string{"identity.sip_uri: required"}},
		{name: "bad transport", full: true, doc: minimal + "[sip]\ntransport = \"sctp\" #!\n", want: []string{`sip.transport: expected one of "udp", "tcp", "tls", found "sctp"`}},
		{name: "listen needs port", full: true, doc: minimal + "[sip]\nlisten = \"127.0.0.1\" #!\n", want: []string{"sip.listen: missing :port"}},
		{name: "listen needs ip", full: true, doc: minimal + "[sip]\nlisten = \"localhost:5060\" #!\n", want: []string{"sip.listen: host must be an IP address"}},
		{name: "listen ipv6", full: true, doc: minimal + "[sip]\nlisten = \"[::1]:5060\"\n"},
		{name: "registrar needs password", full: true, doc: minimal + "[sip] #!\nregistrar = \"sip:example.com\"\n", want: []string{"sip.password_file: required: sip.registrar is set"}},
		{name: "registrar with password", full: true, doc: minimal + "[sip]\nregistrar = \"sip:example.com\"\npassword = \"pw\"\n"},
		{name: "both password kinds", full: true, doc: minimal + "[sip]\npassword = \"pw\"\npassword_file = \"pw.txt\" #!\n", want: []string{"sip.password_file: both set"}},
		{name: "empty password", full: true, doc: minimal + "[sip]\npassword = \"\" #!\n", want: []string{"sip.password: expected non-empty string"}},
		{name: "register_expires without registrar", full: true, doc: minimal + "[sip]\nregister_expires = \"600s\" #!\n", want: []string{"sip.register_expires: not used without sip.registrar"}},
		{name: "register_expires range", full: true, doc: minimal + "[sip]\nregistrar = \"sip:example.com\"\npassword = \"pw\"\nregister_expires = \"10s\" #!\n", want: []string{`sip.register_expires: expected duration 60s..86400s`}},
		{name: "duration without unit", full: true, doc: minimal + "[sip]\nsession_expires = \"1800\" #!\n", want: []string{"sip.session_expires: units ms, s, m, h"}},
		{name: "duration as number", full: true, doc: minimal + "[sip]\nsession_expires = 1800 #!\n", want: []string{"sip.session_expires: expected duration"}, class: ErrType},
		{name: "session timer below RFC 4028 minimum", full: true, doc: minimal + "[sip]\nsession_expires = \"60s\" #!\n", want: []string{"sip.session_expires: expected duration 90s..86400s"}},
		{name: "min_se above session_expires", full: true, doc: minimal + "[sip]\nsession_expires = \"120s\"\nmin_se = \"300s\" #!\n", want: []string{"sip.min_se: must not exceed session_expires"}},
		{name: "tls cert without key", full: true, doc: minimal + "[sip]\ntransport = \"tls\"\n[sip.tls]\ncert_file = \"c.pem\" #!\n", want: []string{"sip.tls.cert_file: give both cert_file and key_file, or neither"}},
		{name: "tls table with udp", full: true, doc: minimal + "[sip]\ntransport = \"udp\"\n[sip.tls] #!\nca_file = \"ca.pem\"\n", want: []string{"sip.tls: not used with transport = \"udp\""}},
		{name: "tls fingerprints", full: true, doc: minimal + "[sip]\ntransport = \"tls\"\n[sip.tls]\nserver_fingerprints = [\n" +
			"  \"sha-256 " + strings.Repeat("AB:", 31) + "AB\",\n" +
			"  \"sha-256 " + strings.Repeat("ab:", 30) + "AB\", #!\n" +
			"  \"sha-1 " + strings.Repeat("AB:", 19) + "AB\", #!\n" +
			"  \"sha-256 ABCD\", #!\n" +
			"  \"sha-256 " + strings.Repeat("AB:", 31) + "AB\", #!\n" +
			"]\n",
			want: []string{
				"sip.tls.server_fingerprints[1]: sha-256 fingerprint must have 32 bytes, found 31",
				"sip.tls.server_fingerprints[2]: too weak",
				"sip.tls.server_fingerprints[3]: expected \"sha-256 AB:CD:…\"",
				"sip.tls.server_fingerprints[4]: duplicate of sip.tls.server_fingerprints[0]",
			}},
	})
}

func TestSecurity(t *testing.T) {
	caller := "[[security.caller]]\nuri = \"sip:alice@127.0.0.1\"\npassword = \"pw\"\n"
	runCases(t, []validationCase{
		{name: "caller ok", doc: caller},
		{name: "caller without password", doc: "[[security.caller]] #!\nuri = \"sip:alice@127.0.0.1\"\n", want: []string{"security.caller[0].password_file: required"}},
		{name: "caller without password, auth off", doc: "[security]\nrequire_auth = false\n[[security.caller]]\nuri = \"sip:alice@127.0.0.1\"\n"},
		{name: "caller without uri", doc: "[[security.caller]] #!\npassword = \"pw\"\n", want: []string{"security.caller[0].uri: required"}},
		{name: "duplicate caller", doc: caller + "[[security.caller]]\nuri = \"SIP:alice@127.0.0.1\" #!\npassword = \"pw\"\n", want: []string{"security.caller[1].uri: duplicate caller uri"}},
		{name: "caller pins", doc: caller + "dtls_fingerprints = [\"sha-384 " + strings.Repeat("0F:", 47) + "0F\", \"md5 AB\" #!\n]\n", want: []string{"security.caller[0].dtls_fingerprints[1]: too weak"}},
		{name: "allowed peers", doc: caller + "[security]\nallowed_peers = [\"sip:alice@127.0.0.1\", \"alice\" #!\n, \"sip:alice@127.0.0.1\" #!\n]\n",
			want: []string{"security.allowed_peers[1]: expected a sip: or sips: URI", "security.allowed_peers[2]: duplicate"}},
		{name: "allowed peers not a list", doc: "[security]\nallowed_peers = \"sip:alice@127.0.0.1\" #!\n", want: []string{"security.allowed_peers: expected array of SIP URI"}, class: ErrType},
		{name: "disclose", doc: "[security]\ndisclose = [\"people\", \"xcards\"] #!\n", want: []string{`security.disclose[1]: expected one of "display_name", "descriptions", "people", found "xcards"`}},
		{name: "digest algorithms", doc: "[security]\ndigest_algorithms = [\"MD5\", \"SHA-512\" #!\n, \"MD5\" #!\n]\n",
			want: []string{`security.digest_algorithms[1]: expected one of "SHA-256", "MD5", found "SHA-512"`, "security.digest_algorithms[2]: duplicate"}},
		{name: "no digest algorithm", doc: "[security]\ndigest_algorithms = [] #!\n", want: []string{"security.digest_algorithms: needs at least one algorithm"}},
		{name: "max_calls", doc: "[security]\nmax_calls = 0 #!\n", want: []string{"security.max_calls: expected integer 1..16, found 0"}},
		{name: "rate limit", doc: "[security]\nsip_requests_per_second = 100000 #!\n", want: []string{"security.sip_requests_per_second: expected integer 1..1000"}},
		{name: "require_auth type", doc: "[security]\nrequire_auth = \"yes\" #!\n", want: []string{"security.require_auth: expected boolean"}, class: ErrType},
	})
}

func TestUnsetVersusEmpty(t *testing.T) {
	caller := "[[security.caller]]\nuri = \"sip:alice@127.0.0.1\"\npassword = \"pw\"\n"
	for _, tc := range []struct {
		name      string
		doc       string
		want      PeerList
		aliceMay  bool
		warnCount int
	}{
		{"unset: every caller", caller, PeerList{}, true, 0},
		{"empty: nobody", "[security]\nallowed_peers = []\n" + caller, PeerList{Set: true, URIs: []string{}}, false, 0},
		{"listed", "[security]\nallowed_peers = [\"sip:alice@127.0.0.1\"]\n" + caller, PeerList{Set: true, URIs: []string{"sip:alice@127.0.0.1"}}, true, 0},
		{"listed without caller warns", "[security]\nallowed_peers = [\"sip:bob@127.0.0.1\"]\n" + caller, PeerList{Set: true, URIs: []string{"sip:bob@127.0.0.1"}}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("t.toml", []byte(minimal+tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Security.AllowedPeers, tc.want) {
				t.Errorf("AllowedPeers = %#v, want %#v", c.Security.AllowedPeers, tc.want)
			}
			if got := c.Security.MayCall("sip:alice@127.0.0.1"); got != tc.aliceMay {
				t.Errorf("MayCall(alice) = %v, want %v", got, tc.aliceMay)
			}
			if len(c.Warnings) != tc.warnCount {
				t.Errorf("warnings = %v, want %d", Errors(c.Warnings), tc.warnCount)
			}
		})
	}

	// Unset descriptions disclose nothing; there is no "empty description".
	c, err := Parse("t.toml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Captures[0].Description; d != "" {
		t.Errorf("unset description = %q", d)
	}
	if c.Security.Disclose != nil {
		t.Errorf("default disclose = %#v, want nil (nothing)", c.Security.Disclose)
	}
	c, err = Parse("t.toml", []byte(minimal+"[security]\ndisclose = []\n"))
	if err != nil || c.Security.Disclose != nil {
		t.Errorf("disclose = [] gives %#v, %v; want nil, the same as unset", c.Security.Disclose, err)
	}
}

func TestAuthOffWarns(t *testing.T) {
	c, err := Parse("t.toml", []byte(minimal+"[security]\nrequire_auth = false\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !errors.Is(c.Warnings[0], ErrInsecure) || c.Warnings[0].Line != 12 {
		t.Errorf("warnings = %v, want one ErrInsecure on line 12", Errors(c.Warnings))
	}
}

func TestScenesAndCaptures(t *testing.T) {
	twoScenes := "[[scene]]\nname = \"stage\"\n"
	runCases(t, []validationCase{
		{name: "scene name chars", full: true, doc: strings.Replace(minimal, `name = "room"`, `name = "the room" #!`, 1) + "scene = \"room\"\n",
			want: []string{"scene[0].name: expected name of 1 to 32 characters"}},
		{name: "scene name too long", full: true, doc: strings.Replace(minimal, `name = "room"`, `name = "`+strings.Repeat("r", 33)+`" #!`, 1),
			want: []string{"scene[0].name: expected name"}},
		{name: "duplicate scene", doc: "scene = \"room\"\n[[scene]]\nname = \"room\" #!\n", want: []string{`scene[1].name: duplicate scene name "room" (first defined on line 5)`}},
		{name: "scene without name", doc: "scene = \"room\"\n[[scene]] #!\nscale = \"mm\"\n", want: []string{"scene[1].name: required"}},
		{name: "scale", doc: "scene = \"room\"\n[[scene]]\nname = \"x\"\nscale = \"cm\" #!\n", want: []string{`scene[1].scale: expected one of "mm", "unknown", "noscale"`}},
		{name: "no scenes", full: true, doc: "[identity] #!\nsip_uri = \"sip:box@127.0.0.1\"\n[[capture]]\nname = \"cam\"\nmedia = \"video\"\n",
			want: []string{"scene: at least one [[scene]] is required"}},
		{name: "scene required with two scenes", full: true, doc: strings.Replace(minimal, "[[capture]]", twoScenes+"[[capture]] #!", 1),
			want: []string{`capture[0].scene: required: more than one [[scene]] is defined; defined: "room", "stage"`}},
		{name: "unknown scene", doc: "scene = \"stage\" #!\n", want: []string{`capture[0].scene: no [[scene]] named "stage"; defined: "room"`}},
		{name: "no unknown-scene error after a bad scene name", full: true, doc: strings.Replace(minimal, `name = "room"`, `name = "ro om" #!`, 1) + "scene = \"room\"\n",
			want: []string{"scene[0].name: expected name"}},
		{name: "capture name", doc: "[[capture]]\nname = \"mic/1\" #!\nmedia = \"audio\"\n", want: []string{"capture[1].name: expected name"}},
		{name: "duplicate capture", doc: "[[capture]]\nname = \"cam\" #!\nmedia = \"audio\"\n", want: []string{`capture[1].name: duplicate capture name "cam" (first defined on line 8)`}},
		{name: "capture without name and media", doc: "[[capture]] #!\ndevice = \"auto\"\n", want: []string{"capture[1].name: required", "capture[1].media: required"}},
		{name: "no captures", full: true, doc: "capture = [] #!\n[identity]\nsip_uri = \"sip:box@127.0.0.1\"\n", want: []string{"capture: at least one [[capture]] is required"}},
		{name: "media", doc: "[[capture]]\nname = \"x\"\nmedia = \"text\" #!\n", want: []string{`capture[1].media: expected one of "video", "audio"`}},
		{name: "audio keys on video", doc: "rate = 48000 #!\nchannels = 2 #!\n", want: []string{
			`capture[0].rate: not used with media = "video" (only with "audio")`, `capture[0].channels: not used with media = "video"`}},
		{name: "video keys on audio", doc: "[[capture]]\nname = \"mic\"\nmedia = \"audio\"\nwidth = 640 #!\nptz = \"head\" #!\n", want: []string{
			`capture[1].width: not used with media = "audio"`, `capture[1].ptz: not used with media = "audio"`}},
		{name: "device unknown", doc: "[[capture]]\nname = \"x\"\nmedia = \"video\"\ndevice = \"webcam\" #!\n", want: []string{`capture[1].device: expected "auto"`}},
		{name: "synthetic typo", doc: "[[capture]]\nname = \"x\"\nmedia = \"video\"\ndevice = \"synthetic:h265\" #!\n", want: []string{`capture[1].device: expected one of "synthetic:h264"`}},
		{name: "device path must be clean", doc: "[[capture]]\nname = \"x\"\nmedia = \"video\"\ndevice = \"/dev/../etc/passwd\" #!\n", want: []string{"capture[1].device: expected a clean path under /dev/"}},
		{name: "audio device for video", doc: "[[capture]]\nname = \"x\"\nmedia = \"video\"\ndevice = \"hw:0,0\" #!\n", want: []string{`capture[1].device: "hw:0,0" is an audio device`}},
		{name: "video device for audio", doc: "[[capture]]\nname = \"x\"\nmedia = \"audio\"\ndevice = \"/dev/video0\" #!\n", want: []string{`capture[1].device: "/dev/video0" is a video device`}},
		{name: "real devices", doc: "[[capture]]\nname = \"v\"\nmedia = \"video\"\ndevice = \"/dev/v4l/by-id/usb-cam-video-index0\"\n[[capture]]\nname = \"a\"\nmedia = \"audio\"\ndevice = \"plughw:CARD=Device,DEV=0\"\n"},
		{name: "format against synthetic device", doc: "format = \"mjpeg\" #!\n", want: []string{`capture[0].format: "synthetic:h264" produces h264, not mjpeg`}},
		{name: "odd width", doc: "width = 1279 #!\n", want: []string{"capture[0].width: expected an even integer 16..4096, found 1279"}},
		{name: "framerate range", doc: "framerate = 240 #!\n", want: []string{"capture[0].framerate: expected integer 1..120, found 240"}},
		{name: "bitrate range", doc: "max_bitrate_kbps = 1 #!\n", want: []string{"capture[0].max_bitrate_kbps: expected integer 32..100000"}},
		{name: "channels", doc: "[[capture]]\nname = \"m\"\nmedia = \"audio\"\nchannels = 6 #!\n", want: []string{"capture[1].channels: expected one of 1, 2, found 6"}},
		{name: "description newline", doc: "description = \"\"\"first #!\nsecond\"\"\"\n", want: []string{"capture[0].description: control characters"}},
		{name: "description empty", doc: "description = \"\" #!\n", want: []string{"capture[0].description: remove the key to leave it unset"}},
		{name: "description too long", doc: "description = \"" + strings.Repeat("é", 257) + "\" #!\n", want: []string{"capture[0].description: found 257 characters"}},
		{name: "unknown ptz", doc: "ptz = \"head\" #!\n", want: []string{`capture[0].ptz: no [[ptz]] named "head"`}},
		{name: "people", doc: "[[capture.person]]\nname = \"Ada\"\nroles = [\"presenter\", \"boss\"] #!\n[[capture.person]] #!\nroles = [\"observer\"]\n", want: []string{
			`capture[0].person[0].roles[1]: expected one of "presenter"`, "capture[0].person[1].name: required"}},
	})
}

func TestGeometry(t *testing.T) {
	area := "[capture.geometry.area_of_capture]\nbottom_left = [-1000, 3000, 0]\nbottom_right = [1000, 3000, 0]\ntop_left = [-1000, 3000, 1500]\ntop_right = [1000, 3000, 1500]\n"
	mic := "[[capture]]\nname = \"mic\"\nmedia = \"audio\"\n"
	runCases(t, []validationCase{
		{name: "video area only", doc: area},
		{name: "video full", doc: "[capture.geometry]\npoint_of_capture = [0, 0, 1000]\npoint_on_line_of_capture = [0, 1, 1000.5]\n" + area},
		{name: "inline area", doc: "[capture.geometry]\narea_of_capture = { bottom_left = [0, 1, 0], bottom_right = [1, 1, 0], top_left = [0, 1, 1], top_right = [1, 1, 1] }\n"},
		{name: "line equals point", doc: "[capture.geometry]\npoint_of_capture = [0, 0, 1000]\npoint_on_line_of_capture = [0, 0, 1000] #!\n" + area,
			want: []string{"capture[0].geometry.point_on_line_of_capture: must differ from point_of_capture"}},
		{name: "line without point", doc: "[capture.geometry]\npoint_on_line_of_capture = [0, 1, 0] #!\n" + area,
			want: []string{"capture[0].geometry.point_on_line_of_capture: needs point_of_capture"}},
		{name: "video without area", doc: "[capture.geometry] #!\npoint_of_capture = [0, 0, 1000]\n",
			want: []string{"capture[0].geometry.area_of_capture: required"}},
		{name: "audio with area", doc: mic + "[capture.geometry]\npoint_of_capture = [0, 0, 0]\n[capture.geometry.area_of_capture] #!\nbottom_left = [0, 0, 0]\n",
			want: []string{"capture[1].geometry.area_of_capture: not used for audio captures"}},
		{name: "audio without point", doc: mic + "[capture.geometry] #!\n", want: []string{"capture[1].geometry.point_of_capture: required"}},
		{name: "audio line without point", doc: mic + "[capture.geometry]\npoint_on_line_of_capture = [0, 1, 0] #!\n",
			want: []string{"capture[1].geometry.point_on_line_of_capture: needs point_of_capture"}},
		{name: "audio point only", doc: mic + "[capture.geometry]\npoint_of_capture = [0, 0, 0]\n"},
		{name: "point with two numbers", doc: "[capture.geometry]\npoint_of_capture = [0, 0] #!\n" + area,
			want: []string{"capture[0].geometry.point_of_capture: expected [x, y, z] (three numbers), found 2 elements"}},
		{name: "point with a string", doc: "[capture.geometry]\npoint_of_capture = [0, \"0\", 0] #!\n" + area,
			want: []string{"capture[0].geometry.point_of_capture[1]: expected number"}, class: ErrType},
		{name: "point with nan", doc: "[capture.geometry]\npoint_of_capture = [0, nan, inf] #!\n" + area,
			want: []string{"capture[0].geometry.point_of_capture[1]: found NaN"}},
		{name: "missing corner", doc: strings.Replace(strings.Replace(area, "top_right = [1000, 3000, 1500]\n", "", 1), "area_of_capture]", "area_of_capture] #!", 1),
			want: []string{"capture[0].geometry.area_of_capture.top_right: required"}},
		{name: "degenerate area", doc: strings.Replace(strings.ReplaceAll(area, "1500]", "0]"), "[capture.geometry.area_of_capture]", "[capture.geometry.area_of_capture] #!", 1),
			want: []string{"capture[0].geometry.area_of_capture: degenerate"}},
		{name: "not coplanar", doc: strings.Replace(strings.Replace(area, "top_right = [1000, 3000, 1500]", "top_right = [1000, 3900, 1500]", 1), "[capture.geometry.area_of_capture]", "[capture.geometry.area_of_capture] #!", 1),
			want: []string{"capture[0].geometry.area_of_capture: coplanar"}},
		{name: "crossed corners", doc: strings.Replace(strings.Replace(strings.Replace(area, "top_left = [-1000", "top_left = [1000", 1), "top_right = [1000", "top_right = [-1000", 1), "area_of_capture]", "area_of_capture] #!", 1),
			want: []string{"capture[0].geometry.area_of_capture: convex"}},
		{name: "mirrored from the camera", doc: "[capture.geometry]\npoint_of_capture = [0, 6000, 1000]\n" + strings.Replace(area, "]\nbottom_left", "] #!\nbottom_left", 1),
			want: []string{"capture[0].geometry.area_of_capture: mirrored"}},
		{name: "unknown key in geometry", doc: "[capture.geometry]\npoint_of_capture = [0, 0, 1]\norientation = 1 #!\n" + area,
			want: []string{"capture[0].geometry.orientation: unknown key"}, class: ErrUnknownKey},
	})
}

func TestPTZ(t *testing.T) {
	head := "ptz = \"head\"\n[[ptz]]\nname = \"head\"\n"
	runCases(t, []validationCase{
		{name: "synthetic", doc: head + "driver = \"synthetic\"\n"},
		{name: "missing driver", doc: "ptz = \"head\"\n[[ptz]] #!\nname = \"head\"\n", want: []string{"ptz[0].driver: required"}},
		{name: "bad driver", doc: head + "driver = \"servo\" #!\n", want: []string{`ptz[0].driver: expected one of "synthetic", "pwm", "gpio", "pca9685", "visca-serial", "visca-ip"`}},
		{name: "driver table missing", doc: head + "driver = \"pwm\" #!\n", want: []string{`ptz[0].pwm: required: driver = "pwm" needs a [ptz.pwm] table`}},
		{name: "other driver's table", doc: head + "driver = \"synthetic\"\n[ptz.gpio] #!\nchip = \"gpiochip0\"\n", want: []string{`ptz[0].gpio: not used with driver = "synthetic" (only with driver = "gpio")`}},
		{name: "pwm", doc: head + "driver = \"pwm\"\n[ptz.pwm]\nchip = 0\npan_channel = 0\ntilt_channel = 1\n"},
		{name: "pwm same channels", doc: head + "driver = \"pwm\"\n[ptz.pwm]\npan_channel = 1\ntilt_channel = 1 #!\n", want: []string{"ptz[0].pwm.tilt_channel: must differ from pan_channel (1)"}},
		{name: "pwm pulses", doc: head + "driver = \"pwm\"\n[ptz.pwm]\npan_channel = 0\ntilt_channel = 1\npulse_min_us = 2600 #!\n", want: []string{"ptz[0].pwm.pulse_min_us: pulse_min_us (2600) must be below pulse_max_us (2500)"}},
		{name: "pwm missing channels", doc: head + "driver = \"pwm\"\n[ptz.pwm] #!\nchip = 0\n", want: []string{"ptz[0].pwm.pan_channel: required", "ptz[0].pwm.tilt_channel: required"}},
		{name: "gpio", doc: head + "driver = \"gpio\"\n[ptz.gpio]\npan_step = 17\npan_dir = \"GPIO27\"\ntilt_step = 22\ntilt_dir = 23\nsteps_per_degree = 8.9\n"},
		{name: "gpio same line", doc: head + "driver = \"gpio\"\n[ptz.gpio]\npan_step = 17\npan_dir = 17 #!\ntilt_step = 22\ntilt_dir = true #!\nsteps_per_degree = 0 #!\n", want: []string{
			"ptz[0].gpio.pan_dir: same GPIO line as pan_step", "ptz[0].gpio.tilt_dir: expected line offset (integer 0..1023) or line name (string)", "ptz[0].gpio.steps_per_degree: expected number 0.001..10000"}, class: ErrValue},
		{name: "pca9685", doc: head + "driver = \"pca9685\"\n[ptz.pca9685]\naddress = 0x41\npan_channel = 0\ntilt_channel = 15\n"},
		{name: "pca9685 address", doc: head + "driver = \"pca9685\"\n[ptz.pca9685]\naddress = 0x78 #!\npan_channel = 0\ntilt_channel = 16 #!\n", want: []string{
			"ptz[0].pca9685.address: expected integer 0x03..0x77, found 0x78", "ptz[0].pca9685.tilt_channel: expected integer 0..15"}},
		{name: "pca9685 bus", doc: head + "driver = \"pca9685\"\n[ptz.pca9685]\nbus = \"i2c-1\" #!\npan_channel = 0\ntilt_channel = 1\n", want: []string{"ptz[0].pca9685.bus: expected a clean path under /dev/"}},
		{name: "visca-serial", doc: head + "driver = \"visca-serial\"\n[ptz.visca-serial]\ndevice = \"/dev/ttyUSB0\"\nbaud = 9600\ncamera_address = 8 #!\n", want: []string{"ptz[0].visca-serial.camera_address: expected integer 1..7, found 8"}},
		{name: "visca-serial baud", doc: head + "driver = \"visca-serial\"\n[ptz.visca-serial] #!\nbaud = 9601 #!\n", want: []string{"ptz[0].visca-serial.device: required", "ptz[0].visca-serial.baud: expected one of 9600, 19200, 38400, 115200, found 9601"}},
		{name: "visca-serial 2400 unsupported", doc: head + "driver = \"visca-serial\"\n[ptz.visca-serial]\ndevice = \"/dev/ttyUSB0\"\nbaud = 2400 #!\n", want: []string{"ptz[0].visca-serial.baud: expected one of 9600"}},
		{name: "visca-ip", doc: head + "driver = \"visca-ip\"\nvisca-ip = { address = \"camera.local:52381\" }\n"},
		{name: "visca-ip camera address", doc: head + "driver = \"visca-ip\"\n[ptz.visca-ip]\naddress = \"10.0.0.5:52381\"\ncamera_address = 0 #!\n", want: []string{"ptz[0].visca-ip.camera_address: expected integer 1..7, found 0"}},
		{name: "visca-ip needs port", doc: head + "driver = \"visca-ip\"\nvisca-ip = { address = \"192.168.1.50\" } #!\n", want: []string{"ptz[0].visca-ip.address: missing :port"}},
		{name: "limits order", doc: head + "driver = \"synthetic\"\n[ptz.limits]\npan_min = 10\npan_max = -10 #!\n", want: []string{"ptz[0].limits.pan_max: pan_min (10) must be below pan_max (-10)"}},
		{name: "limits range", doc: head + "driver = \"synthetic\"\n[ptz.limits]\ntilt_max = 95 #!\n", want: []string{"ptz[0].limits.tilt_max: expected number -90..90, found 95"}},
		{name: "preset outside limits", doc: head + "driver = \"synthetic\"\nhome = \"far\"\n[[ptz.preset]]\nname = \"far\"\npan = 120 #!\ntilt = 0\n", want: []string{"ptz[0].preset[0].pan: pan 120 is outside the head's limits -90..90"}},
		{name: "preset missing tilt and zoom default", doc: head + "driver = \"synthetic\"\n[[ptz.preset]] #!\nname = \"p\"\npan = 1\n", want: []string{"ptz[0].preset[0].tilt: required"}},
		{name: "duplicate preset", doc: head + "driver = \"synthetic\"\n[[ptz.preset]]\nname = \"p\"\npan = 1\ntilt = 1\n[[ptz.preset]]\nname = \"p\" #!\npan = 2\ntilt = 2\n", want: []string{`ptz[0].preset[1].name: duplicate preset name "p"`}},
		{name: "unknown home", doc: head + "driver = \"synthetic\"\nhome = \"door\" #!\n", want: []string{`ptz[0].home: no [[ptz[0].preset]] named "door"`}},
		{name: "duplicate head", doc: head + "driver = \"synthetic\"\n[[ptz]]\nname = \"head\" #!\ndriver = \"synthetic\"\n", want: []string{`ptz[1].name: duplicate ptz name "head"`}},
		{name: "speed", doc: head + "driver = \"synthetic\"\nspeed_deg_per_s = 0 #!\n", want: []string{"ptz[0].speed_deg_per_s: expected number 1..360, found 0"}},
	})
}

// The limits must suit the driver: servos have a travel, steppers and VISCA
// cameras count from 0/0, and only synthetic and VISCA heads zoom.
func TestPTZDriverLimits(t *testing.T) {
	head := "ptz = \"head\"\n[[ptz]] #h\nname = \"head\"\n"
	pwm := head + "driver = \"pwm\"\n[ptz.pwm]\npan_channel = 0\ntilt_channel = 1\n"
	pca := head + "driver = \"pca9685\"\n[ptz.pca9685]\npan_channel = 0\ntilt_channel = 1\n"
	gpio := head + "driver = \"gpio\"\n[ptz.gpio]\npan_step = 1\npan_dir = 2\ntilt_step = 3\ntilt_dir = 4\nsteps_per_degree = 10\n"
	visca := head + "driver = \"visca-ip\"\n[ptz.visca-ip]\naddress = \"10.0.0.5:52381\"\n"
	runCases(t, []validationCase{
		{name: "pwm defaults fit a 180 degree servo", doc: pwm},
		{name: "pwm wide servo", doc: pwm + "servo_range_deg = 270\n[ptz.limits]\npan_min = -135\npan_max = 135\n"},
		{name: "pwm limit beyond the servo", doc: pwm + "[ptz.limits]\npan_max = 100 #!\n", want: []string{"ptz[0].limits.pan_max: -90..100 is beyond the servos' travel -90..90 (servo_range_deg = 180)"}},
		{name: "pwm narrow servo with default limits", doc: pwm + "servo_range_deg = 120 #!\n", want: []string{"ptz[0].pwm.servo_range_deg: -90..90 is beyond the servos' travel -60..60 (servo_range_deg = 120)"}},
		{name: "pwm servo range type", doc: pwm + "servo_range_deg = \"180\" #!\n", want: []string{"ptz[0].pwm.servo_range_deg: expected number 1..360"}, class: ErrType},
		{name: "pwm has no zoom", doc: pwm + "[ptz.limits]\nzoom_max = 2 #!\n", want: []string{`ptz[0].limits.zoom_max: driver "pwm" has no zoom`}},
		{name: "pwm fixed zoom is fine", doc: pwm + "[ptz.limits]\nzoom_min = 2\nzoom_max = 2\n"},
		{name: "pca9685 tilt beyond the servo", doc: pca + "servo_range_deg = 90\n[ptz.limits]\npan_min = -45\npan_max = 45\ntilt_min = -50 #!\n", want: []string{"ptz[0].limits.tilt_min: -50..30 is beyond the servos' travel -45..45 (servo_range_deg = 90)"}},
		{name: "gpio must contain 0", doc: gpio + "[ptz.limits]\npan_min = 10 #!\npan_max = 90\n", want: []string{`ptz[0].limits.pan_min: 10..90 must contain 0: driver "gpio" counts from pan 0, tilt 0`}},
		{name: "gpio has no zoom", doc: gpio + "[ptz.limits]\nzoom_max = 3 #!\n", want: []string{`ptz[0].limits.zoom_max: driver "gpio" has no zoom`}},
		{name: "visca zooms", doc: visca + "[ptz.limits]\nzoom_max = 20\n"},
		{name: "visca tilt must contain 0", doc: visca + "[ptz.limits]\ntilt_min = -30\ntilt_max = -10 #!\n", want: []string{`ptz[0].limits.tilt_max: -30..-10 must contain 0: driver "visca-ip" counts from pan 0, tilt 0`}},
		{name: "preset outside servo travel not double reported", doc: pwm + "[ptz.limits]\npan_max = 100 #!\n[[ptz.preset]]\nname = \"p\"\npan = 95\ntilt = 0\n", want: []string{"ptz[0].limits.pan_max: -90..100 is beyond"}},
	})
}

func TestPTZDecoded(t *testing.T) {
	c, err := Parse("t.toml", []byte(minimal+`ptz = "head"
[[ptz]]
name = "head"
driver = "gpio"
[ptz.gpio]
pan_step = 17
pan_dir = "GPIO27"
tilt_step = 22
tilt_dir = 23
steps_per_degree = 8.5
[[ptz.preset]]
name = "p"
pan = 1
tilt = -2.5
`))
	if err != nil {
		t.Fatal(err)
	}
	h := c.PTZ[0]
	want := &GPIO{Chip: "gpiochip0", PanStep: GPIOLine{Offset: 17}, PanDir: GPIOLine{Name: "GPIO27"}, TiltStep: GPIOLine{Offset: 22}, TiltDir: GPIOLine{Offset: 23}, StepsPerDegree: 8.5}
	if !reflect.DeepEqual(h.GPIO, want) {
		t.Errorf("GPIO = %+v, want %+v", h.GPIO, want)
	}
	if got := h.Presets[0]; got != (Preset{Name: "p", Pan: 1, Tilt: -2.5, Zoom: 1}) {
		t.Errorf("preset = %+v (zoom defaults to zoom_min)", got)
	}
}

func TestNetworkSSHLogWatchdog(t *testing.T) {
	runCases(t, []validationCase{
		{name: "static", doc: "[network]\nmode = \"static\"\naddress = \"192.168.1.20/24\"\ngateway = \"192.168.1.1\"\ndns = [\"192.168.1.1\", \"2001:db8::53\"]\n"},
		{name: "static without address", doc: "[network] #!\nmode = \"static\"\n", want: []string{"network.address: required"}},
		{name: "static keys with dhcp", doc: "[network]\naddress = \"192.168.1.20/24\" #!\ndns = [] #!\n", want: []string{
			`network.address: not used with mode = "dhcp"`, `network.dns: not used with mode = "dhcp"`}},
		{name: "address without prefix", doc: "[network]\nmode = \"static\"\naddress = \"192.168.1.20\" #!\n", want: []string{"network.address: expected address with prefix length"}},
		{name: "network address", doc: "[network]\nmode = \"static\"\naddress = \"192.168.1.0/24\" #!\n", want: []string{"network.address: 192.168.1.0 is the network address of 192.168.1.0/24"}},
		{name: "loopback address", doc: "[network]\nmode = \"static\"\naddress = \"127.0.0.2/8\" #!\n", want: []string{"network.address: 127.0.0.2 is not a unicast host address"}},
		{name: "gateway outside", doc: "[network]\nmode = \"static\"\naddress = \"192.168.1.20/24\"\ngateway = \"192.168.2.1\" #!\n", want: []string{"network.gateway: gateway 192.168.2.1 is outside the box's network 192.168.1.0/24"}},
		{name: "gateway family", doc: "[network]\nmode = \"static\"\naddress = \"192.168.1.20/24\"\ngateway = \"fe80::1\" #!\n", want: []string{"network.gateway: different IP versions"}},
		{name: "dns entry", doc: "[network]\nmode = \"static\"\naddress = \"192.168.1.20/24\"\ndns = [\"dns.example\"] #!\n", want: []string{"network.dns[0]: expected an IP address"}},
		{name: "hostname", doc: "[network]\nhostname = \"box.example.com\" #!\n", want: []string{"network.hostname: expected a host name"}},
		{name: "odd port", doc: "[network]\nrtp_port_min = 20001 #!\n", want: []string{"network.rtp_port_min: expected an even integer 1024..65534"}},
		{name: "port order", doc: "[network]\nrtp_port_min = 30000\nrtp_port_max = 30000 #!\n", want: []string{"network.rtp_port_max: rtp_port_min (30000) must be below rtp_port_max (30000)"}},
		{name: "ports contain sip", doc: "[sip]\nlisten = \":5060\"\n[network]\nrtp_port_min = 5000 #!\nrtp_port_max = 6000\n", want: []string{"network.rtp_port_min: RTP port range 5000..6000 contains the SIP port 5060"}},
		{name: "sip port in default range", doc: "[sip]\nlisten = \":20000\" #!\n", want: []string{"sip.listen: RTP port range 20000..20998 contains the SIP port 20000 (network.rtp_port_min..rtp_port_max)"}},
		{name: "ssh listen", doc: "[ssh]\nlisten = \"22\" #!\n", want: []string{"ssh.listen: missing :port"}},
		{name: "ssh enabled type", doc: "[ssh]\nenabled = 1 #!\n", want: []string{"ssh.enabled: expected boolean true or false, found integer 1"}, class: ErrType},
		{name: "log format", doc: "[log]\nformat = \"xml\" #!\n", want: []string{`log.format: expected one of "text", "json", found "xml"`}},
		{name: "watchdog stale frames", doc: "[watchdog]\nstale_frames = 0 #!\n", want: []string{"watchdog.stale_frames: expected integer 1..1000, found 0"}},
		{name: "watchdog stale frames type", doc: "[watchdog]\nstale_frames = \"30\" #!\n", want: []string{"watchdog.stale_frames: expected integer 1..1000"}, class: ErrType},
		{name: "watchdog timeout", doc: "[watchdog]\ntimeout = \"1h\" #!\ndevice = \"watchdog\" #!\n", want: []string{"watchdog.timeout: expected duration 1s..600s", "watchdog.device: expected a clean path under /dev/"}},
	})
}

func TestNetworkDecoded(t *testing.T) {
	c, err := Parse("t.toml", []byte(minimal+"[network]\nmode = \"static\"\naddress = \"192.168.1.20/24\"\ngateway = \"192.168.1.1\"\ndns = [\"192.168.1.1\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	n := c.Network
	if n.Address != netip.MustParsePrefix("192.168.1.20/24") || n.Gateway != netip.MustParseAddr("192.168.1.1") || !reflect.DeepEqual(n.DNS, []netip.Addr{netip.MustParseAddr("192.168.1.1")}) {
		t.Errorf("network = %+v", n)
	}
}

func TestErrorsAreSortedAndComplete(t *testing.T) {
	// Errors found by different sections (decoded in dependency order, not
	// file order) come out in file order.
	doc := `[[capture]]
name = "cam"
media = "video"
width = 7
[identity]
sip_uri = "nope"
[[scene]]
name = "x y"
`
	_, err := Parse("s.toml", []byte(doc))
	got := fieldErrors(t, err)
	var lines []int
	for _, e := range got {
		lines = append(lines, e.Line)
	}
	if !reflect.DeepEqual(lines, []int{4, 6, 8}) {
		t.Errorf("lines = %v, want [4 6 8]:\n%v", lines, err)
	}
	if !errors.Is(err, ErrValue) || errors.Is(err, ErrSyntax) {
		t.Error("errors.Is does not see through Errors")
	}
}

func TestTooLarge(t *testing.T) {
	_, err := Parse("big.toml", make([]byte, MaxFileSize+1))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	c := parseExample(t)
	for _, s := range []string{
		strings.Join([]string{
			fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c.Security), fmt.Sprintf("%s", c.Security.Callers[0].Password), fmt.Sprintf("%q", c.Security.Callers[0].Password),
		}, "\n"),
	} {
		if strings.Contains(s, "demo-only-secret") {
			t.Fatalf("secret printed: %s", s)
		}
	}
}

func TestMCC(t *testing.T) {
	// minimal's "cam", a second camera and a microphone.
	caps := "[[capture]]\nname = \"cam2\"\nmedia = \"video\"\n[[capture]]\nname = \"mic\"\nmedia = \"audio\"\n[[capture]]\nname = \"mic2\"\nmedia = \"audio\"\n"
	mcc := caps + "[[mcc]]\n"
	twoScenes := `[identity]
sip_uri = "sip:box@127.0.0.1"
[[scene]]
name = "room"
[[scene]]
name = "stage"
[[capture]]
name = "cam"
media = "video"
scene = "room"
[[capture]]
name = "cam2"
media = "video"
scene = "stage"
`
	area := "area_of_capture = { bottom_left = [-1, 3, 0], bottom_right = [1, 3, 0], top_left = [-1, 3, 1], top_right = [1, 3, 1] }\n"
	runCases(t, []validationCase{
		{name: "switched", doc: mcc + "name = \"speaker\"\ncaptures = [\"cam\", \"cam2\"]\npolicy = \"SoundLevel:0\"\nmicrophones = [\"mic2\", \"mic\"]\nallow_subset_choice = true\ndescription = \"who speaks\"\n"},
		{name: "round robin interval", doc: mcc + "name = \"tour\"\ncaptures = [\"cam\", \"cam2\"]\npolicy = \"RoundRobin:0\"\nswitch_interval = \"3s\"\n"},
		{name: "sound level without microphones", doc: caps + "[[mcc]] #!\nname = \"x\"\ncaptures = [\"cam\", \"cam2\"]\npolicy = \"SoundLevel:0\"\n", want: []string{"mcc[0].microphones: required: the SoundLevel policy shows the camera whose microphone is loudest"}},
		{name: "a microphone short", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam2\"]\npolicy = \"SoundLevel:0\"\nmicrophones = [\"mic\"] #!\n", want: []string{"mcc[0].microphones: one microphone per capture in captures (2), found 1"}},
		{name: "a camera as microphone", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam2\"]\npolicy = \"SoundLevel:0\"\nmicrophones = [\"mic\", \"cam\"] #!\n", want: []string{`mcc[0].microphones[1]: "cam" is a video capture; microphones names the audio capture that hears each camera`}},
		{name: "unknown microphone", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam2\"]\npolicy = \"SoundLevel:0\"\nmicrophones = [\"mic\", \"nope\"] #!\n", want: []string{`mcc[0].microphones[1]: no [[capture]] named "nope"; defined: "mic", "mic2"`}},
		{name: "interval without round robin", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam2\"]\nswitch_interval = \"5s\" #!\n", want: []string{"mcc[0].switch_interval: only the RoundRobin policy switches by time"}},
		{name: "interval too short", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam2\"]\npolicy = \"RoundRobin:0\"\nswitch_interval = \"100ms\" #!\n", want: []string{"mcc[0].switch_interval: expected duration 1s..3600s"}},
		{name: "round robin, explicit scene and max", doc: mcc + "name = \"tour\"\ncaptures = [\"cam2\", \"cam\"]\npolicy = \"RoundRobin:12\"\nscene = \"room\"\nmax_captures = 1\n"},
		{name: "two scenes with scene given", full: true, doc: twoScenes + "[[mcc]]\nname = \"x\"\nscene = \"stage\"\ncaptures = [\"cam\", \"cam2\"]\n"},
		{name: "missing name and captures", doc: caps + "[[mcc]] #!\npolicy = \"RoundRobin:1\"\n", want: []string{"mcc[0].name: required", "mcc[0].captures: required"}},
		{name: "name of a capture", doc: mcc + "name = \"cam\" #!\ncaptures = [\"cam\", \"cam2\"]\n", want: []string{`mcc[0].name: name "cam" is already a [[capture]]'s`}},
		{name: "duplicate MCC", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam2\"]\n[[mcc]]\nname = \"x\" #!\ncaptures = [\"cam\", \"cam2\"]\n", want: []string{`mcc[1].name: duplicate MCC name "x"`}},
		{name: "bad name", doc: mcc + "name = \"the speaker\" #!\ncaptures = [\"cam\", \"cam2\"]\n", want: []string{"mcc[0].name: expected name of 1 to 32"}},
		{name: "unknown capture", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"nope\"] #!\n", want: []string{`mcc[0].captures[1]: no [[capture]] named "nope"; defined: "cam", "cam2"`}},
		{name: "audio capture", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"mic\"] #!\n", want: []string{`mcc[0].captures[1]: "mic" is an audio capture; an MCC switches between video captures`}},
		{name: "one capture", doc: mcc + "name = \"x\"\ncaptures = [\"cam\"] #!\n", want: []string{"mcc[0].captures: an MCC switches between at least two captures, found 1"}},
		{name: "capture twice", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam\"] #!\n", want: []string{"mcc[0].captures[1]: duplicate of mcc[0].captures[0]"}},
		{name: "captures not a list", doc: mcc + "name = \"x\"\ncaptures = \"cam\" #!\n", want: []string{"mcc[0].captures: expected array"}, class: ErrType},
		{name: "policy", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam2\"]\npolicy = \"Loudest:0\" #!\n", want: []string{`mcc[0].policy: expected "SoundLevel:N" or "RoundRobin:N"`}},
		{name: "policy without index", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam2\"]\npolicy = \"SoundLevel\" #!\n", want: []string{`mcc[0].policy: expected`}},
		{name: "composed", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam2\"]\nmax_captures = 2 #!\n", want: []string{"mcc[0].max_captures: only 1 is supported: showing 2 captures at once needs a compositor"}},
		{name: "max over the captures", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam2\"]\nmax_captures = 3 #!\n", want: []string{"mcc[0].max_captures: expected integer 1..2, found 3"}},
		{name: "subset choice type", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam2\"]\nallow_subset_choice = \"yes\" #!\n", want: []string{"mcc[0].allow_subset_choice: expected boolean"}, class: ErrType},
		{name: "unknown scene", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam2\"]\nscene = \"hall\" #!\n", want: []string{`mcc[0].scene: no [[scene]] named "hall"; defined: "room"`}},
		{name: "unknown key", doc: mcc + "name = \"x\"\ncaptures = [\"cam\", \"cam2\"]\ncontent = [] #!\n", want: []string{"mcc[0].content: unknown key"}, class: ErrUnknownKey},
		{name: "scene needed across scenes", full: true, doc: twoScenes + "[[mcc]] #!\nname = \"x\"\ncaptures = [\"cam\", \"cam2\"]\n", want: []string{"mcc[0].scene: required: its captures belong to different scenes"}},
		{name: "PTZ camera needs its point of capture", doc: "ptz = \"head\"\n[capture.geometry] #!\n" + area + "[[ptz]]\nname = \"head\"\ndriver = \"synthetic\"\n",
			want: []string{"capture[0].geometry.point_of_capture: required: a camera on a PTZ head turns about its point of capture"}},
		{name: "PTZ camera with its point of capture", doc: "ptz = \"head\"\n[capture.geometry]\npoint_of_capture = [0, 0, 1]\n" + area + "[[ptz]]\nname = \"head\"\ndriver = \"synthetic\"\n"},
	})
}

func TestMCCDecoded(t *testing.T) {
	c, err := Parse("t.toml", []byte(minimal+"[[capture]]\nname = \"cam2\"\nmedia = \"video\"\n[[mcc]]\nname = \"speaker\"\ncaptures = [\"cam\", \"cam2\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []MCC{{Name: "speaker", Scene: "room", Captures: []string{"cam", "cam2"}, MaxCaptures: 1}}
	if !reflect.DeepEqual(c.MCCs, want) {
		t.Errorf("MCCs = %+v, want %+v", c.MCCs, want)
	}
	ex := parseExample(t)
	want = []MCC{{Name: "speaker", Scene: "room", Captures: []string{"main", "wide"}, Policy: "RoundRobin:0", SwitchInterval: DefaultSwitchInterval, MaxCaptures: 1}}
	if !reflect.DeepEqual(ex.MCCs, want) {
		t.Errorf("example MCCs = %+v, want %+v", ex.MCCs, want)
	}
}

// Every driver table gets its defaults filled in.
func TestPTZDriverDefaults(t *testing.T) {
	c, err := Parse("t.toml", []byte(minimal+`ptz = "a"
[[ptz]]
name = "a"
driver = "pwm"
pwm = { pan_channel = 2, tilt_channel = 3 }
[[ptz]]
name = "b"
driver = "pca9685"
pca9685 = { pan_channel = 0, tilt_channel = 1 }
[[ptz]]
name = "c"
driver = "visca-serial"
visca-serial = { device = "/dev/ttyAMA0" }
[[ptz]]
name = "d"
driver = "visca-ip"
visca-ip = { address = "cam:52381" }
`))
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %+v, want %+v", name, got, want)
		}
	}
	check("pwm", c.PTZ[0].PWM, &PWM{Chip: 0, PanChannel: 2, TiltChannel: 3, PulseMinUS: 500, PulseMaxUS: 2500, PeriodUS: 20000, ServoRangeDeg: 180})
	check("pca9685", c.PTZ[1].PCA9685, &PCA9685{Bus: "/dev/i2c-1", Address: 0x40, PanChannel: 0, TiltChannel: 1, PulseMinUS: 500, PulseMaxUS: 2500, FrequencyHz: 50, ServoRangeDeg: 180})
	check("visca-serial", c.PTZ[2].VISCASerial, &VISCASerial{Device: "/dev/ttyAMA0", Baud: 9600, CameraAddress: 1})
	check("visca-ip", c.PTZ[3].VISCAIP, &VISCAIP{Address: "cam:52381", CameraAddress: 1})
	check("speed", c.PTZ[0].SpeedDegPerS, 60.0)
}
