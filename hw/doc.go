// Package hw holds the hardware-neutral interfaces and value types of cluecam:
// video and audio sources, the frames and periods they deliver, pan-tilt-zoom
// heads, the monotonic clock they share, and the inventory that finds and opens
// devices through driver providers.
//
// The package imports the standard library only. Drivers live in
// drivers/<name> and implement these interfaces; record/playback fakes for
// tests live in hw/hwtest.
//
// # Time
//
// Every timestamp in this package is a time.Duration on CLOCK_MONOTONIC, the
// clock the Linux kernel stamps V4L2 buffers and ALSA periods with. Video and
// audio timestamps therefore share one base and can be compared directly for
// lip sync. Code never reads the wall clock for media timing; it takes a
// [Clock], so tests drive time by hand.
//
// # Buffers
//
// A [Frame] borrows the driver's buffer (an mmap'ed V4L2 buffer, a slice of an
// embedded clip, a pooled JPEG buffer). The caller hands it back with
// [Frame.Release] once the last packet carrying it has been sealed. Audio works
// the other way round: the caller owns the sample buffer and the driver fills
// it (see [AudioSource.ReadPeriod]). Neither path allocates per frame or
// period.
package hw
