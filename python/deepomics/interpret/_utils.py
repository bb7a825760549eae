"""What the interpretation operations share: inputs as one-hot arrays checked against the model,
the model held on a device in eval mode, one output chosen by ``target``.

Every public operation takes ``(model, X, *, batch_size, device, ...)``. ``X`` is sequences (a
list or NumPy array of str, one str, or a ``genome.GenomeIntervals``, whose sequences are read)
encoded as the model was trained (``model.encoding``), or a one-hot float array ``(N, C, L)``. Sequences of another length than the model's are an error:
interpreting a padded or trimmed sequence would attribute to letters the user never gave.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..args import count, torch_device as resolve_device
from ..train.predict import on_device
from ..messages import as_written, channels_last, nth
from ..train import data as D

__all__ = ["Output", "model_length", "one_hot_inputs", "on_device",
           "output_column", "resolve_device", "letters_of"]


def arch_name(model) -> str:
    return getattr(model, "arch", None) or type(model).__name__


def model_length(model) -> int | None:
    """The input length the model was trained on (``model.encoding.length``) or built for
    (``model.seq_len``); None when it takes any length."""
    encoding = getattr(model, "encoding", None)
    length = getattr(encoding, "length", None) if encoding is not None else None
    return length if length is not None else getattr(model, "seq_len", None)


def letters_of(model) -> str:
    """The model's channel letters (``"ACGT"`` for DNA)."""
    from .. import seq

    encoding = getattr(model, "encoding", None)
    alphabet = getattr(encoding, "alphabet", None) or getattr(model, "alphabet", None) or "dna"
    return seq.alphabet_letters(alphabet)


def one_hot_inputs(model, X, what: str = "the input", any_length: bool = False) -> np.ndarray:
    """``X`` as a float32 one-hot array ``(N, C, L)`` for ``model``, checked: the model takes
    one-hot input, ``C`` is its alphabet's size and ``L`` its length (a fixed-length model's).
    A float32 array is returned as it is (a view, never written into); sequences are encoded.
    A model without a fixed ``seq_len`` reads sequences as ``predict`` does: up to the training
    length padded to it (positions past a sequence's end are padding, all-zero columns), longer
    ones at their own length; ``any_length``: also sequences of several longer lengths, padded
    to the longest (for per-position outputs such as attention)."""
    D.check_model(model, "interpretation")
    kind = getattr(model, "input_kind", "onehot")
    if kind != "onehot":
        raise ValueError(f"{arch_name(model)} takes {kind}, but interpretation works on one-hot "
                         "sequence models (deepbind, basset, danq, deeploc, ...)")
    length = model_length(model)
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    X = D.fasta_sequences(X)  # a FASTA file's path or records: their sequences, as predict reads
    if _is_genome_intervals(X):  # genome.GenomeIntervals (a GRanges from R): read them
        from ..genome import fetch

        X = fetch(X.fasta, X.intervals)
    if D._is_sequences(X):
        sequences = [X] if isinstance(X, (str, bytes)) else X
        if getattr(model, "seq_len", None) is None:  # an any-length model: read as predict does
            if not any_length:
                _check_one_reading(sequences, length, what)
        else:
            _check_sequence_lengths(model, sequences, length, what)
        encoding = getattr(model, "encoding", None)
        x, _ = D.as_inputs(sequences, model,
                           encoding if encoding is not None and encoding.alphabet else None)
        return np.asarray(x, dtype=np.float32)
    x = np.asarray(X)
    if x.size == 0 and x.ndim < 3:  # [] or an empty array of strings
        raise ValueError(f"{what} holds no sequences")
    if x.dtype == object or x.dtype.kind not in "fiub":
        raise TypeError(f"{what} must be sequences (str) or a one-hot array (N, C, L), not an "
                        f"array of {x.dtype}")
    if x.ndim == 2 and length is not None and x.shape[1] == length:
        raise ValueError(f"{what} has shape {x.shape}: a one-hot array is (N, C, L); add the "
                         f"sequence axis with X[None] for one sequence")
    n_channels = getattr(model, "n_channels", 4)
    if x.ndim != 3 or x.shape[1] != n_channels:
        hint = "; " + channels_last() if x.ndim == 3 and x.shape[2] == n_channels else ""
        raise ValueError(f"{what} must be one-hot (N, {n_channels}, L) for this "
                         f"{arch_name(model)} model's {n_channels}-letter alphabet; got shape "
                         f"{tuple(x.shape)}{hint}")
    if x.shape[0] == 0:
        raise ValueError(f"{what} holds no sequences")
    if length is not None and x.shape[2] != length and getattr(model, "seq_len", None) is not None:
        raise ValueError(f"{what} has length {x.shape[2]} but the {arch_name(model)} model was "
                         f"trained on sequences of length {length}; give sequences of "
                         f"{length} positions (cut or extend them around the region of interest)")
    if x.dtype != np.float32:
        x = x.astype(np.float32)
    return D.check_finite(x)


