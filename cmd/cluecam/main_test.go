package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/internal/testenv"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	code = dispatch(context.Background(), &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, args)
	return code, out.String(), errb.String()
}

const (
	exampleConfig = "../../board/config/cluecam.example.toml"
	threeErrors   = "../../board/config/testdata/three-errors.toml"
	rfcMessages   = "../../testdata/clue/examples/corrected/"
	adv3          = rfcMessages + "rfc8847-s10.3-msg3-advertisement.xml"
	conf4         = rfcMessages + "rfc8847-s10.4-msg4-configure-ack.xml"
	adv6          = rfcMessages + "rfc8847-s10.6-msg6-advertisement.xml"
	conf8         = rfcMessages + "rfc8847-s10.8-msg8-configure.xml"
	protocolXSD   = "../../testdata/clue/xsd/clue-protocol.xsd"
)

func TestDispatch(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // regexp the output must match
		stderr     string
		notStdout  string
		stderrRows int // exact number of file:line:col rows on stderr, when > 0
	}{
		{name: "no command", args: nil, code: exitUsage, stderr: `usage: cluecam COMMAND`},
		{name: "unknown command", args: []string{"frobnicate"}, code: exitUsage, stderr: `unknown command "frobnicate"(?s).*usage:`},
		{name: "help", args: []string{"help"}, code: exitOK, stdout: `check-config`},
		{name: "version", args: []string{"version"}, code: exitOK, stdout: `^cluecam dev go1\.\d+.* linux/`},
		{name: "version extra arg", args: []string{"version", "now"}, code: exitUsage, stderr: `usage: cluecam version`},
		{name: "unknown flag", args: []string{"devices", "--bogus"}, code: exitUsage, stderr: `flag provided but not defined: -bogus(?s).*usage: cluecam devices`},
		{name: "command help flag", args: []string{"run", "-h"}, code: exitOK, stderr: `-log-format`},
		{name: "bad log format", args: []string{"run", "--log-format", "xml"}, code: exitUsage, stderr: `--log-format "xml"`},
		{name: "bad log level", args: []string{"run", "--log-level", "loud"}, code: exitUsage, stderr: `log level "loud"`},
		{name: "check-config needs a file", args: []string{"check-config"}, code: exitUsage, stderr: `usage: cluecam check-config FILE`},
		{name: "check-config missing file", args: []string{"check-config", "/nonexistent/cluecam.toml"}, code: exitFail, stderr: `no such file`},
		{
			name: "check-config three errors", args: []string{"check-config", threeErrors}, code: exitFail,
			stderr:     `three-errors.toml:25:13: capture\[0\]\.framerate: expected integer(?s).*:26:1: capture\[0\]\.resolution: unknown key(?s).*:32:8: capture\[1\]\.rate: expected one of(?s).*3 error\(s\)`,
			stderrRows: 3,
		},
		{name: "check-config example", args: []string{"check-config", exampleConfig}, code: exitOK, stdout: `(?m)^\[identity\]$(?s).*sip_uri = "sip:cluecam@127\.0\.0\.1"`, notStdout: `demo-only-secret`},
		{name: "advertisement", args: []string{"advertisement", "--config", exampleConfig}, code: exitOK,
			stdout: `^<\?xml version="1\.0" encoding="UTF-8"\?><advertisement xmlns="urn:ietf:params:xml:ns:clue-protocol" .*protocol="CLUE" v="1\.0"><clueId>cluecam</clueId><sequenceNr>1</sequenceNr>.*captureID="main".*captureID="wide".*captureID="table-mic".*captureID="speaker".*</advertisement>\n$`,
			stderr: `advertisement: \d+ bytes as sent; 4 captures, 1 scenes, 4 encodings in 4 groups, 0 simultaneous sets, message ≤ \d+ bytes`, notStdout: `description`},
		{name: "advertisement indented", args: []string{"advertisement", "--indent"}, code: exitOK, stdout: `(?m)^  <mediaCaptures>\n    <dm:mediaCapture xsi:type="dm:videoCaptureType" captureID="main" mediaType="video">$`},
		{name: "advertisement bad config", args: []string{"advertisement", "--config", threeErrors}, code: exitFail, stderr: `3 error\(s\)`, stderrRows: 3},
		{name: "advertisement extra arg", args: []string{"advertisement", "now"}, code: exitUsage, stderr: `usage: cluecam advertisement \[--config FILE\]`},
		{name: "clue without command", args: []string{"clue"}, code: exitUsage, stderr: `usage: cluecam clue COMMAND(?s).*check`},
		{name: "clue unknown command", args: []string{"clue", "lint"}, code: exitUsage, stderr: `unknown command "lint"(?s).*usage: cluecam clue`},
		{name: "clue help", args: []string{"clue", "help"}, code: exitOK, stdout: `usage: cluecam clue COMMAND`},
		{name: "clue check without file", args: []string{"clue", "check"}, code: exitUsage, stderr: `usage: cluecam clue check \[--advertisement ADV\.xml\] MSG\.xml`},
		{name: "clue check two files", args: []string{"clue", "check", adv3, conf4}, code: exitUsage, stderr: `usage: cluecam clue check`},
		{name: "clue check help", args: []string{"clue", "check", "-h"}, code: exitOK, stderr: `-advertisement`},
		{name: "clue check missing file", args: []string{"clue", "check", "nope.xml"}, code: exitFail, stderr: `no such file`},
		// DIGEST.md §9 #12: RFC 8847 §10.9 answers 200, a correct provider 405.
		{name: "clue check §10.8 against §10.6", args: []string{"clue", "check", "--advertisement", adv6, conf8}, code: exitFail,
			stdout: `(?m)^\S+rfc8847-s10\.6-msg6-advertisement\.xml:43: note: the advertisement itself: mediaCapture "VC0": spatially definable video capture without captureArea(?s).*` +
				`^\S+rfc8847-s10\.8-msg8-configure\.xml:15: error: captureEncoding "ce456": MCC "VC7" does not allow subset choice.*\[subset-choice\](?s).*` +
				`^\S+msg8-configure\.xml: configure 24 for advertisement 13: the box would answer 405 Subset choice not allowed: captureEncoding "ce456"`},
		{name: "clue check §10.4 against §10.3", args: []string{"clue", "check", "--advertisement", adv3, conf4}, code: exitOK,
			stdout: `(?m)msg4-configure-ack\.xml:16: warning: captureEncoding "ce223": configuredContent repeats the full content.*\n.*configure 22 for advertisement 11: the box would answer 200 Success$`},
		{name: "clue check §10.4 against §10.6", args: []string{"clue", "check", "--advertisement", adv6, conf4}, code: exitFail,
			stdout: `the box would answer 404 Advertisement expired: configure refers to advertisement 11, the current one is 13`},
		{name: "clue check configure alone", args: []string{"clue", "check", conf8}, code: exitOK, stdout: `configure 24: valid on its own`},
		{name: "clue check advertisement", args: []string{"clue", "check", adv3}, code: exitOK, stdout: `advertisement 11: valid \(6 captures, 1 scenes, 2 encoding groups\)`},
		{name: "clue check RFC 8846 §28 advertisement", args: []string{"clue", "check", adv6}, code: exitFail,
			stdout: `(?m)^\S+:43: error: mediaCapture "VC0": spatially definable video capture without captureArea \(RFC 8846 §11\.5\.2\) \[video-area\]\n.*1 error\(s\); a consumer would answer 400 Semantic errors$`},
		{name: "clue check options", args: []string{"clue", "check", rfcMessages + "rfc8847-s10.1-msg1-options.xml"}, code: exitOK, stdout: `options 51: valid`},
		{name: "clue check not an advertisement", args: []string{"clue", "check", "--advertisement", conf4, conf8}, code: exitFail, stdout: `a configure message, not an advertisement`},
		{name: "clue check schema error", args: []string{"clue", "check", "testdata/bad-syntax-advertisement.xml"}, code: exitFail,
			stdout: `^testdata/bad-syntax-advertisement\.xml:12:22: error: <individual>: out of schema order \(after <encGroupIDREF>\) \(would be answered 301 Bad syntax\)\n$`},
		{name: "clue check semantic errors", args: []string{"clue", "check", "testdata/bad-semantics-advertisement.xml"}, code: exitFail,
			stdout: `(?m)^testdata/bad-semantics-advertisement\.xml:8: error: mediaCapture "cam": encGroupIDREF "EG9" names no encodingGroup.*\n` +
				`testdata/bad-semantics-advertisement\.xml:14: error: mediaCapture "mic": spatially definable audio capture without captureOrigin.*\n` +
				`testdata/bad-semantics-advertisement\.xml:14: error: mediaCapture "mic": captureArea MUST NOT be used for audio.*\n` +
				`testdata/bad-semantics-advertisement\.xml:37: error: sceneView "SV1": captures of several media types.*\n` +
				`.*4 error\(s\)`},
		{name: "devices", args: []string{"devices"}, code: exitOK, stdout: `synthetic:h264  \(video, synthetic\)(?s).*H264 640x360 @ 30, 15 fps(?s).*synthetic:mjpeg(?s).*MJPG 640x480 @ 15 fps(?s).*synthetic:tone(?s).*S16LE(?s).*synthetic:ptz`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if tc.stdout != "" && !regexp.MustCompile(tc.stdout).MatchString(stdout) {
				t.Errorf("stdout does not match %q:\n%s", tc.stdout, stdout)
			}
			if tc.stderr != "" && !regexp.MustCompile(tc.stderr).MatchString(stderr) {
				t.Errorf("stderr does not match %q:\n%s", tc.stderr, stderr)
			}
			if tc.notStdout != "" && strings.Contains(stdout, tc.notStdout) {
				t.Errorf("stdout contains %q:\n%s", tc.notStdout, stdout)
			}
			if tc.stderrRows > 0 {
				rows := regexp.MustCompile(`(?m)^\S+\.toml:\d+:\d+: `).FindAllString(stderr, -1)
				if len(rows) != tc.stderrRows {
					t.Errorf("%d located error rows, want %d:\n%s", len(rows), tc.stderrRows, stderr)
				}
			}
		})
	}
}

