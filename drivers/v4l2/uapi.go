package v4l2

import (
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
)

// The V4L2 user-space API, written out from <linux/videodev2.h> and
// <linux/v4l2-controls.h> (Linux 6.1 uapi). Layouts follow the C ABI of the
// target: "long" and pointers are Go's int and uintptr (both ILP32 on arm
// and LP64 on arm64/amd64), and struct timeval/timespec are the time32
// layouts on 32-bit ARM, where Go uses 32-bit time, so the ioctl numbers
// are the time32 ones the kernel keeps for such binaries (VIDIOC_QUERYBUF
// 0xc0445609). Where C aligns a 64-bit member to 8 and Go on arm would align
// it to 4, explicit padding makes the layouts agree; uapi_test.go checks
// every size and offset that matters against the C compiler's values.

// ptrSize is sizeof(void *) (and sizeof(long)) on the target.
const ptrSize = unsafe.Sizeof(uintptr(0))

// Buffer types (enum v4l2_buf_type).
const (
	bufTypeVideoCapture       = 1
	bufTypeVideoOutput        = 2
	bufTypeVideoCaptureMPlane = 9
	bufTypeVideoOutputMPlane  = 10
)

// Memory types (enum v4l2_memory).
const (
	memoryMMAP   = 1
	memoryDMABUF = 4
)

// Field orders (enum v4l2_field).
const (
	fieldAny  = 0
	fieldNone = 1
)

// Capabilities (struct v4l2_capability .capabilities / .device_caps).
const (
	capVideoCapture       = 0x00000001
	capVideoOutput        = 0x00000002
	capVideoCaptureMPlane = 0x00001000
	capVideoOutputMPlane  = 0x00002000
	capVideoM2MMPlane     = 0x00004000
	capVideoM2M           = 0x00008000
	capStreaming          = 0x04000000
	capDeviceCaps         = 0x80000000
)

// captureparm.capability: the device honours timeperframe.
const capTimePerFrame = 0x1000

// Format description flags (struct v4l2_fmtdesc .flags).
const fmtFlagCompressed = 0x0001

// Frame size and interval types.
const (
	frmTypeDiscrete   = 1
	frmTypeContinuous = 2
	frmTypeStepwise   = 3
)

// Buffer flags (struct v4l2_buffer .flags).
const (
	bufFlagMapped             = 0x00000001
	bufFlagQueued             = 0x00000002
	bufFlagDone               = 0x00000004
	bufFlagKeyframe           = 0x00000008
	bufFlagPFrame             = 0x00000010
	bufFlagBFrame             = 0x00000020
	bufFlagError              = 0x00000040
	bufFlagTimestampMask      = 0x0000e000
	bufFlagTimestampUnknown   = 0x00000000
	bufFlagTimestampMonotonic = 0x00002000
	bufFlagTimestampCopy      = 0x00004000
	bufFlagLast               = 0x00100000
)

// Events (struct v4l2_event .type) and source-change bits.
const (
	eventEOS          = 2
	eventSourceChange = 5
	srcChResolution   = 1
)

// Encoder commands (struct v4l2_encoder_cmd .cmd).
const (
	encCmdStart = 0
	encCmdStop  = 1
)

// Control types, flags and IDs.
const (
	ctrlTypeInteger   = 1
	ctrlTypeBoolean   = 2
	ctrlTypeMenu      = 3
	ctrlTypeButton    = 4
	ctrlTypeInteger64 = 5
	ctrlTypeCtrlClass = 6
	ctrlTypeString    = 7
	ctrlTypeBitmask   = 8
	ctrlTypeIntMenu   = 9
	// Compound types (arrays of u8/u16/u32, areas, codec parameters)
	// start here.
	ctrlCompoundTypes = 0x0100

	ctrlFlagDisabled     = 0x0001
	ctrlFlagGrabbed      = 0x0002
	ctrlFlagReadOnly     = 0x0004
	ctrlFlagInactive     = 0x0010
	ctrlFlagWriteOnly    = 0x0040
	ctrlFlagVolatile     = 0x0080
	ctrlFlagNextCtrl     = 0x80000000
	ctrlFlagNextCompound = 0x40000000

	ctrlWhichCurVal = 0

	ctrlClassUser  = 0x00980000
	ctrlClassCodec = 0x00990000
)

