#!/usr/bin/env python
"""Memory of training on a genome-scale FASTA: intervals streamed from an indexed 1 GB FASTA.

Writes a random genome of ``--gbp`` billion bases (10 chromosomes, 60-letter lines) once into
``--dir``, then trains DeepBind on ``--intervals`` windows of 500 bp (labels random: this
measures memory, not learning) for one epoch with 2 DataLoader workers that read and encode
each batch from the FASTA (``deepomics.genome.GenomeIntervals``), and predicts on them. A
sampler thread reads the resident set size (RSS) of this process and its workers every 50 ms.
Target: the peak of the sum stays under 2 GB (the FASTA alone is 1 GB; loading it as one-hot
float32 would take 16 GB).

    .venv/bin/python benchmarks/bench_genome_memory.py [--gbp 1.0] [--intervals 200000]
"""
from __future__ import annotations

import argparse
import os
import threading
import time

import numpy as np
import pandas as pd


def write_genome(path: str, gbp: float, n_chroms: int = 10, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    per_chrom = int(gbp * 1e9) // n_chroms
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    with open(path + ".tmp", "wb") as f:
        for c in range(n_chroms):
            f.write(f">chr{c + 1}\n".encode())
            left = per_chrom
            while left:
                lines = min(left // 60 or 1, 200_000)
                n = min(left, lines * 60)
                block = letters[rng.integers(0, 4, size=n, dtype=np.uint8)]
                full = n // 60
                body = np.empty((full, 61), dtype=np.uint8)
                body[:, :60] = block[:full * 60].reshape(full, 60)
                body[:, 60] = ord("\n")
                f.write(body.tobytes())
                if n % 60:
                    f.write(block[full * 60:].tobytes() + b"\n")
                left -= n
    os.replace(path + ".tmp", path)


class PeakRSS:
    """The peak resident set size of this process plus its children, sampled every 50 ms."""

    def __init__(self):
        import psutil

        self.process, self.peak, self.running = psutil.Process(), 0, True
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psutil

        while self.running:
            try:
                rss = self.process.memory_info().rss + sum(
                    c.memory_info().rss for c in self.process.children(recursive=True))
            except psutil.Error:
                continue
            self.peak = max(self.peak, rss)
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gbp", type=float, default=1.0)
    parser.add_argument("--intervals", type=int, default=200_000)
    parser.add_argument("--dir", default="bench-out")
    args = parser.parse_args()
    from deepomics import genome, train

    os.makedirs(args.dir, exist_ok=True)
    fasta = os.path.join(args.dir, f"random-{args.gbp:g}gbp.fa")
    if not os.path.exists(fasta):
        start = time.perf_counter()
        write_genome(fasta, args.gbp)
        print(f"wrote {fasta}: {os.path.getsize(fasta) / 1e9:.2f} GB in "
              f"{time.perf_counter() - start:.0f} s")
    start = time.perf_counter()
    handle = genome.open_genome(fasta)
    lengths = dict(zip(handle.references, handle.lengths))
    print(f"indexed: {len(lengths)} chromosomes, {sum(lengths.values()) / 1e9:.2f} Gbp "
          f"({time.perf_counter() - start:.1f} s)")
    rng = np.random.default_rng(1)
    chrom = rng.choice(list(lengths), size=args.intervals)
    starts = np.array([rng.integers(0, lengths[c] - 500) for c in chrom])
    windows = pd.DataFrame({"chrom": chrom, "start": starts, "end": starts + 500,
                            "strand": rng.choice(["+", "-"], size=args.intervals)})
    labels = rng.integers(0, 2, size=args.intervals)
    with PeakRSS() as before:
        time.sleep(0.3)
    print(f"before training: RSS {before.peak / 2**20:,.0f} MiB (Python, torch, the interval table)")
    with PeakRSS() as rss:
        start = time.perf_counter()
        regions = genome.GenomeIntervals(fasta, windows)
        model = train.fit({"arch": "deepbind", "n_filters": 16}, (regions, labels), epochs=1,
                          batch_size=256, num_workers=2, seed=0, verbose=False)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        predictions = train.predict(model, regions, batch_size=1024)
        predict_s = time.perf_counter() - start
    assert predictions.shape == (args.intervals,)
    mbp = args.intervals * 500 / 1e6
    print(f"fit: {args.intervals:,} windows x 500 bp ({mbp:,.0f} Mbp), 1 epoch, 2 workers: "
          f"{fit_s:.0f} s ({mbp / fit_s:.1f} Mbp/s); predict {predict_s:.0f} s")
    print(f"one-hot float32 of these windows would take {args.intervals * 4 * 500 * 4 / 2**30:.1f} GiB; "
          f"the FASTA is {os.path.getsize(fasta) / 2**30:.2f} GiB")
    peak_gb = rss.peak / 1e9
    print(f"peak RSS, process + workers: {rss.peak / 2**20:,.0f} MiB ({peak_gb:.2f} GB)   "
          f"target < 2 GB: {'PASS' if peak_gb < 2 else 'FAIL'}")


if __name__ == "__main__":
    main()
