#!/usr/bin/env python3
"""Writes remez_firls.json: scipy.signal.remez and scipy.signal.firls coefficients for
`sfconv design remez` and `sfconv design firls` (odd and even taps, multiband, weights,
differentiator and Hilbert types), and the remez cases scipy fails on.
Run with scipy installed: python3 Tests/SFConvTests/Fixtures/make_remez_firls_golden.py
"""
import json
import os

import scipy
from scipy import signal

remez_cases = [
    # name, taps, bands (Hz), desired, weights, rate, type
    ("lowpass-odd", 101, [0, 4000, 5000, 24000], [1, 0], None, 48000, "bandpass"),
    ("lowpass-even", 64, [0, 3000, 4500, 24000], [1, 0], None, 48000, "bandpass"),
    ("highpass-weighted", 151, [0, 800, 1000, 22050], [0, 1], [10, 1], 44100, "bandpass"),
    ("bandpass", 63, [0, 200, 460, 1040, 1300, 4000], [0, 1, 0], None, 8000, "bandpass"),
    ("multiband", 201, [0, 2000, 2500, 5000, 5500, 9000, 9500, 16000], [1, 0, 0.5, 0], [1, 3, 1, 3], 32000, "bandpass"),
    ("bandstop", 175, [0, 5800, 6000, 8000, 8200, 22050], [1, 0, 1], None, 44100, "bandpass"),
    ("differentiator-odd", 31, [100, 20000], [1], None, 48000, "differentiator"),
    ("differentiator-even", 40, [0, 18000], [1], None, 48000, "differentiator"),
    ("hilbert-odd", 63, [500, 23500], [1], None, 48000, "hilbert"),
    ("hilbert-even", 30, [1600, 16000], [1], None, 32000, "hilbert"),
    ("long-lowpass", 1001, [0, 2000, 2100, 24000], [1, 0], [1, 10], 48000, "bandpass"),
]
remez = []
for name, taps, bands, desired, weights, rate, kind in remez_cases:
    h = signal.remez(taps, bands, desired, weight=weights, fs=rate, type=kind)
    remez.append({"name": name, "taps": taps, "bands": bands, "desired": desired, "weights": weights,
                  "rate": rate, "type": kind, "coefficients": [float(v) for v in h]})

# Cases scipy's remez cannot do: recorded with its message, or with the peak of the garbage it
# returns without one (a stretch no band covers).
failing = []
for name, taps, bands, desired, rate in [
    ("uncovered-stretch", 121, [0, 3000, 3500, 8000], [1, 0], 48000),
    ("too-lax", 542, [0, 0.31, 0.4, 1], [1, 0], 2),
    ("band-narrower-than-grid", 101, [0, 1000, 1010, 1011.5], [0, 1], 20000),
]:
    try:
        h = signal.remez(taps, bands, desired, fs=rate)
        message = None if abs(h).max() < 10 else f"no error, but a peak coefficient of {abs(h).max():.3g}"
    except Exception as e:
        message = str(e).strip()
    failing.append({"name": name, "taps": taps, "bands": bands, "desired": desired, "rate": rate, "scipy_error": message})

firls_cases = [
    ("lowpass", 101, [0, 4000, 5000, 24000], [1, 1, 0, 0], None, 48000),
    ("highpass-weighted", 151, [0, 800, 1000, 22050], [0, 0, 1, 1], [10, 1], 44100),
    ("bandpass-sloped", 73, [0, 1, 2, 4, 4.5, 5], [0, 0, 1, 0.5, 0, 0], [1, 1, 10], 10),
    ("touching-bands", 45, [0, 1000, 1000, 2000, 3000, 8000], [1, 1, 1, 0.2, 0, 0], None, 16000),
    ("long", 511, [0, 2000, 2200, 24000], [1, 1, 0, 0], [1, 100], 48000),
    ("narrow-transition", 2001, [0, 1000, 1100, 24000], [1, 1, 0, 0], None, 48000),
]
firls = []
for name, taps, bands, desired, weights, rate in firls_cases:
    h = signal.firls(taps, bands, desired, weight=weights, fs=rate)
    firls.append({"name": name, "taps": taps, "bands": bands, "desired": desired, "weights": weights,
                  "rate": rate, "coefficients": [float(v) for v in h]})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "remez_firls.json")
with open(out, "w") as f:
    json.dump({"scipy": scipy.__version__, "remez": remez, "remez_failing": failing, "firls": firls}, f, indent=1)
print("wrote", out)
