package hotplug

import (
	"bytes"
	"fmt"
	"strconv"
)

// Uevent actions (lib/kobject_uevent.c kobject_actions).
const (
	ActionAdd     = "add"
	ActionRemove  = "remove"
	ActionChange  = "change"
	ActionMove    = "move"
	ActionOnline  = "online"
	ActionOffline = "offline"
	ActionBind    = "bind"
	ActionUnbind  = "unbind"
)

// Uevent is one kernel uevent.
type Uevent struct {
	Action    string // ActionAdd, ActionRemove, …; other strings from newer kernels are kept
	DevPath   string // the kobject's path below /sys: "/devices/platform/vivid.0/video4linux/video0"
	Subsystem string // "video4linux", "sound", …
	// DevName is the node below /dev ("video0", "snd/pcmC0D0c"), "" for
	// devices without one (an ALSA card).
	DevName string
	Seqnum  uint64
	// Env holds every KEY=VALUE field, the ones above included.
	Env map[string]string
}

// Node is the device node's path ("/dev/video0"), or "" without one.
func (u Uevent) Node() string {
	if u.DevName == "" {
		return ""
	}
	return "/dev/" + u.DevName
}

// udevMagic starts the messages udevd re-broadcasts on group 2
// (libudev's monitor format): not the kernel's, and not parsed here.
var udevMagic = []byte("libudev\x00")

// Parse parses one kernel uevent message: "ACTION@DEVPATH\0" then
// "KEY=VALUE\0" fields. It checks that ACTION and DEVPATH agree with the
// header and that SUBSYSTEM and a numeric SEQNUM are present. Errors wrap
// ErrMalformed and say at which byte.
func Parse(b []byte) (Uevent, error) {
	bad := func(off int, format string, args ...any) (Uevent, error) {
		return Uevent{}, fmt.Errorf("%w: byte %d: %s", ErrMalformed, off, fmt.Sprintf(format, args...))
	}
	if bytes.HasPrefix(b, udevMagic) {
		return bad(0, "udev monitor message, not a kernel uevent")
	}
	end := bytes.IndexByte(b, 0)
	if end < 0 {
		end = len(b)
	}
	head := b[:end]
	at := bytes.IndexByte(head, '@')
	if at <= 0 || at == len(head)-1 {
		return bad(0, "header %q is not ACTION@DEVPATH", clip(head))
	}
	u := Uevent{Env: map[string]string{}}
	action, devpath := string(head[:at]), string(head[at+1:])
	for off := end + 1; off < len(b); {
		n := bytes.IndexByte(b[off:], 0)
		if n < 0 {
			n = len(b) - off
		}
		field := b[off : off+n]
		if len(field) > 0 {
			eq := bytes.IndexByte(field, '=')
			if eq <= 0 {
				return bad(off, "field %q is not KEY=VALUE", clip(field))
			}
			k := string(field[:eq])
			if _, dup := u.Env[k]; dup {
				return bad(off, "field %s repeated", k)
			}
			u.Env[k] = string(field[eq+1:])
		}
		off += n + 1
	}
	var ok bool
	if u.Action, ok = u.Env["ACTION"]; !ok || u.Action != action {
		return bad(0, "ACTION=%q, header says %q", u.Action, action)
	}
	if u.DevPath, ok = u.Env["DEVPATH"]; !ok || u.DevPath != devpath {
		return bad(0, "DEVPATH=%q, header says %q", u.DevPath, devpath)
	}
	if u.Subsystem = u.Env["SUBSYSTEM"]; u.Subsystem == "" {
		return bad(end+1, "no SUBSYSTEM")
	}
	seq, err := strconv.ParseUint(u.Env["SEQNUM"], 10, 64)
	if err != nil {
		return bad(end+1, "SEQNUM %q: not a number", u.Env["SEQNUM"])
	}
	u.Seqnum = seq
	u.DevName = u.Env["DEVNAME"]
	return u, nil
}

// clip shortens what an error quotes.
func clip(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
