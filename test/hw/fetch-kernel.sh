#!/bin/bash
# Download (never install) Debian's current kernel and busybox-static for a guest arch and unpack
# them under $C (see lib.sh). Idempotent.      usage: fetch-kernel.sh amd64|arm64|armhf
source "$(dirname "$0")/lib.sh"
A=$1; FLAV=$(flavour "$A")
mkdir -p "$C/debs"; cd "$C/debs"
# The meta package names the concrete ABI package (linux-image-6.1.0-NN-FLAV). The ABI can differ
# between arches (bookworm-security may carry a newer kernel for one arch only): never hard-code it.
PKG=$(apt-cache depends "linux-image-$FLAV:$A" | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); PKG=${PKG%%:*}
[ -n "$PKG" ] || { echo "hw: no concrete kernel package for $A (dpkg --add-architecture $A; apt-get update?)"; exit 1; }
KV=${PKG#linux-image-}
if [ ! -f "$C/k-$A/boot/vmlinuz-$KV" ] || [ ! -d "$C/k-$A/lib/modules/$KV" ]; then
  ls "${PKG}"_*_"$A".deb >/dev/null 2>&1 || apt-get download "$PKG:$A" 2>&1 | grep -v unsandboxed || true
  ls "${PKG}"_*_"$A".deb >/dev/null
  rm -rf "$C/k-$A"; mkdir -p "$C/k-$A"
  dpkg-deb -x "$(ls "${PKG}"_*_"$A".deb | tail -1)" "$C/k-$A"
  depmod -b "$C/k-$A" "$KV"
fi
if [ ! -x "$C/bb-$A/bin/busybox" ]; then
  ls busybox-static_*_"$A".deb >/dev/null 2>&1 || apt-get download "busybox-static:$A" 2>&1 | grep -v unsandboxed || true
  rm -rf "$C/bb-$A"; mkdir -p "$C/bb-$A"; dpkg-deb -x "$(ls busybox-static_*_"$A".deb | tail -1)" "$C/bb-$A"
fi
echo "$KV" > "$C/k-$A.kver.new"; mv "$C/k-$A.kver.new" "$C/k-$A.kver"
echo "hw: $A kernel $KV ($(dpkg-deb -f "$(ls "${PKG}"_*_"$A".deb | tail -1)" Version))"
