package v4l2

import (
	"context"
	"testing"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
)

// steadySys is a camera that always has the next buffer ready: poll says
// readable, DQBUF hands out the buffers round-robin, QBUF accepts.
type steadySys struct {
	Sys // the playback fake, for eventfds
	fd  int
	n   uint32
	seq uint32
}

func (s *steadySys) Poll(fds []PollFd, _ time.Duration) (int, error) {
	for i := range fds {
		fds[i].Revents = 0
	}
	fds[0].Revents = ioctl.PollIn
	return 1, nil
}

func (s *steadySys) Ioctl(fd int, req uint32, arg unsafe.Pointer) error {
	switch req {
	case vidiocDqbuf:
		b := (*buffer)(arg)
		b.index = s.seq % s.n
		b.bytesused = 1000
		b.flags = bufFlagDone | bufFlagTimestampMonotonic
		b.sequence = s.seq
		b.timestamp = timeval{sec: int(s.seq / 30), usec: int(s.seq % 30 * 33333)}
		s.seq++
	case vidiocQbuf:
	default:
		panic("steadySys: " + IoctlName(req))
	}
	return nil
}

// steadyCamera returns a started camera whose hot path runs on steadySys,
// and a function that switches back and closes it.
func steadyCamera(tb testing.TB) (*Camera, func()) {
	c := defaultCam()
	f := newFake(tb, c.openSteps()...)
	// Set up with the playback fake, run the hot path against steadySys,
	// and tear down with the playback fake again.
	sw := ioctltest.NewSwitch(f)
	cam, err := OpenCamera(c.path, &Options{Sys: sw})
	if err != nil {
		tb.Fatal(err)
	}
	start, mems := c.startSteps(modeYUYV30, 3)
	f.Add(start...)
	if err := cam.Start(modeYUYV30); err != nil {
		tb.Fatal(err)
	}
	sw.Set(&steadySys{Sys: f, fd: c.fd, n: 3})
	return cam, func() {
		sw.Set(f)
		f.Add(c.closeSteps(mems, true)...)
		cam.Close()
	}
}

func TestDequeueAllocatesNothing(t *testing.T) {
	cam, done := steadyCamera(t)
	defer done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, c := range []context.Context{context.Background(), ctx} {
		// The first read with a cancellable context registers it once.
		fr, err := cam.ReadFrame(c)
		if err != nil {
			t.Fatal(err)
		}
		fr.Release()
		allocs := testing.AllocsPerRun(200, func() {
			fr, err := cam.ReadFrame(c)
			if err != nil {
				t.Fatal(err)
			}
			fr.Release()
		})
		if allocs != 0 && !raceEnabled {
			t.Errorf("ReadFrame+Release allocates %v times per frame", allocs)
		}
	}
}

// BenchmarkDequeue measures poll → DQBUF → hw.Frame → Release → QBUF on
// the seam with a device that always has a frame ready.
func BenchmarkDequeue(b *testing.B) {
	cam, done := steadyCamera(b)
	defer done()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		fr, err := cam.ReadFrame(ctx)
		if err != nil {
			b.Fatal(err)
		}
		fr.Release()
	}
}
