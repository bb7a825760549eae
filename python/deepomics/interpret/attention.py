"""Attention weights: where an attention model (``deeploc``) looks along each sequence."""
from __future__ import annotations

import inspect

import numpy as np
import torch

from ..train import data as D
from . import _utils as U

__all__ = ["attention"]


def attention(model, X, *, batch_size: int = 256, device: str = "auto") -> np.ndarray:
    """Per-position attention weights ``(N, L)`` float32 of a model whose forward takes
    ``return_attention=True`` (``deeploc``): each row sums to 1 over the sequence's letters and
    is 0 on padding. ``X``: sequences (of any lengths, for a model without a fixed
    ``seq_len``: padded to the longest, or to the training length) or one-hot ``(N, C, L)``."""
    D.check_model(model, "attention")
    if "return_attention" not in inspect.signature(model.forward).parameters:
        raise ValueError(f"attention weights need a model with an attention layer (deeploc); "
                         f"this {U.arch_name(model)} model has none: in-silico mutagenesis or attributions "
                         "show which positions matter")
    batch_size = U.check_batch_size(batch_size)
    x = U.one_hot_inputs(model, X, any_length=True)
    out = np.empty((x.shape[0], x.shape[2]), dtype=np.float32)
    with U.on_device(model, device) as dev, torch.inference_mode():
        for start in range(0, len(x), batch_size):
            batch = torch.from_numpy(np.array(x[start:start + batch_size], dtype=np.float32))
            _, weights = model(batch.to(dev), return_attention=True)
            out[start:start + batch_size] = weights.float().cpu().numpy()
    return out
