package appliance

import "errors"

// errNoDriver: the configuration names a device kind this build cannot drive
// yet (real PTZ drivers arrive with the hardware drivers).
var errNoDriver = errors.New("appliance: no driver for this device kind in this build")