// The effective configuration printed by check-config is itself a valid
// configuration: a user can start from it.
func TestCheckConfigOutputReparses(t *testing.T) {
	code, stdout, stderr := runCLI(t, "check-config", exampleConfig)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// Secrets are redacted in the output, so give the redacted value a
	// stand-in before parsing.
	text := strings.ReplaceAll(stdout, `"<redacted>"`, `"x"`)
	if _, err := config.Parse("effective.toml", []byte(text)); err != nil {
		t.Fatalf("effective configuration does not parse: %v\n%s", err, stdout)
	}
}

func TestDevicesJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, "devices", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var devs []jsonDevice
	if err := json.Unmarshal([]byte(stdout), &devs); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	kinds := map[string]string{}
	for _, d := range devs {
		kinds[d.ID] = d.Kind
	}
	want := map[string]string{"synthetic:h264": "video", "synthetic:mjpeg": "video", "synthetic:tone": "audio", "synthetic:ptz": "ptz"}
	for id, k := range want {
		if kinds[id] != k {
			t.Errorf("device %s: kind %q, want %q (all: %v)", id, kinds[id], k, kinds)
		}
	}
	for _, d := range devs {
		if d.Kind == "video" && len(d.Modes) == 0 || d.Kind == "audio" && len(d.Formats) == 0 {
			t.Errorf("device %s lists no formats: %+v", d.ID, d)
		}
	}
}

