#!/bin/sh
# diagnostics: print the inventory, disks and network to the console and the edge log.
. "${MARROW_HOME:-/marrow}/lib/common.sh"
. "$MARROW_HOME/lib/report.sh"
phase diagnostics
{ inventory_json; ip addr; cat /proc/partitions; lsmod 2>/dev/null; } | tee -a "$MARROW_LOG"
report_progress diagnostics 0 0 0 "$(inventory_json | head -c 1500)"
