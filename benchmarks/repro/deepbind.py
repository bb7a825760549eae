#!/usr/bin/env python
"""DeepBind (Alipanahi et al. 2015, Nat. Biotechnol. 33:831) on six ENCODE ChIP-seq
experiments: train on the *_AC peaks (bound) with negatives made as DeepBind made them, by
dinucleotide-preserving shuffles of the training positives; test on the *_B files (500 bound,
500 unbound). Test AUROC of ``deepbind``, ``danq`` and the k-mer baseline (logistic regression
on 4-mer frequencies), trained on the same data.

Works on your own peaks: ``--train peaks.fa --test-pos held_out.fa --test-neg background.fa``.

    .venv/bin/python benchmarks/repro/deepbind.py [--experiments CTCFL FOXA1 ...] [--quick]
"""
from __future__ import annotations

import argparse
import glob
import gzip
import os
import time

import numpy as np

from common import data_path, footer, header, table

RECIPES = {
    "deepbind": ({"arch": "deepbind", "n_filters": 16, "filter_size": 24, "hidden": 32,
                  "strand": "average"},
                 {"epochs": 30, "batch_size": 128, "lr": 1e-3, "valid_fraction": 0.1,
                  "early_stopping": {"patience": 4, "monitor": "valid_auroc"}}),
    "danq": ({"arch": "danq", "n_filters": 64, "filter_size": 19, "pool_size": 8, "lstm_size": 32,
              "hidden": 64, "strand": "average"},
             {"epochs": 20, "batch_size": 128, "lr": 1e-3, "valid_fraction": 0.1,
              "early_stopping": {"patience": 3, "monitor": "valid_auroc"}}),
    "k-mer baseline": ({"arch": "kmer_linear", "k": 4, "canonical": True},
                       {"epochs": 40, "batch_size": 256, "lr": 0.01, "valid_fraction": 0.1,
                        "early_stopping": {"patience": 4, "monitor": "valid_auroc"}}),
}


def read_seq_gz(path: str) -> tuple[list[str], np.ndarray]:
    """DeepBind's .seq.gz: FoldID, EventID, seq, Bound (tab-separated, with a header)."""
    seqs, bound = [], []
    with gzip.open(path, "rt") as f:
        next(f)
        for line in f:
            fields = line.rstrip("\n").split("\t")
            seqs.append(fields[2])
            bound.append(int(fields[3]))
    return seqs, np.array(bound)


def shuffled_negatives(positives: list[str], seed: int) -> list[str]:
    """One dinucleotide shuffle of each positive (deepomics.interpret.dinucleotide_shuffle)."""
    from deepomics.interpret import dinucleotide_shuffle

    return dinucleotide_shuffle(positives, n=1, seed=seed)


def run(name: str, train_pos: list[str], test_x: list[str], test_y: np.ndarray, seed: int,
        quick: bool, max_train: int | None) -> list:
    from deepomics import train

    rng = np.random.default_rng(seed)
    if max_train and len(train_pos) > max_train:
        train_pos = [train_pos[i] for i in sorted(rng.choice(len(train_pos), max_train, replace=False))]
    negatives = shuffled_negatives(train_pos, seed)
    x = train_pos + negatives
    y = np.r_[np.ones(len(train_pos)), np.zeros(len(negatives))].astype(np.int64)
    row = [name, f"{len(train_pos):,}"]
    for label, (config, fit_args) in RECIPES.items():
        if quick:
            fit_args = {**fit_args, "epochs": 1}
        start = time.perf_counter()
        model = train.fit(dict(config), (x, y), seed=seed, verbose=False, **fit_args)
        scores = train.evaluate(model, (test_x, test_y))
        auroc = float(scores.query("metric == 'auroc' and output == 'all'")["value"].iloc[0])
        row += [auroc]
        print(f"  {name} {label}: AUROC {auroc:.3f} ({time.perf_counter() - start:.0f} s)",
              flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiments", nargs="+", help="names such as CTCFL FOXA1 (default: all)")
    parser.add_argument("--train", help="your own bound sequences (FASTA)")
    parser.add_argument("--test-pos", help="your own held-out bound sequences (FASTA)")
    parser.add_argument("--test-neg", help="your own held-out unbound sequences (FASTA)")
    parser.add_argument("--max-train", type=int, default=20000,
                        help="train on at most this many peaks per experiment (time on 2 cores)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="1 epoch: a smoke test")
    args = parser.parse_args()
    start = header("TF binding (DeepBind, ENCODE ChIP-seq): test AUROC",
                   "make repro  # benchmarks/repro/deepbind.py")
    print(f"\nnegatives: one dinucleotide shuffle per training peak; at most {args.max_train:,} "
          "peaks per experiment; test: the *_B file (500 bound, 500 unbound)\n", flush=True)
    rows = []
    if args.train:
        from deepomics import seq

        pos = list(seq.read_fasta(args.test_pos).sequences)
        neg = list(seq.read_fasta(args.test_neg).sequences)
        rows.append(run("your data", list(seq.read_fasta(args.train).sequences), pos + neg,
                        np.r_[np.ones(len(pos)), np.zeros(len(neg))].astype(np.int64),
                        args.seed, args.quick, args.max_train))
    else:
        folder = data_path("deepbind_encode")
        for path in sorted(glob.glob(os.path.join(folder, "*_AC.seq.gz"))):
            name = os.path.basename(path).split("_")[0]
            if args.experiments and name not in args.experiments:
                continue
            train_x, _ = read_seq_gz(path)
            test_x, test_y = read_seq_gz(path.replace("_AC.seq.gz", "_B.seq.gz"))
            rows.append(run(name, train_x, test_x, test_y, args.seed, args.quick, args.max_train))
    print()
    means = ["mean", ""] + [float(np.mean([r[i] for r in rows])) for i in range(2, 2 + len(RECIPES))]
    table(["experiment", "training peaks", *RECIPES], rows + [means])
    footer(start)


if __name__ == "__main__":
    main()
