// Package codec holds the bitstream helpers the media path needs without a
// codec library: H.264 Annex-B scanning and access-unit splitting, SPS
// parsing for SDP (profile-level-id, sprop-parameter-sets, picture size).
// Everything works on offsets into the caller's buffer and allocates
// nothing on the per-frame path.
package codec
