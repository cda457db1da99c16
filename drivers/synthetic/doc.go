// Package synthetic is the driver cluecam falls back to when a box has no
// camera, microphone or PTZ head (or when a developer has none): four
// devices that behave like real ones, paced by an injected hw.Clock so that
// tests run in fake time.
//
//   - synthetic:h264, a camera with a hardware H.264 encoder: it plays an
//     embedded x264 clip (clips/gen.sh) in a loop, zero-copy, honouring
//     keyframe requests and switching between two quality levels on
//     SetTargetBitrate;
//   - synthetic:mjpeg, a UVC-style MJPEG camera: colour bars, a moving box
//     and a frame counter, JPEG-coded with a quality that follows the target
//     bitrate;
//   - synthetic:tone, a microphone hearing a 1 kHz sine;
//   - synthetic:ptz, a pan-tilt-zoom head moving at a realistic speed.
//
// Provider offers them to an hw.Inventory; each can also be built alone.
package synthetic
