#!/usr/bin/env bash
# Per-build settings of the kiosk's root (image/build.sh), after the app and image/rootfs/ are
# copied in. $1 is the root.
set -euo pipefail
root=$1
in_root() { chroot "$root" "$@"; }

# The app's user, with fixed ids: the data partition outlives the root slots, so every
# build must give `onevisit` the same uid. `gpio` owns the GPIO chips (see the udev rules).
in_root groupadd --system --gid 990 onevisit
in_root groupadd --system --gid 991 gpio
in_root useradd --system --uid 990 --gid onevisit --groups video,render,input,dialout,gpio \
  --home-dir /data/app --no-create-home --shell /usr/sbin/nologin onevisit
# No passwords anywhere: root cannot log in at all.
in_root passwd --lock root >/dev/null

# SSH: no host keys in the image (every kiosk would share them; each makes its own on its data
# partition), and the server starts only when the settings turn it on (ssh.service.d).
rm -f "$root"/etc/ssh/ssh_host_*
systemctl --root="$root" --quiet disable ssh.socket 2>/dev/null || true
systemctl --root="$root" --quiet enable ssh.service

# An empty machine-id: systemd makes a transient one on the read-only root at each boot.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
echo onevisit >"$root/etc/hostname"
ln -sf /run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"

# GRUB loads the kernel and initramfs from the slot by these fixed names.
kernel=$(find "$root/boot" -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n 1)
ln -f "$kernel" "$root/boot/vmlinuz"
ln -f "$root/boot/initrd.img-${kernel##*/vmlinuz-}" "$root/boot/initrd.img"

# Mount points that the read-only root must already have.
mkdir -p "$root/boot/efi" "$root/data"


# What runs, and what must never: no login prompt on any console, no Ctrl-Alt-Del, and
# nothing but the kiosk on the display.
systemctl --root="$root" --quiet enable onevisit.service onevisit-ready.service \
  onevisit-provision.service onevisit-devices.service onevisit-test-console.service onevisit-clock.path onevisit-reboot.path \
  onevisit-wifi.service onevisit-memory.service NetworkManager.service ModemManager.service \
  systemd-timesyncd.service
systemctl --root="$root" --quiet mask getty@.service serial-getty@.service autovt@.service \
  console-getty.service ctrl-alt-del.target debug-shell.service rescue.service \
  emergency.service apt-daily.timer apt-daily-upgrade.timer

# What a desktop needs at boot and a kiosk does not. On a small board (and under emulation)
# every unit started in parallel slows the ones the attract screen waits for: LVM scrubbing,
# kernel debug and tracing file systems, huge pages, crash dumps to EFI variables, a random seed
# saved to a folder that is memory anyway.
systemctl --root="$root" --quiet mask e2scrub_reap.service e2scrub_all.timer \
  dev-hugepages.mount sys-kernel-debug.mount sys-kernel-tracing.mount sys-fs-fuse-connections.mount \
  sys-kernel-config.mount systemd-pstore.service systemd-random-seed.service
# The resolver is for the app's sync, which starts after the screen: Debian starts it before
# sysinit.target (for systems that resolve names early), which holds up everything after.
if [ -e "$root/lib/systemd/system/systemd-resolved.service" ]; then
  sed -e 's/^DefaultDependencies=no$/DefaultDependencies=yes/' \
    -e 's/^Before=sysinit.target /Before=/' -e 's/^WantedBy=sysinit.target$/WantedBy=multi-user.target/' \
    "$root/lib/systemd/system/systemd-resolved.service" >"$root/etc/systemd/system/systemd-resolved.service"
  rm -f "$root/etc/systemd/system/sysinit.target.wants/systemd-resolved.service"
  systemctl --root="$root" --quiet enable systemd-resolved.service
fi
