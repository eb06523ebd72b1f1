#!/usr/bin/env bash
# Times `sfconv batch` reverb augmentation against a plain Python script doing the same reverb
# (scipy fftconvolve + soundfile, a 2-process pool) and, when it is installed, audiomentations'
# ApplyImpulseResponse, in the same run, on generated material (bench/augment_gen.py):
# 1,000 speech-like 16 kHz mono 16-bit files of 2-8 s in nested folders, 20 IRs of 0.3-1.5 s, 5 noise files.
#
#   bench/augment.sh               REPEAT=3 runs of each (the rows in turn each time), medians
#   FILES=200 bench/augment.sh     a smaller corpus
#
# Rows: reverb only (sfconv vs scipy), full augmentation (reverb + noise + DRR + early target + manifest + peak limit)
# vs the scipy reverb-only script, and per-file overhead (a 1-tap IR: wall time / files).
# Needs: python3 with numpy, scipy and soundfile (pip install scipy soundfile [audiomentations]), GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${FILES:-1000}
REPEAT=${REPEAT:-3}
DATA=${BENCH_DATA:-bench/data/augment}
JOBS=${JOBS:-$(nproc)}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

[ -x /usr/bin/time ] || { echo "bench: GNU time is missing (apt-get install -y time)" >&2; exit 1; }
python3 -c "import numpy, scipy, soundfile" || { echo "bench: needs numpy, scipy and soundfile (pip install scipy soundfile)" >&2; exit 1; }

swift build -c release --product sfconv >&2
SFCONV=$(swift build -c release --show-bin-path)/sfconv
python3 bench/augment_gen.py "$DATA" "$FILES"
SPEECH="$DATA/speech"

# wall seconds of one run of CMD, appended to the file $OUT/walls.NAME. The previous run's output
# is moved aside, not deleted, until the end: ext4 without a journal (where these figures were taken)
# skips, one by one, every inode freed in the last 30 s when it creates a file, so deleting the
# thousands of files of one row would bill the next row for it. A corpus written into a fresh
# folder does not pay that; DELETE_BETWEEN=1 deletes between runs instead, to see the cost.
runs=0
timed() {
  local name=$1; shift
  runs=$((runs + 1))
  if [ "${DELETE_BETWEEN:-0}" = 1 ]; then
    rm -rf "$OUT/run" "$OUT/target" "$OUT/m.jsonl"
  else
    mkdir -p "$OUT/old/$runs"
    for f in run target m.jsonl; do [ ! -e "$OUT/$f" ] || mv "$OUT/$f" "$OUT/old/$runs/"; done
  fi
  /usr/bin/time -f "%e" "$@" 2>&1 >/dev/null | tail -n 1 >>"$OUT/walls.$name"
}
# the median of NAME's walls
median() { sort -g "$OUT/walls.$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

reverb=(batch "$SPEECH" "$OUT/run" --recursive --impulse-dir "$DATA/irs" --random-impulse --seed 1 --jobs "$JOBS" --quiet)
full=("${reverb[@]}" --noise-dir "$DATA/noise" --snr-range 5:20 --drr-range 0:10 --target-dir "$OUT/target" --target early
      --manifest "$OUT/m.jsonl" --peak-limit -1dB)
tap=(batch "$SPEECH" "$OUT/run" --recursive --impulse-dir "$DATA/tap" --random-impulse --jobs "$JOBS" --quiet)
audiomentations=$(python3 -c "import audiomentations" 2>/dev/null && echo yes || true)

# The rows take turns within each repeat, so that a busy spell of the machine, and the file
# system's recent deletions (ext4 without a journal skips inodes freed in the last minute or more,
# one by one, when it creates a file), weigh on every row alike rather than on the later ones.
for _ in $(seq "$REPEAT"); do
  timed scipy python3 bench/augment_peer.py "$SPEECH" "$OUT/run" "$DATA/irs" --jobs 2
  timed reverb "$SFCONV" "${reverb[@]}"
  timed full "$SFCONV" "${full[@]}"
  timed tap "$SFCONV" "${tap[@]}"
  if [ -n "$audiomentations" ]; then timed am python3 bench/augment_peer.py "$SPEECH" "$OUT/run" "$DATA/irs" --jobs 2 --audiomentations; fi
done
scipy=$(median scipy)
sf_reverb=$(median reverb)
sf_full=$(median full)
sf_tap=$(median tap)
printf '%-44s %8s %10s\n' "what ($FILES files, --jobs $JOBS)" wall_s vs_scipy
printf '%-44s %8s %10s\n' "python scipy fftconvolve, 2 processes" "$scipy" 1.00
if [ -n "$audiomentations" ]; then
  am=$(median am)
  printf '%-44s %8s %10s\n' "python audiomentations, 2 processes" "$am" "$(echo "$am / $scipy" | bc -l | xargs printf '%.2f')"
fi
printf '%-44s %8s %10s\n' "sfconv reverb only" "$sf_reverb" "$(echo "$sf_reverb / $scipy" | bc -l | xargs printf '%.2f')"
printf '%-44s %8s %10s\n' "sfconv reverb+noise+target+manifest" "$sf_full" "$(echo "$sf_full / $scipy" | bc -l | xargs printf '%.2f')"
printf '%-44s %8s %10s\n' "sfconv 1-tap IR (per-file overhead)" "$sf_tap" "$(echo "$sf_tap * 1000 / $FILES" | bc -l | xargs printf '%.2f ms/file')"
