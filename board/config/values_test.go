package config

import (
	"strings"
	"testing"
)

func TestParseSIPURI(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want sipURI
		err  string
	}{
		{in: "sip:alice@example.com", want: sipURI{"sip", "alice", "example.com", 0}},
		{in: "SIPS:alice@example.com:5061", want: sipURI{"sips", "alice", "example.com", 5061}},
		{in: "sip:+4412345;phone-context=x@10.0.0.1;user=phone", want: sipURI{"sip", "+4412345;phone-context=x", "10.0.0.1", 0}},
		{in: "sip:%61lice@[::1]:5060;transport=tcp;lr", want: sipURI{"sip", "%61lice", "::1", 5060}},
		{in: "sip:registrar.example.com.", want: sipURI{"sip", "", "registrar.example.com.", 0}},
		{in: "tel:+441234", err: "expected a sip: or sips: URI"},
		{in: "alice@example.com", err: "expected a sip: or sips: URI"},
		{in: "sip:@example.com", err: "empty user part"},
		{in: "sip:al ice@example.com", err: "invalid character in user part"},
		{in: "sip:al%6@example.com", err: "invalid character in user part"},
		{in: "sip:alice:pw@example.com", err: "must not contain a password"},
		{in: "sip:alice@example.com?subject=x", err: "headers"},
		{in: "sip:alice@example.com;=x", err: "invalid URI parameter"},
		{in: "sip:alice@example.com;a=", err: "invalid URI parameter"},
		{in: "sip:alice@", err: "missing host"},
		{in: "sip:alice@-bad-.com", err: "invalid host"},
		{in: "sip:alice@1.2.3.256", err: "invalid host"},
		{in: "sip:alice@::1", err: "IPv6 addresses must be written in brackets"},
		{in: "sip:alice@[::1", err: "unterminated"},
		{in: "sip:alice@[1.2.3.4]", err: "invalid IPv6"},
		{in: "sip:alice@[::1]x", err: "unexpected text"},
		{in: "sip:alice@host:", err: "empty port"},
		{in: "sip:alice@host:0", err: "invalid port"},
		{in: "sip:alice@host:+5", err: "invalid port"},
	} {
		got, msg := parseSIPURI(tc.in)
		if tc.err != "" {
			if !strings.Contains(msg, tc.err) {
				t.Errorf("%q: msg %q, want %q", tc.in, msg, tc.err)
			}
			continue
		}
		if msg != "" || got != tc.want {
			t.Errorf("%q = %+v, %q; want %+v", tc.in, got, msg, tc.want)
		}
	}
}

