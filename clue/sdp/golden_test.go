package sdp

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// twoCamBox is a box with two cameras and one microphone: one fallback
// audio and one fallback video line (a plain SIP peer gets one camera and
// the microphone), the CLUE data channel, and once the advertisement is
// out, one encoding per camera and one for the microphone.
func twoCamBox() *Local {
	return &Local{
		Origin: Origin{SessionID: 3870921234, Version: 1},
		Addr:   "192.0.2.10",
		Port:   50000,
		DTLS: LocalDTLS{Fingerprints: []Fingerprint{{Hash: "sha-256", Value: fpA}},
			TLSID: "bm90LXJhbmRvbS1pbi1hLXRlc3Q"},
		ICE:         &LocalICE{Ufrag: "Zb7q", Pwd: "Kb2uPq9iXo0wQ4mTnS1dVh7y", Lite: true, HostAddrs: []string{"192.0.2.10"}},
		DataChannel: &DataChannel{},
		Fallback: []Fallback{
			{Type: Audio, Codecs: DefaultAudioCodecs()},
			{Type: Video, Codecs: DefaultVideoCodecs()},
		},
	}
}

func twoCamEncodings() []Encoding {
	return []Encoding{
		{ID: "vid0", Type: Video, Codecs: DefaultVideoCodecs(), CaptId: true, MaxBitrate: 2_500_000},
		{ID: "vid1", Type: Video, Codecs: DefaultVideoCodecs(), CaptId: true, MaxBitrate: 2_500_000},
		{ID: "aud0", Type: Audio, Codecs: []Codec{G722(), PCMU(), PCMA()}, MaxBitrate: 64_000},
	}
}

func golden(t *testing.T, name string, s *Session) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	got := s.String()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -run Golden -update to accept):\n%s", name, got)
	}
	if _, ws := wire(t, s, AsOffer); len(ws) != 0 {
		t.Errorf("%s: warnings %v", name, ws)
	}
}

func TestGolden2Cam1Mic(t *testing.T) {
	b := twoCamBox()
	initial := mustOffer(t, b, nil)
	golden(t, "offer-2cam-1mic-initial.sdp", initial)

	// A CLUE peer answers; after the advertisement the box re-offers its
	// encodings (RFC 8848 §4.5.4.1).
	a, _, err := Answer(peer("198.51.100.7", 40000), mustWire(t, initial, AsOffer), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := ApplyAnswer(b, initial, mustWire(t, a, AsAnswer))
	if err != nil || !n.CLUE {
		t.Fatalf("%v CLUE %v", err, n.CLUE)
	}
	b.Encodings = twoCamEncodings()
	golden(t, "offer-2cam-1mic-reoffer.sdp", mustOffer(t, b, n))

	bb := twoCamBox()
	bb.Bundle = true
	bb.Fallback[0].Port, bb.Fallback[1].Port, bb.DataChannel = 50000, 50002, &DataChannel{Port: 50004}
	golden(t, "offer-2cam-1mic-bundle.sdp", mustOffer(t, bb, nil))
}
