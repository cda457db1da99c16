package v4l2

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
)

// ControlType is enum v4l2_ctrl_type.
type ControlType uint32

// Control types cluecam reads and writes (others are listed, not set).
const (
	ControlInteger   ControlType = ctrlTypeInteger
	ControlBoolean   ControlType = ctrlTypeBoolean
	ControlMenu      ControlType = ctrlTypeMenu
	ControlButton    ControlType = ctrlTypeButton
	ControlInteger64 ControlType = ctrlTypeInteger64
	ControlIntMenu   ControlType = ctrlTypeIntMenu
)

func (t ControlType) String() string {
	switch t {
	case ControlInteger:
		return "int"
	case ControlBoolean:
		return "bool"
	case ControlMenu:
		return "menu"
	case ControlButton:
		return "button"
	case ControlInteger64:
		return "int64"
	case ControlIntMenu:
		return "intmenu"
	}
	return fmt.Sprintf("type%d", uint32(t))
}

// Control is one device control as VIDIOC_QUERY_EXT_CTRL describes it,
// with its current value when it has one (what `cluecam devices` prints).
type Control struct {
	ID                      uint32
	Name                    string
	Type                    ControlType
	Min, Max, Step, Default int64
	Flags                   uint32
	// Value is the current value; HasValue is false for buttons,
	// write-only and compound controls, and when reading failed.
	Value    int64
	HasValue bool
}

// ReadOnly reports whether the control cannot be set.
func (c Control) ReadOnly() bool { return c.Flags&ctrlFlagReadOnly != 0 }

// Inactive reports whether the control currently has no effect (e.g.
// exposure while auto-exposure is on).
func (c Control) Inactive() bool { return c.Flags&ctrlFlagInactive != 0 }

func (c Control) scalar() bool {
	switch c.Type {
	case ControlInteger, ControlBoolean, ControlMenu, ControlInteger64, ControlIntMenu:
		return c.Flags&ctrlFlagWriteOnly == 0
	}
	return false
}

// clamp brings v into [Min, Max] on the Step grid.
func (c Control) clamp(v int64) int64 {
	v = max(c.Min, min(v, c.Max))
	if c.Step > 1 {
		v = c.Min + (v-c.Min)/c.Step*c.Step
	}
	return v
}

// ctrlNode does control ioctls on one open node. Its scratch structs live
// in the heap and are reused under mu, so setting a control (a keyframe
// request on every PLI) allocates nothing.
type ctrlNode struct {
	sys  Sys
	fd   int
	path string

	mu  sync.Mutex
	ecs extControls
	ec  [1]extControl
	qc  queryExtCtrl
}

func newCtrlNode(sys Sys, fd int, path string) *ctrlNode {
	return &ctrlNode{sys: sys, fd: fd, path: path}
}

// query describes control id; ok is false when the device has none.
func (n *ctrlNode) query(id uint32) (c Control, ok bool, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.queryLocked(id)
}

func (n *ctrlNode) queryLocked(id uint32) (Control, bool, error) {
	n.qc = queryExtCtrl{id: id}
	err := n.sys.Ioctl(n.fd, vidiocQueryExtCtrl, unsafe.Pointer(&n.qc))
	if err == nil {
		q := &n.qc
		return Control{ID: q.id, Name: ioctl.CString(q.name[:]), Type: ControlType(q.typ), Min: q.minimum, Max: q.maximum,
			Step: int64(q.step), Default: q.defaultValue, Flags: q.flags}, true, nil
	}
	if !isErrno(err, syscall.ENOTTY) {
		if isErrno(err, syscall.EINVAL) {
			return Control{}, false, nil
		}
		return Control{}, false, ioctlError(n.path, vidiocQueryExtCtrl, err)
	}
	// Drivers from before Linux 3.16 only know VIDIOC_QUERYCTRL.
	qc := queryctrl{id: id}
	if err := n.sys.Ioctl(n.fd, vidiocQueryctrl, unsafe.Pointer(&qc)); err != nil {
		if isErrno(err, syscall.EINVAL) {
			return Control{}, false, nil
		}
		return Control{}, false, ioctlError(n.path, vidiocQueryctrl, err)
	}
	return Control{ID: qc.id, Name: ioctl.CString(qc.name[:]), Type: ControlType(qc.typ), Min: int64(qc.minimum),
		Max: int64(qc.maximum), Step: int64(qc.step), Default: int64(qc.defaultValue), Flags: qc.flags}, true, nil
}

