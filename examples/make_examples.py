#!/usr/bin/env python3
"""Regenerates examples/plucks.wav (standard library only, deterministic):
4 s of plucked-string notes (Karplus-Strong), mono, 48 kHz, 16-bit.
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


if __name__ == "__main__":
    write("plucks.wav", plucks())
