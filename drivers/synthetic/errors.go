package synthetic

import (
	"errors"
	"fmt"
)

// Errors are hw's sentinels (hw.ErrClosed, hw.ErrUnsupportedMode…) wrapped
// with the device ID; only clip problems are this package's own, and they
// mean a broken build, so no caller branches on them.
var errBadClip = errors.New("synthetic: embedded clip unusable")

// wrap prefixes err with the device ID.
func wrap(id string, err error) error { return fmt.Errorf("synthetic: %s: %w", id, err) }
