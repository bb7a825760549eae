#!/usr/bin/env python
"""In-silico saturation mutagenesis: ``deepomics.interpret.ism`` against tangermeme's
``saturation_mutagenesis``, timed in one run, with the outputs checked equal.

For each model (DeepBind at its defaults: 16 filters of 24, hidden 32; a narrowed Basset: three
convolutions of 64 filters, one dense layer of 256), both sides mutate the same random one-hot
sequences of 200 bp (fixed seeds) with the same model on the CPU, the same batch size and
thread count:

- ours: ``ism(model, x, batch_size=B, device="cpu")`` at its defaults: the raw-output change
  of every substitution, (N, 4, L), identity substitutions skipped; the input convolutions
  served from the unedited sequences (``fast=True``) and the batch size tuned up to B
  (``tune=True``); see ``deepomics/interpret/ism.py``.
- tangermeme: ``saturation_mutagenesis(model, X, raw_outputs=True, batch_size=B,
  device="cpu")`` at its defaults otherwise (``fast=True``: fastISM is tried for jobs it
  expects to take over 30 s), and ``y_hat - y0`` compared with ours (largest absolute
  difference, must be <= 1e-5). (At tangermeme's default batch size, 32, it is slower still:
  pass --batch-size 32 to time both sides that way.)

Each side runs --repeats times, alternating which goes first; the best wall-clock time of each
is printed with the ratio tangermeme / ours (above 1: ours is faster), then the same for the
processor time of this process (all its threads), which other programs on a shared machine
sway less. With 2 threads on a 2-core machine another busy process slows whichever side it
overlaps; the load average is printed at the end.

    .venv/bin/python benchmarks/bench_ism.py [--repeats N] [--threads N] [--batch-size B]
"""
from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from importlib import metadata

import numpy as np
import torch

from deepomics import models, seq
from deepomics.interpret import ism

CASES = {
    "deepbind": ({"arch": "deepbind", "seq_len": 200}, 40),
    "basset (64-64-64, dense 256)": ({"arch": "basset", "seq_len": 200,
                                      "n_filters": [64, 64, 64], "hidden": [256]}, 20),
}
LENGTH = 200
TOLERANCE = 1e-5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--batch-size", type=int, default=1024)
    args = parser.parse_args()
    from tangermeme.saturation_mutagenesis import saturation_mutagenesis

    torch.set_num_threads(args.threads)
    print(f"ISM, CPU, {args.threads} threads, batch_size {args.batch_size}, best of "
          f"{args.repeats}; torch {torch.__version__}, tangermeme "
          f"{metadata.version('tangermeme')}, {platform.processor() or platform.machine()}")
    print(f"{'model':30s} {'N x L':>9s} {'edits':>7s} {'ours s':>7s} {'tangermeme s':>12s} "
          f"{'ratio':>6s} {'ours cpu s':>10s} {'tm cpu s':>9s} {'ratio':>6s} {'max |diff|':>10s}")
    worst = 0.0
    for name, (config, n) in CASES.items():
        torch.manual_seed(0)
        model = models.build(config).eval()
        rng = np.random.default_rng(0)
        letters = np.array(list("ACGT"))[rng.integers(0, 4, (n, LENGTH))]
        x = seq.one_hot(["".join(row) for row in letters])
        X = torch.from_numpy(x)

        def ours():
            return ism(model, x, batch_size=args.batch_size, device="cpu")

        def theirs():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "using fast=False because ..."
                y0, y_hat = saturation_mutagenesis(model, X, raw_outputs=True,
                                                   batch_size=args.batch_size, device="cpu")
            return (y_hat[..., 0] - y0[:, None, None, 0]).numpy()

        ours()  # warm-up: first-call allocations on both sides
        theirs()
        t_ours, t_theirs, c_ours, c_theirs = [], [], [], []
        for repeat in range(args.repeats):  # alternating, each side first in turn
            first, second = (ours, theirs) if repeat % 2 == 0 else (theirs, ours)
            (t_first, c_first), (t_second, c_second) = _timed(first), _timed(second)
            t_ours.append(t_first if first is ours else t_second)
            t_theirs.append(t_second if first is ours else t_first)
            c_ours.append(c_first if first is ours else c_second)
            c_theirs.append(c_second if first is ours else c_first)
        difference = float(np.abs(ours() - theirs()).max())
        worst = max(worst, difference)
        a, b, ca, cb = min(t_ours), min(t_theirs), min(c_ours), min(c_theirs)
        print(f"{name:30s} {f'{n} x {LENGTH}':>9s} {n * 3 * LENGTH:>7d} {a:7.2f} {b:12.2f} "
              f"{b / a:6.2f} {ca:10.2f} {cb:9.2f} {cb / ca:6.2f} {difference:10.1e}")
    print(f"outputs equal to tangermeme within {TOLERANCE:g}: "
          f"{'yes' if worst <= TOLERANCE else 'NO'} (largest difference {worst:.1e})")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if worst > TOLERANCE:
        raise SystemExit(1)


def _timed(fn) -> tuple[float, float]:
    """(wall-clock seconds, processor seconds of this process) of one call."""
    start, start_cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - start_cpu


if __name__ == "__main__":
    main()
