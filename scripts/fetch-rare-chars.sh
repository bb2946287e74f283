#!/bin/sh
# Regenerates crates/ime/data/rare-chars.txt: the characters of the Table of General Standard
# Chinese Characters (通用规范汉字表, 2013: 8,105 characters, the set a mainland name or place
# may use) that GB 2312 lacks — 堃, 喆, 玥 and 1,464 more — with their readings, from Unicode's
# Unihan database (fields kTGH and kTGHZ2013) as Debian's `unicode-data` package ships it.
# The bundled font draws them (scripts/make-fonts.py), handwriting offers them and the pinyin
# dictionary spells them.
set -eu
out="$(dirname "$0")/../crates/ime/data/rare-chars.txt"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download unicode-data >/dev/null 2>&1 && dpkg -x unicode-data_*.deb x)
python3 - "$tmp/x/usr/share/unicode" "$out" <<'PY'
import bz2, sys, unicodedata
src, out = sys.argv[1], sys.argv[2]
def fields(name, wanted):
    got = {}
    with bz2.open(f"{src}/{name}.txt.bz2", "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("U+"):
                cp, key, value = line.rstrip("\n").split("\t")
                if key in wanted:
                    got.setdefault(chr(int(cp[2:], 16)), {})[key] = value
    return got
tgh = fields("Unihan_OtherMappings", {"kTGH"})
readings = fields("Unihan_Readings", {"kTGHZ2013", "kMandarin"})
def plain(syllable):
    # Toneless, with ü as v, as librime's pinyin spells it.
    s = unicodedata.normalize("NFD", syllable).replace("u\u0308", "v")
    return "".join(c for c in s if not unicodedata.combining(c))
rows = []
for ch, f in tgh.items():
    try:
        ch.encode("gb2312")
        continue
    except UnicodeEncodeError:
        pass
    number = int(f["kTGH"].split(":")[1])
    r = readings.get(ch, {})
    raw = [v.split(":")[1] for v in r.get("kTGHZ2013", "").split()] or r.get("kMandarin", "").split()
    spelled = []
    for s in raw:
        p = plain(s)
        if p and p not in spelled:
            spelled.append(p)
    rows.append((number, ch, spelled))
rows.sort()
with open(out, "w", encoding="utf-8") as fh:
    fh.write("# Characters of the Table of General Standard Chinese Characters (2013) outside GB 2312: number in the table, character, readings.\n")
    fh.write("# From Unicode's Unihan database (kTGH, kTGHZ2013) in Debian's unicode-data; regenerate with scripts/fetch-rare-chars.sh.\n")
    for number, ch, spelled in rows:
        fh.write(f"{number}\t{ch}\t{' '.join(spelled)}\n")
print(len(rows), "characters written to", out)
PY
