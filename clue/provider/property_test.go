package provider

import (
	"errors"
	"fmt"
	"github.com/cluecam/cluecam/internal/testenv"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cluecam/cluecam/clue/consumer"
	"github.com/cluecam/cluecam/clue/model"
	"github.com/cluecam/cluecam/hw"
)

// randomRoom generates a room the configuration could describe: 1–3
// scenes, 1–10 captures on devices that are sometimes shared and sometimes
// produce several encodings, random geometry (camera in front of its area,
// line of capture between them), PTZ heads at random positions, people,
// descriptions, MCCs and a random disclosure policy. Names include
// characters that need sanitising.
func randomRoom(rng *rand.Rand) *Room {
	pick := func(l ...string) string { return l[rng.IntN(len(l))] }
	r := &Room{DisplayName: pick("", "Room 101", "Salle <Ω> & co")}
	for i := range 1 + rng.IntN(3) {
		r.Scenes = append(r.Scenes, Scene{
			Name:        fmt.Sprintf("%s%d", pick("room", "1st", "stage", "hall x"), i),
			Description: pick("", "a scene", "scène « principale »"),
			Scale:       model.Scale(pick("", "mm", "unknown", "noscale")),
		})
	}
	type dev struct {
		d     Device
		media string
	}
	var devs []dev
	for i := range 1 + rng.IntN(10) {
		media := pick(model.MediaVideo, model.MediaVideo, model.MediaAudio)
		var d Device
		// Reuse a device of the same media now and then.
		reuse := -1
		for j, x := range devs {
			if x.media == media && rng.IntN(3) == 0 {
				reuse = j
			}
		}
		if reuse >= 0 {
			d = devs[reuse].d
			if media == model.MediaVideo && rng.IntN(2) == 0 {
				d.Video = d.Modes[rng.IntN(len(d.Modes))]
			}
		} else if media == model.MediaVideo {
			w := 16 * (10 + rng.IntN(110))
			h := 16 * (10 + rng.IntN(60))
			var modes []hw.VideoMode
			for range 1 + rng.IntN(3) {
				modes = append(modes, hw.VideoMode{Format: hw.FormatH264, Width: w, Height: h, FrameRate: fps(uint32(5 + rng.IntN(56)))})
				w, h = w/2+16, h/2+16
			}
			d = Device{ID: fmt.Sprintf("/dev/video%d", i), Modes: modes, Video: modes[0],
				Encoder: Encoder{MaxEncodings: 1 + rng.IntN(3)*rng.IntN(2), MaxBitrate: uint64(100_000 + rng.IntN(8_000_000))}}
			if rng.IntN(2) == 0 {
				d.Video = hw.VideoMode{} // the largest
			}
			if rng.IntN(3) == 0 {
				d.Encoder.MaxGroupBitrate = uint64(200_000 + rng.IntN(10_000_000))
			}
		} else {
			d = microphone(fmt.Sprintf("hw:%d,0", i))
			d.Encoder.MaxEncodings = 1 + rng.IntN(2)
		}
		if reuse < 0 {
			devs = append(devs, dev{d, media})
		}
		c := Capture{
			Name:   fmt.Sprintf("%s%d", pick("cam", "mic", "1", "-x", "über", "CS-room0"), i),
			Media:  media,
			Scene:  r.Scenes[rng.IntN(len(r.Scenes))].Name,
			Device: d,
		}
		if rng.IntN(3) > 0 {
			c.Description = pick("left", "right", "the table", "Ünïcödé 👋")
		}
		for range rng.IntN(3) {
			c.People = append(c.People, Person{Name: pick("Ada", "Grace", "Linus", "Zoë"), Roles: []string{pick("presenter", "attendee", "minute taker", "chairman", "custom role")}})
		}
		if rng.IntN(2) == 0 {
			c.MaxBitrate = uint64(50_000 + rng.IntN(4_000_000))
		}
		if rng.IntN(5) > 0 {
			x, z := float64(rng.IntN(8000)-4000), float64(500+rng.IntN(1500))
			depth := float64(1000 + rng.IntN(6000))
			x0 := x - float64(500+rng.IntN(3000))
			x1 := x + float64(500+rng.IntN(3000))
			z0 := float64(rng.IntN(1000))
			z1 := z0 + float64(300+rng.IntN(2000))
			g := &Geometry{PointOfCapture: pt(x, 0, z)}
			if media == model.MediaVideo {
				g.AreaOfCapture = wall(x0, x1, depth, z0, z1)
				if rng.IntN(3) == 0 {
					g.PointOfCapture = nil
				}
			}
			if g.PointOfCapture != nil && rng.IntN(2) == 0 {
				// A point on the way to the area's centre.
				tt := 0.1 + 0.8*rng.Float64()
				cx, cz := (x0+x1)/2, (z0+z1)/2
				if media == model.MediaAudio {
					cx, cz = x+100, z
				}
				g.PointOnLineOfCapture = pt(x+tt*(cx-x), tt*depth, z+tt*(cz-z))
			}
			c.Geometry = g
			if media == model.MediaVideo && g.PointOfCapture != nil && rng.IntN(3) == 0 {
				c.PTZ = &PTZ{Head: "head", Reference: hw.Position{Zoom: 1},
					Position: hw.Position{Pan: rng.Float64()*340 - 170, Tilt: rng.Float64()*160 - 80, Zoom: 1 + 9*rng.Float64()}}
			}
		}
		r.Captures = append(r.Captures, c)
	}
	var videos []*Capture
	for i := range r.Captures {
		if r.Captures[i].Media == model.MediaVideo {
			videos = append(videos, &r.Captures[i])
		}
	}
	for i := range rng.IntN(3) {
		if len(videos) == 0 {
			break
		}
		m := MCC{Name: fmt.Sprintf("mcc%d", i), Policy: pick("", "SoundLevel:0", "SoundLevel:1", "RoundRobin:0"), AllowSubsetChoice: rng.IntN(2) == 0,
			Description: pick("", "loudest")}
		// Mostly constituents that fit on their devices together; now and
		// then any (Build refuses those with ErrUnsupported).
		careless := rng.IntN(8) == 0
		use := map[string]int{}
		for _, v := range videos {
			if rng.IntN(2) == 0 && (careless || use[v.Device.ID] < max(1, v.Device.Encoder.MaxEncodings)) {
				m.Captures = append(m.Captures, v.Name)
				use[v.Device.ID]++
			}
		}
		if rng.IntN(4) == 0 {
			m.Captures = append(m.Captures, "gone") // a camera that went away
		}
		if rng.IntN(3) == 0 {
			m.Scene = r.Scenes[rng.IntN(len(r.Scenes))].Name
		}
		r.MCCs = append(r.MCCs, m)
	}
	r.Policy = Policy{Descriptions: rng.IntN(2) == 0, People: rng.IntN(2) == 0, DisplayName: rng.IntN(2) == 0, Lang: pick("", "en", "fr-CA")}
	return r
}

