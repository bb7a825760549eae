"""Using a fitted model: ``predict``, ``embed``, ``evaluate``.

All take ``(model, x, *, batch_size, device)``; ``x`` is anything ``fit`` takes as inputs, raw
sequences included (encoded as the model was trained: same alphabet, length and padding).
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pandas as pd
import torch

from .. import DeepomicsWarning, seq
from ..args import count, torch_device
from . import data as D
from . import metrics as M
from .engine import activate


def predict(model, x, *, batch_size: int = 256, device: str = "auto", layer=None,
            use_rep=None) -> np.ndarray:
    """Predictions, batched, in eval mode: probabilities for classification (binary: (N,), the
    probability of the second class; multiclass: (N, K) over ``model.classes``; multilabel:
    (N, K)), values for regression ((N,) or (N, K)), reconstructions for autoencoders."""
    D.check_model(model, "predict")
    task = getattr(model, "task", None)
    if task is None:
        warnings.warn("this model was never trained (fit sets its task), so its outputs are raw "
                      "and mean nothing yet; train it with deepomics.train.fit first (for weights "
                      "you loaded yourself, set model.task)", DeepomicsWarning, stacklevel=2)
    out = _run(model, x, lambda m, b: m(b), batch_size, device, layer, use_rep)
    out = activate(task, out) if task else out
    out = out.numpy()
    if task in ("binary", "regression") and out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    return out


def embed(model, x, *, batch_size: int = 256, device: str = "auto", layer=None,
          use_rep=None) -> np.ndarray:
    """The latent representation (N, latent_dim) of an autoencoder (the mean for a VAE)."""
    D.check_model(model, "embed")
    if not callable(getattr(model, "encode", None)):
        raise TypeError(f"embed needs a model with an encoder (an autoencoder); "
                        f"{type(model).__name__} has no encode()")
    return _run(model, x, lambda m, b: m.encode(b), batch_size, device, layer, use_rep).numpy()


def evaluate(model, data, *, batch_size: int = 256, device: str = "auto", layer=None,
             use_rep=None) -> pd.DataFrame:
    """Metrics of the model on ``(x, y)``: a tidy DataFrame (metric, output, value), per class
    or target where that applies (see ``deepomics.train.metrics``)."""
    D.check_model(model, "evaluate")
    task = getattr(model, "task", None)
    if task is None:
        raise ValueError("evaluate needs a fitted model (its task is unknown); fit it first")
    if not isinstance(data, tuple) or len(data) != 2:
        raise ValueError("evaluate takes data as (x, y)")
    x, y = data
    y = D.labels_from(y, x)
    D.check_lengths(x, y)
    targets, _ = D.encode_labels(y, task, getattr(model, "classes", None))
    raw = _run(model, x, lambda m, b: m(b), batch_size, device, layer, use_rep)
    if len(raw) != len(targets):
        raise ValueError(f"labels have {len(targets)} entries but there are {len(raw)} samples")
    if task in ("binary", "multiclass") and len(np.unique(targets)) < 2:
        warnings.warn("the labels hold one class only, so AUROC and AUPRC (and for a binary "
                      "model the sensitivity or specificity of the absent class) are undefined "
                      "(NaN); "
                      "evaluate on data with examples of two classes or more", DeepomicsWarning,
                      stacklevel=2)
    return M.compute(task, activate(task, raw), targets, getattr(model, "classes", None))


def _run(model, x, step, batch_size, device, layer, use_rep) -> torch.Tensor:
    batch_size = count(batch_size, "batch_size")
    groups = _length_groups(model, x)
    if groups is None:
        return _run_group(model, x, step, batch_size, device, layer, use_rep)
    parts = [(rows, _run_group(model, part, step, batch_size, device, layer, use_rep))
             for rows, part in groups]
    out = torch.empty((sum(len(r) for r, _ in parts),) + parts[0][1].shape[1:],
                      dtype=parts[0][1].dtype)
    for rows, values in parts:
        out[torch.as_tensor(rows)] = values
    return out


def _length_groups(model, x):
    """[(rows, sequences)] read at one length per group, so that no sequence's output depends on
    the others in the call: an any-length model reads a call's sequences padded to the longest
    of them and the training length, and one long sequence would widen everyone's padding.
    Sequences up to the training length form one group (read as in training), longer ones one
    group per length. None where one group holds all (fixed-length models, arrays, features)."""
    encoding = getattr(model, "encoding", None)
    if getattr(model, "seq_len", None) is not None or encoding is None or not encoding.length:
        return None
    x = D.fasta_sequences(x)
    if D._is_genome_intervals(x):
        lengths, take = np.asarray(x.lengths), x.take
    elif D._is_sequences(x) and not isinstance(x, (str, bytes)):
        sequences = seq._as_sequence_list(x.tolist() if hasattr(x, "tolist") else x)
        lengths = np.asarray(seq._core.lengths(sequences))  # checks every item, naming it
        D._check_alphabet(sequences, encoding.alphabet)  # errors name the sequence's own index
        take = lambda rows: [sequences[i] for i in rows]  # noqa: E731
    else:
        return None
    key = np.where(lengths > encoding.length, lengths, 0)
    values = np.unique(key)
    if len(values) == 1:
        return None
    return [(rows, take(rows)) for rows in (np.flatnonzero(key == v) for v in values)]


def _run_group(model, x, step, batch_size, device, layer, use_rep) -> torch.Tensor:
    layer, use_rep = D.model_source(model, x, layer, use_rep)
    encoding = getattr(model, "encoding", None)
    inputs, _ = D.as_inputs(x, model, encoding if encoding and encoding.alphabet else None,
                            layer=layer, use_rep=use_rep, features=getattr(model, "feature_names", None),
                            warn_short=True)
    data = D.BatchData(inputs)
    outs = []
    with on_device(model, device) as dev, torch.inference_mode():
        for (batch,) in D.batches(data, batch_size, shuffle=False):
            outs.append(step(model, batch.to(dev)).float().cpu())
    return torch.cat(outs)


@contextlib.contextmanager
def on_device(model, device):
    """The model on ``device`` (see ``args.torch_device``) in eval mode for the block; its own
    device and mode restored after (a model kept on the GPU stays there)."""
    dev = torch_device(device)
    was_training = model.training
    first = next(model.parameters(), None)
    home = first.device if first is not None else torch.device("cpu")
    model.eval().to(dev)
    try:
        yield dev
    finally:
        model.to(home)
        model.train(was_training)
