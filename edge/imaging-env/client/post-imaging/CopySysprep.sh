#!/bin/sh
# CopySysprep NAME: GET /imaging/answer-files/NAME, put the session's hostname into
# <ComputerName> and write it as Windows/Panther/unattend.xml.
. "${MARROW_HOME:-/marrow}/lib/common.sh"
. "$MARROW_HOME/lib/answer-file.sh"
[ -n "${1:-}" ] || die "CopySysprep needs the name of an answer file"
[ -n "${MARROW_SYSTEM:-}" ] || die "CopySysprep: run MountSystem first"
a="$MARROW_STATE/unattend.xml"
fetch "/imaging/answer-files/$1$(master_query)" "$a" || die "cannot fetch answer file $1"
host="$(session_json | jq -r '.hostname // empty')"
if [ -n "$host" ]; then answer_set_computer_name "$a" "$host" || die "cannot put the hostname into $1"; fi
dest="$(ci_path "$MARROW_SYSTEM" Windows/Panther)"
mkdir -p "$dest" && cp "$a" "$dest/unattend.xml" || die "cannot write $dest/unattend.xml"
echo "MARROW_ANSWER_FILE='$dest/unattend.xml'; export MARROW_ANSWER_FILE" >> "$MARROW_STATE/post.env"
log "answer file $1 written to $dest/unattend.xml (ComputerName=${host:-unchanged})"
