//go:build !linux

package alsa

import "syscall"

// The Linux values of the errnos ALSA returns (ALSA exists on Linux only;
// elsewhere they only travel between the tests' fake and the driver).
const (
	errSTRPIPE = syscall.Errno(86)
	errBADFD   = syscall.Errno(77)
)
