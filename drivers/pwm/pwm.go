// Package pwm drives hobby servos on the kernel's sysfs PWM interface
// (Documentation/driver-api/pwm.rst, "Using PWMs with the sysfs
// interface"): /sys/class/pwm/pwmchipN/{export,unexport} and per channel
// pwmM/{period,duty_cycle,polarity,enable}, times in nanoseconds.
package pwm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// SysfsRoot is where the kernel puts PWM chips.
const SysfsRoot = "/sys/class/pwm"

// FS is the filesystem seam: the files of SysfsRoot. Tests use a
// directory tree under t.TempDir().
type FS interface {
	// WriteFile writes data to an existing file (sysfs attributes are
	// never created).
	WriteFile(name string, data []byte) error
	// Exists reports whether the file or directory exists.
	Exists(name string) bool
}

// DirFS is FS on a real directory (SysfsRoot in production).
type DirFS string

// WriteFile opens the existing file name under the root and writes data
// in one write, as sysfs wants.
func (d DirFS) WriteFile(name string, data []byte) error {
	f, err := os.OpenFile(filepath.Join(string(d), name), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Exists reports whether name exists under the root.
func (d DirFS) Exists(name string) bool {
	_, err := os.Stat(filepath.Join(string(d), name))
	return err == nil
}

// Channel is one exported PWM output.
type Channel struct {
	fs       FS
	dir      string // "pwmchip0/pwm1"
	chip     string
	n        int
	exported bool // by us, so Close unexports
	period   time.Duration
}

// Open exports channel n of pwmchip chip (unless already exported) and
// sets it up disabled, normal polarity, with period. The kernel creates
// the channel directory during the export write (sysfs is synchronous).
func Open(fsys FS, chip, n int, period time.Duration) (*Channel, error) {
	if period <= 0 {
		return nil, fmt.Errorf("%w: period %v", ErrConfig, period)
	}
	c := &Channel{fs: fsys, chip: fmt.Sprintf("pwmchip%d", chip), n: n, period: period}
	c.dir = fmt.Sprintf("%s/pwm%d", c.chip, n)
	if !fsys.Exists(c.chip) {
		return nil, wrap(c.chip, fs.ErrNotExist)
	}
	if !fsys.Exists(c.dir) {
		if err := c.write(c.chip+"/export", strconv.Itoa(n)); err != nil {
			return nil, err
		}
		if !fsys.Exists(c.dir) {
			return nil, wrap(c.dir, errors.New("not created by export"))
		}
		c.exported = true
	}
	// Disable first: polarity is only writable while disabled, and
	// duty_cycle must not exceed period, so clear it before the period.
	for _, kv := range [][2]string{{"enable", "0"}, {"duty_cycle", "0"}, {"period", ns(period)}, {"polarity", "normal"}} {
		if err := c.write(c.dir+"/"+kv[0], kv[1]); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

func ns(d time.Duration) string { return strconv.FormatInt(d.Nanoseconds(), 10) }

func (c *Channel) write(name, v string) error {
	if err := c.fs.WriteFile(name, []byte(v)); err != nil {
		return wrap(name, err)
	}
	return nil
}

// Period returns the configured period.
func (c *Channel) Period() time.Duration { return c.period }

// SetPulse sets the high time of each period (limited to the period) and
// enables the output.
func (c *Channel) SetPulse(width time.Duration) error {
	if err := c.write(c.dir+"/duty_cycle", ns(max(0, min(c.period, width)))); err != nil {
		return err
	}
	return c.write(c.dir+"/enable", "1")
}

// Close disables the output and unexports it if Open exported it.
func (c *Channel) Close() error {
	err := c.write(c.dir+"/enable", "0")
	if c.exported {
		if uerr := c.write(c.chip+"/unexport", strconv.Itoa(c.n)); err == nil {
			err = uerr
		}
		c.exported = false
	}
	return err
}
