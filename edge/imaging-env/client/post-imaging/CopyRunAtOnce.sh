#!/bin/sh
# CopyRunAtOnce: Windows/Setup/Scripts/SetupComplete.cmd deletes the answer file at first
# boot (it may hold domain-join credentials) and runs the agents CopyAgent copied.
. "${MARROW_HOME:-/marrow}/lib/common.sh"
. "$MARROW_HOME/lib/answer-file.sh"
[ -n "${MARROW_SYSTEM:-}" ] || die "CopyRunAtOnce: run MountSystem first"
touch "$MARROW_STATE/runatonce"
write_setupcomplete() {
  d="$(ci_path "$MARROW_SYSTEM" Windows/Setup/Scripts)"
  mkdir -p "$d" || return 1
  # shellcheck disable=SC2046
  setupcomplete_content $(cat "$MARROW_STATE/agents" 2>/dev/null) > "$d/SetupComplete.cmd"
}
write_setupcomplete || die "cannot write SetupComplete.cmd"
