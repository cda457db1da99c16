#!/bin/bash
# Boot Debian's kernel + the hw initramfs under qemu TCG, run a payload, exit with its status.
#   usage: boot.sh amd64|arm64|armhf [PAYLOAD_DIR]
# PAYLOAD_DIR is appended as a second cpio at /payload (the kernel unpacks concatenated archives in
# order); PAYLOAD_DIR/run.sh is run by guest/init. The exit status is run.sh's (HW-EXIT=rc), 125 when
# the guest never reported one (crash, panic, timeout).
# env: HW_SHELL=1 (or RIG_SHELL=1)  interactive busybox shell on the serial console, after the payload
#      HW_TIMEOUT=300 HW_MEM=512 HW_SMP=2 (armhf: 1) HW_APPEND="hw.debug ..."
source "$(dirname "$0")/lib.sh"
A=$1; P=${2:-}
KV=$(cat "$C/k-$A.kver"); KERNEL=$C/k-$A/boot/vmlinuz-$KV
INITRD=$C/initramfs-$A.cpio.gz
T=$(mktemp -d /tmp/hw-boot.XXXX); trap 'rm -rf "$T"' EXIT
if [ -n "$P" ]; then
  mkdir "$T/payload"; cp -a "$P"/. "$T/payload/"
  { cat "$INITRD"; (cd "$T" && find payload | cpio -o -H newc --quiet | gzip -1); } > "$T/initrd.cpio.gz"
  INITRD=$T/initrd.cpio.gz
fi
APPEND="panic=-1 quiet loglevel=3 ${HW_APPEND:-}"
case $A in
  amd64) Q=(qemu-system-x86_64 -M pc -cpu max); APPEND="console=ttyS0 $APPEND" ;;
  arm64) Q=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on); APPEND="console=ttyAMA0 $APPEND" ;;
  armhf) Q=(qemu-system-arm -M virt -cpu cortex-a15); APPEND="console=ttyAMA0 $APPEND" ;;
esac
# armhf: with -smp 2 every insmod is ~0.5 s slower under TCG (boot 18 s instead of 6 s): use 1
SMP=${HW_SMP:-2}; [ "$A" != armhf ] || SMP=${HW_SMP:-1}
SHELL_MODE=${HW_SHELL:-${RIG_SHELL:-}}
[ -z "$SHELL_MODE" ] || APPEND+=" hw.shell"
Q+=(-smp "$SMP" -m "${HW_MEM:-512}" -nodefaults -no-reboot -display none -serial stdio -monitor none
    -kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND")
if [ -n "$SHELL_MODE" ]; then "${Q[@]}"; exit $?; fi
t0=$(now); rc=125
while IFS= read -r line; do
  line=${line%$'\r'}
  case $line in
    HW-READY*) printf '[%6.2fs] %s\n' "$(since "$t0")" "$line" ;;
    HW-EXIT=*) printf '[%6.2fs] %s\n' "$(since "$t0")" "$line"; rc=${line#HW-EXIT=}; rc=${rc%% *} ;;
    *) printf '%s\n' "$line" ;;
  esac
done < <(timeout "${HW_TIMEOUT:-300}" "${Q[@]}" < /dev/null 2>&1 || echo "HW-QEMU-STATUS=$?")
printf '[%6.2fs] qemu exited\n' "$(since "$t0")"
exit "$rc"
