#!/bin/bash
# Build the test modules Debian's kernels lack -- gpio-sim (with irq_sim bundled) and vicodec --
# out of tree against Debian's linux-headers for the guest kernel (downloaded and extracted, not
# installed), put them in $C/k-$A/lib/modules/$KV/updates and re-run depmod. Idempotent (stamp).
#   usage: build-kmods.sh amd64|arm64|armhf
# needs gcc-12 (+ gcc-12-aarch64-linux-gnu / gcc-12-arm-linux-gnueabihf), make, xz-utils.
# Patches (sed, see README.md "Module patches"):
#   1. irq_sim.c: handle_simple_irq(irq_to_desc(n)) -> generic_handle_irq_safe(n); irq_to_desc is not exported
#   2. gpio-sim: drop MODULE_DEVICE_TABLE: the amd64 linux-kbuild modpost can't size 32-bit device tables
#   3. v4l2-mem2mem.c (only where the kernel lacks it, i.e. amd64): module_param(debug -> m2m_debug,
#      which clashes with vicodec's own "debug" when both are linked into one module
source "$(dirname "$0")/lib.sh"
A=$1
KV=$(cat "$C/k-$A.kver"); ABI=${KV%-*}                              # 6.1.0-NN
STAMP=$C/k-$A/lib/modules/$KV/updates/.built
SUM=$(cat "$HW/build-kmods.sh" "$HW"/kmod/Kbuild.* | md5sum | cut -c1-12)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$SUM" ]; then echo "hw: $A modules cached"; exit 0; fi
IMG=$(ls "$C"/debs/linux-image-"${KV}"_*_"$A".deb | tail -1); VER=$(dpkg-deb -f "$IMG" Version)   # 6.1.NNN-N
MM=$(echo "$VER" | cut -d. -f1,2)                                   # 6.1
HOSTA=$(dpkg --print-architecture)
cd "$C/debs"
get() { ls $2 >/dev/null 2>&1 || apt-get download "$1" 2>&1 | grep -v unsandboxed || true; ls $2 >/dev/null; }
get "linux-headers-$KV:$A"            "linux-headers-${KV}_*_$A.deb"
get "linux-headers-$ABI-common=$VER"  "linux-headers-$ABI-common_${VER}_all.deb"
get "linux-kbuild-$MM:$HOSTA=$VER"    "linux-kbuild-${MM}_${VER}_$HOSTA.deb"   # fixdep/modpost run on the build host
get "linux-source-$MM"                "linux-source-${MM}_*_all.deb"           # any 6.1.x has the files we need
HDR=$C/hdr-$A
if [ ! -d "$HDR/usr/src/linux-headers-$KV" ]; then
  rm -rf "$HDR"; mkdir -p "$HDR"
  for d in linux-headers-"${KV}"_*_"$A".deb linux-headers-"$ABI"-common_"${VER}"_all.deb linux-kbuild-"${MM}"_"${VER}"_"$HOSTA".deb; do
    dpkg-deb -x "$d" "$HDR"
  done
fi
KSRC=$HDR/usr/src/linux-headers-$KV
# Debian's flavour Makefile includes the -common Makefile by absolute path (/usr/src/...): repoint it
echo "include $HDR/usr/src/linux-headers-$ABI-common/Makefile" > "$KSRC/Makefile"
S=$C/src/linux-source-$MM
if [ ! -f "$S/drivers/media/v4l2-core/v4l2-mem2mem.c" ]; then
  rm -rf "$C/src"; mkdir -p "$C/src"
  # one pass through the 140 MB xz tarball, extracting only the files we build
  dpkg-deb --fsys-tarfile "$(ls linux-source-"${MM}"_*_all.deb | tail -1)" | tar -xO "./usr/src/linux-source-$MM.tar.xz" |
    tar -xJ -C "$C/src" --wildcards "linux-source-$MM/drivers/gpio/gpio-sim.c" "linux-source-$MM/drivers/gpio/gpiolib.h" \
      "linux-source-$MM/kernel/irq/irq_sim.c" "linux-source-$MM/drivers/media/test-drivers/vicodec/*" \
      "linux-source-$MM/drivers/media/v4l2-core/v4l2-mem2mem.c"
fi
case $A in amd64) X=() ;; arm64) X=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
  armhf) X=(ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf-) ;; esac
[ "$HOSTA" != arm64 ] || [ "$A" != arm64 ] || X=()
W=$C/mod-$A; rm -rf "$W"; mkdir -p "$W/gpio-sim" "$W/vicodec"
# gpio-sim: CONFIG_GPIO_SIM and its dependency CONFIG_IRQ_SIM are off in Debian -> bundle irq_sim.c
cp "$S/drivers/gpio/gpio-sim.c" "$W/gpio-sim/gpio-sim-main.c"
cp "$S/drivers/gpio/gpiolib.h" "$S/kernel/irq/irq_sim.c" "$W/gpio-sim/"
cp "$HW/kmod/Kbuild.gpio-sim" "$W/gpio-sim/Kbuild"
sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq_safe(irqnum);/' "$W/gpio-sim/irq_sim.c"
grep -q 'generic_handle_irq_safe(irqnum)' "$W/gpio-sim/irq_sim.c" || { echo "hw: irq_sim patch did not apply"; exit 1; }
sed -i 's/^MODULE_DEVICE_TABLE(.*);//' "$W/gpio-sim/gpio-sim-main.c"
make -s -C "$KSRC" M="$W/gpio-sim" "${X[@]}" modules 2>&1 | grep -v 'Skipping BTF' || true
# vicodec: where CONFIG_V4L2_MEM2MEM_DEV is off (amd64), link v4l2-mem2mem.c into the module
cp "$S"/drivers/media/test-drivers/vicodec/*.[ch] "$W/vicodec/"
cp "$HW/kmod/Kbuild.vicodec" "$W/vicodec/Kbuild"
M2M=
if ! grep -q '^CONFIG_V4L2_MEM2MEM_DEV=' "$KSRC/.config"; then
  cp "$S/drivers/media/v4l2-core/v4l2-mem2mem.c" "$W/vicodec/"; M2M=v4l2-mem2mem.o
  sed -i 's/^module_param(debug,/module_param_named(m2m_debug, debug,/' "$W/vicodec/v4l2-mem2mem.c"
fi
make -s -C "$KSRC" M="$W/vicodec" M2M=$M2M "${X[@]}" modules 2>&1 | grep -v 'Skipping BTF' || true
U=$C/k-$A/lib/modules/$KV/updates; mkdir -p "$U"
cp "$W/gpio-sim/gpio-sim.ko" "$W/vicodec/vicodec.ko" "$U/"
depmod -b "$C/k-$A" "$KV"
echo "$SUM" > "$STAMP"
echo "hw: $A built $(cd "$U" && ls *.ko | tr '\n' ' ')"
