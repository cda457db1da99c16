package v4l2

import (
	"context"
	"testing"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
)

// withBuffer returns s expecting a v4l2_buffer argument changed by mut.
func withBuffer(s ioctltest.Step, mut func(b *buffer)) ioctltest.Step {
	var b buffer
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&b)), unsafe.Sizeof(b)), s.In)
	mut(&b)
	s.In = ioctltest.Bytes(&b)
	return s
}

// TestFakeCatchesWrongQBUF proves the playback fake checks what the driver
// passes: a frame's release (VIDIOC_QBUF) scripted with one field wrong
// fails the test, and only that step; the plane pointer of a multi-planar
// buffer, which differs every run, is not compared.
func TestFakeCatchesWrongQBUF(t *testing.T) {
	for _, mplane := range []bool{false, true} {
		c := defaultCam()
		c.mplane = mplane
		for _, tc := range []struct {
			name  string
			mut   func(b *buffer)
			fails bool
		}{
			{"as sent", func(b *buffer) {}, false},
			{"index", func(b *buffer) { b.index = 2 }, true},
			{"type", func(b *buffer) { b.typ = bufTypeVideoOutput }, true},
			{"memory", func(b *buffer) { b.memory = memoryDMABUF }, true},
			{"field", func(b *buffer) { b.field = fieldNone }, true},
			{"flags", func(b *buffer) { b.flags = bufFlagTimestampMonotonic }, true},
			{"length", func(b *buffer) { b.length = 2 }, true},
			{"plane pointer", func(b *buffer) { b.m = 0xbad }, !mplane},
		} {
			t.Run(tc.name+map[bool]string{false: "/single-planar", true: "/multi-planar"}[mplane], func(t *testing.T) {
				catch := ioctltest.NewCatch(t)
				f := ioctltest.New(catch, IoctlName, c.openSteps()...)
				cam := openTestCamera(t, f, c, nil)
				start, mems := c.startSteps(modeYUYV30, 3)
				f.Add(start...)
				if err := cam.Start(modeYUYV30); err != nil {
					t.Fatalf("Start: %v", err)
				}
				f.Add(c.pollReady(), c.dqbufStep(1, 9, bufFlagTimestampMonotonic, 0, time.Second))
				fr, err := cam.ReadFrame(context.Background())
				if err != nil {
					t.Fatalf("ReadFrame: %v", err)
				}
				f.Add(withBuffer(c.qbufStep(1), tc.mut))
				fr.Release()
				f.Add(c.closeSteps(mems, true)...)
				cam.Close()
				if tc.fails {
					catch.Want("VIDIOC_QBUF argument differs")
				} else {
					catch.Want()
				}
			})
		}
	}
}
