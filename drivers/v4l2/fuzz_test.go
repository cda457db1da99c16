package v4l2

import (
	"encoding/binary"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/hw"
)

// fuzzSys is a device whose every enumeration answer comes from the fuzzer's
// bytes: how many formats, sizes and intervals it lists, their types and
// values. When the bytes run out, every list ends (EINVAL).
type fuzzSys struct {
	data []byte
}

func (s *fuzzSys) u32() (uint32, bool) {
	if len(s.data) < 4 {
		return 0, false
	}
	v := binary.LittleEndian.Uint32(s.data)
	s.data = s.data[4:]
	return v, true
}

func (s *fuzzSys) more() bool {
	if len(s.data) == 0 {
		return false
	}
	b := s.data[0]
	s.data = s.data[1:]
	return b&1 == 1
}

func (s *fuzzSys) Ioctl(fd int, req uint32, arg unsafe.Pointer) error {
	switch req {
	case vidiocQuerycap:
		c := (*capability)(arg)
		v, _ := s.u32()
		c.capabilities, c.deviceCaps = v|capDeviceCaps, v
		n := copy(c.card[:], s.data)
		s.data = s.data[n:]
	case vidiocEnumFmt:
		d := (*fmtdesc)(arg)
		if !s.more() {
			return syscall.EINVAL
		}
		v, _ := s.u32()
		fl, _ := s.u32()
		d.pixelformat, d.flags = v, fl
		if v&1 == 0 { // steer half the formats to ones the filter keeps
			d.pixelformat = uint32(DefaultFormats[int(v>>1)%len(DefaultFormats)])
		}
	case vidiocEnumFramesizes:
		e := (*frmsizeenum)(arg)
		if !s.more() {
			return syscall.EINVAL
		}
		e.typ, _ = s.u32()
		e.typ %= 4
		for i := range e.u {
			e.u[i], _ = s.u32()
			e.u[i] %= 8192
		}
	case vidiocEnumFrameintervals:
		e := (*frmivalenum)(arg)
		if !s.more() {
			return syscall.EINVAL
		}
		e.typ, _ = s.u32()
		e.typ %= 4
		for i := range e.u {
			e.u[i].num, _ = s.u32()
			e.u[i].den, _ = s.u32()
		}
	default:
		return syscall.EINVAL // controls: none
	}
	return nil
}

func (s *fuzzSys) Open(string) (int, error)                  { return 3, nil }
func (s *fuzzSys) Close(int) error                           { return nil }
func (s *fuzzSys) Mmap(int, int64, int) ([]byte, error)      { return nil, syscall.ENOMEM }
func (s *fuzzSys) Munmap([]byte) error                       { return nil }
func (s *fuzzSys) Poll([]PollFd, time.Duration) (int, error) { return 0, nil }
func (s *fuzzSys) Eventfd() (int, error)                     { return 0, syscall.EMFILE }
func (s *fuzzSys) Read(int, []byte) (int, error)             { return 0, syscall.EAGAIN }
func (s *fuzzSys) Write(int, []byte) (int, error)            { return 0, nil }

func le(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

// FuzzEnumerate feeds arbitrary driver answers through probe and the
// camera+encoder pairing: no panic, no unbounded loop or allocation, and
// every mode offered is one Start could set (positive size, valid rate).
func FuzzEnumerate(f *testing.F) {
	cam := append(le(capVideoCapture|capStreaming), "Cam\x00"...)
	cam = append(cam, 1)
	cam = append(cam, le(uint32(hw.FormatYUYV)&^1, 0)...) // steered to DefaultFormats[...]
	cam = append(cam, 1)
	cam = append(cam, le(frmTypeDiscrete, 640, 480, 0, 0, 0, 0)...)
	cam = append(cam, 1)
	cam = append(cam, le(frmTypeStepwise, 16, 4096, 16, 16, 2160, 8)...)
	cam = append(cam, 0, 1)
	cam = append(cam, le(frmTypeDiscrete, 1, 30, 0, 0, 0, 0)...)
	f.Add(cam)
	enc := append(le(capVideoM2MMPlane|capStreaming), "Enc\x00"...)
	enc = append(enc, 1)
	enc = append(enc, le(0, fmtFlagCompressed)...)
	enc = append(enc, 0, 1)
	enc = append(enc, le(2, 0)...)
	f.Add(enc)
	f.Add(append(le(capVideoCapture|capStreaming), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &fuzzSys{data: data}
		n, err := probe(s, 3, "/dev/video0", nil)
		if err != nil {
			return
		}
		if len(n.modes) > maxModes || len(n.formats) > maxFormats {
			t.Fatalf("%d modes, %d formats", len(n.modes), len(n.formats))
		}
		for _, m := range n.modes {
			if m.Width <= 0 || m.Height <= 0 || !m.FrameRate.Valid() {
				t.Fatalf("unusable mode %v", m)
			}
			if _, ok := hw.FindMode(n.modes, m); !ok {
				t.Fatalf("mode %v not found in its own list", m)
			}
		}
		c := compose(n, n)
		for _, m := range c.modes {
			if _, ok := c.rawFor[m]; !ok || m.Width <= 0 || !m.FrameRate.Valid() {
				t.Fatalf("paired mode %v has no raw mode", m)
			}
		}
		_ = n.info()
	})
}
