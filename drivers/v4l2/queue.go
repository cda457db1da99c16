package v4l2

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/hw"
)

// queue is one V4L2 buffer queue of an open node: a camera's CAPTURE
// queue, or an encoder's OUTPUT (raw in) or CAPTURE (coded out) queue. It
// handles single- and multi-planar buffer types the same way, using plane 0
// only (formats whose planes sit in separate buffers are not offered).
//
// The argument structs of the per-frame ioctls live in the queue, which is
// allocated once per Start: the hot path passes pointers into it to the
// seam and allocates nothing. dq is used by the one reader goroutine; q,
// guarded by qmu, by whoever requeues (the reader or Frame.Release).
type queue struct {
	sys    Sys
	fd     int
	path   string
	typ    uint32
	mplane bool
	memory uint32

	mem    [][]byte // MMAP: the mapping of each buffer's plane 0
	length []uint32 // each buffer's plane-0 length
	dmabuf []int    // exported DMABUF fd of each buffer, -1 when none

	dq       buffer
	dqPlanes [maxPlanes]plane

	qmu       sync.Mutex
	q         buffer
	qPlanes   [maxPlanes]plane
	streaming bool // STREAMON done and not yet STREAMOFF; guarded by qmu
}

func newQueue(sys Sys, fd int, path string, typ, memory uint32) *queue {
	return &queue{sys: sys, fd: fd, path: path, typ: typ, memory: memory,
		mplane: typ == bufTypeVideoCaptureMPlane || typ == bufTypeVideoOutputMPlane}
}

func (q *queue) ioctl(req uint32, arg unsafe.Pointer) error {
	if err := q.sys.Ioctl(q.fd, req, arg); err != nil {
		return ioctlError(q.path, req, err)
	}
	return nil
}

// request asks for n buffers (VIDIOC_REQBUFS) and returns how many the
// driver granted; n == 0 frees them.
func (q *queue) request(n int) (int, error) {
	rb := requestbuffers{count: uint32(n), typ: q.typ, memory: q.memory}
	if err := q.ioctl(vidiocReqbufs, unsafe.Pointer(&rb)); err != nil {
		return 0, err
	}
	if n > 0 && rb.count == 0 {
		return 0, ioctlError(q.path, vidiocReqbufs, fmt.Errorf("driver granted no buffers: %w", syscall.ENOMEM))
	}
	if rb.count > 64 {
		return 0, ioctlError(q.path, vidiocReqbufs, fmt.Errorf("driver granted %d buffers: %w", rb.count, syscall.EINVAL))
	}
	if n > 0 {
		c := int(rb.count)
		q.mem = make([][]byte, c)
		q.length = make([]uint32, c)
		q.dmabuf = make([]int, c)
		for i := range q.dmabuf {
			q.dmabuf[i] = -1
		}
	}
	return int(rb.count), nil
}

// count is the number of buffers granted.
func (q *queue) count() int { return len(q.length) }

// setPlanes points b at planes for a multi-planar call.
func (q *queue) setPlanes(b *buffer, planes *[maxPlanes]plane) {
	*planes = [maxPlanes]plane{}
	b.m = uintptr(unsafe.Pointer(planes))
	b.length = 1
}

// query runs VIDIOC_QUERYBUF for buffer i and records its length; it
// returns the mmap offset.
func (q *queue) query(i int) (offset int64, err error) {
	// The plane array must be in the heap (the queue) while the kernel
	// holds its address; QUERYBUF runs before any reader uses dqPlanes.
	planes := &q.dqPlanes
	b := buffer{index: uint32(i), typ: q.typ, memory: q.memory}
	if q.mplane {
		q.setPlanes(&b, planes)
	}
	if err := q.ioctl(vidiocQuerybuf, unsafe.Pointer(&b)); err != nil {
		return 0, err
	}
	if q.mplane {
		if b.length < 1 {
			return 0, ioctlError(q.path, vidiocQuerybuf, fmt.Errorf("buffer %d has no planes: %w", i, syscall.EINVAL))
		}
		q.length[i] = planes[0].length
		return int64(uint32(planes[0].m)), nil
	}
	q.length[i] = b.length
	return int64(uint32(b.m)), nil
}

