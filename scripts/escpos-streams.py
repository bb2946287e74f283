#!/usr/bin/env python3
"""Writes hardware/printer/tests/streams/: the ESC/POS byte streams that python-escpos, a widely
used client library (PyPI: python-escpos), sends to a receipt printer, one page per file, so the
printer interpreter can be tested against another program's output rather than only our own
encoder's. Also writes manifest.json (what each file holds and what a decoder should read from
it), image.png (the picture the image streams print) and README.md.

Each stream is `p.hw("INIT")`, the case's calls, then `p.cut()`, recorded with the library's
`escpos.printer.Dummy` and its "TM-T88V" profile (both GS k function forms, all three image
commands, 512-dot paper so `center=True` works). Dummy has no reply channel; the subclass below
only makes its reads return nothing, so status queries can be recorded.

Run from the repository root, with the library in a venv outside the repository:

    /usr/bin/python3 -m venv /tmp/escpos-venv
    /tmp/escpos-venv/bin/pip install python-escpos    # the files were made with 3.1
    /tmp/escpos-venv/bin/python scripts/escpos-streams.py

The outputs are committed; this script is not needed to build or test the project, only to
regenerate them (a newer library version may change bytes: review the diff).
"""

import contextlib
import datetime
import io
import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw

import escpos
from escpos.constants import QR_ECLEVEL_H, QR_ECLEVEL_M, RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.printer import Dummy

PROFILE = "TM-T88V"
OUT = Path(__file__).resolve().parent.parent / "hardware" / "printer" / "tests" / "streams"
QR_TEXT = "https://zw.example.gov.cn/track?c=QX7K-2M4P"


class Recorder(Dummy):
    """Dummy, with reads that return nothing (Dummy's raise NotImplementedError)."""

    def _read(self) -> bytes:
        return b""


