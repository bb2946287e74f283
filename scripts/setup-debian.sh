#!/usr/bin/env bash
# Installs what building and running OneVisit needs on Debian (12 or later), only where it
# is missing: build tools, the libraries Slint links against, a CJK font, the input engines.
# Usage: scripts/setup-debian.sh [run|test|bench|kiosk|kiosk-arm64|check|image|image-arm64]
#        scripts/setup-debian.sh --list runtime|runtime-desktop|runtime-kiosk|run|test|bench|kiosk|kiosk-arm64|check|image|image-arm64
# `run` also installs what a desktop window needs; `kiosk` the KMS/DRM build's libraries;
# `check` what scripts/check-runtime-packages.sh needs. `--list` prints a list and installs
# nothing: the OS image installs exactly `runtime-kiosk`, and check-runtime-packages.sh proves
# on a clean Debian root that `runtime-desktop` is enough to run the binary.
#
# Packages are installed with --no-install-recommends, so every package the kiosk needs at run
# time is named here, never left to a Recommends (librime1 only recommends the shared settings
# in rime-prelude, without which no schema deploys).
set -euo pipefail

# What the kiosk binary needs at run time, whatever its display backend.
# libfontconfig1: linked by the UI toolkit. fonts-noto-cjk: the fallback for rare characters
# beyond the bundled font (GB 2312 and the general standard characters).
runtime=(libfontconfig1 fonts-noto-cjk)
# Chinese input, opened at run time (dlopen): a kiosk missing one engine offers the other.
# librime1 with the simplified pinyin schema and rime-prelude (default.yaml, symbols, punctuation
# and key bindings that every schema imports); Zinnia with the Tegaki model.
runtime+=(librime1 rime-prelude rime-data-pinyin-simp libzinnia0 tegaki-zinnia-simplified-chinese)
# Camera stills decoded by libjpeg-turbo (opened at run time, dlopen): about a fifth faster than
# the pure-Rust decoder the kiosk falls back to without it.
runtime+=(libturbojpeg0)
# Reading screens aloud in elderly mode (Mandarin voice included); the kiosk is silent without it.
runtime+=(espeak-ng)
# The desktop window: X11 client libraries (winit loads them at run time).
runtime_desktop=(libx11-xcb1 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0)
# The cabinet: straight to the display through KMS/DRM, touch through libinput.
runtime_kiosk=(libinput10 libudev1 libgbm1 libdrm2 libxkbcommon0)
# The central system's workbench tests drive a real browser: headless Chromium through
# WebDriver (chromedriver), started by the tests themselves on loopback.
browser=(chromium chromium-driver)
# The central system's tests on its PostgreSQL backend, and its cluster load test: the tests
# run initdb and pg_ctl themselves in a temporary folder on loopback (no system service).
database=(postgresql)
# ... and with its attachments in an S3-compatible store: OpenStack Swift's servers with the
# s3api middleware, which the tests start themselves (crates/central/tests/common/swift.rs).
# Only the Python package: not the swift-* service packages and their system daemons.
object_store=(python3-swift)
# The printer simulator's tests read printed barcodes and QR codes back with zbarimg.
barcode_reader=(zbar-tools)
# Benchmarks only (make bench): the capture benchmark runs a classic OpenCV pipeline beside
# ours (hardware/capture/benches/opencv_pipeline.py); never a dependency of the kiosk.
bench=(python3 python3-opencv)
# Building: libclang-dev because the V4L2 camera bindings are generated at build time.
build=(pkg-config gcc libfontconfig1-dev libxkbcommon-dev libclang-dev)
build_kiosk=(libinput-dev libudev-dev libgbm-dev libdrm-dev)
# check-runtime-packages.sh: a minimal Debian root in a folder, without loop devices.
check=(mmdebstrap)
# The OS image (image/build.sh): a root in a folder, squashfs, a disk assembled without loop
# devices, a signed RAUC bundle; and image/test.py booting it under QEMU with UEFI and a TPM.
image=(mmdebstrap squashfs-tools mtools dosfstools fdisk e2fsprogs zstd rauc openssl
  qemu-system-x86 ovmf swtpm swtpm-tools python3 openssh-client)
# The Raspberry Pi image on an x86-64 machine: the arm64 root's maintainer scripts run under
# qemu-user (binfmt), the smoke test boots it with qemu-system-aarch64 and UEFI (AAVMF).
image_arm64=("${image[@]}" arch-test qemu-user-static binfmt-support qemu-system-arm qemu-efi-aarch64)
# The cabinet binary for arm64 (Raspberry Pi 4), cross-compiled on an x86-64 machine: the cross
# linker and the arm64 -dev libraries (Debian multiarch). The Rust target comes from rustup.
kiosk_arm64=("${build[@]}" gcc-aarch64-linux-gnu libc6-dev-arm64-cross linux-libc-dev-arm64-cross
  libinput-dev:arm64 libudev-dev:arm64 libgbm-dev:arm64 libdrm-dev:arm64
  libfontconfig-dev:arm64 libxkbcommon-dev:arm64)

list() {
  case $1 in
    runtime) echo "${runtime[@]}" ;;
    runtime-desktop) echo "${runtime[@]}" "${runtime_desktop[@]}" ;;
    runtime-kiosk) echo "${runtime[@]}" "${runtime_kiosk[@]}" ;;
    test) echo "${build[@]}" "${runtime[@]}" "${browser[@]}" "${database[@]}" "${object_store[@]}" "${barcode_reader[@]}" ;;
    run) echo "${build[@]}" "${runtime[@]}" "${runtime_desktop[@]}" ;;
    kiosk) echo "${build[@]}" "${build_kiosk[@]}" "${runtime[@]}" "${runtime_kiosk[@]}" ;;
    bench) echo "${build[@]}" "${runtime[@]}" "${browser[@]}" "${database[@]}" "${object_store[@]}" "${barcode_reader[@]}" "${bench[@]}" ;;
    check) echo "${check[@]}" ;;
    image) echo "${image[@]}" ;;
    image-arm64) echo "${image_arm64[@]}" ;;
    kiosk-arm64) echo "${kiosk_arm64[@]}" ;;
    *)
      echo "setup: unknown list '$1' (runtime, runtime-desktop, runtime-kiosk, run, test, bench, kiosk, kiosk-arm64, check, image, image-arm64)" >&2
      exit 2
      ;;
  esac
}

if [ "${1:-}" = --list ]; then
  list "${2:?setup: --list needs a name}"
  exit 0
fi

read -r -a packages <<<"$(list "${1:-test}")"

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
  # Packages of another architecture (name:arm64) need it known to dpkg first.
  for a in $(printf '%s\n' "${missing[@]}" | sed -n 's/.*:\([a-z0-9]*\)$/\1/p' | sort -u); do
    dpkg --print-foreign-architectures | grep -qx "$a" || $sudo dpkg --add-architecture "$a"
  done
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-test}" != check ] && [ "${1:-test}" != image ] && ! command -v cargo >/dev/null; then
  cat >&2 <<'MSG'
setup: Rust is not installed. OneVisit needs Rust 1.92 or later (edition 2024); Debian's own
cargo package is too old. Install it with rustup (https://rustup.rs), then run this again.
MSG
  exit 1
fi
