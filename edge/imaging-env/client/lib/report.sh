# Progress and errors to the edge: POST $MARROW_SERVER/imaging/progress (JSON) with the
# session's bearer token. Reporting never fails the job: an edge that cannot be reached is
# logged and the work goes on. Sourced after lib/common.sh.

# progress_json PHASE BYTES_DONE BYTES_TOTAL RATE [STATE] -> the JSON body
progress_json() {
  printf '{"phase":%s,"bytesDone":%s,"bytesTotal":%s,"rateBytesPerSecond":%s' \
    "$(json_str "$1")" "${2:-0}" "${3:-0}" "${4:-0}"
  [ -n "${5:-}" ] && printf ',"state":%s' "$(json_str "$5")"
  printf '}'
}

# error_json PHASE MESSAGE LOGTAIL -> the JSON body of a failure report
error_json() {
  printf '{"phase":%s,"bytesDone":0,"bytesTotal":0,"rateBytesPerSecond":0,"state":"failed","error":{"message":%s,"logTail":%s}}' \
    "$(json_str "$1")" "$(json_str "$2")" "$(json_str "$3")"
}

post_progress_body() {
  mcurl --retry 1 -m 10 -X POST -H 'Content-Type: application/json' --data-binary "$1" \
    "$MARROW_SERVER/imaging/progress" >/dev/null 2>>"$MARROW_LOG" || log "progress report failed (continuing)"
}

# report_progress PHASE BYTES_DONE BYTES_TOTAL RATE [STATE]
report_progress() {
  echo "MARROW-PROGRESS phase=$1 done=${2:-0} total=${3:-0} rate=${4:-0} state=${5:-}" > /dev/console 2>/dev/null || true
  post_progress_body "$(progress_json "$@")"
}

# report_error PHASE MESSAGE: with the tail of the session log.
report_error() {
  echo "MARROW-ERROR phase=$1 $2" > /dev/console 2>/dev/null || true
  post_progress_body "$(error_json "$1" "$2" "$(log_tail 30)")"
}

# watch_transfer PID read|write PHASE TOTAL: reports every 2 s until PID exits.
watch_transfer() {
  _pid="$1" _dir="$2" _phase="$3" _total="$4" _last=0
  while kill -0 "$_pid" 2>/dev/null; do
    sleep 2
    _now="$(io_bytes "$_pid" "$_dir")"; [ -n "$_now" ] || _now=0
    report_progress "$_phase" "$_now" "$_total" "$(( (_now - _last) / 2 ))" running
    _last="$_now"
  done
}
