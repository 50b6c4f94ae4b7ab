# Marrow imaging environment: shared helpers (POSIX sh, busybox ash). Sourced, not run.
# Pure functions here are unit-tested by common.test.ts with the host's /bin/sh.

MARROW_HOME="${MARROW_HOME:-/marrow}"
MARROW_STATE="${MARROW_STATE:-/tmp/marrow}"
MARROW_LOG="${MARROW_LOG:-/tmp/marrow.log}"

log() { echo "marrow: $*" >&2; echo "$(date +%H:%M:%S 2>/dev/null) $*" >> "$MARROW_LOG" 2>/dev/null || true; }
die() { log "ERROR: $*"; mkdir -p "$MARROW_STATE"; printf "%s" "$*" > "$MARROW_STATE/error"; exit 1; }
phase() { mkdir -p "$MARROW_STATE"; printf "%s" "$1" > "$MARROW_STATE/phase"; }

# marrow_parse_cmdline "CMDLINE": sets MARROW_MODE, MARROW_SERVER, MARROW_MAC,
# MARROW_DEPLOYMENT, MARROW_MASTER, MARROW_MACHINE, MARROW_TOKEN from marrow.* words
# (no eval: values are taken literally). Returns 1 (and prints why) when mode or server
# is missing or invalid.
marrow_parse_cmdline() {
  MARROW_MODE='' MARROW_SERVER='' MARROW_MAC='' MARROW_DEPLOYMENT='' MARROW_MASTER='' MARROW_MACHINE='' MARROW_TOKEN=''
  for _w in $1; do
    case "$_w" in
      marrow.mode=*) MARROW_MODE="${_w#marrow.mode=}" ;;
      marrow.server=*) MARROW_SERVER="${_w#marrow.server=}" ;;
      marrow.mac=*) MARROW_MAC="${_w#marrow.mac=}" ;;
      marrow.deployment=*) MARROW_DEPLOYMENT="${_w#marrow.deployment=}" ;;
      marrow.master=*) MARROW_MASTER="${_w#marrow.master=}" ;;
      marrow.machine=*) MARROW_MACHINE="${_w#marrow.machine=}" ;;
      marrow.token=*) MARROW_TOKEN="${_w#marrow.token=}" ;;
    esac
  done
  MARROW_SERVER="${MARROW_SERVER%/}"
  export MARROW_MODE MARROW_SERVER MARROW_MAC MARROW_DEPLOYMENT MARROW_MASTER MARROW_MACHINE MARROW_TOKEN
  case "$MARROW_MODE" in
    deploy|backup|register|diagnostics) ;;
    '') echo "no marrow.mode on the kernel command line" >&2; return 1 ;;
    *) echo "unknown marrow.mode '$MARROW_MODE'" >&2; return 1 ;;
  esac
  case "$MARROW_SERVER" in
    http://?*|https://?*) ;;
    *) echo "marrow.server must be http://HOST:PORT (got '$MARROW_SERVER')" >&2; return 1 ;;
  esac
  return 0
}

# tool_for_fstype BLKID_TYPE -> the partclone tool (or dd) that images it.
tool_for_fstype() {
  case "$1" in
    ntfs) echo partclone.ntfs ;;
    ext2|ext3|ext4) echo partclone.extfs ;;
    vfat|fat|fat12|fat16|fat32|msdos) echo partclone.fat ;;
    *) echo dd ;;
  esac
}

# json_str STRING -> a JSON string literal (quotes, backslashes, control chars escaped).
json_str() {
  printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' -e 's/\r/\\r/g' \
    | awk 'BEGIN { ORS = ""; printf "\"" }
      { if (NR > 1) printf "\\n"; gsub(/[\001-\037]/, "?"); printf "%s", $0 }
      END { printf "\"" }'
}

# log_tail [N]: the last N (default 20) lines of the session log.
log_tail() { tail -n "${1:-20}" "$MARROW_LOG" 2>/dev/null || true; }

