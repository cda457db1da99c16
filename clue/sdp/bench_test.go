package sdp

import "testing"

// fourCamOffer is what a 4-camera CLUE peer offers once both
// advertisements are known: fallback audio and video, the data channel,
// its four video encodings and one audio encoding (sendonly), and four
// recvonly lines for our encodings.
func fourCamOffer(tb testing.TB) *Session {
	p := peer("198.51.100.7", 40000)
	for _, id := range []string{"cam1", "cam2", "cam3", "cam4"} {
		p.Encodings = append(p.Encodings, videoEnc(id))
	}
	p.Encodings = append(p.Encodings, audioEnc("mic1"))
	for i := 0; i < 4; i++ {
		p.Receive = append(p.Receive, Receive{Type: Video, Codecs: DefaultVideoCodecs(), CaptId: true})
	}
	return mustWire(tb, mustOffer(tb, p, nil), AsOffer)
}

func fourCamBox() *Local {
	b := box("192.0.2.10", 50000, fpA, videoEnc("vid1"), videoEnc("vid2"), videoEnc("vid3"), videoEnc("vid4"), audioEnc("aud1"))
	for _, l := range []string{"cam1", "cam2", "cam3", "cam4"} {
		b.Receive = append(b.Receive, Receive{Label: l, Type: Video, Codecs: DefaultVideoCodecs(), CaptId: true})
	}
	return b
}

func BenchmarkAnswer4Cam(b *testing.B) {
	offer, l := fourCamOffer(b), fourCamBox()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Answer(l, offer, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnswer4CamWire includes parsing the offer and marshalling the
// answer: the whole cost of answering an INVITE.
func BenchmarkAnswer4CamWire(b *testing.B) {
	text := []byte(fourCamOffer(b).String())
	l := fourCamBox()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		offer, err := Parse(text, nil)
		if err != nil {
			b.Fatal(err)
		}
		a, _, err := Answer(l, offer, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFourCamAnswer(t *testing.T) {
	a, n, err := Answer(fourCamBox(), fourCamOffer(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	sends, recvs := 0, 0
	for _, st := range n.Streams {
		if st.CLUE && st.Direction == SendOnly {
			sends++
		}
		if st.CLUE && st.Direction == RecvOnly {
			recvs++
		}
	}
	if sends != 4 || recvs != 4 || !n.CLUE || len(a.Media) != 3+5+4 {
		t.Errorf("sends %d recvs %d\n%s", sends, recvs, a)
	}
}
