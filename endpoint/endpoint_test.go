package endpoint_test

import (
	"context"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cluecam/cluecam/board/appliance"
	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/clue/consumer"
	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/clue/sip"
	"github.com/cluecam/cluecam/endpoint"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/media/transport"
)

func testLog(t testing.TB) *slog.Logger {
	if os.Getenv("ENDPOINT_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

var loopback = netip.MustParseAddr("127.0.0.1")

// box is the example configuration's box (synthetic devices) as a CLUE
// Media Provider behind a SIP UA with digest authentication.
type box struct {
	ep  *endpoint.Endpoint
	hub *endpoint.Hub
	ua  *sip.UA
	adv *provider.Advertisement
	// gone pulls a camera out: its reads fail with hw.ErrGone.
	gone map[string]*atomic.Bool
}

// boxOpt adjusts a test box's endpoint or SIP options.
type boxOpt func(*endpoint.Options, *sip.Opts)

func withConsent(d time.Duration) boxOpt {
	return func(o *endpoint.Options, _ *sip.Opts) { o.ConsentTimeout = d }
}

func withShortSessions() boxOpt {
	return func(_ *endpoint.Options, o *sip.Opts) {
		o.SessionTimer = sip.SessionTimerOpts{Expires: 2 * time.Second, MinSE: time.Second, AllowShort: true}
	}
}

func newBox(t *testing.T, callers []sip.Caller, opts ...boxOpt) *box {
	t.Helper()
	return newBoxWith(t, callers, boxSetup{}, opts...)
}

// boxSetup changes the example box for a test: its configuration text,
// the devices its inventory reports, and how microphones open.
type boxSetup struct {
	config  func(string) string
	devices func([]hw.DeviceInfo) []hw.DeviceInfo
	audio   func(ctx context.Context, o provider.Order) (hw.AudioSource, error)
}

func newBoxWith(t *testing.T, callers []sip.Caller, set boxSetup, opts ...boxOpt) *box {
	t.Helper()
	text := config.Example
	if set.config != nil {
		text = set.config(text)
	}
	cfg, err := config.Parse("example.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	inv := appliance.NewInventory(cfg, hw.SystemClock)
	ctx := context.Background()
	devs, err := inv.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if set.devices != nil {
		devs = set.devices(devs)
	}
	caps, err := appliance.Bind(cfg, devs)
	if err != nil {
		t.Fatal(err)
	}
	room := appliance.NewRoom(cfg, caps, devs, appliance.HomePositions(cfg))
	adv, err := provider.Build(&room)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := transport.LoadOrCreateCertificate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	gone := map[string]*atomic.Bool{}
	for _, d := range devs {
		gone[d.ID] = new(atomic.Bool)
	}
	open := endpoint.Opener{
		Video: func(ctx context.Context, o provider.Order) (hw.VideoSource, error) {
			src, err := inv.OpenVideo(ctx, o.Device)
			if err != nil || gone[o.Device] == nil {
				return src, err
			}
			return unpluggable{src, gone[o.Device]}, nil
		},
		Audio: func(ctx context.Context, o provider.Order) (hw.AudioSource, error) {
			return inv.OpenAudio(ctx, o.Device)
		},
	}
	if set.audio != nil {
		open.Audio = set.audio
	}
	b := &box{hub: endpoint.NewHub(open, testLog(t)), adv: adv, gone: gone}
	t.Cleanup(b.hub.Close)
	eo := endpoint.Options{
		Log: testLog(t).With("side", "box"), Certificate: cert, MediaAddr: loopback,
		Provider: &endpoint.ProviderOpts{
			Advertisement: func(context.Context) (*provider.Advertisement, error) { return adv, nil },
			Hub:           b.hub,
		},
	}
	so := &sip.Opts{Logger: testLog(t).With("side", "box-sip"), Callers: callers}
	for _, o := range opts {
		o(&eo, so)
	}
	b.ep, err = endpoint.New(eo)
	if err != nil {
		t.Fatal(err)
	}
	b.ua, err = sip.New(b.ep, so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.ua.Close() })
	if _, err := b.ua.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return b
}

// watcher is the far end: a CLUE Media Consumer that counts what arrives.
type watcher struct {
	ep *endpoint.Endpoint
	ua *sip.UA

	mu      sync.Mutex
	events  []endpoint.Event
	packets map[string]int    // by CaptId value
	mids    map[string]string // CaptId → the MID its packets carried
	ssrcs   map[string]uint32 // CaptId → the SSRC its last packet had
	lastSeq map[uint32]uint16 // SSRC → its last sequence number
	// seqJumps: packets whose sequence number went back or leapt ahead
	// (by 1000 or more) instead of continuing. A few numbers skipped
	// are frames the send queue dropped under load, and are not counted.
	seqJumps int
	noCapt   int
	noMID    int
	evCh     chan endpoint.Event
}

func newWatcher(t *testing.T, account sip.Account, noICE ...bool) *watcher {
	return newWatcherOpts(t, account, sip.SessionTimerOpts{}, noICE...)
}

// newWatcherOpts is newWatcher with the watcher's session timer.
func newWatcherOpts(t *testing.T, account sip.Account, timer sip.SessionTimerOpts, noICE ...bool) *watcher {
	return newWatcherFull(t, account, timer, len(noICE) > 0 && noICE[0], false, nil)
}

// newWatcherFull is a watcher with every option: its session timer, and
// offers without ICE or without BUNDLE.
func newWatcherFull(t *testing.T, account sip.Account, timer sip.SessionTimerOpts, noICE, noBundle bool, mod func(*endpoint.ConsumerOpts)) *watcher {
	t.Helper()
	cert, err := transport.LoadOrCreateCertificate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := &watcher{packets: map[string]int{}, mids: map[string]string{}, ssrcs: map[string]uint32{},
		lastSeq: map[uint32]uint16{}, evCh: make(chan endpoint.Event, 64)}
	wo := endpoint.Options{
		Log: testLog(t).With("side", "watcher"), Certificate: cert, MediaAddr: loopback,
		NoICE: noICE, NoBundle: noBundle,
		Consumer: &endpoint.ConsumerOpts{Video: 2, Audio: 1,
			OnPacket: func(_ *sip.Call, p endpoint.Packet) {
				w.mu.Lock()
				if p.CaptID == nil {
					w.noCapt++
				} else {
					w.packets[string(p.CaptID)]++
					w.ssrcs[string(p.CaptID)] = p.SSRC
				}
				if last, ok := w.lastSeq[p.SSRC]; ok && p.Seq-last-1 >= 1000 {
					w.seqJumps++
				}
				w.lastSeq[p.SSRC] = p.Seq
				if p.MID == nil {
					w.noMID++
				} else if p.CaptID != nil {
					if old, ok := w.mids[string(p.CaptID)]; ok && old != string(p.MID) {
						w.mids[string(p.CaptID)] = "changing: " + old + " " + string(p.MID)
					} else if !ok {
						w.mids[string(p.CaptID)] = string(p.MID)
					}
				}
				w.mu.Unlock()
			},
			OnEvent: func(_ *sip.Call, ev endpoint.Event) {
				w.mu.Lock()
				w.events = append(w.events, ev)
				w.mu.Unlock()
				select {
				case w.evCh <- ev:
				default:
				}
			},
		},
	}
	if mod != nil {
		mod(wo.Consumer)
	}
	w.ep, err = endpoint.New(wo)
	if err != nil {
		t.Fatal(err)
	}
	w.ua, err = sip.New(w.ep, &sip.Opts{Logger: testLog(t).With("side", "watcher-sip"), Account: account, AllowUnauthenticated: true,
		SessionTimer: timer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.ua.Close() })
	if _, err := w.ua.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *watcher) count() (map[string]int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := map[string]int{}
	for k, v := range w.packets {
		m[k] = v
	}
	return m, w.noCapt
}

// dial calls the box over TCP (CLUE offers exceed 1300 bytes, RFC 3261
// §18.1.1) and returns the established call and a context bounding the
// test.
func (w *watcher) dial(t *testing.T, b *box) (context.Context, *sip.Call) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	call, err := w.ua.Dial(ctx, "sip:cluecam@"+b.ua.Addr("tcp").String()+";transport=tcp")
	if err != nil {
		t.Fatal(err)
	}
	return ctx, call
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCallConfigureStream is a whole CLUE call between two of our
// endpoints: SIP with digest, SDP offer/answer with the data channel and
// inactive encoding lines, ICE-lite, DTLS-SRTP, the CLUE channel and
// protocol (options, advertisement, configure), the box's re-INVITE making
// the configured lines sendonly, SRTP media carrying the configured
// captureID in CaptId, and media stopping with the BYE.
func TestCallConfigureStream(t *testing.T) {
	t.Run("ICE", func(t *testing.T) { testCall(t, false, false) })
	// A peer without ICE: DTLS starts at the SDP addresses, media flows
	// only once the handshake verified the fingerprints.
	t.Run("no ICE", func(t *testing.T) { testCall(t, true, false) })
	// A peer without BUNDLE: every line its own socket, checks and DTLS
	// association, on both sides.
	t.Run("no BUNDLE", func(t *testing.T) { testCall(t, false, true) })
}

func testCall(t *testing.T, noICE, noBundle bool) {
	b := newBox(t, []sip.Caller{{URI: "sip:alice@127.0.0.1", Password: "pw-alice"}})
	w := newWatcherFull(t, sip.Account{URI: "sip:alice@127.0.0.1", Password: "pw-alice"}, sip.SessionTimerOpts{}, noICE, noBundle, nil)

	ctx, call := w.dial(t, b)
	if !strings.Contains(string(call.RemoteSDP()), "a=group:CLUE") {
		t.Fatalf("answer without a CLUE group:\n%s", call.RemoteSDP())
	}
	if !strings.Contains(string(call.RemoteSDP()), "a=inactive") {
		t.Fatalf("encoding lines are not inactive before a configure:\n%s", call.RemoteSDP())
	}
	waitFor(t, "configured", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, ev := range w.events {
			if ev.Kind == "configured" {
				return true
			}
		}
		return false
	})
	// Both cameras and the microphone, each tagged with its captureID.
	waitFor(t, "media of every configured capture", func() bool {
		m, _ := w.count()
		return m["main"] >= 30 && m["wide"] >= 30 && m["table-mic"] >= 30
	})
	got, none := w.count()
	for id := range got {
		if _, ok := b.adv.Source(id); !ok {
			t.Errorf("CaptId %q is not a captureID of the advertisement", id)
		}
	}
	if none != 0 {
		t.Errorf("%d packets without CaptId", none)
	}
	// RFC 9143 §9.2: with BUNDLE every packet names its m-line, one line
	// per capture; without, the transport does and no MID is sent.
	w.mu.Lock()
	if noBundle {
		if len(w.mids) != 0 {
			t.Errorf("MIDs without BUNDLE: %v", w.mids)
		}
	} else if w.noMID != 0 || len(w.mids) != 3 || w.mids["main"] == w.mids["wide"] || w.mids["main"] == w.mids["table-mic"] {
		t.Errorf("MIDs by capture %v, %d packets without", w.mids, w.noMID)
	}
	w.mu.Unlock()
	if !strings.Contains(string(call.RemoteSDP()), "a=sendonly") {
		t.Errorf("after the re-INVITE no line is sendonly:\n%s", call.RemoteSDP())
	}
	if len(b.hub.Active()) == 0 {
		t.Fatal("no capture streaming on the box")
	}

	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "box session gone", func() bool { return b.ep.Calls() == 0 })
	if a := b.hub.Active(); len(a) != 0 {
		t.Fatalf("captures still streaming after the call: %v", a)
	}
}

