package alsa

import (
	"strings"
	"testing"
)

// FuzzParseCards: /proc/asound/cards is the kernel's, but drivers put USB
// descriptor strings in it. No panic, a bounded result, and every card it
// returns has a sane index and fields without line breaks.
func FuzzParseCards(f *testing.F) {
	f.Add([]byte(cardsText))
	f.Add([]byte("--- no soundcards ---\n"))
	f.Add([]byte(" 2 [U0x46d0x825   ]: USB-Audio - USB Device 0x46d:0x825\n                      USB Device at usb-1.3, high speed\n"))
	f.Add([]byte("0 [x]:\n1 [\n 7 [a]: b - c - d\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cs := ParseCards(b)
		if len(cs) > maxCards {
			t.Fatalf("%d cards", len(cs))
		}
		for _, c := range cs {
			if c.Index < 0 || c.Index >= maxCards {
				t.Fatalf("card index %d", c.Index)
			}
			for _, s := range []string{c.ID, c.Driver, c.Name, c.LongName} {
				if strings.ContainsAny(s, "\n") {
					t.Fatalf("field %q has a line break", s)
				}
			}
		}
	})
}

// FuzzParseID: device IDs come from the configuration file.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"hw:0,0", "hw:1", "hw:0,-1", "hw:00,1", "plughw:0,0", "hw:999,0", "hw:0,1023"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		n, ok := parseID(id)
		if !ok {
			return
		}
		if n.card < 0 || n.card >= maxCards || n.device < 0 || n.device >= 1024 {
			t.Fatalf("%q → %+v", id, n)
		}
		if m, ok := parseID(n.id()); !ok || m != n {
			t.Fatalf("%q → %q does not round-trip", id, n.id())
		}
		if m, ok := parsePCMNode(strings.TrimPrefix(n.path(), "/dev/snd/")); !ok || m != n {
			t.Fatalf("path %q does not round-trip", n.path())
		}
	})
}
