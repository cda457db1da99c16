package v4l2

import (
	"context"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/hotplug"
	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
	"github.com/cluecam/cluecam/hw"
)

// Steps of a control enumeration, as the kernel answers them.

// nextCtrl scripts VIDIOC_QUERY_EXT_CTRL for the control after id, which
// is out.
func nextCtrl(fd int, after uint32, out queryExtCtrl) ioctltest.Step {
	return ioctltest.Call(fd, vidiocQueryExtCtrl, queryExtCtrl{id: after | ctrlFlagNextCtrl | ctrlFlagNextCompound}, out)
}

// lastCtrl scripts the end of the list after id (EINVAL).
func lastCtrl(fd int, after uint32) ioctltest.Step {
	return ioctltest.Fail(fd, vidiocQueryExtCtrl, queryExtCtrl{id: after | ctrlFlagNextCtrl | ctrlFlagNextCompound}, syscall.EINVAL).Why("end of the list")
}

func withFlags(q queryExtCtrl, flags uint32) queryExtCtrl { q.flags = flags; return q }

// menuItem scripts VIDIOC_QUERYMENU of one named item.
func menuItem(fd int, id, index uint32, name string) ioctltest.Step {
	out := querymenu{id: id, index: index}
	copy(out.name[:], name)
	return ioctltest.Call(fd, vidiocQuerymenu, querymenu{id: id, index: index}, out)
}

// intMenuItem scripts VIDIOC_QUERYMENU of an integer menu item.
func intMenuItem(fd int, id, index uint32, v int64) ioctltest.Step {
	out := querymenu{id: id, index: index}
	binary.NativeEndian.PutUint64(out.name[:8], uint64(v))
	return ioctltest.Call(fd, vidiocQuerymenu, querymenu{id: id, index: index}, out)
}

// menuFail scripts VIDIOC_QUERYMENU failing (EINVAL: an item skipped).
func menuFail(fd int, id, index uint32, err error) ioctltest.Step {
	return ioctltest.Fail(fd, vidiocQuerymenu, querymenu{id: id, index: index}, err)
}

// ctrlValue is one control of a batched VIDIOC_G_EXT_CTRLS and the words
// the kernel writes into its value: only the low one (s32 value) for
// 32-bit types, both for INTEGER64.
type ctrlValue struct {
	id   uint32
	lo   uint32
	hi   uint32
	wide bool
}

func val32(id uint32, v int32) ctrlValue { return ctrlValue{id: id, lo: uint32(v)} }
func val64(id uint32, v int64) ctrlValue {
	return ctrlValue{id: id, lo: uint32(v), hi: uint32(uint64(v) >> 32), wide: true}
}

// getCtrlsStep scripts one VIDIOC_G_EXT_CTRLS of the controls in vs, in
// that order; err fails it.
func getCtrlsStep(t *testing.T, fd int, err error, vs ...ctrlValue) ioctltest.Step {
	n := uint32(len(vs))
	s := ioctltest.Call(fd, vidiocGExtCtrls, extControls{which: ctrlWhichCurVal, count: n}, extControls{which: ctrlWhichCurVal, count: n})
	s.Err = err
	return s.Then(func(arg unsafe.Pointer) {
		ecs := unsafe.Slice((*extControl)((*extControls)(arg).controls), n)
		for i, v := range vs {
			if ecs[i].id != v.id {
				t.Errorf("G_EXT_CTRLS control %d is %#x, want %#x", i, ecs[i].id, v.id)
			}
			if err == nil {
				ecs[i].value[0] = v.lo
				if v.wide {
					ecs[i].value[1] = v.hi
				}
			}
		}
	})
}

