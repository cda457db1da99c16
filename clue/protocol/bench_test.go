package protocol

import "testing"

// A typical advertisement is RFC 8847 §10.3 (≈14 KB as published: six
// captures, scenes, encoding groups, people); a typical configure §10.4.

func benchParse(b *testing.B, file string) {
	data := readExample(b, file)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func benchMarshal(b *testing.B, file string) {
	m := parseExample(b, file)
	buf, err := AppendMarshal(nil, m)
	must(b, err)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = AppendMarshal(buf[:0], m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAdvertisement(b *testing.B) {
	benchParse(b, "corrected/rfc8847-s10.3-msg3-advertisement.xml")
}
func BenchmarkMarshalAdvertisement(b *testing.B) {
	benchMarshal(b, "corrected/rfc8847-s10.3-msg3-advertisement.xml")
}
func BenchmarkParseConfigure(b *testing.B) {
	benchParse(b, "corrected/rfc8847-s10.4-msg4-configure-ack.xml")
}
func BenchmarkMarshalConfigure(b *testing.B) {
	benchMarshal(b, "corrected/rfc8847-s10.4-msg4-configure-ack.xml")
}

// BenchmarkParticipantRoundTrip: one advertisement / configure+ack /
// configureResponse exchange between two participants, messages marshalled
// and parsed.
func BenchmarkExchange(b *testing.B) {
	adv, conf := adv3Body(b), conf4Body(b)
	b.ReportAllocs()
	for b.Loop() {
		pa, _ := New(nil)
		pb, _ := New(nil)
		pump := func(from, to *Participant, acts []Action) {
			for len(acts) > 0 {
				var next []Action
				for _, a := range acts {
					if a.Kind == ActSend {
						data, err := Marshal(a.Msg)
						if err != nil {
							b.Fatal(err)
						}
						next = append(next, to.Receive(data)...)
					}
				}
				from, to = to, from
				acts = next
			}
		}
		pa.StartChannel()
		pb.StartChannel()
		pb.ChannelEstablished(false)
		a, _ := pa.ChannelEstablished(true)
		pump(pa, pb, a)
		a, _ = pa.Advertise(adv)
		pump(pa, pb, a)
		a, _ = pb.Configure(0, conf)
		pump(pb, pa, a)
		a, _ = pa.ConfigureResult(0, CodeSuccess, "")
		pump(pa, pb, a)
		if _, _, mc := pb.State(); mc != MCEstablished {
			b.Fatal(mc)
		}
	}
}
