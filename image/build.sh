#!/usr/bin/env bash
# Builds the kiosk's OS image: image/out/onevisit-ARCH.img.zst (the whole disk) and
# image/out/onevisit-ARCH.raucb (an update bundle of the same root). See image/README.md.
#
# Usage: image/build.sh [amd64|arm64 [--base-only]]   (make image [ARCH=arm64])
# Env:   ONEVISIT_KIOSK_BIN   the kiosk binary (default: make kiosk's [ARCH=arm64], built if missing)
#        ONEVISIT_IMAGE_VERSION  version written into the root and the bundle (default: git)
#        ONEVISIT_RAUC_KEY / ONEVISIT_RAUC_CERT  the bundle signing key and certificate; without
#          them a development key pair is made once under image/out/dev-keys (never ship it)
#        ONEVISIT_ROOT_CACHE  where base roots are cached (default /var/cache/onevisit-ci/roots)
#        ONEVISIT_ROOT_BLOCK  the root's squashfs block size (default 1M: the smallest image;
#                             128K boots faster and makes the image larger: image/README.md)
#
# No loop devices and no mounts: the root is made in a folder with mmdebstrap, packed with
# mksquashfs, and the disk is assembled from partition files with sfdisk, mtools and dd.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

arch=${1:-${ARCH:-amd64}}
case "$arch" in
  amd64 | x86-64 | x86_64) arch=amd64 ;;
  arm64 | aarch64) arch=arm64 ;;
  *)
    echo "image: ARCH=$arch is not an image we build (amd64: x86-64 UEFI; arm64: Raspberry Pi 4)" >&2
    exit 2
    ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "image: needs root (mmdebstrap --mode=root and chroot)" >&2; exit 1; }

out=$repo/image/out
mkdir -p "$out"
version=${ONEVISIT_IMAGE_VERSION:-$(git describe --always --dirty 2>/dev/null || echo dev)}
suite=bookworm

# ---- the base root: Debian packages only, cached by its package list -----------------------
# What the kiosk runs on: systemd, the kernel and its initramfs (with squashfs), GRUB's EFI
# modules (the image's bootloader is assembled from them), RAUC, the TPM 2.0 libraries systemd
# seals the data partition's key with, the SSH server (off unless a technician turns it on), and
# the app's run-time list.
# cryptsetup-bin encrypts the data partition of a board without a TPM (data-partition).
# NetworkManager and ModemManager: the network, Wi-Fi and the 4G modem, which technician mode
# shows and sets on the screen over D-Bus.
base_packages=(
  systemd systemd-sysv udev dbus kmod initramfs-tools zstd grub-common
  rauc rauc-service e2fsprogs util-linux fdisk systemd-timesyncd systemd-resolved ca-certificates
  libtss2-esys-3.0.2-0 libtss2-rc0 libtss2-mu0 openssh-server cryptsetup-bin
  network-manager modemmanager
)
# Per board: the kernel and GRUB's EFI modules. The Pi 4 boots the same GRUB as a PC: its
# firmware (raspi-firmware) starts U-Boot (u-boot-rpi), whose UEFI starts GRUB, so A/B slots,
# boot counting and RAUC work the same on both; firmware-brcm80211 and wpasupplicant are its
# Wi-Fi (a PC cabinet is wired: its Wi-Fi cards would need firmware this image does not carry).
case $arch in
  amd64)
    base_packages+=(linux-image-amd64 grub-efi-amd64-bin)
    components=main efi=x64 grub_target=x86_64-efi ;;
  arm64)
    base_packages+=(linux-image-arm64 grub-efi-arm64-bin raspi-firmware u-boot-rpi firmware-brcm80211 wpasupplicant)
    components=main,non-free-firmware efi=aa64 grub_target=arm64-efi ;;
