package alsa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cluecam/cluecam/drivers/hotplug"
	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
	"github.com/cluecam/cluecam/hw"
)

const cardsText = ` 0 [Loopback       ]: Loopback - Loopback
                      Loopback 1
 1 [Dummy          ]: Dummy - Dummy
                      Dummy 1
`

func TestProvider(t *testing.T) {
	fsys := fstest.MapFS{
		"proc/asound/cards":   {Data: []byte(cardsText)},
		"dev/snd/pcmC0D0c":    {},
		"dev/snd/pcmC0D0p":    {},
		"dev/snd/pcmC0D1c":    {},
		"dev/snd/pcmC1D0c":    {},
		"dev/snd/pcmC10D0c":   {},
		"dev/snd/controlC0":   {},
		"dev/snd/pcmC0D01c":   {},
		"dev/snd/timer":       {},
		"dev/snd/pcmCxD0c":    {},
		"dev/snd/by-path/foo": {},
	}
	script := append([]ioctltest.Step{ioctltest.OpenStep(pcmPath, pcmFd)}, probeSteps(pcmFd, "Loopback PCM")...)
	script = append(script, ioctltest.CloseStep(pcmFd), ioctltest.OpenStep("/dev/snd/pcmC0D1c", 21))
	// Device 1 takes no S16_LE interleaved capture: not listed.
	script = append(script,
		ioctltest.Call(21, ioctlPVersion, int32(0), int32(protocolVersion)),
		ioctltest.Call(21, ioctlInfo, pcmInfo{stream: streamCapture}, pcmInfo{stream: streamCapture}),
		ioctltest.Fail(21, ioctlHwRefine, basic(), syscall.EINVAL),
		ioctltest.CloseStep(21),
		ioctltest.OpenFail("/dev/snd/pcmC1D0c", syscall.EBUSY))
	fk := newFake(t, script...)
	p := NewProvider(&Options{Sys: fk, FS: fsys, Rates: []int{16000, 48000}, Channels: []int{1, 2}})
	devs, err := p.Scan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "hw:1,0") || !errors.Is(err, hw.ErrBusy) {
		t.Errorf("Scan error = %v, want hw:1,0 busy", err)
	}
	// Card 10 has a node but is not listed yet: not opened, reported.
	if err == nil || !strings.Contains(err.Error(), "hw:10,0: card 10 not in /proc/asound/cards yet") {
		t.Errorf("Scan error = %v, want card 10 not ready", err)
	}
	if len(devs) != 1 {
		t.Fatalf("Scan = %+v", devs)
	}
	d := devs[0]
	if d.ID != "hw:0,0" || d.Driver != "alsa" || d.Name != "Loopback: Loopback PCM" || d.Location != "Loopback" || d.Kind != hw.KindAudio ||
		len(d.Formats) != 3 || d.Formats[0] != mono16 || d.Formats[2] != stereo48 {
		t.Errorf("device = %+v", d)
	}
	fk.Add(openSteps()...)
	src, err := p.OpenAudio(context.Background(), "hw:0,0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.OpenAudio(context.Background(), "hw:0"); !errors.Is(err, hw.ErrBusy) {
		t.Errorf("second open: %v", err)
	}
	fk.Add(ioctltest.CloseStep(pcmFd))
	src.Close()
	fk.Add(openSteps()...)
	src, err = p.OpenAudio(context.Background(), "hw:0,0")
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	fk.Add(ioctltest.CloseStep(pcmFd))
	src.Close()
	if _, err := p.OpenVideo(context.Background(), "hw:0,0"); !errors.Is(err, hw.ErrWrongKind) {
		t.Errorf("OpenVideo: %v", err)
	}
	for _, id := range []string{"default", "plughw:0,0", "hw:a,0", "hw:0,-1", "/dev/video0"} {
		if _, err := p.OpenAudio(context.Background(), id); !errors.Is(err, hw.ErrNotFound) {
			t.Errorf("OpenAudio(%q): %v", id, err)
		}
	}
	if _, err := p.OpenPTZ(context.Background(), "x"); !errors.Is(err, hw.ErrNotFound) {
		t.Errorf("OpenPTZ: %v", err)
	}
}

