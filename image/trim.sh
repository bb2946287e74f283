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

# Kernel drivers no kiosk cabinet has: data-centre networking and storage, TV tuners, AMD and
# NVIDIA graphics (the supported cabinets have Intel graphics or the Pi's), Wi-Fi and Bluetooth
# (no firmware shipped yet), industrial I/O, staging drivers, other file systems.
k=$mods/kernel
for d in drivers/infiniband drivers/isdn drivers/staging drivers/iio drivers/comedi \
  drivers/mtd drivers/nfc drivers/bluetooth drivers/atm drivers/target drivers/fpga \
  drivers/gpu/drm/amd drivers/gpu/drm/nouveau drivers/gpu/drm/radeon drivers/net/wireless \
  arch/x86/kvm sound/soc sound/firewire sound/isa sound/pcmcia \
  net/bluetooth net/mac80211 net/wireless net/ceph net/sunrpc net/nfc net/9p net/rxrpc \
  net/sctp net/tipc net/rds net/openvswitch; do
  rm -rf "${k:?}/$d"
done
# Of these, only what cabinets have: Intel and Realtek Ethernet (and USB adapters, elsewhere);
# the UVC document cameras; the disk drivers at the top of scsi/; the common file systems.
keep_only() { # DIR NAME...: removes every entry of DIR but the NAMEs
  local dir=$1
  shift
  [ -d "$dir" ] || return 0
  find "$dir" -mindepth 1 -maxdepth 1 $(printf '! -name %s ' "$@") -exec rm -rf {} +
}
keep_only "$k/drivers/net/ethernet" intel realtek
keep_only "$k/drivers/media" usb common v4l2-core mc
keep_only "$k/drivers/media/usb" uvc
find "$k/drivers/scsi" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
keep_only "$k/fs" ext4 jbd2 mbcache.ko fat nls squashfs fuse overlayfs efivarfs autofs isofs
keep_only "$k/drivers/net" ethernet usb phy mdio pcs virtio_net.ko net_failover.ko mii.ko tun.ko
keep_only "$k/sound/pci" hda
rm -rf "$k/drivers/usb/gadget" "$k/drivers/video/fbdev"
find "$mods/kernel" -name 'test_*.ko' -delete
chroot "$root" depmod -a "${mods##*/}"

# GRUB's tools and modules but grub-editenv (RAUC switches slots with it), Perl (nothing at run time uses
# it), speech dictionaries other than Mandarin and English.
find "$root/usr/bin" "$root/usr/sbin" -name 'grub-*' ! -name 'grub-editenv' -delete
rm -rf "$root/usr/lib/grub" "$root/usr/share/grub" "$root/usr/share/perl" "$root/usr/lib/x86_64-linux-gnu/perl" \
  "$root"/usr/bin/perl5.* "$root"/usr/lib/x86_64-linux-gnu/libperl.so.*
# udev's database sources (the compiled hwdb.bin stays); character sets nothing here converts
# to (the app decodes GB 18030 itself).
rm -f "$root"/usr/lib/udev/hwdb.d/*.hwdb
find "$root/usr/lib/x86_64-linux-gnu/gconv" -maxdepth 1 -name '*.so' ! -name 'UTF*' \
  ! -name 'UNICODE*' ! -name 'GB*' ! -name 'libGB*' ! -name 'EUC-CN*' ! -name 'ISO8859-1.so' \
  -delete 2>/dev/null || true
# Symbols are for debugging a build, not for running it.
strip --strip-all "$root/usr/bin/onevisit"
find "$root/usr/lib/x86_64-linux-gnu/espeak-ng-data" -maxdepth 1 -name '*_dict' \
  ! -name 'cmn_dict' ! -name 'en_dict' ! -name 'yue_dict' -delete 2>/dev/null || true

# Fontconfig's cache must describe the fonts that are left.
chroot "$root" fc-cache -s -f >/dev/null 2>&1 || true
