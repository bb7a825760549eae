#!/usr/bin/env python
"""DeepLoc (Almagro Armenteros et al. 2017, Bioinformatics 33:3387): protein subcellular
localisation. Trained on DeepLoc's test partition (deeploc_test_set.fasta, 2,768 proteins, the
largest piece available offline), evaluated on the homology-reduced setHARD (490 proteins):
10-class accuracy of ``deeploc`` (convolutions, BiLSTM, attention) against an amino-acid
composition baseline (multinomial logistic regression on the 20 letter frequencies). As in the
paper, a protein longer than 1,000 residues is cut to its first and last 500.

Ours is the mean probability of three ``deeploc`` models trained with different seeds, each
early-stopped on the loss of its own seeded 10% validation split of the training file (the
accuracy over ~280 validation proteins moves in steps too coarse to pick an epoch by); setHARD
only scores the models, no epoch or model is picked on it.

Membrane-bound vs soluble: setHARD has no such labels (all "U"), so that accuracy is measured on
a stratified, seeded 20% of the training file's M / S proteins held out from a second set of
models (three deeploc, one baseline) trained on the other 80%.

Works on your own FASTA: ``--train my.fasta --test other.fasta`` with headers
``>ID Location-M|S|U ...`` as DeepLoc's.

    .venv/bin/python benchmarks/repro/deeploc.py [--quick]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from common import data_path, footer, header, table

MAX_LENGTH = 1000
DEEPLOC = ({"arch": "deeploc", "n_filters": 16, "conv2_filters": 64, "lstm_size": 64,
            "attention_size": 32, "hidden": 64, "dropout": 0.25},
           {"epochs": 25, "batch_size": 32, "lr": 2e-3, "valid_fraction": 0.1,
            "early_stopping": {"patience": 5, "monitor": "valid_loss"}})
SEEDS = 3
COMPOSITION = ({"arch": "mlp", "hidden": []},
               {"epochs": 300, "batch_size": 64, "lr": 0.01, "valid_fraction": 0.1,
                "early_stopping": {"patience": 20, "monitor": "valid_accuracy"}})


def read(path: str):
    """(sequences cut to 500 + 500, locations, membrane M / S / U) from DeepLoc's FASTA."""
    from deepomics import seq

    records = seq.read_fasta(path)
    sequences, locations, membrane = [], [], []
    for s, description in zip(records.sequences, records.descriptions):
        label = description.split()[0]
        location, _, kind = label.rpartition("-")
        sequences.append(s if len(s) <= MAX_LENGTH else s[:MAX_LENGTH // 2] + s[-MAX_LENGTH // 2:])
        locations.append(location)
        membrane.append(kind)
    return sequences, np.array(locations), np.array(membrane)


def composition(sequences: list[str]) -> np.ndarray:
    """The 20 amino-acid frequencies of each protein (N, 20), from deepomics' one-hot."""
    from deepomics import seq

    x = seq.one_hot(sequences, alphabet="protein", length=MAX_LENGTH)
    counts = x.sum(axis=2)
    return (counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)).astype(np.float32)


def accuracy(probability: np.ndarray, truth) -> float:
    """Accuracy of class probabilities: (N,) binary, or (N, K) over the categories of ``truth``.
    A test label the training file lacks (code -1) counts as an error, where the metrics of
    ``deepomics.train.metrics`` would give NaN for the whole set."""
    codes = np.asarray(getattr(truth, "codes", truth))
    predicted = probability.argmax(1) if probability.ndim == 2 else (probability >= 0.5)
    return float((predicted == codes).mean())


def fit_and_score(recipe, x_train, y_train, x_test, y_test, seed: int, quick: bool,
                  seeds: int = 1) -> tuple[float, float, list[float]]:
    """(accuracy of the mean probability of ``seeds`` models, minutes, each model's accuracy)."""
    from deepomics import train

    config, fit_args = recipe
    if quick:
        fit_args = {**fit_args, "epochs": 1}
    start = time.perf_counter()
    probabilities = []
    for s in range(seeds):
        model = train.fit(dict(config), (x_train, y_train), seed=seed + s, verbose=False, **fit_args)
        probabilities.append(train.predict(model, x_test))
    return (accuracy(np.mean(probabilities, axis=0), y_test), (time.perf_counter() - start) / 60,
            [accuracy(p, y_test) for p in probabilities])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", help="your own training FASTA (DeepLoc headers)")
    parser.add_argument("--test", help="your own test FASTA (DeepLoc headers)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="1 epoch: a smoke test")
    args = parser.parse_args()
    start = header("Protein localisation (DeepLoc): accuracy on setHARD",
                   "make repro  # benchmarks/repro/deeploc.py")
    train_seqs, train_loc, train_mem = read(args.train or data_path("deeploc", "deeploc_test_set.fasta"))
    test_seqs, test_loc, _ = read(args.test or data_path("deeploc", "setHARD.fasta"))
    print(f"\ntraining: {len(train_seqs):,} proteins, {len(set(train_loc))} locations; test: "
          f"{len(test_seqs):,} proteins\n", flush=True)
    classes = sorted(set(train_loc))
    import pandas as pd

    y_train = pd.Categorical(train_loc, categories=classes)
    y_test = pd.Categorical(test_loc, categories=classes)
    rows = []
    acc, minutes, each = fit_and_score(DEEPLOC, train_seqs, y_train, test_seqs, y_test, args.seed,
                                       args.quick, SEEDS)
    rows.append([f"deepomics deeploc (attention), {SEEDS}-seed mean", acc, f"{minutes:.1f}"])
    print(f"  deeploc: {acc:.3f} (each seed: {', '.join(f'{a:.3f}' for a in each)})", flush=True)
    comp_acc, minutes, _ = fit_and_score(COMPOSITION, composition(train_seqs), y_train,
                                         composition(test_seqs), y_test, args.seed, args.quick)
    rows.append(["amino-acid composition (logistic regression)", comp_acc, f"{minutes:.1f}"])
    print(f"\n### 10 locations, setHARD accuracy\n")
    table(["model", "accuracy", "min"], rows)
    print(f"\ndeeploc minus baseline: {100 * (acc - comp_acc):+.1f} points (target: +10)\n",
          flush=True)

    from deepomics import train

    labelled = np.flatnonzero(train_mem != "U")
    tr, te = train.split(len(labelled), valid_fraction=0.2, stratify=train_mem[labelled],
                         seed=args.seed)
    tr, te = labelled[tr], labelled[te]
    mem = (train_mem == "M").astype(np.int64)
    rows = []
    acc_m, minutes, _ = fit_and_score(DEEPLOC, [train_seqs[i] for i in tr], mem[tr],
                                      [train_seqs[i] for i in te], mem[te], args.seed, args.quick,
                                      SEEDS)
    rows.append([f"deepomics deeploc (attention), {SEEDS}-seed mean", acc_m, f"{minutes:.1f}"])
    comp = composition(train_seqs)
    acc_c, minutes, _ = fit_and_score(COMPOSITION, comp[tr], mem[tr], comp[te], mem[te],
                                      args.seed, args.quick)
    rows.append(["amino-acid composition (logistic regression)", acc_c, f"{minutes:.1f}"])
    print(f"### membrane-bound vs soluble, held-out 20% of the training file's {len(labelled):,} "
          f"M / S proteins ({len(te)} proteins)\n")
    table(["model", "accuracy", "min"], rows)
    footer(start)


if __name__ == "__main__":
    main()
