#!/usr/bin/env python3
"""Regenerates the two example files (standard library only, deterministic):

  plucks.wav  4 s of plucked-string notes (Karplus-Strong), mono, 48 kHz, 16-bit
  room.wav    a 0.6 s stereo room impulse response (direct sound, a few early
              reflections, decaying filtered noise), 48 kHz, 16-bit
"""
import math
import os
import random
import struct
import wave

RATE = 48000
HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, channels):
    frames = len(channels[0])
    with wave.open(os.path.join(HERE, name), "wb") as f:
        f.setnchannels(len(channels))
        f.setsampwidth(2)
        f.setframerate(RATE)
        data = bytearray()
        for i in range(frames):
            for ch in channels:
                data += struct.pack("<h", max(-32767, min(32767, round(ch[i] * 32767))))
        f.writeframes(bytes(data))


def plucks():
    rng = random.Random(1)
    out = [0.0] * (4 * RATE)
    notes = [(0.0, 220.0), (0.5, 277.18), (1.0, 329.63), (1.5, 440.0), (2.0, 329.63), (2.5, 277.18), (3.0, 220.0)]
    for start, freq in notes:
        period = int(RATE / freq)
        line = [rng.uniform(-1, 1) for _ in range(period)]
        begin = int(start * RATE)
        for i in range(begin, len(out)):
            k = (i - begin) % period
            value = line[k]
            line[k] = 0.996 * 0.5 * (line[k] + line[(k + 1) % period])
            out[i] += 0.25 * value
    return [out]


def room():
    rng = random.Random(2)
    n = int(0.6 * RATE)
    channels = []
    for side in range(2):
        h = [0.0] * n
        h[0] = 1.0
        for delay_ms, gain in ((7.1, 0.5), (11.3, -0.4), (17.9, 0.35), (23.2, -0.3)):
            h[int((delay_ms + 1.3 * side) * RATE / 1000)] += gain
        smooth = 0.0
        for i in range(int(0.005 * RATE), n):
            t = i / RATE
            smooth = 0.6 * smooth + 0.4 * rng.gauss(0, 1)
            h[i] += 0.25 * smooth * 10 ** (-3 * t / 0.5)
        peak = max(abs(v) for v in h)
        channels.append([v / peak * 0.9 for v in h])
    return channels


if __name__ == "__main__":
    write("plucks.wav", plucks())
    write("room.wav", room())
