#!/bin/sh
# restore (deploy): GET /imaging/deploy/manifest, write its partition table with sfdisk,
# then stream each partition: GET /imaging/deploy/partitions/N | partclone.X -r (dd for raw).
# A machine of a multicast deployment first asks to join the partition's udpcast session
# (POST …/partitions/N/multicast) and receives it with udp-receiver; when the edge says
# "unicast" (no multicast there, or the transfer began before this machine came) it streams
# that partition over HTTP as above.
# Both name the master of marrow.master (?master=ID): from the menu, the one chosen.
# NTFS: partclone does not write the backup boot sector, so sector 0 is copied to the last
# sector of the partition.
. "${MARROW_HOME:-/marrow}/lib/common.sh"
. "$MARROW_HOME/lib/report.sh"
phase deploy-manifest
q="$(master_query)" || die "marrow.master is not a master id"
m="$MARROW_STATE/manifest.json"
fetch "/imaging/deploy/manifest$q" "$m" 2>>"$MARROW_LOG" || die "cannot fetch the manifest"
jq -e '.partitions and .disk.partitionTable' "$m" >/dev/null 2>&1 || die "the manifest is not a Marrow manifest"
disk="$(pick_target_disk)" || die "no disk to deploy to"
dev="/dev/$disk"
size="$(blockdev --getsize64 "$dev")"; ss="$(blockdev --getss "$dev")"
need="$(jq -r '[.partitions[] | .startSector * '"$ss"' + .sizeBytes] | max // 0' "$m")"
[ "$size" -ge "$need" ] || die "disk $dev ($size bytes) is smaller than the image needs ($need bytes)"

phase deploy-partition-table
jq -r .disk.partitionTable "$m" | retarget_dump "$disk" > "$MARROW_STATE/table.txt"
log "writing the partition table to $dev"
sfdisk --wipe always --wipe-partitions always "$dev" < "$MARROW_STATE/table.txt" >>"$MARROW_LOG" 2>&1 || die "sfdisk could not write the partition table"
blockdev --rereadpt "$dev" 2>>"$MARROW_LOG" || partx -u "$dev" 2>>"$MARROW_LOG"
mdev -s 2>/dev/null

total_all="$(jq -r '[.partitions[].streamBytes] | add // 0' "$m")"
multicast=0
if [ "$(session_json | jq -r '.multicast // false' 2>/dev/null)" = true ]; then
  if command -v udp-receiver >/dev/null 2>&1; then multicast=1; else log "multicast deployment, but no udp-receiver here: streaming over HTTP"; fi
fi
iface="$(cut -d' ' -f1 "${MARROW_NET_FILE:-/tmp/marrow-net}" 2>/dev/null)"
jq -r '.partitions[] | "\(.number) \(.tool) \(.streamBytes) \(.filesystem)"' "$m" > "$MARROW_STATE/parts.txt"
while read -r n tool bytes fs; do
  case "$tool" in partclone.ntfs|partclone.extfs|partclone.fat|partclone.btrfs|partclone.xfs|dd) ;; *) die "unknown tool '$tool' for partition $n" ;; esac
  command -v "$tool" >/dev/null 2>&1 || [ "$tool" = dd ] || die "$tool is not in this imaging environment"
  part="$(part_dev "$disk" "$n")"
  i=0; while [ ! -b "$part" ] && [ $i -lt 10 ]; do sleep 1; mdev -s 2>/dev/null; i=$((i + 1)); done
  [ -b "$part" ] || die "no device $part after writing the partition table"
  phase "deploy-partition-$n"
  log "partition $n: $tool $fs, $bytes bytes -> $part"
  fifo="$MARROW_STATE/deploy.$n"; rm -f "$fifo"; mkfifo "$fifo"
  portbase=""
  if [ "$multicast" = 1 ]; then
    join="$(mcurl -X POST "$MARROW_SERVER/imaging/deploy/partitions/$n/multicast$q" 2>>"$MARROW_LOG")" || join='{"reason":"the edge did not answer the join"}'
    portbase="$(printf '%s' "$join" | jq -r '.portbase // empty' 2>/dev/null)"
    [ -n "$portbase" ] || log "partition $n: over HTTP ($(printf '%s' "$join" | jq -r '.reason // "no multicast session"' 2>/dev/null))"
  fi
  if [ -n "$portbase" ]; then
    log "partition $n: multicast on ${iface:-eth0}, port $portbase"
    # Gives up if no sender shows within 10 minutes, or the data stops for a minute.
    udp-receiver --nokbd --interface "${iface:-eth0}" --portbase "$portbase" --start-timeout 600 --receive-timeout 60 > "$fifo" 2>>"$MARROW_LOG" &
  else
    mcurl --retry 0 "$MARROW_SERVER/imaging/deploy/partitions/$n$q" > "$fifo" 2>>"$MARROW_LOG" &
  fi
  downloader=$!
  if [ "$tool" = dd ]; then
    dd of="$part" bs=1M < "$fifo" 2>>"$MARROW_LOG" &
  else
    TERM=dumb "$tool" -r -s - -o "$part" -L /tmp/pc.log < "$fifo" >>"$MARROW_LOG" 2>&1 &
  fi
  writer=$!
  watch_transfer "$downloader" write "deploy-partition-$n" "$bytes"
  wait "$downloader"; drc=$?
  wait "$writer"; wrc=$?
  rm -f "$fifo"
  [ "$drc" = 0 ] || die "receiving partition $n failed ($([ -n "$portbase" ] && echo udp-receiver || echo curl) exit $drc)"
  [ "$wrc" = 0 ] || { cat /tmp/pc.log >> "$MARROW_LOG" 2>/dev/null; die "$tool failed restoring $part (exit $wrc)"; }
  if [ "$tool" = partclone.ntfs ]; then
    last=$(( $(blockdev --getsz "$part") - 1 ))
    dd if="$part" of="$part" bs=512 count=1 seek="$last" conv=notrunc 2>>"$MARROW_LOG" || die "cannot write the NTFS backup boot sector of $part"
  fi
  report_progress "deploy-partition-$n" "$bytes" "$bytes" 0 done
done < "$MARROW_STATE/parts.txt"
sync
log "restored $total_all bytes of streams to $dev"