def sequence_ends(model, X, length: int) -> np.ndarray | None:
    """Each sequence's length (where its padding starts) when an any-length model reads
    sequences ``X`` padded to ``length`` (see ``one_hot_inputs``); None for one-hot input, a
    fixed-length model, or when no sequence is padded."""
    from .. import seq

    X = D.fasta_sequences(X)  # as one_hot_inputs reads it
    if getattr(model, "seq_len", None) is not None:
        return None
    if _is_genome_intervals(X):  # (genome intervals: their widths)
        lengths = np.asarray(X.lengths, dtype=np.int64)
    elif D._is_sequences(X):
        lengths = np.asarray(seq._core.lengths(seq._as_sequence_list(
            [X] if isinstance(X, (str, bytes)) else X)))
    else:
        return None
    return lengths if (lengths < length).any() else None


def _is_genome_intervals(x) -> bool:
    return type(x).__name__ == "GenomeIntervals" and hasattr(x, "fasta") and hasattr(x, "intervals")


def _check_one_reading(sequences, length: int | None, what: str) -> None:
    """An any-length model's sequences are read as ``predict`` reads them: those up to the
    training ``length`` padded to it, longer ones at their own length. One call is one array,
    so sequences longer than the training length must share one length (else an error says to
    interpret them one length at a time)."""
    from .. import seq

    seq_list = seq._as_sequence_list(sequences)
    if not len(seq_list):
        raise ValueError(f"{what} holds no sequences")
    lengths = np.asarray(seq._core.lengths(seq_list))
    longer = np.unique(lengths[lengths > (length or 0)])
    if len(longer) > 1 or (len(longer) == 1 and (lengths <= (length or 0)).any()):
        raise ValueError(
            f"{what}: the model was trained on sequences of up to {length} letters and reads "
            f"longer ones at their own length, but these are {int(lengths.min())} to "
            f"{int(lengths.max())} letters long; interpret the sequences longer than {length} "
            f"one length at a time (shorter ones are padded to {length}, as in training)")


def _check_sequence_lengths(model, sequences, length: int | None, what: str) -> None:
    from .. import seq

    seq_list = seq._as_sequence_list(sequences)
    if not len(seq_list):
        raise ValueError(f"{what} holds no sequences")
    lengths = np.asarray(seq._core.lengths(seq_list))
    expected = length if length is not None else int(lengths[0])
    bad = np.flatnonzero(lengths != expected)
    if bad.size:
        i = int(bad[0])
        source = "the model was trained on" if length is not None else f"sequence {nth(0)} has"
        raise ValueError(
            f"{what}: sequence {nth(i)} has {int(lengths[i])} letters but {source} {expected} "
            f"({bad.size} of {len(lengths)} sequences differ); give sequences of {expected} "
            f"letters (cut or extend them around the region of interest)")


