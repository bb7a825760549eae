#!/usr/bin/env python
"""Umarov & Solovyev 2017 (PLoS One 12:e0171410): promoter recognition with a CNN, five-fold
cross-validation on E. coli sigma-70, B. subtilis and Arabidopsis non-TATA promoters.

For each set and fold (stratified, seeded) three models are trained on the same training part
and scored on the same held-out part, with the paper's metrics (Sn, Sp, CC = Matthews
correlation, threshold 0.5):

- ours: the toolkit's ``danq`` (convolution, max pooling over 4 positions, BiLSTM, dense) sized
  for 81-251 nt, trained in EvoAug's two stages (Lee et al. 2023): with random mutations
  (``mutation_rate`` 0.1) and random insertions and deletions of up to 3 letters
  (``max_indel`` 3: the spacing between a promoter's boxes varies by a letter or two), both
  afresh every epoch, and early stopping on the validation AUROC of a
  seeded 10% split of the training part (the best epoch kept; AUROC ranks every pair of the
  split's sequences, where MCC at 0.5 moves by about 0.03 with each of B. subtilis' 30
  validation promoters), then 5 epochs at lr 1e-4 on the other 90% as given
  (``fit(model, ..., augment=False)``); the mean probability of three such models trained with
  different seeds;
- plain: ``promoter_cnn`` at its defaults for 15 epochs (the paper's architecture, no selection);
- baseline: ``kmer_linear`` (logistic regression on 4-mer frequencies).

It works the same on your own FASTA files: ``--positives my_promoters.fa --negatives other.fa``.

    .venv/bin/python benchmarks/repro/promoters.py [--sets ecoli bacillus arabidopsis] [--quick]
        [--jobs N]
"""
from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from common import data_path, footer, header, mean_sd, sn_sp_cc, table

SETS = {
    "ecoli": ("E. coli sigma-70", "Ecoli_prom.fa", "Ecoli_non_prom.fa", (0.90, 0.96, 0.84)),
    "bacillus": ("B. subtilis", "Bacillus_prom.fa", "Bacillus_non_prom.fa", (0.91, 0.95, 0.86)),
    "arabidopsis": ("Arabidopsis non-TATA", "Arabidopsis_non_tata.fa", "Arabidopsis_non_prom.fa",
                    (0.94, 0.94, 0.86)),
}

OURS = {
    "config": {"arch": "danq", "n_filters": 64, "filter_size": 9, "pool_size": 4,
               "lstm_size": 32, "hidden": 64, "mutation_rate": 0.1, "max_indel": 3},
    "fit": {"epochs": 80, "batch_size": 32, "lr": 1e-3,
            "early_stopping": {"patience": 16, "monitor": "valid_auroc"}},
    "valid_fraction": 0.1,
    "finetune": {"epochs": 5, "batch_size": 32, "lr": 1e-4, "augment": False},
    "seeds": 3,
}
PLAIN = {"config": {"arch": "promoter_cnn"}, "fit": {"epochs": 15, "batch_size": 32, "lr": 1e-3}}
BASELINE = {"config": {"arch": "kmer_linear", "k": 4},
            "fit": {"epochs": 60, "batch_size": 64, "lr": 0.01,
                    "early_stopping": {"patience": 8}},
            "valid_fraction": 0.1}


def read(positives: str, negatives: str) -> tuple[list[str], np.ndarray]:
    from deepomics import seq

    pos = seq.read_fasta(positives).sequences
    neg = seq.read_fasta(negatives).sequences
    return list(pos) + list(neg), np.r_[np.ones(len(pos), dtype=np.int64),
                                        np.zeros(len(neg), dtype=np.int64)]


def train_one(recipe: dict, x: list[str], y: np.ndarray, seed: int):
    """One model of ``recipe`` trained on (x, y): with early stopping on a seeded split of it when
    the recipe holds one out (``valid_fraction``), else on all of it; then (``finetune``)
    trained further on the same training data."""
    from deepomics import train

    fit_data, valid_data = (x, y), None
    if recipe.get("valid_fraction"):
        fit_part, valid_part = train.split(len(x), valid_fraction=recipe["valid_fraction"],
                                           stratify=y, seed=seed)
        fit_data = ([x[j] for j in fit_part], y[fit_part])
        valid_data = ([x[j] for j in valid_part], y[valid_part])
    model = train.fit(dict(recipe["config"]), fit_data, valid_data, seed=seed, verbose=False,
                      **recipe["fit"])
    if recipe.get("finetune"):
        model = train.fit(model, fit_data, seed=seed, verbose=False, **recipe["finetune"])
    return model