# curl with the session's bearer token. Fails (non-zero) on HTTP errors.
mcurl() {
  if [ -n "${MARROW_TOKEN:-}" ]; then
    curl -fsS --retry 3 --retry-delay 2 -H "Authorization: Bearer $MARROW_TOKEN" "$@"
  else
    curl -fsS --retry 3 --retry-delay 2 "$@"
  fi
}

# file_size PATH (bytes; block devices too)
file_size() {
  if [ -b "$1" ]; then blockdev --getsize64 "$1"; else wc -c < "$1" | tr -d ' '; fi
}

# io_bytes PID read|write -> bytes the process has read/written so far (/proc/PID/io).
io_bytes() {
  awk -v k="$2" '(k == "read" && $1 == "rchar:") || (k == "write" && $1 == "wchar:") { print $2 }' "/proc/$1/io" 2>/dev/null || echo 0
}

# pick_target_disk [SYS_BLOCK_DIR]: the first non-removable, non-empty disk (sorted by name)
# among nvme*n*, sd*, vd*, hd*, xvd*, mmcblk* (default /sys/block).
pick_target_disk() {
  for _b in $(ls -1 "${1:-/sys/block}" 2>/dev/null | LC_ALL=C sort); do
    case "$_b" in nvme*n*|sd*|vd*|hd*|xvd*|mmcblk[0-9]) ;; *) continue ;; esac
    case "$_b" in mmcblk*boot*|*rpmb) continue ;; esac
    [ "$(cat "${1:-/sys/block}/$_b/removable" 2>/dev/null || echo 0)" = 0 ] || continue
    [ "$(cat "${1:-/sys/block}/$_b/size" 2>/dev/null || echo 0)" -gt 0 ] || continue
    echo "$_b"; return 0
  done
  return 1
}

# part_dev DISK N: the device of partition N (sda 1 -> /dev/sda1, nvme0n1 1 -> /dev/nvme0n1p1)
part_dev() {
  case "$1" in *[0-9]) echo "/dev/${1}p$2" ;; *) echo "/dev/$1$2" ;; esac
}

# dump_partitions < SFDISK_DUMP -> "N START SIZE_SECTORS" per partition
dump_partitions() {
  awk -F: '/^\/dev\/[^ ]+ *:/ {
      name = $1; sub(/ +$/, "", name); n = name; sub(/^.*[^0-9]/, "", n)
      start = $0; sub(/.*start= */, "", start); sub(/[, ].*/, "", start)
      size = $0; sub(/.*size= */, "", size); sub(/[, ].*/, "", size)
      print n, start, size }'
}

# retarget_dump DISK < SFDISK_DUMP: the same table for another disk: partition names
# renamed to DISK's, device: and last-lba: dropped (sfdisk derives them from the target).
retarget_dump() {
  _pfx="$(part_dev "$1" X)"; _pfx="${_pfx%X}"
  awk -v pfx="$_pfx" '
    /^device:/ || /^last-lba:/ { next }
    /^\/dev\/[^ ]+ *:/ { n = $1; sub(/^.*[^0-9]/, "", n); sub(/^\/dev\/[^ ]+/, pfx n) }
    { print }'
}

# ci_path ROOT REL: REL under ROOT, matching existing components case-insensitively (NTFS
# names are case-preserving; ntfs-3g looks them up case-sensitively).
ci_path() {
  _d="$1"; _oifs="$IFS"; IFS=/
  for _c in $2; do
    [ -n "$_c" ] || continue
    _m="$(ls -1 "$_d" 2>/dev/null | awk -v c="$_c" 'tolower($0) == tolower(c) { print; exit }')"
    _d="$_d/${_m:-$_c}"
  done
  IFS="$_oifs"; echo "$_d"
}

# fetch PATH OUT: GET $MARROW_SERVER$PATH into OUT (with the token)
fetch() { mcurl -o "$2" "$MARROW_SERVER$1"; }

