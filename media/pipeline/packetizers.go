package pipeline

import (
	"fmt"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/media/rtp"
)

// NewVideoPacketizer returns the packetizer of a format the box sends
// without re-encoding: H.264 (RFC 6184, parameter sets repeated before
// every IDR so each one is an entry point) or JPEG (RFC 2435).
func NewVideoPacketizer(f hw.PixelFormat, st *rtp.Stream) (Packetizer, error) {
	switch f {
	case hw.FormatH264:
		return rtp.NewH264Packetizer(st, &rtp.H264Options{RepeatParameterSets: true})
	case hw.FormatMJPEG:
		return rtp.NewJPEGPacketizer(st, nil)
	}
	return nil, fmt.Errorf("%w: no RTP payload for %v without an encoder", ErrFormat, f)
}

// AudioCaptureRate is the sampling rate a codec encodes (G.711 8 kHz,
// G.722 16 kHz); 0 for L16, which carries the capture's own rate.
func AudioCaptureRate(c rtp.AudioCodec) int {
	switch c {
	case rtp.PCMU, rtp.PCMA:
		return 8000
	case rtp.G722:
		return 16000
	}
	return 0
}

// AudioClockRate is the RTP clock of a codec over a capture at rate: the
// sampling rate, except G.722, whose clock stays 8000 Hz (RFC 3551
// §4.5.2).
func AudioClockRate(c rtp.AudioCodec, rate int) int {
	if c == rtp.G722 {
		return 8000
	}
	return rate
}

// NewAudioPacketizerFor packetizes a capture in format f with codec c:
// 20 ms per packet (RFC 3551 §4.2), shorter only where L16 would not fit
// a packet (48 kHz: 10 ms mono, 5 ms stereo).
func NewAudioPacketizerFor(c rtp.AudioCodec, f hw.AudioFormat, st *rtp.Stream) (*rtp.AudioPacketizer, error) {
	var err error
	for _, pt := range []time.Duration{20 * time.Millisecond, 10 * time.Millisecond, 5 * time.Millisecond} {
		var ap *rtp.AudioPacketizer
		ap, err = rtp.NewAudioPacketizer(st, rtp.AudioOptions{Codec: c, SampleRate: f.Rate, Channels: f.Channels, PTime: pt})
		if err == nil {
			return ap, nil
		}
	}
	return nil, err
}
