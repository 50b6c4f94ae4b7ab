#!/bin/sh
# post-imaging (after a deploy): GET /imaging/session (?master=ID from marrow.master: from the
# menu, the chosen master's own scripts) and run its postImagingScript lines.
# Library commands (MountSystem, CopySysprep NAME, CopyRunAtOnce, CopyAgent [AGENT],
# CopyDrivers, UseOEMBiosLicence) run post-imaging/<Command>.sh; any other line is a custom
# shell line run with `sh -c` in the system mount (cwd = $MARROW_SYSTEM when mounted).
# State between commands lives in $MARROW_STATE/post.env (MountSystem writes it).
. "${MARROW_HOME:-/marrow}/lib/common.sh"
. "$MARROW_HOME/lib/report.sh"
phase post-imaging
session_json > /dev/null 2>>"$MARROW_LOG" || die "cannot fetch the session"
jq -r '.postImagingScript // [] | .[]' "$MARROW_STATE/session.json" > "$MARROW_STATE/script.txt" || die "the session has no readable postImagingScript"
total="$(grep -cv '^[[:space:]]*\(#.*\)\{0,1\}$' "$MARROW_STATE/script.txt")"
done_n=0
while IFS= read -r line <&3; do
  trimmed="$(printf '%s' "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')"
  case "$trimmed" in ''|'#'*) continue ;; esac
  [ -f "$MARROW_STATE/post.env" ] && . "$MARROW_STATE/post.env"
  word="${trimmed%%[[:space:]]*}"; arg=''
  [ "$word" != "$trimmed" ] && arg="$(printf '%s' "${trimmed#"$word"}" | sed 's/^[[:space:]]*//')"
  phase "post-imaging: $trimmed"
  log "post-imaging: $trimmed"
  case "$word" in
    MountSystem|CopySysprep|CopyRunAtOnce|CopyAgent|CopyDrivers|UseOEMBiosLicence)
      sh "$MARROW_HOME/post-imaging/$word.sh" $arg >>"$MARROW_LOG" 2>&1 || die "$(cat "$MARROW_STATE/error" 2>/dev/null || echo "$word failed")" ;;
    *)
      ( cd "${MARROW_SYSTEM:-/}" && sh -c "$trimmed" ) >>"$MARROW_LOG" 2>&1 || die "custom line failed: $trimmed" ;;
  esac
  done_n=$((done_n + 1))
  report_progress post-imaging "$done_n" "$total" 0 running
done 3< "$MARROW_STATE/script.txt"
[ -f "$MARROW_STATE/post.env" ] && . "$MARROW_STATE/post.env"
if [ -n "${MARROW_SYSTEM:-}" ]; then sync; umount "$MARROW_SYSTEM" 2>>"$MARROW_LOG" || log "umount $MARROW_SYSTEM failed"; fi