def held_out_probabilities(recipe: dict, x_train: list[str], y_train: np.ndarray, seed: int,
                           x_test: list[str]) -> np.ndarray:
    """One model of ``recipe`` trained on the training part: its probabilities on the test part."""
    from deepomics import train

    return train.predict(train_one(recipe, x_train, y_train, seed), x_test)


def cross_validate(x: list[str], y: np.ndarray, recipe: dict, folds, seed: int,
                   pool=None) -> list[dict]:
    """Sn, Sp and CC per fold of the mean probability of the recipe's seeds; the models are
    trained in ``pool`` (a process pool) when given, else one after another."""
    seeds = range(recipe.get("seeds", 1))
    runs = {}
    for i, (tr, te) in enumerate(folds):
        for s in seeds:
            args = (recipe, [x[j] for j in tr], y[tr], seed + 100 * s + i, [x[j] for j in te])
            runs[i, s] = (pool.submit(held_out_probabilities, *args) if pool else
                          held_out_probabilities(*args))
    probabilities = {key: run.result() if pool else run for key, run in runs.items()}
    return [sn_sp_cc(np.mean([probabilities[i, s] for s in seeds], axis=0), y[te])
            for i, (_, te) in enumerate(folds)]


def one_thread() -> None:
    """A worker process's torch runs on one thread: the workers share the cores."""
    import torch

    torch.set_num_threads(1)


def run_set(name: str, positives: str, negatives: str, paper, k: int, seed: int,
            quick: bool, pool=None) -> list:
    from deepomics import train

    x, y = read(positives, negatives)
    print(f"\n### {name}: {int(y.sum()):,} promoters, {int((1 - y).sum()):,} non-promoters, "
          f"{len(x[0])} nt\n")
    folds = train.kfold(len(x), k, stratify=y, seed=seed)
    rows = []
    for label, recipe in ((f"deepomics danq, EvoAug, {OURS['seeds']}-seed mean (ours)", OURS),
                          ("promoter_cnn, defaults, 15 epochs", PLAIN),
                          ("k-mer logistic regression (k = 4)", BASELINE)):
        if quick:
            recipe = {**recipe, "fit": {**recipe["fit"], "epochs": 2},
                      "finetune": recipe.get("finetune") and {**recipe["finetune"], "epochs": 1}}
        start = time.perf_counter()
        s = cross_validate(x, y, recipe, folds, seed, pool)
        rows.append([label, mean_sd([r["sn"] for r in s]), mean_sd([r["sp"] for r in s]),
                     mean_sd([r["cc"] for r in s]), f"{(time.perf_counter() - start) / 60:.1f}"])
        # progress as each model finishes (stderr: the table, on stdout, comes at the set's end)
        print(f"  {name}, {label}: CC {rows[-1][3]} ({rows[-1][4]} min)", file=sys.stderr,
              flush=True)
    if paper:
        rows.append(["Umarov & Solovyev 2017 (paper)", *[f"{v:.2f}" for v in paper], ""])
    table(["model", "Sn", "Sp", "CC", "min"], rows)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS))
    parser.add_argument("--positives", help="your own promoter FASTA (with --negatives)")
    parser.add_argument("--negatives")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="2 epochs: a smoke test")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(),
                        help="models trained at once, one process of one torch thread each "
                             "(default: the number of cores; 1: one after another, in this "
                             "process)")
    args = parser.parse_args()
    start = header("Promoters (Umarov & Solovyev 2017): five-fold cross-validation",
                   "make repro  # benchmarks/repro/promoters.py")
    if args.jobs > 1:
        print(f"- parallel: {args.jobs} models at once, one torch thread each")
    print("\nmean ± sd over the folds; CC is Matthews' correlation; threshold 0.5")
    with contextlib.ExitStack() as stack:
        pool = None if args.jobs <= 1 else stack.enter_context(ProcessPoolExecutor(
            args.jobs, mp_context=multiprocessing.get_context("spawn"), initializer=one_thread))
        if args.positives:
            run_set("your promoters", args.positives, args.negatives, None, args.folds,
                    args.seed, args.quick, pool)
        else:
            for key in args.sets:
                name, pos, neg, paper = SETS[key]
                run_set(name, data_path("promoters", pos), data_path("promoters", neg), paper,
                        args.folds, args.seed, args.quick, pool)
    footer(start)


if __name__ == "__main__":
    main()
