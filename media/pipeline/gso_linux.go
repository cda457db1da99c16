package pipeline

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// gsoAvailable: Linux has UDP generic segmentation offload (UDP_SEGMENT,
// since 4.18); where the running kernel lacks it the first send fails and
// the sink falls back to one datagram per packet.
const gsoAvailable = true

// gsoCmsgLen is the room for one UDP_SEGMENT control message.
var gsoCmsgLen = unix.CmsgSpace(2)

// putGSOCmsg writes a UDP_SEGMENT control message (a uint16 segment size)
// into b, which has gsoCmsgLen bytes, and returns it.
func putGSOCmsg(b []byte, size int) []byte {
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level = unix.SOL_UDP
	h.Type = unix.UDP_SEGMENT
	h.SetLen(unix.CmsgLen(2))
	binary.NativeEndian.PutUint16(b[unix.CmsgLen(0):], uint16(size))
	return b[:gsoCmsgLen]
}
