package alsa

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

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
		ioctltest.OpenFail("/dev/snd/pcmC1D0c", syscall.EBUSY),
		ioctltest.OpenFail("/dev/snd/pcmC10D0c", syscall.ENOENT))
	fk := newFake(t, script...)
	p := NewProvider(&Options{Sys: fk, FS: fsys, Rates: []int{16000, 48000}, Channels: []int{1, 2}})
	devs, err := p.Scan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "hw:1,0") || !errors.Is(err, hw.ErrBusy) {
		t.Errorf("Scan error = %v, want hw:1,0 busy", err)
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
