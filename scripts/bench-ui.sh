#!/usr/bin/env bash
# The kiosk UI's start-up time and memory, software renderer, release build, under Xvfb:
#   - process start to first frame (median of 5 starts; also measured from outside)
#   - peak PSS over a scripted restaurant journey (sampled every 20 ms; Chinese typed by pinyin)
#   - keystroke → candidates and stroke → candidates, through app and view, and with a full
#     software-rendered frame
# Usage: scripts/bench-ui.sh   (installs xvfb if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh run
command -v Xvfb >/dev/null || { sudo_cmd=$([ "$(id -u)" = 0 ] || echo sudo); $sudo_cmd apt-get install -y xvfb; }
cargo build --release --locked -q
bin=${CARGO_TARGET_DIR:-target}/release/onevisit
display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1080x1920x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1
export DISPLAY=$display
data=$(mktemp -d)
"$bin" --data-dir "$data" input deploy >/dev/null
echo "first frame (ms since main; wall clock from exec):"
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  line=$(ONEVISIT_BENCH=first-frame ONEVISIT_DATA_DIR=$data timeout 60 "$bin" run --simulate 2>/dev/null | grep first-frame-ms)
  t1=$(date +%s%N)
  echo "  ${line#first-frame-ms } ms   (exec to exit $(( (t1 - t0) / 1000000 )) ms)"
done
ONEVISIT_BENCH=journey ONEVISIT_DATA_DIR=$data timeout 120 "$bin" run --simulate >/tmp/onevisit-journey.out 2>/dev/null &
tpid=$!
sleep 0.2
# `timeout` started the kiosk: sample the kiosk itself.
pid=$(pgrep -P "$tpid" -f onevisit || echo "$tpid")
peak=0
while kill -0 "$pid" 2>/dev/null; do
  pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
  [ "${pss:-0}" -gt "$peak" ] && peak=$pss
  sleep 0.02
done
wait "$tpid" || true
cat /tmp/onevisit-journey.out
echo "peak PSS over the journey: $((peak / 1024)) MiB ($peak kB)"
ONEVISIT_BENCH=typing ONEVISIT_DATA_DIR=$data timeout 120 "$bin" run --simulate 2>/dev/null | grep -v first-frame
echo "(per step: ONEVISIT_BENCH=journey ONEVISIT_BENCH_TRACE=1 $bin run --simulate)"
rm -rf "$data"
