"""Gradient attributions through captum: which letters the model's output rests on.

``attribute(model, X, method=...)`` returns ``(N, C, L)`` float32 for the model's raw output
``target`` (the log-odds for a classifier):

- ``"saliency"``: the absolute gradient (Simonyan et al. 2014), every letter of every position.
- ``"input_x_gradient"``: gradient times input, on the observed letters.
- ``"integrated_gradients"`` (Sundararajan et al. 2017), ``"deeplift"`` (Shrikumar et al.
  2017; the rescale rule) and ``"deepshap"`` (DeepLIFT averaged over several references, as
  in DeepExplainer / tangermeme's ``deep_lift_shap``): against dinucleotide-shuffled copies of
  each sequence (``n_references`` of them, seeded). Their multipliers ``m`` are turned into
  hypothetical contributions ``m[c, l] - sum_c' ref[c', l] m[c', l]`` (what letter ``c`` at
  ``l`` would contribute), averaged over the references, and kept on the observed letters
  unless ``hypothetical=True``. Summed over a sequence they add up (for DeepLIFT exactly,
  for integrated gradients up to the path integral's error) to the output's difference from
  the references' mean; a warning says when they do not.
"""
from __future__ import annotations

import warnings

import numpy as np
import torch

from .. import DeepomicsWarning
from ..args import count
from . import _utils as U
from ._deeplift import DeepLiftable, check_not_reused, corrected_maxpool_rule, orientations
from .dinuc_shuffle import shuffles_of

__all__ = ["METHODS", "attribute"]

_DEFAULT_REFERENCES = {"integrated_gradients": 10, "deeplift": 1, "deepshap": 20}  # baseline methods
_GRADIENT_METHODS = ("saliency", "input_x_gradient")  # no references
METHODS = _GRADIENT_METHODS + tuple(_DEFAULT_REFERENCES)
_TOLERANCE = {"deeplift": 0.01, "deepshap": 0.01, "integrated_gradients": 0.05}


def attribute(model, X, *, method: str = "saliency", target=None, n_references: int | None = None,
              references=None, n_steps: int = 50, hypothetical: bool = False,
              batch_size: int = 128, device: str = "auto", seed: int = 0) -> np.ndarray:
    """Attributions ``(N, C, L)`` float32 of the model's raw output ``target`` to the letters of
    ``X`` (sequences or one-hot ``(N, C, L)``) by ``method`` (see the module note).

    ``n_references``: dinucleotide shuffles per sequence for the baseline methods (defaults:
    10 for integrated gradients, 1 for deeplift, 20 for deepshap), drawn with ``seed``; or give
    ``references`` yourself, one-hot ``(N, R, C, L)``. ``n_steps``: integrated gradients' steps
    along the path. ``batch_size``: sequence-reference pairs per pass. An any-length model reads
    short sequences padded (as ``predict`` does); their attributions there are 0, as in ``ism``.
    """
    if method not in METHODS:
        raise ValueError(f"unknown attribution method {method!r}; choose one of "
                         f"{', '.join(METHODS)}")
    batch_size = U.check_batch_size(batch_size)
    n_steps = count(n_steps, "n_steps")  # captum asserts on 0
    x = U.one_hot_inputs(model, X)
    output = U.output_column(model, target)
    if method in _GRADIENT_METHODS and (n_references is not None or references is not None):
        raise ValueError(f"n_references / references are for the baseline methods "
                         f"({', '.join(_DEFAULT_REFERENCES)}); {method} uses none")
    try:
        with U.on_device(model, device) as dev:
            if method in _GRADIENT_METHODS:
                out = _gradient_method(model, x, output, method, hypothetical, batch_size, dev)
            else:
                references = _references(x, method, n_references, references, seed)
                out = _baseline_method(model, x, references, output, method, n_steps,
                                       hypothetical, batch_size, dev)
        ends = U.sequence_ends(model, X, x.shape[2])  # padding is no letter of the sequence
        for i, end in enumerate(ends if ends is not None else []):
            out[i, :, end:] = 0
        return out
    except RuntimeError as error:
        if "not have been used in the graph" not in str(error):
            raise
        arch = U.arch_name(model)
        why = " (it reads k-mer counts)" if arch == "kmer_linear" else ""
        raise ValueError(f"the {arch} model's output has no gradient with respect to the "
                         f"letters{why}, so gradient attributions do not exist for it; use in "
                         "silico mutagenesis (Python: interpret.ism; R: mutagenesis())") from None


def _gradient_method(model, x, output, method, hypothetical, batch_size, dev) -> np.ndarray:
    from captum.attr import InputXGradient, Saliency

    forward = _Column(model, output)
    explainer = (Saliency(forward) if method == "saliency" or hypothetical
                 else InputXGradient(forward))
    out = np.empty(x.shape, dtype=np.float32)
    for start in range(0, len(x), batch_size):
        batch = _tensor(x[start:start + batch_size], dev)
        if method == "saliency":
            values = explainer.attribute(batch, abs=True)
        elif hypothetical:  # the gradient: what each letter would contribute, linearly
            values = explainer.attribute(batch, abs=False)
        else:
            values = explainer.attribute(batch)
        out[start:start + batch_size] = values.detach().float().cpu().numpy()
    return out


class _Shuffles:
    """The references of sequences ``first..first + len(x)``: ``n`` dinucleotide shuffles
    each, drawn when asked (so that all of them are never held at once)."""

    def __init__(self, n: int, seed: int):
        self.n, self.seed = n, seed

    def of(self, x: np.ndarray, first: int) -> np.ndarray:
        return shuffles_of(x, self.n, self.seed, first)


