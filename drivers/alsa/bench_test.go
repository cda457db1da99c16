package alsa

import (
	"context"
	"testing"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
	"github.com/cluecam/cluecam/hw"
)

// steadySys always has a period ready, delivered as two short reads.
type steadySys struct {
	Sys
	n int16
}

func (s *steadySys) Ioctl(fd int, req uint32, arg unsafe.Pointer) error {
	switch req {
	case ioctlReadiFrames:
		x := (*xferi)(arg)
		n := min(int(x.frames), 200)
		samples := unsafe.Slice((*int16)(x.buf), n)
		for i := range samples {
			samples[i] = s.n
			s.n++
		}
		x.result = n
	case ioctlDelay:
		*(*int)(arg) = 160
	default:
		panic("steadySys: " + IoctlName(req))
	}
	return nil
}

func steadyCapture(tb testing.TB) (*Capture, func()) {
	fk := newFake(tb, openSteps()...)
	// Open and start with the playback fake, run the hot path against
	// steadySys, and close with the playback fake again.
	sw := ioctltest.NewSwitch(fk)
	c, err := OpenCapture("hw:0,0", testOpts(sw, nil))
	if err != nil {
		tb.Fatal(err)
	}
	fk.Add(startSteps(mono16, 320)...)
	if err := c.Start(hw.AudioConfig{Format: mono16}); err != nil {
		tb.Fatal(err)
	}
	sw.Set(&steadySys{Sys: fk})
	return c, func() {
		sw.Set(fk)
		fk.Add(closeSteps(true)...)
		c.Close()
	}
}

func TestReadPeriodAllocatesNothing(t *testing.T) {
	c, done := steadyCapture(t)
	defer done()
	dst := make([]int16, 320)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, x := range []context.Context{context.Background(), ctx} {
		if _, err := c.ReadPeriod(x, dst); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(200, func() {
			if _, err := c.ReadPeriod(x, dst); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("ReadPeriod allocates %v times per period", allocs)
		}
	}
}

// BenchmarkReadPeriod reads 20 ms mono periods at 16 kHz, each in two
// READI_FRAMES calls, plus DELAY, on the seam.
func BenchmarkReadPeriod(b *testing.B) {
	c, done := steadyCapture(b)
	defer done()
	dst := make([]int16, 320)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ReadPeriod(ctx, dst); err != nil {
			b.Fatal(err)
		}
	}
}