// TestPeerVanishes: the consumer's media side disappears without a BYE
// (its socket closes, as when a laptop drops off the network). The box
// loses consent (RFC 7675: no checks for ConsentTimeout), stops sending at
// once, releases the capture and hangs up.
func TestPeerVanishes(t *testing.T) {
	b := newBox(t, []sip.Caller{{URI: "sip:alice@127.0.0.1", Password: "pw-alice"}}, withConsent(8*time.Second))
	w := newWatcher(t, sip.Account{URI: "sip:alice@127.0.0.1", Password: "pw-alice"})
	ctx, call := w.dial(t, b)
	waitFor(t, "media", func() bool { m, _ := w.count(); return m["main"] > 30 })
	w.ep.Close() // media gone, SIP still up
	waitFor(t, "the box to end the call", func() bool { return b.ep.Calls() == 0 })
	if a := b.hub.Active(); len(a) != 0 {
		t.Fatalf("captures still streaming: %v", a)
	}
	select {
	case <-call.Done():
		if call.Reason() != sip.ReasonRemoteBye {
			t.Errorf("call ended: %v", call.Reason())
		}
	case <-ctx.Done():
		t.Fatal("the box never sent BYE")
	}
}

// TestReadvertiseDuringCall: when the room changes mid-call (a head came
// to rest, a camera went), every active CLUE session gets the new
// advertisement (RFC 8847 §5.3) and the consumer configures again; media
// goes on.
func TestReadvertiseDuringCall(t *testing.T) {
	b := newBox(t, []sip.Caller{{URI: "sip:alice@127.0.0.1", Password: "pw-alice"}})
	w := newWatcher(t, sip.Account{URI: "sip:alice@127.0.0.1", Password: "pw-alice"})
	ctx, call := w.dial(t, b)
	defer call.Hangup(ctx)
	count := func(kind string) int {
		w.mu.Lock()
		defer w.mu.Unlock()
		n := 0
		for _, ev := range w.events {
			if ev.Kind == kind {
				n++
			}
		}
		return n
	}
	waitFor(t, "configured", func() bool { return count("configured") == 1 })
	b.ep.Readvertise(b.adv)
	waitFor(t, "second advertisement and configure", func() bool { return count("advertisement") == 2 && count("configured") == 2 })
	before, _ := w.count()
	waitFor(t, "media after the new configure", func() bool { m, _ := w.count(); return m["main"] > before["main"]+30 })
}

