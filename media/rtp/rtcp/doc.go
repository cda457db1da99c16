// Package rtcp builds and reads the RTCP packets a cluecam stream sends and
// receives: sender and receiver reports and SDES (RFC 3550 §6), with the
// CLUE CaptId SDES item (RFC 8849 §5.1); BYE; and the feedback messages
// that steer the encoder: PLI and generic NACK (RFC 4585 §6), FIR, TMMBR
// and TMMBN (RFC 5104 §4), REMB (draft-alvestrand-rmcat-remb-03).
//
// Builders append to a caller's buffer. The Reader walks a compound packet
// in place and typed accessors decode each part without allocating, so a
// flood of RTCP costs no garbage; every accessor checks lengths and never
// panics on any input (FuzzRTCP). SRTCP protection is media/srtp's.
package rtcp
