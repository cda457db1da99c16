package watchdog

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
	"github.com/cluecam/cluecam/hw"
)

// Sys is the kernel seam (the one drivers/v4l2 and drivers/alsa share).
type Sys = ioctl.Sys

// DefaultSys returns the Sys that makes real system calls (on Linux; one
// failing every call elsewhere).
func DefaultSys() Sys { return ioctl.Default() }

// DefaultPath is the watchdog device node.
const DefaultPath = "/dev/watchdog"

// DefaultTimeout is the timeout Open asks for when Options leave it zero.
const DefaultTimeout = 15 * time.Second

// ErrClosed is returned by Keepalive after Close.
var ErrClosed = errors.New("watchdog: device closed")

// Info is struct watchdog_info: what the driver supports.
type Info struct {
	Options         uint32   // WDIOF_* bits
	FirmwareVersion uint32   // firmware version of the card
	Identity        [32]byte // NUL-terminated name
}

// Name returns the driver's identity ("Software Watchdog" for softdog).
func (i *Info) Name() string { return ioctl.CString(i.Identity[:]) }

// WDIOF_* option bits of Info.Options used here.
const (
	OptSetTimeout    = 0x0080 // WDIOF_SETTIMEOUT: the timeout can be set
	OptMagicClose    = 0x0100 // WDIOF_MAGICCLOSE: supports the magic close character
	OptKeepalivePing = 0x8000 // WDIOF_KEEPALIVEPING: WDIOC_KEEPALIVE works
)

// The requests of <linux/watchdog.h>, type 'W' (WATCHDOG_IOCTL_BASE). The
// argument of each is an int (4 bytes on every Linux ABI) or struct
// watchdog_info (40 bytes, no pointers), so the numbers are the same on
// 64-bit and 32-bit ARM.
var (
	ioctlGetSupport = ioctl.IOR('W', 0, unsafe.Sizeof(Info{}))    // WDIOC_GETSUPPORT
	ioctlKeepalive  = ioctl.IOR('W', 5, unsafe.Sizeof(int32(0)))  // WDIOC_KEEPALIVE
	ioctlSetTimeout = ioctl.IOWR('W', 6, unsafe.Sizeof(int32(0))) // WDIOC_SETTIMEOUT
	ioctlGetTimeout = ioctl.IOR('W', 7, unsafe.Sizeof(int32(0)))  // WDIOC_GETTIMEOUT
)

var names = ioctl.Names{
	ioctlGetSupport: "WDIOC_GETSUPPORT",
	ioctlKeepalive:  "WDIOC_KEEPALIVE",
	ioctlSetTimeout: "WDIOC_SETTIMEOUT",
	ioctlGetTimeout: "WDIOC_GETTIMEOUT",
}

// IoctlName names a watchdog ioctl request (for errors and test fakes).
func IoctlName(req uint32) string { return names.Name(req) }

// Options configure Open and the Feeders of the device. The zero value (or
// nil) gives the defaults.
type Options struct {
	// Path is the device node (default DefaultPath).
	Path string
	// Sys is the kernel seam (nil: DefaultSys()).
	Sys Sys
	// Timeout is the timeout asked for, rounded up to whole seconds
	// (default DefaultTimeout). The driver may grant another one; see
	// Device.Timeout. A device that cannot set its timeout keeps its own.
	Timeout time.Duration
	// Clock paces Feeders (nil: hw.SystemClock).
	Clock hw.Clock
	// Log receives the Feeder's diagnostics: why it stopped feeding, when
	// it resumed, failed keepalives (nil: discarded).
	Log *slog.Logger
}

// Device is an open watchdog. Its methods may be called from any
// goroutine.
type Device struct {
	sys     Sys
	path    string
	clock   hw.Clock
	log     *slog.Logger
	info    Info
	timeout time.Duration

	mu     sync.Mutex
	fd     int
	closed bool
}

// Open opens the watchdog, which arms it, and sets its timeout. Errors name
// the device path; a missing node is hw.ErrNotFound, one another process
// holds (the kernel allows one opener) hw.ErrBusy. When a step after the
// open fails, Open disarms the dog again (magic close) before returning.
func Open(opts *Options) (*Device, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if o.Sys == nil {
		o.Sys = DefaultSys()
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Clock == nil {
		o.Clock = hw.SystemClock
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	fd, err := o.Sys.Open(o.Path)
	if err != nil {
		return nil, wrap(o.Path, "open", ioctl.OpenError(err))
	}
	d := &Device{sys: o.Sys, path: o.Path, clock: o.Clock, log: o.Log, fd: fd}
	if err := d.setup(o.Timeout); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *Device) setup(want time.Duration) error {
	if err := d.ioctl(ioctlGetSupport, unsafe.Pointer(&d.info)); err != nil {
		return err
	}
	if d.info.Options&OptSetTimeout != 0 {
		secs := int32((want + time.Second - 1) / time.Second)
		if err := d.ioctl(ioctlSetTimeout, unsafe.Pointer(&secs)); err != nil {
			return err
		}
	}
	var secs int32
	if err := d.ioctl(ioctlGetTimeout, unsafe.Pointer(&secs)); err != nil {
		return err
	}
	if secs <= 0 {
		return wrap(d.path, "WDIOC_GETTIMEOUT", fmt.Errorf("driver reports a timeout of %d s", secs))
	}
	d.timeout = time.Duration(secs) * time.Second
	return nil
}

func (d *Device) ioctl(req uint32, arg unsafe.Pointer) error {
	if err := d.sys.Ioctl(d.fd, req, arg); err != nil {
		return wrap(d.path, IoctlName(req), err)
	}
	return nil
}

// Path returns the device node.
func (d *Device) Path() string { return d.path }

// Info returns what the driver said it supports.
func (d *Device) Info() Info { return d.info }

// Timeout returns the timeout the driver granted: the dog must be fed
// within it.
func (d *Device) Timeout() time.Duration { return d.timeout }

// Keepalive feeds the dog once (WDIOC_KEEPALIVE).
func (d *Device) Keepalive() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	var dummy int32
	return d.ioctl(ioctlKeepalive, unsafe.Pointer(&dummy))
}

// Close disarms the watchdog with the magic close: it writes 'V', then
// closes the device, so the board does not reboot. A failed write is
// reported (the dog may still be armed) but the device is closed anyway.
// Close is idempotent.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	_, werr := d.sys.Write(d.fd, []byte{'V'})
	cerr := d.sys.Close(d.fd)
	if werr != nil {
		return wrap(d.path, "magic close", werr)
	}
	if cerr != nil {
		return wrap(d.path, "close", cerr)
	}
	return nil
}

func wrap(path, op string, err error) error {
	return fmt.Errorf("watchdog: %s: %s: %w", path, op, err)
}
