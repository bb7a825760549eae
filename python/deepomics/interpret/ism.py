"""In-silico saturation mutagenesis: every single-letter substitution of every sequence, scored
by the model (DeepBind's mutation maps).

``ism(model, X)`` returns effects ``(N, C, L)``: the change of the model's raw output (the
log-odds for a classifier) when position ``l`` of sequence ``n`` is replaced by letter ``c``,
``f(x with c at l) - f(x)``; 0 where ``c`` is the letter already there (that substitution is not
run). The edits of all sequences are laid out in one list and run ``batch_size`` at a time, so
batches are full whatever the number of sequences. With ``center=True`` each position's
effects are centred on their mean over the letters, and ``hypothetical=False`` then keeps only
the observed letter's value: tangermeme's ``saturation_mutagenesis`` attributions.
"""
from __future__ import annotations

import numpy as np
import torch

from . import _utils as U

__all__ = ["ism"]


def ism(model, X, *, target=None, batch_size: int = 1024, device: str = "auto",
        center: bool = False, hypothetical: bool = True, verbose: bool = False) -> np.ndarray:
    """Effects ``(N, C, L)`` float32 of every single-letter substitution on the model's raw
    output ``target`` (see the module note); ``X``: sequences or one-hot ``(N, C, L)``.

    A column that is not a clean one-hot letter (an ``N``: all zeros or uniform) gets all ``C``
    substitutions. ``center``: subtract each position's mean effect over the letters;
    ``hypothetical=False`` (with ``center``) keeps only the observed letters' values.
    """
    batch_size = U.check_batch_size(batch_size)
    x = U.one_hot_inputs(model, X)
    output = U.output_column(model, target)
    n, c, length = x.shape
    seq_index, letter, position = _edits(x)
    effects = np.zeros((n, c, length), dtype=np.float32)
    with U.on_device(model, device) as dev:
        reference = U.batched_outputs(model, x, output, batch_size, dev).numpy()
        source = torch.from_numpy(np.ascontiguousarray(x)).to(dev)
        n_edits = len(seq_index)
        progress = _progress(n_edits, verbose)
        with torch.inference_mode():
            for start in range(0, n_edits, batch_size):
                stop = min(start + batch_size, n_edits)
                rows = torch.from_numpy(seq_index[start:stop]).to(dev)
                cols = torch.from_numpy(position[start:stop]).to(dev)
                chars = torch.from_numpy(letter[start:stop]).to(dev)
                batch = source.index_select(0, rows)
                k = torch.arange(stop - start, device=dev)
                batch[k, :, cols] = 0.0
                batch[k, chars, cols] = 1.0
                out = output(U.raw_outputs(model, batch)).float().cpu().numpy()
                effects[seq_index[start:stop], letter[start:stop], position[start:stop]] = (
                    out - reference[seq_index[start:stop]])
                progress(stop)
    if center:
        effects -= effects.mean(axis=1, keepdims=True)
        if not hypothetical:
            effects *= x
    return effects


def _edits(x: np.ndarray):
    """(sequence, letter, position) of every substitution to run, int64 arrays in sequence,
    letter, position order: all letters but the one present at a clean one-hot column."""
    identity = (x == 1) & (x.sum(axis=1, keepdims=True) == 1)
    return tuple(i.astype(np.int64) for i in np.nonzero(~identity))


def _progress(total: int, verbose: bool):
    if not verbose:
        return lambda done: None
    import sys

    def show(done: int) -> None:
        print(f"\rism: {done}/{total} substitutions", end="\n" if done >= total else "",
              file=sys.stderr, flush=True)

    return show