// TestSessionRefreshKeepsMedia: the caller refreshes the session (RFC
// 4028) every second with a re-INVITE carrying a new offer; the box
// answers it from the same negotiation, so the DTLS association, the
// CLUE session and the media all carry on through the refreshes.
func TestSessionRefreshKeepsMedia(t *testing.T) {
	b := newBox(t, []sip.Caller{{URI: "sip:alice@127.0.0.1", Password: "pw-alice"}}, withShortSessions())
	w := newWatcherOpts(t, sip.Account{URI: "sip:alice@127.0.0.1", Password: "pw-alice"},
		sip.SessionTimerOpts{Expires: 2 * time.Second, MinSE: time.Second, AllowShort: true})
	ctx, call := w.dial(t, b)
	defer call.Hangup(ctx)
	if se, refresher := call.SessionExpires(); se != 2*time.Second || !refresher {
		t.Fatalf("session interval %v, we refresh: %v", se, refresher)
	}
	waitFor(t, "media", func() bool { m, _ := w.count(); return m["main"] > 30 })
	version := func() string { // the o= version of the last offer we sent
		for _, l := range strings.Split(string(call.LocalSDP()), "\r\n") {
			if strings.HasPrefix(l, "o=") {
				return l
			}
		}
		return ""
	}
	// Our SDP versions: 1 the INVITE's offer, 2 the answer to the box's
	// re-INVITE after the configure, then one per refresh (RFC 3264 §8).
	waitFor(t, "two refreshes", func() bool {
		o := strings.Fields(version())
		v, _ := strconv.Atoi(o[len(o)-4])
		return v >= 4
	})
	before, _ := w.count()
	waitFor(t, "media after the refreshes", func() bool { m, _ := w.count(); return m["main"] > before["main"]+30 })
	if call.State() == sip.StateEnded {
		t.Fatalf("call ended: %v", call.Reason())
	}
	if b.ep.Calls() != 1 {
		t.Fatalf("box sessions: %d", b.ep.Calls())
	}
}

