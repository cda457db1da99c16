package config

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
)

// redactSecrets replaces inline passwords by the placeholder, which is what
// they read back as from effective output; warnings are dropped because the
// placeholder itself earns one.
func redactSecrets(c *Config) {
	r := func(s *Secret) {
		if s.value != "" && s.File == "" {
			s.value = redacted
		}
	}
	r(&c.SIP.Password)
	for i := range c.Security.Callers {
		r(&c.Security.Callers[i].Password)
	}
	c.Warnings = nil
}

// roundTrip writes c, parses the output and checks it describes the same
// configuration; it returns the output.
func roundTrip(t testing.TB, c *Config) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := c.WriteEffective(&out); err != nil {
		t.Fatal(err)
	}
	again, err := Parse("effective.toml", out.Bytes())
	if err != nil {
		t.Fatalf("effective output does not parse: %v\n%s", err, out.Bytes())
	}
	want := *c
	redactSecrets(&want)
	redactSecrets(again)
	if !reflect.DeepEqual(again, &want) {
		t.Fatalf("round trip changed the configuration\n got %+v\nwant %+v\noutput:\n%s", again, &want, out.Bytes())
	}
	return out.Bytes()
}

func TestRoundTrip(t *testing.T) {
	full, err := os.ReadFile("testdata/full.toml")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"example": []byte(Example),
		"full":    full,
		"minimal": []byte(minimal),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := Parse(name, data)
			if err != nil {
				t.Fatal(err)
			}
			out := roundTrip(t, c)
			// The output is a fixed point: writing it again changes nothing.
			again, err := Parse("effective.toml", out)
			if err != nil {
				t.Fatal(err)
			}
			var second bytes.Buffer
			if err := again.WriteEffective(&second); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, second.Bytes()) {
				t.Errorf("second effective output differs:\n%s\n---\n%s", out, second.Bytes())
			}
		})
	}
}

func TestEffectiveRedacts(t *testing.T) {
	c := parseExample(t)
	var out bytes.Buffer
	if err := c.WriteEffective(&out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if strings.Contains(s, "demo-only-secret") {
		t.Fatal("effective output contains a password")
	}
	if !strings.Contains(s, `password = "<redacted>"`) {
		t.Errorf("effective output lacks the redacted password:\n%s", s)
	}
	// Re-parsing the placeholder works but warns.
	again, err := Parse("effective.toml", out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Warnings) != 1 || again.Warnings[0].Key != "security.caller[0].password" {
		t.Errorf("warnings = %v, want one about the placeholder", Errors(again.Warnings))
	}
}

func TestEffectiveDefaultsSpelledOut(t *testing.T) {
	c, err := Parse("minimal.toml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := c.WriteEffective(&out); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`transport = "udp"`, `listen = ":5060"`, `username = "box"`, `session_expires = "1800s"`,
		`require_auth = true`, `disclose = []`, `max_calls = 2`,
		`scene = "room"`, `format = "auto"`, `width = 1280`, `framerate = 30`,
		`mode = "dhcp"`, `rtp_port_min = 20000`, `enabled = true`, `timeout = "15s"`,
		`# allowed_peers unset: every [[security.caller]] may call in`,
	} {
		if !strings.Contains(out.String(), "\n"+line+"\n") {
			t.Errorf("effective output lacks %q:\n%s", line, out.String())
		}
	}
}

func TestQuoteTOML(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "tab\tnl\ncr\r", "bell\a del\x7f", "é ☃ 𝄞"} {
		doc := "k = " + quoteTOML(s) + "\n"
		root, serr := parseTree([]byte(doc))
		if serr != nil {
			t.Errorf("%q: %s does not parse: %s", s, doc, serr.msg)
			continue
		}
		if got := root.get("k").str; got != s {
			t.Errorf("quoteTOML(%q) reads back as %q", s, got)
		}
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, os.ErrClosed
	}
	w.n--
	return len(p), nil
}

func TestWriteEffectiveReportsWriteErrors(t *testing.T) {
	c := parseExample(t)
	if err := c.WriteEffective(&failWriter{n: 3}); err != os.ErrClosed {
		t.Errorf("err = %v, want the writer's error", err)
	}
}
