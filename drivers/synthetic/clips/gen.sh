#!/bin/sh
# Regenerates the H.264 clips that the synthetic camera (synthetic:h264)
# embeds. Run from anywhere; needs ffmpeg with libx264 (Debian: apt-get
# install ffmpeg). The output is committed, so this runs only when the clips
# should change; builds never need ffmpeg.
#
# What the clips are, and why:
#   - testsrc2 (moving colour pattern with a running clock), 640x360, 30 fps,
#     60 frames = 2 s = two closed GOPs of 30 frames: every GOP starts with an
#     IDR, so looping from the last frame back to the first is seamless.
#   - Constrained Baseline profile, level 3.0 (profile-level-id 42c01e):
#     decodable by every hardware decoder and by RFC 6184 packetization-mode
#     1 receivers; no B-frames, so decode order is output order.
#   - SPS and PPS before every IDR (repeat-headers=1), as V4L2 encoders do
#     with REPEAT_SEQ_HEADER, so any IDR is a valid entry point.
#   - one slice per frame, no access unit delimiters (like bcm2835-codec),
#     SEI removed (x264 writes its settings as a ~600-byte SEI otherwise).
#   - two quality levels with the same GOP structure, so SetTargetBitrate
#     can switch clip at the next IDR without a visible jump:
#       hi.h264  ~1.5 Mbit/s
#       lo.h264  ~300 kbit/s
set -eu
cd "$(dirname "$0")"

gen() { # gen NAME KBPS
	ffmpeg -hide_banner -loglevel error -y \
		-f lavfi -i testsrc2=size=640x360:rate=30 -frames:v 60 -an \
		-c:v libx264 -profile:v baseline -level:v 3.0 -preset medium -tune zerolatency \
		-pix_fmt yuv420p -b:v "${2}k" -maxrate "${2}k" -bufsize "$(($2 / 2))k" \
		-x264-params keyint=30:min-keyint=30:scenecut=0:open-gop=0:bframes=0:repeat-headers=1:threads=1:sliced-threads=0 \
		-bsf:v filter_units=remove_types=6 \
		-f h264 "$1.h264"
	frames=$(ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries stream=nb_read_frames -of csv=p=0 "$1.h264")
	[ "$frames" = 60 ] || { echo "$1.h264: $frames frames, want 60" >&2; exit 1; }
	echo "$1.h264: $(wc -c <"$1.h264") bytes, $frames frames"
}

gen hi 1500
gen lo 300
