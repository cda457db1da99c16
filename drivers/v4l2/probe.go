package v4l2

import (
	"fmt"
	"syscall"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
	"github.com/cluecam/cluecam/hw"
)

// nodeKind is what a /dev/video node is to cluecam.
type nodeKind uint8

const (
	nodeOther   nodeKind = iota
	nodeCamera           // streaming video capture (single- or multi-planar)
	nodeEncoder          // stateful memory-to-memory encoder
)

// fmtInfo is one VIDIOC_ENUM_FMT entry.
type fmtInfo struct {
	pix        hw.PixelFormat
	desc       string
	compressed bool
}

// node is what probing one device node found.
type node struct {
	path   string
	driver string
	card   string
	bus    string
	caps   uint32
	kind   nodeKind

	// capType is the buffer type frames come out of (a camera's capture
	// queue, an encoder's coded CAPTURE queue); outType an encoder's raw
	// OUTPUT queue.
	capType, outType uint32

	formats []fmtInfo      // capType formats (after the filter, for cameras)
	raw     []fmtInfo      // encoder OUTPUT formats
	modes   []hw.VideoMode // camera modes
	// codedSizes are an encoder's VIDIOC_ENUM_FRAMESIZES results for its
	// first coded format (nil: not enumerable, no limit known).
	codedSizes []frmsizeenum
	hwCaps     hw.Caps
	controls   []Control // listed by a scan only
}

// ioctlOn is a one-off ioctl on fd with the error wrapped.
func ioctlOn(sys Sys, fd int, path string, req uint32, arg unsafe.Pointer) error {
	if err := sys.Ioctl(fd, req, arg); err != nil {
		return ioctlError(path, req, err)
	}
	return nil
}

// probe classifies an open node and enumerates what cluecam needs of it.
func probe(sys Sys, fd int, path string, filter []hw.PixelFormat) (*node, error) {
	var c capability
	if err := ioctlOn(sys, fd, path, vidiocQuerycap, unsafe.Pointer(&c)); err != nil {
		return nil, err
	}
	n := &node{path: path, driver: ioctl.CString(c.driver[:]), card: ioctl.CString(c.card[:]), bus: ioctl.CString(c.busInfo[:]), caps: c.caps()}
	if n.caps&capStreaming == 0 {
		return n, nil
	}
	switch {
	case n.caps&capVideoM2MMPlane != 0:
		n.capType, n.outType = bufTypeVideoCaptureMPlane, bufTypeVideoOutputMPlane
	case n.caps&capVideoM2M != 0:
		n.capType, n.outType = bufTypeVideoCapture, bufTypeVideoOutput
	case n.caps&capVideoCaptureMPlane != 0:
		n.capType = bufTypeVideoCaptureMPlane
	case n.caps&capVideoCapture != 0:
		n.capType = bufTypeVideoCapture
	default:
		return n, nil
	}
	all, err := enumFormats(sys, fd, path, n.capType)
	if err != nil {
		return nil, err
	}
	if n.outType != 0 {
		return probeM2M(sys, fd, n, all)
	}
	n.kind = nodeCamera
	for _, f := range all {
		if !formatWanted(filter, f.pix) {
			continue
		}
		n.formats = append(n.formats, f)
		sizes, err := enumSizes(sys, fd, path, f.pix)
		if err != nil {
			return nil, err
		}
		for _, s := range sizesOf(sizes) {
			ivs, err := enumIntervals(sys, fd, path, f.pix, s)
			if err != nil {
				return nil, err
			}
			rates := ratesOf(ivs)
			if len(rates) == 0 {
				// No VIDIOC_ENUM_FRAMEINTERVALS: the driver picks the
				// rate. Offer 30/1, which Start asks for with S_PARM.
				rates = []hw.Rational{{Num: 30, Den: 1}}
			}
			for _, r := range rates {
				if len(n.modes) < maxModes {
					n.modes = append(n.modes, hw.VideoMode{Format: f.pix, Width: int(s.w), Height: int(s.h), FrameRate: r})
				}
			}
		}
	}
	cn := newCtrlNode(sys, fd, path)
	if _, ok := cn.present(CIDForceKeyFrame); ok {
		n.hwCaps |= hw.CapKeyframe
	}
	if _, ok := cn.present(CIDBitrate); ok {
		n.hwCaps |= hw.CapBitrate
	}
	return n, nil
}

// probeM2M recognises a stateful encoder: coded formats on its CAPTURE
// queue, raw ones on OUTPUT (a decoder is the other way round).
func probeM2M(sys Sys, fd int, n *node, coded []fmtInfo) (*node, error) {
	for _, f := range coded {
		if f.compressed {
			n.formats = append(n.formats, f)
		}
	}
	if len(n.formats) == 0 {
		return n, nil
	}
	raw, err := enumFormats(sys, fd, n.path, n.outType)
	if err != nil {
		return nil, err
	}
	for _, f := range raw {
		if !f.compressed && !multiBuffer[f.pix] {
			n.raw = append(n.raw, f)
		}
	}
	if len(n.raw) == 0 {
		return n, nil
	}
	n.kind = nodeEncoder
	n.codedSizes, err = enumSizes(sys, fd, n.path, n.formats[0].pix)
	if err != nil {
		return nil, err
	}
	cn := newCtrlNode(sys, fd, n.path)
	if _, ok := cn.present(CIDForceKeyFrame); ok {
		n.hwCaps |= hw.CapKeyframe
	}
	if _, ok := cn.present(CIDBitrate); ok {
		n.hwCaps |= hw.CapBitrate
	}
	return n, nil
}

