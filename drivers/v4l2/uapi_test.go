package v4l2

import (
	"testing"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
)

// TestStructSizes and TestIoctlNumbers pin the sizes and ioctl numbers of
// <linux/videodev2.h> (Linux 6.1 uapi) for the two ABIs cluecam runs on
// (ioctltest.CheckABI). The 64-bit column holds for amd64
// and arm64 (LP64, 8-byte timeval); the 32-bit column for arm (ILP32, EABI
// 8-byte alignment of 64-bit members, time32: an 8-byte struct timeval and
// timespec). Each number was computed with _IOC(dir, 'V', nr, size) from
// asm-generic/ioctl.h, (dir<<30)|(size<<16)|('V'<<8)|nr, from the C
// compiler's sizeof for that ABI (gcc x86_64 and arm-linux-gnueabihf, with
// the 6.1 headers); VIDIOC_QUERYBUF is 0xc0585609 on 64-bit and
// 0xc0445609 on arm as the brief and the kernel's compat tables say.
func TestStructSizes(t *testing.T) {
	abi := ioctltest.ABI(t)
	abi("v4l2_capability", unsafe.Sizeof(capability{}), 104, 104)
	abi("v4l2_fmtdesc", unsafe.Sizeof(fmtdesc{}), 64, 64)
	abi("v4l2_frmsizeenum", unsafe.Sizeof(frmsizeenum{}), 44, 44)
	abi("v4l2_frmivalenum", unsafe.Sizeof(frmivalenum{}), 52, 52)
	abi("v4l2_format", unsafe.Sizeof(format{}), 208, 204)
	abi("v4l2_pix_format", unsafe.Sizeof(pixFormat{}), 48, 48)
	abi("v4l2_pix_format_mplane", unsafe.Sizeof(pixFormatMPlane{}), 192, 192)
	abi("v4l2_plane_pix_format", unsafe.Sizeof(planePixFormat{}), 20, 20)
	abi("v4l2_requestbuffers", unsafe.Sizeof(requestbuffers{}), 20, 20)
	abi("v4l2_buffer", unsafe.Sizeof(buffer{}), 88, 68)
	abi("v4l2_plane", unsafe.Sizeof(plane{}), 64, 60)
	abi("v4l2_exportbuffer", unsafe.Sizeof(exportbuffer{}), 64, 64)
	abi("v4l2_ext_controls", unsafe.Sizeof(extControls{}), 32, 24)
	abi("v4l2_ext_control", unsafe.Sizeof(extControl{}), 20, 20)
	abi("v4l2_event_subscription", unsafe.Sizeof(eventSubscription{}), 32, 32)
	abi("v4l2_event", unsafe.Sizeof(event{}), 136, 128)
	abi("v4l2_streamparm", unsafe.Sizeof(streamparm{}), 204, 204)
	abi("v4l2_captureparm", unsafe.Sizeof(captureparm{}), 40, 40)
	abi("v4l2_encoder_cmd", unsafe.Sizeof(encoderCmd{}), 40, 40)
	abi("v4l2_queryctrl", unsafe.Sizeof(queryctrl{}), 68, 68)
	abi("v4l2_query_ext_ctrl", unsafe.Sizeof(queryExtCtrl{}), 232, 232)
	abi("v4l2_control", unsafe.Sizeof(control{}), 8, 8)
	abi("v4l2_querymenu", unsafe.Sizeof(querymenu{}), 44, 44)
	abi("v4l2_timecode", unsafe.Sizeof(timecode{}), 16, 16)
	// offsets the kernel reads at fixed places
	abi("v4l2_buffer.timestamp", unsafe.Offsetof(buffer{}.timestamp), 24, 20)
	abi("v4l2_buffer.timecode", unsafe.Offsetof(buffer{}.timecode), 40, 28)
	abi("v4l2_buffer.sequence", unsafe.Offsetof(buffer{}.sequence), 56, 44)
	abi("v4l2_buffer.memory", unsafe.Offsetof(buffer{}.memory), 60, 48)
	abi("v4l2_buffer.m", unsafe.Offsetof(buffer{}.m), 64, 52)
	abi("v4l2_buffer.length", unsafe.Offsetof(buffer{}.length), 72, 56)
	abi("v4l2_buffer.request_fd", unsafe.Offsetof(buffer{}.requestFd), 80, 64)
	abi("v4l2_format.fmt", unsafe.Offsetof(format{}.fmt), 8, 4)
	abi("v4l2_plane.m", unsafe.Offsetof(plane{}.m), 8, 8)
	abi("v4l2_plane.data_offset", unsafe.Offsetof(plane{}.dataOffset), 16, 12)
	abi("v4l2_ext_controls.controls", unsafe.Offsetof(extControls{}.controls), 24, 20)
	abi("v4l2_ext_controls.error_idx", unsafe.Offsetof(extControls{}.errorIdx), 8, 8)
	abi("v4l2_ext_control.value", unsafe.Offsetof(extControl{}.value), 12, 12)
	abi("v4l2_querymenu.name", unsafe.Offsetof(querymenu{}.name), 8, 8)
	abi("v4l2_querymenu.reserved", unsafe.Offsetof(querymenu{}.reserved), 40, 40)
	abi("v4l2_event.u", unsafe.Offsetof(event{}.u), 8, 8)
	abi("v4l2_event.pending", unsafe.Offsetof(event{}.pending), 72, 72)
	abi("v4l2_event.timestamp", unsafe.Offsetof(event{}.timestamp), 80, 80)
	abi("v4l2_event.id", unsafe.Offsetof(event{}.id), 96, 88)
	abi("v4l2_query_ext_ctrl.minimum", unsafe.Offsetof(queryExtCtrl{}.minimum), 40, 40)
	abi("v4l2_query_ext_ctrl.maximum", unsafe.Offsetof(queryExtCtrl{}.maximum), 48, 48)
	abi("v4l2_query_ext_ctrl.step", unsafe.Offsetof(queryExtCtrl{}.step), 56, 56)
	abi("v4l2_query_ext_ctrl.default_value", unsafe.Offsetof(queryExtCtrl{}.defaultValue), 64, 64)
	abi("v4l2_query_ext_ctrl.flags", unsafe.Offsetof(queryExtCtrl{}.flags), 72, 72)
	abi("v4l2_query_ext_ctrl.elem_size", unsafe.Offsetof(queryExtCtrl{}.elemSize), 76, 76)
	abi("v4l2_query_ext_ctrl.dims", unsafe.Offsetof(queryExtCtrl{}.dims), 88, 88)
	abi("v4l2_frmivalenum.discrete", unsafe.Offsetof(frmivalenum{}.u), 20, 20)
	abi("v4l2_frmsizeenum.discrete", unsafe.Offsetof(frmsizeenum{}.u), 12, 12)
	abi("v4l2_pix_format_mplane.num_planes", unsafe.Offsetof(pixFormatMPlane{}.numPlanes), 180, 180)
}

