package sdp

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fuzzSeeds: every RFC example (completed like the tests do, and repaired),
// our own offers and answers, and the validation test mutations' base.
func fuzzSeeds(f *testing.F) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "rfc", "*.sdp"))
	if err != nil {
		f.Fatal(err)
	}
	var out []string
	for _, p := range files {
		text := loadRFC(f, filepath.Base(p))
		out = append(out, text, repair(text, "actpass"))
		raw, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, string(raw))
	}
	b := box("192.0.2.10", 50000, fpA, videoEnc("vid1"), audioEnc("aud1"))
	b.Receive = []Receive{{Type: Video, Codecs: DefaultVideoCodecs(), CaptId: true}}
	o := mustOffer(f, b, nil)
	out = append(out, o.String(), full().String())
	bb := box2Ports(b)
	bb.Bundle = true
	bb.Encodings, bb.Receive = nil, nil
	out = append(out, mustOffer(f, bb, nil).String())
	p := peer("198.51.100.7", 40000)
	p.Receive = []Receive{{Type: Video, Codecs: DefaultVideoCodecs(), CaptId: true}}
	p.Encodings = []Encoding{videoEnc("foo")}
	po, err := Offer(p, nil)
	if err != nil {
		f.Fatal(err)
	}
	out = append(out, po.String())
	if a, _, err := Answer(b, mustWire(f, po, AsOffer), nil); err == nil {
		out = append(out, a.String())
	}
	return out
}

// FuzzParseSDP: no input panics Parse; what parses re-marshals into text
// that parses to the same session and marshals to the same text.
func FuzzParseSDP(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, answer bool) {
		kind := AsOffer
		if answer {
			kind = AsAnswer
		}
		s, err := Parse(data, &ParseOpts{As: kind, MaxBytes: 1 << 16})
		if err != nil {
			if s != nil {
				t.Fatal("session and error")
			}
			if st := Status(err); st != 400 && st != 488 {
				t.Fatalf("status %d for %v", st, err)
			}
			return
		}
		text := s.String()
		back, err := Parse([]byte(text), &ParseOpts{As: kind, MaxBytes: 1 << 20})
		if err != nil {
			t.Fatalf("re-marshalled SDP does not parse: %v\n%q\n%s", err, data, text)
		}
		if !reflect.DeepEqual(unpos(s), unpos(back)) {
			t.Fatalf("round trip differs\n%q\nfirst:  %+v\nsecond: %+v", data, unpos(s), unpos(back))
		}
		if again := back.String(); again != text {
			t.Fatalf("marshal not idempotent:\n%s\n---\n%s", text, again)
		}
		// The helpers must not panic either.
		for i := range s.Media {
			s.Transport(i)
			s.CLUEControlled(i)
		}
		s.DataChannel()
		s.EncodingLabels()
	})
}

// FuzzAnswer: random offers never panic the answerer; an answer is either
// an error the SIP layer can map (488, never 400 or 500) or SDP that parses
// back as an answer and that the offerer side accepts as answering the
// offer (ApplyAnswer without error).
func FuzzAnswer(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		offer, err := Parse(data, &ParseOpts{MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		l := box("192.0.2.10", 50000, fpA, videoEnc("vid1"), videoEnc("vid2"), audioEnc("aud1"))
		l.Receive = []Receive{{Type: Video, Codecs: DefaultVideoCodecs(), CaptId: true}, {Label: "foo", Type: Video, Codecs: DefaultVideoCodecs()}}
		l.Bundle = mode&1 != 0
		if mode&2 != 0 {
			l.DTLS.AnswerSetup = SetupPassive
		}
		if mode&4 != 0 {
			l.DataChannel = nil
		}
		if mode&8 != 0 {
			l.ICE = nil
		}
		ans, n, err := Answer(l, offer, nil)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || Status(err) != 488 || !(errors.Is(err, ErrNoMedia) || errors.Is(err, ErrNotDTLSSRTP)) {
				t.Fatalf("Answer error %v (status %d)", err, Status(err))
			}
			return
		}
		if len(ans.Media) != len(offer.Media) || len(n.Streams) != len(offer.Media) {
			t.Fatalf("answer has %d m-lines, offer %d", len(ans.Media), len(offer.Media))
		}
		text := ans.String()
		pa, err := Parse([]byte(text), &ParseOpts{As: AsAnswer, MaxBytes: 1 << 20})
		if err != nil {
			t.Fatalf("our answer does not parse: %v\noffer:\n%s\nanswer:\n%s", err, offer, text)
		}
		peerSide := peer("198.51.100.7", 40000)
		if _, err := ApplyAnswer(peerSide, offer, pa); err != nil {
			t.Fatalf("our answer does not answer the offer: %v\noffer:\n%s\nanswer:\n%s", err, offer, text)
		}
		for i, m := range ans.Media {
			if m.MID != offer.Media[i].MID {
				t.Fatalf("m-line %d: mid %q answers %q", i, m.MID, offer.Media[i].MID)
			}
			if m.Port != 0 && m.RTP != nil && strings.HasPrefix(m.Proto, "RTP/") {
				t.Fatalf("m-line %d accepted without DTLS-SRTP", i)
			}
		}
	})
}
