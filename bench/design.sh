#!/bin/bash
# Times `sfconv design remez` and `sfconv design firls` against scipy.signal.remez and
# scipy.signal.firls on the same specifications, paired (farm-bench), and firls at 16,385 taps
# alone (scipy needs minutes there). Run on demand: bench/design.sh [path/to/sfconv]
set -euo pipefail
SFCONV=${1:-.build/release/sfconv}
command -v farm-bench >/dev/null || { echo "bench/design.sh needs farm-bench on PATH" >&2; exit 1; }
python3 -c 'import scipy' || { echo "bench/design.sh needs scipy (pip install scipy)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== remez, 1001 taps: sfconv vs scipy.signal.remez"
farm-bench -n 7 --vs "python3 -c 'from scipy.signal import remez; remez(1001, [0, 2000, 2100, 24000], [1, 0], weight=[1, 10], fs=48000)'" -- \
    "$SFCONV" design remez --bands 0,2000,2100,24000 --desired 1,0 --weights 1,10 --taps 1001 -o "$out/remez.wav" --force

echo "== firls, 4001 taps: sfconv vs scipy.signal.firls"
farm-bench -n 5 --timeout 600 --vs "python3 -c 'from scipy.signal import firls; firls(4001, [0, 1000, 1100, 24000], [1, 1, 0, 0], fs=48000)'" -- \
    "$SFCONV" design firls --bands 0,1000,1100,24000 --desired 1,1,0,0 --taps 4001 -o "$out/firls.wav" --force

echo "== firls, 16385 taps: sfconv alone"
farm-bench -n 5 -- "$SFCONV" design firls --bands 0,1000,1100,24000 --desired 1,1,0,0 --taps 16385 -o "$out/firls16k.wav" --force
