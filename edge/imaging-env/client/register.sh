#!/bin/sh
# register: inventory -> POST $MARROW_SERVER/imaging/register (JSON).
. "${MARROW_HOME:-/marrow}/lib/common.sh"
. "$MARROW_HOME/lib/report.sh"
phase register
inventory_json > "$MARROW_STATE/inventory.json" || die "cannot read the inventory"
log "inventory: $(cat "$MARROW_STATE/inventory.json")"
mcurl -X POST -H 'Content-Type: application/json' --data-binary @"$MARROW_STATE/inventory.json" \
  "$MARROW_SERVER/imaging/register" >/dev/null 2>>"$MARROW_LOG" || die "the edge refused the registration"