class _Given:
    """References the user gave, one-hot (N, R, C, L)."""

    def __init__(self, refs: np.ndarray):
        self.refs, self.n = refs, refs.shape[1]

    def of(self, x: np.ndarray, first: int) -> np.ndarray:
        return np.asarray(self.refs[first:first + len(x)], dtype=np.float32)


def _references(x, method, n_references, references, seed):
    if references is not None:
        refs = np.asarray(references)
        if refs.ndim == 3:
            refs = refs[:, None]
        if refs.ndim != 4 or refs.shape[0] != x.shape[0] or refs.shape[2:] != x.shape[1:]:
            raise ValueError(f"references must be one-hot (N, R, C, L) = ({x.shape[0]}, R, "
                             f"{x.shape[1]}, {x.shape[2]}), R per sequence; got shape "
                             f"{refs.shape}")
        return _Given(refs)
    n = _DEFAULT_REFERENCES[method] if n_references is None else count(n_references, "n_references")
    return _Shuffles(n, seed)


def _baseline_method(model, x, references, output, method, n_steps, hypothetical, batch_size,
                     dev) -> np.ndarray:
    """Sequences a chunk at a time: their references, the multipliers of each
    (sequence, reference) pair, the hypothetical contributions averaged over the references."""
    multipliers_of = (_ig(model, output, n_steps, batch_size, dev)
                      if method == "integrated_gradients"
                      else _deeplift(model, x, output, batch_size, dev))
    n, r = len(x), references.n
    out = np.empty(x.shape, dtype=np.float32)
    totals, differences = [], []
    per_chunk = max(1, 4 * batch_size // r)
    for first in range(0, n, per_chunk):
        xs = np.asarray(x[first:first + per_chunk], dtype=np.float32)
        refs = references.of(xs, first).reshape(-1, *x.shape[1:])  # (m * r, C, L)
        pairs = np.repeat(xs, r, axis=0)
        m = multipliers_of(pairs, refs)
        totals.append(((pairs - refs) * m).sum(axis=(1, 2)))
        differences.append(
            np.repeat(U.batched_outputs(model, xs, output, batch_size, dev).numpy(), r)
            - U.batched_outputs(model, refs, output, batch_size, dev).numpy())
        # hypothetical contribution of letter c at l: m[c, l] - sum_c' ref[c', l] m[c', l]
        hyp = m - (refs * m).sum(axis=1, keepdims=True)
        hyp = hyp.reshape(len(xs), r, *x.shape[1:]).mean(axis=1)
        out[first:first + len(xs)] = hyp if hypothetical else hyp * xs
    _check_completeness(np.concatenate(totals), np.concatenate(differences), method)
    return out


def _ig(model, output, n_steps, batch_size, dev):
    from captum.attr import IntegratedGradients

    explainer = IntegratedGradients(_Column(model, output), multiply_by_inputs=False)

    def multipliers(pairs: np.ndarray, refs: np.ndarray) -> np.ndarray:
        out = np.empty(pairs.shape, dtype=np.float32)
        for start in range(0, len(pairs), batch_size):  # n_steps x pairs rows, batch_size a pass
            rows = slice(start, start + batch_size)
            values = explainer.attribute(_tensor(pairs[rows], dev),
                                         baselines=_tensor(refs[rows], dev), n_steps=n_steps,
                                         internal_batch_size=batch_size)
            out[rows] = values.detach().float().cpu().numpy()
        return out

    return multipliers


def _deeplift(model, x, output, batch_size, dev):
    from captum.attr import DeepLift

    sample = _tensor(x[:2], dev)
    explainers = []
    for orientation in orientations(model):  # both strands of a strand-averaging model, apart
        wrapper = DeepLiftable(model, output, orientation).prepare(sample)
        check_not_reused(wrapper, sample)
        explainers.append(DeepLift(wrapper, multiply_by_inputs=False))

    def multipliers(pairs: np.ndarray, refs: np.ndarray) -> np.ndarray:
        out = np.zeros(pairs.shape, dtype=np.float32)
        for explainer in explainers:
            for start in range(0, len(pairs), batch_size):
                rows = slice(start, start + batch_size)
                with warnings.catch_warnings(), corrected_maxpool_rule():
                    warnings.simplefilter("ignore", UserWarning)  # captum: "Setting ... hooks"
                    values = explainer.attribute(_tensor(pairs[rows], dev),
                                                 baselines=_tensor(refs[rows], dev))
                out[rows] += values.detach().float().cpu().numpy() / len(explainers)
        return out

    return multipliers


class CompletenessWarning(DeepomicsWarning, RuntimeWarning):
    """Attributions that do not add up to the output's difference from the references (a
    RuntimeWarning before; R shows it as an R warning)."""


def _check_completeness(totals: np.ndarray, differences: np.ndarray, method: str) -> None:
    """Warns when the attributions do not add up to the output differences."""
    scale = max(float(np.abs(differences).mean()), 1e-6)
    off = float(np.abs(totals - differences).mean()) / scale
    if off > _TOLERANCE[method]:
        hint = ("raise n_steps" if method == "integrated_gradients" else
                "an operation without a DeepLIFT rule (an LSTM, attention, a product) is "
                "treated as linear; integrated_gradients needs no rules")
        warnings.warn(f"{method}: the attributions add up to the output's difference from the "
                      f"references only within {off:.1%} on average; {hint}", CompletenessWarning,
                      stacklevel=4)


class _Column(torch.nn.Module):
    """The model's raw ``output`` (a ``_utils.Output``) as a (N,) tensor, for captum."""

    def __init__(self, model, output):
        super().__init__()
        self.model, self.output = model, output

    def forward(self, x):
        return self.output(U.raw_outputs(self.model, x))


def _tensor(a: np.ndarray, dev) -> torch.Tensor:
    return torch.from_numpy(np.array(a, dtype=np.float32)).to(dev).requires_grad_()
