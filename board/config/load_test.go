package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeFiles creates files (path → content, mode 0600 unless the path ends
// in "@644") under a new directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		mode := os.FileMode(0o600)
		if n, ok := strings.CutSuffix(name, "@644"); ok {
			name, mode = n, 0o644
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // umask may have masked it
			t.Fatal(err)
		}
	}
	return dir
}

const withSIPFile = minimal + `[sip]
registrar = "sip:127.0.0.1"
password_file = "secrets/sip.pass"
`

func TestLoadSecretFiles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   map[string]string
		want    string // the password, or a fragment of the error
		wantErr bool
		warn    bool
	}{
		{name: "relative path", files: map[string]string{"secrets/sip.pass": "s3cret\n"}, want: "s3cret"},
		{name: "crlf trimmed", files: map[string]string{"secrets/sip.pass": "s3cret\r\n"}, want: "s3cret"},
		{name: "no newline", files: map[string]string{"secrets/sip.pass": "s3cret"}, want: "s3cret"},
		{name: "readable by others warns", files: map[string]string{"secrets/sip.pass@644": "s3cret\n"}, want: "s3cret", warn: true},
		{name: "missing", files: map[string]string{}, want: "no such file", wantErr: true},
		{name: "empty", files: map[string]string{"secrets/sip.pass": "\n"}, want: "is empty", wantErr: true},
		{name: "two lines", files: map[string]string{"secrets/sip.pass": "a\nb\n"}, want: "more than one line", wantErr: true},
		{name: "too big", files: map[string]string{"secrets/sip.pass": strings.Repeat("x", maxSecretSize+1)}, want: "larger than", wantErr: true},
		{name: "directory", files: map[string]string{"secrets/sip.pass/x": ""}, want: "not a regular file", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.files["cluecam.toml"] = withSIPFile
			dir := writeFiles(t, tc.files)
			c, err := Load(filepath.Join(dir, "cluecam.toml"))
			if tc.wantErr {
				list := fieldErrors(t, err)
				if len(list) != 1 {
					t.Fatalf("got %v, want one error", err)
				}
				e := list[0]
				if e.Line != 13 || e.Col != 17 || e.Key != "sip.password_file" || !errors.Is(e, ErrFile) || !strings.Contains(e.Msg, tc.want) {
					t.Errorf("error = %v, want 13:17 sip.password_file ErrFile %q", e, tc.want)
				}
				if tc.name == "missing" && !errors.Is(err, fs.ErrNotExist) {
					t.Error("the OS error is not wrapped")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.SIP.Password.Reveal(); got != tc.want {
				t.Errorf("password = %q, want %q", got, tc.want)
			}
			if want := filepath.Join(dir, "secrets/sip.pass"); c.SIP.Password.File != want {
				t.Errorf("File = %q, want absolute %q", c.SIP.Password.File, want)
			}
			var warned bool
			for _, w := range c.Warnings {
				if w.Key == "sip.password_file" && errors.Is(w, ErrInsecure) {
					warned = true
				}
			}
			if warned != tc.warn {
				t.Errorf("warnings = %v, want insecure warning: %v", Errors(c.Warnings), tc.warn)
			}
		})
	}
}

func TestParseDoesNotReadFiles(t *testing.T) {
	c, err := Parse("cluecam.toml", []byte(withSIPFile))
	if err != nil {
		t.Fatal(err)
	}
	if c.SIP.Password.File != "secrets/sip.pass" || c.SIP.Password.Reveal() != "" || !c.SIP.Password.IsSet() {
		t.Errorf("password = %+v (file %q), want the relative file, unread", c.SIP.Password, c.SIP.Password.File)
	}
}

