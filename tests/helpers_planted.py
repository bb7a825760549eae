"""Synthetic data with a planted signal, shared by test_train.py and test_io.py.

Every generator takes a seed and returns plain Python / NumPy objects; the tasks are easy for a
model that works (a motif present or not) and impossible for one that is broken.
"""
from __future__ import annotations

import numpy as np

DNA = "ACGT"
PROTEIN = "ACDEFGHIKLMNPQRSTVWY"

# Motifs without internal similarity to each other, so that classes are separable.
MOTIFS = ("TGACTCAG", "GGGCGGGA", "CATTGTTC")


def random_seqs(n: int, length: int, rng, letters: str = DNA) -> list[str]:
    codes = rng.integers(0, len(letters), size=(n, length))
    table = np.array(list(letters))
    return ["".join(row) for row in table[codes]]


def plant(sequence: str, motif: str, rng) -> str:
    start = int(rng.integers(0, len(sequence) - len(motif) + 1))
    return sequence[:start] + motif + sequence[start + len(motif):]


def binary_motif(n: int = 600, length: int = 40, motif: str = MOTIFS[0], seed: int = 0,
                 letters: str = DNA) -> tuple[list[str], np.ndarray]:
    """Half the sequences carry ``motif`` at a random position (label 1), half do not (0)."""
    rng = np.random.default_rng(seed)
    seqs = random_seqs(n, length, rng, letters)
    y = (np.arange(n) % 2).astype(np.int64)
    rng.shuffle(y)
    seqs = [plant(s, motif, rng) if label else s for s, label in zip(seqs, y)]
    return seqs, y


def multiclass_motif(n: int = 600, length: int = 40, motifs=MOTIFS, seed: int = 0,
                     names=None) -> tuple[list[str], np.ndarray]:
    """Class k carries motif k; labels are the class names (strings by default)."""
    rng = np.random.default_rng(seed)
    names = list(names) if names is not None else [f"class_{k}" for k in range(len(motifs))]
    seqs = random_seqs(n, length, rng)
    codes = np.arange(n) % len(motifs)
    rng.shuffle(codes)
    seqs = [plant(s, motifs[c], rng) for s, c in zip(seqs, codes)]
    return seqs, np.array([names[c] for c in codes], dtype=object)


def multilabel_motif(n: int = 600, length: int = 40, motifs=MOTIFS[:2],
                     seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Each motif is present or not independently: a 0/1 matrix (N, len(motifs))."""
    rng = np.random.default_rng(seed)
    seqs = random_seqs(n, length, rng)
    y = rng.integers(0, 2, size=(n, len(motifs)))
    out = []
    half = length // len(motifs)
    for s, row in zip(seqs, y):
        for k, present in enumerate(row):
            if present:  # each motif in its own part of the sequence, so they never overlap
                part = s[k * half:(k + 1) * half]
                s = s[:k * half] + plant(part, motifs[k], rng) + s[(k + 1) * half:]
        out.append(s)
    return out, y.astype(np.float32)


def gaussian_clusters(n: int = 600, n_features: int = 20, k: int = 3, seed: int = 0,
                      spread: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Well separated Gaussian clusters: (x float32 (N, F), cluster index (N,))."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, spread, size=(k, n_features))
    labels = np.arange(n) % k
    rng.shuffle(labels)
    x = centers[labels] + rng.normal(0, 1, size=(n, n_features))
    return x.astype(np.float32), labels


def landmarks(n: int = 800, n_landmarks: int = 10, n_targets: int = 4,
              seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Landmark expression x and targets: two linear and two nonlinear functions of x, plus a
    little noise (R^2 of the truth is about 0.99)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_landmarks)).astype(np.float32)
    w = rng.normal(size=(n_landmarks, 2)) / np.sqrt(n_landmarks)
    linear = x @ w
    nonlinear = np.stack([np.tanh(x[:, 0] + x[:, 1]), x[:, 2] * x[:, 3] / 2], axis=1)
    y = np.concatenate([linear, nonlinear], axis=1)[:, :n_targets]
    y = y + rng.normal(0, 0.05, size=y.shape)
    return x, y.astype(np.float32)


def low_rank_clusters(n: int = 600, n_features: int = 30, seed: int = 0):
    """Two clusters in a 2-D subspace of n_features: (x float32, labels 0/1)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    rng.shuffle(labels)
    z = rng.normal(0, 0.5, size=(n, 2)) + np.where(labels[:, None] == 1, 2.0, -2.0)
    basis = rng.normal(size=(2, n_features))
    x = z @ basis + rng.normal(0, 0.1, size=(n, n_features))
    return x.astype(np.float32), labels

