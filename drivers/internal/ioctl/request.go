package ioctl

// The ioctl request encoding of <asm-generic/ioctl.h>, which x86, arm and
// arm64 share: nr in bits 0-7, type in 8-15, size in 16-29, direction in
// 30-31.
const (
	dirNone  = 0
	dirWrite = 1
	dirRead  = 2
)

func ioc(dir, typ, nr, size uintptr) uint32 {
	return uint32(dir<<30 | size<<16 | typ<<8 | nr)
}

// IO is _IO(typ, nr): a request without an argument.
func IO(typ, nr uintptr) uint32 { return ioc(dirNone, typ, nr, 0) }

// IOR is _IOR(typ, nr, size): the kernel writes the argument.
func IOR(typ, nr, size uintptr) uint32 { return ioc(dirRead, typ, nr, size) }

// IOW is _IOW(typ, nr, size): the kernel reads the argument.
func IOW(typ, nr, size uintptr) uint32 { return ioc(dirWrite, typ, nr, size) }

// IOWR is _IOWR(typ, nr, size): the kernel reads and writes the argument.
func IOWR(typ, nr, size uintptr) uint32 { return ioc(dirRead|dirWrite, typ, nr, size) }

// Size returns the argument size encoded in an ioctl request.
func Size(req uint32) int { return int(req >> 16 & (1<<14 - 1)) }

// Names maps ioctl requests to their C names, for error messages and the
// test fakes.
type Names map[uint32]string

// Name returns the name of req, or its number ("0x0000a512").
func (n Names) Name(req uint32) string {
	if s, ok := n[req]; ok {
		return s
	}
	const digits = "0123456789abcdef"
	var b [10]byte
	b[0], b[1] = '0', 'x'
	for i := 0; i < 8; i++ {
		b[9-i] = digits[req>>(4*i)&0xf]
	}
	return string(b[:])
}

// CString returns a NUL-terminated C string (a name field of a uapi struct)
// as a Go string.
func CString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
