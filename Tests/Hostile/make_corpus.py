#!/usr/bin/env python3
"""Writes a hostile corpus of audio files into a folder (the test HostileCorpusTests runs every
command on each): headers cut at every byte of the first 64, lying sizes, odd fmt chunks, absurd
rates, channel counts and bit depths, corrupt FLAC, random bytes, NaN and huge floats.

    python3 Tests/Hostile/make_corpus.py OUT_DIR [FLAC_FILE]

Deterministic: the same files every run. Standard library only.
"""
import math
import os
import random
import struct
import sys


def wav(samples, rate=48000, channels=1, bits=16, fmt_tag=1, extra_fmt=b"", data_size=None, riff_size=None,
        block_align=None):
    """A WAV file; the sizes and fields may lie."""
    width = bits // 8
    if fmt_tag == 3:
        body = b"".join(struct.pack("<f", s) for s in samples)
    elif bits == 8:
        body = bytes(max(0, min(255, int(128 + 127 * s))) for s in samples)
    elif bits == 16:
        body = b"".join(struct.pack("<h", max(-32768, min(32767, int(32767 * s)))) for s in samples)
    else:
        body = b"".join(struct.pack("<i", int(2147483647 * max(-1, min(1, s))))[: width] for s in samples)
    align = block_align if block_align is not None else channels * width
    fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, (rate * align) & 0xFFFFFFFF, align & 0xFFFF, bits) + extra_fmt
    data_size = len(body) if data_size is None else data_size
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", data_size) + body
    riff_size = 4 + len(chunks) if riff_size is None else riff_size
    return b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + chunks


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(2026)
    tone = [0.5 * math.sin(2 * math.pi * 440 * i / 48000) for i in range(4800)]
    good = wav(tone)
    files = {"good.wav": good}
    for cut in range(1, 65):
        files[f"cut-{cut:02d}.wav"] = good[:cut]
    files["cut-middle.wav"] = good[: len(good) // 2]
    files["data-claims-more.wav"] = wav(tone, data_size=10**8)
    files["data-size-max.wav"] = wav(tone, data_size=0xFFFFFFFF, riff_size=0xFFFFFFFF)
    files["data-size-zero.wav"] = wav(tone, data_size=0)
    files["riff-size-small.wav"] = wav(tone, riff_size=4)
    files["fmt-extra.wav"] = wav(tone, extra_fmt=b"\x00" * 22)
    files["fmt-unknown-tag.wav"] = wav(tone, fmt_tag=0x1234)
    files["block-align-zero.wav"] = wav(tone, block_align=0)
    files["block-align-odd.wav"] = wav(tone, block_align=3)
    for rate in (0, 1, 7, 2**31 - 1, 4_000_000):
        files[f"rate-{rate}.wav"] = wav(tone[:64], rate=rate)
    for channels in (0, 3, 255, 1024, 65535):
        files[f"channels-{channels}.wav"] = wav(tone[:8] * max(1, channels), channels=channels)
    for bits in (0, 1, 12, 20, 48, 64, 255):
        files[f"bits-{bits}.wav"] = wav(tone[:64], bits=bits)
    files["pcm8.wav"] = wav(tone, bits=8)
    files["float-nan.wav"] = wav([0.1, float("nan"), 0.2] * 100, fmt_tag=3, bits=32)
    files["float-inf.wav"] = wav([0.1, float("inf")] * 100, fmt_tag=3, bits=32)
    files["float-huge.wav"] = wav([3e38, -3e38] * 100, fmt_tag=3, bits=32)
    files["float-denormal.wav"] = wav([1e-40] * 200, fmt_tag=3, bits=32)
    files["random.wav"] = bytes(rng.getrandbits(8) for _ in range(4096))
    files["random-riff.wav"] = b"RIFF" + bytes(rng.getrandbits(8) for _ in range(4092))
    files["text.wav"] = b"this is not audio\n" * 50
    files["zeros.wav"] = bytes(4096)
    files["aiff-cut.aiff"] = b"FORM\x00\x00\x10\x00AIFFCOMM\x00\x00\x00\x12\x00\x01"
    if len(sys.argv) > 2:
        flac = open(sys.argv[2], "rb").read()
        files["flac-good.flac"] = flac
        for cut in (4, 8, 42, len(flac) // 2):
            files[f"flac-cut-{cut}.flac"] = flac[:cut]
        for n in range(6):
            damaged = bytearray(flac)
            for _ in range(8):
                position = rng.randrange(4, len(damaged))
                damaged[position] ^= 1 << rng.randrange(8)
            files[f"flac-flipped-{n}.flac"] = bytes(damaged)
    for name, content in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(content)
    print(len(files))


if __name__ == "__main__":
    main()
