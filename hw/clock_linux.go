package hw

import (
	"syscall"
	"time"
	"unsafe"
)

// clockMonotonic is CLOCK_MONOTONIC from <linux/time.h>.
const clockMonotonic = 1

// monotonicNow reads CLOCK_MONOTONIC once with clock_gettime(2). The time32
// variant on 32-bit ARM is fine: it is the kernel's monotonic clock, which
// does not overflow 32-bit seconds for 68 years of uptime.
func monotonicNow() time.Duration {
	var ts syscall.Timespec
	_, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
