#!/bin/bash
# Build $C/initramfs-$A.cpio.gz: busybox-static + the virtual-device modules with their modules.dep
# dependencies, in load order + guest/init.      usage: mkinitramfs.sh amd64|arm64|armhf
# Rebuilt only when the kernel, the modules, guest/init or this script changed.
source "$(dirname "$0")/lib.sh"
A=$1; KV=$(cat "$C/k-$A.kver"); K=$C/k-$A; OUT=$C/initramfs-$A.cpio.gz
SUM=$( (echo "$KV"; cat "$HW/mkinitramfs.sh" "$HW/guest/init" "$K/lib/modules/$KV/updates/.built") | md5sum | cut -c1-12)
if [ -f "$OUT" ] && [ "$(cat "$OUT.sum" 2>/dev/null)" = "$SUM" ]; then echo "hw: $A initramfs cached"; exit 0; fi
# module and parameters; a module missing from the kernel fails the build (every one is required)
MODS=(
  "vivid n_devs=1 node_types=0x1"          # /dev/video0: vivid capture, webcam input
  "snd-aloop index=0"                      # card 0: pcmC0D0{p,c}, pcmC0D1{p,c}; D1 playback -> D0 capture
  "configfs"
  "gpio-sim"                               # out of tree (build-kmods.sh); chip made by guest/init
  "vicodec"                                # out of tree: FWHT mem2mem encoder/decoders, /dev/video1..
  "softdog soft_noboot=1"                  # /dev/watchdog; noboot: a missed keepalive only logs
)
R=$(mktemp -d /tmp/hw-initrd.XXXX); trap 'rm -rf "$R"' EXIT
mkdir -p "$R"/{bin,sbin,etc,proc,sys,dev,tmp,run,payload,lib/modules}
cp "$C/bb-$A/bin/busybox" "$R/bin/busybox"
# busybox --list includes "busybox" itself: skip it, or the binary becomes a self-symlink (no init)
for a in $(busybox_list=$("$C/bb-$A/bin/busybox" --list 2>/dev/null || "$C/bb-amd64/bin/busybox" --list 2>/dev/null || busybox --list); echo "$busybox_list"); do
  [ "$a" = busybox ] || ln -s busybox "$R/bin/$a"
done
: > "$R/etc/modules.load"
declare -A seen
for entry in "${MODS[@]}"; do
  m=${entry%% *}; p=; [ "$m" = "$entry" ] || p=${entry#* }
  deps=$(/sbin/modprobe -d "$K" -S "$KV" --show-depends "$m" 2>/dev/null | awk '$1=="insmod"{print $2}') || true
  [ -n "$deps" ] || { echo "hw: module $m not found for $KV"; exit 1; }
  last=$(echo "$deps" | tail -1)
  for d in $deps; do
    rel=${d#$K/lib/modules/}
    [ -z "${seen[$rel]:-}" ] || continue; seen[$rel]=1
    mkdir -p "$R/lib/modules/$(dirname "$rel")"; cp "$d" "$R/lib/modules/$rel"
    if [ "$d" = "$last" ]; then echo "$rel $p" >> "$R/etc/modules.load"; else echo "$rel" >> "$R/etc/modules.load"; fi
  done
done
cp "$HW/guest/init" "$R/init"; chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT.tmp"; mv "$OUT.tmp" "$OUT"
echo "$SUM" > "$OUT.sum"
echo "hw: $A initramfs $(du -h "$OUT" | cut -f1), $(wc -l < "$R/etc/modules.load") modules"
