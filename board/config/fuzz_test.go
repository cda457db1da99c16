package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(Example))
	f.Add([]byte(minimal))
	paths, err := filepath.Glob("testdata/*.toml")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{"", "[", "a.b.c = 1\n[a]\n", "capture = [{}, 1, []]\n", "[[ptz]]\ndriver = \"pwm\"\npwm = 3\n", "x = [[1], [{a = 1}]]\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.toml", data)
		if err != nil {
			var list Errors
			if !errors.As(err, &list) {
				if len(data) <= MaxFileSize {
					t.Fatalf("error is not Errors: %v", err)
				}
				return
			}
			if len(list) == 0 {
				t.Fatal("empty Errors returned")
			}
			for _, e := range list {
				if e.Line < 1 || e.Col < 1 || e.File != "fuzz.toml" || e.Msg == "" || e.Err == nil {
					t.Fatalf("malformed problem %#v", e)
				}
			}
			return
		}
		for _, w := range c.Warnings {
			if w.Line < 1 || w.Col < 1 {
				t.Fatalf("malformed warning %#v", w)
			}
		}
		// Whatever validates must survive its own effective output.
		var out bytes.Buffer
		if err := c.WriteEffective(&out); err != nil {
			t.Fatal(err)
		}
		roundTrip(t, c)
	})
}

func BenchmarkParseExample(b *testing.B) {
	data := []byte(Example)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("cluecam.example.toml", data); err != nil {
			b.Fatal(err)
		}
	}
}
