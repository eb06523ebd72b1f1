#!/usr/bin/env bash
# Times `sfconv convolve` against FFmpeg's afir (and the C floor convolver when FLOOR=path is set)
# in the same run, on generated material. Prints wall time, realtime factor, ratios and peak RSS.
# Each IR gets two sfconv rows: the single-precision path (what float output gets by default) and
# `--precision double` (what 24-bit and 32-bit PCM and double output get by default).
#
#   bench/run.sh                 10-minute stereo input; IRs of 511 taps, 0.5 s, 3 s, 10 s
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

# measure CMD...: runs REPEAT times, prints "median_wall max_rss_kib"
measure() {
  local walls=() rss=0 line
  for _ in $(seq "$REPEAT"); do
    line=$(/usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1)
    walls+=("${line% *}")
    (( ${line#* } > rss )) && rss=${line#* }
  done
  printf '%s %s\n' "$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "$rss"
}

frames() { python3 -c "import sys,struct; d=open(sys.argv[1],'rb').read(4096); i=d.index(b'fact'); print(struct.unpack('<I', d[i+8:i+12])[0])" "$1"; }

printf '%-8s %-22s %9s %10s %9s %9s\n' ir tool wall_s realtime rss_MiB vs_sfconv
for ir in $IRS; do
  IRFILE="$DATA/$ir.wav"
  K=$(frames "$IRFILE")
  read -r sf_wall sf_rss < <(measure "$SFCONV" convolve "$INPUT" "$IRFILE" "$OUT/sfconv.wav" --force --quiet --precision single)
  read -r sd_wall sd_rss < <(measure "$SFCONV" convolve "$INPUT" "$IRFILE" "$OUT/sfconv.wav" --force --quiet --precision double)
  best_wall=""; best_rss=""; best_p=""
  for p in 16384 32768; do
    read -r w r < <(measure ffmpeg -nostdin -v error -y -i "$INPUT" -i "$IRFILE" -filter_complex \
      "[0:a]apad=pad_len=$((K - 1))[x];[x][1:a]afir=dry=1:wet=0.5:length=1:gtype=none:irgain=1:irfmt=input:maxir=30:minp=$p:maxp=$p" \
      -c:a pcm_f32le "$OUT/afir.wav")
    if [ -z "$best_wall" ] || awk "BEGIN {exit !($w < $best_wall)}"; then best_wall=$w; best_rss=$r; best_p=$p; fi
  done
  row() { awk -v ir="$1" -v tool="$2" -v w="$3" -v r="$4" -v ref="$sf_wall" -v s="$SECONDS_IN" \
    'BEGIN {printf "%-8s %-22s %9.2f %9.0fx %9.1f %8.2fx\n", ir, tool, w, s / w, r / 1024, w / ref}'; }
  row "$ir" "sfconv single" "$sf_wall" "$sf_rss"
  row "$ir" "sfconv double" "$sd_wall" "$sd_rss"
  row "$ir" "afir p=$best_p" "$best_wall" "$best_rss"
  if [ -n "${FLOOR:-}" ]; then
    for b in 512 2048 8192 131072; do
      read -r w r < <(measure "$FLOOR" -p estimate -b "$b" "$INPUT" "$IRFILE" "$OUT/floor.wav")
      row "$ir" "floor b=$b" "$w" "$r"
    done
  fi
  awk -v a="$sf_wall" -v d="$sd_wall" -v b="$best_wall" \
    'BEGIN {printf "%-8s single / afir = %.2f   double / afir = %.2f   double / single = %.2f\n", "", a / b, d / b, d / a}'
done