esac
read -r -a app_packages <<<"$(scripts/setup-debian.sh --list runtime-kiosk)"
packages="${base_packages[*]} ${app_packages[*]}"
hooks_hash=$(sha256sum image/base-hook.sh | cut -c1-16)
key=$(printf '%s %s %s %s\n' "$suite" "$arch" "$packages" "$hooks_hash" | sha256sum | cut -c1-16)
cache=${ONEVISIT_ROOT_CACHE:-/var/cache/onevisit-ci/roots}
base="$cache/image-$arch-$key.tar"
if [ ! -s "$base" ]; then
  echo "image: bootstrapping the base root ($suite $arch, $(wc -w <<<"$packages") packages)"
  mkdir -p "$cache"
  mmdebstrap --quiet --variant=minbase --mode=root --architectures="$arch" --format=tar \
    --components="$components" \
    --include="${packages// /,}" \
    --customize-hook="$repo/image/base-hook.sh \"\$1\"" \
    "$suite" "$base.part" </dev/null
  mv "$base.part" "$base"
  find "$cache" -maxdepth 1 -name "image-$arch-*.tar" ! -name "image-$arch-$key.tar" -delete
fi

[ "${2:-}" = --base-only ] && { echo "image: base root $base"; exit 0; }

# ---- the kiosk binary ----------------------------------------------------------------------
triple=
[ "$arch" = arm64 ] && triple=aarch64-unknown-linux-gnu/
bin=${ONEVISIT_KIOSK_BIN:-${CARGO_TARGET_DIR:-$repo/target}/${triple}release/onevisit}
if [ -z "${ONEVISIT_KIOSK_BIN:-}" ]; then
  make --no-print-directory kiosk ARCH="$arch" >&2
fi
[ -x "$bin" ] || { echo "image: no kiosk binary at $bin" >&2; exit 1; }

