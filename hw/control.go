package hw

import "strings"

// ControlType is the kind of value a device control holds.
type ControlType uint8

// Control types. Compound controls (arrays, areas, codec parameters) are
// listed without a value.
const (
	ControlInteger ControlType = 1 + iota
	ControlBoolean
	ControlMenu    // Menu names the values
	ControlIntMenu // Menu holds the integers, as text
	ControlButton  // an action; no value
	ControlInteger64
	ControlBitmask // Max is the mask of the bits that may be set
	ControlString  // Min and Max bound the length; no value
	ControlCompound
)

var controlTypeNames = [...]string{"unknown", "int", "bool", "menu", "intmenu", "button", "int64", "bitmask", "string", "compound"}

func (t ControlType) String() string {
	if int(t) < len(controlTypeNames) {
		return controlTypeNames[t]
	}
	return controlTypeNames[0]
}

// ControlFlags describe how a control behaves now.
type ControlFlags uint32

// Control flags.
const (
	ControlReadOnly  ControlFlags = 1 << iota // cannot be set
	ControlWriteOnly                          // cannot be read (a relative move)
	ControlInactive                           // has no effect now (exposure under auto exposure)
	ControlVolatile                           // changes by itself (a gain under auto gain)
	ControlGrabbed                            // cannot be set while streaming
)

var controlFlagNames = [...]string{"read-only", "write-only", "inactive", "volatile", "grabbed"}

// String lists the flags as "read-only,inactive"; "" for none.
func (f ControlFlags) String() string {
	var b strings.Builder
	for i, n := range controlFlagNames {
		if f&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(n)
		}
	}
	return b.String()
}

// Control is one setting of a device (a V4L2 control: brightness,
// exposure, power line frequency) as the provider found it.
type Control struct {
	// ID is the driver's number for the control (a V4L2 control ID).
	ID uint32
	// Name is the driver's name for it ("Power Line Frequency").
	Name                    string
	Type                    ControlType
	Min, Max, Step, Default int64
	// Value is the current value. HasValue is false when there is none
	// (buttons, strings, compound and write-only controls) or reading it
	// failed.
	Value    int64
	HasValue bool
	// Menu names the values of a menu or integer menu: Menu[v] is value
	// v's name, "" where the device skips v.
	Menu  []string
	Flags ControlFlags
}

// Key is Name as an identifier, the way v4l2-ctl spells it: lower case,
// every run of other characters one '_' ("White Balance, Automatic" is
// "white_balance_automatic").
func (c Control) Key() string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(c.Name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
		} else {
			under = true
		}
	}
	return b.String()
}

// MenuName returns the name of menu value v, or "" when it has none.
func (c Control) MenuName(v int64) string {
	if v < 0 || v >= int64(len(c.Menu)) {
		return ""
	}
	return c.Menu[v]
}
