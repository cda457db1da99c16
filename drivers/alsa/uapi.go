package alsa

import (
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl"
)

// The ALSA PCM user-space API, written out from <sound/asound.h> (Linux 6.1
// uapi, protocol 2.0.15). "long", snd_pcm_uframes_t and snd_pcm_sframes_t
// are Go's uint/int (ILP32 on arm, LP64 on arm64/amd64), so
// snd_pcm_hw_params is 604 bytes on arm and 608 on 64-bit, and the ioctl
// numbers follow. Structs holding time (snd_pcm_status, sync_ptr,
// mmap_status) are deliberately absent: their layout depends on the time32
// or time64 ABI, and capture timestamps come from SNDRV_PCM_IOCTL_DELAY
// and CLOCK_MONOTONIC instead. uapi_test.go checks sizes and offsets.

// protocolVersion is SNDRV_PCM_VERSION of the headers this follows.
const protocolVersion = 2<<16 | 0<<8 | 15

// hw_params parameter indices (SNDRV_PCM_HW_PARAM_*).
const (
	paramAccess    = 0 // mask
	paramFormat    = 1 // mask
	paramSubformat = 2 // mask

	paramSampleBits  = 8 // intervals from here
	paramFrameBits   = 9
	paramChannels    = 10
	paramRate        = 11
	paramPeriodTime  = 12
	paramPeriodSize  = 13
	paramPeriodBytes = 14
	paramPeriods     = 15
	paramBufferTime  = 16
	paramBufferSize  = 17
	paramBufferBytes = 18
	paramTickTime    = 19

	firstInterval = paramSampleBits
)

// Values of the masks.
const (
	accessRWInterleaved = 3 // SNDRV_PCM_ACCESS_RW_INTERLEAVED
	formatS16LE         = 2 // SNDRV_PCM_FORMAT_S16_LE
	subformatStd        = 0 // SNDRV_PCM_SUBFORMAT_STD
)

// Stream directions (struct snd_pcm_info .stream).
const (
	streamPlayback = 0
	streamCapture  = 1
)

// sw_params timestamp type: CLOCK_MONOTONIC.
const tstampTypeMonotonic = 1

// struct snd_mask: SNDRV_MASK_MAX (256) bits.
type mask struct{ bits [8]uint32 }

// struct snd_interval; flags holds the bitfields openmin:1 openmax:1
// integer:1 empty:1, allocated from bit 0 on little-endian ABIs.
type interval struct {
	min, max uint32
	flags    uint32
}

const (
	intervalOpenMin = 1 << 0
	intervalOpenMax = 1 << 1
	intervalInteger = 1 << 2
	intervalEmpty   = 1 << 3
)

// struct snd_pcm_hw_params
type hwParams struct {
	flags     uint32
	masks     [3]mask
	mres      [5]mask
	intervals [12]interval
	ires      [9]interval
	rmask     uint32
	cmask     uint32
	info      uint32
	msbits    uint32
	rateNum   uint32
	rateDen   uint32
	fifoSize  uint // snd_pcm_uframes_t
	sync      [16]byte
	reserved  [48]byte
}

// struct snd_pcm_sw_params
type swParams struct {
	tstampMode       int32
	periodStep       uint32
	sleepMin         uint32
	availMin         uint // snd_pcm_uframes_t
	xferAlign        uint
	startThreshold   uint
	stopThreshold    uint
	silenceThreshold uint
	silenceSize      uint
	boundary         uint
	proto            uint32
	tstampType       uint32
	reserved         [56]byte
}

// struct snd_xferi. buf points into the caller's sample buffer for the
// duration of the call.
type xferi struct {
	result int // snd_pcm_sframes_t
	buf    unsafe.Pointer
	frames uint // snd_pcm_uframes_t
}

// struct snd_pcm_info
type pcmInfo struct {
	device          uint32
	subdevice       uint32
	stream          int32
	card            int32
	id              [64]byte
	name            [80]byte
	subname         [32]byte
	devClass        int32
	devSubclass     int32
	subdevicesCount uint32
	subdevicesAvail uint32
	sync            [16]byte // union snd_pcm_sync_id
	reserved        [64]byte
}