func randomPolicy(rng *rand.Rand, a *Advertisement) *consumer.Policy {
	p := &consumer.Policy{MCCs: consumer.MCCChoice(rng.IntN(3))}
	switch rng.IntN(4) {
	case 0:
		p.Media = []string{model.MediaVideo}
	case 1:
		p.Media = []string{model.MediaAudio}
	}
	if rng.IntN(3) == 0 {
		p.Budget = uint64(rng.IntN(10_000_000))
	}
	if rng.IntN(3) == 0 {
		p.MaxPerMedia = map[string]int{model.MediaVideo: 1 + rng.IntN(3), model.MediaAudio: 1 + rng.IntN(2)}
	}
	if rng.IntN(3) == 0 {
		p.EncodingBitrate = func(id string) uint64 {
			e, _ := a.Encoding(id)
			return e.MaxBitrate
		}
	}
	if rng.IntN(4) == 0 {
		for _, s := range a.Body.CaptureScenes {
			for _, v := range s.SceneViews {
				if rng.IntN(2) == 0 {
					p.SceneViews = append(p.SceneViews, v.SceneViewID)
				}
			}
		}
	}
	for _, c := range a.Body.MediaCaptures {
		if c.AllowSubsetChoice && rng.IntN(2) == 0 {
			ids := a.Body.Expand(c.Content)
			if p.Subsets == nil {
				p.Subsets = map[string][]string{}
			}
			p.Subsets[c.CaptureID] = []string{ids[rng.IntN(len(ids))]}
		}
	}
	return p
}

// TestPropertyRandomRooms: for random rooms, Build either succeeds with an
// advertisement that passes model.Validate (without warnings) and the
// protocol schema (xmllint), or fails with one of the documented errors
// for what the box cannot do; and for random consumer policies, the
// configure the consumer builds from it is answered 200 with one order
// per capture encoding.
func TestPropertyRandomRooms(t *testing.T) {
	rng := rand.New(rand.NewPCG(2025, 11))
	n := 400
	if testing.Short() {
		n = 100
	}
	docs := map[string][]byte{}
	built, refused, configures, streams := 0, map[string]int{}, 0, 0
	for i := range n {
		r := randomRoom(rng)
		a, err := Build(r)
		if err != nil {
			switch {
			case errors.Is(err, ErrUnsupported):
				refused[unsupportedKind(err)]++
				continue
			case errors.Is(err, ErrNoCaptures):
				refused["no captures"]++
				continue
			case errors.Is(err, ErrTooLarge):
				refused["too large"]++
				continue
			}
			t.Fatalf("room %d: %v\n%+v", i, err, r)
		}
		built++
		if ps := a.Body.Check(); len(ps) > 0 {
			t.Fatalf("room %d: %v", i, ps)
		}
		docs[fmt.Sprint("room ", i)] = message(t, a, uint64(1+i))
		for j := range 5 {
			p := randomPolicy(rng, a)
			ch, err := consumer.Choose(&a.Body, p)
			if err != nil {
				t.Fatalf("room %d policy %d: %v", i, j, err)
			}
			d, orders := a.Accept(ch.Encodings)
			if d.Code != 200 || len(orders) != len(ch.Encodings) {
				t.Fatalf("room %d policy %d: configure %+v answered %v %q", i, j, ch.Encodings, d.Code, d.Reason)
			}
			if p.Budget > 0 && ch.Bitrate > p.Budget {
				t.Fatalf("room %d policy %d: %d bit/s over the budget %d", i, j, ch.Bitrate, p.Budget)
			}
			configures++
			streams += len(orders)
		}
	}
	t.Logf("%d random rooms: %d built, refused %v; %d consumer configures (%d capture encodings) all answered 200; %d advertisements to xmllint",
		n, built, refused, configures, streams, len(docs))
	if built < n*3/4 {
		t.Errorf("only %d of %d rooms built", built, n)
	}
	testenv.ValidateXML(t, protocolXSD, docs)
}

func unsupportedKind(err error) string {
	switch s := err.Error(); {
	case strings.Contains(s, "alternatives"):
		return "too many alternatives"
	case strings.Contains(s, "encodings of one device"):
		return "MCC over a shared device"
	default:
		return s
	}
}
