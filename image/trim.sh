#!/usr/bin/env bash
# Removes from the kiosk's root what a kiosk never uses (image/build.sh, after the bootloader
# was made from it). The root is never updated with apt: an update is a new root.
# $1 is the root.
set -euo pipefail
root=$1
mods=$(find "$root/usr/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n 1)

# Fonts: the fallback for rare characters is Noto Sans CJK Regular; serif and bold are unused.
rm -f "$root"/usr/share/fonts/opentype/noto/NotoSerifCJK-* \
  "$root"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc

# Kernel modules: only those image/modules.txt names, and what they depend on.
k=$mods/kernel
keep=$(mktemp)
# A pattern's `*` stays within one folder; a trailing `/*` takes the whole folder.
arch=$(chroot "$root" dpkg --print-architecture)
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e "s/^$arch: *//" -e '/^[a-z0-9]*:/d' "$(dirname "$0")/modules.txt" |
  sed -e 's/[.]/\\./g' -e 's|/\*$|/@ALL@|' -e 's/\*/[^\/]*/g' -e 's/@ALL@/.*/' -e 's|^|^kernel/|' -e 's/$/$/' >"$keep.re"
(cd "$mods" && find kernel -name '*.ko*' | grep -E -f "$keep.re") >"$keep.named" || true
# modules.dep lists every module's dependencies, transitively.
awk -v list="$keep.named" 'BEGIN { while ((getline l < list) > 0) want[l] = 1 }
  { m = $1; sub(/:$/, "", m); if (m in want) { print m; for (i = 2; i <= NF; i++) print $i } }' \
  "$mods/modules.dep" | sort -u >"$keep"
(cd "$mods" && find kernel -name '*.ko*') | sort | comm -23 - "$keep" | (cd "$mods" && xargs -r rm -f)
find "$k" -type d -empty -delete
echo "trim: kept $(wc -l <"$keep") kernel modules ($(du -sh "$k" | cut -f1))"
rm -f "$keep" "$keep.re" "$keep.named"
chroot "$root" depmod -a "${mods##*/}"

# GRUB's tools and modules but grub-editenv (RAUC switches slots with it), Perl (nothing at run time uses
# it), speech dictionaries other than Mandarin and English.
find "$root/usr/bin" "$root/usr/sbin" -name 'grub-*' ! -name 'grub-editenv' -delete
rm -rf "$root/usr/lib/grub" "$root/usr/share/grub" "$root/usr/share/perl" "$root"/usr/lib/*-linux-gnu/perl \
  "$root"/usr/lib/*-linux-gnu/perl-base "$root"/usr/bin/perl "$root"/usr/bin/perl5.* "$root"/usr/lib/*-linux-gnu/libperl.so.*
# No package manager: an update is a whole root. dpkg's status file stays as the image's list
# of packages (and their versions, for a security review); the per-file lists go.
rm -rf "$root"/usr/bin/apt* "$root"/usr/lib/apt "$root"/usr/lib/*-linux-gnu/libapt-* "$root"/var/lib/dpkg/info \
  "$root"/var/cache/debconf "$root"/var/log/*
# udev's hardware database without the vendor and model names (only lsusb and lspci show them)
# and then without its sources: 13 MB to well under 1 MB.
rm -f "$root"/usr/lib/udev/hwdb.d/20-*.hwdb
chroot "$root" systemd-hwdb update --usr
rm -f "$root"/usr/lib/udev/hwdb.d/*.hwdb
# Character sets nothing here converts to (the app decodes GB 18030 itself).
find "$root"/usr/lib/*-linux-gnu/gconv -maxdepth 1 -name '*.so' ! -name 'UTF*' \
  ! -name 'UNICODE*' ! -name 'GB*' ! -name 'libGB*' ! -name 'EUC-CN*' ! -name 'ISO8859-1.so' \
  -delete 2>/dev/null || true
# Symbols are for debugging a build, not for running it.
# (STRIP: the cross toolchain's, for an arm64 root.)
"${STRIP:-strip}" --strip-all "$root/usr/bin/onevisit"
find "$root"/usr/lib/*-linux-gnu/espeak-ng-data -maxdepth 1 -name '*_dict' \
  ! -name 'cmn_dict' ! -name 'en_dict' ! -name 'yue_dict' -delete 2>/dev/null || true

# The Pi's firmware, U-Boot and device trees are on the ESP (build.sh copied them there); the
# copies in the root (and the device trees of every other arm64 board) would only take space
# in both slots.
rm -rf "$root"/boot/firmware/* "$root/usr/lib/raspi-firmware" "$root/usr/lib/u-boot" "$root"/usr/lib/linux-image-*

# Wi-Fi firmware: only the Pi 4's, CM4's (43455) and Pi 400's (43456) chips, of Broadcom's and
# Cypress's dozens (firmware-brcm80211; the brcm names are links into cypress).
find "$root"/usr/lib/firmware/brcm "$root"/usr/lib/firmware/cypress -mindepth 1 -maxdepth 1 \
  ! -name '*4345[56]*' -exec rm -rf {} + 2>/dev/null || true

# NetworkManager: nmcli stays (a technician's shell); its text UI (and the libraries only it
# uses), the initrd generator and the plugins for links a kiosk never has (ADSL, Bluetooth,
# teaming, Open vSwitch) go.
rm -f "$root"/usr/bin/nmtui* "$root"/usr/lib/*-linux-gnu/libnewt.so* "$root"/usr/lib/*-linux-gnu/libslang.so* \
  "$root"/usr/lib/NetworkManager/nm-initrd-generator \
  "$root"/usr/lib/*-linux-gnu/NetworkManager/*/libnm-device-plugin-adsl.so \
  "$root"/usr/lib/*-linux-gnu/NetworkManager/*/libnm-device-plugin-bluetooth.so \
  "$root"/usr/lib/*-linux-gnu/NetworkManager/*/libnm-device-plugin-team.so \
  "$root"/usr/lib/*-linux-gnu/NetworkManager/*/libnm-device-plugin-ovs.so

# Fontconfig's cache must describe the fonts that are left.
chroot "$root" fc-cache -s -f >/dev/null 2>&1 || true
