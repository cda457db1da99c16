package pwm

import (
	"errors"
	"fmt"
)

// ErrConfig: options that cannot work (an empty pulse or angle range, a
// pulse longer than the period, no speed).
var ErrConfig = errors.New("pwm: bad configuration")

func wrap(path string, err error) error { return fmt.Errorf("pwm: %s: %w", path, err) }