// enumFormats lists VIDIOC_ENUM_FMT until EINVAL.
func enumFormats(sys Sys, fd int, path string, typ uint32) ([]fmtInfo, error) {
	var out []fmtInfo
	for i := range maxFormats {
		d := fmtdesc{index: uint32(i), typ: typ}
		if err := sys.Ioctl(fd, vidiocEnumFmt, unsafe.Pointer(&d)); err != nil {
			if isErrno(err, syscall.EINVAL) {
				break
			}
			return nil, ioctlError(path, vidiocEnumFmt, err)
		}
		out = append(out, fmtInfo{pix: hw.PixelFormat(d.pixelformat), desc: ioctl.CString(d.description[:]), compressed: d.flags&fmtFlagCompressed != 0})
	}
	return out, nil
}

// enumSizes lists VIDIOC_ENUM_FRAMESIZES; a driver without it (ENOTTY,
// or EINVAL at index 0) gives none.
func enumSizes(sys Sys, fd int, path string, pix hw.PixelFormat) ([]frmsizeenum, error) {
	var out []frmsizeenum
	for i := range maxSizes {
		e := frmsizeenum{index: uint32(i), pixelFormat: uint32(pix)}
		if err := sys.Ioctl(fd, vidiocEnumFramesizes, unsafe.Pointer(&e)); err != nil {
			if isErrno(err, syscall.EINVAL) || isErrno(err, syscall.ENOTTY) {
				break
			}
			return nil, ioctlError(path, vidiocEnumFramesizes, err)
		}
		out = append(out, e)
		if e.typ != frmTypeDiscrete {
			break // a range is reported once, at index 0
		}
	}
	return out, nil
}

// enumIntervals lists VIDIOC_ENUM_FRAMEINTERVALS for one size.
func enumIntervals(sys Sys, fd int, path string, pix hw.PixelFormat, s frameSize) ([]frmivalenum, error) {
	var out []frmivalenum
	for i := range maxIntervals {
		e := frmivalenum{index: uint32(i), pixelFormat: uint32(pix), width: s.w, height: s.h}
		if err := sys.Ioctl(fd, vidiocEnumFrameintervals, unsafe.Pointer(&e)); err != nil {
			if isErrno(err, syscall.EINVAL) || isErrno(err, syscall.ENOTTY) {
				break
			}
			return nil, ioctlError(path, vidiocEnumFrameintervals, err)
		}
		out = append(out, e)
		if e.typ != frmTypeDiscrete {
			break
		}
	}
	return out, nil
}

// info turns a camera node into the DeviceInfo Scan reports.
func (n *node) info() hw.DeviceInfo {
	return hw.DeviceInfo{ID: n.path, Driver: providerName, Name: n.card, Location: n.bus,
		Kind: hw.KindVideo, Caps: n.hwCaps, Modes: append([]hw.VideoMode(nil), n.modes...), Controls: hwControls(n.controls)}
}

// composed pairs a camera with an encoder: the camera's raw modes the
// encoder takes, offered in each of the encoder's coded formats. rawFor
// maps each offered mode to the camera mode Start sets up (the encoder's
// first-listed raw format wins when several fit).
type composed struct {
	cam, enc *node
	modes    []hw.VideoMode
	rawFor   map[hw.VideoMode]hw.VideoMode
}

// composedID is the device ID of a camera encoded by an encoder.
func composedID(cam, enc string) string { return cam + "+" + enc }

func compose(cam, enc *node) *composed {
	c := &composed{cam: cam, enc: enc, rawFor: map[hw.VideoMode]hw.VideoMode{}}
	fits := func(w, h int) bool {
		if len(enc.codedSizes) == 0 {
			return true
		}
		for _, e := range enc.codedSizes {
			switch e.typ {
			case frmTypeDiscrete:
				if e.u[0] == uint32(w) && e.u[1] == uint32(h) {
					return true
				}
			default:
				sw, sh := max(e.u[2], 1), max(e.u[5], 1)
				if e.typ == frmTypeContinuous {
					sw, sh = 1, 1
				}
				if inStep(uint32(w), e.u[0], e.u[1], sw) && inStep(uint32(h), e.u[3], e.u[4], sh) {
					return true
				}
			}
		}
		return false
	}
	for _, raw := range enc.raw {
		for _, m := range cam.modes {
			if m.Format != raw.pix || !fits(m.Width, m.Height) {
				continue
			}
			for _, coded := range enc.formats {
				out := hw.VideoMode{Format: coded.pix, Width: m.Width, Height: m.Height, FrameRate: reduce(m.FrameRate)}
				if _, dup := c.rawFor[out]; dup || len(c.modes) >= maxModes {
					continue
				}
				c.rawFor[out] = m
				c.modes = append(c.modes, out)
			}
		}
	}
	return c
}

func (c *composed) info() hw.DeviceInfo {
	return hw.DeviceInfo{ID: composedID(c.cam.path, c.enc.path), Driver: providerName,
		Name: fmt.Sprintf("%s encoded by %s", c.cam.card, c.enc.card), Location: c.cam.bus,
		Kind: hw.KindVideo, Caps: c.enc.hwCaps, Modes: append([]hw.VideoMode(nil), c.modes...), Controls: hwControls(c.enc.controls)}
}
