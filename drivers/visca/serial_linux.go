//go:build linux

package visca

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

var bauds = map[int]uint32{9600: unix.B9600, 19200: unix.B19200, 38400: unix.B38400, 115200: unix.B115200}

// OpenSerial opens a serial device (/dev/ttyUSB0) raw at baud (0: 9600)
// 8N1 without flow control, as VISCA wants, and returns it as a Serial
// transport.
func OpenSerial(path string, baud int) (*Serial, error) {
	if baud == 0 {
		baud = 9600
	}
	speed, ok := bauds[baud]
	if !ok {
		return nil, fmt.Errorf("visca: %s: unsupported baud rate %d", path, baud)
	}
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("visca: %w", err)
	}
	fd := int(f.Fd())
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("visca: %s: TCGETS: %w", path, err)
	}
	// Raw mode (cfmakeraw), 8 data bits, no parity, one stop bit.
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB | unix.CSTOPB | unix.CRTSCTS | unix.CBAUD
	tio.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL | speed
	tio.Ispeed, tio.Ospeed = speed, speed
	tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, tio); err != nil {
		f.Close()
		return nil, fmt.Errorf("visca: %s: TCSETS: %w", path, err)
	}
	return NewSerial(f), nil
}
