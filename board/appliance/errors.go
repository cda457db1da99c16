package appliance

import "errors"

var (
	// errNoDriver: the configuration names a device kind this build cannot
	// drive yet (real PTZ drivers arrive with the hardware drivers).
	errNoDriver = errors.New("appliance: no driver for this device kind in this build")
	// errNotApplied: no configuration has been applied yet.
	errNotApplied = errors.New("appliance: no configuration applied")
)