// ioctl numbers (<sound/asound.h>), computed from the target's struct
// sizes as the _IOR/_IOWR macros do.
var (
	ioctlPVersion    = ioctl.IOR('A', 0x00, unsafe.Sizeof(int32(0)))
	ioctlInfo        = ioctl.IOR('A', 0x01, unsafe.Sizeof(pcmInfo{}))
	ioctlHwRefine    = ioctl.IOWR('A', 0x10, unsafe.Sizeof(hwParams{}))
	ioctlHwParams    = ioctl.IOWR('A', 0x11, unsafe.Sizeof(hwParams{}))
	ioctlHwFree      = ioctl.IO('A', 0x12)
	ioctlSwParams    = ioctl.IOWR('A', 0x13, unsafe.Sizeof(swParams{}))
	ioctlDelay       = ioctl.IOR('A', 0x21, unsafe.Sizeof(int(0)))
	ioctlPrepare     = ioctl.IO('A', 0x40)
	ioctlStart       = ioctl.IO('A', 0x42)
	ioctlDrop        = ioctl.IO('A', 0x43)
	ioctlReadiFrames = ioctl.IOR('A', 0x51, unsafe.Sizeof(xferi{}))
)

var ioctlNames = ioctl.Names{
	ioctlPVersion: "SNDRV_PCM_IOCTL_PVERSION", ioctlInfo: "SNDRV_PCM_IOCTL_INFO",
	ioctlHwRefine: "SNDRV_PCM_IOCTL_HW_REFINE", ioctlHwParams: "SNDRV_PCM_IOCTL_HW_PARAMS",
	ioctlHwFree: "SNDRV_PCM_IOCTL_HW_FREE", ioctlSwParams: "SNDRV_PCM_IOCTL_SW_PARAMS",
	ioctlDelay: "SNDRV_PCM_IOCTL_DELAY", ioctlPrepare: "SNDRV_PCM_IOCTL_PREPARE",
	ioctlStart: "SNDRV_PCM_IOCTL_START", ioctlDrop: "SNDRV_PCM_IOCTL_DROP",
	ioctlReadiFrames: "SNDRV_PCM_IOCTL_READI_FRAMES",
}

// IoctlName returns the ALSA name of an ioctl request, or its number.
func IoctlName(req uint32) string { return ioctlNames.Name(req) }

// any opens every parameter up, as snd_pcm_hw_params_any does: all mask
// bits set, every interval [0, UINT_MAX], every parameter requested.
func (p *hwParams) any() {
	*p = hwParams{}
	for i := range p.masks {
		for j := range p.masks[i].bits {
			p.masks[i].bits[j] = ^uint32(0)
		}
	}
	for i := range p.intervals {
		p.intervals[i] = interval{max: ^uint32(0)}
	}
	p.rmask = ^uint32(0)
	p.info = ^uint32(0)
}

// setMask restricts mask parameter k to the single value v.
func (p *hwParams) setMask(k, v int) {
	p.masks[k] = mask{}
	p.masks[k].bits[v/32] = 1 << (v % 32)
	p.rmask |= 1 << k
}

// hasMask reports whether value v is allowed for mask parameter k.
func (p *hwParams) hasMask(k, v int) bool { return p.masks[k].bits[v/32]&(1<<(v%32)) != 0 }

// setInt fixes interval parameter k to v.
func (p *hwParams) setInt(k int, v uint32) { p.setRange(k, v, v) }

// setRange restricts interval parameter k to the integers in [lo, hi].
func (p *hwParams) setRange(k int, lo, hi uint32) {
	p.intervals[k-firstInterval] = interval{min: lo, max: hi, flags: intervalInteger}
	p.rmask |= 1 << k
}

// get returns interval parameter k; for an exact value min == max.
func (p *hwParams) get(k int) interval { return p.intervals[k-firstInterval] }

// value returns the single value interval k was refined to: min, or min+1
// when the interval is open at min.
func (iv interval) value() uint32 {
	if iv.flags&intervalOpenMin != 0 {
		return iv.min + 1
	}
	return iv.min
}

// contains reports whether integer v lies in the interval.
func (iv interval) contains(v uint32) bool {
	if iv.flags&intervalEmpty != 0 {
		return false
	}
	lo, hi := iv.min, iv.max
	if iv.flags&intervalOpenMin != 0 && v == lo || iv.flags&intervalOpenMax != 0 && v == hi {
		return false
	}
	return v >= lo && v <= hi
}
