package pca9685

import (
	"errors"
	"fmt"
)

// ErrConfig: options that cannot work (a channel out of 0–15, an empty
// pulse or angle range, a frequency the prescaler cannot make).
var ErrConfig = errors.New("pca9685: bad configuration")

func wrap(op string, err error) error { return fmt.Errorf("pca9685: %s: %w", op, err) }
