#!/usr/bin/env python3
"""The peer of `sfconv batch` reverb augmentation for bench/augment.sh: what an ML engineer writes
by hand. Each file: read with soundfile, a seeded IR and wet gain, unit-energy IR, scipy's
fftconvolve, advanced by the IR's peak and cut to the input's length, dry 1 + wet, written 16-bit.
A 2-process pool (or --jobs N).

usage: augment_peer.py IN_DIR OUT_DIR IR_DIR [--jobs N] [--audiomentations]
  --audiomentations: audiomentations' ApplyImpulseResponse (p=1) instead of fftconvolve
"""
import argparse
import glob
import os
import zlib
from multiprocessing import Pool

import numpy as np
import soundfile as sf

ARGS = None
IRS = None


AUGMENT = None


def setup(args):
    global ARGS, IRS, AUGMENT
    ARGS = args
    IRS = sorted(glob.glob(os.path.join(args.ir_dir, "**", "*.wav"), recursive=True))
    if args.audiomentations:
        from audiomentations import ApplyImpulseResponse
        # Once per process: it lists the folder and caches the IRs it loads.
        AUGMENT = ApplyImpulseResponse(ir_path=args.ir_dir, p=1.0, leave_length_unchanged=True)


def process(relative):
    from scipy.signal import fftconvolve
    x, rate = sf.read(os.path.join(ARGS.in_dir, relative), dtype="float32")
    rng = np.random.default_rng(zlib.crc32(relative.encode()))
    out_path = os.path.join(ARGS.out_dir, relative)
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    if ARGS.audiomentations:
        y = AUGMENT(samples=x, sample_rate=rate)
    else:
        h, _ = sf.read(IRS[rng.integers(len(IRS))], dtype="float32")
        h = h / np.sqrt(np.sum(h.astype(np.float64) ** 2))
        wet = 0.1 + 0.4 * rng.random()
        shift = int(np.argmax(np.abs(h)))
        # Advanced by the direct sound, so the dry path (x itself) lines up with it.
        y = fftconvolve(x, h)[shift:shift + len(x)] * wet + x
    sf.write(out_path, np.clip(y, -1, 1), rate, subtype="PCM_16")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("in_dir")
    parser.add_argument("out_dir")
    parser.add_argument("ir_dir")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--audiomentations", action="store_true")
    args = parser.parse_args()
    files = sorted(os.path.relpath(p, args.in_dir) for p in glob.glob(os.path.join(args.in_dir, "**", "*.wav"), recursive=True))
    with Pool(args.jobs, initializer=setup, initargs=(args,)) as pool:
        pool.map(process, files, chunksize=16)


if __name__ == "__main__":
    main()
