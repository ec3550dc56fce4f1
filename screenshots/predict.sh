#!/usr/bin/env bash
# Predict, then run: the question with the class's hands counted by key (<name>-question), then,
# once every run is DONE, the reveal (<name>-reveal), as .ans (colour) and .txt, in tmux.
# Usage: BIN=target/release/runwait screenshots/predict.sh   (remake.sh calls it)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/runwait}
session=runwait-predict-shots

wait_for() { # word
  for _ in $(seq 1 1200); do
    tmux capture-pane -p -t "$session" | grep -q "$1" && return
    sleep 0.1
  done
}

capture() { # name
  tmux capture-pane -p -e -t "$session" > "screenshots/$1.ans"
  tmux capture-pane -p -t "$session" > "screenshots/$1.txt"
}

predict() { # name width height keys... -- command...
  local name=$1 width=$2 height=$3; shift 3
  local keys=()
  while [ "$1" != "--" ]; do keys+=("$1"); shift; done
  shift
  tmux kill-session -t "$session" 2>/dev/null || true
  tmux new-session -d -s "$session" -x "$width" -y "$height" "$*"
  wait_for ' PREDICT '
  for k in "${keys[@]}"; do tmux send-keys -t "$session" "$k"; sleep 0.1; done
  sleep 0.3
  capture "$name-question"
  tmux send-keys -t "$session" Space
  wait_for ' DONE '
  sleep 0.5
  capture "$name-reveal"
  tmux send-keys -t "$session" q
  sleep 0.5
  tmux kill-session -t "$session" 2>/dev/null || true
}

# A class of 12: hands for each run's answer, the focused panel first, Tab to the next.
predict predict-cpu 120 40 2 2 3 3 3 3 3 3 4 4 1 2 Tab 3 3 3 3 4 4 4 4 2 2 3 3 \
  Tab 1 1 1 2 2 2 2 3 3 3 3 3 Tab 3 3 3 3 3 3 4 4 4 2 2 1 -- "$bin run cpu --predict ${CPU_ARGS:-}"
predict predict-race 120 40 1 1 1 1 1 2 2 2 2 3 3 4 Tab 2 2 2 3 3 3 3 3 4 4 4 4 \
  Tab 1 1 1 1 2 2 2 2 2 2 3 4 -- "$bin run race --predict"
predict predict-race-80x24 80 24 1 1 1 1 1 2 2 2 2 3 3 4 Tab 2 2 2 3 3 3 3 3 4 4 4 4 \
  Tab 1 1 1 1 2 2 2 2 2 2 3 4 -- "$bin run race --predict"