// Control IDs cluecam uses (<linux/v4l2-controls.h>).
const (
	CIDBrightness         = 0x00980900
	CIDBitrateMode        = 0x009909ce // V4L2_CID_MPEG_VIDEO_BITRATE_MODE
	CIDBitrate            = 0x009909cf // V4L2_CID_MPEG_VIDEO_BITRATE
	CIDGOPSize            = 0x009909cb // V4L2_CID_MPEG_VIDEO_GOP_SIZE
	CIDRepeatSeqHeader    = 0x009909e2 // V4L2_CID_MPEG_VIDEO_REPEAT_SEQ_HEADER
	CIDForceKeyFrame      = 0x009909e5 // V4L2_CID_MPEG_VIDEO_FORCE_KEY_FRAME
	CIDH264IPeriod        = 0x00990a66 // V4L2_CID_MPEG_VIDEO_H264_I_PERIOD
	CIDH264Level          = 0x00990a67 // V4L2_CID_MPEG_VIDEO_H264_LEVEL
	CIDH264Profile        = 0x00990a6b // V4L2_CID_MPEG_VIDEO_H264_PROFILE
	CIDPrependSPSPPSToIDR = 0x00990b84 // V4L2_CID_MPEG_VIDEO_PREPEND_SPSPPS_TO_IDR
)

// struct v4l2_capability
type capability struct {
	driver       [16]byte
	card         [32]byte
	busInfo      [32]byte
	version      uint32
	capabilities uint32
	deviceCaps   uint32
	reserved     [3]uint32
}

// caps returns the capabilities of this node: device_caps when the driver
// fills it, the whole device's otherwise.
func (c *capability) caps() uint32 {
	if c.capabilities&capDeviceCaps != 0 {
		return c.deviceCaps
	}
	return c.capabilities
}

// struct v4l2_fmtdesc
type fmtdesc struct {
	index       uint32
	typ         uint32
	flags       uint32
	description [32]byte
	pixelformat uint32
	mbusCode    uint32
	reserved    [3]uint32
}

// struct v4l2_frmsizeenum; u is the union of discrete (width, height) and
// stepwise (min_width, max_width, step_width, min_height, max_height,
// step_height).
type frmsizeenum struct {
	index       uint32
	pixelFormat uint32
	typ         uint32
	u           [6]uint32
	reserved    [2]uint32
}

// struct v4l2_fract
type fract struct{ num, den uint32 }

// struct v4l2_frmivalenum; u is the union of discrete (a fract) and
// stepwise (min, max, step).
type frmivalenum struct {
	index       uint32
	pixelFormat uint32
	width       uint32
	height      uint32
	typ         uint32
	u           [3]fract
	reserved    [2]uint32
}

// struct v4l2_format: the union fmt is 200 bytes, aligned like a pointer
// (it holds struct v4l2_window).
type format struct {
	typ uint32
	_   [ptrSize - 4]byte
	fmt [50]uint32
}

// struct v4l2_pix_format, the single-planar view of format.fmt.
type pixFormat struct {
	width        uint32
	height       uint32
	pixelformat  uint32
	field        uint32
	bytesperline uint32
	sizeimage    uint32
	colorspace   uint32
	priv         uint32
	flags        uint32
	ycbcrEnc     uint32
	quantization uint32
	xferFunc     uint32
}

// struct v4l2_plane_pix_format (packed, 20 bytes)
type planePixFormat struct {
	sizeimage    uint32
	bytesperline uint32
	reserved     [6]uint16
}

