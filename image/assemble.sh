#!/usr/bin/env bash
# Assembles the whole disk from its parts, without loop devices or mounts (image/build.sh).
# Usage: assemble.sh ARCH ROOT_SQUASHFS WORK_DIR OUTPUT_IMG   (WORK_DIR holds BOOTX64.EFI or
#        BOOTAA64.EFI, grubenv, and for arm64 pi/: the Raspberry Pi's firmware, DTBs, U-Boot)
#
# GPT, in MiB:  1-65 ESP (GRUB, grubenv, onevisit.toml) | rootA | rootB. The data partition is
# not in the image: the first boot makes it in the rest of the card, encrypted with a key that
# only that board has (onevisit-data.service). Root slots are fixed in size: every later update
# must fit.
set -euo pipefail
arch=$1 sqfs=$2 work=$3 img=$4
here=$(cd "$(dirname "$0")" && pwd)

esp_mib=64 slot_mib=768
sqfs_bytes=$(stat -c %s "$sqfs")
if [ "$sqfs_bytes" -gt $((slot_mib * 1024 * 1024)) ]; then
  echo "image: the root ($((sqfs_bytes / 1048576)) MiB) does not fit a ${slot_mib} MiB slot" >&2
  exit 1
fi

# ---- ESP: GRUB as the removable-media loader (no firmware boot entry needed) ------------
# (BOOTX64.EFI and grubenv were made from the root by build.sh before it was trimmed.)
esp=$work/esp.img
rm -f "$esp"
mkfs.vfat -C -n ONEVISIT -F 32 "$esp" $((esp_mib * 1024)) >/dev/null
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/EFI/onevisit
case $arch in
  amd64) mcopy -i "$esp" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI ;;
  arm64)
    mcopy -i "$esp" "$work/BOOTAA64.EFI" ::/EFI/BOOT/BOOTAA64.EFI
    # The Pi's firmware reads these from the first FAT partition, then starts U-Boot.
    mcopy -i "$esp" "$work"/pi/* ::/
    ;;
esac
mcopy -i "$esp" "$here/grub.cfg" "$work/grubenv" ::/EFI/onevisit/
mcopy -i "$esp" "$here/onevisit.toml" ::/onevisit.toml

# ---- the disk --------------------------------------------------------------------------
total_mib=$((1 + esp_mib + 2 * slot_mib + 1))
rm -f "$img"
truncate -s "${total_mib}M" "$img"
a=$((1 + esp_mib)) b=$((1 + esp_mib + slot_mib))
sfdisk --quiet "$img" <<PARTS
label: gpt
start=1MiB, size=${esp_mib}MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=esp
start=${a}MiB, size=${slot_mib}MiB, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=rootA
start=${b}MiB, size=${slot_mib}MiB, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=rootB
PARTS
put() { dd if="$1" of="$img" bs=1M seek="$2" conv=notrunc,sparse status=none; }
put "$esp" 1
put "$sqfs" "$a"