// TestSwitchedMCC: a consumer that wants only MCCs configures the box's
// switched MCC "speaker" (main, wide). It arrives as its own RTP stream
// whose packets name the constituent shown (CaptId main); when that
// camera is pulled out the MCC goes on from the next constituent (CaptId
// wide, now JPEG) on the same SSRC with unbroken sequence numbers.
func TestSwitchedMCC(t *testing.T) {
	b := newBox(t, []sip.Caller{{URI: "sip:alice@127.0.0.1", Password: "pw-alice"}})
	w := newWatcherFull(t, sip.Account{URI: "sip:alice@127.0.0.1", Password: "pw-alice"}, sip.SessionTimerOpts{}, false, false,
		func(c *endpoint.ConsumerOpts) {
			c.Video, c.Audio = 1, 0
			c.Policy = &consumer.Policy{MCCs: consumer.OnlyMCCs, Media: []string{"video"}, MaxPerMedia: map[string]int{"video": 1}}
		})
	_, call := w.dial(t, b)
	defer call.Hangup(context.Background())
	waitFor(t, "MCC media showing main", func() bool { m, _ := w.count(); return m["main"] > 30 })
	w.mu.Lock()
	ssrc := w.ssrcs["main"]
	w.mu.Unlock()
	for _, id := range b.hub.Active() {
		if id == "wide" {
			t.Fatalf("wide streams before it is shown: %v", b.hub.Active())
		}
	}

	b.gone["synthetic:h264"].Store(true)
	waitFor(t, "MCC media showing wide", func() bool { m, _ := w.count(); return m["wide"] > 30 })
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ssrcs["wide"] != ssrc {
		t.Fatalf("the MCC changed SSRC on the switch: %08x then %08x", ssrc, w.ssrcs["wide"])
	}
	if w.seqJumps != 0 {
		t.Fatalf("%d sequence number jumps across the switch", w.seqJumps)
	}
}