// waitFor polls the buffer until re matches or the deadline passes.
func waitFor(t *testing.T, b *syncBuffer, re string, timeout time.Duration) {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if rx.MatchString(b.String()) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("log never matched %q:\n%s", re, b.String())
}

// TestRunReload runs the appliance in-process: it comes up on a config
// file, rejects a broken reload with line-numbered errors while keeping the
// old configuration, takes a good reload, and stops cleanly.
func TestRunReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cluecam.toml")
	example, _ := onFreePort(t, config.Example)
	if err := os.WriteFile(path, []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- dispatch(ctx, &env{stdout: &out, stderr: &errb, getenv: os.Getenv}, []string{"run", "--config", path, "--state-dir", dir, "--log-format", "json"})
	}()
	waitFor(t, &errb, `"msg":"ready"`, 20*time.Second)
	for _, want := range []string{`"msg":"device","id":"synthetic:h264"`, `"msg":"capture ready","capture":"main"`, `"msg":"effective configuration"`} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("log lacks %s", want)
		}
	}

	// A broken file: rejected, located, and the box keeps running.
	bad := strings.Replace(example, "framerate = 30", "framerate = \"fast\"", 1)
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	sendHUP(t)
	waitFor(t, &errb, `"msg":"reload rejected: keeping the last good configuration"`, 10*time.Second)
	if !regexp.MustCompile(`"msg":"configuration error","file":"[^"]+","line":\d+,"col":\d+,"key":"capture\[0\]\.framerate"`).MatchString(errb.String()) {
		t.Errorf("rejected reload does not locate the error:\n%s", errb.String())
	}

	// A good file with a renamed capture: taken.
	// (The example's [[mcc]] names the capture too.)
	good := strings.NewReplacer(`name = "main"`, `name = "front"`, `captures = ["main", "wide"]`, `captures = ["front", "wide"]`).Replace(example)
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	sendHUP(t)
	waitFor(t, &errb, `"msg":"configuration reloaded"`, 20*time.Second)
	if !strings.Contains(errb.String(), `"msg":"capture ready","capture":"front"`) {
		t.Errorf("reloaded capture not reported:\n%s", errb.String())
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("run exited %d:\n%s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after cancellation")
	}
	if !strings.Contains(errb.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop logged:\n%s", errb.String())
	}
}

