package hw

import "strings"

// Kind is what a device does.
type Kind uint8

// Device kinds. The zero value is invalid.
const (
	KindVideo Kind = 1 + iota // a VideoSource
	KindAudio                 // an AudioSource
	KindPTZ                   // a PTZ head
)

func (k Kind) String() string {
	switch k {
	case KindVideo:
		return "video"
	case KindAudio:
		return "audio"
	case KindPTZ:
		return "ptz"
	}
	return "unknown"
}

// Caps lists optional capabilities, so an inventory can show them without
// opening the device. They mirror the optional interfaces: a device with
// CapKeyframe implements KeyframeRequester once opened.
type Caps uint32

// Capabilities.
const (
	CapKeyframe Caps = 1 << iota // video: KeyframeRequester
	CapBitrate                   // video: BitrateController
	CapPan                       // ptz: has a pan axis
	CapTilt                      // ptz: has a tilt axis
	CapZoom                      // ptz: has a zoom axis
	CapPresets                   // ptz: stores presets
)

var capNames = [...]string{"keyframe", "bitrate", "pan", "tilt", "zoom", "presets"}

// String lists the capabilities as "keyframe,bitrate"; "" for none.
func (c Caps) String() string {
	var b strings.Builder
	for i, n := range capNames {
		if c&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(n)
		}
	}
	return b.String()
}

// DeviceInfo describes a device as its provider found it. It is what
// `cluecam devices` prints and what the endpoint builds its advertisement
// from.
type DeviceInfo struct {
	// ID names the device uniquely across all providers and is what
	// configuration files refer to: "synthetic:h264", "/dev/video0",
	// "hw:0,0", "pca9685:1-0040".
	ID string
	// Driver is the name of the provider that found it ("v4l2").
	Driver string
	// Name is the human-readable product or card name.
	Name string
	// Location is where the device hangs (a USB port path or bus address);
	// it stays the same across reboots when the ID may not. Optional.
	Location string
	Kind     Kind
	Caps     Caps
	// Modes lists the video modes (video devices only).
	Modes []VideoMode
	// Formats lists the audio formats (audio devices only).
	Formats []AudioFormat
	// Controls lists the device's settings with their values when it was
	// scanned (V4L2 devices; for a camera+encoder pair, the encoder's).
	// Hotplug events may leave them out: values change while the device
	// stays the same.
	Controls []Control
}
