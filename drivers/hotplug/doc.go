// Package hotplug tells drivers when device nodes come and go: it reads
// the kernel's uevents from a NETLINK_KOBJECT_UEVENT socket (the messages
// udev gets, without udev), parses them, and turns the ones of a
// subsystem ("video4linux", "sound") into hw.Events for a provider, so the
// provider implements hw.Watcher.
//
// Nothing polls: Socket.Read blocks in the Go runtime's netpoller until
// the kernel sends a message, and Close wakes it. A remove uevent is
// authoritative (every device using the node is reported gone); an add
// makes the provider scan again and reports the IDs that are new. A scan
// that fails (a node that is not yet usable when its uevent arrives) is
// retried a few times with backoff; a socket overrun (ENOBUFS: events were
// lost) resynchronises by scanning.
//
// The kernel side is lib/kobject_uevent.c: each message is
// "ACTION@DEVPATH\0" then "KEY=VALUE\0" fields, sent to multicast group 1
// of NETLINK_KOBJECT_UEVENT (Documentation/ABI/testing/sysfs-uevent).
// devtmpfs creates a node before the add uevent is sent and deletes it
// before the remove (drivers/base/core.c device_add, device_del), so the
// node is there when an add arrives and gone when a remove does.
package hotplug
