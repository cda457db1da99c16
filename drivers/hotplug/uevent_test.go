package hotplug

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

// Uevents in the kernel's format (lib/kobject_uevent.c) for vivid's unbind
// and bind and snd-aloop's card and PCM; synthChange is verbatim what the
// kernel of a test/hw guest sent (TestKernelSocket logs it) after "change"
// was written to /sys/class/video4linux/video0/uevent.
var (
	synthChange = "change@/devices/platform/vivid.0/video4linux/video0\x00ACTION=change\x00DEVPATH=/devices/platform/vivid.0/video4linux/video0\x00SUBSYSTEM=video4linux\x00SYNTH_UUID=0\x00MAJOR=81\x00MINOR=0\x00DEVNAME=video0\x00SEQNUM=943\x00"
	vividRemove = "remove@/devices/platform/vivid.0/video4linux/video0\x00ACTION=remove\x00DEVPATH=/devices/platform/vivid.0/video4linux/video0\x00SUBSYSTEM=video4linux\x00MAJOR=81\x00MINOR=0\x00DEVNAME=video0\x00SEQNUM=1873\x00"
	vividAdd    = "add@/devices/platform/vivid.0/video4linux/video0\x00ACTION=add\x00DEVPATH=/devices/platform/vivid.0/video4linux/video0\x00SUBSYSTEM=video4linux\x00MAJOR=81\x00MINOR=0\x00DEVNAME=video0\x00SEQNUM=1880\x00"
	vividUnbind = "unbind@/devices/platform/vivid.0\x00ACTION=unbind\x00DEVPATH=/devices/platform/vivid.0\x00SUBSYSTEM=platform\x00MODALIAS=platform:vivid\x00SEQNUM=1874\x00"
	pcmAdd      = "add@/devices/platform/snd_aloop.0/sound/card0/pcmC0D0c\x00ACTION=add\x00DEVPATH=/devices/platform/snd_aloop.0/sound/card0/pcmC0D0c\x00SUBSYSTEM=sound\x00MAJOR=116\x00MINOR=3\x00DEVNAME=snd/pcmC0D0c\x00SEQNUM=900\x00"
	cardAdd     = "add@/devices/platform/snd_aloop.0/sound/card0\x00ACTION=add\x00DEVPATH=/devices/platform/snd_aloop.0/sound/card0\x00SUBSYSTEM=sound\x00SEQNUM=905\x00"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, msg                    string
		action, sub, devname, devpth string
		seq                          uint64
		node                         string
	}{
		{"synthetic change, from a guest", synthChange, ActionChange, "video4linux", "video0", "/devices/platform/vivid.0/video4linux/video0", 943, "/dev/video0"},
		{"v4l2 remove", vividRemove, ActionRemove, "video4linux", "video0", "/devices/platform/vivid.0/video4linux/video0", 1873, "/dev/video0"},
		{"v4l2 add", vividAdd, ActionAdd, "video4linux", "video0", "/devices/platform/vivid.0/video4linux/video0", 1880, "/dev/video0"},
		{"platform unbind", vividUnbind, ActionUnbind, "platform", "", "/devices/platform/vivid.0", 1874, ""},
		{"alsa pcm", pcmAdd, ActionAdd, "sound", "snd/pcmC0D0c", "/devices/platform/snd_aloop.0/sound/card0/pcmC0D0c", 900, "/dev/snd/pcmC0D0c"},
		{"alsa card, no node", cardAdd, ActionAdd, "sound", "", "/devices/platform/snd_aloop.0/sound/card0", 905, ""},
		{"no trailing NUL", strings.TrimSuffix(vividAdd, "\x00"), ActionAdd, "video4linux", "video0", "/devices/platform/vivid.0/video4linux/video0", 1880, "/dev/video0"},
		{"future action", "frob@/devices/x\x00ACTION=frob\x00DEVPATH=/devices/x\x00SUBSYSTEM=y\x00SEQNUM=1\x00", "frob", "y", "", "/devices/x", 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := Parse([]byte(tc.msg))
			if err != nil {
				t.Fatal(err)
			}
			if u.Action != tc.action || u.Subsystem != tc.sub || u.DevName != tc.devname || u.DevPath != tc.devpth || u.Seqnum != tc.seq || u.Node() != tc.node {
				t.Errorf("got %+v node %q", u, u.Node())
			}
			if u.Env["ACTION"] != tc.action {
				t.Errorf("env %v", u.Env)
			}
		})
	}
	u, _ := Parse([]byte(vividRemove))
	if got := slices.Sorted(maps.Keys(u.Env)); !slices.Equal(got, []string{"ACTION", "DEVNAME", "DEVPATH", "MAJOR", "MINOR", "SEQNUM", "SUBSYSTEM"}) {
		t.Errorf("env keys %v", got)
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ name, msg, why string }{
		{"empty", "", "not ACTION@DEVPATH"},
		{"udev monitor", "libudev\x00\xfe\xed\xca\xfe" + vividAdd, "udev monitor"},
		{"no at", "add\x00ACTION=add\x00", "not ACTION@DEVPATH"},
		{"empty devpath", "add@\x00ACTION=add\x00", "not ACTION@DEVPATH"},
		{"empty action", "@/devices/x\x00", "not ACTION@DEVPATH"},
		{"field without =", "add@/d\x00ACTION=add\x00junk\x00", "byte 18: field \"junk\""},
		{"empty key", "add@/d\x00=x\x00", "not KEY=VALUE"},
		{"repeated key", "add@/d\x00ACTION=add\x00ACTION=remove\x00", "ACTION repeated"},
		{"action disagrees", strings.Replace(vividAdd, "ACTION=add", "ACTION=remove", 1), "header says \"add\""},
		{"devpath disagrees", strings.Replace(vividAdd, "DEVPATH=/devices/platform/vivid.0/video4linux/video0", "DEVPATH=/x", 1), "DEVPATH=\"/x\""},
		{"no subsystem", strings.Replace(vividAdd, "SUBSYSTEM=video4linux\x00", "", 1), "no SUBSYSTEM"},
		{"no seqnum", strings.Replace(vividAdd, "SEQNUM=1880\x00", "", 1), "SEQNUM \"\""},
		{"bad seqnum", strings.Replace(vividAdd, "SEQNUM=1880", "SEQNUM=-1", 1), "not a number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.msg))
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.why) {
				t.Errorf("Parse: %v, want ErrMalformed saying %q", err, tc.why)
			}
		})
	}
}
