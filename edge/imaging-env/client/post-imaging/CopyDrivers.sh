#!/bin/sh
# CopyDrivers: GET /imaging/drivers (zip or tar, optionally compressed) into
# Windows/INF/marrow-drivers and add a DriverPaths entry to the answer file.
. "${MARROW_HOME:-/marrow}/lib/common.sh"
. "$MARROW_HOME/lib/answer-file.sh"
[ -n "${MARROW_SYSTEM:-}" ] || die "CopyDrivers: run MountSystem first"
d="$(ci_path "$MARROW_SYSTEM" Windows/INF)/marrow-drivers"
mkdir -p "$d"
a="$MARROW_STATE/drivers.archive"
fetch "/imaging/drivers$(master_query)" "$a" || die "cannot fetch the driver set"
case "$(dd if="$a" bs=1 count=4 2>/dev/null | od -An -tx1 | tr -d ' \n')" in
  504b0304) unzip -o -q "$a" -d "$d" || die "cannot unpack the driver zip" ;;
  28b52ffd) zstd -dc "$a" | tar -x -C "$d" || die "cannot unpack the driver tar.zst" ;;
  1f8b*) tar -xzf "$a" -C "$d" || die "cannot unpack the driver tar.gz" ;;
  *) tar -xf "$a" -C "$d" || die "the driver set is neither a zip nor a tar" ;;
esac
rm -f "$a"
answer="${MARROW_ANSWER_FILE:-$(ci_path "$MARROW_SYSTEM" Windows/Panther/unattend.xml)}"
[ -f "$answer" ] || die "CopyDrivers needs an answer file: run CopySysprep first"
answer_add_driver_path "$answer" 'C:\Windows\INF\marrow-drivers' || die "cannot add DriverPaths to the answer file"
log "drivers copied to $d"