// struct v4l2_pix_format_mplane, the multi-planar view of format.fmt.
type pixFormatMPlane struct {
	width        uint32
	height       uint32
	pixelformat  uint32
	field        uint32
	colorspace   uint32
	planeFmt     [maxPlanes]planePixFormat
	numPlanes    uint8
	flags        uint8
	ycbcrEnc     uint8
	quantization uint8
	xferFunc     uint8
	reserved     [7]uint8
}

// maxPlanes is VIDEO_MAX_PLANES.
const maxPlanes = 8

func (f *format) pix() *pixFormat           { return (*pixFormat)(unsafe.Pointer(&f.fmt)) }
func (f *format) pixMP() *pixFormatMPlane   { return (*pixFormatMPlane)(unsafe.Pointer(&f.fmt)) }
func (p *streamparm) capture() *captureparm { return (*captureparm)(unsafe.Pointer(&p.parm)) }
func (p *streamparm) output() *captureparm  { return (*captureparm)(unsafe.Pointer(&p.parm)) }

// struct v4l2_requestbuffers
type requestbuffers struct {
	count        uint32
	typ          uint32
	memory       uint32
	capabilities uint32
	flags        uint8
	reserved     [3]uint8
}

// struct timeval as the kernel reads it from this process: 2×long.
type timeval struct {
	sec  int
	usec int
}

// struct timespec as in struct v4l2_event: 2×long.
type timespec struct {
	sec  int
	nsec int
}

// struct v4l2_timecode
type timecode struct {
	typ      uint32
	flags    uint32
	frames   uint8
	seconds  uint8
	minutes  uint8
	hours    uint8
	userbits [4]uint8
}

// struct v4l2_buffer. m is the union of offset (MMAP, single-planar), fd
// (DMABUF, single-planar), userptr and planes (multi-planar: a pointer to
// the plane array, which must live in the Go heap for the call).
type buffer struct {
	index     uint32
	typ       uint32
	bytesused uint32
	flags     uint32
	field     uint32
	timestamp timeval
	timecode  timecode
	sequence  uint32
	memory    uint32
	m         uintptr
	length    uint32
	reserved2 uint32
	requestFd int32
}

// struct v4l2_plane. m is the union of mem_offset (MMAP), userptr and fd
// (DMABUF).
type plane struct {
	bytesused  uint32
	length     uint32
	m          uintptr
	dataOffset uint32
	reserved   [11]uint32
}

// struct v4l2_exportbuffer
type exportbuffer struct {
	typ      uint32
	index    uint32
	plane    uint32
	flags    uint32
	fd       int32
	reserved [11]uint32
}

// struct v4l2_control
type control struct {
	id    uint32
	value int32
}

// struct v4l2_queryctrl
type queryctrl struct {
	id           uint32
	typ          uint32
	name         [32]byte
	minimum      int32
	maximum      int32
	step         int32
	defaultValue int32
	flags        uint32
	reserved     [2]uint32
}

// struct v4l2_querymenu, packed (44 bytes on every ABI): name is the union
// of name and the s64 value of an integer menu item, read as little-endian
// bytes since it sits at offset 8 without C's alignment.
type querymenu struct {
	id       uint32
	index    uint32
	name     [32]byte
	reserved uint32
}

// struct v4l2_query_ext_ctrl. Every 64-bit member sits at a multiple of 8,
// so Go's 4-byte alignment of int64 on arm changes nothing.
type queryExtCtrl struct {
	id           uint32
	typ          uint32
	name         [32]byte
	minimum      int64
	maximum      int64
	step         uint64
	defaultValue int64
	flags        uint32
	elemSize     uint32
	elems        uint32
	nrOfDims     uint32
	dims         [4]uint32
	reserved     [32]uint32
}

