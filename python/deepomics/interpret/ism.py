"""In-silico saturation mutagenesis: every single-letter substitution of every sequence, scored
by the model (DeepBind's mutation maps).

``ism(model, X)`` returns effects ``(N, C, L)``: the change of the model's raw output (the
log-odds for a classifier) when position ``l`` of sequence ``n`` is replaced by letter ``c``,
``f(x with c at l) - f(x)``; 0 where ``c`` is the letter already there (that substitution is not
run). With ``center=True`` each position's effects are centred on their mean over the letters,
and ``hypothetical=False`` then keeps only the observed letter's value: tangermeme's
``saturation_mutagenesis`` attributions.

How it is fast:

- the edits of many sequences share a batch, so batches are full however short the sequences;
- ``fast=True``: the convolutions that read the one-hot input add the one changed column's
  contribution to their output on the unedited sequence instead of convolving the whole
  edited sequence (``_local_conv``); the rest of the model runs as it is; equal to the full
  computation up to float rounding;
- ``tune=True``: ``batch_size`` is the most sequences per pass; the first passes also time
  its half and quarter and the fastest size per sequence is kept (``_BatchSizes``).
"""
from __future__ import annotations

import contextlib
import time

import numpy as np
import torch

from . import _utils as U
from ._local_conv import InputConvolutions

__all__ = ["ism"]

_EDITS_PER_CHUNK = 1 << 19


def ism(model, X, *, target=None, batch_size: int = 1024, device: str = "auto",
        center: bool = False, hypothetical: bool = True, fast: bool = True, tune: bool = True,
        verbose: bool = False) -> np.ndarray:
    """Effects ``(N, C, L)`` float32 of every single-letter substitution on the model's raw
    output ``target`` (see the module note); ``X``: sequences or one-hot ``(N, C, L)``.

    A column that is not a clean one-hot letter (an ``N``: all zeros or uniform) gets all ``C``
    substitutions. A model without a fixed ``seq_len`` reads sequences as ``predict`` does
    (shorter than the training length: padded to it; their effects past the end are 0).
    ``center``: subtract each position's mean effect over the letters;
    ``hypothetical=False`` (with ``center``) keeps only the observed letters' values.
    ``fast`` / ``tune``: see the module note (``fast=False, tune=False``: every edited sequence
    through the whole model, ``batch_size`` at a time).
    """
    batch_size = U.check_batch_size(batch_size)
    x = U.one_hot_inputs(model, X)
    output = U.output_column(model, target)
    n, c, length = x.shape
    ends = U.sequence_ends(model, X, length)  # an any-length model's padding is not mutated
    effects = np.zeros((n, c, length), dtype=np.float32)
    # sequences a chunk at a time: their edits (half a million) and the recorded convolutions
    per_chunk = max(1, _EDITS_PER_CHUNK // max(1, c * length))
    progress = _progress(n, verbose)
    sizes = _BatchSizes(batch_size) if tune else _BatchSizes(batch_size, fixed=True)
    convs = InputConvolutions(model, c) if fast else contextlib.nullcontext()
    with U.on_device(model, device) as dev, torch.inference_mode(), convs:
        for first in range(0, n, per_chunk):
            chunk = x[first:first + per_chunk]
            source = torch.from_numpy(np.array(chunk, dtype=np.float32)).to(dev)
            if fast:
                convs.record()
            reference = torch.cat([output(U.raw_outputs(model, source[i:i + batch_size]))
                                   for i in range(0, len(source), batch_size)])
            reference = reference.float().cpu().numpy()
            seq_index, letter, position = _edits(
                chunk, None if ends is None else ends[first:first + per_chunk])
            buffer = torch.empty((min(batch_size, len(seq_index)), c, length), device=dev)
            steps = torch.arange(len(buffer), device=dev)
            start = 0
            while start < len(seq_index):
                size = sizes.next()
                tic = time.process_time()
                rows = seq_index[start:start + size]
                chars = letter[start:start + size]
                cols = position[start:start + size]
                batch, k = buffer[:len(rows)], steps[:len(rows)]
                index = torch.from_numpy(rows).to(dev)
                torch.index_select(source, 0, index, out=batch)
                at = torch.from_numpy(cols).to(dev)
                batch[k, :, at] = 0.0
                batch[k, torch.from_numpy(chars).to(dev), at] = 1.0
                if fast:
                    convs.edit(index)
                out = output(U.raw_outputs(model, batch)).float().cpu().numpy()
                effects[first + rows, chars, cols] = out - reference[rows]
                sizes.took(size, len(rows), time.process_time() - tic)
                start += len(rows)
            progress(min(first + per_chunk, n))
    if center:
        effects -= effects.mean(axis=1, keepdims=True)
        if not hypothetical:
            effects *= x
    return effects


class _BatchSizes:
    """How many edits go through the model at a time: at most ``batch_size``, and smaller when
    that is faster. The first batches try ``batch_size``, its half and its quarter (down to
    64), twice each in turn, timing the processor seconds per edited sequence (the process's
    own, so that other programs on the machine do not sway the choice); the fastest is kept.
    Past a size that depends on the model and the machine (the activations no longer fit in
    the processor's caches), a larger batch costs more per sequence on a CPU: DeepBind's cost
    per sequence more than doubles between 600 and 800 sequences on a 2-core x86 machine. The
    results do not depend on the batches (up to float rounding)."""

    def __init__(self, batch_size: int, fixed: bool = False):
        candidates = [batch_size]
        while len(candidates) < 3 and candidates[-1] // 2 >= 64:
            candidates.append(candidates[-1] // 2)
        self.trials = candidates * 2
        self.seconds: dict = {}
        self.chosen = batch_size if len(candidates) == 1 or fixed else None

    def next(self) -> int:
        if self.chosen is not None:
            return self.chosen
        return self.trials[0]

    def took(self, size: int, n: int, seconds: float) -> None:
        if self.chosen is not None or n < size:  # a short last batch says nothing
            return
        per_row = seconds / n
        self.seconds[size] = min(per_row, self.seconds.get(size, per_row))
        self.trials.pop(0)
        if not self.trials:
            self.chosen = min(self.seconds, key=self.seconds.get)


def _edits(x: np.ndarray, ends: np.ndarray | None = None):
    """(sequence, letter, position) of every substitution to run, int64 arrays in sequence,
    letter, position order: all letters but the one present at a clean one-hot column, and
    none at or past a sequence's ``ends`` (padding)."""
    run = ~((x == 1) & (x.sum(axis=1, keepdims=True) == 1))
    if ends is not None:
        run &= (np.arange(x.shape[2]) < ends[:, None])[:, None, :]
    return tuple(i.astype(np.int64) for i in np.nonzero(run))


def _progress(total: int, verbose: bool):
    if not verbose:
        return lambda done: None
    import sys

    def show(done: int) -> None:
        print(f"\rism: {done}/{total} sequences", end="\n" if done >= total else "",
              file=sys.stderr, flush=True)

    return show