// mapAll queries and maps every buffer (MMAP queues).
func (q *queue) mapAll() error {
	for i := range q.length {
		off, err := q.query(i)
		if err != nil {
			return err
		}
		if q.length[i] == 0 {
			return ioctlError(q.path, vidiocQuerybuf, fmt.Errorf("buffer %d has length 0: %w", i, syscall.EINVAL))
		}
		m, err := q.sys.Mmap(q.fd, off, int(q.length[i]))
		if err != nil {
			return wrap(q.path, fmt.Errorf("mmap buffer %d: %w", i, err))
		}
		q.mem[i] = m
	}
	return nil
}

// export exports buffer i's plane 0 as a DMABUF (VIDIOC_EXPBUF).
func (q *queue) export(i int) (int, error) {
	eb := exportbuffer{typ: q.typ, index: uint32(i), flags: syscall.O_CLOEXEC | syscall.O_RDWR}
	if err := q.ioctl(vidiocExpbuf, unsafe.Pointer(&eb)); err != nil {
		return -1, err
	}
	q.dmabuf[i] = int(eb.fd)
	return int(eb.fd), nil
}

// enqueue queues buffer i (VIDIOC_QBUF). For OUTPUT queues bytesused and
// ts describe the data; for DMABUF queues fd is the buffer to import and
// length its size. Safe to call from any goroutine.
func (q *queue) enqueue(i int, bytesused uint32, ts timeval, fd int, length uint32) error {
	q.qmu.Lock()
	defer q.qmu.Unlock()
	return q.enqueueLocked(i, bytesused, ts, fd, length)
}

func (q *queue) enqueueLocked(i int, bytesused uint32, ts timeval, fd int, length uint32) error {
	b := &q.q
	*b = buffer{index: uint32(i), typ: q.typ, memory: q.memory, bytesused: bytesused, timestamp: ts, field: fieldNone}
	if q.typ == bufTypeVideoCapture || q.typ == bufTypeVideoCaptureMPlane {
		b.field = fieldAny
	}
	var m uintptr
	if q.memory == memoryDMABUF {
		m = uintptr(uint32(int32(fd)))
	}
	if q.mplane {
		q.setPlanes(b, &q.qPlanes)
		q.qPlanes[0] = plane{bytesused: bytesused, length: length, m: m}
		b.bytesused = 0
	} else {
		b.m = m
		if q.memory == memoryDMABUF {
			b.length = length
		}
	}
	if err := q.sys.Ioctl(q.fd, vidiocQbuf, unsafe.Pointer(b)); err != nil {
		return ioctlError(q.path, vidiocQbuf, err)
	}
	return nil
}

// requeue queues capture buffer i again if the queue is still streaming;
// it reports whether it did.
func (q *queue) requeue(i int) (bool, error) {
	q.qmu.Lock()
	defer q.qmu.Unlock()
	if !q.streaming {
		return false, nil
	}
	return true, q.enqueueLocked(i, 0, timeval{}, -1, 0)
}

// dequeue runs VIDIOC_DQBUF into q.dq. The raw errno is returned (EAGAIN
// when nothing is ready, EPIPE after the last buffer of a drained
// encoder), unwrapped, so the hot path allocates nothing.
func (q *queue) dequeue() (int, error) {
	b := &q.dq
	*b = buffer{typ: q.typ, memory: q.memory}
	if q.mplane {
		q.setPlanes(b, &q.dqPlanes)
	}
	if err := q.sys.Ioctl(q.fd, vidiocDqbuf, unsafe.Pointer(b)); err != nil {
		return -1, err
	}
	if int(b.index) >= q.count() {
		return -1, ioctlError(q.path, vidiocDqbuf, fmt.Errorf("driver returned buffer %d of %d: %w", b.index, q.count(), syscall.EINVAL))
	}
	return int(b.index), nil
}

// payload returns the bytes of the buffer q.dq describes, bounded by the
// mapping (drivers are trusted, but not to index outside their buffer).
func (q *queue) payload(i int) []byte {
	used, off := q.dq.bytesused, uint32(0)
	if q.mplane {
		used, off = q.dqPlanes[0].bytesused, q.dqPlanes[0].dataOffset
	}
	m := q.mem[i]
	if off > used || int(off) > len(m) {
		return m[:0:0]
	}
	end := min(int(used), len(m))
	return m[off:end:end]
}

