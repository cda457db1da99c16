package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cluecam/cluecam/hw"
)

// testControls has one control of each kind `cluecam devices` prints
// differently, as drivers/v4l2 lists them.
var testControls = []hw.Control{
	{ID: 0x00980900, Name: "Brightness", Type: hw.ControlInteger, Max: 255, Step: 1, Default: 128, Value: 128, HasValue: true},
	{ID: 0x00980903, Name: "Hue", Type: hw.ControlInteger, Min: -128, Max: 127, Step: 1, Value: -100, HasValue: true},
	{ID: 0x00980914, Name: "Horizontal Flip", Type: hw.ControlBoolean, Max: 1, Step: 1, Value: 1, HasValue: true, Flags: hw.ControlGrabbed},
	{ID: 0x00980918, Name: "Power Line Frequency", Type: hw.ControlMenu, Max: 2, Step: 1, Default: 2, Value: 2, HasValue: true,
		Menu: []string{"Disabled", "50 Hz", "60 Hz"}},
	{ID: 0x00f0f005, Name: "Menu", Type: hw.ControlMenu, Min: 1, Max: 4, Step: 1, Default: 3, Value: 3, HasValue: true,
		Menu: []string{"", "Menu Item 1", "", "Menu Item 3", "Menu Item 4"}, Flags: hw.ControlInactive | hw.ControlVolatile},
	{ID: 0x00f0f006, Name: "Integer Menu", Type: hw.ControlIntMenu, Max: 1, Default: 1, Value: 0, HasValue: true, Menu: []string{"100", "200"}},
	{ID: 0x00f0f007, Name: "Integer 64 Bits", Type: hw.ControlInteger64, Min: -1 << 62, Max: 1 << 62, Step: 1, Value: 1 << 40, HasValue: true},
	{ID: 0x00f0f008, Name: "Bitmask", Type: hw.ControlBitmask, Max: 0x8000ffff, Default: 0x80000001, Value: 0x80000001, HasValue: true},
	{ID: 0x009a0904, Name: "Pan, Relative", Type: hw.ControlInteger, Min: -4480, Max: 4480, Step: 1, Flags: hw.ControlWriteOnly},
	{ID: 0x009a0902, Name: "Exposure Time, Absolute", Type: hw.ControlInteger, Min: 3, Max: 2047, Step: 1, Default: 250},
	{ID: 0x0098090d, Name: "Do White Balance", Type: hw.ControlButton},
	{ID: 0x00f0f009, Name: "String", Type: hw.ControlString, Min: 2, Max: 4, Step: 1},
	{ID: 0x00f0f00a, Name: "Area", Type: hw.ControlCompound, Flags: hw.ControlReadOnly},
	{ID: 0x00f0f00b, Name: "?", Type: hw.ControlButton, Flags: hw.ControlWriteOnly},
	{ID: 0x00f0f00c, Name: "DV Timings", Type: hw.ControlMenu, Max: 29, Step: 1, Value: 29, HasValue: true, Menu: timings(30)},
}

// timings names n menu items "t0".."tN-1".
func timings(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("t%d", i))
	}
	return out
}

var testCamera = hw.DeviceInfo{ID: "/dev/video0", Driver: "v4l2", Name: "vivid", Kind: hw.KindVideo,
	Modes:    []hw.VideoMode{{Format: hw.FormatYUYV, Width: 640, Height: 480, FrameRate: hw.Rational{Num: 30, Den: 1}}},
	Controls: testControls}

