package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recordTB records failures instead of failing, to test the helper itself.
type recordTB struct {
	testing.TB
	failed []string
}

func (r *recordTB) Errorf(format string, args ...any) {
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

func (r *recordTB) Fatalf(format string, args ...any) {
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

// TestValidateXML: a document that does not validate is reported, one that
// does is not, so passing runs elsewhere mean something.
func TestValidateXML(t *testing.T) {
	schema := filepath.Join(t.TempDir(), "s.xsd")
	err := os.WriteFile(schema, []byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="n" type="xs:int"/>
</xs:schema>`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordTB{TB: t}
	ValidateXML(rec, schema, map[string][]byte{"good": []byte("<n>4</n>"), "bad": []byte("<n>four</n>")})
	if len(rec.failed) != 1 || !strings.Contains(rec.failed[0], "bad does not validate") {
		t.Fatalf("failures: %q", rec.failed)
	}
}