func TestCheckListen(t *testing.T) {
	for in, want := range map[string]string{
		":5060":            "",
		"0.0.0.0:5060":     "",
		"[::]:5061":        "",
		"127.0.0.1:65535":  "",
		":":                "invalid port",
		":+1":              "invalid port",
		":0":               "invalid port",
		"5060":             "missing :port",
		"host:5060":        "host must be an IP address",
		"[fe80::1%eth0]:1": "invalid IPv6",
		"1.2.3.4:70000":    "invalid port",
	} {
		if got := checkListen(in); (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("checkListen(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseFingerprint(t *testing.T) {
	pairs := func(n int, p string) string { return strings.TrimSuffix(strings.Repeat(p+":", n), ":") }
	for _, tc := range []struct{ in, err string }{
		{"sha-256 " + pairs(32, "AB"), ""},
		{"SHA-256 " + pairs(32, "ab"), ""},
		{"sha-384\t" + pairs(48, "01"), ""},
		{"sha-512 " + pairs(64, "Ff"), ""},
		{"sha-256 " + pairs(33, "AB"), "must have 32 bytes, found 33"},
		{"sha-1 " + pairs(20, "AB"), "too weak"},
		{"sha-256", "expected"},
		{"sha-256 " + pairs(31, "AB") + ":A", "expected"},
		{"sha-256 " + pairs(31, "AB") + ":GG", "expected"},
		{"sha-256 " + pairs(31, "AB") + "::", "expected"},
		{"sha-256 " + strings.Repeat("AB", 32), "expected"},
		{"blake3 AB", "expected"},
	} {
		f, msg := parseFingerprint(tc.in)
		if !strings.Contains(msg, tc.err) || (tc.err == "") != (msg == "") {
			t.Errorf("%q: msg %q, want %q", tc.in, msg, tc.err)
			continue
		}
		if tc.err == "" {
			// String gives the canonical form, which parses to the same.
			again, msg := parseFingerprint(f.String())
			if msg != "" || again.String() != f.String() || strings.ToUpper(tc.in[strings.IndexAny(tc.in, " \t")+1:]) != f.String()[len(f.Hash)+1:] {
				t.Errorf("%q: String() = %q", tc.in, f.String())
			}
		}
	}
}

func TestClassifyDevice(t *testing.T) {
	for in, want := range map[string]int{
		"auto":                     devAuto,
		"synthetic:h264":           devSyntheticVideo,
		"synthetic:mjpeg":          devSyntheticVideo,
		"synthetic:tone":           devSyntheticAudio,
		"/dev/video0":              devPath,
		"/dev/v4l/by-path/x-video": devPath,
		"hw:0,0":                   devALSA,
		"plughw:CARD=USB,DEV=0":    devALSA,
		"default":                  devALSA,
		"synthetic:h265":           -1,
		"sythetic:h264":            -1,
		"/dev/video0/":             -1,
		"/etc/passwd":              -1,
		"/dev/vid eo":              -1,
		"hw:":                      -1,
		"hw:0 0":                   -1,
		"":                         -1,
	} {
		got, msg := classifyDevice(in)
		if want < 0 {
			if msg == "" {
				t.Errorf("classifyDevice(%q) accepted as %d", in, got)
			}
			continue
		}
		if msg != "" || got != want {
			t.Errorf("classifyDevice(%q) = %d, %q; want %d", in, got, msg, want)
		}
	}
}

func TestCheckArea(t *testing.T) {
	wall := Area{
		BottomLeft: Point{-1000, 3000, 0}, BottomRight: Point{1000, 3000, 0},
		TopLeft: Point{-1000, 3000, 1500}, TopRight: Point{1000, 3000, 1500},
	}
	camera := &Point{0, 0, 1000}
	tilted := Area{ // a table top seen from above and in front
		BottomLeft: Point{-800, 1000, 740}, BottomRight: Point{800, 1000, 740},
		TopLeft: Point{-800, 2500, 740}, TopRight: Point{800, 2500, 740},
	}
	trapezoid := wall
	trapezoid.TopLeft[0], trapezoid.TopRight[0] = -1400, 1400
	nearlyFlat := wall
	nearlyFlat.TopRight[1] += 10 // 1 cm off on a 2.5 m area: a measuring error
	for _, tc := range []struct {
		name   string
		a      Area
		camera *Point
		err    string
	}{
		{"wall", wall, camera, ""},
		{"wall without camera", wall, nil, ""},
		{"table seen from above", tilted, &Point{0, 0, 1600}, ""},
		{"trapezoid", trapezoid, camera, ""},
		{"measuring error", nearlyFlat, camera, ""},
		{"unknown scale, tiny units", Area{Point{0, 1e-3, 0}, Point{1e-3, 1e-3, 0}, Point{0, 1e-3, 1e-3}, Point{1e-3, 1e-3, 1e-3}}, &Point{5e-4, 0, 5e-4}, ""},
		{"one point", Area{}, nil, "degenerate"},
		{"a line", Area{Point{0, 0, 0}, Point{1, 0, 0}, Point{2, 0, 0}, Point{3, 0, 0}}, nil, "degenerate"},
		{"left and right swapped", Area{wall.BottomRight, wall.BottomLeft, wall.TopRight, wall.TopLeft}, camera, "mirrored"},
		{"behind the camera", wall, &Point{0, 5000, 1000}, "mirrored"},
		{"bow tie", Area{wall.BottomLeft, wall.BottomRight, wall.TopRight, wall.TopLeft}, camera, "convex"},
		{"top swapped with bottom on one side", Area{wall.TopLeft, wall.BottomRight, wall.BottomLeft, wall.TopRight}, camera, "convex"},
		{"not coplanar", Area{wall.BottomLeft, wall.BottomRight, wall.TopLeft, Point{1000, 3600, 1500}}, camera, "coplanar"},
	} {
		if got := checkArea(tc.a, tc.camera); (tc.err == "") != (got == "") || !strings.Contains(got, tc.err) {
			t.Errorf("%s: checkArea = %q, want %q", tc.name, got, tc.err)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"framerate", "format", "width", "height", "sip", "ssh"}
	for in, want := range map[string]string{"framerat": "framerate", "Width": "width", "hieght": "height", "sipp": "sip", "resolution": "", "x": ""} {
		if got := suggest(in, known); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