def gs1_check(body: str) -> str:
    """The GS1 mod-10 check digit of a digit string (EAN, UPC, GTIN, ITF-14)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def make_image() -> Image.Image:
    """200 x 120, pure black and white (so the library's dithering changes nothing): a 3-dot
    frame, a filled circle, and an 8-dot checkerboard in the top-right corner."""
    im = Image.new("1", (200, 120), 1)
    d = ImageDraw.Draw(im)
    d.rectangle([0, 0, 199, 119], outline=0, width=3)
    d.ellipse([30, 25, 100, 95], fill=0)
    for y in range(8, 56, 8):
        for x in range(136, 192, 8):
            if (x // 8 + y // 8) % 2 == 0:
                d.rectangle([x, y, x + 7, y + 7], fill=0)
    return im


# ---------------------------------------------------------------------------------------------
# A reader of the commands the library emits, for the manifest's `commands` and `esc_t` fields.
# It knows exactly the commands this library sends and stops on anything else.


def _le16(b: bytes, i: int) -> int:
    return b[i] | b[i + 1] << 8


def commands(stream: bytes):
    """Yields (prefix, bytes) per command; prefix is the command's hex name ("1B 40",
    "1D 6B 43", "1D 28 6B 31 50", "TEXT", "0A", ...)."""
    i, n = 0, len(stream)
    while i < n:
        c = stream[i]
        if c == 0x1B:
            k = stream[i + 1]
            if k in b"@2":
                ln = 2
            elif k in b"!EM-{at3dAJ+=VK?":
                ln = 3
            elif k in b"Bc":
                ln = 4
            elif k == ord("p"):
                ln = 5
            elif k == ord("D"):
                ln = stream.index(0, i + 2) - i + 1
            elif k == ord("*"):
                m = stream[i + 2]
                ln = 5 + _le16(stream, i + 3) * (3 if m in (32, 33) else 1)
            else:
                raise ValueError(f"ESC {k:#04x} at {i}")
            name = f"1B {k:02X}"
        elif c == 0x1D:
            k = stream[i + 1]
            name = f"1D {k:02X}"
            if k in b"!Bb|hwHf":
                ln = 3
            elif k == ord("V"):
                ln = 4 if stream[i + 2] >= 65 else 3
                name += f" {stream[i + 2]:02X}"
            elif k == ord("v"):
                ln = 8 + _le16(stream, i + 4) * _le16(stream, i + 6)
                name += f" {stream[i + 2]:02X}"
            elif k == ord("("):
                ln = 5 + _le16(stream, i + 3)
                name += f" {stream[i + 2]:02X} {stream[i + 5]:02X} {stream[i + 6]:02X}"
            elif k == ord("k"):
                m = stream[i + 2]
                ln = stream.index(0, i + 3) - i + 1 if m <= 6 else 4 + stream[i + 3]
                name += f" {m:02X}"
            else:
                raise ValueError(f"GS {k:#04x} at {i}")
        elif c == 0x10:
            k = stream[i + 1]
            ln = {0x04: 3, 0x14: 5}[k]
            name = f"10 {k:02X}"
        elif c == 0x1C:
            # The library sends FS alone (use_slip_only): a printer reads it with what follows.
            ln, name = 1, "1C"
        elif c < 0x20:
            ln, name = 1, f"{c:02X}"
        else:
            ln = 1
            while i + ln < n and stream[i + ln] >= 0x20:
                ln += 1
            name = "TEXT"
        if i + ln > n:
            raise ValueError(f"{name} at {i} runs past the end")
        yield name, stream[i : i + ln]
        i += ln


# ---------------------------------------------------------------------------------------------
# The cases: (file, kind, symbology, data, expect, zbarimg, statements). Statements are Python
# source run with `p` (the printer) and `img` in scope; the manifest records them as run.

CASES = []


def case(file, kind, symbology, data, expect, statements, zbarimg=None):
    CASES.append((file, kind, symbology, data, expect, zbarimg, statements))


def barcode(file, sym, data, expect, zbar, **kw):
    """zbar: the line zbarimg (0.23.92, default settings) prints for the symbol, or None."""
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    call = f"p.barcode({data!r}, {sym!r}, {args})"
    case(file, "barcode", sym, data, expect, [call], zbar)


UPCA = "03600029145"
UPCA_FULL = UPCA + gs1_check(UPCA)
EAN13 = "692012345678"
EAN13_FULL = EAN13 + gs1_check(EAN13)
EAN8 = "9638507"
EAN8_FULL = EAN8 + gs1_check(EAN8)
ITF14 = "0001234560001" + gs1_check("0001234560001")
GTIN13 = "0950110153000"  # a GTIN-14 without its check digit, as GS1 DataBar takes it
GTIN14 = GTIN13 + gs1_check(GTIN13)

# GS k, function A (m 0-6, data ended by NUL) and B (m 65-73, length first). zbarimg reports
# UPC-A and UPC-E as EAN-13 (a leading 0; UPC-E expanded) unless told to enable them.
barcode("barcode_upca_a.bin", "UPC-A", UPCA, UPCA_FULL, f"EAN-13:0{UPCA_FULL}",
        height=80, width=3, pos="BELOW", font="A", function_type="A")
barcode("barcode_upca_b.bin", "UPC-A", UPCA_FULL, UPCA_FULL, f"EAN-13:0{UPCA_FULL}",
        height=80, width=3, pos="ABOVE", font="A", function_type="B")
barcode("barcode_upce_a.bin", "UPC-E", "01234565", "01234565", "EAN-13:0012345000065",
        height=64, width=3, pos="BELOW", font="A", function_type="A")
# The same symbol from its UPC-A form (01234500006 zero-suppresses to 0 123456).
barcode("barcode_upce_b.bin", "UPC-E", "01234500006", "01234565", "EAN-13:0012345000065",
        height=64, width=3, pos="BELOW", font="A", function_type="B")
barcode("barcode_ean13_a.bin", "EAN13", EAN13, EAN13_FULL, f"EAN-13:{EAN13_FULL}",
        height=100, width=3, pos="BELOW", font="A", function_type="A")
barcode("barcode_ean13_b.bin", "EAN13", "4006381333931", "4006381333931",
        "EAN-13:4006381333931",
        height=100, width=2, pos="BOTH", font="A", function_type="B")
barcode("barcode_ean8_a.bin", "EAN8", EAN8, EAN8_FULL, f"EAN-8:{EAN8_FULL}",
        height=72, width=3, pos="BELOW", font="A", function_type="A")
barcode("barcode_ean8_b.bin", "EAN8", EAN8_FULL, EAN8_FULL, f"EAN-8:{EAN8_FULL}",
        height=72, width=3, pos="BELOW", font="B", function_type="B")
barcode("barcode_code39_a.bin", "CODE39", "QX7K-2M4P", "QX7K-2M4P", "CODE-39:QX7K-2M4P",
        height=80, width=2, pos="BELOW", font="A", function_type="A")
barcode("barcode_code39_b.bin", "CODE39", "*ONEVISIT 42*", "ONEVISIT 42",
        "CODE-39:ONEVISIT 42",
        height=80, width=2, pos="OFF", font="A", function_type="B")
barcode("barcode_itf_a.bin", "ITF", "1234567890", "1234567890", "I2/5:1234567890",
        height=80, width=3, pos="BELOW", font="A", function_type="A")
barcode("barcode_itf_b.bin", "ITF", ITF14, ITF14, f"I2/5:{ITF14}",
        height=80, width=2, pos="BELOW", font="A", function_type="B")
barcode("barcode_nw7_a.bin", "NW7", "A40156B", "A40156B", "Codabar:A40156B",
        height=80, width=2, pos="BELOW", font="A", function_type="A")
barcode("barcode_codabar_b.bin", "CODABAR", "C1234-5678D", "C1234-5678D",
        "Codabar:C1234-5678D",
        height=80, width=2, pos="BELOW", font="A", function_type="B")
barcode("barcode_code93_b.bin", "CODE93", "QX7K-2M4P", "QX7K-2M4P", "CODE-93:QX7K-2M4P",
        height=80, width=3, pos="BELOW", font="A", function_type="B")
barcode("barcode_code128_b.bin", "CODE128", "{BQX7K-2M4P", "QX7K-2M4P", "CODE-128:QX7K-2M4P",
        height=80, width=3, pos="BELOW", font="A", function_type="B")
# Code set C takes each digit pair as one byte 0-99 (Epson's rule): 20 25 04 30.
barcode("barcode_code128c_b.bin", "CODE128", "{C\x14\x19\x04\x1e", "20250430",
        "CODE-128:20250430",
        height=80, width=3, pos="BELOW", font="A", function_type="B")
# m 74 and 75, which the library also offers. Its GS1-128 check demands a {A/{B/{C prefix, which
# Epson's GS1-128 rejects; Epson's form, with the AIs in parentheses, needs check=False.
barcode("barcode_gs1_128_b.bin", "GS1-128", f"(01){GTIN14}(17)261231(10)AB12",
        f"01{GTIN14}1726123110AB12", f"CODE-128:01{GTIN14}1726123110AB12",
        height=80, width=2, pos="BELOW", font="A", function_type="B", check=False)
barcode("barcode_gs1_databar_b.bin", "GS1 DataBar Omnidirectional", GTIN13,
        f"01{GTIN14}", None, height=64, width=2, pos="BELOW", font="A", function_type="B")
# The library's own renderer (python-barcode) sent as a GS v 0 image.
case("barcode_software_ean13.bin", "barcode", "EAN13", EAN13, EAN13_FULL,
     [f"p.barcode({EAN13!r}, 'EAN13', height=80, width=2, force_software='bitImageRaster')"],
     f"EAN-13:{EAN13_FULL}")

# QR codes: native (GS ( k, printer draws it) and as an image (drawn by the qrcode package).
case("qr_native.bin", "qr", "QR (GS ( k, model 2)", QR_TEXT, QR_TEXT,
     [f"p.qr({QR_TEXT!r}, native=True)"], f"QR-Code:{QR_TEXT}")
case("qr_native_m6.bin", "qr", "QR (GS ( k, model 2)", QR_TEXT, QR_TEXT,
     [f"p.qr({QR_TEXT!r}, ec=QR_ECLEVEL_M, size=6, native=True)"], f"QR-Code:{QR_TEXT}")
case("qr_image.bin", "qr", "QR (image, GS v 0)", QR_TEXT, QR_TEXT,
     [f"p.qr({QR_TEXT!r}, native=False)"], f"QR-Code:{QR_TEXT}")
case("qr_image_center_h.bin", "qr", "QR (image, GS ( L)", QR_TEXT, QR_TEXT,
     [f"p.qr({QR_TEXT!r}, ec=QR_ECLEVEL_H, size=4, native=False, "
      "image_arguments={'impl': 'graphics', 'center': True})"], f"QR-Code:{QR_TEXT}")

# Images: image.png (200 x 120) in each implementation.
IMG_EXPECT = "image.png, 200 x 120 dots, 1:1"
case("image_raster.bin", "image", "GS v 0 (bitImageRaster)", "image.png", IMG_EXPECT,
     ["p.image(img, impl='bitImageRaster')"])
case("image_graphics.bin", "image", "GS ( L (graphics)", "image.png", IMG_EXPECT,
     ["p.image(img, impl='graphics')"])
case("image_column.bin", "image", "ESC * (bitImageColumn)", "image.png",
     IMG_EXPECT + ", in five 24-dot bands",
     ["p.image(img, impl='bitImageColumn')"])
case("image_raster_center.bin", "image", "GS v 0 (bitImageRaster)", "image.png",
     "image.png centred by the library: sent as 512 x 120 with 156 blank dots on the left",
     ["p.image(img, impl='bitImageRaster', center=True)"])
case("image_raster_low.bin", "image", "GS v 0 (bitImageRaster)", "image.png",
     "image.png at double width and double height (GS v 0 m=3): 400 x 240 dots",
     ["p.image(img, impl='bitImageRaster', high_density_vertical=False, "
      "high_density_horizontal=False)"])
case("image_graphics_low.bin", "image", "GS ( L (graphics)", "image.png",
     "image.png at double width and double height (GS ( L 0x70 bx=2 by=2): 400 x 240 dots",
     ["p.image(img, impl='graphics', high_density_vertical=False, "
      "high_density_horizontal=False)"])
case("image_column_low.bin", "image", "ESC * (bitImageColumn)", "image.png",
     "image.png in 8-dot bands (ESC * m=0): 400 x 360 dots, each dot 2 wide and 3 high",
     ["p.image(img, impl='bitImageColumn', high_density_vertical=False, "
      "high_density_horizontal=False)"])

# Text.
case("text_styles.bin", "text", None, None,
     "one ASCII line per style, each line naming its style, styles turned off after each",
     [
         r"p.text('Plain line\n')",
         r"p.set(bold=True); p.text('Bold\n'); p.set(bold=False)",
         r"p.set(underline=1); p.text('Underline 1\n'); p.set(underline=2); p.text('Underline 2\n')",
         r"p.set(underline=0)",
         r"p.set(double_height=True); p.text('Double height\n')",
         r"p.set(double_width=True); p.text('Double width\n')",
         r"p.set(double_width=True, double_height=True); p.text('Double both\n')",
         r"p.set(normal_textsize=True)",
         r"p.set(font='b'); p.text('Font B: 56 columns on 80 mm\n'); p.set(font='a')",
         r"p.set(invert=True); p.text(' Reverse (GS B) \n'); p.set(invert=False)",
         r"p.set(flip=True); p.text('Upside down\n'); p.set(flip=False)",
         r"p.set(align='center'); p.text('Centred\n')",
         r"p.set(align='right'); p.text('Right\n')",
         r"p.set(align='left'); p.text('Left again\n')",
     ])
case("text_custom_size.bin", "text", None, None,
     "GS ! sizes: 1x1 to 8x8 on the diagonal, then 2x1, 1x2 and 3x5 (width x height)",
     [f"p.set(custom_size=True, width={w}, height={h}); p.text('{w}x{h}\\n')"
      for w, h in [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (8, 8),
                   (2, 1), (1, 2), (3, 5)]]
     + ["p.set(normal_textsize=True); p.text('normal\\n')"])
case("text_smooth_density.bin", "text", None, None,
     "'Smooth' at 4x4 with smoothing on (GS b 1) and density 2 (GS | 2), then 'Defaults again' "
     "after set_with_default()",
     [r"p.set(custom_size=True, width=4, height=4, smooth=True, density=2)",
      r"p.text('Smooth\n')",
      r"p.set_with_default()", r"p.text('Defaults again\n')"])
case("text_codepage_auto.bin", "text", None, "Café Ünïcödé £ ± °\nПривет",
     "Café Ünïcödé £ ± ° (PC437, ESC t 0) then Привет (PC866, ESC t 17): the library picks "
     "the table by itself",
     [r"p.text('Café Ünïcödé £ ± °\n')", r"p.text('Привет\n')"])
case("text_codepage_forced.bin", "text", None, "Café Ünïcödé £ ± °\nПривет",
     "the same two lines in tables chosen with p.charcode(): PC437, WPC1252 (ESC t 16), "
     "PC866; a character a forced table lacks prints as '?'",
     [r"p.charcode('CP437'); p.text('Café Ünïcödé £ ± °\n')",
      r"p.charcode('CP1252'); p.text('Café Ünïcödé £ ± °\n')",
      r"p.charcode('CP866'); p.text('Привет\n'); p.text('Café\n')",
      r"p.charcode('AUTO')"])
case("text_gb18030.bin", "text", None, "请到 3 号窗口 A023",
     "GB18030 bytes of the line, sent without FS & (the library sends any text with a CJK "
     "ideograph as raw GB18030)",
     [r"p.text('请到 3 号窗口 A023\n')"])

# Status, drawer, buzzer and the other calls.
case("status_query.bin", "status", None, None,
     "DLE EOT 1 (printer status) and DLE EOT 4 (paper sensor), twice each: query_status(), "
     "then is_online() and paper_status() which send the same",
     ["p.query_status(RT_STATUS_ONLINE)", "p.query_status(RT_STATUS_PAPER)",
      "p.is_online()", "p.paper_status()"])
case("cashdraw.bin", "status", None, None,
     "drawer pulses: pin 2 then pin 5 (100 ms on, 100 ms off), then pin 2 by decimal sequence "
     "(50 ms on, 510 ms off)",
     ["p.cashdraw(2)", "p.cashdraw(5)", "p.cashdraw([27, 112, 0, 25, 255])"])
case("buzzer.bin", "status", None, None, "ESC B 3 2: buzzer, 3 beeps of duration 2",
     ["p.buzzer(3, 2)"])
case("misc.bin", "status", None, None,
     "line spacing in all three units, control characters (CR, LF, VT, FF), tab stops (ESC D "
     "10 20 30: count=4 gives three), feeds, block_text(), panel buttons, set_with_default()",
     [r"p.line_spacing(60); p.text('Spacing 60/180 in\n')",
      r"p.line_spacing(60, divisor=360); p.text('Spacing 60/360 in\n')",
      r"p.line_spacing(20, divisor=60); p.text('Spacing 20/60 in\n')",
      r"p.line_spacing(); p.text('Default spacing\n')",
      r"p.control('HT', count=4, tab_size=10); p.text('a\tb\tc\n')",
      r"p.text('CR then LF'); p.control('CR'); p.control('LF')",
      r"p.control('VT'); p.control('FF')",
      r"p.print_and_feed(2); p.ln(2); p.textln('textln')",
      r"p.block_text('A long line that the library wraps itself at the profile column count of forty-two.'); p.ln()",
      r"p.panel_buttons(False); p.panel_buttons(True)",
      r"p.set(bold=True, underline=1, align='center'); p.set_with_default(); p.textln('set_with_default')"])
case("cuts.bin", "status", None, None,
     "three pages, not one: a partial cut (ESC d 6, GS V 1), a cut without feed (GS V 66 0), "
     "then the usual final cut",
     [r"p.textln('page 1: partial cut')", r"p.cut(mode='PART')",
      r"p.textln('page 2: cut without feed')", r"p.cut(feed=False)",
      r"p.textln('page 3')"])
case("misc_rare.bin", "status", None, None,
     "hw('SELECT') ESC = 1, hw('RESET') ESC ? LF NUL, target('ROLL') ESC c 0 1, and a line "
     "display round trip (ESC = 2, ESC @, text, ESC = 1): a printer should not print 'DISPLAY'",
     [r"p.hw('SELECT'); p.hw('RESET'); p.target('ROLL')", r"p.textln('printer')",
      r"p.linedisplay('DISPLAY')", r"p.textln('printer again')"])
case("slip.bin", "status", None, None,
     "slip-station calls: target('SLIP') ESC c 0 4, eject_slip() ESC K 0xC0, "
     "print_and_eject_slip() FF, target('ROLL') ESC c 0 1, then use_slip_only(): a bare FS "
     "(0x1C) that a printer reads together with the next byte, here the ESC of the final ESC d 6",
     ["p.target('SLIP')", "p.eject_slip()", "p.print_and_eject_slip()",
      "p.target('ROLL')", "p.use_slip_only()"])


def run(statements, img):
    p = Recorder(profile=PROFILE)
    ns = {"p": p, "img": img, "QR_ECLEVEL_H": QR_ECLEVEL_H, "QR_ECLEVEL_M": QR_ECLEVEL_M,
          "RT_STATUS_ONLINE": RT_STATUS_ONLINE, "RT_STATUS_PAPER": RT_STATUS_PAPER}
    p.hw("INIT")
    with contextlib.redirect_stdout(io.StringIO()):  # "Using hardware barcode renderer"
        for s in statements:
            exec(s, ns)
    p.cut()
    return p.output


README = """# ESC/POS streams from python-escpos