// The controls of the scripted camera: one of each kind cluecam tells
// apart, in ID order, as vivid and uvcvideo describe them.
const (
	cidContrast    = 0x00980901
	cidSaturation  = 0x00980902
	cidWhiteBal    = 0x0098090d
	cidHFlip       = 0x00980914
	cidPowerLine   = 0x00980918
	cidTestMenu    = 0x00980a00
	cidIntMenu     = 0x00980a01
	cidInt64       = 0x00980a02
	cidBitmask     = 0x00980a03
	cidRelativePan = 0x00980a04
	cidString      = 0x00980a05
	cidArea        = 0x00980a06
)

// listSteps scripts the enumeration of the scripted camera's controls.
func listSteps(t *testing.T, fd int) []ioctltest.Step {
	return []ioctltest.Step{
		nextCtrl(fd, 0, ctrlDesc(0x00980001, ctrlTypeCtrlClass, "User Controls", 0, 0, 0, 0)).Why("class: skipped"),
		nextCtrl(fd, 0x00980001, ctrlDesc(CIDBrightness, ctrlTypeInteger, "Brightness", 0, 255, 1, 128)),
		nextCtrl(fd, CIDBrightness, withFlags(ctrlDesc(cidContrast, ctrlTypeInteger, "Contrast", -128, 127, 1, 0), ctrlFlagSlider)),
		nextCtrl(fd, cidContrast, withFlags(ctrlDesc(cidSaturation, ctrlTypeInteger, "Saturation", 0, 255, 1, 128), ctrlFlagDisabled)).Why("disabled: skipped"),
		nextCtrl(fd, cidSaturation, ctrlDesc(cidWhiteBal, ctrlTypeButton, "Do White Balance", 0, 0, 0, 0)),
		nextCtrl(fd, cidWhiteBal, withFlags(ctrlDesc(cidHFlip, ctrlTypeBoolean, "Horizontal Flip", 0, 1, 1, 0), ctrlFlagGrabbed)),
		nextCtrl(fd, cidHFlip, ctrlDesc(cidPowerLine, ctrlTypeMenu, "Power Line Frequency", 0, 2, 1, 2)),
		menuItem(fd, cidPowerLine, 0, "Disabled"), menuItem(fd, cidPowerLine, 1, "50 Hz"), menuItem(fd, cidPowerLine, 2, "60 Hz"),
		nextCtrl(fd, cidPowerLine, withFlags(ctrlDesc(cidTestMenu, ctrlTypeMenu, "Menu", 1, 4, 1, 3), ctrlFlagInactive)),
		menuItem(fd, cidTestMenu, 1, "Menu Item 1"), menuFail(fd, cidTestMenu, 2, syscall.EINVAL).Why("skipped item"),
		menuItem(fd, cidTestMenu, 3, "Menu Item 3"), menuItem(fd, cidTestMenu, 4, "Menu Item 4"),
		nextCtrl(fd, cidTestMenu, withFlags(ctrlDesc(cidIntMenu, ctrlTypeIntMenu, "Integer Menu", 0, 1, 0, 1), ctrlFlagReadOnly)),
		intMenuItem(fd, cidIntMenu, 0, -5), intMenuItem(fd, cidIntMenu, 1, 1<<40),
		nextCtrl(fd, cidIntMenu, ctrlDesc(cidInt64, ctrlTypeInteger64, "Integer 64 Bits", -1<<62, 1<<62, 1, 0)),
		nextCtrl(fd, cidInt64, ctrlDesc(cidBitmask, ctrlTypeBitmask, "Bitmask", 0, 0x8000ffff, 0, 0x80000001)),
		nextCtrl(fd, cidBitmask, withFlags(ctrlDesc(cidRelativePan, ctrlTypeInteger, "Pan, Relative", -4480, 4480, 1, 0), ctrlFlagWriteOnly)),
		nextCtrl(fd, cidRelativePan, ctrlDesc(cidString, ctrlTypeString, "String", 2, 32, 1, 0)),
		nextCtrl(fd, cidString, withFlags(ctrlDesc(cidArea, 0x0106, "Area", 0, 0, 0, 0), ctrlFlagVolatile)).Why("compound: listed, not read"),
		lastCtrl(fd, cidArea),
		getCtrlsStep(t, fd, nil, val32(CIDBrightness, 140), val32(cidContrast, -10), val32(cidHFlip, 1), val32(cidPowerLine, 1),
			val32(cidTestMenu, 4), val32(cidIntMenu, 1), val64(cidInt64, -1<<40), ctrlValue{id: cidBitmask, lo: 0x80000001}),
	}
}