func TestNoSoundcards(t *testing.T) {
	fk := newFake(t)
	p := NewProvider(&Options{Sys: fk, FS: fstest.MapFS{"proc/asound/cards": {Data: []byte("--- no soundcards ---\n")}}})
	devs, err := p.Scan(context.Background())
	if err != nil || len(devs) != 0 {
		t.Errorf("Scan = %v, %v", devs, err)
	}
	if cs := ParseCards([]byte("--- no soundcards ---\n")); len(cs) != 0 {
		t.Errorf("ParseCards = %v", cs)
	}
}

func TestParseCards(t *testing.T) {
	cs := ParseCards([]byte(cardsText + " 2 [U0x46d0x825   ]: USB-Audio - USB Device 0x46d:0x825\n                      USB Device 0x46d:0x825 at usb-3f980000.usb-1.3, high speed\n"))
	if len(cs) != 3 {
		t.Fatalf("ParseCards = %+v", cs)
	}
	want := Card{Index: 2, ID: "U0x46d0x825", Driver: "USB-Audio", Name: "USB Device 0x46d:0x825", LongName: "USB Device 0x46d:0x825 at usb-3f980000.usb-1.3, high speed"}
	if cs[2] != want || cs[0].ID != "Loopback" || cs[1].LongName != "Dummy 1" {
		t.Errorf("ParseCards = %+v", cs)
	}
}

// uevents is a scripted hotplug.Source; Close wakes a blocked Read.
type uevents struct {
	in     chan string
	closed chan struct{}
}

func (u *uevents) Read() (hotplug.Uevent, error) {
	select {
	case m := <-u.in:
		return hotplug.Parse([]byte(m))
	case <-u.closed:
		return hotplug.Uevent{}, hw.ErrClosed
	}
}
func (u *uevents) Close() error { close(u.closed); return nil }

func pcmUevent(action string, seq int) string {
	p := "/devices/platform/snd_aloop.0/sound/card0/pcmC0D0c"
	return fmt.Sprintf("%s@%s\x00ACTION=%s\x00DEVPATH=%s\x00SUBSYSTEM=sound\x00MAJOR=116\x00MINOR=3\x00DEVNAME=snd/pcmC0D0c\x00SEQNUM=%d\x00", action, p, action, p, seq)
}

// TestProviderWatch: the PCM open through the provider stays listed (Scan
// does not try to open it again, which would fail with EBUSY), its remove
// uevent reports it gone, and an add makes the provider probe it again.
func TestProviderWatch(t *testing.T) {
	fsys := fstest.MapFS{"proc/asound/cards": {Data: []byte(cardsText)}, "dev/snd/pcmC0D0c": {}}
	fk := newFake(t, openSteps()...)
	src := &uevents{in: make(chan string), closed: make(chan struct{})}
	ready := make(chan struct{})
	p := NewProvider(&Options{Sys: fk, FS: fsys, Rates: []int{16000, 48000}, Channels: []int{1, 2},
		Hotplug: &hotplug.Options{Open: func() (hotplug.Source, error) { return src, nil }, Ready: func() { close(ready) }}})
	c, err := p.OpenAudio(context.Background(), "hw:0,0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan hw.Event, 4)
	done := make(chan error, 1)
	go func() { done <- p.Watch(ctx, events) }()
	<-ready // the first scan listed hw:0,0 without opening it
	next := func(want string) {
		t.Helper()
		select {
		case e := <-events:
			if got := e.Kind.String() + " " + e.Device.ID; got != want || len(e.Device.Formats) == 0 {
				t.Errorf("event %s %+v, want %s", got, e.Device, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no event, want %s", want)
		}
	}
	src.in <- pcmUevent("remove", 1)
	next("removed hw:0,0")
	fk.Add(ioctltest.CloseStep(pcmFd))
	c.Close()
	fk.Add(ioctltest.OpenStep(pcmPath, pcmFd))
	fk.Add(probeSteps(pcmFd, "Loopback PCM")...)
	fk.Add(ioctltest.CloseStep(pcmFd))
	src.in <- pcmUevent("add", 2)
	next("added hw:0,0")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Watch: %v", err)
	}
}
