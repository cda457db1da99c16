package sdp

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	fpA = "12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD"
	fpB = "3F:82:18:3B:49:6B:19:E5:7C:AB:4A:AD:B9:B1:12:DF:3E:5D:12:DF:54:02:49:6B:3E:5D:7C:AB:19:E5:AD:4A"
)

// box is a cluecam box: ICE-lite, one UDP port unless ports says
// otherwise, the data channel, one fallback microphone and camera, and the
// given encodings.
func box(addr string, port int, fp string, encs ...Encoding) *Local {
	return &Local{
		Origin: Origin{SessionID: 1700000001, Version: 1},
		Addr:   addr,
		Port:   port,
		DTLS:   LocalDTLS{Fingerprints: []Fingerprint{{Hash: "sha-256", Value: fp}}, TLSID: "dGxzaWRfb2ZfdGhlX2JveA"},
		ICE: &LocalICE{Ufrag: "Zb7q", Pwd: "Kb2uPq9iXo0wQ4mTnS1dVh7y", Lite: true,
			HostAddrs: []string{addr}},
		DataChannel: &DataChannel{},
		Fallback: []Fallback{
			{Type: Audio, Codecs: DefaultAudioCodecs()},
			{Type: Video, Codecs: DefaultVideoCodecs()},
		},
		Encodings: encs,
	}
}

// peer is a CLUE peer that is not a box: full ICE (no ice-lite), another
// key, default audio/video.
func peer(addr string, port int) *Local {
	l := box(addr, port, fpB)
	l.Origin = Origin{Username: "bob", SessionID: 2800000002, Version: 7}
	l.DTLS.TLSID = "cGVlcl90bHNfaWRfdmFsdWU"
	l.ICE = &LocalICE{Ufrag: "pEeR", Pwd: "PeerPasswordIsLongEnough1", HostAddrs: []string{addr}}
	return l
}

func videoEnc(id string) Encoding {
	return Encoding{ID: id, Type: Video, Codecs: []Codec{H264(96, "42e01f", "Z0LgH9oBQBbsBEAAAAMAQAAADyPGDKg=,aM4xsg==")},
		CaptId: true, MaxBitrate: 2_000_000}
}

func audioEnc(id string) Encoding {
	return Encoding{ID: id, Type: Audio, Codecs: []Codec{G722(), PCMU()}, MaxBitrate: 64_000}
}

func mustOffer(t testing.TB, l *Local, cur *Negotiation) *Session {
	t.Helper()
	s, err := Offer(l, cur)
	if err != nil {
		t.Fatalf("Offer: %v", err)
	}
	return s
}

// wire marshals s and parses it back as kind, failing the test on error.
func wire(t testing.TB, s *Session, kind Kind) (*Session, []Warning) {
	t.Helper()
	var ws []Warning
	p, err := Parse([]byte(s.String()), &ParseOpts{As: kind, Warn: func(w Warning) { ws = append(ws, w) }})
	if err != nil {
		t.Fatalf("Parse(%s) of our own output: %v\n%s", kind, err, s)
	}
	return p, ws
}

func parseText(t testing.TB, text string, kind Kind) (*Session, []Warning, error) {
	t.Helper()
	var ws []Warning
	s, err := Parse([]byte(text), &ParseOpts{As: kind, Warn: func(w Warning) { ws = append(ws, w) }})
	return s, ws, err
}

// unpos returns a copy without source positions, for comparisons.
func unpos(s *Session) Session {
	c := *s
	c.pos = nil
	return c
}

func equalSessions(t testing.TB, got, want *Session) {
	t.Helper()
	g, w := unpos(got), unpos(want)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("sessions differ\n got: %s\nwant: %s", got, want)
		for i := range g.Media {
			if i < len(w.Media) && !reflect.DeepEqual(g.Media[i], w.Media[i]) {
				t.Errorf("m-line %d:\n got %#v\nwant %#v", i, g.Media[i], w.Media[i])
			}
		}
	}
}

const sessionHeader = "v=0\no=alice 2890844526 2890844526 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"

// loadRFC reads an RFC example from testdata/rfc: comment lines and the
// RFC's "..." elisions are dropped, the indentation removed, backslash line
// folding undone (RFC 8841 §13.1), blank lines dropped, and a session
// header added when the example has none.
func loadRFC(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rfc", name))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	cont := false
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		l = strings.TrimSpace(l)
		if l == "" || l == "..." {
			continue
		}
		if cont {
			out[len(out)-1] += l
		} else {
			out = append(out, l)
		}
		cont = strings.HasSuffix(l, "\\")
		if cont {
			last := strings.TrimSuffix(out[len(out)-1], "\\")
			out[len(out)-1] = strings.TrimRight(last, " ")
			if strings.HasSuffix(last, " ") && !strings.HasSuffix(out[len(out)-1], ":") {
				out[len(out)-1] += " "
			}
		}
	}
	text := strings.Join(out, "\n") + "\n"
	if !strings.HasPrefix(text, "v=") {
		text = sessionHeader + text
	}
	return strings.ReplaceAll(text, "\n", "\r\n")
}

// errs flattens a Parse / ApplyAnswer error.
func errs(err error) Errors {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) {
		return Errors{e}
	}
	return nil
}

func hasWarning(ws []Warning, section, substr string) bool {
	for _, w := range ws {
		if strings.Contains(w.Section, section) && strings.Contains(w.Msg, substr) {
			return true
		}
	}
	return false
}