What [python-escpos](https://pypi.org/project/python-escpos/) {version}, a widely used Python client
for receipt printers, sends to a printer: recorded on {date} with its `escpos.printer.Dummy` and the
`{profile}` printer profile (both `GS k` function forms, all three image commands, 512-dot paper so
`center=True` has an effect; the `default` profile has no paper width). Test input for the
interpreter in `src/interp`: another program's bytes, not our encoder's.

Each `.bin` is `p.hw("INIT")` (`ESC @`), the case's calls, then `p.cut()` (`ESC d 6`, `GS V 0`), so
each prints one page; `cuts.bin` prints three.

- `manifest.json`: per file `kind`, `symbology`, `data`, `expect` (what a decoder reads, check
  digits included, or what should print), `zbarimg` (the line zbarimg 0.23.92 prints with default
  settings, checked on reference renderings of the same data and, for the image streams, on the
  streams' own dots), `library_call` (the calls as run, between the init and the cut), `bytes`,
  `pages`, `commands` (the distinct command prefixes in the file, hex) and `esc_t` (the `ESC t`
  tables selected, in order).
- `image.png`: the 200 x 120 picture the `image_*` streams print; they hold it dot for dot.

Regenerate (the files are committed; nothing here is needed to build or test):

    /usr/bin/python3 -m venv /tmp/escpos-venv && /tmp/escpos-venv/bin/pip install python-escpos
    /tmp/escpos-venv/bin/python scripts/escpos-streams.py

## What the library sends that a reader might not expect

- Every hardware barcode is preceded by `ESC a 1` (centred) and the alignment is left so.
- The first text of a stream is preceded by `ESC t n`: the library does not know the printer's
  table. Text with a CJK ideograph (U+4E00-U+9FA5) goes out whole as GB18030, without `FS &`.
- `set(double_height=...)` and the like send `ESC ! 0` twice before `ESC ! n`; `custom_size` sends
  `GS ! n`, and `normal_textsize` undoes it with `ESC ! 0` only.
- `ESC *` images are sent with `ESC 3 16` first (less than a 24-dot band) and `ESC 2` after,
  each band ended by LF. A QR code as an image has a LF before it and two after.
- `set(density=n)` sends `GS | n`; `line_spacing(n, divisor=360)` and `divisor=60` send `ESC + n`
  and `ESC A n`; `buzzer()` sends `ESC B n t`; `hw("RESET")` sends `ESC ? LF NUL`;
  `linedisplay()` sends `ESC = 2`, `ESC @`, the text, `ESC = 1`; `use_slip_only()` sends a lone
  `FS`, which a printer reads together with the next byte.
- `control("HT", count=n)` sets n-1 tab stops (`ESC D`) and sends no HT.
- Not produced: CODE93 and CODE128 with `function_type="A"` (the library raises KeyError after
  sending the `ESC a`/`GS h`/`GS w`/`GS f`/`GS H` setup); UPC-E from 6 digits (the library takes
  7, 8, 11 or 12); native QR with `center=True` (NotImplementedError). Its GS1-128 check wants
  a `{{A`/`{{B`/`{{C` prefix, which Epson's GS1-128 does not take, so that case uses `check=False`.

## Files

| File | Kind | Bytes | Content |
|---|---|---:|---|
{rows}
"""


def summary(entry, cmds):
    """One line for the README's table."""
    kind, expect = entry["kind"], entry["expect"]
    images = [b for name, b in cmds if name in ("1D 76 30", "1D 28 4C 30 70")]
    if images:
        b = images[0]
        if b[1] == 0x76:
            size, how = f"{_le16(b, 4) * 8} x {_le16(b, 6)}", "GS v 0"
        else:
            size, how = f"{_le16(b, 11)} x {_le16(b, 13)}", "GS ( L"
        if kind != "image":
            sym = "EAN-13 drawn by the library (python-barcode)" if kind == "barcode" else "QR"
            return f"{sym}, sent as a {size} {how} image: reads {expect}"
    elif kind == "qr":
        fn = {b[6]: b[7] for name, b in cmds if name.startswith("1D 28 6B")}
        return (f"QR model 2, native (GS ( k), module {fn[0x43]} dots, error correction "
                f"{'LMQH'[fn[0x45] - 48]}: reads {expect}")
    elif kind == "barcode":
        gs_k = next(b for name, b in cmds if name.startswith("1D 6B"))
        hri = {0: "no HRI", 1: "HRI above", 2: "HRI below", 3: "HRI above and below"}
        setting = {name: b[2] for name, b in cmds if len(b) == 3}
        form = "A" if gs_k[2] <= 6 else "B"
        return (f"{entry['symbology']}, `GS k {gs_k[2]}` (form {form}), "
                f"{hri[setting['1D 48']]}, width {setting['1D 77']}, height "
                f"{setting['1D 68']}, HRI font {'AB'[setting['1D 66']]}: reads {expect}")
    return expect.replace("|", "\\|")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    img = make_image()
    img.save(OUT / "image.png")
    manifest, rows = [], []
    for file, kind, symbology, data, expect, zbar, statements in CASES:
        stream = run(statements, img)
        (OUT / file).write_bytes(stream)
        cmds = list(commands(stream))
        entry = {
            "file": file,
            "kind": kind,
            "symbology": symbology,
            "data": data,
            "expect": expect,
            "library_call": "; ".join(statements),
            "bytes": len(stream),
            "commands": sorted({name for name, _ in cmds if name != "TEXT"}),
        }
        if zbar:
            entry["zbarimg"] = zbar
        entry["pages"] = sum(1 for name, _ in cmds if name.startswith("1D 56"))
        esc_t = [b[2] for name, b in cmds if name == "1B 74"]
        if esc_t:
            entry["esc_t"] = esc_t
        manifest.append(entry)
        rows.append(f"| `{file}` | {kind} | {len(stream)} | {summary(entry, cmds)} |")
        print(f"{file:32} {len(stream):6} bytes")
    with open(OUT / "manifest.json", "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")
    rows.append("| `image.png` | image | | the picture the image streams print |")
    rows.append("| `manifest.json` | | | the cases, as above |")
    readme = README.format(version=escpos.__version__, date=datetime.date.today().isoformat(),
                           profile=PROFILE, rows="\n".join(rows))
    (OUT / "README.md").write_text(readme, encoding="utf-8")
    print(f"python-escpos {escpos.__version__}, profile {PROFILE}: {len(manifest)} streams",
          file=sys.stderr)


if __name__ == "__main__":
    main()
