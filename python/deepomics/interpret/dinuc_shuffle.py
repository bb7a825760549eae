"""Dinucleotide shuffles: sequences with exactly the letter and dinucleotide counts of the
original, drawn uniformly among all such sequences (Altschul & Erikson 1985; the Eulerian-walk
algorithm of Kandel et al. 1996, as in uShuffle / fasta-shuffle-letters -kmer 2).

The sequence is a walk through a multigraph whose vertices are letters and whose edges are its
dinucleotides. A random spanning arborescence of "last exits" pointing at the final letter is
drawn (Wilson's loop-erased random walks), every other edge list is shuffled, and the walk from
the first letter that uses each vertex's edges in that order is a uniformly drawn Eulerian path:
the first and last letters stay, every dinucleotide count is kept.

Used as references for the baseline methods of ``attribute`` (integrated gradients, DeepLIFT,
DeepSHAP): a reference keeps the composition of its sequence but loses its motifs.
"""
from __future__ import annotations

import numpy as np

from .. import seq
from ..args import count
from ..messages import nth

__all__ = ["dinucleotide_shuffle", "shuffle_codes", "shuffles_of"]


def dinucleotide_shuffle(X, *, n: int = 1, seed: int = 0):
    """``n`` dinucleotide shuffles of each sequence, as text or as one-hot.

    Text (a ``str``, or a list / array of ``str`` or ``bytes``; lengths may differ): a list of
    ``N * n`` upper-case strings, sequence-major (the ``n`` shuffles of the first sequence, then
    the second's, ...). Every letter is shuffled as itself (N, ambiguity codes, U, amino acids),
    so each letter's and each adjacent pair's count is kept: DeepBind's negatives are
    ``dinucleotide_shuffle(positives)``.

    One-hot ``(N, C, L)`` (or ``(C, L)`` for one sequence: then ``(n, C, L)``): float32
    ``(N, n, C, L)``. An all-zero column (an unknown letter) is shuffled as a letter of its own,
    so its count and the count of every dinucleotide holding it are kept too. Columns that are
    neither one-hot nor zero (soft encodings) are an error.

    Sequence ``i`` is shuffled by a generator seeded with ``(seed, i)``, so its shuffles do not
    depend on the other sequences, and DNA text (A, C, G, T, N) is shuffled as its one-hot
    encoding is.
    """
    n = count(n, "n (the number of shuffles)")
    if _is_text(X):
        return _shuffle_text(seq._as_sequence_list(X), n, seed)
    x = np.asarray(X)
    single = x.ndim == 2
    if single:
        x = x[None]
    if x.ndim != 3:
        raise ValueError(f"X must be sequences (text) or one-hot (N, C, L) or (C, L); got shape "
                         f"{x.shape}")
    out = shuffles_of(x, n, seed, 0)
    return out[0] if single else out


def _is_text(X) -> bool:
    if isinstance(X, (str, bytes)):
        return True
    if isinstance(X, np.ndarray):
        return X.dtype.kind in "USO"
    return isinstance(X, (list, tuple)) and any(isinstance(v, (str, bytes)) for v in X)


# Letter codes of text: the nucleotides (A, C, G, T, U) first and every other byte after them,
# so that DNA with N is shuffled exactly as its one-hot encoding (N an all-zero column, the
# last code) with the same seed.
_NUCLEOTIDE_FIRST = np.arange(256, dtype=np.int64) + 256
_NUCLEOTIDE_FIRST[[ord(c) for c in "ACGTU"]] -= 256


def _shuffle_text(seq_list: list, n: int, seed: int) -> list[str]:
    seq._core.lengths(seq_list)  # the kernels' checks: missing, empty, non-text, non-ASCII named
    out = []
    for i, s in enumerate(seq_list):
        text = (s if isinstance(s, bytes) else s.encode("ascii")).upper()
        codes = _NUCLEOTIDE_FIRST[np.frombuffer(text, dtype=np.uint8)]
        rng = np.random.default_rng([seed, i])
        out += [(shuffle_codes(codes, rng) % 256).astype(np.uint8).tobytes().decode("ascii")
                for _ in range(n)]
    return out


