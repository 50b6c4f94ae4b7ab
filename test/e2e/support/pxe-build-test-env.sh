#!/usr/bin/env bash
# Builds the tiny "imaging environment" that pxe-boot.test.ts PXE-boots in QEMU: Debian's
# kernel (extracted from its package, not installed) and a busybox-static initramfs whose
# /init prints what Marrow put on the kernel command line and powers off:
#
#   MARROW-E2E mode=<marrow.mode> mac=<marrow.mac> deployment=<marrow.deployment or -> master=<marrow.master or ->
#
# Usage: pxe-build-test-env.sh [OUTPUT_DIR]   (default: <repo>/.cache/e2e/pxe-test-env)
# Idempotent: rebuilds only when an input changes (this script, edge/imaging-env/build-lib.sh,
# the kernel package linux-image-amd64 depends on and its version, /bin/busybox). Prints the
# output directory, which holds vmlinuz and initrd.gz, as the last line on stdout; progress
# goes to stderr.
# Needs: apt-get/apt-cache/dpkg-deb, busybox-static, cpio, gzip (test/e2e/install-packages.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
out="${1:-$repo/.cache/e2e/pxe-test-env}"
say() { echo "pxe-build-test-env: $*" >&2; }
# shellcheck source=../../../edge/imaging-env/build-lib.sh
. "$repo/edge/imaging-env/build-lib.sh"

for tool in apt-cache apt-get dpkg-deb cpio gzip sha256sum; do
  command -v "$tool" >/dev/null || { say "missing $tool"; exit 1; }
done
# Not `busybox --list | grep -q`: busybox writes one applet per write(2), grep -q exits at the
# first match, and under pipefail the SIGPIPE busybox then gets fails the check (CI saw it).
applets="$([ -x /bin/busybox ] && /bin/busybox --list || true)"
grep -qx poweroff <<<"$applets" || { say "missing /bin/busybox (Debian busybox-static)"; exit 1; }

find_kernel_package
kver="$(apt-cache show --no-all-versions "$kpkg" | awk '/^Version:/ { print $2; exit }')"

key="$( {
  sha256sum "${BASH_SOURCE[0]}" "$repo/edge/imaging-env/build-lib.sh" | cut -d' ' -f1
  echo "$kpkg=$kver"
  sha256sum /bin/busybox | cut -d' ' -f1
} | sha256sum | cut -d' ' -f1)"

finish_if_up_to_date "$out" "$key" "$kpkg $kver"

say "building in $out ($kpkg $kver)"
mkdir -p "$out"
work="$(mktemp -d "${TMPDIR:-/tmp}/marrow-pxe-env.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# 1. The kernel: download the package (no install) and take vmlinuz. The test environment
#    loads no modules, so modules.dep (depmod) is not needed.
(cd "$work" && apt-get download "$kpkg" >&2)
dpkg-deb -x "$work"/"${kpkg}"_*.deb "$work/kroot"
vmlinuz="$(ls "$work"/kroot/boot/vmlinuz-* | head -n1)"
[ -s "$vmlinuz" ] || { say "no vmlinuz in $kpkg"; exit 1; }

# 2. The initramfs: busybox-static and /init.
root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp /bin/busybox "$root/bin/busybox"
cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s /bin
exec </dev/console >/dev/console 2>&1
mode=- mac=- deployment=- master=-
for word in $(cat /proc/cmdline); do
  case "$word" in
    marrow.mode=*) mode="${word#marrow.mode=}" ;;
    marrow.mac=*) mac="${word#marrow.mac=}" ;;
    marrow.deployment=*) deployment="${word#marrow.deployment=}" ;;
    marrow.master=*) master="${word#marrow.master=}" ;;
  esac
done
echo "MARROW-E2E mode=$mode mac=$mac deployment=$deployment master=$master"
sync
poweroff -f
INIT
chmod 0755 "$root/init"

# 3. Publish atomically enough: write beside, then rename, then the stamp last.
cp "$vmlinuz" "$out/vmlinuz.new"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initrd.gz.new"
mv "$out/vmlinuz.new" "$out/vmlinuz"
mv "$out/initrd.gz.new" "$out/initrd.gz"
echo "$key" > "$out/inputs.sha256"
echo "$kpkg=$kver" > "$out/kernel-package"
say "built: $(du -h "$out/vmlinuz" | cut -f1) vmlinuz, $(du -h "$out/initrd.gz" | cut -f1) initrd.gz"
echo "$out"
