# What the two builders of a PXE boot environment (vmlinuz + initrd.gz from Debian packages)
# share: edge/imaging-env/build.sh (Marrow's imaging environment) and
# test/e2e/support/pxe-build-test-env.sh (the e2e test environment). Sourced by both, which
# define say() first and run under `set -euo pipefail`; each adds this file to its cache key.

# The kernel package linux-image-amd64 depends on (e.g. linux-image-6.1.0-28-amd64), or nothing.
kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

# Sets kpkg to the kernel package. On a fresh machine (no package lists yet) reads them once.
find_kernel_package() {
  kpkg="$(kernel_package)"
  if [ -z "$kpkg" ]; then
    say "apt-get update (no package lists)"
    apt-get update >&2
    kpkg="$(kernel_package)"
  fi
  [ -n "$kpkg" ] || { say "cannot tell which kernel package linux-image-amd64 depends on"; exit 1; }
}

# When OUT_DIR already holds a vmlinuz and an initrd.gz built from the inputs whose cache key
# is KEY, says so (with WHAT, e.g. the kernel package), prints OUT_DIR and ends the build.
finish_if_up_to_date() {   # OUT_DIR KEY WHAT
  if [ -f "$1/inputs.sha256" ] && [ "$(cat "$1/inputs.sha256")" = "$2" ] && [ -s "$1/vmlinuz" ] && [ -s "$1/initrd.gz" ]; then
    say "up to date ($3)"
    echo "$1"
    exit 0
  fi
}
