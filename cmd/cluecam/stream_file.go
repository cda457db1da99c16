package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/media/codec"
)

// fileSource plays an H.264 Annex-B file as a camera: one access unit per
// frame, stamped at the given frame rate on the system clock, once through.
// It exists for `cluecam stream --file` (bench-compare, interoperability
// tests): the whole file is read into memory first and split into access
// units, so sending it measures the media path and not the disk.
type fileSource struct {
	data     []byte
	aus      []codec.AccessUnit
	mode     hw.VideoMode
	realtime bool
	next     int
	start    time.Duration
}

func openFileSource(path string, fps int, realtime bool) (*fileSource, error) {
	data, err := readWhole(path)
	if err != nil {
		return nil, err
	}
	f := &fileSource{data: data, realtime: realtime,
		mode: hw.VideoMode{Format: hw.FormatH264, FrameRate: hw.Rational{Num: uint32(fps), Den: 1}}}
	s := codec.NewAccessUnitScanner(data)
	for au, ok := s.Next(); ok; au, ok = s.Next() {
		f.aus = append(f.aus, au)
	}
	if len(f.aus) == 0 || !f.aus[0].HasSPS || !f.aus[0].HasPPS {
		return nil, fmt.Errorf("--file %s: not an H.264 Annex-B stream starting with SPS and PPS", path)
	}
	if sps, _ := codec.ParameterSets(data[f.aus[0].Start:f.aus[0].End]); sps != nil {
		if s, err := codec.ParseSPS(sps); err == nil {
			f.mode.Width, f.mode.Height = s.Width, s.Height
		}
	}
	return f, nil
}

func (f *fileSource) Info() hw.DeviceInfo {
	return hw.DeviceInfo{ID: "file", Name: "H.264 file", Kind: hw.KindVideo, Modes: []hw.VideoMode{f.mode}}
}
func (f *fileSource) Modes() []hw.VideoMode { return []hw.VideoMode{f.mode} }
func (f *fileSource) Start(hw.VideoMode) error {
	f.next, f.start = 0, hw.SystemClock.Now()
	return nil
}
func (f *fileSource) Stop() error  { return nil }
func (f *fileSource) Close() error { return nil }

// ReadFrame returns the next access unit, waiting for its time when paced
// in real time; io.EOF after the last.
func (f *fileSource) ReadFrame(ctx context.Context) (hw.Frame, error) {
	if f.next == len(f.aus) {
		return hw.Frame{}, io.EOF
	}
	i := f.next
	f.next++
	ts := f.start + f.mode.FrameRate.FrameTime(uint64(i))
	if f.realtime {
		if d := ts - hw.SystemClock.Now(); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return hw.Frame{}, ctx.Err()
			case <-t.C:
			}
		}
	}
	au := f.aus[i]
	var flags hw.FrameFlags
	if au.Keyframe {
		flags = hw.FrameKeyframe
	}
	return hw.NewFrame(f.data[au.Start:au.End], ts, uint64(i), flags, nil, 0, 0), nil
}