const ctrlFlagSlider = 0x0020

// wantControls is what listSteps enumerates, as hw.DeviceInfo lists it.
var wantControls = []hw.Control{
	{ID: CIDBrightness, Name: "Brightness", Type: hw.ControlInteger, Max: 255, Step: 1, Default: 128, Value: 140, HasValue: true},
	{ID: cidContrast, Name: "Contrast", Type: hw.ControlInteger, Min: -128, Max: 127, Step: 1, Value: -10, HasValue: true},
	{ID: cidWhiteBal, Name: "Do White Balance", Type: hw.ControlButton},
	{ID: cidHFlip, Name: "Horizontal Flip", Type: hw.ControlBoolean, Max: 1, Step: 1, Value: 1, HasValue: true, Flags: hw.ControlGrabbed},
	{ID: cidPowerLine, Name: "Power Line Frequency", Type: hw.ControlMenu, Max: 2, Step: 1, Default: 2, Value: 1, HasValue: true,
		Menu: []string{"Disabled", "50 Hz", "60 Hz"}},
	{ID: cidTestMenu, Name: "Menu", Type: hw.ControlMenu, Min: 1, Max: 4, Step: 1, Default: 3, Value: 4, HasValue: true,
		Menu: []string{"", "Menu Item 1", "", "Menu Item 3", "Menu Item 4"}, Flags: hw.ControlInactive},
	{ID: cidIntMenu, Name: "Integer Menu", Type: hw.ControlIntMenu, Max: 1, Default: 1, Value: 1, HasValue: true,
		Menu: []string{"-5", "1099511627776"}, Flags: hw.ControlReadOnly},
	{ID: cidInt64, Name: "Integer 64 Bits", Type: hw.ControlInteger64, Min: -1 << 62, Max: 1 << 62, Step: 1, Value: -1 << 40, HasValue: true},
	{ID: cidBitmask, Name: "Bitmask", Type: hw.ControlBitmask, Max: 0x8000ffff, Default: 0x80000001, Value: 0x80000001, HasValue: true},
	{ID: cidRelativePan, Name: "Pan, Relative", Type: hw.ControlInteger, Min: -4480, Max: 4480, Step: 1, Flags: hw.ControlWriteOnly},
	{ID: cidString, Name: "String", Type: hw.ControlString, Min: 2, Max: 32, Step: 1},
	{ID: cidArea, Name: "Area", Type: hw.ControlCompound, Flags: hw.ControlVolatile},
}

func checkControls(t *testing.T, got, want []hw.Control) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d controls, want %d: %+v", len(got), len(want), got)
	}
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("control %d:\n\tgot  %+v\n\twant %+v", i, got[i], want[i])
		}
	}
}

// TestScanListsControls: a scan lists a camera's controls (class headers
// and disabled controls left out, compound ones listed without a value,
// menu items by index with the skipped one empty), reading every value in
// one VIDIOC_G_EXT_CTRLS, each as wide as its type (a negative s32
// sign-extended, a bitmask's top bit not).
func TestScanListsControls(t *testing.T) {
	c := defaultCam()
	script := append([]ioctltest.Step{ioctltest.OpenStep(c.path, c.fd)}, c.probeSteps()...)
	script = append(script, listSteps(t, c.fd)...)
	script = append(script, ioctltest.CloseStep(c.fd))
	p := NewProvider(&Options{Sys: newFake(t, script...), FS: devFS("video0")})
	devs, err := p.Scan(context.Background())
	if err != nil || len(devs) != 1 {
		t.Fatalf("Scan = %+v, %v", devs, err)
	}
	checkControls(t, devs[0].Controls, wantControls)
	if got := devs[0].Controls[4]; got.MenuName(got.Value) != "50 Hz" || got.MenuName(got.Default) != "60 Hz" {
		t.Errorf("power line frequency: %+v", got)
	}
}

