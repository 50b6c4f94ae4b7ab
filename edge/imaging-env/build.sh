#!/usr/bin/env bash
# Builds Marrow's imaging environment: Debian's kernel (vmlinuz) and an initramfs
# (initrd.gz) with busybox-static, partclone, util-linux/fdisk, ntfs-3g, zstd, curl, jq,
# udpcast's udp-receiver, the kernel modules real and virtual machines need, and the
# client scripts in client/ (client/init becomes /init).
#
# Usage: build.sh [OUTPUT_DIR]        (default: <repo>/.cache/imaging-env)
# Prints the output directory as the last line on stdout; progress goes to stderr.
#
# Where things come from (decided): EVERYTHING is taken from Debian packages fetched with
# `apt-get download` and unpacked with `dpkg-deb -x` into a staging dir: the tools, their
# shared libraries (the transitive closure of their lib* Depends/PreDepends, including
# libc6 and its loader) and the kernel. Nothing is installed on the host and the result
# does not depend on what the host happens to have installed; it only needs the build
# tools: apt-get/apt-cache, dpkg-deb, depmod (kmod), ldconfig (libc-bin), cpio, gzip,
# sha256sum. Libraries are found by asking the *staged* loader (`ld-linux --list`
# with --library-path pointing into the staging dir; this is what `ldd` does), so every
# library a binary needs is copied, plus libgcc_s.so.1 (glibc dlopens it in pthread_exit;
# partclone aborts without it).
#
# Cached: the output is rebuilt only when an input changes: this script, build-lib.sh, the
# client scripts, or the Debian version of any package that goes in. Downloaded .debs are kept
# in OUTPUT_DIR/.debs and reused.
#
# Output: vmlinuz, initrd.gz, versions.txt (package=version of everything that went in,
# plus the kernel release and sizes), inputs.sha256 (the cache key).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/.cache/imaging-env}"
say() { echo "imaging-env: $*" >&2; }
# shellcheck source=build-lib.sh
. "$here/build-lib.sh"

for tool in apt-cache apt-get dpkg-deb depmod ldconfig cpio gzip sha256sum; do
  command -v "$tool" >/dev/null || [ -x "/sbin/$tool" ] || [ -x "/usr/sbin/$tool" ] || { say "missing $tool"; exit 1; }
done
export PATH="$PATH:/sbin:/usr/sbin"

# The tools' packages. The libraries they need are added by the closure below.
TOOL_PACKAGES="busybox-static partclone fdisk util-linux ntfs-3g zstd curl jq udpcast libgcc-s1"

find_kernel_package

# The closure: tool packages plus, transitively, the library packages (lib*) they depend on.
# Virtual packages (<...>) and non-library dependencies (e.g. fuse3, util-linux-extra,
# debconf) are not followed: the binaries we copy are then checked with the loader, and a
# missing library fails the build.
closure() {   # breadth first, one apt-cache call per level (each call costs about a second)
  local level="$*" seen=" " next p
  while [ -n "$level" ]; do
    next=""
    for p in $level; do case "$seen" in *" $p "*) ;; *) seen="$seen$p "; next="$next $p" ;; esac; done
    [ -n "$next" ] || break
    level="$(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances $next 2>/dev/null \
      | awk '$1 ~ /^\|?(Pre)?Depends:$/ && $2 ~ /^(lib|zlib)/ && $2 !~ /^</ { print $2 }' | sort -u)"
  done
  echo $seen
}
packages="$(closure $TOOL_PACKAGES) $kpkg"
versions="$(apt-cache show --no-all-versions $packages 2>/dev/null | awk '/^Package:/ { p = $2 } /^Version:/ { print p "=" $2 }' | sort -u)"
[ "$(echo "$versions" | wc -l)" = "$(echo $packages | wc -w)" ] || { say "cannot tell the versions of: $packages"; exit 1; }

key="$( {
  sha256sum "${BASH_SOURCE[0]}" "$here/build-lib.sh" | cut -d' ' -f1
  (cd "$here/client" && find . -type f ! -name '*.ts' | LC_ALL=C sort | xargs sha256sum)
  echo "$versions"
} | sha256sum | cut -d' ' -f1)"

finish_if_up_to_date "$out" "$key" "$kpkg"

say "building in $out ($kpkg, $(echo $packages | wc -w) packages)"
mkdir -p "$out/.debs"
work="$(mktemp -d "${TMPDIR:-/tmp}/marrow-imaging-env.XXXXXX")"
trap 'rm -rf "$work"' EXIT
stage="$work/stage"; root="$work/root"
mkdir -p "$stage"

