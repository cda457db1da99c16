package config

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// Load reads, decodes and validates the configuration file at path, like
// Parse, and then also resolves the files it names:
//
//   - relative paths (password_file, sip.tls.ca_file, ssh.authorized_keys)
//     are resolved against the directory holding the configuration file and
//     stored absolute, so the effective configuration is unambiguous;
//   - password files are read (one line; a trailing newline is dropped);
//     a missing, empty or unreadable one is an error located at its key;
//   - a password file readable by group or others is a warning (in
//     Config.Warnings, class ErrInsecure), not an error: on the FAT boot
//     partition permissions come from the mount options (fmask), so the
//     board, not the user, decides them; an error would make password_file
//     unusable on a default mount while password in the file itself is
//     no safer;
//   - sip.tls.ca_file must hold at least one PEM certificate;
//   - a missing ssh.authorized_keys is a warning: the box works without
//     its console.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return parse(path, data, &fileAccess{dir: dir})
}

// fileAccess is what Load adds to Parse: the directory relative paths are
// resolved against, and permission to read the files they name.
type fileAccess struct {
	dir string
}

// maxSecretSize bounds a password file; a password is a line, not a file.
const maxSecretSize = 4096

// resolve makes a relative path absolute against the configuration file's
// directory (Load only; Parse keeps paths as written).
func (d *decoder) resolve(p string) string {
	if d.fs == nil || p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(d.fs.dir, p)
}

// filePath decodes a path to a file, resolved by resolve.
func (d *decoder) filePath(dst *string, key string, v *node) bool {
	s, ok := d.str(key, v, "file path")
	if !ok {
		return false
	}
	if s == "" || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		d.invalid(key, v, "expected a file path, found %s", quoteShort(s))
		return false
	}
	*dst = d.resolve(s)
	return true
}

// secret decodes the password / password_file pair of table path into dst.
func (d *decoder) secret(path string, pw, pwFile *node, dst *Secret) {
	if pw != nil && pwFile != nil {
		d.errorf(pwFile.key, join(path, "password_file"), ErrValue,
			"password and password_file are both set; keep one (password_file is recommended)")
		return
	}
	if pw != nil {
		key := join(path, "password")
		s, ok := d.str(key, pw, "non-empty string")
		if !ok {
			return
		}
		if s == "" {
			d.invalid(key, pw, "expected non-empty string; remove the key to leave it unset")
			return
		}
		if s == redacted {
			d.warnf(pw.at, key, ErrValue, "is the placeholder %q from the effective configuration, not a real password", redacted)
		}
		*dst = Secret{value: s}
		return
	}
	if pwFile != nil {
		key := join(path, "password_file")
		var p string
		if !d.filePath(&p, key, pwFile) {
			return
		}
		*dst = Secret{File: p}
		if d.fs != nil {
			dst.value, _ = d.readSecret(key, pwFile, p)
		}
	}
}

// readSecret reads a password file, reporting problems at its key.
func (d *decoder) readSecret(key string, v *node, p string) (string, bool) {
	fail := func(err error) (string, bool) {
		d.errorf(v.at, key, fmt.Errorf("%w: %w", ErrFile, err), "%v", err)
		return "", false
	}
	f, err := os.Open(p)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if !fi.Mode().IsRegular() {
		return fail(fmt.Errorf("%s is not a regular file", p))
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		d.warnf(v.at, key, ErrInsecure,
			"%s is readable by group or others (mode %#o); chmod 600 it, or mount the boot partition with fmask=0077", p, perm)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretSize+1))
	if err != nil {
		return fail(err)
	}
	if len(data) > maxSecretSize {
		return fail(fmt.Errorf("%s is larger than %d bytes; it should hold one line, the password", p, maxSecretSize))
	}
	data = bytes.TrimSuffix(data, []byte("\n"))
	data = bytes.TrimSuffix(data, []byte("\r"))
	switch {
	case len(data) == 0:
		return fail(fmt.Errorf("%s is empty", p))
	case bytes.ContainsAny(data, "\r\n"):
		return fail(fmt.Errorf("%s has more than one line; it should hold the password only", p))
	}
	return string(data), true
}

// checkCAFile checks that a CA bundle holds a PEM certificate (Load only).
func (d *decoder) checkCAFile(key string, v *node, p string) {
	if d.fs == nil {
		return
	}
	data, err := os.ReadFile(p)
	if err != nil {
		d.errorf(v.at, key, fmt.Errorf("%w: %w", ErrFile, err), "%v", err)
		return
	}
	for len(data) > 0 {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			return
		}
	}
	d.errorf(v.at, key, ErrFile, "%s holds no PEM certificate", p)
}

// checkAuthorizedKeys warns when the SSH console has no keys (Load only).
func (d *decoder) checkAuthorizedKeys(at pos, p string) {
	if d.fs == nil {
		return
	}
	if _, err := os.Stat(p); err != nil {
		msg := err.Error()
		if errors.Is(err, os.ErrNotExist) {
			msg = p + " not found"
		}
		d.warnf(at, "ssh.authorized_keys", fmt.Errorf("%w: %w", ErrFile, err), "%s; the SSH console stays closed until it exists", msg)
	}
}
