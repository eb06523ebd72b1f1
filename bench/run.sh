#!/usr/bin/env bash
# Times `sfconv convolve` against FFmpeg's afir (and the C floor convolver when FLOOR=path is set)
# in the same run, on generated material. Prints wall time, realtime factor, ratios and peak RSS.
# Each IR gets two sfconv rows: the single-precision path (what float output gets by default) and
# `--precision double` (what 24-bit and 32-bit PCM and double output get by default).
#
#   bench/run.sh                 10-minute stereo input; IRs of 511 taps, 0.5 s, 3 s, 10 s;
#                                REPEAT=3 runs of each tool, taking turns, medians
#   MINUTES=60 bench/run.sh      a 60-minute input (1.4 GB) to check that memory stays flat
#   REPEAT=5 FLOOR=/path/to/floor IRS="ir_3s" bench/run.sh
#
# Needs: python3 with numpy, ffmpeg and GNU time (apt-get install -y ffmpeg time).
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${MINUTES:-10}
REPEAT=${REPEAT:-3}
IRS=${IRS:-"fir_511 ir_0.5s ir_3s ir_10s"}
DATA=${BENCH_DATA:-bench/data}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

command -v ffmpeg >/dev/null || { echo "bench: ffmpeg is missing (apt-get install -y ffmpeg)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: GNU time is missing (apt-get install -y time)" >&2; exit 1; }

swift build -c release --product sfconv >&2
SFCONV=$(swift build -c release --show-bin-path)/sfconv
python3 bench/gen.py "$DATA" "$MINUTES"
INPUT="$DATA/input_${MINUTES}min.wav"
SECONDS_IN=$((MINUTES * 60))

# once NAME CMD...: one run of CMD, its wall seconds and peak RSS (KiB) appended to $OUT/NAME.walls
# and $OUT/NAME.rss. The tools take turns within each repeat, so that a busy spell of the machine
# weighs on all of them alike rather than on whichever ran then.
once() {
  local name=$1 line; shift
  line=$(/usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1)
  echo "${line% *}" >>"$OUT/$name.walls"
  echo "${line#* }" >>"$OUT/$name.rss"
}
median() { sort -g "$OUT/$1.walls" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
peak() { sort -g "$OUT/$1.rss" | tail -n 1; }

frames() { python3 -c "import sys,struct; d=open(sys.argv[1],'rb').read(4096); i=d.index(b'fact'); print(struct.unpack('<I', d[i+8:i+12])[0])" "$1"; }

printf '%-8s %-22s %9s %10s %9s %9s\n' ir tool wall_s realtime rss_MiB vs_sfconv
for ir in $IRS; do
  IRFILE="$DATA/$ir.wav"
  K=$(frames "$IRFILE")
  rm -f "$OUT"/*.walls "$OUT"/*.rss
  for _ in $(seq "$REPEAT"); do
    once single "$SFCONV" convolve "$INPUT" "$IRFILE" "$OUT/sfconv.wav" --force --quiet --precision single
    once double "$SFCONV" convolve "$INPUT" "$IRFILE" "$OUT/sfconv.wav" --force --quiet --precision double
    for p in 16384 32768; do
      once "afir$p" ffmpeg -nostdin -v error -y -i "$INPUT" -i "$IRFILE" -filter_complex \
        "[0:a]apad=pad_len=$((K - 1))[x];[x][1:a]afir=dry=1:wet=0.5:length=1:gtype=none:irgain=1:irfmt=input:maxir=30:minp=$p:maxp=$p" \
        -c:a pcm_f32le "$OUT/afir.wav"
    done
    if [ -n "${FLOOR:-}" ]; then
      for b in 512 2048 8192 131072; do once "floor$b" "$FLOOR" -p estimate -b "$b" "$INPUT" "$IRFILE" "$OUT/floor.wav"; done
    fi
  done
  sf_wall=$(median single); sd_wall=$(median double)
  best_wall=""; best_p=""
  for p in 16384 32768; do
    w=$(median "afir$p")
    if [ -z "$best_wall" ] || awk "BEGIN {exit !($w < $best_wall)}"; then best_wall=$w; best_p=$p; fi
  done
  row() { awk -v ir="$1" -v tool="$2" -v w="$3" -v r="$4" -v ref="$sf_wall" -v s="$SECONDS_IN" \
    'BEGIN {printf "%-8s %-22s %9.2f %9.0fx %9.1f %8.2fx\n", ir, tool, w, s / w, r / 1024, w / ref}'; }
  row "$ir" "sfconv single" "$sf_wall" "$(peak single)"
  row "$ir" "sfconv double" "$sd_wall" "$(peak double)"
  row "$ir" "afir p=$best_p" "$best_wall" "$(peak "afir$best_p")"
  if [ -n "${FLOOR:-}" ]; then
    for b in 512 2048 8192 131072; do row "$ir" "floor b=$b" "$(median "floor$b")" "$(peak "floor$b")"; done
  fi
  awk -v a="$sf_wall" -v d="$sd_wall" -v b="$best_wall" \
    'BEGIN {printf "%-8s single / afir = %.2f   double / afir = %.2f   double / single = %.2f\n", "", a / b, d / b, d / a}'
done
