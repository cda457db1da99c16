//go:build !linux

package visca

import "fmt"

// OpenSerial needs Linux termios; elsewhere it fails.
func OpenSerial(path string, baud int) (*Serial, error) {
	return nil, fmt.Errorf("visca: %s: serial ports need linux", path)
}