# master_query: "?master=ID" for the master this boot deploys (marrow.master), else nothing.
# A boot from the menu runs that master's own post-imaging script and fetches its files.
# Fails on a value that is not a plain id (it goes into a URL as is).
master_query() {
  case "${MARROW_MASTER:-}" in
    '') ;;
    *[!A-Za-z0-9_.-]*) echo "marrow.master '$MARROW_MASTER' is not a master id" >&2; return 1 ;;
    *) printf '?master=%s' "$MARROW_MASTER" ;;
  esac
}

# Load the session (GET /imaging/session[?master=ID]), once, into $MARROW_STATE/session.json.
session_json() {
  mkdir -p "$MARROW_STATE"
  if [ ! -s "$MARROW_STATE/session.json" ]; then
    _q="$(master_query)" || return 1
    fetch "/imaging/session$_q" "$MARROW_STATE/session.json" || return 1
  fi
  cat "$MARROW_STATE/session.json"
}

# inventory_json [ROOT]: the machine inventory (ROOT defaults to /; tests pass a fake tree).
inventory_json() {
  _r="${1:-}"
  _dmi() { tr -d '\n' < "$_r/sys/class/dmi/id/$1" 2>/dev/null | sed 's/[[:space:]]*$//'; }
  _cpu="$(awk -F': *' '/^model name/ { print $2; exit }' "$_r/proc/cpuinfo" 2>/dev/null)"
  _cores="$(grep -c '^processor' "$_r/proc/cpuinfo" 2>/dev/null || echo 0)"
  _mem="$(awk '/^MemTotal:/ { print $2 * 1024; exit }' "$_r/proc/meminfo" 2>/dev/null)"
  printf '{"mac":%s,"vendor":%s,"model":%s,"serial":%s,"biosVersion":%s,"uuid":%s,"cpu":%s,"cpuCount":%s,"memoryBytes":%s,"disks":[' \
    "$(json_str "${MARROW_MAC:-}")" "$(json_str "$(_dmi sys_vendor)")" "$(json_str "$(_dmi product_name)")" \
    "$(json_str "$(_dmi product_serial)")" "$(json_str "$(_dmi bios_version)")" "$(json_str "$(_dmi product_uuid)")" \
    "$(json_str "$_cpu")" "${_cores:-0}" "${_mem:-0}"
  _first=1
  for _b in $(ls -1 "$_r/sys/block" 2>/dev/null | LC_ALL=C sort); do
    case "$_b" in loop*|ram*|zram*|dm-*|sr*|fd*|md*) continue ;; esac
    _s="$(cat "$_r/sys/block/$_b/size" 2>/dev/null || echo 0)"
    [ "$_first" = 1 ] || printf ','; _first=0
    printf '{"name":%s,"sizeBytes":%s,"model":%s,"removable":%s,"rotational":%s}' "$(json_str "$_b")" "$((_s * 512))" \
      "$(json_str "$(tr -d '\n' < "$_r/sys/block/$_b/device/model" 2>/dev/null | sed 's/[[:space:]]*$//')")" \
      "$( [ "$(cat "$_r/sys/block/$_b/removable" 2>/dev/null)" = 1 ] && echo true || echo false)" \
      "$( [ "$(cat "$_r/sys/block/$_b/queue/rotational" 2>/dev/null)" = 1 ] && echo true || echo false)"
  done
  printf '],"nics":['
  _first=1
  for _n in $(ls -1 "$_r/sys/class/net" 2>/dev/null); do
    [ "$_n" = lo ] && continue
    [ "$_first" = 1 ] || printf ','; _first=0
    printf '{"name":%s,"mac":%s}' "$(json_str "$_n")" "$(json_str "$(cat "$_r/sys/class/net/$_n/address" 2>/dev/null)")"
  done
  printf ']}\n'
}