@dataclass(frozen=True)
class Output:
    """One raw output of a model: ``column`` of its (N, K) outputs, times ``sign`` (-1 for a
    binary model's negative class, whose log-odds are minus the model's output)."""

    column: int
    sign: int = 1

    def __call__(self, raw: torch.Tensor) -> torch.Tensor:
        values = raw[:, self.column]
        return -values if self.sign < 0 else values


def output_column(model, target) -> Output:
    """The raw output that ``target`` names: None for a model with one output, an int index,
    or a class name (``model.classes``; for a binary model either class: the negative one's
    log-odds are minus the output)."""
    n_outputs = n_outputs_of(model)
    classes = getattr(model, "classes", None)
    task = getattr(model, "task", None)
    if target is None:
        if n_outputs == 1:
            return Output(0)
        names = f" (classes: {', '.join(map(str, classes))})" if classes else ""
        raise ValueError(f"the model has {n_outputs} outputs{names}; choose one with target= "
                         f"(an output number, counted from {nth(0)}, or a class name)")
    if classes is not None and not isinstance(target, (int, np.integer)):
        names = [as_written(c) for c in classes]
        if as_written(target) in names:
            index = names.index(as_written(target))
            if task == "binary":
                return Output(0, 1 if index == 1 else -1)
            return Output(index)
        raise ValueError(f"target={target!r} is not one of the model's classes "
                         f"({', '.join(names)})")
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        numbers = classes is not None and all(
            isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, bool)
            for c in classes)  # R's numeric labels arrive as floats: 0.0, 1.0
        if numbers and (task == "binary" or list(classes) != list(range(len(classes)))):
            # classes 0, 1: is target=0 the output (class 1's log-odds) or the class 0?
            names = ", ".join(repr(as_written(c)) for c in classes)
            raise ValueError(f"target is a number but so are this model's classes, so it could "
                             f"be an output or a class; name the class as text ({names})")
        if 0 <= int(target) < n_outputs:
            return Output(int(target))
        hint = ""
        if task == "binary" and classes is not None and len(classes) == 2:
            hint = (f"; a binary model's one output is the log-odds of {as_written(classes[1])!r}: "
                    f"to explain a class, name it (target={as_written(classes[1])!r} or "
                    f"{as_written(classes[0])!r})")
        raise ValueError(f"target={nth(target)} is out of range: the model has {n_outputs} "
                         f"output(s), {nth(0)} to {nth(n_outputs - 1)}{hint}")
    raise TypeError(f"target must be None, an output index or a class name, not {target!r}")


def n_outputs_of(model) -> int:
    config = getattr(model, "config", None)
    if isinstance(config, dict) and config.get("n_outputs"):
        return int(config["n_outputs"])
    n = getattr(model, "n_outputs", None)
    if n:
        return int(n)
    for module in reversed(list(model.modules())):
        if isinstance(module, torch.nn.Linear):
            return module.out_features
    return 1


def raw_outputs(model, batch: torch.Tensor) -> torch.Tensor:
    """The model's raw outputs ``(N, K)`` for a batch (logits for classification)."""
    out = model(batch)
    if isinstance(out, tuple):
        out = out[0]
    return out.reshape(out.shape[0], -1)


def batched_outputs(model, x: np.ndarray, output: Output, batch_size: int, dev) -> torch.Tensor:
    """The model's raw ``output`` for each row of ``x`` (N,), float32 on the CPU; the model
    must already be on ``dev`` in eval mode."""
    outs = []
    with torch.inference_mode():
        for start in range(0, len(x), batch_size):
            batch = torch.from_numpy(np.array(x[start:start + batch_size], dtype=np.float32))
            outs.append(output(raw_outputs(model, batch.to(dev))).float().cpu())
    return torch.cat(outs)


def check_batch_size(batch_size) -> int:
    return count(batch_size, "batch_size")  # as fit checks it (R's 64.0 is taken)