def shuffles_of(x: np.ndarray, n: int, seed: int, first: int) -> np.ndarray:
    """``n`` shuffles (N, n, C, L) of the one-hot sequences ``x``, which are sequences
    ``first, first + 1, ...`` of a larger set: sequence ``first + i`` is shuffled by a
    generator seeded with ``(seed, first + i)``, as ``dinucleotide_shuffle`` of the whole set
    would shuffle it."""
    codes = _codes(x, first)
    n_seq, n_letters, length = x.shape
    out = np.zeros((n_seq, n, n_letters, length), dtype=np.float32)
    positions = np.arange(length)
    for i in range(n_seq):
        rng = np.random.default_rng([seed, first + i])
        for j in range(n):
            shuffled = shuffle_codes(codes[i], rng)
            known = shuffled < n_letters
            out[i, j, shuffled[known], positions[known]] = 1.0
    return out


def _codes(x: np.ndarray, first: int = 0) -> np.ndarray:
    """(N, L) int64 letter codes of a one-hot array; C for an all-zero column."""
    totals = x.sum(axis=1)
    is_letter = (x == 1).sum(axis=1) == 1
    clean = (is_letter & (totals == 1)) | (totals == 0)
    if not clean.all():
        i, pos = (int(v) for v in np.argwhere(~clean)[0])
        raise ValueError(f"sequence {nth(first + i)}, position {nth(pos)} is not a one-hot letter (its "
                         f"column is {x[i, :, pos].tolist()}); dinucleotide shuffles need hard one-hot "
                         "input (0/1, at most one letter per position)")
    codes = x.argmax(axis=1).astype(np.int64)
    codes[totals == 0] = x.shape[1]
    return codes


def shuffle_codes(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniform dinucleotide shuffle of a 1-D integer sequence (any alphabet)."""
    codes = np.asarray(codes)
    if codes.size < 3:
        return codes.copy()
    letters, seq = np.unique(codes, return_inverse=True)
    k = len(letters)
    first, last = int(seq[0]), int(seq[-1])
    # edges[v]: the letters that follow v, one entry per dinucleotide (v, w)
    order = np.argsort(seq[:-1], kind="stable")
    starts = np.searchsorted(seq[:-1][order], np.arange(k + 1))
    followers = seq[1:][order]
    edges = [followers[starts[v]:starts[v + 1]].copy() for v in range(k)]

    last_exit = _random_arborescence(edges, last, rng)
    for v in range(k):
        if v == last or not len(edges[v]):
            rng.shuffle(edges[v])
            continue
        # keep one edge v -> last_exit[v] for the end of v's list, shuffle the others
        e = edges[v]
        where = int(np.flatnonzero(e == last_exit[v])[0])
        e[where], e[-1] = e[-1], e[where]
        rng.shuffle(e[:-1])

    out = np.empty(len(seq), dtype=np.int64)
    used = np.zeros(k, dtype=np.int64)
    v = first
    out[0] = v
    for step in range(1, len(seq)):
        w = edges[v][used[v]]
        used[v] += 1
        out[step] = w
        v = w
    return letters[out]


def _random_arborescence(edges, root: int, rng) -> np.ndarray:
    """For each vertex with out-edges other than ``root``, the target of its last exit: a
    uniform random spanning arborescence towards ``root`` (Wilson's algorithm, with each step
    drawn from the vertex's edges, so multiple edges weigh as they should)."""
    k = len(edges)
    in_tree = np.zeros(k, dtype=bool)
    in_tree[root] = True
    nxt = np.full(k, -1, dtype=np.int64)
    for start in range(k):
        if in_tree[start] or not len(edges[start]):
            continue
        v = start
        while not in_tree[v]:  # loop-erased random walk: remember only the latest exit
            nxt[v] = edges[v][rng.integers(len(edges[v]))]
            v = nxt[v]
        v = start
        while not in_tree[v]:
            in_tree[v] = True
            v = nxt[v]
    return nxt
