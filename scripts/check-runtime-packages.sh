#!/usr/bin/env bash
# Proves that setup-debian.sh's run-time package list is complete: a minimal Debian root made
# with mmdebstrap holds only those packages (minbase + `--list runtime-desktop`), the kiosk
# binary is laid out in it as the OS image lays it out, and in it `onevisit --help`,
# `onevisit input deploy` and `onevisit input status` must all succeed with both input engines
# working. A package that was once installed by hand on the build machine cannot hide here.
#
# Usage: scripts/check-runtime-packages.sh [BINARY]   (default: $CARGO_TARGET_DIR or target, debug)
# Needs root (chroot) and Debian's package mirror. The bootstrapped root is cached as a tarball
# keyed by the package list (ONEVISIT_ROOT_CACHE, default /var/cache/onevisit-ci/roots), so a
# rerun with the same list takes seconds; a changed list bootstraps afresh.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-${CARGO_TARGET_DIR:-target}/debug/onevisit}
[ -x "$binary" ] || { echo "check-runtime-packages: no binary at $binary (build it first: cargo build)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "check-runtime-packages: needs root (chroot into the clean root)" >&2; exit 1; }

scripts/setup-debian.sh check
suite=bookworm
packages=$(scripts/setup-debian.sh --list runtime-desktop)
key=$(printf '%s %s minbase\n' "$suite" "$packages" | sha256sum | cut -c1-16)
cache=${ONEVISIT_ROOT_CACHE:-/var/cache/onevisit-ci/roots}
tarball="$cache/runtime-$key.tar"

work=$(mktemp -d /var/tmp/onevisit-runtime-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/root"

if [ ! -s "$tarball" ]; then
  echo "check-runtime-packages: bootstrapping $suite minbase + $packages"
  mkdir -p "$cache"
  # Into a tarball first, renamed into place only when complete: an interrupted run leaves no
  # half root behind for the next one to trust.
  mmdebstrap --quiet --variant=minbase --mode=root --format=tar --include="${packages// /,}" \
    "$suite" "$tarball.part" </dev/null
  mv "$tarball.part" "$tarball"
  # Roots of earlier lists are never used again.
  find "$cache" -maxdepth 1 -name 'runtime-*.tar*' ! -name "runtime-$key.tar" -delete
fi
mkdir -p "$root"
tar -C "$root" -xf "$tarball"

# The layout the OS image uses: the binary, the bundled font and the sample catalog.
install -D -m 0755 "$binary" "$root/usr/bin/onevisit"
install -d "$root/usr/share/onevisit/fonts"
cp fonts/*.otf "$root/usr/share/onevisit/fonts/"
cp -r catalog "$root/usr/share/onevisit/catalog"

in_root() {
  echo "::: in the clean root: onevisit $*"
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    /usr/bin/onevisit --data-dir /var/lib/onevisit "$@"
}

# Every shared library the binary links must resolve from the clean root's packages alone.
if chroot "$root" /usr/bin/ldd /usr/bin/onevisit | grep "not found"; then
  echo "check-runtime-packages: libraries above are missing from the run-time package list" >&2
  exit 1
fi
in_root --help >/dev/null
in_root input deploy
# Both engines must work in the clean root: a missing library or data package shows here as
# an engine with `"ok": false` and the package to install, and a non-zero exit.
if ! status=$(in_root input status --json); then
  echo "$status"
  echo "check-runtime-packages: an input engine does not work in the clean root (see above)" >&2
  exit 1
fi
echo "$status"
echo "check-runtime-packages: the run-time package list is complete ($(wc -w <<<"$packages") packages)"
