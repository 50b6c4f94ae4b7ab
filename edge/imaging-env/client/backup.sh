#!/bin/sh
# backup: capture the target disk to the edge.
#   POST /imaging/capture/partition-table (sfdisk --dump, text/plain)
#   PUT  /imaging/capture/partitions/N    (partclone -c stream, or dd for raw; chunked)
#   POST /imaging/capture/complete        {label, sizeBytes, sectorSize}
. "${MARROW_HOME:-/marrow}/lib/common.sh"
. "$MARROW_HOME/lib/report.sh"
phase capture
disk="$(pick_target_disk)" || die "no disk to capture"
dev="/dev/$disk"
size="$(blockdev --getsize64 "$dev")"; ss="$(blockdev --getss "$dev")"
log "capturing $dev ($size bytes, sector $ss)"
sfdisk --dump "$dev" > "$MARROW_STATE/table.txt" 2>>"$MARROW_LOG" || die "no partition table on $dev"
label="$(awk '/^label:/ { print $2 }' "$MARROW_STATE/table.txt")"
mcurl -X POST -H 'Content-Type: text/plain' --data-binary @"$MARROW_STATE/table.txt" \
  "$MARROW_SERVER/imaging/capture/partition-table" >/dev/null 2>>"$MARROW_LOG" || die "the edge refused the partition table"
blockdev --rereadpt "$dev" 2>/dev/null; mdev -s 2>/dev/null

dump_partitions < "$MARROW_STATE/table.txt" > "$MARROW_STATE/parts.txt"
while read -r n start sectors; do
  part="$(part_dev "$disk" "$n")"
  i=0; while [ ! -b "$part" ] && [ $i -lt 10 ]; do sleep 1; mdev -s 2>/dev/null; i=$((i + 1)); done
  [ -b "$part" ] || die "no device $part (the kernel did not read the partition table)"
  fs="$(blkid -o value -s TYPE "$part" 2>/dev/null)"; [ -n "$fs" ] || fs=raw
  tool="$(tool_for_fstype "$fs")"
  psize=$((sectors * ss))
  phase "capture-partition-$n"
  log "partition $n: $part $fs -> $tool ($psize bytes at sector $start)"
  fifo="$MARROW_STATE/capture.$n"; rm -f "$fifo"; mkfifo "$fifo"
  if [ "$tool" = dd ]; then
    dd if="$part" bs=1M 2>>"$MARROW_LOG" > "$fifo" &
  else
    # -a0: no partclone checksums in the stream. They carry over from block to block, so one
    # changed block changes the stream from there on (measured: a v2 with 4 files changed
    # shared none of v1's 10 chunks with them, 7 without). Integrity is Marrow's: chunks
    # are named by their sha256 and the manifest carries the whole stream's sha256.
    TERM=dumb "$tool" -c -a0 -s "$part" -o - -L /tmp/pc.log > "$fifo" 2>>"$MARROW_LOG" &
  fi
  producer=$!
  mcurl --retry 0 -T - -H "X-Marrow-Tool: $tool" -H "X-Marrow-Filesystem: $fs" -H "X-Marrow-Start-Sector: $start" \
    -H "X-Marrow-Size-Bytes: $psize" "$MARROW_SERVER/imaging/capture/partitions/$n" < "$fifo" >/dev/null 2>>"$MARROW_LOG" &
  uploader=$!
  watch_transfer "$uploader" read "capture-partition-$n" "$psize"
  wait "$producer"; prc=$?
  wait "$uploader"; urc=$?
  rm -f "$fifo"
  [ "$prc" = 0 ] || { cat /tmp/pc.log >> "$MARROW_LOG" 2>/dev/null; die "$tool failed on $part (exit $prc)"; }
  [ "$urc" = 0 ] || die "upload of partition $n failed (curl exit $urc)"
  report_progress "capture-partition-$n" "$psize" "$psize" 0 done
done < "$MARROW_STATE/parts.txt"

phase capture-complete
mcurl -X POST -H 'Content-Type: application/json' \
  --data-binary "{\"label\":$(json_str "${label:-none}"),\"sizeBytes\":$size,\"sectorSize\":$ss}" \
  "$MARROW_SERVER/imaging/capture/complete" >/dev/null 2>>"$MARROW_LOG" || die "the edge refused to complete the capture"
