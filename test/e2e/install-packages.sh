#!/usr/bin/env bash
# Installs the Debian packages the e2e tier (npm run test:e2e) and the benchmarks use as
# real peers and anchors. Run as root on Debian/Ubuntu; does nothing when every command is
# already present. Add packages to PACKAGES and the command (or file) that proves each one
# is installed to NEEDED.
set -euo pipefail

# One list for every e2e suite; keep it sorted-ish and commented by user.
#   tftp-hpa  -> tftp      (TFTP client, tftp-peers.test.ts)
#   atftp     -> atftp     (TFTP client, tftp-peers.test.ts, bench/tftp*.bench.ts)
#   curl      -> curl      (TFTP client, tftp-peers.test.ts)
#   tftpd-hpa -> in.tftpd  (TFTP performance anchor, bench/tftp*.bench.ts)
#   ipxe      -> /usr/lib/ipxe/undionly.kpxe (what PXE clients fetch over TFTP)
#   chromium  -> chromium  (the browser playwright-core drives, portal.test.ts)
#   qemu-system-x86 -> qemu-system-x86_64 (the PXE client VMs, pxe-boot.test.ts)
#   ipxe-qemu -> /usr/lib/ipxe/qemu/pxe-virtio.rom (QEMU NIC ROMs: iPXE, pxe-boot.test.ts)
#   ovmf      -> /usr/share/OVMF/OVMF_CODE_4M.fd (UEFI firmware, pxe-boot.test.ts)
#   dnsmasq-base -> dnsmasq (the site's plain DHCP server + RA, pxe-boot.test.ts; -base: the binary without the init script and its daemon)
#   busybox-static -> /bin/busybox (the test imaging environment's initramfs, pxe-boot.test.ts)
#   cpio      -> cpio      (packs that initramfs, pxe-boot.test.ts)
#   iproute2  -> ip        (network namespaces, pxe-boot.test.ts)
#   (also used by proxydhcp-netns.test.ts: dnsmasq-base as the site DHCP, busybox-static for
#    udhcpc, iproute2 for namespaces; and by wake-on-lan.test.ts: iproute2)
#   mosquitto -> mosquitto (an MQTT 3.1.1 broker that is not aedes, mosquitto.test.ts)
#   ntfs-3g   -> mkntfs, ntfs-3g (builds and checks the Windows-like source disk, imaging.test.ts)
#   fdisk     -> sfdisk    (partition tables of the test disks, imaging.test.ts)
#   e2fsprogs -> mkfs.ext4 (the ext4 partition of the source disk, imaging.test.ts)
#   partclone -> partclone.ntfs (import-master tests and benches)
#   kmod      -> depmod    (edge/imaging-env/build.sh, imaging.test.ts)
#   udpcast   -> udp-sender (multicast deploys: the edge's sender, multicast.test.ts, imaging.test.ts)
PACKAGES="tftp-hpa atftp curl tftpd-hpa ipxe chromium qemu-system-x86 ipxe-qemu ovmf dnsmasq-base busybox-static cpio iproute2 mosquitto ntfs-3g fdisk e2fsprogs partclone kmod udpcast"
NEEDED="tftp atftp curl in.tftpd /usr/lib/ipxe/undionly.kpxe chromium qemu-system-x86_64 /usr/lib/ipxe/qemu/pxe-virtio.rom /usr/share/OVMF/OVMF_CODE_4M.fd dnsmasq /bin/busybox cpio ip mosquitto mkntfs ntfs-3g sfdisk mkfs.ext4 partclone.ntfs depmod udp-sender"

missing=0
for need in $NEEDED; do
  case "$need" in
    /*) [ -e "$need" ] || missing=1 ;;
    *) command -v "$need" >/dev/null 2>&1 || [ -x "/usr/sbin/$need" ] || missing=1 ;;
  esac
done
if [ "$missing" = 0 ]; then
  echo "install-packages: everything already present"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "install-packages: run as root (apt-get install $PACKAGES)" >&2
  exit 1
fi

apt-get update
# shellcheck disable=SC2086 # PACKAGES is a word list on purpose
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PACKAGES

# tftpd-hpa's maintainer script may start a daemon on port 69 (no systemd here, but
# sysvinit scripts can still run). The tests and benches start their own servers on
# random loopback ports; a stray daemon on 69 would only get in the way.
if [ -x /etc/init.d/tftpd-hpa ]; then
  /etc/init.d/tftpd-hpa stop >/dev/null 2>&1 || true
fi
if [ -r /run/tftpd-hpa.pid ]; then
  kill "$(cat /run/tftpd-hpa.pid)" 2>/dev/null || true
fi
