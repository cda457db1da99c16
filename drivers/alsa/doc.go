// Package alsa is cluecam's ALSA capture driver: microphones and line
// inputs as hw.AudioSource, spoken to through the PCM ioctls of
// <sound/asound.h> without alsa-lib (no cgo, no Go module exists for it).
//
// Provider (NewProvider) lists each capture PCM /dev/snd/pcmC<c>D<d>c as
// "hw:<c>,<d>", named from /proc/asound/cards and SNDRV_PCM_IOCTL_INFO, with
// the rates and channel counts it takes in S16_LE interleaved, each checked
// with HW_REFINE. Capture (OpenCapture) sets HW_PARAMS and SW_PARAMS,
// PREPAREs and STARTs, and reads each period with READI_FRAMES into the
// caller's buffer (looping on short reads), allocating nothing. Periods are
// stamped on CLOCK_MONOTONIC from SNDRV_PCM_IOCTL_DELAY, like V4L2 frames;
// an overrun (EPIPE) is recovered with PREPARE and START and flagged
// hw.PeriodDiscontinuity. Provider.Watch (hw.Watcher) reports PCMs that
// come and go from the kernel's uevents (drivers/hotplug); a capture whose
// card is disconnected under it fails its read with hw.ErrGone.
//
// Every system call goes through Sys, the seam drivers/v4l2 shares
// (drivers/internal/ioctl), and the tests replay scripted sessions ioctl by
// ioctl (drivers/internal/ioctl/ioctltest). The structs are written out
// per ABI: snd_pcm_hw_params is 604 bytes on 32-bit ARM and 608 on 64-bit,
// and uapi_test.go pins sizes and ioctl numbers. Time-dependent structs
// (status, sync_ptr, mmap_status) are not used.
package alsa