func TestLoadAbsoluteSecretAndCallers(t *testing.T) {
	secrets := writeFiles(t, map[string]string{"alice": "alice-pw\n"})
	doc := minimal + "[[security.caller]]\nuri = \"sip:alice@127.0.0.1\"\npassword_file = \"" + filepath.Join(secrets, "alice") + "\"\n"
	dir := writeFiles(t, map[string]string{"cluecam.toml": doc})
	c, err := Load(filepath.Join(dir, "cluecam.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Security.Callers[0].Password.Reveal(); got != "alice-pw" {
		t.Errorf("caller password = %q", got)
	}
	// The effective output of a loaded file keeps the absolute path and
	// loads again to the same configuration, secret included.
	var out strings.Builder
	if err := c.WriteEffective(&out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "alice-pw") {
		t.Fatal("effective output contains a password")
	}
	again, err := Load(filepath.Join(writeFiles(t, map[string]string{"effective.toml": out.String()}), "effective.toml"))
	if err != nil {
		t.Fatal(err)
	}
	c.Warnings, again.Warnings = nil, nil
	if !reflect.DeepEqual(again, c) {
		t.Errorf("loading the effective output gives\n%+v\nwant\n%+v", again, c)
	}
}

func TestLoadBothSecretsAndAllProblemsTogether(t *testing.T) {
	doc := minimal + `[sip]
password = "pw"
password_file = "nope"
[[security.caller]]
uri = "sip:alice@127.0.0.1"
password_file = "missing"
framerate = 1
`
	dir := writeFiles(t, map[string]string{"cluecam.toml": doc})
	_, err := Load(filepath.Join(dir, "cluecam.toml"))
	list := fieldErrors(t, err)
	var got []string
	for _, e := range list {
		got = append(got, e.Key)
	}
	want := []string{"sip.password_file", "security.caller[0].password_file", "security.caller[0].framerate"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("problems = %v, want %v:\n%v", got, want, err)
	}
	if list[0].Line != 13 || !strings.Contains(list[0].Msg, "both set") {
		t.Errorf("first problem = %v", list[0])
	}
}

func TestLoadCAFileAndAuthorizedKeys(t *testing.T) {
	const cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
	tlsDoc := minimal + "[sip]\ntransport = \"tls\"\n[sip.tls]\nca_file = \"ca.pem\"\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		err   string
	}{
		{"ca ok", map[string]string{"ca.pem": "junk before\n" + cert}, ""},
		{"ca missing", map[string]string{}, "no such file"},
		{"ca without certificate", map[string]string{"ca.pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}, "holds no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.files["cluecam.toml"] = tlsDoc
			dir := writeFiles(t, tc.files)
			c, err := Load(filepath.Join(dir, "cluecam.toml"))
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.SIP.TLS.CAFile != filepath.Join(dir, "ca.pem") {
					t.Errorf("CAFile = %q", c.SIP.TLS.CAFile)
				}
				return
			}
			list := fieldErrors(t, err)
			if len(list) != 1 || list[0].Key != "sip.tls.ca_file" || list[0].Line != 14 || !errors.Is(list[0], ErrFile) || !strings.Contains(list[0].Msg, tc.err) {
				t.Errorf("got %v, want sip.tls.ca_file on line 14: %s", err, tc.err)
			}
		})
	}

	// SSH is on by default; its keys file is looked for beside cluecam.toml.
	dir := writeFiles(t, map[string]string{"cluecam.toml": minimal})
	c, err := Load(filepath.Join(dir, "cluecam.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.SSH.AuthorizedKeys != filepath.Join(dir, "authorized_keys") {
		t.Errorf("AuthorizedKeys = %q", c.SSH.AuthorizedKeys)
	}
	if !hasWarning(c, "ssh.authorized_keys") {
		t.Errorf("no warning for missing authorized_keys: %v", Errors(c.Warnings))
	}
	dir = writeFiles(t, map[string]string{"cluecam.toml": minimal, "authorized_keys@644": "ssh-ed25519 AAAA test\n"})
	c, err = Load(filepath.Join(dir, "cluecam.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if hasWarning(c, "ssh.authorized_keys") {
		t.Errorf("warning although authorized_keys exists: %v", Errors(c.Warnings))
	}
}

func hasWarning(c *Config, key string) bool {
	for _, w := range c.Warnings {
		if w.Key == key {
			return true
		}
	}
	return false
}

func TestLoadFileErrors(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.toml"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "config: ") {
		t.Errorf("err = %v", err)
	}
	dir := writeFiles(t, map[string]string{"big.toml": strings.Repeat("#", MaxFileSize+1)})
	if _, err := Load(filepath.Join(dir, "big.toml")); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("err = %v", err)
	}
	// The three-error file reports the path as given.
	_, err = Load("testdata/three-errors.toml")
	if list := fieldErrors(t, err); len(list) != 3 || list[0].File != "testdata/three-errors.toml" {
		t.Errorf("err = %v", err)
	}
}
