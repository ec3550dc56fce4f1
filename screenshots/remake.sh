#!/usr/bin/env bash
# Remakes every picture in screenshots/ from the real binary. The terminal UI's screens, in tmux:
# <name>.ans keeps the colour codes (view with `cat`), <name>.txt is the same screen as plain text.
# Then each lesson's diagrams as an SVG picture (<lesson>.svg, `runwait export --svg`), and the
# real Python program traced by viztracer in tests/data (viztracer_io.svg). py-threads is a real
# Python program sampled live (`runwait py`; needs CPython 3.12); io-cpython, the article's own
# programs beside the io lesson's runs (`--cpython`, CPython 3.12 with requests and aiohttp).
# Usage: screenshots/remake.sh   (needs tmux; run from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/runwait
session=runwait-shots

shoot() { # name width height keys-after-done... -- command...
  local name=$1 width=$2 height=$3; shift 3
  local keys=()
  while [ "$1" != "--" ]; do keys+=("$1"); shift; done
  shift
  tmux kill-session -t "$session" 2>/dev/null || true
  tmux new-session -d -s "$session" -x "$width" -y "$height" "$*"
  for _ in $(seq 1 600); do
    tmux capture-pane -p -t "$session" | grep -q ' DONE \| REPLAY ' && break
    sleep 0.1
  done
  for k in "${keys[@]}"; do tmux send-keys -t "$session" "$k"; sleep 0.2; done
  sleep 0.3
  tmux capture-pane -p -e -t "$session" > "screenshots/$name.ans"
  tmux capture-pane -p -t "$session" > "screenshots/$name.txt"
  tmux send-keys -t "$session" q
  sleep 0.5
  tmux kill-session -t "$session" 2>/dev/null || true
}

shoot io 120 40 -- "$bin run io"
shoot cpu 120 40 -- "$bin run cpu"
shoot io-80x24 80 24 -- "$bin run io"
shoot cpu-stepped 120 40 Home ']' ']' ']' ']' ']' ']' -- "$bin run cpu --tasks 6"
shoot gil 120 40 -- "$bin run gil"
shoot starve 120 40 -- "$bin run starve"
shoot race 120 40 -- "$bin run race"
shoot pool-size 120 40 -- "$bin run pool-size"
shoot pool-size-80x24 80 24 -- "$bin run pool-size"
shoot chefs 120 40 -- "$bin run chefs"
shoot burgers 120 40 -- "$bin run burgers"
shoot salads 120 40 -- "$bin run salads"
shoot coffees 120 40 -- "$bin run coffees"
# Classroom size: every lesson at 80x24 too (a projector is often no bigger).
for lesson in cpu gil starve race chefs burgers salads coffees; do
  shoot "$lesson-80x24" 80 24 -- "$bin run $lesson"
done
# A real Python program sampled live: the article's threaded download from a slow local server.
py312=$(ls "$HOME"/.pyenv/versions/3.12.*/bin/python3.12 2>/dev/null | tail -1 || true)
py312=${py312:-$(command -v python3.12 || true)}
if [ -n "$py312" ]; then
  "$py312" assets/python/slow_server.py 8765 &
  server=$!
  sleep 0.5
  shoot py-threads 120 40 -- "$bin py -- $py312 assets/python/download.py http://127.0.0.1:8765/"
  kill "$server"
  # The article's own programs run by CPython beside runwait's runs (needs requests, aiohttp).
  shoot io-cpython 120 40 -- "$bin run io --cpython $py312"
fi
# Predict, then run: the question and the reveal (cpu and race).
BIN=$bin screenshots/predict.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for lesson in $("$bin" list | awk '{print $1}'); do
  # The race's 100 trials make about 250,000 spans (a 30 MB picture): its SVG shows 3 trials.
  extra=()
  [ "$lesson" = race ] && extra=(--trials 3)
  "$bin" run "$lesson" --headless "${extra[@]}" --save "$tmp/$lesson.json" > /dev/null
  "$bin" export "$tmp/$lesson.json" --svg "screenshots/$lesson.svg"
done
"$bin" export tests/data/viztracer_io.json --svg screenshots/viztracer_io.svg
echo "screenshots remade: $(ls screenshots/*.ans screenshots/*.svg | tr '\n' ' ')"