func TestIoctlNumbers(t *testing.T) {
	n := func(v uint32) uintptr { return uintptr(v) }
	abi := ioctltest.ABI(t)
	abi("VIDIOC_QUERYCAP", n(vidiocQuerycap), 0x80685600, 0x80685600)
	abi("VIDIOC_ENUM_FMT", n(vidiocEnumFmt), 0xc0405602, 0xc0405602)
	abi("VIDIOC_G_FMT", n(vidiocGFmt), 0xc0d05604, 0xc0cc5604)
	abi("VIDIOC_S_FMT", n(vidiocSFmt), 0xc0d05605, 0xc0cc5605)
	abi("VIDIOC_REQBUFS", n(vidiocReqbufs), 0xc0145608, 0xc0145608)
	abi("VIDIOC_QUERYBUF", n(vidiocQuerybuf), 0xc0585609, 0xc0445609)
	abi("VIDIOC_QBUF", n(vidiocQbuf), 0xc058560f, 0xc044560f)
	abi("VIDIOC_EXPBUF", n(vidiocExpbuf), 0xc0405610, 0xc0405610)
	abi("VIDIOC_DQBUF", n(vidiocDqbuf), 0xc0585611, 0xc0445611)
	abi("VIDIOC_STREAMON", n(vidiocStreamon), 0x40045612, 0x40045612)
	abi("VIDIOC_STREAMOFF", n(vidiocStreamoff), 0x40045613, 0x40045613)
	abi("VIDIOC_G_PARM", n(vidiocGParm), 0xc0cc5615, 0xc0cc5615)
	abi("VIDIOC_S_PARM", n(vidiocSParm), 0xc0cc5616, 0xc0cc5616)
	abi("VIDIOC_G_CTRL", n(vidiocGCtrl), 0xc008561b, 0xc008561b)
	abi("VIDIOC_S_CTRL", n(vidiocSCtrl), 0xc008561c, 0xc008561c)
	abi("VIDIOC_QUERYCTRL", n(vidiocQueryctrl), 0xc0445624, 0xc0445624)
	abi("VIDIOC_QUERYMENU", n(vidiocQuerymenu), 0xc02c5625, 0xc02c5625)
	abi("VIDIOC_G_EXT_CTRLS", n(vidiocGExtCtrls), 0xc0205647, 0xc0185647)
	abi("VIDIOC_S_EXT_CTRLS", n(vidiocSExtCtrls), 0xc0205648, 0xc0185648)
	abi("VIDIOC_ENUM_FRAMESIZES", n(vidiocEnumFramesizes), 0xc02c564a, 0xc02c564a)
	abi("VIDIOC_ENUM_FRAMEINTERVALS", n(vidiocEnumFrameintervals), 0xc034564b, 0xc034564b)
	abi("VIDIOC_ENCODER_CMD", n(vidiocEncoderCmd), 0xc028564d, 0xc028564d)
	abi("VIDIOC_TRY_ENCODER_CMD", n(vidiocTryEncoderCmd), 0xc028564e, 0xc028564e)
	abi("VIDIOC_DQEVENT", n(vidiocDqevent), 0x80885659, 0x80805659)
	abi("VIDIOC_SUBSCRIBE_EVENT", n(vidiocSubscribeEvent), 0x4020565a, 0x4020565a)
	abi("VIDIOC_UNSUBSCRIBE_EVENT", n(vidiocUnsubscribeEvent), 0x4020565b, 0x4020565b)
	abi("VIDIOC_QUERY_EXT_CTRL", n(vidiocQueryExtCtrl), 0xc0e85667, 0xc0e85667)
}

func TestIoctlSize(t *testing.T) {
	if got := IoctlSize(vidiocQuerybuf); got != int(unsafe.Sizeof(buffer{})) {
		t.Errorf("IoctlSize(QUERYBUF) = %d", got)
	}
	if IoctlName(vidiocDqbuf) != "VIDIOC_DQBUF" || IoctlName(0x1234) != "0x00001234" {
		t.Errorf("IoctlName: %q %q", IoctlName(vidiocDqbuf), IoctlName(0x1234))
	}
}
