# Editing Windows answer files (unattend.xml) and building SetupComplete.cmd, with awk and
# sed only (no XML tools in the initramfs). Sourced. Unit-tested by answer-file.test.ts.
#
# The edits are textual but careful: an existing element is replaced wherever it occurs;
# otherwise it is added to the Microsoft-Windows-Shell-Setup component of the specialize
# pass (created if missing, with the pass's <settings> if missing).

SHELL_SETUP_ATTRS='processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'

xml_escape() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }

# _unattend_edit FILE: the awk engine; parameters come in the environment (ENVIRON keeps
# backslashes such as C:\Drivers intact, unlike awk -v):
#   UE_OP=set   UE_ELEM UE_VALUE            replace <ELEM>…</ELEM> / <ELEM/>, else insert
#   UE_OP=insert UE_COMP UE_INNER UE_FRAG UE_INNER_FRAG  insert into component (or its UE_INNER)
_unattend_edit() {
  _tmp="$1.marrow.tmp"
  awk '
    function find_from(s, re, start,   t) { t = substr(s, start); if (match(t, re)) return start + RSTART - 1; return 0 }
    { s = s $0 "\n" }
    END {
      if (s !~ /<unattend/) { print "not an answer file (no <unattend>)" > "/dev/stderr"; failed = 1; exit 1 }
      op = ENVIRON["UE_OP"]; pass = ENVIRON["UE_PASS"]; if (pass == "") pass = "specialize"
      comp = ENVIRON["UE_COMP"]; inner = ENVIRON["UE_INNER"]; frag = ENVIRON["UE_FRAG"]; innerfrag = ENVIRON["UE_INNER_FRAG"]
      if (op == "set") {
        elem = ENVIRON["UE_ELEM"]; value = ENVIRON["UE_VALUE"]
        re = "<" elem ">[^<]*</" elem ">|<" elem "[ \t]*/>"
        out = ""; n = 0
        while (match(s, re)) { out = out substr(s, 1, RSTART - 1) "<" elem ">" value "</" elem ">"; s = substr(s, RSTART + RLENGTH); n++ }
        s = out s
        if (n > 0) { printf "%s", s; exit 0 }
        comp = "Microsoft-Windows-Shell-Setup"; frag = "<" elem ">" value "</" elem ">"; inner = ""
      }
      compopen = "<component name=\"" comp "\" " ENVIRON["SHELL_SETUP_ATTRS"] ">"
      p = find_from(s, "<settings[^>]*pass=\"" pass "\"[^>]*>", 1)
      if (!p) {
        e = find_from(s, "</unattend>", 1)
        if (!e) { print "no </unattend>" > "/dev/stderr"; failed = 1; exit 1 }
        s = substr(s, 1, e - 1) "<settings pass=\"" pass "\">" compopen frag "</component></settings>\n" substr(s, e)
        printf "%s", s; exit 0
      }
      so = p + RLENGTH
      se = find_from(s, "</settings>", so)
      c = find_from(s, "<component[^>]*name=\"" comp "\"[^>]*>", so)
      if (c && (c < se || !se)) {
        ce = c + RLENGTH
        if (inner != "") {
          ie = find_from(s, "</" inner ">", ce); cc = find_from(s, "</component>", ce)
          if (ie && ie < cc) { s = substr(s, 1, ie - 1) innerfrag substr(s, ie); printf "%s", s; exit 0 }
        }
        s = substr(s, 1, ce - 1) frag substr(s, ce)
      } else {
        s = substr(s, 1, so - 1) compopen frag "</component>" substr(s, so)
      }
      printf "%s", s
    }' "$1" > "$_tmp" && mv "$_tmp" "$1" || { rm -f "$_tmp"; return 1; }
}

# answer_set FILE ELEMENT VALUE (ComputerName, ProductKey, …)
answer_set() {
  UE_OP=set UE_ELEM="$2" UE_VALUE="$(xml_escape "$3")" UE_PASS=specialize SHELL_SETUP_ATTRS="$SHELL_SETUP_ATTRS" _unattend_edit "$1"
}
answer_set_computer_name() { answer_set "$1" ComputerName "$2"; }
answer_set_product_key() { answer_set "$1" ProductKey "$2"; }