// TestListControlValueFails: a driver that refuses the batched read (as
// uvcvideo does at the first control the camera does not answer) gets one
// read per control; the control that fails has no value, the others do,
// and the list is no error.
func TestListControlValueFails(t *testing.T) {
	const fd = 7
	const cidExposure = 0x009a0902
	f := newFake(t,
		nextCtrl(fd, 0, ctrlDesc(CIDBrightness, ctrlTypeInteger, "Brightness", -64, 64, 1, 0)),
		nextCtrl(fd, CIDBrightness, ctrlDesc(cidContrast, ctrlTypeInteger, "Contrast", 0, 95, 1, 0)),
		nextCtrl(fd, cidContrast, ctrlDesc(cidExposure, ctrlTypeInteger, "Exposure Time, Absolute", 1, 5000, 1, 157)),
		lastCtrl(fd, cidExposure),
		getCtrlsStep(t, fd, syscall.EIO, val32(CIDBrightness, 0), val32(cidContrast, 0), val32(cidExposure, 0)).Why("the camera stalls on contrast"),
		getCtrlsStep(t, fd, nil, val32(CIDBrightness, -3)),
		getCtrlsStep(t, fd, syscall.EIO, val32(cidContrast, 0)),
		getCtrlsStep(t, fd, nil, val32(cidExposure, 300)),
	)
	cs, err := newCtrlNode(f, fd, "/dev/video7").list()
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(cs) != 3 || !cs[0].HasValue || cs[0].Value != -3 || cs[1].HasValue || !cs[2].HasValue || cs[2].Value != 300 {
		t.Errorf("list = %+v", cs)
	}

	// A lone control whose read fails is read once.
	f = newFake(t,
		nextCtrl(fd, 0, ctrlDesc(cidContrast, ctrlTypeInteger, "Contrast", 0, 95, 1, 0)),
		lastCtrl(fd, cidContrast),
		getCtrlsStep(t, fd, syscall.EIO, val32(cidContrast, 0)),
	)
	if cs, err := newCtrlNode(f, fd, "/dev/video7").list(); err != nil || len(cs) != 1 || cs[0].HasValue {
		t.Errorf("list = %+v, %v", cs, err)
	}
}

// TestListControlsErrors: an enumeration that fails midway (the node
// unplugged) returns what it found, unread, and the error; a scan keeps the device
// with those controls and reports the node. A menu whose items fail other
// than by EINVAL keeps the names it got. A node with no controls (EINVAL
// at once) lists none, without reading values.
func TestListControlsErrors(t *testing.T) {
	c := defaultCam()
	script := append([]ioctltest.Step{ioctltest.OpenStep(c.path, c.fd)}, c.probeSteps()...)
	script = append(script,
		nextCtrl(c.fd, 0, ctrlDesc(CIDBrightness, ctrlTypeInteger, "Brightness", 0, 255, 1, 128)),
		nextCtrl(c.fd, CIDBrightness, ctrlDesc(cidPowerLine, ctrlTypeMenu, "Power Line Frequency", 0, 2, 1, 2)),
		menuItem(c.fd, cidPowerLine, 0, "Disabled"), menuFail(c.fd, cidPowerLine, 1, syscall.ENODEV),
		ioctltest.Fail(c.fd, vidiocQueryExtCtrl, queryExtCtrl{id: cidPowerLine | ctrlFlagNextCtrl | ctrlFlagNextCompound}, syscall.ENODEV),
		ioctltest.CloseStep(c.fd))
	p := NewProvider(&Options{Sys: newFake(t, script...), FS: devFS("video0")})
	devs, err := p.Scan(context.Background())
	if err == nil || !errors.Is(err, syscall.ENODEV) || !strings.Contains(err.Error(), "/dev/video0") || !strings.Contains(err.Error(), "VIDIOC_QUERY_EXT_CTRL") {
		t.Errorf("Scan error = %v", err)
	}
	if len(devs) != 1 {
		t.Fatalf("Scan = %+v", devs)
	}
	checkControls(t, devs[0].Controls, []hw.Control{
		{ID: CIDBrightness, Name: "Brightness", Type: hw.ControlInteger, Max: 255, Step: 1, Default: 128},
		{ID: cidPowerLine, Name: "Power Line Frequency", Type: hw.ControlMenu, Max: 2, Step: 1, Default: 2, Menu: []string{"Disabled", "", ""}},
	})

	f := newFake(t, lastCtrl(7, 0))
	if cs, err := newCtrlNode(f, 7, "/dev/video7").list(); err != nil || cs != nil {
		t.Errorf("list of none = %+v, %v", cs, err)
	}
}

