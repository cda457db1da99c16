package servohead

import "fmt"

// Errors are hw's sentinels (hw.ErrClosed, hw.ErrOutOfRange,
// hw.ErrInterrupted, hw.ErrNotFound) and the actuator's errors, wrapped
// with the driver name and device ID.
func (h *Head) wrap(err error) error { return fmt.Errorf("%s: %s: %w", h.info.Driver, h.info.ID, err) }
