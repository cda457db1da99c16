#!/bin/bash
# Host packages for the hardware rig (idempotent; nothing is done when all are present).
#   setup.sh ARCH...      adds the foreign dpkg architectures the guests need (for apt-get download)
# Kernels, headers and busybox for the guests are downloaded and unpacked, never installed.
source "$(dirname "$0")/lib.sh"
ARCHES=("$@")
PKGS=(qemu-system-x86 qemu-system-arm busybox-static cpio kmod xz-utils bc make gcc-12 libc6-dev libelf-dev)
for a in "${ARCHES[@]}"; do case $a in
  arm64) PKGS+=(gcc-12-aarch64-linux-gnu) ;;
  armhf) PKGS+=(gcc-12-arm-linux-gnueabihf) ;;
esac; done
update=0
for a in "${ARCHES[@]}"; do
  if [ "$a" != "$(dpkg --print-architecture)" ] && ! dpkg --print-foreign-architectures | grep -qx "$a"; then
    $SUDO dpkg --add-architecture "$a"; update=1
  fi
done
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} = 0 ] || update=1
[ -n "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -i _Packages)" ] || update=1
# A mirror mid-sync can fail one index ("File has unexpected size"): retry a few times, then go on
# with what was fetched -- the install or the download below fails loudly if something is missing.
if [ $update = 1 ]; then
  for i in 1 2 3; do $SUDO apt-get update -qq && break; echo "hw: apt-get update failed ($i), retrying" >&2; sleep 10; done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "hw: installing Debian packages: ${missing[*]}"
  apt_retry apt-get install -y -qq --no-install-recommends "${missing[@]}" > "$C/apt.log" 2>&1 || { tail -20 "$C/apt.log"; exit 1; }
fi
