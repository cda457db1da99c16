package alsa

import "golang.org/x/sys/unix"

// Errnos ALSA returns that not every GOOS's syscall package names.
const (
	errSTRPIPE = unix.ESTRPIPE // suspended
	errBADFD   = unix.EBADFD   // PCM in the wrong state
)
