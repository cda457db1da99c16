# Sourced by the test/hw scripts: paths, arch tables, timing helper. Never reads outside the repo
# except Debian's mirror (apt) and the Go toolchain.
set -euo pipefail
HW=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HW/../.." && pwd)
# Downloads, unpacked kernels, modules, images: outside the clone by default, so
# every clone on a machine (a developer's, CI's fresh one) shares one warm cache.
C=${HW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cluecam/hw}
mkdir -p "$C"
export DEBIAN_FRONTEND=noninteractive
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
# Debian kernel flavour and Go target per guest arch
flavour() { case $1 in amd64) echo amd64;; arm64) echo arm64;; armhf) echo armmp;; *) echo "unknown arch $1" >&2; return 1;; esac; }
goenv() { case $1 in amd64) echo GOARCH=amd64;; arm64) echo GOARCH=arm64;; armhf) echo "GOARCH=arm GOARM=7";; armv6) echo "GOARCH=arm GOARM=6";; esac; }
# The guest (kernel, initramfs) a run arch boots: armv6 = GOARM=6 binaries in the armhf (ARMv7) guest;
# Debian has no ARMv6 kernel qemu's virt board boots, so this checks Go's armv6 code, not an ARMv6 CPU.
guestarch() { case $1 in armv6) echo armhf;; *) echo "$1";; esac; }
# apt can be locked by another install on a shared machine: retry
apt_retry() { local i; for i in $(seq 1 30); do $SUDO "$@" && return 0; echo "apt busy, retrying ($i)" >&2; sleep 5; done; return 1; }