# answer_add_driver_path FILE WINDOWS_PATH: a DriverPaths entry of
# Microsoft-Windows-PnpCustomizationsNonWinPE in the specialize pass (kept if already there).
answer_add_driver_path() {
  grep -qF "<Path>$(xml_escape "$2")</Path>" "$1" && return 0
  _pc="<PathAndCredentials wcm:action=\"add\" wcm:keyValue=\"marrow\"><Path>$(xml_escape "$2")</Path></PathAndCredentials>"
  UE_OP=insert UE_PASS=specialize UE_COMP=Microsoft-Windows-PnpCustomizationsNonWinPE UE_INNER=DriverPaths \
    UE_FRAG="<DriverPaths>$_pc</DriverPaths>" UE_INNER_FRAG="$_pc" SHELL_SETUP_ATTRS="$SHELL_SETUP_ATTRS" _unattend_edit "$1"
}

# answer_add_computer_name_from_session etc. live in post-imaging/*.sh.

# msdm_key [TABLE]: the OEM product key of the ACPI MSDM table (default
# /sys/firmware/acpi/tables/MSDM): signature MSDM, checksum valid, 29 chars at offset 56.
msdm_key() {
  _t="${1:-/sys/firmware/acpi/tables/MSDM}"
  [ -r "$_t" ] || { echo "no MSDM table at $_t (no OEM licence in the firmware)" >&2; return 1; }
  [ "$(dd if="$_t" bs=1 count=4 2>/dev/null)" = MSDM ] || { echo "$_t is not an MSDM table" >&2; return 1; }
  _len="$(wc -c < "$_t" | tr -d ' ')"
  [ "$_len" -ge 85 ] || { echo "MSDM table too short ($_len bytes)" >&2; return 1; }
  _sum="$(od -An -v -tu1 "$_t" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s % 256 }')"
  [ "$_sum" = 0 ] || { echo "MSDM table checksum is wrong" >&2; return 1; }
  _key="$(dd if="$_t" bs=1 skip=56 count=29 2>/dev/null)"
  printf '%s\n' "$_key" | grep -Eq '^[A-Z0-9]{5}(-[A-Z0-9]{5}){4}$' || { echo "MSDM key has an unexpected format" >&2; return 1; }
  printf '%s\n' "$_key"
}

# setupcomplete_content [AGENT_FILE…] -> Windows/Setup/Scripts/SetupComplete.cmd (CRLF).
# It first deletes the answer files (they may hold domain-join credentials), then runs each
# agent installer copied to %WINDIR%\Temp\marrow-agent, then removes that folder.
setupcomplete_content() {
  _l() { printf '%s\n' "$1"; }   # not echo: dash's echo eats backslashes (\a, \t)
  {
    _l '@echo off'
    _l 'rem Written by Marrow (CopyRunAtOnce / CopyAgent).'
    _l 'rem The answer file may hold domain-join credentials: remove it first.'
    _l 'del /f /q "%WINDIR%\Panther\unattend.xml" >nul 2>&1'
    _l 'del /f /q "%WINDIR%\Panther\Unattend\unattend.xml" >nul 2>&1'
    _l 'del /f /q "%WINDIR%\System32\Sysprep\unattend.xml" >nul 2>&1'
    for _a in "$@"; do
      _p="%WINDIR%\\Temp\\marrow-agent\\$_a"
      case "$_a" in
        *.msi|*.MSI) _l "msiexec /i \"$_p\" /qn /norestart" ;;
        *.ps1|*.PS1) _l "powershell -NoProfile -ExecutionPolicy Bypass -File \"$_p\"" ;;
        *.cmd|*.bat|*.CMD|*.BAT) _l "call \"$_p\"" ;;
        *) _l "start \"\" /wait \"$_p\"" ;;
      esac
    done
    [ $# -gt 0 ] && _l 'rmdir /s /q "%WINDIR%\Temp\marrow-agent" >nul 2>&1'
    _l 'exit /b 0'
  } | sed 's/$/\r/'
}