// TestRunRejectsBadConfig: a box whose only file is broken does not start
// on it, and says where the problems are.
func TestRunRejectsBadConfig(t *testing.T) {
	code, _, stderr := runCLI(t, "run", "--config", threeErrors)
	if code != exitFail {
		t.Fatalf("exit %d, want %d", code, exitFail)
	}
	if !strings.Contains(stderr, "three-errors.toml:25:13:") {
		t.Errorf("errors not located:\n%s", stderr)
	}
}

// TestAdvertisementValidates: what `cluecam advertisement` prints validates
// against the RFC 8847 protocol schema (xmllint, one run for every
// variant); the default configuration discloses nothing identifying, a
// configuration that discloses everything does; a head whose home preset
// is not the reference position turns its camera's area.
func TestAdvertisementValidates(t *testing.T) {
	dir := t.TempDir()
	person := strings.Replace(config.Example, "#[[capture.person]]\n#name = \"Alice Example\"", "[[capture.person]]\nname = \"Alice Example\"", 1)
	person = strings.Replace(person, "#roles = [\"presenter\"]", "roles = [\"presenter\"]", 1)
	variants := map[string]string{
		"example":      config.Example,
		"disclose-all": strings.Replace(person, "disclose = []", `disclose = ["display_name", "descriptions", "people"]`, 1),
		"home-left":    strings.Replace(config.Example, `home = "room"`, `home = "left"`, 1),
		"people-only":  strings.Replace(person, "disclose = []", `disclose = ["people"]`, 1),
	}
	// Without the MCC: cut from [[mcc]] to the next table.
	before, after, _ := strings.Cut(config.Example, "[[mcc]]\n")
	_, after, _ = strings.Cut(after, "[[ptz]]\n")
	variants["no-mcc"] = before + "[[ptz]]\n" + after
	// Both cameras on the one H.264 device: simultaneous sets.
	variants["two-cam-shared"] = strings.NewReplacer(`device = "synthetic:mjpeg"`, `device = "synthetic:h264"`, `format = "mjpeg"`, `format = "h264"`, "height = 480", "height = 360").Replace(variants["no-mcc"])
	docs := map[string][]byte{}
	out := map[string]string{}
	for name, doc := range variants {
		cfg := filepath.Join(dir, name+".toml")
		if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, indent := range []bool{false, true} {
			cmd := []string{"advertisement", "--config", cfg}
			file := name
			if indent {
				cmd = append(cmd, "--indent")
				file += "-indented"
			}
			code, stdout, stderr := runCLI(t, cmd...)
			if code != exitOK {
				t.Fatalf("%s: exit %d\n%s", file, code, stderr)
			}
			t.Logf("%s: %s", file, strings.TrimSpace(stderr))
			docs[file] = []byte(stdout)
			out[file] = stdout
		}
	}
	testenv.ValidateXML(t, protocolXSD, docs)
	for _, s := range []string{"description", "personInfo", "sceneInformation", "Demo room", "Front camera"} {
		if strings.Contains(out["example"], s) {
			t.Errorf("default advertisement contains %q", s)
		}
		if !strings.Contains(out["disclose-all"], s) {
			t.Errorf("full disclosure lacks %q", s)
		}
	}
	if !strings.Contains(out["people-only"], "Alice Example") || strings.Contains(out["people-only"], "Front camera") {
		t.Error("people-only discloses the wrong things")
	}
	if strings.Contains(out["home-left"], "<dm:x>-1500</dm:x><dm:y>3000</dm:y>") || !strings.Contains(out["example"], "<dm:x>-1500</dm:x><dm:y>3000</dm:y>") {
		t.Error("the area of capture does not follow the head's home preset")
	}
	if strings.Contains(out["no-mcc"], `captureID="speaker"`) || !strings.Contains(out["two-cam-shared"], "<simultaneousSet") {
		t.Error("variants not as expected")
	}
	// Each indented variant is the compact one, re-laid out.
	for name := range variants {
		if strip(out[name+"-indented"]) != strip(out[name]) {
			t.Errorf("%s: indented output differs from the compact one", name)
		}
	}
}

func strip(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		b.WriteString(strings.TrimSpace(l))
	}
	return b.String()
}
