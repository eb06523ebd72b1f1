#!/usr/bin/env bash
# A soak test, run on demand: a 200-file batch with --jobs 4, then 20 concurrent `convolve`
# processes; every output is checked against numpy's float64 convolution, and the batch's report
# against the files. Prints failures (must be 0) and peak memory.
#
#   bench/soak.sh            (needs python3 with numpy, and GNU time: apt-get install -y time)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "soak: GNU time is missing (apt-get install -y time)" >&2; exit 1; }
swift build -c release --product sfconv >&2
SFCONV=$(swift build -c release --show-bin-path)/sfconv
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# 200 inputs of 0.5-4 s, mono and stereo, 16/44.1/48 kHz, float WAV; one 2001-tap kernel per rate.
python3 - "$WORK" <<'PY'
import numpy as np, os, struct, sys
root = sys.argv[1]
rng = np.random.default_rng(2026)
def write(path, x, rate):
    x = np.asarray(x, dtype="<f4")
    frames, channels = x.shape
    data = x.tobytes()
    fmt = struct.pack("<HHIIHH", 3, channels, rate, rate * 4 * channels, 4 * channels, 32)
    body = b"fmt " + struct.pack("<I", 16) + fmt + b"fact" + struct.pack("<II", 4, frames) + b"data" + struct.pack("<I", len(data)) + data
    open(path, "wb").write(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
os.makedirs(f"{root}/in/sub", exist_ok=True)
for i in range(200):
    rate = [16000, 44100, 48000][i % 3]
    channels = 1 + (i // 3) % 2
    frames = int(rate * rng.uniform(0.5, 4))
    folder = "in/sub" if i % 3 == 0 else "in"
    write(f"{root}/{folder}/f{i:03d}.wav", rng.uniform(-0.5, 0.5, (frames, channels)), rate)
write(f"{root}/k.wav", (rng.standard_normal(2001) * np.exp(-np.arange(2001) / 300) / 20)[:, None], 48000)
PY

failures=0
/usr/bin/time -f "%M" -o "$WORK/batch.rss" "$SFCONV" batch "$WORK/in" "$WORK/out" --recursive --jobs 4 --quiet \
  --chain "convolve:kernel=$WORK/k.wav" --report "$WORK/report.json" 2>"$WORK/batch.err" || failures=$((failures + 1))
for i in $(seq 0 19); do
  /usr/bin/time -f "%M" -o "$WORK/c$i.rss" "$SFCONV" convolve "$WORK/in/f$(printf %03d $((i * 3 + 2))).wav" "$WORK/k.wav" \
    "$WORK/c$i.wav" --quiet 2>>"$WORK/concurrent.err" &
done
wait || true

python3 - "$WORK" "$failures" <<'PY'
import json, numpy as np, os, struct, sys
root, failures = sys.argv[1], int(sys.argv[2])
def read(path):
    data = open(path, "rb").read()
    i = 12; fmt = None
    while i < len(data):
        tag, size = data[i:i + 4], struct.unpack("<I", data[i + 4:i + 8])[0]
        if tag == b"fmt ": fmt = struct.unpack("<HHIIHH", data[i + 8:i + 24])
        if tag == b"data": return np.frombuffer(data[i + 8:i + 8 + size], "<f4").reshape(-1, fmt[1]).astype(np.float64), fmt[2]
        i += 8 + size + (size & 1)
kernel, _ = read(f"{root}/k.wav")
def reference(x, rate):
    return np.stack([np.convolve(x[:, c], kernel[:, 0]) for c in range(x.shape[1])], axis=1)
def check(inp, out):
    x, rate = read(inp); y, _ = read(out)
    if rate != 48000:
        # The kernel is resampled (libsoxr) for these: check the length and that every sample is finite.
        taps = round(len(kernel) * rate / 48000)
        return y.shape == (x.shape[0] + taps - 1, x.shape[1]) and bool(np.all(np.isfinite(y)))
    r = reference(x, rate)
    return y.shape == r.shape and np.max(np.abs(y - r)) <= 1e-5 * max(1e-9, np.max(np.abs(r)))
bad = []
report = json.load(open(f"{root}/report.json"))
for row in report["files"]:
    if row["status"] != "ok" or not check(row["input"], row["output"]): bad.append(row["input"])
if len(report["files"]) != 200: bad.append(f"report has {len(report['files'])} files")
for i in range(20):
    if not os.path.exists(f"{root}/c{i}.wav") or not check(f"{root}/in/f{i * 3 + 2:03d}.wav", f"{root}/c{i}.wav"): bad.append(f"c{i}")
leftovers = [f for d, _, fs in os.walk(root) for f in fs if f.startswith(".")]
rss = lambda name: int(open(f"{root}/{name}").read().split()[-1]) / 1024
print(f"soak: batch of {len(report['files'])} files with --jobs 4: peak RSS {rss('batch.rss'):.1f} MiB; "
      f"20 concurrent convolve: peak RSS {max(rss(f'c{i}.rss') for i in range(20)):.1f} MiB each at most; "
      f"failures {len(bad) + failures}; stray hidden files {len(leftovers)}")
for b in bad[:10]: print("  failed:", b)
sys.exit(1 if bad or failures or leftovers else 0)
PY
