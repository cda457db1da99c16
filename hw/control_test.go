package hw_test

import (
	"testing"

	"github.com/cluecam/cluecam/hw"
)

func TestControlKey(t *testing.T) {
	for name, want := range map[string]string{
		"Brightness":                  "brightness",
		"Power Line Frequency":        "power_line_frequency",
		"White Balance, Automatic":    "white_balance_automatic",
		"Exposure Time, Absolute":     "exposure_time_absolute",
		"  H264 I-Frame Period (ms) ": "h264_i_frame_period_ms",
		"Integer 32 Bits":             "integer_32_bits",
		"":                            "",
		"--":                          "",
	} {
		if got := (hw.Control{Name: name}).Key(); got != want {
			t.Errorf("Key(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestControlStrings(t *testing.T) {
	if s := hw.ControlMenu.String(); s != "menu" {
		t.Errorf("ControlMenu = %q", s)
	}
	if s := hw.ControlCompound.String(); s != "compound" {
		t.Errorf("ControlCompound = %q", s)
	}
	if s := hw.ControlType(0).String(); s != "unknown" {
		t.Errorf("ControlType(0) = %q", s)
	}
	if s := hw.ControlType(200).String(); s != "unknown" {
		t.Errorf("ControlType(200) = %q", s)
	}
	if s := (hw.ControlReadOnly | hw.ControlInactive).String(); s != "read-only,inactive" {
		t.Errorf("flags = %q", s)
	}
	if s := hw.ControlFlags(0).String(); s != "" {
		t.Errorf("no flags = %q", s)
	}
	c := hw.Control{Type: hw.ControlMenu, Menu: []string{"", "One", "", "Three"}}
	for v, want := range map[int64]string{-1: "", 0: "", 1: "One", 2: "", 3: "Three", 4: ""} {
		if got := c.MenuName(v); got != want {
			t.Errorf("MenuName(%d) = %q, want %q", v, got, want)
		}
	}
}
