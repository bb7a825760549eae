"""Motifs: JASPAR matrices (offline, through pyjaspar) and planting sampled instances in sequences.

A PWM here is a float array ``(4, W)`` of base probabilities in A, C, G, T order (columns sum
to 1), the layout of one-hot input; counts (a JASPAR PFM) or percentages are turned into
probabilities column by column (``as_probabilities``).
"""
from __future__ import annotations

import numpy as np

from .args import count
from .messages import nth


def jaspar_pwm(matrix_id: str) -> tuple[str, np.ndarray]:
    """(name, PWM (4, W)) of a JASPAR matrix, e.g. ``"MA0139.1"`` (CTCF), from pyjaspar's
    bundled database; a bare base ID (``"MA0139"``) gives its latest version."""
    import warnings

    from pyjaspar import jaspardb

    with warnings.catch_warnings():  # pyjaspar warns, then returns None, for an unknown ID
        warnings.simplefilter("ignore")
        motif = jaspardb().fetch_motif_by_id(matrix_id)
    if motif is None:
        raise ValueError(f"JASPAR has no matrix {matrix_id!r} (IDs look like 'MA0139.1')")
    counts = np.array([motif.counts[base] for base in "ACGT"], dtype=np.float64)
    return motif.name, as_probabilities(counts, matrix_id)


def as_probabilities(pwm, what: str = "the motif") -> np.ndarray:
    """A motif ``(4, W)`` in A, C, G, T order as column probabilities: probabilities stay,
    counts (a JASPAR PFM) or percentages are divided by their column sums. ``what`` names the
    motif in errors (negative values, e.g. a log-odds matrix; NaN; an all-zero column)."""
    arr = np.asarray(pwm, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != 4 or arr.shape[1] < 1:
        raise ValueError(f"{what} must be a (4, W) matrix, rows A, C, G, T, columns positions; "
                         f"got shape {arr.shape}" + (" (transpose it)" if arr.ndim == 2 and
                                                     arr.shape[1] == 4 else ""))
    bad = np.flatnonzero(~np.isfinite(arr).all(axis=0) | (arr < 0).any(axis=0)
                         | (arr.sum(axis=0) <= 0))
    if bad.size:
        raise ValueError(f"{what} has negative, missing or infinite values or sums to 0 in "
                         f"column(s) {', '.join(str(j + 1) for j in bad[:5])} (1-based); give "
                         "probabilities or counts (a log-odds matrix cannot be sampled or matched)")
    return arr / arr.sum(axis=0, keepdims=True)


def sample_sites(pwm: np.ndarray, n: int, *, seed: int = 0) -> list[str]:
    """``n`` motif instances drawn base by base from the PWM's column probabilities (counts are
    turned into probabilities)."""
    pwm = as_probabilities(pwm)
    n = count(n, "n")
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(pwm, axis=0)  # (4, W)
    draws = rng.random((n, pwm.shape[1]))
    codes = (draws[:, None, :] > cumulative[None, :, :]).sum(axis=1)  # (n, W) in 0..3
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[np.minimum(codes, 3)]
    return [row.tobytes().decode() for row in letters]


def plant(sequences: list[str], sites: list[str], *, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Sequences with ``sites[i]`` written over ``sequences[i]`` at a random position.

    Returns (the new sequences, the start position of each site). The inputs are not changed.
    """
    if len(sites) != len(sequences):
        raise ValueError(f"{len(sites)} sites for {len(sequences)} sequences; give one site each")
    rng = np.random.default_rng(seed)
    planted, starts = [], np.empty(len(sequences), dtype=np.int64)
    for i, (sequence, site) in enumerate(zip(sequences, sites)):
        if len(site) > len(sequence):
            raise ValueError(f"site {nth(i)} ({len(site)} bp) is longer than sequence {nth(i)} ({len(sequence)} bp)")
        start = int(rng.integers(0, len(sequence) - len(site) + 1))
        planted.append(sequence[:start] + site + sequence[start + len(site):])
        starts[i] = start
    return planted, starts