// TestMenuBounds: a menu with a negative minimum has no names; one with
// an absurd maximum is asked for the first maxMenuItems only.
func TestMenuBounds(t *testing.T) {
	f := newFake(t)
	n := newCtrlNode(f, 7, "/dev/video7")
	if m := n.menu(Control{ID: 1, Type: ControlMenu, Min: -1, Max: 3}); m != nil {
		t.Errorf("menu with Min -1 = %q", m)
	}
	if m := n.menu(Control{ID: 1, Type: ControlMenu, Min: 3, Max: 1}); m != nil {
		t.Errorf("menu with Max < Min = %q", m)
	}
	var steps []ioctltest.Step
	for i := range uint32(maxMenuItems) {
		steps = append(steps, menuFail(7, 1, i, syscall.EINVAL))
	}
	f.Add(steps...)
	if m := n.menu(Control{ID: 1, Type: ControlMenu, Max: 1 << 40}); len(m) != maxMenuItems {
		t.Errorf("menu up to 2^40 has %d names", len(m))
	}
}

func TestControlTypeNames(t *testing.T) {
	for typ, want := range map[ControlType]string{
		ControlInteger: "int", ControlBoolean: "bool", ControlMenu: "menu", ControlButton: "button", ControlInteger64: "int64",
		ControlString: "string", ControlBitmask: "bitmask", ControlIntMenu: "intmenu", 0x0100: "compound", 0x0106: "compound",
		ctrlTypeCtrlClass: "type6", 42: "type42",
	} {
		if got := typ.String(); got != want {
			t.Errorf("ControlType(%d) = %q, want %q", uint32(typ), got, want)
		}
	}
}

// idleSource is a uevent source with nothing to say until closed.
type idleSource struct{ closed chan struct{} }

func (s idleSource) Read() (hotplug.Uevent, error) {
	<-s.closed
	return hotplug.Uevent{}, errors.New("closed")
}
func (s idleSource) Close() error { close(s.closed); return nil }

// TestWatchScansWithoutControls: the scans of Provider.Watch leave the
// controls out (no VIDIOC_QUERY_EXT_CTRL is scripted), so a control
// changing its value is not a device removed and added.
func TestWatchScansWithoutControls(t *testing.T) {
	c := defaultCam()
	script := append([]ioctltest.Step{ioctltest.OpenStep(c.path, c.fd)}, c.probeSteps()...)
	script = append(script, ioctltest.CloseStep(c.fd))
	ready := make(chan struct{})
	p := NewProvider(&Options{Sys: newFake(t, script...), FS: devFS("video0"), Hotplug: &hotplug.Options{
		Open:  func() (hotplug.Source, error) { return idleSource{make(chan struct{})}, nil },
		Ready: func() { close(ready) },
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Watch(ctx, make(chan hw.Event, 4)) }()
	<-ready
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Watch = %v", err)
	}
}
