package v4l2

import (
	"fmt"

	"github.com/cluecam/cluecam/hw"
)

// withCodec wraps src so that it implements exactly the optional control
// interfaces the device supports: a caller's type assertion
// src.(hw.KeyframeRequester) then tells the truth.
func withCodec(src hw.VideoSource, cc *codecControls, live func() error) hw.VideoSource {
	b := codecSource{VideoSource: src, cc: cc, live: live}
	switch {
	case cc.hasKey && cc.hasRate:
		return &keyRateSource{b}
	case cc.hasKey:
		return &keySource{b}
	case cc.hasRate:
		return &rateSource{b}
	}
	return src
}

type codecSource struct {
	hw.VideoSource
	cc   *codecControls
	live func() error
}

// Unwrap returns the *Camera or *EncodedCamera behind the wrapper.
func (s *codecSource) Unwrap() hw.VideoSource { return s.VideoSource }

// OutstandingFrames makes the wrapped sources hwtest.FrameCounters.
func (s *codecSource) OutstandingFrames() int {
	if fc, ok := s.VideoSource.(interface{ OutstandingFrames() int }); ok {
		return fc.OutstandingFrames()
	}
	return 0
}

func (s *codecSource) requestKeyframe() error {
	if err := s.live(); err != nil {
		return err
	}
	return s.cc.requestKeyframe()
}

func (s *codecSource) setTargetBitrate(bps int) error {
	if bps <= 0 {
		return fmt.Errorf("v4l2: %s: bitrate %d: %w", s.cc.n.path, bps, hw.ErrOutOfRange)
	}
	if err := s.live(); err != nil {
		return err
	}
	return s.cc.setTargetBitrate(bps)
}

type keySource struct{ codecSource }

func (s *keySource) RequestKeyframe() error { return s.requestKeyframe() }

type rateSource struct{ codecSource }

func (s *rateSource) SetTargetBitrate(bps int) error { return s.setTargetBitrate(bps) }
func (s *rateSource) TargetBitrate() int             { return s.cc.targetBitrate() }

type keyRateSource struct{ codecSource }

func (s *keyRateSource) RequestKeyframe() error         { return s.requestKeyframe() }
func (s *keyRateSource) SetTargetBitrate(bps int) error { return s.setTargetBitrate(bps) }
func (s *keyRateSource) TargetBitrate() int             { return s.cc.targetBitrate() }

var (
	_ hw.KeyframeRequester = (*keySource)(nil)
	_ hw.BitrateController = (*rateSource)(nil)
	_ hw.KeyframeRequester = (*keyRateSource)(nil)
	_ hw.BitrateController = (*keyRateSource)(nil)
)