# 1. Download (cached per package version) and unpack into the staging dir.
debfile() { ls "$out/.debs/${1%%=*}_$(echo "${1#*=}" | sed 's/:/%3a/')_"*.deb 2>/dev/null | head -n1 || true; }
missing=""
for pv in $versions; do [ -n "$(debfile "$pv")" ] || missing="$missing $pv"; done
if [ -n "$missing" ]; then
  say "downloading$missing"
  (cd "$out/.debs" && apt-get download -q -o APT::Sandbox::User=root $missing >&2)
fi
for pv in $versions; do
  deb="$(debfile "$pv")"; [ -n "$deb" ] || { say "download of $pv failed"; exit 1; }
  dpkg-deb -x "$deb" "$stage"
done
# Drop stale .debs (older versions) so the cache does not grow forever.
for deb in "$out"/.debs/*.deb; do
  base="$(basename "$deb")"; p="${base%%_*}"; v="$(echo "$base" | cut -d_ -f2 | sed 's/%3a/:/')"
  grep -qx "$p=$v" <<<"$versions" || rm -f "$deb"
done

# 2. The initramfs tree.
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,mnt,etc,lib64,var/log,marrow}
cp "$stage/bin/busybox" "$root/bin/busybox"

loader="$stage/lib64/ld-linux-x86-64.so.2"
[ -e "$loader" ] || loader="$stage/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
libpath="$stage/lib/x86_64-linux-gnu:$stage/usr/lib/x86_64-linux-gnu"
copy_file() {   # staged path -> same path in root (following symlinks)
  local src="$1" rel="${1#"$stage"}"
  mkdir -p "$root$(dirname "$rel")"
  cp -L "$src" "$root$rel"
}
copy_binary() { # staged binary + every library the staged loader resolves for it
  local bin="$stage$1" lib
  [ -x "$bin" ] || { say "missing binary $1"; exit 1; }
  copy_file "$bin"
  "$loader" --list --library-path "$libpath" "$bin" >"$work/list" 2>&1 || { cat "$work/list" >&2; say "cannot resolve libraries of $1"; exit 1; }
  if grep -q 'not found' "$work/list"; then cat "$work/list" >&2; say "unresolved library for $1"; exit 1; fi
  for lib in $(awk '/=>/ { print $3 } !/=>/ && $1 ~ /^\// { print $1 }' "$work/list"); do
    case "$lib" in "$stage"/*) copy_file "$lib" ;; /lib64/ld-linux*|*/ld-linux-x86-64.so.2) ;; *) say "library outside staging: $lib"; exit 1 ;; esac
  done
}
BINARIES="
/usr/sbin/partclone.ntfs /usr/sbin/partclone.extfs /usr/sbin/partclone.fat /usr/sbin/partclone.dd
/sbin/sfdisk /sbin/blkid /sbin/blockdev /usr/bin/partx
/bin/ntfs-3g /sbin/ntfsfix /usr/bin/ntfscp /usr/bin/ntfscat /bin/ntfs-3g.probe
/usr/bin/zstd /usr/bin/curl /usr/bin/jq /usr/sbin/udp-receiver"
for b in $BINARIES; do
  # Debian moved some binaries between /bin and /usr/bin; take whichever the package has.
  if [ ! -e "$stage$b" ]; then
    alt="$(for d in /bin /sbin /usr/bin /usr/sbin; do [ -e "$stage$d/$(basename "$b")" ] && echo "$d/$(basename "$b")" && break; done)"
    [ -n "$alt" ] || { say "no $(basename "$b") in the staged packages"; exit 1; }
    b="$alt"
  fi
  copy_binary "$b"
done
cp -L "$loader" "$root/lib64/ld-linux-x86-64.so.2"
libgcc="$(ls "$stage"/lib/x86_64-linux-gnu/libgcc_s.so.1 "$stage"/usr/lib/x86_64-linux-gnu/libgcc_s.so.1 2>/dev/null | head -n1 || true)"
[ -n "$libgcc" ] || { say "no libgcc_s.so.1"; exit 1; }
copy_file "$libgcc"
# CA certificates are not needed: the edge is plain HTTP on the site LAN.
printf '/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n' > "$root/etc/ld.so.conf"
ldconfig -r "$root" 2>/dev/null || say "ldconfig -r failed (the default search path still works)"

