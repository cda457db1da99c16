// Package watchdog drives the Linux hardware watchdog (/dev/watchdog, the
// API of include/uapi/linux/watchdog.h) so that a camera box whose capture
// pipelines stall reboots by itself.
//
// Open opens the device, asks what it supports (WDIOC_GETSUPPORT), sets the
// configured timeout (WDIOC_SETTIMEOUT) and reads back the one the driver
// granted (WDIOC_GETTIMEOUT), which may differ: hardware counters have
// their own granularity and limits. From then on the dog must be fed
// (WDIOC_KEEPALIVE) within that timeout or the board resets.
//
// A Feeder feeds it every Timeout/3 while its health check passes, and
// stops feeding (logging why) while it fails, so a stall that lasts about
// a timeout reboots the board; a check that passes again before then
// resumes the feeding and nothing happens. The usual check is a Monitor's:
// each capture pipeline registers with its frame interval and beats once
// per dequeued frame, and the Monitor is healthy while every registered
// pipeline beat within Missed frame intervals.
//
// Device.Close is the orderly shutdown: it writes the magic character 'V'
// before closing, which disarms the watchdog (unless the kernel was built
// with CONFIG_WATCHDOG_NOWAYOUT), so a clean exit does not reboot the
// board. A process that dies without Close leaves the dog armed.
//
// Every system call goes through Sys, the kernel seam drivers/v4l2 and
// drivers/alsa share (drivers/internal/ioctl), and time comes from an
// hw.Clock, so the tests replay scripted kernel sessions on a fake clock.
// The magic character is written with Sys.Write.
package watchdog
