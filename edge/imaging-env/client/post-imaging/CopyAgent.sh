#!/bin/sh
# CopyAgent [AGENT]: GET /imaging/agents/AGENT (default: "default") into
# Windows/Temp/marrow-agent/ and (re)write SetupComplete.cmd so it runs it.
. "${MARROW_HOME:-/marrow}/lib/common.sh"
. "$MARROW_HOME/lib/answer-file.sh"
[ -n "${MARROW_SYSTEM:-}" ] || die "CopyAgent: run MountSystem first"
name="${1:-default}"
d="$(ci_path "$MARROW_SYSTEM" Windows/Temp/marrow-agent)"
mkdir -p "$d"
tmp="$MARROW_STATE/agent.download"
hdr="$MARROW_STATE/agent.headers"
mcurl -D "$hdr" -o "$tmp" "$MARROW_SERVER/imaging/agents/$name$(master_query)" || die "cannot fetch agent $name"
# The installer's file name: Content-Disposition filename if the edge sends one, else NAME.
file="$(sed -n 's/.*[Ff]ilename="\{0,1\}\([A-Za-z0-9._-]*\).*/\1/p' "$hdr" | tail -n1)"
[ -n "$file" ] || file="$name"
case "$file" in *.msi|*.exe|*.cmd|*.bat|*.ps1) ;; *) file="$file.exe" ;; esac
mv "$tmp" "$d/$file" || die "cannot write $d/$file"
echo "$file" >> "$MARROW_STATE/agents"
sh "$MARROW_HOME/post-imaging/CopyRunAtOnce.sh" || exit 1
log "agent $name copied as $file"
