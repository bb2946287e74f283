#!/usr/bin/python3
"""Reference side of the capture benchmark: a classic OpenCV document-scanner pipeline.

The Rust benchmark runs this script as a subprocess on the same photographed page as our
own capture pipeline and reads the one line of JSON it prints, so the two are compared on
the same input, on one core, with the JPEG's bytes already in memory.

OpenCV is installed only for this benchmark (Debian's `python3-opencv`, run with Debian's
/usr/bin/python3); it is not a dependency of the kiosk.

Usage:
    /usr/bin/python3 opencv_pipeline.py JPEG OUT_PNG ITERATIONS
    /usr/bin/python3 opencv_pipeline.py JPEG OUT_PNG serve
With `serve` it prints "ready" after the warm-up, then runs one iteration per line it reads
and prints {"ms": ..} for each; at the end of its input, the summary line below.

Per iteration, timed stage by stage with time.perf_counter():
    decode     cv2.imdecode(bytes, IMREAD_COLOR)      (a camera photo is colour)
    gray       cvtColor BGR -> GRAY
    find       resize to 500 px high, GaussianBlur 5x5, Canny(75, 200), findContours,
               largest contour whose approxPolyDP(0.02 * perimeter) has 4 corners, scaled
               back to full size and ordered TL, TR, BR, BL (else the largest contour's
               minAreaRect, and "found": false)
    warp       getPerspectiveTransform + warpPerspective (INTER_LINEAR) to A4 at 200 dpi,
               1654 x 2339 (2339 x 1654 if the page lies landscape)
    threshold  adaptiveThreshold(255, GAUSSIAN_C, THRESH_BINARY, 21, 10)
    png        cv2.imencode('.png') with default parameters

One untimed warm-up iteration first. Prints one line of JSON on stdout:
    {"opencv": "4.6.0", "threads": 1, "iterations": 20, "median_ms": .., "min_ms": ..,
     "stages_ms": {"decode": .., "gray": .., "find": .., "warp": .., "threshold": .., "png": ..},
     "peak_rss_mb": .., "baseline_rss_mb": .., "corners": [[x, y], ...], "found": true}
stages_ms are per-stage medians; median_ms / min_ms are over the whole iteration. The RSS
figures are ru_maxrss (MiB): the baseline right after importing cv2 and numpy, the peak
after all iterations. The last iteration's PNG is written to OUT_PNG.

Errors (bad arguments, missing or unreadable file, not a JPEG, output not writable): a
message on stderr and exit code 2.
"""

import json
import resource
import statistics
import sys
import time

PAGE_W, PAGE_H = 1654, 2339  # A4 at 200 dpi, portrait
FIND_HEIGHT = 500
USAGE = "usage: opencv_pipeline.py JPEG OUT_PNG ITERATIONS"


def fail(message):
    print(f"opencv_pipeline: {message}", file=sys.stderr)
    sys.exit(2)


def rss_mb():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


try:
    import cv2
    import numpy as np
except ImportError as e:
    fail(f"cannot import OpenCV/numpy ({e}); install Debian's python3-opencv and run with /usr/bin/python3")

BASELINE_RSS_MB = rss_mb()


def order_corners(pts):
    """Four points as top-left, top-right, bottom-right, bottom-left."""
    pts = np.asarray(pts, dtype=np.float32).reshape(4, 2)
    s = pts.sum(axis=1)
    d = pts[:, 1] - pts[:, 0]
    return np.array(
        [pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]],
        dtype=np.float32,
    )


def find_page(gray):
    """The page's corners in full-size coordinates, and whether a 4-corner contour was found."""
    h, w = gray.shape[:2]
    ratio = h / float(FIND_HEIGHT)
    small = cv2.resize(gray, (max(1, round(w / ratio)), FIND_HEIGHT), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    edges = cv2.Canny(small, 75, 200)
    contours = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)[-2]
    contours = sorted(contours, key=cv2.contourArea, reverse=True)
    for c in contours:
        approx = cv2.approxPolyDP(c, 0.02 * cv2.arcLength(c, True), True)
        if len(approx) == 4:
            return order_corners(approx.reshape(4, 2) * ratio), True
    if contours:
        box = cv2.boxPoints(cv2.minAreaRect(contours[0]))
        return order_corners(box * ratio), False
    return order_corners([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]]), False


