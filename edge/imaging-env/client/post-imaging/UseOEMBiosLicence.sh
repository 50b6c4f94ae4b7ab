#!/bin/sh
# UseOEMBiosLicence: the product key of the ACPI MSDM table into <ProductKey> of the answer file.
. "${MARROW_HOME:-/marrow}/lib/common.sh"
. "$MARROW_HOME/lib/answer-file.sh"
[ -n "${MARROW_SYSTEM:-}" ] || die "UseOEMBiosLicence: run MountSystem first"
key="$(msdm_key "${MARROW_MSDM:-/sys/firmware/acpi/tables/MSDM}" 2>"$MARROW_STATE/msdm.err")" || die "$(cat "$MARROW_STATE/msdm.err")"
answer="${MARROW_ANSWER_FILE:-$(ci_path "$MARROW_SYSTEM" Windows/Panther/unattend.xml)}"
[ -f "$answer" ] || die "UseOEMBiosLicence needs an answer file: run CopySysprep first"
answer_set_product_key "$answer" "$key" || die "cannot put the product key into the answer file"
log "OEM product key from MSDM written to the answer file"