work=$(mktemp -d /var/tmp/onevisit-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"
tar -C "$root" -xf "$base"

# ---- the root: the app, its data and the system's settings --------------------------------
install -D -m 0755 "$bin" "$root/usr/bin/onevisit"
install -d "$root/usr/share/onevisit/fonts"
# The receipt renderer and the input engines read the regular face; the UI has both built in.
cp fonts/OneVisitSansSC-Regular.otf "$root/usr/share/onevisit/fonts/"
cp -r catalog "$root/usr/share/onevisit/catalog"
cp -a image/rootfs/. "$root/"
sed -i "s/^compatible=.*/compatible=onevisit-$arch/" "$root/etc/rauc/system.conf"
echo "$version" >"$root/etc/onevisit-version"
sed -i "s/^VERSION_ID=.*/&\nONEVISIT_VERSION=$version/" "$root/etc/os-release" 2>/dev/null || true
image/root-hook.sh "$root"
if [ "$arch" = arm64 ]; then
  # QEMU's arm64 board has one serial port (the console): image/test.py's shell is a virtio one.
  mkdir -p "$root/etc/systemd/system/onevisit-test-console.service.d"
  printf '[Unit]\nWants=dev-hvc0.device\nAfter=dev-hvc0.device\n[Service]\nTTYPath=/dev/hvc0\n' \
    >"$root/etc/systemd/system/onevisit-test-console.service.d/arm64.conf"
  export STRIP=aarch64-linux-gnu-strip
fi

# The keyring that update bundles must be signed with.
keys=$out/dev-keys
rauc_key=${ONEVISIT_RAUC_KEY:-$keys/dev.key.pem}
rauc_cert=${ONEVISIT_RAUC_CERT:-$keys/dev.cert.pem}
if [ -z "${ONEVISIT_RAUC_KEY:-}" ] && [ ! -s "$rauc_cert" ]; then
  echo "image: making a development signing key in $keys (for tests; never ship it)"
  mkdir -p "$keys"
  openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/O=OneVisit development/CN=onevisit-dev-bundles" \
    -keyout "$rauc_key" -out "$rauc_cert" 2>/dev/null
fi
install -D -m 0644 "$rauc_cert" "$root/etc/rauc/keyring.pem"

# The CA whose certificates let a technician in over SSH (when the settings turn SSH on).
ssh_ca=${ONEVISIT_SSH_CA:-$keys/ssh-ca.pub}
if [ -z "${ONEVISIT_SSH_CA:-}" ] && [ ! -s "$ssh_ca" ]; then
  echo "image: making a development SSH technician CA in $keys (for tests; never ship it)"
  mkdir -p "$keys"
  ssh-keygen -q -t ed25519 -N "" -C "OneVisit development technician CA" -f "${ssh_ca%.pub}"
fi
install -D -m 0644 "$ssh_ca" "$root/etc/ssh/onevisit-technician-ca.pub"

# The pinyin dictionaries, deployed now into the data partition's template: no citizen (and no
# first boot under a slow CPU) waits for them.
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  /usr/bin/onevisit --data-dir /tmp/deploy input deploy >/dev/null
# (Copied onto the data partition by systemd-tmpfiles: see rootfs/etc/tmpfiles.d/onevisit.conf.)
mkdir -p "$root/usr/share/onevisit/data-template/app"
mv "$root/tmp/deploy/rime" "$root/usr/share/onevisit/data-template/app/rime"
chown -R 990:990 "$root/usr/share/onevisit/data-template/app"
rm -rf "$root/tmp/deploy"

# ---- the bootloader, made from the root's own GRUB, then the root trimmed ----------------
EFI=BOOT${efi^^}.EFI
chroot "$root" grub-mkimage -O "$grub_target" -p /EFI/onevisit -o "/tmp/$EFI" \
  part_gpt fat squash4 xzio gzio zstd linux normal loadenv test regexp echo configfile \
  sleep reboot efi_gop
mv "$root/tmp/$EFI" "$work/$EFI"
if [ "$arch" = arm64 ]; then
  # What the Pi's firmware reads from the first partition: itself, the board's device tree (from
  # Debian's kernel, so it matches it), U-Boot, and config.txt.
  kver=$(find "$root/usr/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
  mkdir -p "$work/pi"
  cp "$root"/usr/lib/raspi-firmware/start4.elf "$root"/usr/lib/raspi-firmware/fixup4.dat "$work/pi/"
  cp "$root"/usr/lib/linux-image-"$kver"/broadcom/bcm2711-rpi-*.dtb "$work/pi/"
  cp "$root/usr/lib/u-boot/rpi_arm64/u-boot.bin" "$work/pi/"
  cp image/pi/config.txt "$work/pi/"
fi
chroot "$root" grub-editenv /tmp/grubenv create
chroot "$root" grub-editenv /tmp/grubenv set ORDER="A B" A_OK=1 B_OK=0 A_TRY=0 B_TRY=0
mv "$root/tmp/grubenv" "$work/grubenv"
image/trim.sh "$root"

# ---- pack ----------------------------------------------------------------------------------
echo "image: packing the root (squashfs)"
sqfs=$work/root.squashfs
bcj=()
[ "$arch" = amd64 ] && bcj=(-Xbcj x86)
# Block size trades the image's size for boot time: under emulation, reading the app from 1 MiB
# xz blocks takes 5 times as long as from 128 KiB ones (image/README.md, "Boot time").
block=${ONEVISIT_ROOT_BLOCK:-1M}
mksquashfs "$root" "$sqfs" -comp xz "${bcj[@]}" -b "$block" -noappend -quiet -no-progress >/dev/null

image/assemble.sh "$arch" "$sqfs" "$work" "$out/onevisit-$arch.img"
# Level 19: the roots are xz already, but the ESP (the Pi's firmware) and the gaps are not.
zstd -q -f -T0 -19 --rm "$out/onevisit-$arch.img" -o "$out/onevisit-$arch.img.zst"

# The update bundle: the same root, for the slot the kiosk is not running.
mkdir -p "$work/bundle"
cp "$sqfs" "$work/bundle/root.squashfs"
cat >"$work/bundle/manifest.raucm" <<MANIFEST
[update]
compatible=onevisit-$arch
version=$version

[bundle]
format=verity

[image.rootfs]
filename=root.squashfs
MANIFEST
rm -f "$out/onevisit-$arch.raucb"
rauc bundle --cert="$rauc_cert" --key="$rauc_key" "$work/bundle" "$out/onevisit-$arch.raucb" >/dev/null
ls -l "$out/onevisit-$arch.img.zst" "$out/onevisit-$arch.raucb" | awk '{printf "image: %s %d MB\n", $NF, $5/1000000}'
