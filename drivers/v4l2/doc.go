// Package v4l2 is cluecam's Video4Linux2 driver: cameras (USB UVC, CSI
// bridges, HDMI grabbers, vivid) and stateful memory-to-memory encoders
// (bcm2835-codec, vicodec) as hw.VideoSource, found by a Provider.
//
// # What it offers
//
//   - Provider (NewProvider) scans /dev/video* and lists every streaming
//     capture node as "/dev/videoN" with its modes (formats × sizes × frame
//     rates from VIDIOC_ENUM_FMT, _FRAMESIZES, _FRAMEINTERVALS), and every
//     camera that a stateful encoder can take as "/dev/videoN+/dev/videoM",
//     a source of coded frames.
//   - Camera (OpenCamera) captures with MMAP buffers, single- or
//     multi-planar. A frame borrows the buffer (zero copy) and carries the
//     kernel's CLOCK_MONOTONIC timestamp, its sequence number and the
//     KEYFRAME and ERROR flags; H.264 without driver flags is scanned for
//     an IDR (media/codec). VIDIOC_QBUF happens on Frame.Release only.
//   - EncodedCamera (OpenEncodedCamera) runs the kernel's stateful encoder
//     interface with DMABUF hand-over: camera buffers are exported
//     (VIDIOC_EXPBUF) and imported by the encoder (V4L2_MEMORY_DMABUF), so
//     raw frames are never copied; Stop drains with VIDIOC_ENCODER_CMD.
//   - Hotplug: Provider.Watch (hw.Watcher) reports cameras and pairs that
//     come and go from the kernel's uevents (drivers/hotplug); a source
//     whose node is unregistered under it (unplug, unbind) fails its read
//     with hw.ErrGone instead of stalling.
//   - Controls: extended controls (VIDIOC_QUERY_EXT_CTRL, G/S_EXT_CTRLS)
//     for bitrate and forced keyframes behind hw.BitrateController and
//     hw.KeyframeRequester (see Camera.Source), encoder setup (bitrate, I
//     period, profile, level, REPEAT_SEQ_HEADER), and every control of a
//     device in hw.DeviceInfo.Controls from Scan (VIDIOC_QUERY_EXT_CTRL
//     with NEXT_CTRL|NEXT_COMPOUND, VIDIOC_QUERYMENU, the values in one
//     VIDIOC_G_EXT_CTRLS), which `cluecam devices` prints.
//
// # The seam
//
// Every system call goes through Sys, the seam drivers/alsa shares
// (drivers/internal/ioctl), so the tests replay scripted kernel sessions
// (record/playback, drivers/internal/ioctl/ioctltest) and check each
// ioctl's request number and argument bytes in order. The uapi structs are written
// out in uapi.go for the ABI of the target; uapi_test.go pins their sizes
// and the ioctl numbers for amd64, arm64 and 32-bit ARM, where Go's 32-bit
// time selects the time32 numbers (VIDIOC_QUERYBUF is 0xc0445609 there,
// 0xc0585609 on 64-bit).
//
// # Why not github.com/blackjack/webcam
//
// webcam fits single-planar MMAP capture, but it opens and owns the file
// descriptor and makes its ioctls itself, so it cannot sit behind the seam
// (no playback tests), and it drops what cluecam needs per frame: the
// kernel timestamp, the sequence number and the KEYFRAME/ERROR flags. It
// has no multi-planar, memory-to-memory, EXPBUF/DMABUF, extended controls
// or events. The driver therefore speaks V4L2 itself; webcam serves as an
// independent oracle in kernel_linux_test.go, which compares enumerations
// on a real vivid node.
package v4l2
