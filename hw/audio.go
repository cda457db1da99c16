package hw

import (
	"context"
	"time"
)

// AudioConfig selects how an AudioSource runs.
type AudioConfig struct {
	Format AudioFormat
	// PeriodFrames is the number of frames ReadPeriod delivers at once
	// (the ALSA period size). 0 means the driver's default, 20 ms.
	PeriodFrames int
}

// PeriodFlags describe a captured period.
type PeriodFlags uint32

const (
	// PeriodDiscontinuity: samples were lost before this period (an ALSA
	// overrun, or a reader that fell behind); its Timestamp is not
	// contiguous with the previous period's.
	PeriodDiscontinuity PeriodFlags = 1 << iota
)

// Period describes the samples ReadPeriod wrote.
type Period struct {
	// Frames is the number of frames written (samples per channel); the
	// samples fill dst[:Frames*Channels], interleaved.
	Frames int
	// Timestamp is the capture time of the first frame on CLOCK_MONOTONIC,
	// the clock of video Frame timestamps. ALSA drivers derive it from
	// SNDRV_PCM_IOCTL_DELAY: now - (delay+Frames)/Rate.
	Timestamp time.Duration
	// Sequence counts periods from 0 at Start.
	Sequence uint64
	Flags    PeriodFlags
}

// AudioSource is a microphone or line input delivering PCM. Its life is
// Start, ReadPeriod repeatedly, Stop, and Start again or Close.
//
// Concurrency: ReadPeriod is called from one goroutine at a time; Stop and
// Close may be called from any goroutine and make a blocked ReadPeriod return
// ErrNotStreaming or ErrClosed.
type AudioSource interface {
	// Info describes the device; Info().Formats equals Formats().
	Info() DeviceInfo

	// Formats lists the formats Start accepts.
	Formats() []AudioFormat

	// Start begins capture. cfg.Format must be one of Formats(), otherwise
	// it returns ErrUnsupportedMode; ErrBusy if already started, ErrClosed
	// after Close.
	Start(cfg AudioConfig) error

	// PeriodFrames returns the period size in effect since Start (the
	// default resolved), or 0 when not started.
	PeriodFrames() int

	// ReadPeriod blocks until the next period is captured and writes its
	// samples, interleaved, into the caller's dst, which must hold at least
	// PeriodFrames()*Channels samples (else ErrShortBuffer). Errors as for
	// VideoSource.ReadFrame. It allocates nothing.
	ReadPeriod(ctx context.Context, dst []int16) (Period, error)

	// Stop ends capture; Stop on a stopped source does nothing.
	Stop() error

	// Close stops capture and frees the device; idempotent.
	Close() error
}
