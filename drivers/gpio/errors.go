package gpio

import (
	"errors"
	"fmt"
)

// ErrConfig: options that cannot work (no pins, no steps per degree, no
// speed, an empty travel).
var ErrConfig = errors.New("gpio: bad configuration")

func wrap(what string, err error) error { return fmt.Errorf("gpio: %s: %w", what, err) }
