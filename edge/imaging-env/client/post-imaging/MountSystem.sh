#!/bin/sh
# MountSystem: find the Windows system partition (NTFS holding Windows/System32) and mount it
# read-write with ntfs-3g at /mnt/system. Writes MARROW_SYSTEM / MARROW_SYSTEM_DEV /
# MARROW_WINDOWS (the Windows directory as it is spelled on disk) to $MARROW_STATE/post.env.
. "${MARROW_HOME:-/marrow}/lib/common.sh"
mnt="${MARROW_MOUNT_POINT:-/mnt/system}"
mkdir -p "$mnt"
mdev -s 2>/dev/null
for p in $(blkid -t TYPE=ntfs -o device 2>/dev/null); do
  ntfsfix -d "$p" >/dev/null 2>&1   # clear the dirty flag a hibernated/unclean image may carry
  ntfs-3g -o rw,noatime "$p" "$mnt" 2>>"$MARROW_LOG" || continue
  win="$(ci_path "$mnt" Windows)"
  if [ -d "$(ci_path "$mnt" Windows/System32)" ]; then
    { echo "MARROW_SYSTEM='$mnt'"; echo "MARROW_SYSTEM_DEV='$p'"; echo "MARROW_WINDOWS='$win'"; echo "export MARROW_SYSTEM MARROW_SYSTEM_DEV MARROW_WINDOWS"; } > "$MARROW_STATE/post.env"
    log "system partition $p mounted at $mnt"
    exit 0
  fi
  umount "$mnt"
done
die "no Windows system partition (NTFS with Windows/System32) found"