// struct v4l2_ext_control, packed (20 bytes on every ABI). value is the
// union of value (s32, the low word), value64 and the payload pointers,
// kept as two words so no 8-byte access is ever misaligned.
type extControl struct {
	id        uint32
	size      uint32
	reserved2 uint32
	value     [2]uint32
}

func (c *extControl) setValue64(v int64) { c.value = [2]uint32{uint32(v), uint32(uint64(v) >> 32)} }
func (c *extControl) value64() int64     { return int64(uint64(c.value[0]) | uint64(c.value[1])<<32) }

// valueAs reads the value as the kernel wrote it for a control of type t:
// value64 for 64-bit integers, the s32 value (sign-extended) for the
// others, a bitmask's u32 as is.
func (c *extControl) valueAs(t ControlType) int64 {
	switch t {
	case ControlInteger64:
		return c.value64()
	case ControlBitmask:
		return int64(c.value[0])
	}
	return int64(int32(c.value[0]))
}

// struct v4l2_ext_controls
type extControls struct {
	which     uint32 // union with ctrl_class
	count     uint32
	errorIdx  uint32
	requestFd int32
	reserved  uint32
	controls  unsafe.Pointer // *extControl
}

// struct v4l2_event_subscription
type eventSubscription struct {
	typ      uint32
	id       uint32
	flags    uint32
	reserved [5]uint32
}

// struct v4l2_event. The union u holds an s64 (struct v4l2_event_ctrl), so
// C aligns it and the whole struct to 8; the explicit pads make Go agree on
// arm.
type event struct {
	typ       uint32
	_         uint32
	u         [64]byte
	pending   uint32
	sequence  uint32
	timestamp timespec
	id        uint32
	reserved  [8]uint32
	_         [8 - ptrSize]byte
}

// struct v4l2_captureparm (struct v4l2_outputparm has the same layout,
// with outputmode and writebuffers in place of capturemode and
// readbuffers).
type captureparm struct {
	capability   uint32
	capturemode  uint32
	timeperframe fract
	extendedmode uint32
	readbuffers  uint32
	reserved     [4]uint32
}

// struct v4l2_streamparm
type streamparm struct {
	typ  uint32
	parm [50]uint32
}

// struct v4l2_encoder_cmd
type encoderCmd struct {
	cmd   uint32
	flags uint32
	data  [8]uint32
}

