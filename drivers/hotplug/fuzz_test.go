package hotplug

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"testing"
)

// encode writes u as the kernel would: the header, then every field.
func encode(u Uevent) []byte {
	var b bytes.Buffer
	b.WriteString(u.Action + "@" + u.DevPath + "\x00")
	for _, k := range slices.Sorted(maps.Keys(u.Env)) {
		b.WriteString(k + "=" + u.Env[k] + "\x00")
	}
	return b.Bytes()
}

// FuzzParse: no input panics; an error is always ErrMalformed; what parses
// encodes back to a message that parses to the same event.
func FuzzParse(f *testing.F) {
	for _, s := range []string{synthChange, vividRemove, vividAdd, vividUnbind, pcmAdd, cardAdd, "", "@", "a@b\x00", "libudev\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		v, err := Parse(encode(u))
		if err != nil {
			t.Fatalf("re-encoded %q: %v", encode(u), err)
		}
		if v.Action != u.Action || v.DevPath != u.DevPath || v.Subsystem != u.Subsystem || v.DevName != u.DevName ||
			v.Seqnum != u.Seqnum || !maps.Equal(v.Env, u.Env) {
			t.Fatalf("round trip: %+v became %+v", u, v)
		}
	})
}
