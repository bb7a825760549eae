"""How messages number things: sequences, positions, rows and intervals are counted from
``INDEX_BASE``, 0 in Python. The R package sets it to 1 when it loads deepomics, so that R users
read the numbers R uses (``x[[4]]`` is "sequence 4", the first letter is "position 1") and
intervals as GRanges shows them (1-based, end included).
"""
from __future__ import annotations

import numbers

INDEX_BASE = 0


def nth(i) -> int:
    """The 0-based index ``i`` as the user counts."""
    return int(i) + INDEX_BASE


def span(chrom: str, start, end) -> str:
    """A BED interval (0-based start, end exclusive) as the user writes it."""
    if INDEX_BASE:
        return f"{chrom}:{int(start) + 1}-{int(end)}"
    return f"{chrom}:{int(start)}-{int(end)}, 0-based, end exclusive"


def listing(values, limit: int = 10) -> str:
    """Names for a message, plainly: ``a, b, c`` (not Python's ``['a', 'b', 'c']``, which R users
    do not write), the first ``limit`` of them."""
    values = list(values)
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def as_written(value) -> str:
    """A value as a person writes it: a whole float as a whole number (R's 2 arrives as 2.0;
    huge ones stay floats), anything else as ``str`` gives it."""
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        if float(value).is_integer() and abs(float(value)) < 1e15:
            return str(int(value))
    return str(value)


def channels_last(name: str = "x") -> str:
    """The hint for a one-hot array given as (N, L, C): how to turn it into (N, C, L). NumPy
    arrays and torch tensors both have ``swapaxes``; R reads it as ``aperm(x, c(1, 3, 2))``."""
    return f"it looks channels-last (N, L, C): pass {name}.swapaxes(1, 2)"
