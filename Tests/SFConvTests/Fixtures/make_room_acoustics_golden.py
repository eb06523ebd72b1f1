#!/usr/bin/env python3
"""Writes room_acoustics.json: ISO 3382-1 figures of the shipped impulse responses, computed by an
implementation independent of sfconv's (numpy + scipy: scipy's Butterworth band-pass design,
numpy's polyfit, a Lundeby noise estimate written from the paper), for `analyze` to be checked
against (RoomAcousticsGoldenTests). Tests read the JSON; they do not need Python.

Run from the repository root with numpy, scipy and sox installed:
    python3 Tests/SFConvTests/Fixtures/make_room_acoustics_golden.py

A second, third-party reference is added when the PyPI package `acoustics` (0.2.6) can be
imported (e.g. `pip install --target DIR acoustics==0.2.6` and PYTHONPATH=DIR): its
`room.t60_impulse` (8th-order Butterworth octave bands, base-two edges, Schroeder integral without
noise compensation) on the noise-free shipped impulses, as "acoustics_package". It predates
scipy 1.14 and numpy 2, so two names it imports are shimmed below.

Cases: channel 1 of each shipped impulse as it is, and channel 1 of hall.flac with uniform noise
added (SplitMix64, seed 7, ±peak·10^(-70/20)), which exercises the noise compensation. The noise
generator is the one in Tests/SFConvTestSupport (SeededGenerator), so Swift adds the same samples.
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import scipy
from scipy import signal
from scipy.io import wavfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MASK = (1 << 64) - 1


def splitmix_uniform(seed, count):
    """Uniform in [-1, 1): 2·(next() >> 11)/2^53 − 1, SplitMix64 as in SeededGenerator."""
    state = seed
    out = np.empty(count)
    for i in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z = z ^ (z >> 31)
        out[i] = 2.0 * (z >> 11) / float(1 << 53) - 1.0
    return out


def read_flac(path):
    with tempfile.TemporaryDirectory() as folder:
        wav = os.path.join(folder, "ir.wav")
        subprocess.run(["sox", path, "-e", "floating-point", "-b", "32", wav], check=True)
        rate, data = wavfile.read(wav)
    data = data.astype(np.float64)
    return rate, data if data.ndim == 2 else data[:, None]


def lundeby(energy, rate):
    """Noise power per sample, crossing index, late-decay line (dB = a + b·n) by Lundeby et al. 1995."""
    n = len(energy)

    def smooth(block):
        block = min(block, n)
        count = max(1, n // block)
        e = energy[: count * block].reshape(count, block).mean(axis=1)
        t = (np.arange(count) + 0.5) * block
        return t, 10 * np.log10(np.maximum(e, 1e-300))

    floor = energy.max() * 1e-13  # noise is never taken below 130 dB under the peak (rounding, not noise)
    noise = max(energy[n - max(1, n // 10):].mean(), floor)
    block = max(1, rate // 100)
    t, level = smooth(block)
    noise_db = 10 * np.log10(max(noise, 1e-300))
    peak = int(np.argmax(level))
    stop = peak + 1
    while stop < len(level) and level[stop] > noise_db + 10:
        stop += 1
    if stop - peak < 2:
        return noise, n, None
    b, a = np.polyfit(t[peak:stop], level[peak:stop], 1)
    if b >= 0:
        return noise, n, None
    cross = (noise_db - a) / b
    first_slope = b  # dB per sample
    for _ in range(10):
        per10 = 10 / -b
        block = max(int(per10 / 5), max(1, rate // 2000))
        t, level = smooth(block)
        start = int(min(n - max(1, n // 10), max(0, cross + per10)))
        noise = max(energy[start:].mean(), floor)
        noise_db = 10 * np.log10(max(noise, 1e-300))
        peak = int(np.argmax(level))
        first = peak
        while first < len(level) and level[first] > noise_db + 25:
            first += 1
        last = first
        while last < len(level) and level[last] > noise_db + 5:
            last += 1
        if last - first < 2:
            first = peak
        if last - first < 2:
            break
        nb, na = np.polyfit(t[first:last], level[first:last], 1)
        # A late decay 5x slower than the first estimate is what follows the response's end: keep the estimate.
        if nb >= 0 or nb > first_slope / 5:
            break
        b, a = nb, na
        new = (noise_db - a) / b
        done = abs(new - cross) < block
        cross = new
        if done:
            break
    cross = int(min(n, max(1, round(cross))))
    return noise, cross, (a, b)


def tail_energy(line, start, end=None):
    if line is None:
        return 0.0
    a, b = line
    q = 10 ** (b / 10)
    first = 10 ** ((a + b * start) / 10)
    if end is None:
        return first / (1 - q)
    return first * (1 - q ** (end - start)) / (1 - q) if end > start else 0.0


def figures(h, rate):
    e = h * h
    peak = int(np.argmax(e))
    onset = int(np.argmax(np.abs(h) >= np.sqrt(e[peak]) * 0.1))
    d = e[onset:]
    noise, cross, line = lundeby(d, rate)
    # Decay range: the late decay line at the onset over the noise.
    noise_db = 10 * np.log10(max(noise, 1e-300))
    decay_range = min(line[0] - noise_db, 10 * np.log10(e[peak]) - noise_db) if line is not None else 0.0
    comp = tail_energy(line, cross)
    # Noise power subtracted up to the crossing (Chu), truncation there, Lundeby's compensation after.
    d = d[:cross] - noise
    schroeder = np.cumsum(d[::-1])[::-1] + comp
    curve = 10 * np.log10(np.maximum(schroeder / schroeder[0], 1e-30))
    result = {"decay_range_db": decay_range}
    for name, hi, lo, need in [("edt", 0, -10, 20), ("t20", -5, -25, 35), ("t30", -5, -35, 45)]:
        value = None
        if decay_range >= need:
            below_hi = np.nonzero(curve <= hi)[0]
            if len(below_hi):
                i0 = below_hi[0]
                below_lo = np.nonzero(curve[i0:] <= lo)[0]
                if len(below_lo):
                    i1 = i0 + below_lo[0]
                    x = np.arange(i0, i1 + 1)
                    slope = np.polyfit(x, curve[i0:i1 + 1], 1)[0]
                    value = -60 / (slope * rate)
        result[name] = value
    usable = len(d)

    def before(frames):
        total = d[: min(frames, usable)].sum()
        if frames > usable:
            total += tail_energy(line, usable, frames)
        return total

    total = before(usable) + comp
    e50, e80 = before(rate // 20), before(int(round(0.08 * rate)))
    result["c50"] = 10 * np.log10(e50 / (total - e50))
    result["c80"] = 10 * np.log10(e80 / (total - e80))
    result["d50"] = e50 / total
    moment = (np.arange(usable) * d[:usable]).sum()
    if line is not None:
        a, b = line
        q = 10 ** (b / 10)
        first = 10 ** ((a + b * usable) / 10)
        moment += first * (usable / (1 - q) + q / (1 - q) ** 2)
    result["ts"] = moment / total / rate
    half = int(round(0.0025 * rate))
    p = peak - onset
    direct = d[max(0, p - half): min(usable, p + half + 1)].sum()
    result["drr"] = 10 * np.log10(direct / (total - direct))
    return {k: (None if v is None else float(v)) for k, v in result.items()}


def octave_band(h, rate, index):
    """IEC 61260 base-ten octave band `index` (−3 … 3 → 125 Hz … 8 kHz), 3rd-order Butterworth prototype."""
    g = 10 ** 0.3
    centre = 1000 * g ** index
    lo, hi = centre / g ** 0.5, centre * g ** 0.5
    sos = signal.butter(3, [lo, hi], btype="bandpass", output="sos", fs=rate)
    return signal.sosfilt(sos, h)


def analyse(h, rate):
    bands = []
    for index, nominal in zip(range(-3, 4), [125, 250, 500, 1000, 2000, 4000, 8000]):
        entry = figures(octave_band(h, rate, index), rate)
        entry["center_hz"] = nominal
        bands.append(entry)
    return {"broadband": figures(h, rate), "bands": bands}


def acoustics_package():
    """T30, T20 and EDT per octave (125 Hz–8 kHz) of channel 1 of each shipped impulse, by the `acoustics` package."""
    try:
        import scipy.special
        if not hasattr(scipy.special, "sph_harm"):
            scipy.special.sph_harm = lambda *args, **kwargs: None  # only its directivity module uses it
        if not hasattr(np, "in1d"):
            np.in1d = np.isin
        import acoustics
        from acoustics import room
    except ImportError:
        print("acoustics package not found: its reference is left out")
        return None
    bands = np.array([125, 250, 500, 1000, 2000, 4000, 8000])
    cases = []
    for name in ["hall.flac", "small-room.flac", "plate.flac", "hall-true-stereo.flac"]:
        with tempfile.TemporaryDirectory() as folder:
            wav = os.path.join(folder, "ir.wav")
            subprocess.run(["sox", os.path.join(ROOT, "impulses", name), "-e", "floating-point", "-b", "32", wav, "remix", "1"], check=True)
            entry = {"file": "impulses/" + name, "channel": 1, "center_hz": [int(b) for b in bands]}
            for rt in ["t30", "t20", "edt"]:
                entry[rt] = [float(v) for v in room.t60_impulse(wav, bands, rt=rt)]
        cases.append(entry)
    return {"version": getattr(acoustics, "__version__", "0.2.6"), "cases": cases}


def main():
    cases = []
    for name in ["hall.flac", "small-room.flac", "plate.flac", "hall-true-stereo.flac"]:
        rate, data = read_flac(os.path.join(ROOT, "impulses", name))
        h = data[:, 0]
        cases.append({"file": "impulses/" + name, "channel": 1, "noise_db": None, "result": analyse(h, rate)})
    rate, data = read_flac(os.path.join(ROOT, "impulses", "hall.flac"))
    h = data[:, 0]
    # Added in Float32, as the Swift side reads the file as Float and adds the noise there.
    noise = (splitmix_uniform(7, len(h)) * (np.abs(h).max() * 10 ** (-70 / 20))).astype(np.float32)
    noisy = (h.astype(np.float32) + noise).astype(np.float64)
    cases.append({"file": "impulses/hall.flac", "channel": 1, "noise_db": -70, "noise_seed": 7, "result": analyse(noisy, rate)})
    out = {"generator": "make_room_acoustics_golden.py", "numpy": np.__version__, "scipy": scipy.__version__, "cases": cases}
    third_party = acoustics_package()
    if third_party is not None:
        out["acoustics_package"] = third_party
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "room_acoustics.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