def warp(gray, quad):
    tl, tr, br, bl = quad
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    out_w, out_h = (PAGE_H, PAGE_W) if width > height else (PAGE_W, PAGE_H)
    dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(quad, dst)
    return cv2.warpPerspective(gray, m, (out_w, out_h), flags=cv2.INTER_LINEAR)


def iteration(buf):
    """One pass over the JPEG's bytes: (stage times in ms, total ms, corners, found, PNG bytes)."""
    t0 = time.perf_counter()
    color = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if color is None:
        fail("the file is not a decodable JPEG")
    t1 = time.perf_counter()
    gray = cv2.cvtColor(color, cv2.COLOR_BGR2GRAY)
    t2 = time.perf_counter()
    quad, found = find_page(gray)
    t3 = time.perf_counter()
    warped = warp(gray, quad)
    t4 = time.perf_counter()
    binary = cv2.adaptiveThreshold(warped, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 21, 10)
    t5 = time.perf_counter()
    ok, png = cv2.imencode(".png", binary)
    if not ok:
        raise RuntimeError("cv2.imencode('.png') failed")
    t6 = time.perf_counter()
    stages = {
        "decode": t1 - t0,
        "gray": t2 - t1,
        "find": t3 - t2,
        "warp": t4 - t3,
        "threshold": t5 - t4,
        "png": t6 - t5,
    }
    return {k: v * 1000.0 for k, v in stages.items()}, (t6 - t0) * 1000.0, quad, found, png


def main(argv):
    if len(argv) != 4:
        fail(USAGE)
    jpeg_path, out_path = argv[1], argv[2]
    serve = argv[3] == "serve"
    try:
        iterations = 1 if serve else int(argv[3])
    except ValueError:
        iterations = 0
    if iterations < 1:
        fail(f"ITERATIONS must be a positive integer or 'serve', not {argv[3]!r}\n{USAGE}")

    cv2.setNumThreads(1)
    cv2.setUseOptimized(True)

    try:
        with open(jpeg_path, "rb") as f:
            data = f.read()
    except OSError as e:
        fail(f"cannot read {jpeg_path}: {e.strerror or e}")
    if not data.startswith(b"\xff\xd8\xff"):
        fail(f"{jpeg_path} is not a JPEG (no SOI marker)")
    buf = np.frombuffer(data, dtype=np.uint8)

    iteration(buf)  # warm-up, untimed

    stage_runs = []
    totals = []
    if serve:
        # One iteration per line read, its time printed at once: the caller alternates these
        # with its own, so both are measured at the same moment of a shared machine.
        print("ready", flush=True)
        for _ in sys.stdin:
            stages, total, quad, found, png = iteration(buf)
            stage_runs.append(stages)
            totals.append(total)
            print(json.dumps({"ms": round(total, 3)}), flush=True)
        if not totals:
            fail("serve: no iteration was asked for")
    else:
        for _ in range(iterations):
            stages, total, quad, found, png = iteration(buf)
            stage_runs.append(stages)
            totals.append(total)
    peak = rss_mb()

    try:
        with open(out_path, "wb") as f:
            f.write(png.tobytes())
    except OSError as e:
        fail(f"cannot write {out_path}: {e.strerror or e}")

    result = {
        "opencv": cv2.__version__,
        "threads": cv2.getNumThreads(),
        "iterations": len(totals),
        "median_ms": round(statistics.median(totals), 2),
        "min_ms": round(min(totals), 2),
        "stages_ms": {k: round(statistics.median(r[k] for r in stage_runs), 2) for k in stage_runs[0]},
        "peak_rss_mb": round(peak, 1),
        "baseline_rss_mb": round(BASELINE_RSS_MB, 1),
        "corners": [[round(float(x), 1), round(float(y), 1)] for x, y in quad],
        "found": bool(found),
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv)
