#!/usr/bin/env bash
# Installs what building and running OneVisit needs on Debian (12 or later), only where it
# is missing: build tools, the libraries Slint links against, and a CJK font.
# Usage: scripts/setup-debian.sh [run|test]   (run also installs what a desktop window needs)
set -euo pipefail

what=${1:-test}
# libclang-dev: the V4L2 camera bindings are generated at build time.
packages=(pkg-config gcc libfontconfig1-dev libxkbcommon-dev libclang-dev fonts-noto-cjk)
# Chinese input: librime with the simplified pinyin schema, Zinnia with the Tegaki model. Opened
# at run time (dlopen): a kiosk missing one offers the other.
packages+=(librime1 rime-data-pinyin-simp libzinnia0 tegaki-zinnia-simplified-chinese)
if [ "$what" = run ]; then
  # X11 client libraries for the desktop window (winit loads them at run time).
  packages+=(libx11-xcb1 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0)
  # Reading screens aloud in elderly mode (Mandarin voice included); the kiosk is silent without it.
  packages+=(espeak-ng)
fi
if [ "$what" = kiosk ]; then
  # Linux KMS/DRM kiosk build: input and device libraries.
  packages+=(libinput-dev libudev-dev libgbm-dev libdrm-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  cat >&2 <<'MSG'
setup: Rust is not installed. OneVisit needs Rust 1.92 or later (edition 2024); Debian's own
cargo package is too old. Install it with rustup (https://rustup.rs), then run this again.
MSG
  exit 1
fi
