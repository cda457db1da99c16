package endpoint_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cluecam/cluecam/clue/consumer"
	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/clue/sip"
	"github.com/cluecam/cluecam/drivers/synthetic"
	"github.com/cluecam/cluecam/endpoint"
	"github.com/cluecam/cluecam/hw"
)

// watchMCC calls b as a consumer that wants only the switched MCC.
func watchMCC(t *testing.T, b *box) (*watcher, *sip.Call) {
	t.Helper()
	w := newWatcherFull(t, sip.Account{URI: "sip:alice@127.0.0.1", Password: "pw-alice"}, sip.SessionTimerOpts{}, false, false,
		func(c *endpoint.ConsumerOpts) {
			c.Video, c.Audio = 1, 0
			c.Policy = &consumer.Policy{MCCs: consumer.OnlyMCCs, Media: []string{"video"}, MaxPerMedia: map[string]int{"video": 1}}
		})
	_, call := w.dial(t, b)
	t.Cleanup(func() { call.Hangup(context.Background()) })
	return w, call
}

// seen waits until the MCC stream has shown capture id for n more packets
// than it had, and returns the new count.
func (w *watcher) seen(t *testing.T, id string, from, n int) int {
	t.Helper()
	var now int
	waitFor(t, "MCC media showing "+id, func() bool { m, _ := w.count(); now = m[id]; return now >= from+n })
	return now
}

// RoundRobin:0 shows the cameras in turn, a switch interval each, on one
// RTP stream (one SSRC, no sequence gap).
func TestRoundRobinMCC(t *testing.T) {
	b := newBoxWith(t, []sip.Caller{{URI: "sip:alice@127.0.0.1", Password: "pw-alice"}}, boxSetup{
		config: func(s string) string {
			return strings.Replace(s, "#switch_interval = \"10s\"", "switch_interval = \"1s\"", 1)
		},
	})
	w, _ := watchMCC(t, b)
	main := w.seen(t, "main", 0, 10)
	wide := w.seen(t, "wide", 0, 10)
	w.seen(t, "main", main+1, 10) // back to the first
	w.seen(t, "wide", wide+1, 10)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ssrcs["main"] != w.ssrcs["wide"] || w.seqJumps != 0 {
		t.Fatalf("SSRCs %08x/%08x, %d sequence number jumps across switches", w.ssrcs["main"], w.ssrcs["wide"], w.seqJumps)
	}
}

// mutedTone is a microphone whose talker can be silenced, and which can
// be pulled out.
type mutedTone struct {
	hw.AudioSource
	muted, gone *atomic.Bool
}

func (m mutedTone) ReadPeriod(ctx context.Context, dst []int16) (hw.Period, error) {
	if m.gone.Load() {
		return hw.Period{}, hw.ErrGone
	}
	p, err := m.AudioSource.ReadPeriod(ctx, dst)
	if m.muted.Load() {
		clear(dst)
	}
	return p, err
}

// soundLevelBox is the example box with a second microphone (for the wide
// camera) and its MCC switched by SoundLevel:0; both microphones start
// muted.
func soundLevelBox(t *testing.T) (b *box, muted, gone map[string]*atomic.Bool) {
	muted = map[string]*atomic.Bool{"synthetic:tone": new(atomic.Bool), "hw:9,0": new(atomic.Bool)}
	gone = map[string]*atomic.Bool{"synthetic:tone": new(atomic.Bool), "hw:9,0": new(atomic.Bool)}
	for _, m := range muted {
		m.Store(true)
	}
	b = newBoxWith(t, []sip.Caller{{URI: "sip:alice@127.0.0.1", Password: "pw-alice"}}, boxSetup{
		config: func(s string) string {
			s = strings.Replace(s, "policy = \"RoundRobin:0\"", "policy = \"SoundLevel:0\"\nmicrophones = [\"table-mic\", \"wide-mic\"]", 1)
			return s + "\n[[capture]]\nname = \"wide-mic\"\nmedia = \"audio\"\ndevice = \"hw:9,0\"\nscene = \"room\"\n"
		},
		devices: func(devs []hw.DeviceInfo) []hw.DeviceInfo {
			for _, d := range devs {
				if d.ID == "synthetic:tone" {
					d.ID = "hw:9,0"
					return append(devs, d)
				}
			}
			t.Fatal("no synthetic microphone")
			return nil
		},
		audio: func(ctx context.Context, o provider.Order) (hw.AudioSource, error) {
			tone, err := synthetic.NewTone(hw.SystemClock, nil)
			if err != nil || muted[o.Device] == nil {
				return tone, err
			}
			return mutedTone{tone, muted[o.Device], gone[o.Device]}, nil
		},
	})
	return b, muted, gone
}

// SoundLevel:0 shows the camera whose microphone hears speech, switching
// when the other takes over, on one RTP stream.
func TestSoundLevelMCC(t *testing.T) {
	b, muted, _ := soundLevelBox(t)
	w, _ := watchMCC(t, b)
	w.seen(t, "main", 0, 10) // nobody speaks: the first camera
	muted["hw:9,0"].Store(false)
	w.seen(t, "wide", 0, 20) // the wide camera's microphone hears speech
	before, _ := w.count()
	muted["hw:9,0"].Store(true)
	muted["synthetic:tone"].Store(false)
	main := w.seen(t, "main", before["main"], 1) // the table microphone takes over
	// One constituent at a time: once main is back, wide no longer comes.
	m, _ := w.count()
	w.seen(t, "main", main, 30)
	if m2, _ := w.count(); m2["wide"] != m["wide"] {
		t.Errorf("wide still arrives while main is shown: %d packets, then %d", m["wide"], m2["wide"])
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ssrcs["main"] != w.ssrcs["wide"] || w.seqJumps != 0 {
		t.Fatalf("SSRCs %08x/%08x, %d sequence number jumps across switches", w.ssrcs["main"], w.ssrcs["wide"], w.seqJumps)
	}
}

// A microphone that goes away while its camera is shown hears nothing
// from then on: the speaker at the other microphone takes over, though
// as loud as the last the lost one heard.
func TestSoundLevelMCCMicrophoneGone(t *testing.T) {
	b, muted, gone := soundLevelBox(t)
	w, _ := watchMCC(t, b)
	muted["hw:9,0"].Store(false)
	w.seen(t, "wide", 0, 20)
	before, _ := w.count()
	gone["hw:9,0"].Store(true)
	muted["synthetic:tone"].Store(false)
	w.seen(t, "main", before["main"], 20)
}
