#!/usr/bin/env python3
"""Makes the kiosk's bundled fonts: Noto Sans CJK SC (regular and bold) cut down to the
characters of GB 2312 and of the Table of General Standard Chinese Characters (the 8,105 a
mainland name or place may use: crates/ime/data/rare-chars.txt lists those GB 2312 lacks, such
as 堃, 喆, 玥), plus ASCII and CJK punctuation, renamed "OneVisit Sans SC" as the SIL Open Font
License asks of modified fonts. Characters outside the subset fall back to the system's CJK
font at run time where one is installed.

Usage: pip install fonttools; scripts/make-fonts.py  (reads fonts-noto-cjk's TTC files)
"""
import subprocess, sys
from fontTools.ttLib import TTFont

SRC = "/usr/share/fonts/opentype/noto/NotoSansCJK-{}.ttc"
SC_INDEX = 2  # Simplified Chinese face in the collection

def codepoints():
    chars = set()
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([b1, b2]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    with open("crates/ime/data/rare-chars.txt", encoding="utf-8") as fh:
        chars |= {ord(l.split("\t")[1]) for l in fh if not l.startswith("#")}
    chars |= set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    chars |= {0x00B7, 0x2014, 0x2022, 0x2026, 0x2192, 0x2713, 0x258F, 0x25A2, 0x21C4, 0x232B}
    return sorted(chars)

def main():
    cps = ",".join("U+%04X" % c for c in codepoints())
    for weight in ("Regular", "Bold"):
        out = f"fonts/OneVisitSansSC-{weight}.otf"
        subprocess.run([sys.executable, "-m", "fontTools.subset", SRC.format(weight),
                        f"--font-number={SC_INDEX}", f"--unicodes={cps}", "--layout-features=*",
                        f"--output-file={out}"], check=True)
        f = TTFont(out)
        for rec in f["name"].names:
            s = rec.toUnicode()
            s = s.replace("Noto Sans CJK SC", "OneVisit Sans SC").replace("NotoSansCJKsc", "OneVisitSansSC")
            rec.string = s
        f.save(out)
        print(out)

if __name__ == "__main__":
    main()
