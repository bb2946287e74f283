#!/usr/bin/env bash
# mmdebstrap customize hook for the cached base root (image/build.sh): things that depend only
# on Debian's packages. $1 is the root. A change here re-keys the cache.
set -euo pipefail
root=$1

# The initramfs only has to find the root partition and mount the squashfs: a short list of
# storage drivers (virtio, NVMe, SATA, eMMC/SD (the Pi's is sdhci_iproc), USB) instead of "most" modules keeps it ~5x
# smaller, which is seconds of boot on a small board (and under emulation).
echo 'MODULES=list' >"$root/etc/initramfs-tools/conf.d/onevisit"
echo 'COMPRESS=zstd' >>"$root/etc/initramfs-tools/conf.d/onevisit"
printf '%s\n' squashfs ext4 vfat nls_cp437 nls_iso8859_1 \
  virtio_pci virtio_blk virtio_scsi nvme ahci sd_mod mmc_block sdhci_pci sdhci_acpi sdhci_iproc \
  xhci_pci ehci_pci usb_storage uas >>"$root/etc/initramfs-tools/modules"
chroot "$root" update-initramfs -u -k all >/dev/null

# Nobody reads manuals, other languages' messages or changelogs on a kiosk.
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/usr/share/lintian "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/*
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'zh_CN' ! -name 'locale.alias' \
  -exec rm -rf {} +
