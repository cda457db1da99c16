// Package e2e holds end-to-end tests that cross the layers the library
// packages keep apart (clue/* never imports media/*): ICE-lite, DTLS, SRTP and
// the CLUE data channel together on loopback, against our own far end and
// against an independent WebRTC stack (python3-aiortc).
package e2e
