"""Checks of plain arguments that functions across deepomics share, so that each is said the same
way everywhere (and takes what R passes: R's numbers are doubles, ``200`` arrives as ``200.0``).
"""
from __future__ import annotations

import numpy as np


def count(value, name: str) -> int:
    """``value`` as a positive whole number (``int``); a whole float such as R's ``200.0`` is
    taken. Anything else is an error naming ``name``: TypeError for a non-number (or a bool),
    ValueError for a fraction, NaN, infinity, zero or less."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a positive whole number, not {value!r}")
    if not np.isfinite(value) or value != int(value) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, not {value!r}")
    return int(value)
