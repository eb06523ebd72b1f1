#!/usr/bin/env python3
"""Material for bench/augment.sh (numpy + soundfile; deterministic, seeded).

usage: augment_gen.py OUT_DIR [FILES]
  speech/dDD/sSS/uNNNN.wav   FILES (default 1000) speech-like 16 kHz mono 16-bit files of 2-8 s in nested
                             folders: a harmonic buzz at a gliding pitch through moving formant resonances,
                             gated by syllable-rate envelopes with pauses, plus a little breath noise
  irs/ir_NN.wav              20 mono float IRs of 0.3-1.5 s: a direct sound after a short pre-delay, then
                             exponentially decaying noise (RT60 = the length)
  noise/noise_N.wav          5 noise files of 3-12 s (pink-ish and babble-like)
  tap/one.wav                a 1-tap IR (per-file overhead)
Files that exist already are kept.
"""
import os
import sys

import numpy as np
import soundfile as sf

RATE = 16000


def speech_like(rng, seconds):
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    pitch = 110 + 40 * rng.random() + 25 * np.sin(2 * np.pi * (0.3 + 0.4 * rng.random()) * t)
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    buzz = sum(np.sin(k * phase) / k for k in range(1, 25))
    # Formants: a few moving resonances applied as an amplitude weighting of harmonics (cheap).
    spectrum = np.fft.rfft(buzz)
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    shape = np.zeros_like(freqs)
    for centre in (500 + 300 * rng.random(), 1500 + 600 * rng.random(), 2500 + 500 * rng.random()):
        shape += np.exp(-0.5 * ((freqs - centre) / 150) ** 2)
    voiced = np.fft.irfft(spectrum * (0.05 + shape), n)
    syllables = np.clip(np.sin(2 * np.pi * (3 + 2 * rng.random()) * t + rng.random() * 6), 0, None) ** 2
    pauses = (np.sin(2 * np.pi * 0.4 * t + rng.random() * 6) > -0.6).astype(float)
    signal = voiced * syllables * pauses + 0.01 * rng.standard_normal(n) * syllables
    return (0.3 * signal / np.max(np.abs(signal))).astype(np.float32)


def impulse_response(rng, seconds):
    n = int(seconds * RATE)
    onset = int(rng.integers(16, 160))
    t = np.arange(n - onset) / RATE
    h = np.zeros(n, dtype=np.float64)
    h[onset:] = 0.3 * rng.standard_normal(n - onset) * np.exp(-3 * np.log(10) * t / seconds)
    h[onset] = 1.0
    return (0.9 * h / np.max(np.abs(h))).astype(np.float32)


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rng = np.random.default_rng(2026)
    for i in range(count):
        path = os.path.join(out, "speech", f"d{i % 10:02d}", f"s{(i // 10) % 10:02d}", f"u{i:04d}.wav")
        seconds = 2 + 6 * rng.random()
        if os.path.exists(path):
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        sf.write(path, speech_like(rng, seconds), RATE, subtype="PCM_16")
    os.makedirs(os.path.join(out, "irs"), exist_ok=True)
    for i in range(20):
        path = os.path.join(out, "irs", f"ir_{i:02d}.wav")
        if not os.path.exists(path):
            sf.write(path, impulse_response(rng, 0.3 + 1.2 * i / 19), RATE, subtype="FLOAT")
    os.makedirs(os.path.join(out, "noise"), exist_ok=True)
    for i in range(5):
        path = os.path.join(out, "noise", f"noise_{i}.wav")
        if not os.path.exists(path):
            n = int((3 + 9 * rng.random()) * RATE)
            white = rng.standard_normal(n)
            pinkish = np.cumsum(white) * 0.02 + white * (0.3 if i % 2 else 0.1)
            pinkish -= np.convolve(pinkish, np.ones(400) / 400, mode="same")
            sf.write(path, (0.2 * pinkish / np.max(np.abs(pinkish))).astype(np.float32), RATE, subtype="PCM_16")
    os.makedirs(os.path.join(out, "tap"), exist_ok=True)
    if not os.path.exists(os.path.join(out, "tap", "one.wav")):
        sf.write(os.path.join(out, "tap", "one.wav"), np.array([1.0], dtype=np.float32), RATE, subtype="FLOAT")


if __name__ == "__main__":
    main()
