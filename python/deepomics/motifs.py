"""Motifs: JASPAR matrices (offline, through pyjaspar) and planting sampled instances in sequences.

A PWM here is a float array ``(4, W)`` of base probabilities in A, C, G, T order (columns sum
to 1), the layout of one-hot input.
"""
from __future__ import annotations

import numpy as np

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
    return motif.name, counts / counts.sum(axis=0, keepdims=True)


def sample_sites(pwm: np.ndarray, n: int, *, seed: int = 0) -> list[str]:
    """``n`` motif instances drawn base by base from the PWM's column probabilities."""
    pwm = np.asarray(pwm, dtype=np.float64)
    if pwm.ndim != 2 or pwm.shape[0] != 4 or not np.allclose(pwm.sum(axis=0), 1, atol=1e-6):
        raise ValueError("pwm must be (4, W) probabilities in A, C, G, T order, columns summing to 1")
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
