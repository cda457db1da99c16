package v4l2

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"syscall"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
	"github.com/cluecam/cluecam/hw"
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
	ControlString    ControlType = ctrlTypeString
	ControlBitmask   ControlType = ctrlTypeBitmask
	ControlIntMenu   ControlType = ctrlTypeIntMenu
)

var controlTypes = map[ControlType]hw.ControlType{
	ControlInteger: hw.ControlInteger, ControlBoolean: hw.ControlBoolean, ControlMenu: hw.ControlMenu,
	ControlButton: hw.ControlButton, ControlInteger64: hw.ControlInteger64, ControlString: hw.ControlString,
	ControlBitmask: hw.ControlBitmask, ControlIntMenu: hw.ControlIntMenu,
}

// toHW returns the hardware-neutral type; compound types are
// hw.ControlCompound.
func (t ControlType) toHW() hw.ControlType {
	if t >= ctrlCompoundTypes {
		return hw.ControlCompound
	}
	if h, ok := controlTypes[t]; ok {
		return h
	}
	return 0
}

func (t ControlType) String() string {
	if h := t.toHW(); h != 0 {
		return h.String()
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
	// strings, write-only and compound controls, and when reading failed.
	Value    int64
	HasValue bool
	// Menu names the items of a menu (VIDIOC_QUERYMENU): Menu[v] is value
	// v's name, "" where the driver skips v; for an integer menu, the
	// integers as text. Only list fills it.
	Menu []string
}

// HW returns the control as hw.DeviceInfo lists it.
func (c Control) HW() hw.Control {
	h := hw.Control{ID: c.ID, Name: c.Name, Type: c.Type.toHW(), Min: c.Min, Max: c.Max, Step: c.Step, Default: c.Default,
		Value: c.Value, HasValue: c.HasValue, Menu: c.Menu}
	for _, f := range [...]struct {
		v4l2 uint32
		hw   hw.ControlFlags
	}{
		{ctrlFlagReadOnly, hw.ControlReadOnly}, {ctrlFlagWriteOnly, hw.ControlWriteOnly}, {ctrlFlagInactive, hw.ControlInactive},
		{ctrlFlagVolatile, hw.ControlVolatile}, {ctrlFlagGrabbed, hw.ControlGrabbed},
	} {
		if c.Flags&f.v4l2 != 0 {
			h.Flags |= f.hw
		}
	}
	return h
}

// hwControls converts a list for hw.DeviceInfo (nil for none).
func hwControls(cs []Control) []hw.Control {
	if len(cs) == 0 {
		return nil
	}
	out := make([]hw.Control, len(cs))
	for i, c := range cs {
		out[i] = c.HW()
	}
	return out
}

// ReadOnly reports whether the control cannot be set.
func (c Control) ReadOnly() bool { return c.Flags&ctrlFlagReadOnly != 0 }

// Inactive reports whether the control currently has no effect (e.g.
// exposure while auto-exposure is on).
func (c Control) Inactive() bool { return c.Flags&ctrlFlagInactive != 0 }

// scalar reports whether the control has a value VIDIOC_G_EXT_CTRLS
// returns in struct v4l2_ext_control itself.
func (c Control) scalar() bool {
	switch c.Type {
	case ControlInteger, ControlBoolean, ControlMenu, ControlInteger64, ControlIntMenu, ControlBitmask:
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
	// Drivers from before Linux 3.16 only know VIDIOC_QUERYCTRL, which
	// has no compound controls.
	qc := queryctrl{id: id &^ ctrlFlagNextCompound}
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

// Bounds of an enumeration, against drivers that never end a list.
const (
	maxControls  = 1024 // V4L2_CID_MAX_CTRLS
	maxMenuItems = 256
)

// list enumerates every control, compound ones included
// (V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND), class headers
// and disabled ones left out, with the names of menu items and the current
// values, read in one VIDIOC_G_EXT_CTRLS. On an error other than the end
// of the list (the node unplugged) it returns the controls found so far,
// without values.
func (n *ctrlNode) list() ([]Control, error) {
	var out []Control
	id := uint32(0)
	var err error
	for range maxControls {
		c, ok, qerr := n.query(id | ctrlFlagNextCtrl | ctrlFlagNextCompound)
		if qerr != nil {
			err = qerr
			break
		}
		if !ok || c.ID <= id { // done, or a driver that does not advance
			break
		}
		id = c.ID
		if c.Type == ctrlTypeCtrlClass || c.Flags&ctrlFlagDisabled != 0 {
			continue
		}
		if c.Type == ControlMenu || c.Type == ControlIntMenu {
			c.Menu = n.menu(c)
		}
		out = append(out, c)
	}
	if err == nil {
		n.values(out)
	}
	return out, err
}

// menu names the items Min..Max of a menu control (VIDIOC_QUERYMENU); an
// item the driver skips answers EINVAL and stays "".
func (n *ctrlNode) menu(c Control) []string {
	if c.Min < 0 || c.Max < c.Min {
		return nil
	}
	hi := min(c.Max, maxMenuItems-1)
	names := make([]string, hi+1)
	for i := c.Min; i <= hi; i++ {
		q := querymenu{id: c.ID, index: uint32(i)}
		if err := n.sys.Ioctl(n.fd, vidiocQuerymenu, unsafe.Pointer(&q)); err != nil {
			if isErrno(err, syscall.EINVAL) {
				continue
			}
			break // the node went away: the next query says so
		}
		if c.Type == ControlIntMenu {
			names[i] = strconv.FormatInt(int64(binary.NativeEndian.Uint64(q.name[:8])), 10)
		} else {
			names[i] = ioctl.CString(q.name[:])
		}
	}
	return names
}

// values reads the current values of the scalar controls among cs in one
// VIDIOC_G_EXT_CTRLS. When the driver refuses the batch (uvcvideo stops at
// the first control the camera does not answer) it reads them one by one;
// those that fail keep HasValue false.
func (n *ctrlNode) values(cs []Control) {
	var idx []int
	for i, c := range cs {
		if c.scalar() {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return
	}
	ecs := make([]extControl, len(idx))
	for j, i := range idx {
		ecs[j].id = cs[i].ID
	}
	x := extControls{which: ctrlWhichCurVal, count: uint32(len(ecs)), controls: unsafe.Pointer(&ecs[0])}
	if err := n.sys.Ioctl(n.fd, vidiocGExtCtrls, unsafe.Pointer(&x)); err == nil {
		for j, i := range idx {
			cs[i].Value, cs[i].HasValue = ecs[j].valueAs(cs[i].Type), true
		}
		return
	}
	if len(idx) == 1 {
		return // that was the one read
	}
	for _, i := range idx {
		if v, err := n.get(cs[i].ID, cs[i].Type); err == nil {
			cs[i].Value, cs[i].HasValue = v, true
		}
	}
}

// get reads a control's current value (VIDIOC_G_EXT_CTRLS, any class);
// t says how wide it is.
func (n *ctrlNode) get(id uint32, t ControlType) (int64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ec[0] = extControl{id: id}
	n.ecs = extControls{which: ctrlWhichCurVal, count: 1, controls: unsafe.Pointer(&n.ec[0])}
	if err := n.sys.Ioctl(n.fd, vidiocGExtCtrls, unsafe.Pointer(&n.ecs)); err != nil {
		return 0, ioctlError(n.path, vidiocGExtCtrls, fmt.Errorf("control %#x: %w", id, err))
	}
	return n.ec[0].valueAs(t), nil
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
		if v, err := n.get(CIDBitrate, cc.bitrate.Type); err == nil {
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
