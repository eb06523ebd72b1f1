#!/usr/bin/env python3
"""Benchmark material for bench/run.sh, written with numpy only (deterministic, seeded).

usage: gen.py OUT_DIR MINUTES
  input_<MINUTES>min.wav   stereo 48 kHz 32-bit float noise with a slow envelope, peak about -6 dBFS
  ir_0.5s.wav, ir_3s.wav, ir_10s.wav   stereo float IRs: decorrelated noise decaying 60 dB over the length
  fir_511.wav              mono 511-tap windowed-sinc low-pass at 8 kHz
Files that exist already are kept.
"""
import os
import struct
import sys

import numpy as np

RATE = 48000


def float_wav_header(frames, channels):
    data = frames * channels * 4
    fmt = struct.pack("<HHIIHH", 3, channels, RATE, RATE * channels * 4, channels * 4, 32)
    fact = struct.pack("<I", frames)
    return (b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(fact) + 8 + data) + b"WAVE"
            + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"fact" + struct.pack("<I", len(fact)) + fact
            + b"data" + struct.pack("<I", data))


def write(path, blocks, frames, channels):
    if os.path.exists(path):
        return
    temporary = path + ".partial"
    with open(temporary, "wb") as f:
        f.write(float_wav_header(frames, channels))
        for block in blocks:
            f.write(np.ascontiguousarray(block, dtype="<f4").tobytes())
    os.replace(temporary, path)


def music(minutes):
    rng = np.random.default_rng(1)
    total = minutes * 60 * RATE
    step = 10 * RATE
    for start in range(0, total, step):
        n = min(step, total - start)
        t = (start + np.arange(n)) / RATE
        envelope = 0.3 + 0.2 * np.sin(2 * np.pi * 0.05 * t)
        x = rng.standard_normal((n, 2)) * 0.1
        x[:, 1] = 0.6 * x[:, 0] + 0.8 * x[:, 1]
        yield (x * envelope[:, None]).clip(-0.5, 0.5)


def impulse_response(seconds):
    rng = np.random.default_rng(int(seconds * 10))
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    h = rng.standard_normal((n, 2)) * (10.0 ** (-3.0 * t / seconds))[:, None]
    h[0] = 1.0
    return h / np.sqrt((h ** 2).sum() / 2)


def fir(taps=511, cutoff=8000.0):
    n = np.arange(taps) - (taps - 1) / 2
    h = np.sinc(2 * cutoff / RATE * n) * np.hamming(taps)
    return (h / h.sum())[:, None]


def main():
    out, minutes = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, f"input_{minutes}min.wav"), music(minutes), minutes * 60 * RATE, 2)
    for seconds, tag in ((0.5, "0.5s"), (3.0, "3s"), (10.0, "10s")):
        h = impulse_response(seconds)
        write(os.path.join(out, f"ir_{tag}.wav"), [h], len(h), 2)
    h = fir()
    write(os.path.join(out, "fir_511.wav"), [h], len(h), 1)


if __name__ == "__main__":
    main()
