package alsa

import (
	"testing"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
)

// TestStructSizes and TestIoctlNumbers pin the sizes, offsets and ioctl
// numbers of <sound/asound.h> (Linux 6.1 uapi, protocol 2.0.15) for 64-bit
// (amd64, arm64: LP64) and 32-bit ARM (ILP32, EABI). The ioctl numbers are _IOC(dir, 'A', nr, size) from
// asm-generic/ioctl.h, (dir<<30)|(size<<16)|('A'<<8)|nr, with the sizes the
// C compiler gives (gcc x86_64 and arm-linux-gnueabihf): snd_pcm_hw_params
// is 608 vs 604 bytes, snd_xferi 24 vs 12, snd_pcm_sw_params 136 vs 104.
func TestStructSizes(t *testing.T) {
	abi := ioctltest.ABI(t)
	abi("snd_pcm_hw_params", unsafe.Sizeof(hwParams{}), 608, 604)
	abi("snd_pcm_sw_params", unsafe.Sizeof(swParams{}), 136, 104)
	abi("snd_xferi", unsafe.Sizeof(xferi{}), 24, 12)
	abi("snd_interval", unsafe.Sizeof(interval{}), 12, 12)
	abi("snd_mask", unsafe.Sizeof(mask{}), 32, 32)
	abi("snd_pcm_info", unsafe.Sizeof(pcmInfo{}), 288, 288)
	abi("snd_pcm_hw_params.masks", unsafe.Offsetof(hwParams{}.masks), 4, 4)
	abi("snd_pcm_hw_params.intervals", unsafe.Offsetof(hwParams{}.intervals), 260, 260)
	abi("snd_pcm_hw_params.rmask", unsafe.Offsetof(hwParams{}.rmask), 512, 512)
	abi("snd_pcm_hw_params.fifo_size", unsafe.Offsetof(hwParams{}.fifoSize), 536, 536)
	abi("snd_pcm_sw_params.avail_min", unsafe.Offsetof(swParams{}.availMin), 16, 12)
	abi("snd_pcm_sw_params.start_threshold", unsafe.Offsetof(swParams{}.startThreshold), 32, 20)
	abi("snd_pcm_sw_params.stop_threshold", unsafe.Offsetof(swParams{}.stopThreshold), 40, 24)
	abi("snd_pcm_sw_params.boundary", unsafe.Offsetof(swParams{}.boundary), 64, 36)
	abi("snd_pcm_sw_params.proto", unsafe.Offsetof(swParams{}.proto), 72, 40)
	abi("snd_pcm_sw_params.tstamp_type", unsafe.Offsetof(swParams{}.tstampType), 76, 44)
	abi("snd_pcm_info.id", unsafe.Offsetof(pcmInfo{}.id), 16, 16)
	abi("snd_pcm_info.name", unsafe.Offsetof(pcmInfo{}.name), 80, 80)
	abi("snd_pcm_info.subname", unsafe.Offsetof(pcmInfo{}.subname), 160, 160)
	abi("snd_pcm_info.dev_class", unsafe.Offsetof(pcmInfo{}.devClass), 192, 192)
	abi("snd_pcm_info.sync", unsafe.Offsetof(pcmInfo{}.sync), 208, 208)
}

func TestIoctlNumbers(t *testing.T) {
	n := func(v uint32) uintptr { return uintptr(v) }
	abi := ioctltest.ABI(t)
	abi("SNDRV_PCM_IOCTL_PVERSION", n(ioctlPVersion), 0x80044100, 0x80044100)
	abi("SNDRV_PCM_IOCTL_INFO", n(ioctlInfo), 0x81204101, 0x81204101)
	abi("SNDRV_PCM_IOCTL_HW_REFINE", n(ioctlHwRefine), 0xc2604110, 0xc25c4110)
	abi("SNDRV_PCM_IOCTL_HW_PARAMS", n(ioctlHwParams), 0xc2604111, 0xc25c4111)
	abi("SNDRV_PCM_IOCTL_HW_FREE", n(ioctlHwFree), 0x00004112, 0x00004112)
	abi("SNDRV_PCM_IOCTL_SW_PARAMS", n(ioctlSwParams), 0xc0884113, 0xc0684113)
	abi("SNDRV_PCM_IOCTL_DELAY", n(ioctlDelay), 0x80084121, 0x80044121)
	abi("SNDRV_PCM_IOCTL_PREPARE", n(ioctlPrepare), 0x00004140, 0x00004140)
	abi("SNDRV_PCM_IOCTL_START", n(ioctlStart), 0x00004142, 0x00004142)
	abi("SNDRV_PCM_IOCTL_DROP", n(ioctlDrop), 0x00004143, 0x00004143)
	abi("SNDRV_PCM_IOCTL_READI_FRAMES", n(ioctlReadiFrames), 0x80184151, 0x800c4151)
	if protocolVersion != 0x2000f {
		t.Errorf("protocol version %#x", protocolVersion)
	}
}

func TestHwParamsEncoding(t *testing.T) {
	var p hwParams
	p.any()
	p.rmask = 0
	p.setMask(paramFormat, formatS16LE)
	p.setMask(paramAccess, accessRWInterleaved)
	p.setInt(paramRate, 48000)
	if p.masks[paramFormat].bits[0] != 1<<2 || p.masks[paramAccess].bits[0] != 1<<3 || p.masks[paramAccess].bits[1] != 0 {
		t.Errorf("masks %x %x", p.masks[paramFormat].bits, p.masks[paramAccess].bits)
	}
	if iv := p.get(paramRate); iv.min != 48000 || iv.max != 48000 || iv.flags != intervalInteger {
		t.Errorf("rate interval %+v", iv)
	}
	if p.rmask != 1<<paramFormat|1<<paramAccess|1<<paramRate {
		t.Errorf("rmask %#x", p.rmask)
	}
	if !p.hasMask(paramFormat, formatS16LE) || p.hasMask(paramFormat, 3) {
		t.Error("hasMask")
	}
	// The bytes the kernel reads: the rate interval is the 4th after
	// SAMPLE_BITS, at 260 + 3*12.
	b := unsafe.Slice((*byte)(unsafe.Pointer(&p)), unsafe.Sizeof(p))
	if off := 260 + 3*12; b[off] != 0x80 || b[off+1] != 0xbb || b[off+8] != 4 {
		t.Errorf("rate interval bytes % x", b[off:off+12])
	}
	open := interval{min: 10, max: 20, flags: intervalOpenMin}
	if open.value() != 11 || open.contains(10) || !open.contains(20) {
		t.Error("open interval")
	}
}
