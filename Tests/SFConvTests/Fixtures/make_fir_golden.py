#!/usr/bin/env python3
"""Writes fir_more.json: scipy's coefficients for more `sfconv design` cases than fir_design.json
(every type with every window, kaiserord specifications, firwin2 frequency sampling).
Run with scipy installed: python3 Tests/SFConvTests/Fixtures/make_fir_golden.py
"""
import json
import os

import numpy as np
import scipy
from scipy import signal

cases = []


def add(name, command, h):
    cases.append({"name": name, "command": command, "taps": len(h), "coefficients": [float(v) for v in h]})


windows = {"hann": "hann", "hamming": "hamming", "blackman": "blackman", "rect": "boxcar", "kaiser": ("kaiser", 5.0)}
specs = [
    ("lowpass", 48000, 51, dict(cutoff=[6000], pass_zero=True), "--cutoff 6000"),
    ("highpass", 44100, 51, dict(cutoff=[2000], pass_zero=False), "--cutoff 2000"),
    ("bandpass", 16000, 64, dict(cutoff=[500, 2500], pass_zero=False), "--low 500 --high 2500"),
    ("bandstop", 48000, 81, dict(cutoff=[1000, 5000], pass_zero=True), "--low 1000 --high 5000"),
]
for kind, rate, taps, args, options in specs:
    for label, window in windows.items():
        h = signal.firwin(taps, args["cutoff"], window=window, pass_zero=args["pass_zero"], scale=True, fs=rate)
        extra = " --beta 5" if label == "kaiser" else ""
        add(f"{kind}-{label}", f"design {kind} {options} --rate {rate} --taps {taps} --window {label}{extra}", h)

for kind, rate, options, cutoff, pass_zero, width, ripple in [
    ("highpass", 48000, "--cutoff 500", [500], False, 200, 60),
    ("bandpass", 44100, "--low 1000 --high 4000", [1000, 4000], False, 500, 50),
    ("bandstop", 32000, "--low 2000 --high 3000", [2000, 3000], True, 400, 40),
    ("lowpass", 48000, "--cutoff 10000", [10000], True, 2000, 30),
]:
    numtaps, beta = signal.kaiserord(ripple, width / (rate / 2))
    numtaps |= 1
    h = signal.firwin(numtaps, cutoff, window=("kaiser", beta), pass_zero=pass_zero, scale=True, fs=rate)
    add(f"{kind}-kaiserord-{ripple}", f"design {kind} {options} --rate {rate} --transition {width} --attenuation {ripple}", h)

firwin2 = []
for taps, freq, gain, window in [
    (65, [0, 1000, 2000, 24000], [1.0, 1.0, 0.25, 0.25], "hamming"),
    (101, [0, 300, 3000, 8000, 22050], [0.5, 1.0, 2.0, 1.0, 0.0], "hann"),
]:
    fs = 2 * freq[-1]
    h = signal.firwin2(taps, freq, gain, window=window, fs=fs)
    firwin2.append({"taps": taps, "freq": freq, "gain": gain, "window": window, "rate": fs, "coefficients": [float(v) for v in h]})

kaiser = []
for ripple, width in [(80, 0.05), (45, 0.1), (25, 0.02), (10, 0.2)]:
    numtaps, beta = signal.kaiserord(ripple, width)
    kaiser.append({"attenuation_db": ripple, "width": width, "numtaps": int(numtaps), "beta": float(beta)})

out = {"generated_with": f"scipy {scipy.__version__}, numpy {np.__version__}", "cases": cases, "firwin2": firwin2, "kaiserord": kaiser}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fir_more.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