// ioctl numbers (<linux/videodev2.h>), computed from the struct sizes of
// the target ABI exactly as the _IOR/_IOW/_IOWR macros do.
var (
	vidiocQuerycap           = ioctl.IOR('V', 0, unsafe.Sizeof(capability{}))
	vidiocEnumFmt            = ioctl.IOWR('V', 2, unsafe.Sizeof(fmtdesc{}))
	vidiocGFmt               = ioctl.IOWR('V', 4, unsafe.Sizeof(format{}))
	vidiocSFmt               = ioctl.IOWR('V', 5, unsafe.Sizeof(format{}))
	vidiocReqbufs            = ioctl.IOWR('V', 8, unsafe.Sizeof(requestbuffers{}))
	vidiocQuerybuf           = ioctl.IOWR('V', 9, unsafe.Sizeof(buffer{}))
	vidiocQbuf               = ioctl.IOWR('V', 15, unsafe.Sizeof(buffer{}))
	vidiocExpbuf             = ioctl.IOWR('V', 16, unsafe.Sizeof(exportbuffer{}))
	vidiocDqbuf              = ioctl.IOWR('V', 17, unsafe.Sizeof(buffer{}))
	vidiocStreamon           = ioctl.IOW('V', 18, unsafe.Sizeof(int32(0)))
	vidiocStreamoff          = ioctl.IOW('V', 19, unsafe.Sizeof(int32(0)))
	vidiocGParm              = ioctl.IOWR('V', 21, unsafe.Sizeof(streamparm{}))
	vidiocSParm              = ioctl.IOWR('V', 22, unsafe.Sizeof(streamparm{}))
	vidiocGCtrl              = ioctl.IOWR('V', 27, unsafe.Sizeof(control{}))
	vidiocSCtrl              = ioctl.IOWR('V', 28, unsafe.Sizeof(control{}))
	vidiocQueryctrl          = ioctl.IOWR('V', 36, unsafe.Sizeof(queryctrl{}))
	vidiocQuerymenu          = ioctl.IOWR('V', 37, unsafe.Sizeof(querymenu{}))
	vidiocGExtCtrls          = ioctl.IOWR('V', 71, unsafe.Sizeof(extControls{}))
	vidiocSExtCtrls          = ioctl.IOWR('V', 72, unsafe.Sizeof(extControls{}))
	vidiocEnumFramesizes     = ioctl.IOWR('V', 74, unsafe.Sizeof(frmsizeenum{}))
	vidiocEnumFrameintervals = ioctl.IOWR('V', 75, unsafe.Sizeof(frmivalenum{}))
	vidiocEncoderCmd         = ioctl.IOWR('V', 77, unsafe.Sizeof(encoderCmd{}))
	vidiocTryEncoderCmd      = ioctl.IOWR('V', 78, unsafe.Sizeof(encoderCmd{}))
	vidiocDqevent            = ioctl.IOR('V', 89, unsafe.Sizeof(event{}))
	vidiocSubscribeEvent     = ioctl.IOW('V', 90, unsafe.Sizeof(eventSubscription{}))
	vidiocUnsubscribeEvent   = ioctl.IOW('V', 91, unsafe.Sizeof(eventSubscription{}))
	vidiocQueryExtCtrl       = ioctl.IOWR('V', 103, unsafe.Sizeof(queryExtCtrl{}))
)

// ioctlNames names the requests for error messages and the test fakes.
var ioctlNames = ioctl.Names{
	vidiocQuerycap: "VIDIOC_QUERYCAP", vidiocEnumFmt: "VIDIOC_ENUM_FMT", vidiocGFmt: "VIDIOC_G_FMT",
	vidiocSFmt: "VIDIOC_S_FMT", vidiocReqbufs: "VIDIOC_REQBUFS", vidiocQuerybuf: "VIDIOC_QUERYBUF",
	vidiocQbuf: "VIDIOC_QBUF", vidiocExpbuf: "VIDIOC_EXPBUF", vidiocDqbuf: "VIDIOC_DQBUF",
	vidiocStreamon: "VIDIOC_STREAMON", vidiocStreamoff: "VIDIOC_STREAMOFF", vidiocGParm: "VIDIOC_G_PARM",
	vidiocSParm: "VIDIOC_S_PARM", vidiocGCtrl: "VIDIOC_G_CTRL", vidiocSCtrl: "VIDIOC_S_CTRL",
	vidiocQueryctrl: "VIDIOC_QUERYCTRL", vidiocQuerymenu: "VIDIOC_QUERYMENU", vidiocGExtCtrls: "VIDIOC_G_EXT_CTRLS", vidiocSExtCtrls: "VIDIOC_S_EXT_CTRLS",
	vidiocEnumFramesizes: "VIDIOC_ENUM_FRAMESIZES", vidiocEnumFrameintervals: "VIDIOC_ENUM_FRAMEINTERVALS",
	vidiocEncoderCmd: "VIDIOC_ENCODER_CMD", vidiocTryEncoderCmd: "VIDIOC_TRY_ENCODER_CMD",
	vidiocDqevent: "VIDIOC_DQEVENT", vidiocSubscribeEvent: "VIDIOC_SUBSCRIBE_EVENT",
	vidiocUnsubscribeEvent: "VIDIOC_UNSUBSCRIBE_EVENT", vidiocQueryExtCtrl: "VIDIOC_QUERY_EXT_CTRL",
}

// IoctlName returns the V4L2 name of an ioctl request, or its number.
func IoctlName(req uint32) string { return ioctlNames.Name(req) }