# 3. Kernel and modules.
kv="$(ls "$stage/lib/modules" | head -n1)"
depmod -b "$stage" "$kv"
cp "$stage/boot/vmlinuz-$kv" "$work/vmlinuz"
# Wanted modules (name as in modules.dep, - and _ are the same). Hard dependencies come
# from modules.dep; soft ones (crc32c for ext4, realtek PHY for r8169) are listed.
MODULES="virtio_pci virtio_net virtio_blk virtio_scsi failover net_failover
e1000 e1000e igb r8169 realtek
ahci ata_piix sd_mod sr_mod nvme scsi_mod
crc32c_generic crc32c_intel ext4 vfat nls_cp437 nls_iso8859_1 nls_utf8 fuse loop"
moddep="$stage/lib/modules/$kv/modules.dep"
modpath() { awk -F: -v m="$1" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n); gsub(/-/, "_", n); if (n == m) { print $1; exit } }' "$moddep"; }
: > "$work/load-order"
add_module() {  # depth-first: dependencies first
  local rel; rel="$(modpath "$1")"
  [ -n "$rel" ] || { say "note: module $1 not in $kpkg (built in?)"; return 0; }
  grep -qx "$rel" "$work/load-order" && return 0
  local deps; deps="$(awk -F: -v r="$rel" '$1 == r { print $2; exit }' "$moddep")"
  for d in $deps; do
    local n="${d##*/}"; n="${n%%.ko*}"; n="${n//-/_}"
    add_module "$n"
  done
  grep -qx "$rel" "$work/load-order" || echo "$rel" >> "$work/load-order"
}
for m in $MODULES; do add_module "$m"; done
mkdir -p "$root/lib/modules/$kv"
while read -r rel; do
  mkdir -p "$root/lib/modules/$kv/$(dirname "$rel")"
  case "$rel" in
    *.ko) cp "$stage/lib/modules/$kv/$rel" "$root/lib/modules/$kv/$rel" ;;
    *.ko.xz) xz -dc "$stage/lib/modules/$kv/$rel" > "$root/lib/modules/$kv/${rel%.xz}" ;;
    *.ko.zst) zstd -qdc "$stage/lib/modules/$kv/$rel" > "$root/lib/modules/$kv/${rel%.zst}" ;;
    *.ko.gz) gzip -dc "$stage/lib/modules/$kv/$rel" > "$root/lib/modules/$kv/${rel%.gz}" ;;
  esac
  echo "${rel%.ko*}.ko"
done < "$work/load-order" > "$root/lib/modules/$kv/marrow.load-order"
cp "$stage/lib/modules/$kv/modules.builtin" "$stage/lib/modules/$kv/modules.builtin.modinfo" "$stage/lib/modules/$kv/modules.order" "$root/lib/modules/$kv/" 2>/dev/null || true
depmod -b "$root" "$kv"

# 4. The client.
cp "$here/client/init" "$root/init"
mkdir -p "$root/marrow"
(cd "$here/client" && find . -type f ! -name '*.ts' ! -name init | while read -r f; do mkdir -p "$root/marrow/$(dirname "$f")"; cp "$f" "$root/marrow/$f"; done)
chmod 0755 "$root/init" "$root/marrow/udhcpc.script"; find "$root/marrow" -name '*.sh' -exec chmod 0755 {} +

# 5. Pack and publish (write beside, rename, stamp last).
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -6) > "$out/initrd.gz.new"
cp "$work/vmlinuz" "$out/vmlinuz.new"
mv "$out/vmlinuz.new" "$out/vmlinuz"
mv "$out/initrd.gz.new" "$out/initrd.gz"
{
  echo "# Marrow imaging environment, built $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "kernel-release=$kv"
  echo "vmlinuz-bytes=$(stat -c %s "$out/vmlinuz")"
  echo "initrd.gz-bytes=$(stat -c %s "$out/initrd.gz")"
  echo "initramfs-unpacked-bytes=$(du -sb "$root" | cut -f1)"
  echo "modules=$(wc -l < "$root/lib/modules/$kv/marrow.load-order")"
  echo "# packages (the tools and every library package staged; only what the loader resolves is copied)"
  echo "$versions"
} > "$out/versions.txt"
echo "$key" > "$out/inputs.sha256"
say "built: vmlinuz $(du -h "$out/vmlinuz" | cut -f1), initrd.gz $(du -h "$out/initrd.gz" | cut -f1)"
echo "$out"
