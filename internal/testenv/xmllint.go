package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var xmllintResult = regexp.MustCompile(`(?m)^(\S+) (validates|fails to validate)$`)

// ValidateXML validates every document in docs (name → bytes) against the
// XML schema file in one xmllint run, and fails the test for each document
// that does not validate, quoting xmllint's lines about it. One run for many
// documents keeps property tests over hundreds of documents fast.
func ValidateXML(t testing.TB, schema string, docs map[string][]byte) {
	t.Helper()
	if len(docs) == 0 {
		return
	}
	bin := NeedCommand(t, "xmllint")
	abs, err := filepath.Abs(schema)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	args := []string{"--noout", "--nonet", "--schema", abs}
	names := map[string]string{}
	i := 0
	for name, data := range docs {
		p := filepath.Join(dir, fmt.Sprintf("doc%05d.xml", i))
		i++
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		names[p] = name
		args = append(args, p)
	}
	out, _ := exec.Command(bin, args...).CombinedOutput()
	seen := 0
	for _, m := range xmllintResult.FindAllStringSubmatch(string(out), -1) {
		name, ok := names[m[1]]
		if !ok {
			continue
		}
		seen++
		if m[2] != "validates" {
			t.Errorf("%s does not validate against %s:\n%s", name, filepath.Base(schema), grepLines(string(out), m[1]))
		}
	}
	if seen != len(docs) {
		t.Fatalf("xmllint reported on %d of %d documents:\n%s", seen, len(docs), out)
	}
}

// grepLines returns the lines of s that mention sub, at most 20.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	if len(out) > 20 {
		out = append(out[:20], "…")
	}
	return strings.Join(out, "\n")
}
