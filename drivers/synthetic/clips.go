package synthetic

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/cluecam/cluecam/media/codec"
)

// The clips, made by clips/gen.sh: 640x360, 30 fps, 60 frames, IDR every
// 30 frames with SPS/PPS in front, Constrained Baseline level 3.0.
var (
	//go:embed clips/hi.h264
	clipHi []byte
	//go:embed clips/lo.h264
	clipLo []byte
)

const (
	clipWidth  = 640
	clipHeight = 360
	clipFPS    = 30
)

// accessUnit is one frame of a clip: its byte range, found once at load.
type accessUnit struct {
	start, end int32
	key        bool
}

// clip is one quality level of the embedded video.
type clip struct {
	name    string
	bitrate int // nominal bits per second at clipFPS
	data    []byte
	aus     []accessUnit
}

// clipSet is the quality ladder, best first. All clips have the same number
// of frames and their IDRs at the same frame numbers, so a switch at an IDR
// keeps the picture where it was.
type clipSet struct {
	clips []*clip
	key   []bool // key[i]: frame i is an IDR in every clip
}

var loadClips = sync.OnceValues(func() (*clipSet, error) {
	return newClipSet(
		&clip{name: "hi.h264", bitrate: 1_500_000, data: clipHi},
		&clip{name: "lo.h264", bitrate: 300_000, data: clipLo},
	)
})

// newClipSet splits every clip into access units (offsets only, no copies)
// and checks that they line up.
func newClipSet(clips ...*clip) (*clipSet, error) {
	set := &clipSet{clips: clips}
	for _, c := range clips {
		s := codec.NewAccessUnitScanner(c.data)
		for au, ok := s.Next(); ok; au, ok = s.Next() {
			c.aus = append(c.aus, accessUnit{start: int32(au.Start), end: int32(au.End), key: au.Keyframe})
		}
		if len(c.aus) == 0 || !c.aus[0].key {
			return nil, fmt.Errorf("%w: %s does not start with an IDR", errBadClip, c.name)
		}
		if len(c.aus) != len(clips[0].aus) {
			return nil, fmt.Errorf("%w: %s has %d frames, %s %d", errBadClip, c.name, len(c.aus), clips[0].name, len(clips[0].aus))
		}
	}
	set.key = make([]bool, len(clips[0].aus))
	for i := range set.key {
		set.key[i] = clips[0].aus[i].key
		for _, c := range clips[1:] {
			if c.aus[i].key != set.key[i] {
				return nil, fmt.Errorf("%w: %s and %s disagree on frame %d being an IDR", errBadClip, clips[0].name, c.name, i)
			}
		}
	}
	return set, nil
}

// frames returns the number of frames in each clip.
func (s *clipSet) frames() int { return len(s.key) }

// nextKey returns the first IDR frame at or after i, wrapping around.
func (s *clipSet) nextKey(i int) int {
	n := len(s.key)
	for k := 0; k < n; k++ {
		if j := (i + k) % n; s.key[j] {
			return j
		}
	}
	return 0
}