func TestDevicesTableControls(t *testing.T) {
	var out bytes.Buffer
	writeDevicesTable(&env{stdout: &out}, []hw.DeviceInfo{testCamera, {ID: "hw:0,0", Driver: "alsa", Name: "Loopback", Kind: hw.KindAudio}})
	want := `/dev/video0  (video, v4l2)
  vivid
  YUYV 640x480 @ 30 fps
  control brightness int 0..255 step 1 default 128 = 128
  control hue int -128..127 step 1 default 0 = -100
  control horizontal_flip bool default false = true (grabbed)
  control power_line_frequency menu {Disabled, 50 Hz, 60 Hz} default 60 Hz = 60 Hz
  control menu menu {1: Menu Item 1, 3: Menu Item 3, 4: Menu Item 4} default Menu Item 3 = Menu Item 3 (inactive, volatile)
  control integer_menu intmenu {100, 200} default 200 = 100
  control integer_64_bits int64 -4611686018427387904..4611686018427387904 step 1 default 0 = 1099511627776
  control bitmask bitmask mask 0x8000ffff default 0x80000001 = 0x80000001
  control pan_relative int -4480..4480 step 1 default 0 (write-only)
  control exposure_time_absolute int 3..2047 step 1 default 250 = ?
  control do_white_balance button
  control string string length 2..4
  control area compound (read-only)
  control 0xf0f00b button
  control dv_timings menu {t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16, t17, t18, t19, t20, t21, t22, t23, … 6 more} default t0 = t29

hw:0,0  (audio, alsa)
  Loopback
`
	if got := out.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}

func TestDevicesJSONControls(t *testing.T) {
	var out bytes.Buffer
	if err := writeDevicesJSON(&env{stdout: &out}, []hw.DeviceInfo{testCamera}); err != nil {
		t.Fatal(err)
	}
	var devs []struct {
		ID       string           `json:"id"`
		Controls []map[string]any `json:"controls"`
	}
	if err := json.Unmarshal(out.Bytes(), &devs); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if len(devs) != 1 || len(devs[0].Controls) != len(testControls) {
		t.Fatalf("devices %+v", devs)
	}
	cs := devs[0].Controls
	for i, want := range []map[string]any{
		{"id": float64(0x00980900), "key": "brightness", "name": "Brightness", "type": "int", "min": 0.0, "max": 255.0, "step": 1.0, "default": 128.0, "value": 128.0},
		{"id": float64(0x00980903), "key": "hue", "name": "Hue", "type": "int", "min": -128.0, "max": 127.0, "step": 1.0, "default": 0.0, "value": -100.0},
		{"id": float64(0x00980914), "key": "horizontal_flip", "name": "Horizontal Flip", "type": "bool", "min": 0.0, "max": 1.0, "step": 1.0, "default": 0.0, "value": 1.0,
			"flags": []any{"grabbed"}},
		{"id": float64(0x00980918), "key": "power_line_frequency", "name": "Power Line Frequency", "type": "menu", "min": 0.0, "max": 2.0, "step": 1.0, "default": 2.0, "value": 2.0,
			"menu": []any{map[string]any{"value": 0.0, "name": "Disabled"}, map[string]any{"value": 1.0, "name": "50 Hz"}, map[string]any{"value": 2.0, "name": "60 Hz"}}},
		{"id": float64(0x00f0f005), "key": "menu", "name": "Menu", "type": "menu", "min": 1.0, "max": 4.0, "step": 1.0, "default": 3.0, "value": 3.0,
			"menu":  []any{map[string]any{"value": 1.0, "name": "Menu Item 1"}, map[string]any{"value": 3.0, "name": "Menu Item 3"}, map[string]any{"value": 4.0, "name": "Menu Item 4"}},
			"flags": []any{"inactive", "volatile"}},
	} {
		if !reflect.DeepEqual(cs[i], want) {
			t.Errorf("control %d:\n\tgot  %v\n\twant %v", i, cs[i], want)
		}
	}
	// No value when there is none; 64-bit values exact in the text.
	for _, i := range []int{8, 9, 10, 11, 12} {
		if _, ok := cs[i]["value"]; ok {
			t.Errorf("control %v has a value", cs[i])
		}
	}
	if !strings.Contains(out.String(), `"value": 1099511627776`) {
		t.Errorf("int64 value not exact:\n%s", out.String())
	}
}