// present returns the control if the device has it enabled.
func (n *ctrlNode) present(id uint32) (Control, bool) {
	c, ok, err := n.query(id)
	if err != nil || !ok || c.Flags&ctrlFlagDisabled != 0 || c.ID != id {
		return Control{}, false
	}
	return c, true
}

// list enumerates every control (V4L2_CTRL_FLAG_NEXT_CTRL), class headers
// and disabled ones left out, each with its current value.
func (n *ctrlNode) list() ([]Control, error) {
	var out []Control
	id := uint32(0)
	for range 1024 {
		c, ok, err := n.query(id | ctrlFlagNextCtrl)
		if err != nil {
			return out, err
		}
		if !ok || c.ID <= id { // done, or a driver that does not advance
			return out, nil
		}
		id = c.ID
		if c.Type == ctrlTypeCtrlClass || c.Flags&ctrlFlagDisabled != 0 {
			continue
		}
		if c.scalar() {
			if v, err := n.get(c.ID); err == nil {
				c.Value, c.HasValue = v, true
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// get reads a control's current value (VIDIOC_G_EXT_CTRLS, any class).
func (n *ctrlNode) get(id uint32) (int64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ec[0] = extControl{id: id}
	n.ecs = extControls{which: ctrlWhichCurVal, count: 1, controls: unsafe.Pointer(&n.ec[0])}
	if err := n.sys.Ioctl(n.fd, vidiocGExtCtrls, unsafe.Pointer(&n.ecs)); err != nil {
		return 0, ioctlError(n.path, vidiocGExtCtrls, fmt.Errorf("control %#x: %w", id, err))
	}
	return n.ec[0].value64(), nil
}

// set writes a control (VIDIOC_S_EXT_CTRLS, any class). v is written as
// value64, which the kernel reads as value for 32-bit controls (the low
// word comes first on little-endian ARM and x86).
func (n *ctrlNode) set(id uint32, v int64) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ec[0] = extControl{id: id}
	n.ec[0].setValue64(v)
	n.ecs = extControls{which: ctrlWhichCurVal, count: 1, controls: unsafe.Pointer(&n.ec[0])}
	if err := n.sys.Ioctl(n.fd, vidiocSExtCtrls, unsafe.Pointer(&n.ecs)); err != nil {
		return ioctlError(n.path, vidiocSExtCtrls, fmt.Errorf("control %#x = %d: %w", id, v, err))
	}
	return nil
}

// codecControls are the encoder controls of a node, found once at open.
type codecControls struct {
	n        *ctrlNode
	bitrate  Control
	hasRate  bool
	hasKey   bool
	mu       sync.Mutex
	target   int
	targetOK bool
}

func findCodecControls(n *ctrlNode) *codecControls {
	cc := &codecControls{n: n}
	cc.bitrate, cc.hasRate = n.present(CIDBitrate)
	_, cc.hasKey = n.present(CIDForceKeyFrame)
	if cc.hasRate {
		if v, err := n.get(CIDBitrate); err == nil {
			cc.target, cc.targetOK = int(v), true
		}
	}
	return cc
}

// requestKeyframe presses V4L2_CID_MPEG_VIDEO_FORCE_KEY_FRAME.
func (cc *codecControls) requestKeyframe() error {
	if !cc.hasKey {
		return wrap(cc.n.path, errors.ErrUnsupported)
	}
	return cc.n.set(CIDForceKeyFrame, 1)
}

// setTargetBitrate clamps bps to the control's range and sets
// V4L2_CID_MPEG_VIDEO_BITRATE.
func (cc *codecControls) setTargetBitrate(bps int) error {
	if !cc.hasRate {
		return wrap(cc.n.path, errors.ErrUnsupported)
	}
	v := int(cc.bitrate.clamp(int64(bps)))
	if err := cc.n.set(CIDBitrate, int64(v)); err != nil {
		return err
	}
	cc.mu.Lock()
	cc.target, cc.targetOK = v, true
	cc.mu.Unlock()
	return nil
}

func (cc *codecControls) targetBitrate() int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.target
}