// bytesUsed returns what the driver reported as used in q.dq's buffer
// (plane 0), and the data offset.
func (q *queue) bytesUsed() (used, offset uint32) {
	if q.mplane {
		return q.dqPlanes[0].bytesused, q.dqPlanes[0].dataOffset
	}
	return q.dq.bytesused, 0
}

func (q *queue) streamOn() error {
	q.qmu.Lock()
	defer q.qmu.Unlock()
	t := int32(q.typ)
	if err := q.ioctl(vidiocStreamon, unsafe.Pointer(&t)); err != nil {
		return err
	}
	q.streaming = true
	return nil
}

func (q *queue) streamOff() error {
	q.qmu.Lock()
	defer q.qmu.Unlock()
	q.streaming = false
	t := int32(q.typ)
	return goneIsDone(q.ioctl(vidiocStreamoff, unsafe.Pointer(&t)))
}

// goneIsDone drops hw.ErrGone from a teardown step: when a node is
// unregistered the kernel cancels and releases its queues itself
// (vb2_video_unregister_device), so STREAMOFF and REQBUFS(0) have nothing
// left to do, and Stop and Close of a removed camera succeed.
func goneIsDone(err error) error {
	if errors.Is(err, hw.ErrGone) {
		return nil
	}
	return err
}

// free unmaps the buffers, closes exported DMABUFs and releases the
// buffers (REQBUFS 0). It keeps going after errors and returns the first.
func (q *queue) free() error {
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	for i, m := range q.mem {
		if m != nil {
			if err := q.sys.Munmap(m); err != nil {
				keep(wrap(q.path, fmt.Errorf("munmap buffer %d: %w", i, err)))
			}
			q.mem[i] = nil
		}
	}
	for i, fd := range q.dmabuf {
		if fd >= 0 {
			if err := q.sys.Close(fd); err != nil {
				keep(wrap(q.path, fmt.Errorf("close dmabuf %d: %w", i, err)))
			}
			q.dmabuf[i] = -1
		}
	}
	if q.count() > 0 {
		if _, err := q.request(0); goneIsDone(err) != nil {
			keep(err)
		}
		q.mem, q.length, q.dmabuf = nil, nil, nil
	}
	return first
}

// timestamp converts the dequeued buffer's timestamp to CLOCK_MONOTONIC
// time. Buffers stamped by the kernel's monotonic clock, or carrying a
// timestamp we set ourselves and the encoder copied, keep it; others
// (V4L2_BUF_FLAG_TIMESTAMP_UNKNOWN) are stamped with now.
func (q *queue) timestamp(clock hw.Clock) time.Duration {
	switch q.dq.flags & bufFlagTimestampMask {
	case bufFlagTimestampMonotonic, bufFlagTimestampCopy:
		return time.Duration(q.dq.timestamp.sec)*time.Second + time.Duration(q.dq.timestamp.usec)*time.Microsecond
	}
	return clock.Now()
}

// frameFlags maps the dequeued buffer's flags for a stream of format f;
// payload is only scanned (for an H.264 IDR) when the driver sets none of
// the KEYFRAME/PFRAME/BFRAME flags.
func frameFlags(bufFlags uint32, f hw.PixelFormat, payload []byte) hw.FrameFlags {
	var fl hw.FrameFlags
	if bufFlags&bufFlagError != 0 {
		fl |= hw.FrameError
	}
	switch {
	case bufFlags&bufFlagKeyframe != 0:
		fl |= hw.FrameKeyframe
	case bufFlags&(bufFlagPFrame|bufFlagBFrame) != 0:
	case f == hw.FormatH264:
		if isH264Keyframe(payload) {
			fl |= hw.FrameKeyframe
		}
	case !interCoded(f):
		fl |= hw.FrameKeyframe
	}
	return fl
}

// seqUnwrap extends the kernel's 32-bit buffer sequence to 64 bits.
type seqUnwrap struct {
	started bool
	last    uint32
	seq     uint64
}

func (s *seqUnwrap) next(k uint32) uint64 {
	if !s.started {
		s.started, s.last, s.seq = true, k, uint64(k)
		return s.seq
	}
	s.seq += uint64(k - s.last)
	s.last = k
	return s.seq
}
