#!/usr/bin/python3
"""Boots the kiosk image under QEMU (TCG, OVMF, a virtual display, swtpm) and checks it as a
technician would: the attract screen appears, the app is restarted when killed or frozen, a
case survives a hard power-off, a broken settings file is shown on screen, updates install and
fall back. Prints `image-test: N passed, M failed` and exits non-zero when any check failed.

Usage: image/test.py [--image image/out/onevisit-ARCH.img.zst] [--keep]
An arm64 image (the Raspberry Pi's) is booted once under qemu-system-aarch64 -M virt with UEFI
as a smoke test: its own firmware stage (the Pi's firmware and U-Boot) is not emulated.
Everything runs in a temporary folder; QEMU's display is read with the monitor's `screendump`.
The test talks to the VM through a shell on its second serial port, which the image opens only
inside a virtual machine whose QEMU passes `-fw_cfg name=opt/onevisit.test` (see
onevisit-test-console.service): the shipped image is the one tested.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
AAVMF_CODE = "/usr/share/AAVMF/AAVMF_CODE.fd"
AAVMF_VARS = "/usr/share/AAVMF/AAVMF_VARS.fd"
WIDTH, HEIGHT = 1280, 800
# TCG is what the targets are measured under (a CI machine may have no KVM); ONEVISIT_QEMU_ACCEL=kvm
# makes a developer's run quicker where KVM works.
ACCEL = os.environ.get("ONEVISIT_QEMU_ACCEL", "tcg")

results = []


targets = []


def check(name, ok, detail=""):
    results.append((name, ok, detail))
    print(f"image-test: {'ok  ' if ok else 'FAIL'} {name}" + (f" — {detail}" if detail else ""), flush=True)
    return ok


def target(name, met, detail=""):
    """A figure the issue sets as a target (size, boot time, memory): measured and reported
    every run; a missed target is printed as such but does not fail the run."""
    targets.append((name, met, detail))
    print(f"image-test: {'met ' if met else 'MISS'} target: {name}" + (f" — {detail}" if detail else ""), flush=True)
    return met


# ---- images: PPM from QEMU, PNG out, a tolerant comparison ------------------------------------

def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if not m:
        raise ValueError(f"{path}: not a P6 PPM")
    w, h = int(m.group(1)), int(m.group(2))
    return w, h, data[m.end():m.end() + w * h * 3]


def write_png(path, w, h, rgb):
    raw = b"".join(b"\0" + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def read_png(path):
    """RGB(A) 8-bit, non-interlaced PNGs as Slint writes them."""
    with open(path, "rb") as f:
        data = f.read()
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
            if depth != 8 or color not in (2, 6):
                raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour {color})")
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = w * bpp
    out, prev = bytearray(), bytearray(stride)
    i = 0
    for _ in range(h):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if bpp == 4:
            out += b"".join(line[x:x + 3] for x in range(0, stride, 4))
        else:
            out += line
    return w, h, bytes(out)


def differing_share(a, b, threshold=48):
    """Share of pixels whose colour differs by more than `threshold` in any channel."""
    n = len(a) // 3
    diff = 0
    for i in range(0, len(a), 3):
        if abs(a[i] - b[i]) > threshold or abs(a[i + 1] - b[i + 1]) > threshold or abs(a[i + 2] - b[i + 2]) > threshold:
            diff += 1
    return diff / n


def mostly_one_colour(rgb):
    sample = rgb[::3 * 97]
    return max(sample.count(v) for v in set(sample)) > 0.9 * len(sample)


# ---- the virtual machine ------------------------------------------------------------------------

class Vm:
    def __init__(self, work, disk, name="vm", tpm=True, arch="amd64"):
        self.work, self.disk, self.name, self.arch = work, disk, name, arch
        self.mon_path = os.path.join(work, f"{name}-monitor.sock")
        self.shell_path = os.path.join(work, f"{name}-shell.sock")
        self.console = os.path.join(work, f"{name}-console.log")
        self.vars = os.path.join(work, f"{name}-OVMF_VARS.fd")
        self.has_tpm = tpm
        if not os.path.exists(self.vars):
            shutil.copy(AAVMF_VARS if arch == "arm64" else OVMF_VARS, self.vars)
        self.tpm_dir = os.path.join(work, "tpm")
        os.makedirs(self.tpm_dir, exist_ok=True)
        self.proc = self.tpm = self.shell = None
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.ssh_port = s.getsockname()[1]

    def start(self):
        tpm_sock = os.path.join(self.work, "swtpm.sock")
        if self.has_tpm:
            self.tpm = subprocess.Popen(
                ["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={self.tpm_dir}",
                 "--ctrl", f"type=unixio,path={tpm_sock}", "--flags", "startup-clear"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(100):
                if os.path.exists(tpm_sock):
                    break
                time.sleep(0.05)
        for p in (self.mon_path, self.shell_path):
            if os.path.exists(p):
                os.unlink(p)
        if self.arch == "arm64":
            cmd = self.arm64_command()
        else:
            cmd = self.amd64_command()
        if self.has_tpm:
            cmd += ["-chardev", f"socket,id=chrtpm,path={tpm_sock}",
                    "-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
                    "-device", ("tpm-tis-device" if self.arch == "arm64" else "tpm-tis") + ",tpmdev=tpm0"]
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, f"{self.name}-qemu.log"), "ab"))
        for _ in range(200):
            if os.path.exists(self.mon_path) and os.path.exists(self.shell_path):
                break
            time.sleep(0.05)
        self.shell = None

    def arm64_command(self):
        """QEMU's virt board with UEFI (AAVMF): the image's GRUB, kernel and root, on a Cortex-A72
        like the Pi 4's. The test shell is a virtio console (hvc0): virt has one UART."""
        return [
            "qemu-system-aarch64", "-machine", "virt", "-accel", "tcg", "-cpu", "cortex-a72", "-smp", "2", "-m", "1024",
            "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={AAVMF_CODE}",
            "-drive", f"if=pflash,format=raw,unit=1,file={self.vars}",
            "-drive", f"file={self.disk},format=raw,if=none,id=disk,cache=unsafe",
            "-device", "virtio-blk-pci,drive=disk",
            "-device", f"virtio-gpu-pci,xres={WIDTH},yres={HEIGHT}",
            "-display", "none",
            "-device", "qemu-xhci,id=xhci",
            "-chardev", "ringbuf,id=idcard", "-device", "usb-serial,bus=xhci.0,chardev=idcard",
            "-nic", f"user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:{self.ssh_port}-:22",
            "-serial", f"file:{self.console}",
            "-device", "virtio-serial-pci",
            "-chardev", f"socket,id=shell,path={self.shell_path},server=on,wait=off",
            "-device", "virtconsole,chardev=shell",
            "-monitor", f"unix:{self.mon_path},server=on,wait=off",
            "-fw_cfg", "name=opt/onevisit.test,string=1",
        ]

    def amd64_command(self):
        return [
            "qemu-system-x86_64", "-machine", "q35", "-accel", ACCEL, "-cpu", "host" if ACCEL == "kvm" else "max", "-smp", "2", "-m", "1024",
            "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
            "-drive", f"if=pflash,format=raw,unit=1,file={self.vars}",
            "-drive", f"file={self.disk},format=raw,if=virtio,cache=unsafe",
            "-device", f"VGA,edid=on,xres={WIDTH},yres={HEIGHT}",
            "-display", "none",
            "-device", "i6300esb", "-watchdog-action", "reset",
            # A USB port for the technician's stick (update bundles are plugged in here).
            "-device", "qemu-xhci,id=xhci",
            # A USB-serial module (QEMU's is an FTDI FT232, 0403:6001: the reference cabinets'
            # ID-card reader chip), for the fixed device names. (QEMU attaches it only once its
            # character device is open, which a null one never is.)
            "-chardev", "ringbuf,id=idcard", "-device", "usb-serial,bus=xhci.0,chardev=idcard",
            # The kiosk's SSH port, on the host's loopback only.
            "-nic", f"user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:{self.ssh_port}-:22",
            "-serial", f"file:{self.console}",
            "-serial", f"unix:{self.shell_path},server=on,wait=off",
            "-monitor", f"unix:{self.mon_path},server=on,wait=off",
            "-fw_cfg", "name=opt/onevisit.test,string=1",
        ]

    def monitor(self, command):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.mon_path)
        s.settimeout(10)
        buf = b""
        while b"(qemu)" not in buf:
            buf += s.recv(4096)
        s.sendall(command.encode() + b"\n")
        buf = b""
        while buf.count(b"(qemu)") < 1:
            buf += s.recv(4096)
        s.close()
        return buf.decode(errors="replace")

    def screendump(self, png_path):
        ppm = png_path + ".ppm"
        if os.path.exists(ppm):
            os.unlink(ppm)
        self.monitor(f"screendump {ppm}")
        for _ in range(100):
            if os.path.exists(ppm) and os.path.getsize(ppm) > 0:
                break
            time.sleep(0.05)
        time.sleep(0.2)
        w, h, rgb = read_ppm(ppm)
        os.unlink(ppm)
        write_png(png_path, w, h, rgb)
        return w, h, rgb

    def connect_shell(self, timeout):
        """Waits for the test shell, which appears once systemd has started early units."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(self.shell_path)
                s.settimeout(1)
                self.shell = s
                out = self.run("stty -echo; PS1=; PS2=; echo hello", timeout=5, check=False)
                if "hello" in out:
                    return True
            except OSError:
                pass
            time.sleep(1)
        return False

    def run(self, command, timeout=60, check=True):
        """Runs a command in the VM's test shell; returns what it printed."""
        if self.shell is None and not self.connect_shell(timeout):
            raise RuntimeError("no test shell")
        marker = f"__done_{time.monotonic_ns()}__"
        self.shell.sendall(f"{command}; echo {marker}$?\n".encode())
        buf, deadline = b"", time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = self.shell.recv(65536)
                if not chunk:
                    break
                buf += chunk
            except socket.timeout:
                pass
            m = re.search(re.escape(marker).encode() + rb"(\d+)", buf)
            if m:
                text = buf[:m.start()].decode(errors="replace")
                # A shell that restarted (the VM rebooted under the test) echoes again: drop the
                # echoed command, which ends with the marker and `$?`.
                text = text.split(f"{marker}$?", 1)[-1].lstrip("\r\n")
                if check and m.group(1) != b"0":
                    raise RuntimeError(f"`{command}` failed ({m.group(1).decode()}): {text[-500:]}")
                return text.replace("\r", "")
        raise TimeoutError(f"`{command}` did not finish in {timeout} s; got {buf[-300:]!r}")

    def wait_for(self, what, predicate, timeout, step=1.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if predicate():
                    return True
            except (OSError, RuntimeError, TimeoutError):
                pass
            time.sleep(step)
        return False

    def power_off(self):
        """Pulls the plug: no shutdown, no sync."""
        if self.proc:
            self.proc.kill()
            self.proc.wait()
        if self.shell:
            self.shell.close()
            self.shell = None
        if self.tpm:
            self.tpm.terminate()
            self.tpm.wait()
            self.tpm = None

    def service(self, prop):
        return self.run(f"systemctl show onevisit.service -p {prop} --value", timeout=30).strip()


# ---- the checks ---------------------------------------------------------------------------------

def app_screenshot(out_dir):
    """The app's own headless rendering of the attract screen at the VM's size."""
    binary = os.environ.get("ONEVISIT_DESKTOP_BIN") or os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "debug", "onevisit")
    if not os.access(binary, os.X_OK):
        return None
    shots = os.path.join(out_dir, "app-screens")
    shutil.rmtree(shots, ignore_errors=True)
    # The same settings as the image ships: the same site name and "devices not configured".
    subprocess.run([binary, "screenshots", "--out", shots, "--size", f"{WIDTH}x{HEIGHT}",
                    "--config", os.path.join(HERE, "onevisit.toml")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    zh = os.path.join(shots, "zh")
    first = sorted(f for f in os.listdir(zh) if f.endswith(".png"))[0]
    return os.path.join(zh, first)


def wait_active(vm, timeout, other_than=None):
    """Until onevisit.service is active (the app said READY=1), with a new PID if asked."""
    def ready():
        if vm.service("ActiveState") != "active":
            return False
        pid = vm.service("MainPID")
        return pid not in ("0", other_than)
    return vm.wait_for("onevisit active", ready, timeout, step=2)


def restart_and_look(vm, png, notice):
    """Restarts the app, waits until it is up again, keeps a picture of the display, and says
    whether the app's log this boot mentions `notice` (the text it shows on screen)."""
    pid = vm.service("MainPID")
    vm.run("systemctl restart onevisit.service", timeout=240)
    up = wait_active(vm, 240, other_than=pid)
    time.sleep(3)
    vm.screendump(png)
    said = vm.run(f"journalctl -b -u onevisit.service --no-pager -o cat | grep -c '{notice}' || true").strip()
    return up, said not in ("", "0")


def boot_analysis(vm, name):
    """Keeps systemd's account of this boot in image/out/NAME-analysis.txt; returns its summary."""
    # systemd-analyze answers only once every start-up job has finished.
    vm.wait_for("start-up finished", lambda: vm.run("systemctl is-system-running", check=False).strip()
                not in ("initializing", "starting"), 180, step=3)
    with open(os.path.join(HERE, "out", f"{name}-analysis.txt"), "w") as f:
        f.write(vm.run("systemd-analyze 2>&1; echo; systemd-analyze critical-chain onevisit.service 2>&1; "
                       "echo; systemd-analyze blame 2>&1 | head -n 25", check=False))
    return vm.run("systemd-analyze 2>&1 | head -n 1", check=False).strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", default=os.path.join(HERE, "out", "onevisit-amd64.img.zst"))
    ap.add_argument("--bundle", default=os.path.join(HERE, "out", "onevisit-amd64.raucb"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--only-updates", action="store_true",
                    help="boot, then only the update checks (a quicker run while working on them)")
    args = ap.parse_args()
    out_dir = os.path.join(HERE, "out")
    work = tempfile.mkdtemp(prefix="onevisit-image-test-", dir="/var/tmp")
    vm = None
    if "arm64" in os.path.basename(args.image):
        try:
            size = os.path.getsize(args.image)
            target("image size ≤ 120 MB compressed", size <= 120_000_000, f"{size / 1e6:.1f} MB")
            vm = smoke_arm64(args, out_dir, work)
        finally:
            if vm:
                vm.power_off()
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        return report(work, vm)
    try:
        size = os.path.getsize(args.image)
        target("image size ≤ 120 MB compressed", size <= 120_000_000, f"{size / 1e6:.1f} MB")
        disk = os.path.join(work, "disk.img")
        subprocess.run(["zstd", "-q", "-d", "-f", args.image, "-o", disk], check=True)
        # A 4 GB card: the data partition must grow into it at first boot.
        os.truncate(disk, 4 * 1024 ** 3)

        vm = Vm(work, disk)
        if not check("boots to the test shell", boot_shell(vm)):
            raise SystemExit(report(work, vm))
        up = wait_active(vm, 300)
        seconds = time.monotonic() - vm.started
        check("the app reports ready (READY=1)", up, f"{seconds:.1f} s after power-on")
        if not up:
            raise SystemExit(report(work, vm))
        if args.only_updates:
            updates(vm, work, args.bundle)
            return report(work, vm)
        time.sleep(3)
        w, h, rgb = vm.screendump(os.path.join(out_dir, "attract-qemu.png"))
        check("something is drawn on the display", (w, h) == (WIDTH, HEIGHT) and not mostly_one_colour(rgb), f"{w}×{h}")
        ref = app_screenshot(out_dir)
        if ref:
            rw, rh, ref_rgb = read_png(ref)
            shutil.copy(ref, os.path.join(out_dir, "attract-app.png"))
            share = differing_share(rgb, ref_rgb) if (rw, rh) == (w, h) else 1.0
            check("the display shows the attract screen (vs the app's own screenshot)", share < 0.02,
                  f"{share * 100:.2f} % of pixels differ (≤ 2 % allowed: font hinting, the reader's status "
                  f"line); image/out/attract-qemu.png vs attract-app.png")
        else:
            check("the display shows the attract screen (vs the app's own screenshot)", False,
                  "no desktop build to render the reference (cargo build first)")
        first_boot = (seconds, boot_analysis(vm, "first-boot"))

        # The data partition: made at first boot in the rest of the card, LUKS2, its key sealed
        # to the (software) TPM, mounted on /data.
        data_size = int(vm.run("lsblk -dbno SIZE /dev/disk/by-partlabel/data", check=False).strip() or 0)
        check("the first boot made the data partition in the rest of the card", data_size > 2 * 1024 ** 3,
              f"{data_size / 1024 ** 3:.2f} GiB")
        fstype = vm.run("lsblk -dno FSTYPE /dev/disk/by-partlabel/data", check=False).strip()
        slots = vm.run("systemd-cryptenroll /dev/disk/by-partlabel/data 2>&1 | tail -n +2 | awk '{print $2}' | "
                       "sort | uniq -c | tr -s ' \\n' ' '", check=False).strip()
        source = vm.run("findmnt -no SOURCE /data", check=False).strip()
        check("…encrypted (LUKS2), its key sealed to the TPM, unlocked on /data",
              fstype == "crypto_LUKS" and "tpm2" in slots and source == "/dev/mapper/data",
              f"{fstype}; key slots: {slots}; /data from {source}")
        # Nothing to escape to.
        gettys = vm.run("systemctl list-units --no-legend 'getty@*' 'serial-getty@*' 'autovt@*' | wc -l").strip()
        check("no login prompt on any console", gettys == "0", f"{gettys} getty units")
        sysrq = vm.run("cat /proc/sys/kernel/sysrq").strip()
        check("SysRq off", sysrq == "0", f"kernel.sysrq = {sysrq}")
        cad = vm.run("systemctl is-enabled ctrl-alt-del.target", check=False).strip()
        check("Ctrl-Alt-Del masked", cad == "masked", cad)
        user = vm.run("stat -c %U /proc/$(systemctl show onevisit -p MainPID --value)").strip()
        check("the app runs as the unprivileged `onevisit` user", user == "onevisit", user)

        # Memory on KMS over the scripted citizen journey (the service stopped, so the
        # measuring run gets the display).
        vm.run("systemctl stop onevisit-ready.service onevisit.service", timeout=120)
        # A data folder of its own (the journey commits a case), with the dictionaries the image
        # deployed: otherwise their first deployment would be measured, not the kiosk.
        vm.run("mkdir -p /data/app/bench && cp -a /data/app/rime /data/app/bench/ && chown -R onevisit: /data/app/bench")
        trace = vm.run("cd /data/app && runuser -u onevisit -- env HOME=/data/app XDG_CACHE_HOME=/data/app/cache "
                       "SLINT_BACKEND=linuxkms-software ONEVISIT_BENCH=journey ONEVISIT_BENCH_TRACE=1 "
                       "onevisit --data-dir /data/app/bench run --simulate 2>/dev/null | grep -E '^step|^journey|^peak'",
                       timeout=900, check=False)
        vm.run("rm -rf /data/app/bench")
        pss = [int(x) for x in re.findall(r"pss (\d+) kB", trace)]
        peak = max(pss) if pss else 0
        steps = re.findall(r"journey-steps (\d+)", trace)
        where = "; ".join(f"{name} {int(kb) / 1024:.1f}" for kb, name in
                          re.findall(r"peak-pss (\d+) kB of \d+ kB: (.+)", trace)[:5])
        fault_around = vm.run("systemctl is-active onevisit-memory.service", check=False).strip()
        target("the app's peak PSS on KMS over the scripted journey ≤ 40 MB", bool(steps) and 0 < peak <= 40 * 1024,
              f"{peak / 1024:.1f} MiB over {steps[0] if steps else '?'} steps (fault-around off: {fault_around}); "
              f"largest parts, MiB: {where}")
        vm.run("systemctl start onevisit.service onevisit-ready.service", timeout=300, check=False)
        wait_active(vm, 240)

        # Crashes and hangs.
        pid = vm.service("MainPID")
        vm.run(f"kill -9 {pid}")
        check("kill -9 of the app → restarted", wait_active(vm, 120, other_than=pid))
        pid = vm.service("MainPID")
        vm.run(f"kill -STOP {pid}")
        check("SIGSTOP of the app → the watchdog restarts it", wait_active(vm, 180, other_than=pid))

        # A case submitted, then the plug pulled.
        vm.run("runuser -u onevisit -- onevisit --data-dir /data/app case submit-sample --count 1", timeout=120)
        before = vm.run("runuser -u onevisit -- onevisit --data-dir /data/app queue list --json", timeout=60)
        ids = re.findall(r'"id"\s*:\s*"([^"]+)"', before)
        vm.power_off()
        vm = Vm(work, disk)
        up = boot_shell(vm) and wait_active(vm, 300)
        check("boots again after a hard power-off", up)
        if up:
            # Every boot after the first (which also makes the data partition) is what a
            # citizen waits for when the power comes back.
            seconds = time.monotonic() - vm.started
            analyze = boot_analysis(vm, "boot")
            ready_at = int(vm.service("ActiveEnterTimestampMonotonic") or 0) / 1e6
            target("boot to attract screen ≤ 30 s (TCG)", seconds <= 30,
                   f"{seconds:.1f} s from power-on (host clock), ready {ready_at:.1f} s after the kernel started; "
                   f"{analyze}; the first boot, which also makes the data partition: {first_boot[0]:.1f} s "
                   f"({first_boot[1]}); image/out/boot-analysis.txt and first-boot-analysis.txt")
        after = vm.run("runuser -u onevisit -- onevisit --data-dir /data/app queue list --json", timeout=60)
        check("a case submitted before a hard power-off is still queued", bool(ids) and all(i in after for i in ids),
              f"{len(ids)} case(s) before: {', '.join(ids)}")
        # The journal is one across boots: the machine id of the first boot came back.
        boots = vm.run("journalctl --list-boots --no-pager 2>/dev/null | grep -cE '^ *-?[0-9]+ '", check=False).strip()
        cmdline = vm.run("grep -o 'systemd.machine_id=[0-9a-f]*' /proc/cmdline", check=False).strip()
        check("the journal keeps the boots before this one (one machine id)", boots.isdigit() and int(boots) >= 2
              and cmdline != "", f"{boots} boots in `journalctl --list-boots`; {cmdline or 'no machine id from GRUB'}")
        central_clock(vm)

        # A broken settings file: the kiosk still starts and says so.
        vm.run("mount -o remount,rw /boot/efi && cp /boot/efi/onevisit.toml /tmp/good.toml && "
               "printf 'site = \"城关镇\\n[devices\\n' > /boot/efi/onevisit.toml && sync")
        up, said = restart_and_look(vm, os.path.join(out_dir, "broken-settings-qemu.png"), "onevisit.toml")
        check("a broken onevisit.toml: the kiosk starts and says what to fix", up and said,
              "see image/out/broken-settings-qemu.png")
        vm.run("cp /tmp/good.toml /boot/efi/onevisit.toml && sync")

        # The cabinet's profile names its USB modules: the FTDI chip becomes /dev/onevisit/idcard.
        vm.run("mount -o remount,rw /boot/efi && sed -i 's/^# gpio = /gpio = /' /boot/efi/onevisit.toml "
               "&& sync && systemctl restart onevisit-devices.service", timeout=120, check=False)
        link = vm.run("readlink -f /dev/onevisit/idcard", check=False).strip()
        check("the ID-card reader's USB chip gets its fixed name from the cabinet profile",
              link.startswith("/dev/ttyUSB"), f"/dev/onevisit/idcard → {link or 'nothing'}")
        vm.run("cp /tmp/good.toml /boot/efi/onevisit.toml && sync && systemctl restart onevisit-devices.service",
               timeout=120, check=False)

        ssh_checks(vm, work)
        usb_stick(vm, work)
        network_manager(vm)

        # A full data partition: the kiosk still starts and says so.
        vm.run("fallocate -l $(( $(df --output=avail -B1 /data | tail -n 1) - 16*1024*1024 )) /data/system/filler", timeout=120)
        up, said = restart_and_look(vm, os.path.join(out_dir, "data-full-qemu.png"), "数据分区不可用")
        check("a full data partition: the kiosk starts and says what to do", up and said,
              "see image/out/data-full-qemu.png")
        vm.run("rm -f /data/system/filler && sync")

        updates(vm, work, args.bundle)
        vm.power_off()
        vm = None
        without_tpm(work, args.image)
    finally:
        if vm:
            vm.power_off()
        if args.keep:
            print(f"image-test: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return report(work, vm)


def central_clock(vm):
    """A village without NTP: the app writes the central system's time, a root service sets the
    clock from it (onevisit-clock.path). Moved an hour ahead, then back."""
    def move(seconds):
        vm.run("n=$(date +%s%3N); runuser -u onevisit -- sh -c "
               f"\"echo $((n + {seconds} * 1000)) $n > /data/app/central-clock.new && "
               "mv /data/app/central-clock.new /data/app/central-clock\"")
        time.sleep(3)
    before = int(vm.run("date +%s").strip())
    move(3600)
    moved = int(vm.run("date +%s").strip()) - before
    move(-3600)
    back = int(vm.run("date +%s").strip()) - before
    said = vm.run("journalctl -b -u onevisit-clock.service --no-pager -o cat | grep -c 'setting the clock' || true").strip()
    check("no NTP: the clock is set from the central system's time", 3590 <= moved <= 3660 and abs(back) < 60,
          f"an hour ahead: moved {moved} s; back: {back} s from the start; {said} clock steps logged")


def without_tpm(work, image):
    """A board without a TPM (the Pi): the first boot makes the data partition with its key in a
    file on the ESP, and comes up without being reset."""
    disk = os.path.join(work, "notpm.img")
    subprocess.run(["zstd", "-q", "-d", "-f", image, "-o", disk], check=True)
    os.truncate(disk, 2 * 1024 ** 3)
    vm = Vm(work, disk, name="notpm", tpm=False)
    try:
        up = boot_shell(vm) and wait_active(vm, 300)
        # Not reset on the way (a watchdog starved by the first boot's work): the kernel has been
        # up about as long as QEMU has run, less the firmware's and GRUB's seconds.
        uptime = float(vm.run("cut -d ' ' -f 1 /proc/uptime").strip())
        lost = time.monotonic() - vm.started - uptime
        key = vm.run("stat -c %s /boot/efi/EFI/onevisit/data.key", check=False).strip()
        luks = vm.run("cryptsetup luksDump /dev/disk/by-partlabel/data | grep -E '^\\s*PBKDF:' | head -n 1", check=False).strip()
        source = vm.run("findmnt -no SOURCE /data", check=False).strip()
        check("no TPM: the first boot makes the data partition, its key in a file on the ESP", up
              and key == "64" and "pbkdf2" in luks and source == "/dev/mapper/data" and lost < 90,
              f"key file {key or 'missing'} bytes; LUKS2 key slot {luks or '?'}; /data from {source}; "
              f"up {uptime:.0f} s of QEMU's {uptime + lost:.0f} s (not reset)")
    except (RuntimeError, TimeoutError) as e:
        check("no TPM: the first boot makes the data partition, its key in a file on the ESP", False, str(e))
    finally:
        vm.power_off()
    # The key lost (the card moved to another board, the ESP written again): the partition does
    # not unlock, and the kiosk still starts and says so, rather than failing until it reboots.
    subprocess.run(["mdel", "-i", f"{disk}@@{esp_offset(disk)}", "::EFI/onevisit/data.key"], check=False)
    vm = Vm(work, disk, name="notpm", tpm=False)
    try:
        up = boot_shell(vm) and wait_active(vm, 300)
        source = vm.run("findmnt -no SOURCE /data", check=False).strip()
        time.sleep(3)
        vm.screendump(os.path.join(HERE, "out", "data-locked-qemu.png"))
        said = vm.run("journalctl -b -u onevisit.service --no-pager -o cat | grep -c '未能解锁' || true").strip()
        check("the data partition does not unlock: the kiosk starts and says what to do", up and not source
              and said not in ("", "0"), f"/data from {source or 'nothing'}; see image/out/data-locked-qemu.png")
    except (RuntimeError, TimeoutError) as e:
        check("the data partition does not unlock: the kiosk starts and says what to do", False, str(e))
    finally:
        vm.power_off()


def esp_offset(disk):
    """The ESP's byte offset in a disk image (its first partition), for mtools."""
    out = subprocess.run(["sfdisk", "--json", disk], capture_output=True, text=True, check=True).stdout
    return json.loads(out)["partitiontable"]["partitions"][0]["start"] * 512


def smoke_arm64(args, out_dir, work):
    """The Raspberry Pi image, booted once on QEMU's virt board: GRUB, the kernel, the root, the
    data partition (no TPM: the key file) and the app on the display."""
    disk = os.path.join(work, "disk.img")
    subprocess.run(["zstd", "-q", "-d", "-f", args.image, "-o", disk], check=True)
    os.truncate(disk, 4 * 1024 ** 3)
    vm = Vm(work, disk, tpm=False, arch="arm64")
    try:
        if not check("arm64: boots to the test shell", vm.start() or vm.connect_shell(900)):
            return vm
        up = wait_active(vm, 900)
        seconds = time.monotonic() - vm.started
        check("arm64: the app reports ready (READY=1)", up, f"{seconds:.1f} s after power-on (TCG, Cortex-A72)")
        if up:
            time.sleep(5)
            w, h, rgb = vm.screendump(os.path.join(out_dir, "attract-qemu-arm64.png"))
            ref = app_screenshot(out_dir)
            share = 1.0
            if ref:
                rw, rh, ref_rgb = read_png(ref)
                share = differing_share(rgb, ref_rgb) if (rw, rh) == (w, h) else 1.0
            check("arm64: the display shows the attract screen (vs the app's own screenshot)", share < 0.02,
                  f"{w}×{h}, {share * 100:.2f} % of pixels differ; image/out/attract-qemu-arm64.png" if ref else
                  "no desktop build to render the reference (cargo build first, with the same CARGO_TARGET_DIR)")
        key = vm.run("stat -c %s /boot/efi/EFI/onevisit/data.key", check=False).strip()
        source = vm.run("findmnt -no SOURCE /data", check=False).strip()
        check("arm64: the data partition is LUKS2 with its key on the ESP (no TPM)",
              key == "64" and source == "/dev/mapper/data", f"key file {key or 'missing'} bytes; /data from {source}")
        kernel = vm.run("uname -rm", check=False).strip()
        check("arm64: Debian's arm64 kernel from slot A", "aarch64" in kernel and "rauc.slot=A" in
              vm.run("cat /proc/cmdline", check=False), kernel)
        # Wi-Fi from the settings: QEMU's board has no radio, so this shows the settings turned
        # into NetworkManager's network (kept in memory only: the settings file stays the one
        # place it is written down), with a quote in the key.
        vm.run("mount -o remount,rw /boot/efi && cp /boot/efi/onevisit.toml /tmp/good.toml && "
               "printf '[wifi]\\nssid = \"便民服务站\"\\npsk = \"p4ss\\\\\"word\"\\n' >> /boot/efi/onevisit.toml && sync")
        vm.run("systemctl restart onevisit-wifi.service; sleep 20", timeout=120, check=False)
        ssid = vm.run("nmcli -g 802-11-wireless.ssid connection show onevisit-settings-wifi", check=False).strip()
        psk = vm.run("nmcli -s -g 802-11-wireless-security.psk connection show onevisit-settings-wifi",
                     check=False).strip()
        saved = vm.run("grep -rlc 便民服务站 /data/system/network /etc/NetworkManager 2>/dev/null | wc -l",
                       check=False).strip()
        key_ok = psk == 'p4ss"word'
        check("arm64: [wifi] in onevisit.toml becomes NetworkManager's network, in memory only (no radio in QEMU)",
              ssid == "便民服务站" and key_ok and saved == "0",
              f"ssid {ssid!r}; key {'as written' if key_ok else repr(psk)}; files holding it: {saved}")
        vm.run("cp /tmp/good.toml /boot/efi/onevisit.toml && sync && systemctl stop onevisit-wifi.service", check=False)
        with open(os.path.join(out_dir, "arm64-boot-analysis.txt"), "w") as f:
            f.write(vm.run("systemd-analyze 2>&1; echo; systemd-analyze blame 2>&1 | head -n 20", check=False))
    except (RuntimeError, TimeoutError) as e:
        check("arm64: the smoke test ran to the end", False, str(e))
    return vm


def usb_stick(vm, work):
    """A technician's FAT stick: mounted where the sandboxed app can write (technician mode's
    exports), RAUC answers the app's user, and the stick goes away cleanly when pulled."""
    stick = os.path.join(work, "stick.img")
    with open(stick, "wb") as f:
        f.truncate(32 * 1024 * 1024)
    mkfs = shutil.which("mkfs.vfat") or "/usr/sbin/mkfs.vfat"
    subprocess.run([mkfs, "-n", "ONEVISIT", stick], check=True, stdout=subprocess.DEVNULL)
    vm.monitor(f"drive_add 0 if=none,id=stick,file={stick},format=raw")
    vm.monitor("device_add usb-storage,bus=xhci.0,drive=stick,id=stickdev")
    mounted = vm.wait_for("the stick mounted", lambda: vm.run(
        "findmnt -no FSTYPE /run/onevisit/usb", check=False).strip() == "vfat", 90, step=3)
    pid = vm.service("MainPID")
    # Written from inside the app's own sandbox (its mount namespace), as its user.
    wrote = vm.run(f"nsenter -t {pid} -m runuser -u onevisit -- sh -c "
                   "'echo export > /run/onevisit/usb/probe && cat /run/onevisit/usb/probe' 2>&1",
                   check=False).strip()
    check("a technician's USB stick is mounted where the app can write", mounted and wrote == "export",
          f"findmnt: {mounted}; the app's user wrote and read back: {wrote[-120:]!r}")
    rauc = vm.run(f"nsenter -t {pid} -m runuser -u onevisit -- rauc status --output-format=shell 2>&1 "
                  "| grep -c RAUC_SLOT_STATE", check=False).strip()
    check("…and RAUC answers the app's user (updates from the stick)", rauc.isdigit() and int(rauc) >= 2,
          f"{rauc} slot states")
    vm.monitor("device_del stickdev")
    gone = vm.wait_for("the stick unmounted", lambda: vm.run(
        "findmnt -no FSTYPE /run/onevisit/usb", check=False).strip() == "", 60, step=3)
    reboot_unit = vm.run("systemctl is-enabled onevisit-reboot.path", check=False).strip()
    check("…and is unmounted when pulled; a reboot request has its unit", gone and reboot_unit == "enabled",
          f"unmounted: {gone}; onevisit-reboot.path {reboot_unit}")


def network_manager(vm):
    """NetworkManager has the wired link; the app's user reads it over D-Bus from inside the
    app's sandbox, as technician mode does, and may change it (polkit: Wi-Fi from the screen)."""
    pid = vm.service("MainPID")
    out = vm.run(f"nsenter -t {pid} -m runuser -u onevisit -- onevisit network --json 2>/dev/null",
                 timeout=120, check=False)
    try:
        links = json.loads(out[out.index("{"):])["links"]
    except (ValueError, KeyError):
        links = []
        out = vm.run(f"nsenter -t {pid} -m runuser -u onevisit -- onevisit network 2>&1", timeout=120, check=False)
    up = [l for l in links if l.get("kind") == "ethernet" and l.get("state") == "connected" and l.get("address")]
    check("NetworkManager has the wired link; the app's user reads it (onevisit network --json)", bool(up),
          f"{up[0]['iface']} {up[0]['address']}" if up else out.strip()[-200:])
    perm = vm.run("runuser -u onevisit -- nmcli -t -f PERMISSION,VALUE general permissions 2>&1 "
                  "| grep -E 'network-control|settings.modify.system'", timeout=60, check=False)
    check("…and may join a Wi-Fi network (polkit allows the app's user)", perm.count(":yes") >= 2,
          perm.strip().replace("\n", "; ")[:200])


def ssh(vm, key, command="id -u"):
    return subprocess.run(
        ["ssh", "-i", key, "-p", str(vm.ssh_port), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
         "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR",
         "root@127.0.0.1", command], capture_output=True, text=True, timeout=120)


def ssh_checks(vm, work):
    """SSH is off until the settings turn it on, and then opens only to a key the technician CA
    signed."""
    ca = os.environ.get("ONEVISIT_SSH_CA_KEY") or os.path.join(HERE, "out", "dev-keys", "ssh-ca")
    key, stranger = os.path.join(work, "technician"), os.path.join(work, "stranger")
    for k in (key, stranger):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k], check=True)
    subprocess.run(["ssh-keygen", "-q", "-s", ca, "-I", "image-test", "-n", "onevisit-technician", "-V", "+1h",
                    key + ".pub"], check=True)
    off = ssh(vm, key)
    check("SSH is off by default", off.returncode != 0, (off.stderr.strip().splitlines() or ["no answer"])[-1])
    vm.run("mount -o remount,rw /boot/efi && printf '\\n[ssh]\\nenabled = true\\n' >> /boot/efi/onevisit.toml "
           "&& sync && systemctl restart ssh.service", timeout=120, check=False)
    signed = ssh(vm, key)
    check("…turned on in onevisit.toml, it lets in a key the technician CA signed",
          signed.returncode == 0 and signed.stdout.strip() == "0",
          f"id -u: {signed.stdout.strip() or signed.stderr.strip()[-200:]}")
    plain = ssh(vm, stranger)
    check("…and nobody else (a key without the CA's certificate)", plain.returncode != 0,
          (plain.stderr.strip().splitlines() or ["refused"])[-1])
    vm.run("cp /tmp/good.toml /boot/efi/onevisit.toml && sync && systemctl stop ssh.service", timeout=60, check=False)


def make_bundle(work, bundle, name, version, key, cert, broken=False):
    """A bundle from the built one: re-versioned, optionally with an app that never starts,
    signed with `key`."""
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    subprocess.run(["rauc", "extract", "--keyring", cert_of(), bundle, d], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = os.path.join(d, "manifest.raucm")
    text = open(manifest).read()
    text = re.sub(r"(?m)^version=.*$", f"version={version}", text)
    text = re.sub(r"(?m)^(verity-hash|verity-salt|verity-size|sha256|size)=.*\n", "", text)
    open(manifest, "w").write(text)
    if broken:
        rootdir = os.path.join(work, name + "-root")
        shutil.rmtree(rootdir, ignore_errors=True)
        subprocess.run(["unsquashfs", "-q", "-n", "-d", rootdir, os.path.join(d, "root.squashfs")], check=True,
                       stdout=subprocess.DEVNULL)
        with open(os.path.join(rootdir, "usr/bin/onevisit"), "w") as f:
            f.write("#!/bin/sh\necho 'this build of the app is broken on purpose (image-test)' >&2\nexit 1\n")
        os.unlink(os.path.join(d, "root.squashfs"))
        subprocess.run(["mksquashfs", rootdir, os.path.join(d, "root.squashfs"), "-comp", "gzip", "-noappend",
                        "-quiet", "-no-progress"], check=True, stdout=subprocess.DEVNULL)
        shutil.rmtree(rootdir, ignore_errors=True)
    for f in os.listdir(d):
        if f not in ("manifest.raucm", "root.squashfs"):
            os.unlink(os.path.join(d, f))
    out = os.path.join(work, name + ".raucb")
    subprocess.run(["rauc", "bundle", f"--cert={cert}", f"--key={key}", d, out], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(d, ignore_errors=True)
    return out


def cert_of():
    return os.environ.get("ONEVISIT_RAUC_CERT") or os.path.join(HERE, "out", "dev-keys", "dev.cert.pem")


def install(vm, work, bundle):
    """Plugs a bundle in as a USB stick (a raw disk holding the file's bytes: no network
    needed) and installs it from the data partition."""
    size = os.path.getsize(bundle)
    vm.monitor(f"drive_add 0 if=none,id=upd{size},file={bundle},format=raw,readonly=on")
    vm.monitor(f"device_add usb-storage,bus=xhci.0,drive=upd{size},id=updev{size}")
    dev = ""
    for _ in range(60):
        dev = vm.run("lsblk -dnbo NAME,SIZE | awk '$2 >= %d && $2 < %d {print $1}' | tail -n 1"
                     % (size - 512, size + 1024 * 1024)).strip()
        if dev:
            break
        time.sleep(2)
    if not dev:
        return False, "the USB stick did not appear"
    vm.run(f"head -c {size} /dev/{dev} > /data/system/update.raucb", timeout=300)
    out = vm.run("rauc install /data/system/update.raucb 2>&1; echo rc=$?", timeout=900, check=False)
    vm.run("rm -f /data/system/update.raucb")
    vm.monitor(f"device_del updev{size}")
    return "rc=0" in out, out


def booted_slot(vm):
    return vm.run("sed -n 's/.*rauc\\.slot=\\([AB]\\).*/\\1/p' /proc/cmdline").strip()


def reboot(vm, timeout=900):
    """Reboots the VM and waits for the new boot's shell and app (a new boot_id: the old
    system's shell answers for a while after `systemctl reboot` under emulation). A firmware
    that hangs on the way is switched off and on, as in the fallback check."""
    old = vm.run("cat /proc/sys/kernel/random/boot_id").strip()
    vm.shell.sendall(b"systemctl reboot\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(5)
        if vm.shell:
            vm.shell.close()
            vm.shell = None
        power_cycle_if_hung(vm)
        try:
            if vm.connect_shell(60) and vm.run("cat /proc/sys/kernel/random/boot_id", timeout=20).strip() != old:
                return wait_active(vm, max(60, deadline - time.monotonic()))
        except (RuntimeError, OSError):
            pass
    return False


def updates(vm, work, bundle):
    if not os.path.exists(bundle):
        check("update bundle built", False, bundle)
        return
    key = os.environ.get("ONEVISIT_RAUC_KEY") or os.path.join(HERE, "out", "dev-keys", "dev.key.pem")
    cert = cert_of()
    # A bundle signed by a key the kiosk does not trust.
    other_key, other_cert = os.path.join(work, "other.key"), os.path.join(work, "other.cert")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=stranger",
                    "-keyout", other_key, "-out", other_cert], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    forged = make_bundle(work, bundle, "forged", "9999.0", other_key, other_cert)
    ok, out = install(vm, work, forged)
    # Refused for the right reason: RAUC itself must say the signature did not verify.
    why = [l for l in out.splitlines()
           if re.search(r"(?i)fail|error|invalid|refus", l) and re.search(r"(?i)signature|verif|certificate|signer", l)]
    check("a wrongly signed bundle is refused", not ok and bool(why), (why or [out.strip()[-200:]])[0].strip())

    before = booted_slot(vm)
    newer = make_bundle(work, bundle, "newer", "9000.0", key, cert)
    ok, out = install(vm, work, newer)
    check("a newer bundle installs into the other slot", ok, out.strip().splitlines()[-2] if ok else out[-300:])
    up = reboot(vm)
    after = booted_slot(vm) if up else "?"
    status = "" if up else f"no new boot came up; the console ends {console_tail(vm)!r}"
    if up:
        # onevisit-ready.service marks the slot good right after the app's READY=1.
        marked = vm.wait_for("slot marked good", lambda: vm.run(
            "systemctl is-active onevisit-ready.service", check=False).strip() == "active", 120, step=5)
        check("…and marks it good once the app is ready (rauc status mark-good)", marked)
        status = vm.run("rauc status --output-format=shell | grep -E 'RAUC_SLOT_STATE|BOOT_STATUS' | tr '\\n' ' '",
                        check=False).strip()[:200]
    check("…and boots from it", up and after != before and after in "AB", f"slot {before} → {after}; {status}")
    if not up:
        return

    good = after
    broken = make_bundle(work, bundle, "broken", "9001.0", key, cert, broken=True)
    ok, out = install(vm, work, broken)
    check("a bundle whose app never starts installs", ok, "" if ok else out[-300:])
    vm.run("cat /proc/sys/kernel/random/boot_id > /dev/null")
    vm.shell.sendall(b"systemctl reboot\n")
    time.sleep(30)
    vm.shell.close()
    vm.shell = None
    # The broken slot boots three times (each ends in a reboot after five failed starts),
    # then GRUB falls back by itself.
    deadline = time.monotonic() + 1500
    back = False
    resets = 0
    while time.monotonic() < deadline:
        if power_cycle_if_hung(vm):
            resets += 1
        if vm.connect_shell(120):
            try:
                if booted_slot(vm) == good and wait_active(vm, 240):
                    back = True
                    break
            except (RuntimeError, TimeoutError, OSError):
                pass
            vm.shell = None
        time.sleep(5)
    env = vm.run("grub-editenv /boot/efi/EFI/onevisit/grubenv list | tr '\\n' ' '", check=False).strip() if back else ""
    check("a bundle whose app never reports ready falls back to the previous slot by itself", back,
          env + (f" (after {resets} reset(s) of a hung firmware)" if resets else ""))


def firmware_hung(vm, quiet_for=300):
    """True when the console has said nothing for `quiet_for` s (counted from the last power-on
    at the earliest) and the VM is stuck: its last line is the firmware's (stuck before GRUB),
    or GRUB's "Booting" with no test shell answering since (the kernel, quiet at loglevel 3,
    hung before userspace: seen once under TCG, 11 minutes after "Booting `OneVisit slot B'").
    A system that is up keeps its console quiet too, but its shell answers."""
    try:
        idle = min(time.time() - os.path.getmtime(vm.console), time.monotonic() - vm.started)
        with open(vm.console, "rb") as f:
            f.seek(max(0, os.path.getsize(vm.console) - 400))
            tail = f.read()
    except OSError:
        return False
    if idle <= quiet_for:
        return False
    if b"Booting" not in tail.rsplit(b"Restarting system", 1)[-1]:
        return True
    if vm.shell:
        vm.shell.close()
        vm.shell = None
    try:
        return not vm.connect_shell(15)
    except OSError:
        return True


def power_cycle_if_hung(vm):
    """OVMF under TCG now and then stops at its logo after a reboot (no boot manager, no GRUB:
    before anything of the image runs), and once the kernel stopped right after GRUB. A
    cabinet's owner would switch it off and on; so does the test, and says so. Off and on, not
    QEMU's `system_reset`: once, a reset VM hung again nine times over. True when it did."""
    if not firmware_hung(vm):
        return False
    tail = console_tail(vm)
    print(f"image-test: note: the VM hung while booting under emulation (console ends {tail!r}); "
          "switching it off and on", flush=True)
    vm.power_off()
    vm.start()
    return True


def console_tail(vm, size=80):
    """The console's last printable characters, for the log when the VM has to be power-cycled."""
    try:
        with open(vm.console, "rb") as f:
            f.seek(max(0, os.path.getsize(vm.console) - 400))
            text = f.read().decode(errors="replace")
    except OSError:
        return ""
    text = re.sub(r"\x1b\[[0-9;=?]*[A-Za-z]", "", text)
    return "".join(c if c.isprintable() else " " for c in text).strip()[-size:]


def boot_shell(vm):
    vm.start()
    return vm.connect_shell(300)


def report(work, vm):
    passed = sum(1 for _, ok, _ in results if ok)
    failed = len(results) - passed
    met = sum(1 for _, ok, _ in targets if ok)
    print(f"image-test: {passed} passed, {failed} failed (targets met: {met} of {len(targets)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
