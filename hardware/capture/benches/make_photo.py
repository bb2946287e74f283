#!/usr/bin/python3
"""The photographed page of the capture benchmark: a 4000 x 3000 colour JPEG (quality 92,
libjpeg-turbo through OpenCV, 4:2:0 as cameras write) of an A4 page of text lying turned by
6 degrees with a 4 % keystone on a dark textured desk, under uneven light, with sensor noise.
Deterministic (fixed seed). The page's corners match the Rust fixture
`placed(2000, 1500, 1900, 2690, 6.0, 0.04)`.

Usage: /usr/bin/python3 make_photo.py OUT.jpg   (Debian's python3-opencv; benchmark only)
Prints the true corners (TL, TR, BR, BL) as one line of JSON.
"""

import json
import math
import sys

try:
    import cv2
    import numpy as np
except ImportError as e:
    print(f"make_photo: {e}: install python3-opencv (benchmark only)", file=sys.stderr)
    sys.exit(2)

if len(sys.argv) != 2:
    print("usage: make_photo.py OUT.jpg", file=sys.stderr)
    sys.exit(2)

rng = np.random.default_rng(12)
FW, FH = 4000, 3000
PW, PH = 1900, 2690

# The page: white paper with lines of black "words", paragraphs every seven lines.
page = np.full((PH, PW), 236, np.float32)
pxmm = PW / 210.0
margin = int(20 * pxmm)
y, line = margin, 0
while y + 40 < PH - int(30 * pxmm):
    x = margin
    end = PW - margin if line % 7 != 6 else PW // 2
    while x < end:
        wl = min(int(rng.integers(40, 190)), end - x)
        page[y:y + 36, x:x + wl] = 25
        for gx in range(0, wl, int(rng.integers(14, 22))):
            page[y:y + 36, x + gx:x + gx + 4] = 236
        x += wl + int(rng.integers(18, 30))
    y += 72 if line % 7 != 6 else 130
    line += 1
page += rng.normal(0, 3, page.shape)

cx, cy, w, h, deg, ks = 2000, 1500, PW, PH, 6.0, 0.04
s, c = math.sin(math.radians(deg)), math.cos(math.radians(deg))
k = ks * w / 2
pts = [(-w / 2 + k, -h / 2), (w / 2 - k, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
quad = np.float32([[cx + x * c - y * s, cy + x * s + y * c] for x, y in pts])
src = np.float32([[0, 0], [PW, 0], [PW, PH], [0, PH]])
M = cv2.getPerspectiveTransform(src, quad)
warped = cv2.warpPerspective(page, M, (FW, FH), flags=cv2.INTER_LINEAR)
mask = cv2.warpPerspective(np.ones((PH, PW), np.float32), M, (FW, FH), flags=cv2.INTER_LINEAR)

# The desk: dark grey with grain and noise; then light falling off across the frame.
grain = cv2.resize(rng.normal(0, 1, (300, 40)).astype(np.float32), (FW, FH),
                   interpolation=cv2.INTER_CUBIC)
table = 50 + 6 * grain + rng.normal(0, 5, (FH, FW)).astype(np.float32)
img = table * (1 - mask) + warped * mask
yy, xx = np.mgrid[0:FH, 0:FW].astype(np.float32)
light = 0.78 + 0.25 * (xx / FW) * 0.6 + 0.25 * (1 - yy / FH) * 0.4
light *= 1.05 - 0.25 * ((xx - 2600) ** 2 + (yy - 1000) ** 2) / (2500.0 ** 2)
img = cv2.GaussianBlur(img * light, (3, 3), 0.8)
img += rng.normal(0, 2.5, img.shape).astype(np.float32)
gray = np.clip(img, 0, 255)
# A warm tint, as under a lamp: a real colour photograph, not grey in a colour file.
bgr = np.stack([gray * 0.94, gray * 0.98, gray * 1.0], axis=2)
bgr = np.clip(bgr + rng.normal(0, 1.5, bgr.shape), 0, 255).astype(np.uint8)
ok, jpg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 92])
if not ok:
    print("make_photo: OpenCV could not encode the JPEG", file=sys.stderr)
    sys.exit(2)
with open(sys.argv[1], "wb") as f:
    f.write(jpg.tobytes())
print(json.dumps({"corners": quad.round(1).tolist(), "bytes": len(jpg)}))
